//! `Error`: the one error type of the facade, with its `ErrorKind`.

use std::fmt;
use std::time::Duration;

use steps_core::{BuildError, ResponseError, ResponseErrorKind};
use steps_transport::TransportError;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client is misconfigured (an invalid base URL or CA certificate).
    Config,
    /// The operation needs a login token and the session has none.
    NotLoggedIn,
    /// The operation is for admins and the session's user is not one.
    AdminRequired,
    /// A read or delete of a token that was never created.
    NotCreated,
    /// An argument is outside what the protocol accepts.
    InvalidInput,
    /// 401: the token (or email and password) was refused.
    Unauthorized,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: no such token (or not yours).
    NotFound,
    /// 429: too many requests.
    RateLimited,
    /// Another error status from the server.
    Api,
    /// The server's answer does not follow the protocol (a bad body, an
    /// HTML error page, a redirect).
    Protocol,
    /// The call took longer than the request timeout.
    Timeout,
    /// No connection could be made.
    Connect,
    /// The TLS handshake failed (an untrusted certificate, say).
    Tls,
    /// The connection failed during the request.
    Io,
    /// The response body was larger than the limit.
    BodyTooLarge,
    /// A create failed after it may have reached the server: the token may
    /// have been created.
    OutcomeUnknown,
    /// The server does not offer the protocol feature the call needs
    /// ([`Error::unsupported_feature`] names it): a v1 server, or a v2
    /// server without it. Nothing was sent.
    Unsupported,
    /// The Quandela cloud refused a generate because the user already has
    /// a token with this label (a 400 read by its text, `docs/quandela.md`).
    LabelTaken,
    /// A generate whose outcome was unknown was settled by its label: the
    /// token exists ([`Error::token_id`] names it), and its secret was lost
    /// with the answer. Delete it, or generate with `replace_if_lost`.
    SecretLost,
    /// A call whose outcome was unknown was settled: it did nothing (a
    /// generate whose label the cloud does not hold). Making it again is
    /// safe.
    NotApplied,
    /// A `steps::blocking` call was made from async code on a tokio
    /// runtime (a task, a `block_on`'s future), where it would block the
    /// runtime's thread: nothing was sent. Use the async facade there, or
    /// `tokio::task::spawn_blocking`, where blocking calls work. (Async
    /// code inside `tokio::task::coop::unconstrained`, or on another
    /// executor, cannot be told apart: there the call blocks the thread
    /// instead; see `steps::blocking`.)
    BlockingInAsync,
}

/// An error from the `steps` SDK.
///
/// `Display` is one line naming the operation and what failed. Secrets never
/// appear in it; hyper and rustls errors are reachable only as `source()`.
#[derive(Debug)]
pub struct Error {
    repr: Repr,
}

#[derive(Debug)]
pub(crate) enum Repr {
    /// The transport speaks of requests that may have taken effect; the
    /// operation's declared effect says what, in a user's words.
    OutcomeUnknown {
        operation: &'static str,
        effect: steps_core::Effect,
        cause: Box<TransportError>,
        /// The idempotency key it was sent with, to send it again with.
        key: Option<steps_core::IdempotencyKey>,
    },
    Transport(TransportError),
    Config(String),
    BlockingInAsync,
    /// One error shared by several calls: a failed login that every call
    /// waiting for it gets.
    Shared(std::sync::Arc<Error>),
    Unsupported(steps_core::Feature),
    /// An unknown outcome, settled by looking: the token exists (`Some`,
    /// its secret lost) or nothing was done (`None`).
    Settled {
        operation: &'static str,
        token_id: Option<i64>,
        cause: Box<Error>,
    },
}

// `Display` and `source` are written out rather than derived with
// thiserror, so that an application on the facade compiles no proc-macro
// (and with it no syn): see `bench/findings.md`, build cost. `Error` is
// transparent over its `Repr`, as are `Transport` and `Shared` over what
// they hold: the same `Display`, and the wrapped error's own `source`.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.repr.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.repr.source()
    }
}

impl Error {
    pub(crate) fn unsupported(feature: steps_core::Feature) -> Self {
        Error {
            repr: Repr::Unsupported(feature),
        }
    }

