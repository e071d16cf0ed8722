//! Errors of the transport: the core's, plus what the network does.

use std::error::Error as StdError;
use std::time::Duration;

use steps_core::{BuildError, Effect, ResponseError};

/// A boxed error from hyper, rustls or the OS, kept only as a `source()`.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why an operation did not give its output.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportError {
    /// The request was not built (a precondition failed); nothing was sent.
    Build(BuildError),
    /// The server answered, and the answer was an error.
    Response(ResponseError),
    /// The whole call took longer than the request timeout.
    Timeout {
        /// The operation's name.
        operation: &'static str,
        /// The request timeout that ran out.
        after: Duration,
    },
    /// No connection could be made; nothing was sent.
    Connect {
        /// The operation's name.
        operation: &'static str,
        /// The underlying error.
        source: BoxError,
    },
    /// The TLS handshake failed (an untrusted or invalid certificate, say);
    /// nothing was sent.
    Tls {
        /// The operation's name.
        operation: &'static str,
        /// The underlying error.
        source: BoxError,
    },
    /// The connection failed after the request may have been sent (a reset,
    /// or a response cut off).
    Io {
        /// The operation's name.
        operation: &'static str,
        /// The underlying error.
        source: BoxError,
    },
    /// The connection failed before the request was sent (a request
    /// waiting for an HTTP/2 stream when its connection closed, say): no
    /// connection took its body, and none will, so it cannot have taken
    /// effect, and sending it again is safe.
    NotSent {
        /// The operation's name.
        operation: &'static str,
        /// The underlying error.
        source: BoxError,
    },
    /// The response body is larger than the configured limit.
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
    OutcomeUnknown {
        /// The operation's name.
        operation: &'static str,
        /// What the operation does, and so what it may have done.
        effect: Effect,
        /// What went wrong.
        cause: Box<TransportError>,
    },
}

// Written out rather than derived with thiserror, so that an application
// on the facade compiles no proc-macro (and with it no syn): see
// `bench/findings.md`, build cost.
impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Build(e) => e.fmt(f),
            TransportError::Response(e) => e.fmt(f),
            TransportError::Timeout { operation, after } => {
                write!(f, "{operation}: timed out after {after:?}")
            }
            TransportError::Connect { operation, .. } => {
                write!(f, "{operation}: could not connect to the server")
            }
            TransportError::Tls { operation, source } => {
                write!(f, "{operation}: TLS handshake failed")?;
                // rustls' reason, by its kind only: what a person fixes.
                match crate::tls::failure_reason(&**source) {
                    Some(reason) => write!(f, ": {reason}"),
                    None => Ok(()),
                }
            }
            TransportError::Io { operation, .. } => {
                write!(f, "{operation}: the connection failed during the request")
            }
            TransportError::NotSent { operation, .. } => write!(
                f,
                "{operation}: the connection failed before the request was sent (not sent: it had no effect)"
            ),
            TransportError::BodyTooLarge { operation, limit } => {
                write!(f, "{operation}: the response body is larger than {limit} bytes")
            }
            TransportError::OutcomeUnknown { operation, .. } => {
                write!(
                    f,
                    "{operation}: outcome unknown: the request may have taken effect"
                )
            }
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            // Transparent: the wrapped error's own source.
            TransportError::Build(e) => e.source(),
            TransportError::Response(e) => e.source(),
            TransportError::Connect { source, .. }
            | TransportError::Tls { source, .. }
            | TransportError::Io { source, .. }
            | TransportError::NotSent { source, .. } => Some(&**source),
            TransportError::OutcomeUnknown { cause, .. } => Some(&**cause),
            TransportError::Timeout { .. } | TransportError::BodyTooLarge { .. } => None,
        }
    }
}

impl From<BuildError> for TransportError {
    fn from(error: BuildError) -> Self {
        TransportError::Build(error)
    }
}

impl From<ResponseError> for TransportError {
    fn from(error: ResponseError) -> Self {
        TransportError::Response(error)
    }
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
            | TransportError::NotSent { operation, .. }
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use steps_core::{Login, Meta, Operation, Whoami};

    use super::*;

    // The operations' names, from the core.
    const LOGIN: &str = <Login as Operation>::NAME;
    const META: &str = <Meta as Operation>::NAME;
    const WHOAMI: &str = <Whoami as Operation>::NAME;

    /// The messages and sources the thiserror derive gave, kept by the
    /// written-out impls.
    #[test]
    fn messages_and_sources_are_those_of_the_derive() {
        let refused = || Box::new(std::io::Error::other("refused")) as BoxError;
        for (error, message) in [
            (
                TransportError::Connect {
                    operation: LOGIN,
                    source: refused(),
                },
                format!("{LOGIN}: could not connect to the server"),
            ),
            (
                TransportError::Tls {
                    operation: LOGIN,
                    source: refused(),
                },
                format!("{LOGIN}: TLS handshake failed"),
            ),
        ] {
            assert_eq!(error.to_string(), message);
            assert_eq!(error.source().expect("a source").to_string(), "refused");
        }
        let refused = TransportError::Tls {
            operation: META,
            source: Box::new(std::io::Error::other(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))),
        };
        assert_eq!(
            refused.to_string(),
            format!("{META}: TLS handshake failed: unknown issuer: the server's certificate is not signed by a trusted CA")
        );
        let build = TransportError::from(BuildError::NotLoggedIn { operation: WHOAMI });
        assert_eq!(
            build.to_string(),
            BuildError::NotLoggedIn { operation: WHOAMI }.to_string()
        );
        assert!(build.source().is_none());
    }
}
