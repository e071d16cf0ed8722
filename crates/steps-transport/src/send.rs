//! The seam between the transport's policy and the network: a request in,
//! a response with its whole body out. hyper-util sits behind it; tests put
//! a script there instead.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;

use crate::error::BoxError;
use crate::proxy::ProxyConnector;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How one send failed, in the terms the retry policy needs.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// No connection was made: nothing was sent.
    Connect(BoxError),
    /// The TLS handshake failed: nothing was sent.
    Tls(BoxError),
    /// The connection failed after the request may have been sent.
    Io(BoxError),
    /// The response body exceeded the limit.
    BodyTooLarge,
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
}

type HttpsConnector = hyper_rustls::HttpsConnector<ProxyConnector>;

/// hyper-util's pooled client behind the seam.
#[derive(Clone)]
pub(crate) struct HyperSend {
    pub(crate) client: Client<HttpsConnector, Full<Bytes>>,
}

impl SendRequest for HyperSend {
    fn send(
        &self,
        request: Request<Bytes>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        Box::pin(async move {
            let response = self
                .client
                .request(request.map(Full::new))
                .await
                .map_err(classify)?;
            let (parts, body) = response.into_parts();
            let declared = parts
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|len| len > limit as u64) {
                return Err(SendError::BodyTooLarge);
            }
            let body = Limited::new(body, limit).collect().await.map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    SendError::BodyTooLarge
                } else {
                    SendError::Io(error)
                }
            })?;
            Ok(Response::from_parts(parts, body.to_bytes()))
        })
    }
}

/// Sorts a hyper-util error: a failed connect (TLS or not) sent nothing;
/// anything else may have sent the request.
fn classify(error: hyper_util::client::legacy::Error) -> SendError {
    if !error.is_connect() {
        return SendError::Io(Box::new(error));
    }
    if is_tls(&error) {
        SendError::Tls(Box::new(error))
    } else {
        SendError::Connect(Box::new(error))
    }
}

/// Whether a rustls error is anywhere in the chain (rustls errors arrive
/// wrapped in `io::Error`s by the TLS stream).
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if e.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source()` skips the error it wraps, so step into it.
        next = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}
