//! The seam between the transport's policy and the network: a request in,
//! a response with its whole body out. hyper-util sits behind it
//! (`hyper_client.rs`); tests put a script there instead.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::{Request, Response};

use crate::error::BoxError;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How one send failed, in the terms the retry policy needs: whether the
/// request may have reached the server.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// No connection was made: nothing was sent.
    Connect(BoxError),
    /// The TLS handshake failed: nothing was sent.
    Tls(BoxError),
    /// The connection failed after the request may have been sent.
    Io(BoxError),
    /// The connection failed before the request was sent: it has a body,
    /// and no connection took it, nor will one (an HTTP/2 request waiting
    /// for a stream when the connection closed, say). Sending again is
    /// safe. Only a sender that watches its bodies knows this (the default
    /// one does); others report [`SendError::Io`].
    NotSent(BoxError),
    /// The response body exceeded the limit.
    BodyTooLarge,
    /// The deadline passed before the response was complete.
    TimedOut {
        /// Whether the request may have reached the server whole. `false`
        /// means it did not and never will: the time went on DNS, TCP, the
        /// proxy, the TLS handshake or waiting for a connection, and no
        /// connection took the request's body (the default sender's body
        /// refuses to be taken from then on) or, for a request without a
        /// body, no connection was found for it.
        connected: bool,
    },
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SendError::Connect(_) => "could not connect",
            SendError::Tls(_) => "the TLS handshake failed",
            SendError::Io(_) => "the connection failed during the request",
            SendError::NotSent(_) => "the connection failed before the request was sent",
            SendError::BodyTooLarge => "the response body is over the limit",
            SendError::TimedOut { .. } => "the deadline passed",
        })
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Connect(source)
            | SendError::Tls(source)
            | SendError::Io(source)
            | SendError::NotSent(source) => Some(&**source),
            SendError::BodyTooLarge | SendError::TimedOut { .. } => None,
        }
    }
}

/// Sends one request and collects its response body under `limit` bytes.
///
/// The default implementation is hyper-util's pooled client; implement it
/// to put the transport's retry and timeout policy over another client, or
/// a script in tests.
pub trait SendRequest: Send + Sync + 'static {
    /// Sends `request` and returns the response with its whole body.
    fn send(
        &self,
        request: Request<Bytes>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>>;

    /// [`Self::send`], giving up at `deadline` with
    /// [`SendError::TimedOut`]. The default cannot tell how far the send
    /// got, so it reports a connection (the request may have been sent);
    /// an implementation that knows better overrides it.
    fn send_by(
        &self,
        request: Request<Bytes>,
        limit: usize,
        deadline: tokio::time::Instant,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        let send = self.send(request, limit);
        Box::pin(async move {
            match tokio::time::timeout_at(deadline, send).await {
                Ok(result) => result,
                Err(_) => Err(SendError::TimedOut { connected: true }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// The messages and sources the thiserror derive gave, kept by the
    /// written-out impls.
    #[test]
    fn messages_and_sources_are_those_of_the_derive() {
        let refused = || Box::new(std::io::Error::other("refused")) as BoxError;
        for (error, message) in [
            (SendError::Connect(refused()), "could not connect"),
            (SendError::Tls(refused()), "the TLS handshake failed"),
            (
                SendError::Io(refused()),
                "the connection failed during the request",
            ),
            (
                SendError::NotSent(refused()),
                "the connection failed before the request was sent",
            ),
        ] {
            assert_eq!(error.to_string(), message);
            assert_eq!(error.source().expect("a source").to_string(), "refused");
        }
        assert_eq!(
            SendError::TimedOut { connected: false }.to_string(),
            "the deadline passed"
        );
        assert!(SendError::BodyTooLarge.source().is_none());
    }
}
