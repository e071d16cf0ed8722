//! The network side: accepting TCP (and TLS) connections up to a cap,
//! serving HTTP/1.1 and HTTP/2 through hyper-util's auto builder, closing
//! idle and silent connections, turning handler panics into 500s, and
//! shutting down gracefully.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::api;
use crate::body::ResponseBody;
use crate::journal;
use crate::render;
use crate::state::State;

/// A connection's byte stream: plain TCP or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How long a shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A TLS acceptor for a PEM certificate chain and private key, with the
/// ring provider, offering HTTP/2 and HTTP/1.1 by ALPN.
pub(crate) fn tls_acceptor(cert_pem: &[u8], key_pem: &[u8]) -> std::io::Result<TlsAcceptor> {
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, what.to_owned());
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| invalid("the TLS certificate is not valid PEM"))?;
    if certs.is_empty() {
        return Err(invalid("the TLS certificate file holds no certificate"));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|_| invalid("the TLS key is not a valid PEM private key"))?;
    let mut config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(&format!("TLS configuration: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid(&format!("TLS certificate and key: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// What a connection may take from the server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// For a TLS handshake, for a request's headers (idle keep-alive time
    /// included), and for any time a connection has no request in flight.
    pub(crate) header_read_timeout: Duration,
    /// HTTP/2: the ping interval, and how long a ping may go unanswered.
    pub(crate) http2_keep_alive: Duration,
    /// How many connections may be open at once.
    pub(crate) max_connections: usize,
}

/// Serves connections from `listener` until `shutdown` changes, then lets
/// in-flight requests finish (up to a grace period).
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.http2_keep_alive)
        .keep_alive_timeout(limits.http2_keep_alive);
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(limits.max_connections.min(Semaphore::MAX_PERMITS)));
    let mut refusals = Refusals::default();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            drop(stream);
            refusals.note(limits.max_connections);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let activity = Arc::new(Activity::default());
        let service = {
            let activity = activity.clone();
            let peer = peer.ip();
            service_fn(move |request| respond(state.clone(), Activity::begin(&activity), peer, request))
        };
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            // Held until the connection ends.
            let _permit = permit;
            // One connection type for plain TCP and TLS: the emulator can
            // afford a dynamic call per read, and serving is written once.
            let io: Box<dyn Io> = match tls {
                None => Box::new(stream),
                Some(acceptor) => {
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(limits.header_read_timeout, handshake).await {
                        Ok(Ok(stream)) => Box::new(stream),
                        Ok(Err(error)) => {
                            tracing::debug!(%peer, %error, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    }
                }
            };
            let io = IdleDeadline::new(io, limits.header_read_timeout, activity);
            let result = watcher
                .watch(builder.serve_connection(TokioIo::new(io), service).into_owned())
                .await;
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish within {SHUTDOWN_GRACE:?}");
    }
}

/// The log of connections refused at the cap: one warning a second at
/// most, with how many were refused since the last.
#[derive(Default)]
struct Refusals {
    unlogged: u64,
    last_logged: Option<Instant>,
}

impl Refusals {
    fn note(&mut self, max_connections: usize) {
        self.unlogged += 1;
        if self
            .last_logged
            .is_some_and(|at| at.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        tracing::warn!(
            max_connections,
            refused = self.unlogged,
            "connection limit reached: new connections are closed as they arrive"
        );
        self.unlogged = 0;
        self.last_logged = Some(Instant::now());
    }
}

/// What one connection is doing: how many of its requests are in flight
/// (from the service call until the response body is dropped), how many
/// times it has fallen idle, and who to wake when it does.
#[derive(Default)]
struct Activity {
    in_flight: AtomicUsize,
    idle_epoch: AtomicU64,
    reader: Mutex<Option<Waker>>,
}

impl Activity {
    /// A request begins; the connection is busy until the guard drops.
    fn begin(activity: &Arc<Activity>) -> Busy {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(activity.clone())
    }

    fn is_busy(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) > 0
    }

