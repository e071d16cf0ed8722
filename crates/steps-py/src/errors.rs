//! The exceptions: `CloudError` (a `RuntimeError`), its subclasses per
//! kind of failure (`NotFoundError`, `UnauthorizedError`, `ForbiddenError`,
//! `RateLimitedError`, `UnavailableError`, `OutcomeUnknownError`), and how
//! a `steps::Error` becomes the most specific of them or an
//! `AssertionError`.

use pyo3::create_exception;
use pyo3::exceptions::{PyAssertionError, PyRuntimeError};
use pyo3::prelude::*;
use steps::{Error, ErrorKind, ResponseErrorKind};

create_exception!(
    steps_cloud,
    CloudError,
    PyRuntimeError,
    "A call to the STEPS cloud failed. A RuntimeError, as the Python client raised.\n\n\
     Attributes (None when they do not apply): status (the HTTP status, when the server \
     answered), message (the server's error message), request_id (the server's x-request-id), \
     retry_after (seconds the server asked to wait, a float), kind (what failed, such as \
     'unauthorized', 'not_found', 'timeout', 'unsupported', 'invalid_input', 'label_taken', \
     'secret_lost', 'not_applied'), operation ('job_token.create', ...) and token_id (the \
     token a failed generate made after all, kind 'secret_lost'). The message never holds a \
     password or a token."
);

create_exception!(
    steps_cloud,
    OutcomeUnknownError,
    CloudError,
    "A create (or rotate) failed after it may have reached the server: the token may exist. \
     Against a protocol v1 server creates are never sent twice, nor generates on the Quandela \
     cloud (a labelled one is settled by its label: kind 'secret_lost' or 'not_applied'); \
     list by label to find out."
);

// One subclass per answer a caller handles on its own (`except
// NotFoundError:` rather than testing `kind`); each keeps every attribute of
// `CloudError`, and `kind` still says the same. Their `__module__` is
// `steps_cloud`, where the package re-exports them.

create_exception!(
    steps_cloud,
    NotFoundError,
    CloudError,
    "A CloudError for a 404: no such token, or not the caller's (kind 'not_found')."
);

create_exception!(
    steps_cloud,
    UnauthorizedError,
    CloudError,
    "A CloudError for a 401: the token, or the email and password of a login, was refused \
     (kind 'unauthorized')."
);

create_exception!(
    steps_cloud,
    ForbiddenError,
    CloudError,
    "A CloudError for a 403: authenticated, but not allowed, such as a user who is not an \
     admin, or a job token where a login token is needed (kind 'forbidden')."
);

create_exception!(
    steps_cloud,
    RateLimitedError,
    CloudError,
    "A CloudError for a 429: too many requests (kind 'rate_limited'); retry_after is how \
     long the server asked to wait, in seconds, when it said. What was safe to send again \
     has already been retried."
);

create_exception!(
    steps_cloud,
    UnavailableError,
    CloudError,
    "A CloudError for a 502, 503 or 504: the server, or a gateway in front of it, cannot \
     answer for now (kind 'api', or 'protocol' when a gateway answered with its own page); \
     retry_after when the server said. What was safe to send again has already been \
     retried: try again later."
);

/// The attributes every `CloudError` has, `None` on the class so that one
/// raised by hand has them too.
const ATTRIBUTES: [&str; 7] = [
    "status",
    "message",
    "request_id",
    "retry_after",
    "kind",
    "operation",
    "token_id",
];

/// Adds the exceptions to the module `m`: `CloudError`, with its
/// attributes set to `None` on the class (its subclasses inherit them),
/// then every subclass.
pub(crate) fn add_exceptions(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let cloud_error = py.get_type::<CloudError>();
    for attribute in ATTRIBUTES {
        cloud_error.setattr(attribute, py.None())?;
    }
    m.add("CloudError", cloud_error)?;
    m.add("OutcomeUnknownError", py.get_type::<OutcomeUnknownError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("UnauthorizedError", py.get_type::<UnauthorizedError>())?;
    m.add("ForbiddenError", py.get_type::<ForbiddenError>())?;
    m.add("RateLimitedError", py.get_type::<RateLimitedError>())?;
    m.add("UnavailableError", py.get_type::<UnavailableError>())?;
    Ok(())
}

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
/// `AssertionError`s, as there; everything else is a `CloudError`, of the
/// most specific subclass that fits.
///
/// `known` are secrets the caller holds (the password of a login, the
/// token a call was made with): the core already scrubs what looks like a
/// token from what a server says, and these are scrubbed too, whatever
/// they look like, in case a server echoes them.
pub(crate) fn to_py(py: Python<'_>, error: Error, known: &[&str]) -> PyErr {
    let text = error.to_string();
    to_py_saying(py, error, known, text)
}

/// As [`to_py`], with `text` (scrubbed) as the exception's message.
fn to_py_saying(py: Python<'_>, error: Error, known: &[&str], text: String) -> PyErr {
    let text = scrub(text, known);
    let kind = error.kind();
    if matches!(
        kind,
        ErrorKind::NotLoggedIn | ErrorKind::AdminRequired | ErrorKind::NotCreated
    ) {
        return PyAssertionError::new_err(text);
    }
    let err = most_specific(&error, kind, text);
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("status", error.status())?;
        value.setattr("message", error.message().map(|m| scrub(m.to_owned(), known)))?;
        value.setattr("request_id", error.request_id())?;
        value.setattr("retry_after", error.retry_after().map(|d| d.as_secs_f64()))?;
        value.setattr("kind", kind_name(kind))?;
        value.setattr("operation", error.operation())?;
        value.setattr("token_id", error.token_id())?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(failed) => failed,
    }
}

