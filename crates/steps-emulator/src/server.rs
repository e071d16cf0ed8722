//! The network side: accepting TCP (and TLS) connections up to a cap,
//! serving HTTP/1.1 and HTTP/2 through hyper-util's auto builder, closing
//! idle and silent connections, turning handler panics into 500s, and
//! shutting down gracefully. The TLS acceptor is in `tls.rs`; the idle
//! deadline, and what keeps a connection busy, in `idle.rs`.

mod idle;
pub(crate) mod tls;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::api;
use crate::journal;
use crate::render;
use crate::server::idle::{Activity, Busy, IdleDeadline, Tracked};
use crate::state::State;

/// A connection's byte stream: plain TCP or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How long a shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

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
            Ok(render::panic_response(state.api()))
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
