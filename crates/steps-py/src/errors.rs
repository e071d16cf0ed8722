//! The exceptions: `CloudError` (a `RuntimeError`), `OutcomeUnknownError`,
//! and how a `steps::Error` becomes one of them or an `AssertionError`.

use pyo3::create_exception;
use pyo3::exceptions::{PyAssertionError, PyRuntimeError};
use pyo3::prelude::*;
use steps::{Error, ErrorKind};

create_exception!(
    steps_cloud,
    CloudError,
    PyRuntimeError,
    "A call to the STEPS cloud failed. A RuntimeError, as the Python client raised.\n\n\
     Attributes (None when they do not apply): status (the HTTP status, when the server \
     answered), message (the server's error message), request_id (the server's x-request-id), \
     retry_after (seconds the server asked to wait, a float), kind (what failed, such as \
     'unauthorized', 'not_found', 'timeout', 'unsupported', 'invalid_input') and operation \
     ('job_token.create', ...). The message never holds a password or a token."
);

create_exception!(
    steps_cloud,
    OutcomeUnknownError,
    CloudError,
    "A create (or rotate) failed after it may have reached the server: the token may exist. \
     Against a protocol v1 server creates are never sent twice; list by label to find out."
);

/// The attributes every `CloudError` has, `None` on the class so that one
/// raised by hand has them too.
pub(crate) const ATTRIBUTES: [&str; 6] = [
    "status",
    "message",
    "request_id",
    "retry_after",
    "kind",
    "operation",
];

/// `kind` as Python sees it: the facade's `ErrorKind` in snake case.
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config => "config",
        ErrorKind::NotLoggedIn => "not_logged_in",
        ErrorKind::AdminRequired => "admin_required",
        ErrorKind::NotCreated => "not_created",
        ErrorKind::InvalidInput => "invalid_input",
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::NotFound => "not_found",
        ErrorKind::RateLimited => "rate_limited",
        ErrorKind::Api => "api",
        ErrorKind::Protocol => "protocol",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Connect => "connect",
        ErrorKind::Tls => "tls",
        ErrorKind::Io => "io",
        ErrorKind::BodyTooLarge => "body_too_large",
        ErrorKind::OutcomeUnknown => "outcome_unknown",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::BlockingInAsync => "blocking_in_async",
        ErrorKind::LabelTaken => "label_taken",
        ErrorKind::SecretLost => "secret_lost",
        ErrorKind::NotApplied => "not_applied",
        _ => "other",
    }
}

/// The Python exception for a failed call. The client-side preconditions
/// of the Python client (a login token, an admin, a created token) are
/// `AssertionError`s, as there; everything else is a `CloudError`.
///
/// `known` are secrets the caller holds (the password of a login, the
/// token a call was made with): the core already scrubs what looks like a
/// token from what a server says, and these are scrubbed too, whatever
/// they look like, in case a server echoes them.
pub(crate) fn to_py(py: Python<'_>, error: Error, known: &[&str]) -> PyErr {
    let text = scrub(error.to_string(), known);
    let kind = error.kind();
    if matches!(
        kind,
        ErrorKind::NotLoggedIn | ErrorKind::AdminRequired | ErrorKind::NotCreated
    ) {
        return PyAssertionError::new_err(text);
    }
    let err = if kind == ErrorKind::OutcomeUnknown {
        OutcomeUnknownError::new_err(text)
    } else {
        CloudError::new_err(text)
    };
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("status", error.status())?;
        value.setattr("message", error.message().map(|m| scrub(m.to_owned(), known)))?;
        value.setattr("request_id", error.request_id())?;
        value.setattr("retry_after", error.retry_after().map(|d| d.as_secs_f64()))?;
        value.setattr("kind", kind_name(kind))?;
        value.setattr("operation", error.operation())?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(failed) => failed,
    }
}

/// `text` with every occurrence of a known secret replaced by
/// `<redacted>`.
fn scrub(mut text: String, known: &[&str]) -> String {
    for secret in known.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "<redacted>");
        }
    }
    text
}

/// A `CloudError` raised before anything was sent: an argument the
/// protocol does not accept (`kind` is `'invalid_input'`).
pub(crate) fn invalid_input(py: Python<'_>, operation: &str, reason: &str) -> PyErr {
    let err = CloudError::new_err(format!("{operation}: invalid input: {reason}"));
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("kind", kind_name(ErrorKind::InvalidInput))?;
        value.setattr("operation", operation)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(failed) => failed,
    }
}

/// An `AssertionError` for a precondition of the Python client.
pub(crate) fn assertion(message: impl Into<String>) -> PyErr {
    PyAssertionError::new_err(message.into())
}