/// A new exception of the most specific class for `error` (of `kind`),
/// saying `text`; a plain `CloudError` when no subclass fits.
fn most_specific(error: &Error, kind: ErrorKind, text: String) -> PyErr {
    // The facade has no kind of its own for a 502, 503 or 504 (one with the
    // protocol's error body is `Api`, a gateway's HTML page `Protocol`), so
    // ask the core's reading of the answer.
    let unavailable = error.response_kind() == Some(ResponseErrorKind::Unavailable);
    match kind {
        ErrorKind::OutcomeUnknown => OutcomeUnknownError::new_err(text),
        ErrorKind::NotFound => NotFoundError::new_err(text),
        ErrorKind::Unauthorized => UnauthorizedError::new_err(text),
        ErrorKind::Forbidden => ForbiddenError::new_err(text),
        ErrorKind::RateLimited => RateLimitedError::new_err(text),
        // After the kinds above: an unknown outcome stays an
        // `OutcomeUnknownError` whatever its last answer was.
        _ if unavailable => UnavailableError::new_err(text),
        _ => CloudError::new_err(text),
    }
}

/// The error of a login on a cloud speaking the Quandela cloud's API: as
/// [`to_py`], but a server without a login endpoint (the production
/// cloud's published API has none) gets a message saying what to do
/// instead.
pub(crate) fn quandela_login_error(py: Python<'_>, error: Error, known: &[&str]) -> PyErr {
    if error.kind() != ErrorKind::NotFound {
        return to_py(py, error, known);
    }
    let text = format!(
        "{}: this server offers no login with email and password (the Quandela cloud's \
         published API has none). Create a token on the Quandela cloud's website \
         (cloud.quandela.com) and use it with steps_cloud.User.from_token(token) (or \
         User.from_token(steps_cloud.perceval_token(url)) for the token Perceval uses for \
         this server's url)",
        error
            .operation()
            .unwrap_or(<steps::steps_core::Login as steps::steps_core::Operation>::NAME)
    );
    to_py_saying(py, error, known, text)
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

/// A `CloudError` the binding raises itself, of `kind`, for `operation`.
fn binding_error(py: Python<'_>, kind: ErrorKind, operation: &str, text: String) -> PyErr {
    let err = CloudError::new_err(text);
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("kind", kind_name(kind))?;
        value.setattr("operation", operation)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(failed) => failed,
    }
}

/// A `CloudError` raised before anything was sent: an argument the
/// protocol does not accept (`kind` is `'invalid_input'`).
pub(crate) fn invalid_input(py: Python<'_>, operation: &str, reason: &str) -> PyErr {
    let text = format!("{operation}: invalid input: {reason}");
    binding_error(py, ErrorKind::InvalidInput, operation, text)
}

/// A `CloudError` raised before anything was sent: the context's API has
/// no such call (`kind` is `'unsupported'`).
pub(crate) fn unsupported(py: Python<'_>, operation: &str, api: &str, reason: &str) -> PyErr {
    let text = format!("{operation}: not offered by api='{api}': {reason}");
    binding_error(py, ErrorKind::Unsupported, operation, text)
}

/// A `CloudError` for a call that needs a token's secret which neither
/// the object nor the server has (`kind` is `'secret_lost'`).
pub(crate) fn no_secret(py: Python<'_>, operation: &str, reason: &str) -> PyErr {
    let text = format!("{operation}: the token's secret is not known: {reason}");
    binding_error(py, ErrorKind::SecretLost, operation, text)
}

/// An `AssertionError` for a precondition of the Python client.
pub(crate) fn assertion(message: impl Into<String>) -> PyErr {
    PyAssertionError::new_err(message.into())
}