    /// For an [`ErrorKind::OutcomeUnknown`] error of a request sent with an
    /// idempotency key (protocol v2), the key: send the same request again
    /// with it (the builders' `.idempotency_key(key)`) to learn the outcome
    /// without doing it twice.
    pub fn idempotency_key(&self) -> Option<&steps_core::IdempotencyKey> {
        match &self.repr {
            Repr::OutcomeUnknown { key, .. } => key.as_ref(),
            Repr::Shared(error) => error.idempotency_key(),
            _ => None,
        }
    }

    /// Records the key an unknown outcome's request carried.
    pub(crate) fn with_idempotency_key(mut self, sent: Option<&steps_core::IdempotencyKey>) -> Self {
        if let Repr::OutcomeUnknown { key, .. } = &mut self.repr {
            *key = sent.cloned();
        }
        self
    }

    /// The protocol feature the server does not offer, for an
    /// [`ErrorKind::Unsupported`] error.
    pub fn unsupported_feature(&self) -> Option<steps_core::Feature> {
        match &self.repr {
            Repr::Unsupported(feature) => Some(*feature),
            Repr::Shared(error) => error.unsupported_feature(),
            _ => None,
        }
    }

    pub(crate) fn shared(error: std::sync::Arc<Error>) -> Self {
        Error {
            repr: Repr::Shared(error),
        }
    }

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn blocking_in_async() -> Self {
        Error {
            repr: Repr::BlockingInAsync,
        }
    }

