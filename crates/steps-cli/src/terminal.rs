//! What reaches the terminal: text made inert, and lines written through
//! a locked stdout, where a closed pipe ends the command quietly.
//!
//! Labels and error messages come from the server, and any user can choose
//! a label that an admin's `job-token list` will show: a terminal acts on
//! the control characters in them (OSC 52 writes the clipboard, CSI moves
//! the cursor and erases rows) and reorders text after a bidi override.
//! Every human-readable field and message goes through [`printable`]; JSON
//! goes through [`json`].

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::colour::{self, Painted};
use crate::error::CliError;

/// Whether a terminal would act on `c` or reorder the text after it: C0
/// controls, DEL, C1 controls, and the bidi embeddings, overrides, isolates
/// and marks.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
}

/// `text` with every control character, DEL and bidi control shown as a
/// Rust escape (`\u{1b}`, `\n`, `\u{202e}`), so that it prints as what it
/// is instead of acting on the terminal. Borrowed when there is nothing to
/// escape.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `value` as pretty JSON in which DEL, C1 controls and bidi controls are
/// `\u00XX` escapes too (serde_json escapes only C0): the same value for a
/// JSON reader, inert on a terminal.
pub(crate) fn json(value: &serde_json::Value) -> String {
    let text = format!("{value:#}");
    if !text.chars().any(is_unsafe_in_json) {
        return text;
    }
    // Outside strings, JSON text is ASCII punctuation, digits, letters and
    // white space, so every such character is inside a string, where an
    // escape means the same character.
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_in_json(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`is_unsafe`] but for the line breaks of pretty JSON (inside strings,
/// serde_json has already escaped every C0 control).
fn is_unsafe_in_json(c: char) -> bool {
    is_unsafe(c) && c != '\n'
}

/// Writes human-readable `text` and a line break to stdout, each line made
/// [`printable`]: a second guard behind the tables' and fields' own
/// escaping, for the messages around them. See [`write()`].
pub(crate) fn human(text: &str) -> Result<(), CliError> {
    painted(&inert(text))
}

/// `text` with each line made [`printable`]: text with no escape
/// sequence at all, as [`painted`] writes it.
pub(crate) fn inert(text: &str) -> Painted {
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(printable).collect();
    Painted(lines.join("\n"))
}

/// Writes `text`, printable and painted by `colour.rs` only, and a line
/// break to stdout. See [`write()`].
pub(crate) fn painted(text: &Painted) -> Result<(), CliError> {
    line(&text.0)
}

/// Writes `value` as escaped, pretty [`json`] and a line break to stdout.
/// See [`write()`].
pub(crate) fn json_line(value: &serde_json::Value) -> Result<(), CliError> {
    line(&json(value))
}

/// Writes `text` and a line break to stdout: see [`write()`].
pub(crate) fn line(text: &str) -> Result<(), CliError> {
    write(format!("{text}\n").as_bytes())
}

/// Writes `bytes` to stdout, locked, and flushes.
///
/// # Errors
///
/// A closed stdout (`steps demo | head -1`) is [`CliError::stdout_closed`],
/// a quiet exit 0; another write error is an exit 1.
pub(crate) fn write(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe => CliError::stdout_closed(),
            _ => CliError::local(format!("cannot write to standard output: {e}")),
        })
}

/// `-q/--quiet`: notes are left out (warnings and errors are not). Set
/// once, before any command runs.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Leaves notes out from now on (`-q/--quiet`).
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q/--quiet` was given.
pub(crate) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Writes `text` (a count, say) and a line break to stderr, made
/// [`printable`]: what a person reads beside the output, kept out of
/// stdout so that stdout holds only the table or JSON. Not with `--quiet`.
pub(crate) fn note(text: &str) {
    if !quiet() {
        let _ = writeln!(std::io::stderr().lock(), "{}", printable(text));
    }
}

/// Writes `steps: MESSAGE` to stderr, with the message made [`printable`];
/// with `--quiet`, not a message that is only a note (`note: ...`).
/// Nothing more can be done when stderr itself is closed, so that is
/// ignored.
pub(crate) fn error_line(message: &str) {
    if quiet() && message.starts_with("note:") {
        return;
    }
    let (start, rest) = colour::line_start(message);
    let _ = writeln!(std::io::stderr().lock(), "{start}{}", printable(rest));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert!(matches!(printable("plain label, é ✓"), Cow::Borrowed(_)));
        assert_eq!(
            printable("\u{1b}]52;c;aGk=\u{7}\u{1b}[2K"),
            r"\u{1b}]52;c;aGk=\u{7}\u{1b}[2K"
        );
        assert_eq!(printable("a\r\nb\tc\0"), r"a\r\nb\tc\u{0}");
        assert_eq!(
            printable("\u{7f}\u{80}\u{85}\u{9b}\u{9f}"),
            r"\u{7f}\u{80}\u{85}\u{9b}\u{9f}"
        );
        assert_eq!(
            printable("\u{202a}\u{202e}\u{2066}\u{2069}\u{200f}"),
            r"\u{202a}\u{202e}\u{2066}\u{2069}\u{200f}"
        );
        // Neighbours of the ranges are left alone.
        assert_eq!(
            printable("\u{a0}\u{2029}\u{202f}\u{2065}\u{206a}"),
            "\u{a0}\u{2029}\u{202f}\u{2065}\u{206a}"
        );
    }

    #[test]
    fn json_escapes_del_c1_and_bidi_and_reads_back_the_same() {
        let label = "\u{1b}[1A\u{7f}\u{85}\u{9b}\u{202e}x\u{2069}\"\\ é";
        let value = serde_json::json!({ "label": label, "n": [1, 2] });
        let text = json(&value);
        assert!(
            text.contains(r"\u001b[1A\u007f\u0085\u009b\u202ex\u2069"),
            "{text}"
        );
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }

    proptest::proptest! {
        #[test]
        fn printable_text_is_inert(text in "\\PC*|[\\x00-\\x{a0}\\x{2000}-\\x{2070}]{0,40}") {
            proptest::prop_assert!(!printable(&text).chars().any(is_unsafe));
        }

        #[test]
        fn json_text_is_inert_and_the_same_value(text in "[\\x00-\\x{a0}\\x{2000}-\\x{2070}]{0,40}") {
            let value = serde_json::json!([text]);
            let out = json(&value);
            proptest::prop_assert!(!out.chars().any(is_unsafe_in_json));
            proptest::prop_assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap(), value);
        }
    }
}
