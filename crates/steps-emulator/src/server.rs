//! The network side: accepting TCP (and TLS) connections, serving HTTP/1.1
//! and HTTP/2 through hyper-util's auto builder, turning handler panics
//! into 500s, and shutting down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::api::{self, State};

/// A connection's byte stream: plain TCP or TLS.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

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

/// Serves connections from `listener` until `shutdown` changes, then lets
/// in-flight requests finish (up to a grace period).
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
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
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let service = service_fn(move |request| respond(state.clone(), request));
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            // One connection type for plain TCP and TLS: the emulator can
            // afford a dynamic call per read, and serving is written once.
            let io: Box<dyn Io> = match tls {
                None => Box::new(stream),
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => Box::new(stream),
                    Err(error) => {
                        tracing::debug!(%peer, %error, "TLS handshake failed");
                        return;
                    }
                },
            };
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

/// Runs the handler in its own task, so that a panic answers 500 for that
/// request and never takes the connection or the server down.
async fn respond(
    state: Arc<State>,
    request: http::Request<Incoming>,
) -> Result<http::Response<crate::body::ResponseBody>, api::CloseConnection> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let outcome = tokio::spawn(async move { api::handle(&state, request).await }).await;
    let response = match outcome {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(%method, %path, "handler panicked; answered 500");
            Ok(api::panic_response())
        }
    };
    match &response {
        // Paths carry only ids, never secrets; headers and bodies are never logged.
        Ok(r) => {
            tracing::info!(%method, %path, status = r.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request")
        }
        Err(_) => tracing::info!(%method, %path, "request answered by closing the connection"),
    }
    response
}

/// The address to print for a bound socket.
pub(crate) fn base_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{addr}")
}