    /// The client's settings cannot work.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error {
            repr: Repr::Config(message.into()),
        }
    }

    /// An unknown outcome settled by looking: `token_id` is the token that
    /// exists (its secret lost), or `None` when nothing was done.
    pub(crate) fn settled(operation: &'static str, token_id: Option<i64>, cause: Error) -> Self {
        Error {
            repr: Repr::Settled {
                operation,
                token_id,
                cause: Box::new(cause),
            },
        }
    }

    /// Whether the call (or, for an unknown outcome, its last attempt) ran
    /// out of time: a request that did may still be under way on the
    /// server.
    pub fn is_timeout(&self) -> bool {
        match &self.repr {
            Repr::Transport(t) => t.is_timeout(),
            Repr::OutcomeUnknown { cause, .. } => cause.is_timeout(),
            Repr::Shared(error) => error.is_timeout(),
            _ => false,
        }
    }

    /// For a [`ErrorKind::SecretLost`] error, the token that exists.
    pub fn token_id(&self) -> Option<i64> {
        match &self.repr {
            Repr::Settled { token_id, .. } => *token_id,
            Repr::Shared(error) => error.token_id(),
            _ => None,
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        let transport = match &self.repr {
            Repr::Config(_) => return ErrorKind::Config,
            Repr::BlockingInAsync => return ErrorKind::BlockingInAsync,
            Repr::Unsupported(_) => return ErrorKind::Unsupported,
            Repr::OutcomeUnknown { .. } => return ErrorKind::OutcomeUnknown,
            Repr::Settled {
                token_id: Some(_), ..
            } => return ErrorKind::SecretLost,
            Repr::Settled { token_id: None, .. } => return ErrorKind::NotApplied,
            Repr::Shared(error) => return error.kind(),
            Repr::Transport(t) => t,
        };
        match transport {
            TransportError::Build(BuildError::NotLoggedIn { .. }) => ErrorKind::NotLoggedIn,
            TransportError::Build(BuildError::AdminRequired { .. }) => ErrorKind::AdminRequired,
            TransportError::Build(BuildError::NotCreated { .. }) => ErrorKind::NotCreated,
            TransportError::Build(_) => ErrorKind::InvalidInput,
            TransportError::Response(response) => match response.kind() {
                ResponseErrorKind::Unauthorized => ErrorKind::Unauthorized,
                ResponseErrorKind::Forbidden => ErrorKind::Forbidden,
                ResponseErrorKind::NotFound => ErrorKind::NotFound,
                ResponseErrorKind::RateLimited => ErrorKind::RateLimited,
                ResponseErrorKind::LabelTaken => ErrorKind::LabelTaken,
                ResponseErrorKind::Protocol => ErrorKind::Protocol,
                // A gateway's HTML 502 page is not the protocol's answer:
                // `Protocol`, and `is_retryable` still says "try again".
                ResponseErrorKind::Unavailable if matches!(response, ResponseError::UnexpectedBody(_)) => {
                    ErrorKind::Protocol
                }
                _ => ErrorKind::Api,
            },
            TransportError::Timeout { .. } => ErrorKind::Timeout,
            TransportError::Connect { .. } => ErrorKind::Connect,
            TransportError::Tls { .. } => ErrorKind::Tls,
            // Not sent, so no outcome is unknown: an I/O failure that is
            // safe to retry, whatever the operation.
            TransportError::Io { .. } | TransportError::NotSent { .. } => ErrorKind::Io,
            TransportError::BodyTooLarge { .. } => ErrorKind::BodyTooLarge,
            TransportError::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            _ => ErrorKind::Api,
        }
    }

    fn response(&self) -> Option<&ResponseError> {
        match &self.repr {
            Repr::Transport(t) => t.response(),
            Repr::OutcomeUnknown { cause, .. } => cause.response(),
            Repr::Shared(error) => error.response(),
            Repr::Settled { .. } | Repr::Config(_) | Repr::BlockingInAsync | Repr::Unsupported(_) => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.response().map(|r| r.status().as_u16())
    }

    /// The server's error message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        match self.response()? {
            ResponseError::Api(api) => Some(&api.message),
            _ => None,
        }
    }

    /// The server's request id, for support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.response()?.request_id()
    }

    /// How long the server asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.response()?.retry_after()
    }

    /// The operation that failed (`job_token.create`), when known.
    pub fn operation(&self) -> Option<&'static str> {
        match &self.repr {
            Repr::Transport(t) => t.operation(),
            Repr::OutcomeUnknown { operation, .. } | Repr::Settled { operation, .. } => Some(operation),
            Repr::Shared(error) => error.operation(),
            Repr::Config(_) | Repr::BlockingInAsync | Repr::Unsupported(_) => None,
        }
    }

    /// For an [`ErrorKind::OutcomeUnknown`] error, what the operation does
    /// on the server, and so what it may have done
    /// ([`Effect::unknown_outcome`](steps_core::Effect::unknown_outcome)
    /// says it in words).
    pub fn effect(&self) -> Option<steps_core::Effect> {
        match &self.repr {
            Repr::OutcomeUnknown { effect, .. } => Some(*effect),
            Repr::Shared(error) => error.effect(),
            _ => None,
        }
    }

    /// Whether the same call may succeed if made again later: rate limits,
    /// transient server errors, timeouts and network failures. Never for an
    /// unknown outcome (trying again could create a second token).
    pub fn is_retryable(&self) -> bool {
        match self.kind() {
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Io => true,
            ErrorKind::OutcomeUnknown | ErrorKind::SecretLost => false,
            // Settled: it did nothing, so making it again is safe.
            ErrorKind::NotApplied => true,
            _ => self.response().is_some_and(ResponseError::is_transient),
        }
    }

    /// What the server's answer means, when it answered: the core's
    /// reading of the status and body, for callers who need more than
    /// [`Error::kind`] (a gateway's 503 from a server's own, say).
    pub fn response_kind(&self) -> Option<ResponseErrorKind> {
        self.response().map(ResponseError::kind)
    }

    /// Whether the server refused the token (401): the session must log in
    /// again.
    pub fn is_unauthorized(&self) -> bool {
        self.kind() == ErrorKind::Unauthorized
    }
}

impl From<TransportError> for Error {
    fn from(error: TransportError) -> Self {
        let repr = match error {
            TransportError::OutcomeUnknown {
                operation,
                effect,
                cause,
            } => Repr::OutcomeUnknown {
                operation,
                effect,
                cause,
                key: None,
            },
            error => Repr::Transport(error),
        };
        Error { repr }
    }
}

impl From<BuildError> for Error {
    fn from(error: BuildError) -> Self {
        Error::from(TransportError::Build(error))
    }
}

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

mod display;

#[cfg(test)]
mod tests;
