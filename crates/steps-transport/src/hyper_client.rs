//! hyper-util's pooled client behind the [`SendRequest`] seam: building it
//! (HTTP connector, rustls, the proxy connector, pool settings), collecting
//! bodies under the limit, and sorting hyper's errors into "nothing was
//! sent" and "may have been sent".

use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::{capture_connection, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::BoxError;
use crate::proxy::{Proxy, ProxyConnector};
use crate::send::{BoxFuture, SendError, SendRequest};
use crate::tls::{self, TlsConfigError};

/// How long an idle pooled connection is kept: shorter than the servers'
/// keep-alive timeouts (the emulator's 30 s, a load balancer's 60 s,
/// nginx's 75 s), so an idle connection is dropped here before the server
/// closes it under a request just sent on it.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(20);

type HttpsConnector = ConnectDeadline<hyper_rustls::HttpsConnector<ProxyConnector>>;

/// What the hyper-util client is built from.
pub(crate) struct HyperSettings<'a> {
    pub(crate) connect_timeout: Duration,
    pub(crate) extra_ca_pem: &'a [Vec<u8>],
    pub(crate) webpki_roots: bool,
    pub(crate) proxy: &'a Proxy,
}

/// hyper-util's pooled client behind the seam.
#[derive(Clone)]
pub(crate) struct HyperSend {
    client: Client<HttpsConnector, Full<Bytes>>,
}

impl HyperSend {
    /// A pooled client over TCP (or a proxy tunnel) and rustls.
    pub(crate) fn new(settings: HyperSettings<'_>) -> Result<HyperSend, TlsConfigError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(settings.connect_timeout));
        let tls = tls::client_config(settings.extra_ca_pem, settings.webpki_roots)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(ProxyConnector::new(http, settings.proxy));
        let connector = ConnectDeadline {
            inner: connector,
            timeout: settings.connect_timeout,
        };
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        Ok(HyperSend { client })
    }
}

impl HyperSend {
    /// Sends and collects the body under `limit`.
    async fn exchange(&self, request: Request<Bytes>, limit: usize) -> Result<Response<Bytes>, SendError> {
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
    }
}

impl SendRequest for HyperSend {
    fn send(
        &self,
        request: Request<Bytes>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        Box::pin(self.exchange(request, limit))
    }

    /// Knows whether the request got a connection when the deadline
    /// passed: hyper-util's `capture_connection` records the connection a
    /// request is sent on.
    fn send_by(
        &self,
        mut request: Request<Bytes>,
        limit: usize,
        deadline: tokio::time::Instant,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        let captured = capture_connection(&mut request);
        Box::pin(async move {
            match tokio::time::timeout_at(deadline, self.exchange(request, limit)).await {
                Ok(result) => result,
                Err(_) => Err(SendError::TimedOut {
                    connected: captured.connection_metadata().is_some(),
                }),
            }
        })
    }
}

/// One deadline for everything connecting takes: DNS, TCP, the proxy's
/// `CONNECT` or SOCKS handshake, and TLS. (hyper-util's own connect timeout
/// covers TCP alone, so a server that accepts and never finishes a TLS
/// handshake held an attempt until the whole call timed out.) A connection
/// that times out here sent nothing, so even a create is tried again.
#[derive(Clone)]
pub(crate) struct ConnectDeadline<C> {
    inner: C,
    timeout: Duration,
}

impl<C> tower_service::Service<http::Uri> for ConnectDeadline<C>
where
    C: tower_service::Service<http::Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<C::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let connecting = self.inner.call(dst);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(result) => result.map_err(Into::into),
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("connecting took longer than the connect timeout ({timeout:?})"),
                )) as BoxError),
            }
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
