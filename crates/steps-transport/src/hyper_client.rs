//! hyper-util's pooled client behind the [`SendRequest`] seam: building it
//! (HTTP connector, rustls, the proxy connector, pool settings), collecting
//! bodies under the limit, and sorting hyper's errors into "nothing was
//! sent" and "may have been sent".

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Limited};
use hyper_util::client::legacy::connect::{capture_connection, HttpConnector};

use crate::connector::{pooled_client, ConnectDeadline, HyperClient};
use crate::handoff::{Handoff, SendBody, Watch};
use crate::per_thread::PerThread;
use crate::proxy::{Proxy, ProxyConnector};
use crate::send::{BoxFuture, SendError, SendRequest};
use crate::tls::{self, TlsConfigError};

/// What the hyper-util client is built from.
pub(crate) struct HyperSettings<'a> {
    pub(crate) connect_timeout: Duration,
    pub(crate) extra_ca_pem: &'a [Vec<u8>],
    pub(crate) webpki_roots: bool,
    pub(crate) native_roots: bool,
    pub(crate) proxy: &'a Proxy,
    /// One pool per thread ([`PerThread`]) rather than one shared.
    pub(crate) pool_per_thread: bool,
}

/// hyper-util's pooled client behind the seam.
pub(crate) struct HyperSend {
    pool: Pool,
}

/// Where a request's connection comes from.
// One per transport, so the variants' sizes do not matter; boxing the
// shared client would add a load to every request.
#[allow(clippy::large_enum_variant)]
enum Pool {
    /// One pool for every thread: its connections' tasks run on whichever
    /// runtime made them, which must keep running (a multi-thread one).
    Shared(HyperClient),
    /// A pool per thread, for callers that drive each call on their own
    /// thread's current-thread runtime ([`crate::per_thread`]).
    PerThread(PerThread),
}

impl HyperSend {
    /// A pooled client over TCP (or a proxy tunnel) and rustls.
    pub(crate) fn new(settings: HyperSettings<'_>) -> Result<HyperSend, TlsConfigError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(settings.connect_timeout));
        let tls = tls::client_config(
            settings.extra_ca_pem,
            settings.webpki_roots,
            settings.native_roots,
        )?;
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
        let pool = if settings.pool_per_thread {
            Pool::PerThread(PerThread::new(connector))
        } else {
            Pool::Shared(pooled_client(connector))
        };
        Ok(HyperSend { pool })
    }
}

