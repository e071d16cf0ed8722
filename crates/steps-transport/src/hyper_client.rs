//! hyper-util's pooled client behind the [`SendRequest`] seam: building it
//! (HTTP connector, rustls, the proxy connector, pool settings), collecting
//! bodies under the limit, and sorting hyper's errors into "nothing was
//! sent" and "may have been sent".

use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, Limited};
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
    pub(crate) native_roots: bool,
    pub(crate) proxy: &'a Proxy,
}

/// hyper-util's pooled client behind the seam.
#[derive(Clone)]
pub(crate) struct HyperSend {
    client: Client<HttpsConnector, SendBody>,
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
    async fn exchange(&self, request: Request<SendBody>, limit: usize) -> Result<Response<Bytes>, SendError> {
        let response = self.client.request(request).await.map_err(classify)?;
        let (parts, body) = response.into_parts();
        // A declared length over the limit is refused before reading: hyper
        // has parsed `Content-Length` into the body's size hint already
        // (parsing the header again cost a GET 1% of its instructions). A
        // body that has ended (a 204, or over HTTP/2 a stream that ended
        // with its headers) is never refused for what its header declares.
        if !http_body::Body::is_end_stream(&body) && http_body::Body::size_hint(&body).lower() > limit as u64
        {
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
        Box::pin(self.exchange(request.map(SendBody::plain), limit))
    }

    /// Knows whether the request could have reached the server when the
    /// deadline passed: its body is a [`SendBody::watched`], which records
    /// whether a connection ever took it. A request without a body (none
    /// of the protocol's creates or rotations; an `Operation` of a user's
    /// could be) has nothing to watch, and falls back to hyper-util's
    /// `capture_connection`: whether a connection was found for it.
    fn send_by(
        &self,
        mut request: Request<Bytes>,
        limit: usize,
        deadline: tokio::time::Instant,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        let watch = if request.body().is_empty() {
            Watch::Connection(capture_connection(&mut request))
        } else {
            Watch::Body(Arc::new(Handoff::default()))
        };
        let request = match &watch {
            Watch::Body(handoff) => request.map(|body| SendBody::watched(body, handoff.clone())),
            Watch::Connection(_) => request.map(SendBody::plain),
        };
        Box::pin(async move {
            match tokio::time::timeout_at(deadline, self.exchange(request, limit)).await {
                Ok(result) => result,
                Err(_) => Err(SendError::TimedOut {
                    connected: match watch {
                        Watch::Body(handoff) => !handoff.withhold(),
                        Watch::Connection(captured) => captured.connection_metadata().is_some(),
                    },
                }),
            }
        })
    }
}

/// How a request that must not be sent twice is watched, to tell at its
/// deadline whether it may have reached the server.
enum Watch {
    /// Whether a connection took its body.
    Body(Arc<Handoff>),
    /// Whether a connection was found for it (a request without a body).
    Connection(hyper_util::client::legacy::connect::CaptureConnection),
}

/// A request body that is either sent as it is, or watched: a watched body
/// records, in its [`Handoff`], whether a connection ever took it.
///
/// Why watch the body rather than the connection (hyper-util's
/// `capture_connection`, used before): the capture costs a `watch`
/// channel, a request extension and a notify across tokio's eight notify
/// shards on every create, about 2,400 instructions and six allocations
/// of a create's 50,000 (`bench/findings.md`); the handoff is one small
/// allocation and two atomic operations.
///
/// Why it is safe: a request whose body no connection took was never
/// received whole, and a server that follows `docs/protocol.md` acts on a
/// create or a rotation only after reading its body: the body decides
/// what is done (an empty or malformed create body is 400, a rotation's
/// body anything but `{}` or a grace is 400), and "a request refused at
/// any step changes nothing" (the check order, under Errors). Over
/// HTTP/1 hyper writes a request's head and its body in one flush, so the
/// head never goes out alone; over HTTP/2 the HEADERS frame may, and a
/// server that acted on a head alone would break this (it would break
/// the protocol first). The converse errs the safe way: hyper's HTTP/2
/// pipe takes the body before it waits for flow-control window, so a body
/// taken but not yet sent counts as sent (an unknown outcome, never a
/// second create). And once the deadline has passed, [`Handoff::withhold`]
/// makes sure no connection takes the body later (an HTTP/2 stream that
/// was waiting to open is started after the call gave up): a later poll
/// gets an error, and hyper resets the stream or closes the connection, so
/// the server never gets the request whole.
pub(crate) struct SendBody {
    data: Option<Bytes>,
    handoff: Option<Arc<Handoff>>,
}

impl SendBody {
    /// A body sent as it is (`Full` would do the same).
    fn plain(data: Bytes) -> SendBody {
        SendBody {
            data: (!data.is_empty()).then_some(data),
            handoff: None,
        }
    }

