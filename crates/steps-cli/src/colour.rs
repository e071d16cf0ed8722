//! Colour, only on a terminal: the state of a token in tables (active,
//! expiring soon, revoked, expired) and the start of an error or warning
//! line. anstream decides per stream from the environment as other tools
//! do: `NO_COLOR` turns it off, `CLICOLOR_FORCE` on (off a terminal too),
//! `CLICOLOR=0` off, and otherwise a terminal that supports it gets it.
//!
//! Colour codes are added after the text is made printable
//! (`terminal::printable`), and only by this module: a [`Painted`] text is
//! one whose every escape sequence is ours.

use std::sync::OnceLock;

use anstyle::{AnsiColor, Style};

/// A token that can be used.
pub(crate) const ACTIVE: Style = AnsiColor::Green.on_default();
/// A token that expires within the warning window.
pub(crate) const EXPIRING: Style = AnsiColor::Yellow.on_default();
/// A revoked or expired token.
pub(crate) const ENDED: Style = AnsiColor::Red.on_default();
/// The start of an error line.
const ERROR: Style = AnsiColor::Red.on_default().bold();
/// The start of a warning line.
const WARNING: Style = AnsiColor::Yellow.on_default().bold();

/// Whether stdout gets colour.
pub(crate) fn on_stdout() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| gets_colour(std::io::stdout))
}

/// Whether stderr gets colour.
fn on_stderr() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| gets_colour(std::io::stderr))
}

/// Whether the stream `stream` gives gets colour, as anstream decides.
fn gets_colour<S: anstream::stream::RawStream>(stream: impl Fn() -> S) -> bool {
    let on = anstream::AutoStream::choice(&stream()) != anstream::ColorChoice::Never;
    if on {
        // A Windows console shows ANSI codes as text until told not to:
        // anstream's own always-ANSI stream does that.
        let _ = anstream::AutoStream::always_ansi(stream());
    }
    on
}

/// Text already made printable, with no escape sequence but this
/// module's colour codes: written as it is.
#[derive(Debug, Default)]
pub(crate) struct Painted(pub(crate) String);

/// `text` (already printable) in `style`.
pub(crate) fn paint(text: &str, style: Style) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// The `steps: ` line prefix of `message` on stderr, and the message: a
/// warning's `warning:` in yellow, an error's `steps:` in red, a note
/// plain; all plain where stderr gets no colour.
pub(crate) fn line_start(message: &str) -> (String, &str) {
    if !on_stderr() || message.starts_with("note:") {
        return ("steps: ".to_owned(), message);
    }
    match message.strip_prefix("warning:") {
        Some(rest) => (format!("steps: {}", paint("warning:", WARNING)), rest),
        None => (format!("{} ", paint("steps:", ERROR)), message),
    }
}