/// Sends and collects the body under `limit`. A request that is `watch`ed
/// and failed before any connection took it was not sent (only the
/// request's failures: once an answer has come, a failure to read its body
/// is the answer's).
async fn exchange(
    client: &HyperClient,
    request: Request<SendBody>,
    limit: usize,
    watch: Option<&Watch>,
) -> Result<Response<Bytes>, SendError> {
    let response = client
        .request(request)
        .await
        .map_err(|error| match classify(error) {
            SendError::Io(source) if watch.is_some_and(Watch::not_sent) => SendError::NotSent(source),
            error => error,
        })?;
    let (parts, body) = response.into_parts();
    // A declared length over the limit is refused before reading: hyper
    // has parsed `Content-Length` into the body's size hint already
    // (parsing the header again cost a GET 1% of its instructions). A
    // body that has ended (a 204, or over HTTP/2 a stream that ended
    // with its headers) is never refused for what its header declares.
    if !http_body::Body::is_end_stream(&body) && http_body::Body::size_hint(&body).lower() > limit as u64 {
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

impl HyperSend {
    /// [`SendRequest::send`], as a future of its own type: the transport
    /// calls it directly (no box, no dynamic call).
    pub(crate) async fn send_plain(
        &self,
        request: Request<Bytes>,
        limit: usize,
    ) -> Result<Response<Bytes>, SendError> {
        let request = request.map(SendBody::plain);
        match &self.pool {
            Pool::Shared(client) => exchange(client, request, limit, None).await,
            Pool::PerThread(pools) => exchange(&pools.client(), request, limit, None).await,
        }
    }

    /// [`SendRequest::send_by`], the same way.
    pub(crate) async fn send_watched(
        &self,
        request: Request<Bytes>,
        limit: usize,
        deadline: tokio::time::Instant,
    ) -> Result<Response<Bytes>, SendError> {
        match &self.pool {
            Pool::Shared(client) => send_watched(client, request, limit, deadline).await,
            Pool::PerThread(pools) => send_watched(&pools.client(), request, limit, deadline).await,
        }
    }
}

impl SendRequest for HyperSend {
    fn send(
        &self,
        request: Request<Bytes>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        Box::pin(self.send_plain(request, limit))
    }

    /// Knows whether the request could have reached the server when the
    /// deadline passed, or when the connection failed: its body is a
    /// [`SendBody::watched`], which records whether a connection ever took
    /// it. A request without a body (none of the protocol's creates or
    /// rotations; an `Operation` of a user's could be) has nothing to
    /// watch, and falls back to hyper-util's `capture_connection`: whether
    /// a connection was found for it.
    ///
    /// Once the call has given up, a body no connection took is withheld
    /// for good, so that no HTTP/2 stream still queued for it sends it
    /// later behind the caller's back.
    fn send_by(
        &self,
        request: Request<Bytes>,
        limit: usize,
        deadline: tokio::time::Instant,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        Box::pin(self.send_watched(request, limit, deadline))
    }
}

/// [`SendRequest::send_by`] on `client`: see there.
async fn send_watched(
    client: &HyperClient,
    mut request: Request<Bytes>,
    limit: usize,
    deadline: tokio::time::Instant,
) -> Result<Response<Bytes>, SendError> {
    let watch = if request.body().is_empty() {
        Watch::Connection(capture_connection(&mut request))
    } else {
        Watch::Body(Arc::new(Handoff::default()))
    };
    let request = match &watch {
        Watch::Body(handoff) => request.map(|body| SendBody::watched(body, handoff.clone())),
        Watch::Connection(_) => request.map(SendBody::plain),
    };
    match tokio::time::timeout_at(deadline, exchange(client, request, limit, Some(&watch))).await {
        Ok(result) => result,
        Err(_) => Err(SendError::TimedOut {
            connected: !watch.not_sent(),
        }),
    }
}

/// Sorts a hyper-util error: a failed connect (TLS or not) sent nothing,
/// nor did a request whose HTTP/2 stream the server refused before any
/// processing (`REFUSED_STREAM`: "can be safely retried", RFC 9113 §8.7;
/// a server at its `max_concurrent_streams` answers so, and hyper-util
/// does not retry it); anything else may have sent the request.
fn classify(error: hyper_util::client::legacy::Error) -> SendError {
    if !error.is_connect() {
        return if refused_stream(&error) {
            SendError::NotSent(Box::new(error))
        } else {
            SendError::Io(Box::new(error))
        };
    }
    // A rustls error anywhere in the chain: the handshake failed.
    if tls::rustls_error(&error).is_some() {
        SendError::Tls(Box::new(error))
    } else {
        SendError::Connect(Box::new(error))
    }
}

/// Whether `error`'s chain holds the server's reset of the request's
/// HTTP/2 stream with `REFUSED_STREAM` (not a GOAWAY, nor a reset of the
/// library's own, whose reasons h2 reports the same way).
fn refused_stream(error: &(dyn std::error::Error + 'static)) -> bool {
    crate::cause::find_cause::<h2::Error>(error)
        .is_some_and(|h2| h2.is_reset() && h2.is_remote() && h2.reason() == Some(h2::Reason::REFUSED_STREAM))
}

// The HTTP/2 handoff tests drive this module's sender against test
// servers of their own; they live with the crate's other tests, outside
// `src/`, where a server may answer with statuses and paths of its own.
#[cfg(test)]
#[path = "../tests/support/h2_handoff.rs"]
mod h2_tests;