    /// Remembers the reader's waker (before it looks at `in_flight`, so
    /// that a request ending meanwhile wakes it).
    fn park(&self, waker: &Waker) {
        let mut reader = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *reader {
            Some(parked) if parked.will_wake(waker) => {}
            other => *other = Some(waker.clone()),
        }
    }
}

/// A request in flight on its connection.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle_epoch.fetch_add(1, Ordering::SeqCst);
            let reader = self
                .0
                .reader
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(reader) = reader {
                // The reader starts the idle deadline.
                reader.wake();
            }
        }
    }
}

/// A response body that keeps its request in flight until it is sent (or
/// dropped).
struct Tracked {
    body: ResponseBody,
    _busy: Busy,
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection that is closed once it has had no request in flight for
/// `limit`, from its first byte on: reads fail with `TimedOut` then. This
/// covers what hyper leaves open: hyper-util's auto builder reads the first
/// bytes to choose HTTP/1 or HTTP/2 with no timeout of its own, and hyper's
/// header read timeout is HTTP/1's alone, so without it a client that
/// connects and sends nothing, or sends the HTTP/2 preface (or a whole
/// handshake, answering pings) and no request, would hold its connection
/// for ever. Bytes that are not requests do not keep a connection open.
struct IdleDeadline<I> {
    io: I,
    limit: Duration,
    activity: Arc<Activity>,
    /// The `idle_epoch` the deadline was set for.
    epoch: u64,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl<I> IdleDeadline<I> {
    fn new(io: I, limit: Duration, activity: Arc<Activity>) -> Self {
        IdleDeadline {
            io,
            limit,
            epoch: activity.idle_epoch.load(Ordering::SeqCst),
            activity,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for IdleDeadline<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if polled.is_pending() {
            this.activity.park(cx.waker());
            if !this.activity.is_busy() {
                let epoch = this.activity.idle_epoch.load(Ordering::SeqCst);
                if epoch != this.epoch {
                    // Idle again since the last read: a fresh deadline.
                    this.epoch = epoch;
                    let limit = this.limit;
                    this.deadline.as_mut().reset(tokio::time::Instant::now() + limit);
                }
                if this.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no request within the header read timeout",
                    )));
                }
            }
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for IdleDeadline<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Runs the handler in its own task, so that a panic answers 500 for that
/// request and never takes the connection or the server down.
/// `busy` is the request's hold on its connection, handed on to the
/// response body.
async fn respond(
    state: Arc<State>,
    busy: Busy,
    peer: IpAddr,
    request: http::Request<Incoming>,
) -> Result<http::Response<Tracked>, api::CloseConnection> {
    let method = request.method().clone();
    // Token-shaped text a client put in the path is never logged or kept.
    let path = journal::redacted_path(request.uri().path());
    let started = std::time::Instant::now();
    let exchange = Arc::new(api::Exchange::from_peer(Some(peer)));
    let handling = {
        let (state, exchange) = (state.clone(), exchange.clone());
        tokio::spawn(async move { api::handle(&state, request, &exchange).await })
    };
    let response = match handling.await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(%method, %path, "handler panicked; answered 500");
            Ok(render::panic_response())
        }
    };
    let status = response.as_ref().ok().map(|r| r.status().as_u16());
    match status {
        // Headers and bodies are never logged.
        Some(status) => {
            tracing::info!(%method, %path, status, elapsed_ms = started.elapsed().as_millis() as u64, "request")
        }
        None => tracing::info!(%method, %path, "request answered by closing the connection"),
    }
    let trace = exchange.trace();
    if !trace.control {
        state.record(journal::Entry {
            request_id: trace.request_id,
            method: method.to_string(),
            path,
            status,
            operation: trace.operation,
            user_id: trace.caller.map(|(user_id, _)| user_id),
            token_type: trace.caller.map(|(_, token_type)| token_type),
            time: trace.time,
            fault: trace.fault,
        });
    }
    response.map(|response| response.map(|body| Tracked { body, _busy: busy }))
}

/// The address to print for a bound socket.
pub(crate) fn base_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{addr}")
}
