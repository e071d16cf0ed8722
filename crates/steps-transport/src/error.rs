//! Errors of the transport: the core's, plus what the network does.

use std::error::Error as StdError;
use std::time::Duration;

use steps_core::{BuildError, ResponseError};

/// A boxed error from hyper, rustls or the OS, kept only as a `source()`.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why an operation did not give its output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request was not built (a precondition failed); nothing was sent.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The server answered, and the answer was an error.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The whole call took longer than the request timeout.
    #[error("{operation}: timed out after {after:?}")]
    Timeout {
        /// The operation's name.
        operation: &'static str,
        /// The request timeout that ran out.
        after: Duration,
    },
    /// No connection could be made; nothing was sent.
    #[error("{operation}: could not connect to the server")]
    Connect {
        /// The operation's name.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The TLS handshake failed (an untrusted or invalid certificate, say);
    /// nothing was sent.
    #[error("{operation}: TLS handshake failed")]
    Tls {
        /// The operation's name.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The connection failed after the request may have been sent (a reset,
    /// or a response cut off).
    #[error("{operation}: the connection failed during the request")]
    Io {
        /// The operation's name.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The response body is larger than the configured limit.
    #[error("{operation}: the response body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The operation's name.
        operation: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A request that is not idempotent failed after its bytes may have
    /// reached the server, so it may have taken effect (for a create: the
    /// token may exist). It was not sent again, since a second send could
    /// have a second effect; the caller finds out before trying again.
    #[error("{operation}: outcome unknown: the request may have taken effect")]
    OutcomeUnknown {
        /// The operation's name.
        operation: &'static str,
        /// What went wrong.
        #[source]
        cause: Box<TransportError>,
    },
}

impl TransportError {
    /// The operation this error belongs to, when known.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            TransportError::Build(e) => Some(match e {
                BuildError::NotLoggedIn { operation }
                | BuildError::AdminRequired { operation }
                | BuildError::NotCreated { operation, .. }
                | BuildError::InvalidInput { operation, .. } => operation,
                _ => return None,
            }),
            TransportError::Response(e) => Some(e.operation()),
            TransportError::Timeout { operation, .. }
            | TransportError::Connect { operation, .. }
            | TransportError::Tls { operation, .. }
            | TransportError::Io { operation, .. }
            | TransportError::BodyTooLarge { operation, .. }
            | TransportError::OutcomeUnknown { operation, .. } => Some(operation),
        }
    }

    /// The response error, when the server answered (also inside an
    /// outcome-unknown error).
    pub fn response(&self) -> Option<&ResponseError> {
        match self {
            TransportError::Response(e) => Some(e),
            TransportError::OutcomeUnknown { cause, .. } => cause.response(),
            _ => None,
        }
    }

    /// Whether the request timed out (also inside an outcome-unknown error).
    pub fn is_timeout(&self) -> bool {
        match self {
            TransportError::Timeout { .. } => true,
            TransportError::OutcomeUnknown { cause, .. } => cause.is_timeout(),
            _ => false,
        }
    }
}