    /// A body whose taking is recorded in `handoff`.
    fn watched(data: Bytes, handoff: Arc<Handoff>) -> SendBody {
        SendBody {
            handoff: Some(handoff),
            ..SendBody::plain(data)
        }
    }
}

impl http_body::Body for SendBody {
    type Data = Bytes;
    type Error = BodyWithheld;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyWithheld>>> {
        let this = self.get_mut();
        if let Some(handoff) = &this.handoff {
            if !handoff.take() {
                return Poll::Ready(Some(Err(BodyWithheld)));
            }
        }
        Poll::Ready(this.data.take().map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |data| data.len() as u64))
    }
}

/// Whether a watched body was taken by a connection, or withheld for good
/// because the call gave up first. Whichever happens first wins.
#[derive(Default)]
pub(crate) struct Handoff(AtomicU8);

impl Handoff {
    const WAITING: u8 = 0;
    const TAKEN: u8 = 1;
    const WITHHELD: u8 = 2;

    /// A connection asks for the body: `true` if it may have it (now or
    /// earlier), `false` if the call already gave up on it.
    fn take(&self) -> bool {
        self.settle(Self::TAKEN)
    }

    /// The call gives up: `true` if no connection took the body (and none
    /// ever will), `false` if one did, so the request may have been sent.
    fn withhold(&self) -> bool {
        self.settle(Self::WITHHELD)
    }

    /// Moves a waiting handoff to `state`: whether it is in `state` now
    /// (moved by this call or an earlier one), or already in the other.
    fn settle(&self, state: u8) -> bool {
        match self
            .0
            .compare_exchange(Self::WAITING, state, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(now) => now == state,
        }
    }
}

/// The error a withheld body gives the connection that asks for it late.
#[derive(Debug)]
pub(crate) struct BodyWithheld;

impl std::fmt::Display for BodyWithheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the call's deadline passed before the request body was sent")
    }
}

impl std::error::Error for BodyWithheld {}

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
    // A rustls error anywhere in the chain: the handshake failed.
    if tls::rustls_error(&error).is_some() {
        SendError::Tls(Box::new(error))
    } else {
        SendError::Connect(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;

    fn poll(body: &mut SendBody) -> Option<Result<Frame<Bytes>, BodyWithheld>> {
        let waker = std::task::Waker::noop();
        match Pin::new(body).poll_frame(&mut Context::from_waker(waker)) {
            Poll::Ready(frame) => frame,
            Poll::Pending => panic!("a body in memory is always ready"),
        }
    }

    #[test]
    fn a_body_taken_before_the_deadline_counts_as_sent() {
        let handoff = Arc::new(Handoff::default());
        let mut body = SendBody::watched(Bytes::from_static(b"{}"), handoff.clone());
        assert_eq!(body.size_hint().exact(), Some(2));
        let frame = poll(&mut body).expect("a frame").expect("not withheld");
        assert_eq!(frame.into_data().expect("data"), Bytes::from_static(b"{}"));
        assert!(poll(&mut body).is_none(), "then the end");
        assert!(body.is_end_stream());
        assert!(!handoff.withhold(), "taken: the request may have been sent");
    }

    #[test]
    fn a_body_withheld_first_is_never_given_out() {
        let handoff = Arc::new(Handoff::default());
        let mut body = SendBody::watched(Bytes::from_static(b"{}"), handoff.clone());
        assert!(handoff.withhold(), "nothing taken: nothing sent");
        assert!(handoff.withhold(), "and it stays so");
        assert!(matches!(poll(&mut body), Some(Err(BodyWithheld))));
        assert!(handoff.withhold(), "a late poll does not take it");
    }

    #[test]
    fn a_plain_body_is_sent_as_it_is() {
        let mut body = SendBody::plain(Bytes::from_static(b"abc"));
        assert!(!body.is_end_stream());
        assert!(poll(&mut body).expect("a frame").is_ok());
        assert!(poll(&mut body).is_none());
        assert!(
            SendBody::plain(Bytes::new()).is_end_stream(),
            "an empty body is at its end"
        );
    }
}
