//! What the secret-leak audits share (`tests/tests/leak_audit.rs` for our
//! protocol, `tests/tests/leak_audit_quandela.rs` for the Quandela
//! cloud's): a buffer that tracing writes to, and what the run showed
//! (rendered values, errors and their sources) against the secrets it
//! used.

use std::io::Write;
use std::sync::{Arc, Mutex};

use steps::Error;

/// A writer that appends to a shared buffer: give tracing-subscriber
/// [`Buffer::writer`].
#[derive(Clone, Debug, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// What makes a writer to this buffer, for tracing-subscriber's
    /// `with_writer` (a closure that returns a writer is a `MakeWriter`).
    pub fn writer(&self) -> impl Fn() -> Buffer + Send + Sync + 'static {
        let buffer = self.clone();
        move || buffer.clone()
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().expect("the buffer's lock").clone();
        String::from_utf8(bytes).expect("tracing writes UTF-8")
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the buffer's lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything observable: rendered values, errors and their sources; and
/// the secrets of the run, none of which may be in any of it.
#[derive(Debug, Default)]
pub struct Seen {
    /// What was rendered.
    pub texts: Vec<String>,
    /// The secrets the run used.
    pub secrets: Vec<String>,
}

impl Seen {
    /// Renders `value` with `{:?}` and `{:#?}`.
    pub fn value(&mut self, value: &impl std::fmt::Debug) {
        self.texts.push(format!("{value:?}"));
        self.texts.push(format!("{value:#?}"));
    }

    /// Renders the value or the error.
    pub fn result<T: std::fmt::Debug>(&mut self, result: &Result<T, Error>) {
        match result {
            Ok(value) => self.value(value),
            Err(error) => self.error(error),
        }
    }

    /// Renders `error` with `{:?}`, `{:#?}` and `Display`, and each error
    /// of its `source()` chain with `Display` and `{:?}`.
    pub fn error(&mut self, error: &Error) {
        self.value(error);
        self.texts.push(error.to_string());
        let mut source = std::error::Error::source(error);
        while let Some(e) = source {
            self.texts.push(format!("{e} {e:?}"));
            source = e.source();
        }
    }

    /// Adds a secret of the run.
    pub fn secret(&mut self, secret: impl Into<String>) {
        self.secrets.push(secret.into());
    }

    /// The first run of text in `trace` or in anything rendered shaped
    /// like a secret starting `prefix` (then at least 16 base64url
    /// characters), whether or not the run knew it: the secret of a token
    /// whose answer was lost, say.
    pub fn secret_shaped(&self, trace: &str, prefix: &str) -> Option<String> {
        std::iter::once(trace)
            .chain(self.texts.iter().map(String::as_str))
            .find_map(|text| secret_shaped(text, prefix))
    }

    /// Checks that no secret of the run is in `trace` or in anything
    /// rendered.
    pub fn assert_no_secret_in(&self, trace: &str) {
        for secret in &self.secrets {
            assert!(!trace.contains(secret.as_str()), "a secret reached tracing");
            for text in &self.texts {
                assert!(
                    !text.contains(secret.as_str()),
                    "a secret reached Debug/Display: {text}"
                );
            }
        }
    }
}

/// The first run in `text` that starts `prefix` and goes on with at least
/// 16 base64url characters.
fn secret_shaped(text: &str, prefix: &str) -> Option<String> {
    let base64url = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(prefix).find_map(|(at, _)| {
        let rest = &text[at + prefix.len()..];
        let run = rest.find(|c| !base64url(c)).unwrap_or(rest.len());
        (run >= 16).then(|| text[at..at + prefix.len() + run].to_owned())
    })
}
