//! The create body handoff over TLS and HTTP/2, against a server that
//! allows one stream at a time (`max_concurrent_streams(1)`): a create
//! queued behind a slow read waits for a stream with its body untaken. If
//! its deadline passes first, the create is "not sent", and the stream
//! hyper opens for it once the read is done never delivers the body
//! (hyper resets it, and the handoff would refuse the body); the same
//! holds when the caller drops the call. If the connection fails while it
//! waits, or the server refuses its stream (`REFUSED_STREAM`), the error
//! says "not sent" too: never an unknown outcome.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::{HyperSend, HyperSettings};
use crate::proxy::Proxy;
use crate::send::{SendError, SendRequest};

const LIMIT: usize = 1 << 20;
const CREATE_BODY: &[u8] = br#"{"label":"h2","duration":60}"#;

/// What the server saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    /// The body as it arrived whole, or why it did not.
    body: Result<Bytes, String>,
}

/// A TLS + HTTP/2 server allowing one concurrent stream. `GET /api/meta`
/// is answered at once; another `GET` waits for [`H2Server::release`];
/// `POST` reads its body and answers 201.
struct H2Server {
    url: String,
    ca_pem: String,
    /// Each request's method, when its head arrives.
    heads: Arc<Mutex<Vec<Method>>>,
    /// Each request, once its body has arrived or failed.
    seen: Arc<Mutex<Vec<Seen>>>,
    release: Arc<Notify>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
}

impl H2Server {
    async fn start() -> H2Server {
        let (tls, listener, url, ca_pem) = tls_listener().await;
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let release = Arc::new(Notify::new());
        let connections = Arc::new(Mutex::new(Vec::new()));
        let acceptor = {
            let (heads, seen, release, connections) =
                (heads.clone(), seen.clone(), release.clone(), connections.clone());
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let (tls, heads, seen, release) =
                        (tls.clone(), heads.clone(), seen.clone(), release.clone());
                    let connection = tokio::spawn(async move {
                        let Ok(stream) = tls.accept(tcp).await else { return };
                        let service = service_fn(move |request| {
                            answer(request, heads.clone(), seen.clone(), release.clone())
                        });
                        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .max_concurrent_streams(1)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                    connections.lock().expect("not poisoned").push(connection);
                }
            })
        };
        H2Server {
            url,
            ca_pem,
            heads,
            seen,
            release,
            connections,
            acceptor,
        }
    }

    fn heads(&self) -> Vec<Method> {
        self.heads.lock().expect("not poisoned").clone()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    /// Waits until the server has seen `count` request heads.
    async fn wait_for_heads(&self, count: usize) {
        for _ in 0..500 {
            if self.heads().len() >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the server saw {:?}, not {count} requests", self.heads());
    }

    /// Stops accepting, and drops every connection without a word.
    fn kill(&self) {
        self.acceptor.abort();
        for connection in self.connections.lock().expect("not poisoned").iter() {
            connection.abort();
        }
    }
}

impl Drop for H2Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn answer(
    request: Request<Incoming>,
    heads: Arc<Mutex<Vec<Method>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    release: Arc<Notify>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().clone();
    let slow = method == Method::GET && request.uri().path() != "/api/meta";
    heads.lock().expect("not poisoned").push(method.clone());
    let body = request
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes())
        .map_err(|e| e.to_string());
    seen.lock().expect("not poisoned").push(Seen {
        method: method.clone(),
        body,
    });
    let status = if slow {
        release.notified().await;
        StatusCode::OK
    } else if method == Method::GET {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = Response::new(Full::new(Bytes::from_static(b"{}")));
    *response.status_mut() = status;
    Ok(response)
}

/// A loopback listener for TLS with ALPN `h2`, under a CA made for it:
/// the acceptor, the listener, its `https://` URL and the CA's PEM.
async fn tls_listener() -> (TlsAcceptor, TcpListener, String, String) {
    let (ca_pem, cert_pem, key_pem) = certificates();
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate PEM");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key PEM");
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tls = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("https://{}", listener.local_addr().expect("an address"));
    (tls, listener, url, ca_pem)
}

/// A CA, and a certificate for 127.0.0.1 it signed: (CA PEM, certificate
/// PEM, key PEM).
fn certificates() -> (String, String, String) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("params")
        .signed_by(&key, &ca, &ca_key)
        .expect("certificate");
    (ca.pem(), cert.pem(), key.serialize_pem())
}

fn sender(server: &H2Server) -> Arc<HyperSend> {
    Arc::new(sender_trusting(&server.ca_pem))
}

/// hyper-util's client as the transport builds it, trusting `ca_pem` alone.
fn sender_trusting(ca_pem: &str) -> HyperSend {
    let extra = [ca_pem.as_bytes().to_vec()];
    HyperSend::new(HyperSettings {
        connect_timeout: Duration::from_secs(5),
        extra_ca_pem: &extra,
        webpki_roots: false,
        native_roots: false,
        proxy: &Proxy::None,
        pool_per_thread: false,
    })
    .expect("a client")
}

fn get(server: &H2Server) -> Request<Bytes> {
    Request::get(format!("{}/api/job_token/1", server.url))
        .body(Bytes::new())
        .expect("a request")
}

fn create(server: &H2Server) -> Request<Bytes> {
    Request::post(format!("{}/api/job_token", server.url))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from_static(CREATE_BODY))
        .expect("a request")
}

/// Connects with a first exchange (after which the client has the
/// server's settings: one stream at a time), then starts a slow GET that
/// holds the one stream, and waits until the server has its head.
async fn hold_the_stream(
    server: &H2Server,
    send: &Arc<HyperSend>,
) -> JoinHandle<Result<Response<Bytes>, SendError>> {
    let meta = Request::get(format!("{}/api/meta", server.url))
        .body(Bytes::new())
        .expect("a request");
    send.send(meta, LIMIT).await.expect("the first exchange");
    let held = {
        let (send, request) = (send.clone(), get(server));
        tokio::spawn(async move { send.send(request, LIMIT).await })
    };
    server.wait_for_heads(2).await;
    held
}

/// Lets the held read finish, then checks that hyper opened the create's
/// stream (after `when`) but the server never got the create whole.
async fn release_and_check_the_create_never_arrives(
    server: &H2Server,
    held: JoinHandle<Result<Response<Bytes>, SendError>>,
    when: &str,
) {
    server.release.notify_one();
    held.await.expect("ran").expect("the read is answered");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.heads(),
        [Method::GET, Method::GET, Method::POST],
        "hyper opened the create's stream after {when}"
    );
    assert!(!create_arrived(server), "the server saw {:?}", server.seen());
}

/// Whether any request the server saw was the create, whole.
fn create_arrived(server: &H2Server) -> bool {
    server
        .seen()
        .iter()
        .any(|seen| seen.method == Method::POST && seen.body.as_deref() == Ok(CREATE_BODY))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_timed_out_waiting_for_a_stream_is_not_sent_even_when_the_stream_opens() {
    let server = H2Server::start().await;
    let send = sender(&server);
    let held = hold_the_stream(&server, &send).await;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
    let error = send
        .send_by(create(&server), LIMIT, deadline)
        .await
        .expect_err("no stream opens before the deadline");
    assert!(
        matches!(error, SendError::TimedOut { connected: false }),
        "the body was never taken, so nothing was sent: {error:?}"
    );
    // The read finishes; the stream hyper had queued for the create may
    // start now, after the call gave up. Whatever it sends, the server
    // never gets the create whole.
    release_and_check_the_create_never_arrives(&server, held, "the call gave up").await;
    // The connection is still good for the next call.
    let created = send
        .send_by(
            create(&server),
            LIMIT,
            tokio::time::Instant::now() + Duration::from_secs(5),
        )
        .await
        .expect("a create sent now is answered");
    assert!(created.status().is_success(), "{}", created.status());
    assert!(create_arrived(&server), "{:?}", server.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_dropped_while_waiting_for_a_stream_is_never_sent_later() {
    let server = H2Server::start().await;
    let send = sender(&server);
    let held = hold_the_stream(&server, &send).await;
    // The caller's own timeout drops the call's future (as `select!` or a
    // cancelled Python call would), well before the sender's deadline.
    let far = tokio::time::Instant::now() + Duration::from_secs(30);
    let dropped = tokio::time::timeout(
        Duration::from_millis(300),
        send.send_by(create(&server), LIMIT, far),
    )
    .await;
    assert!(dropped.is_err(), "no stream opened: {dropped:?}");
    release_and_check_the_create_never_arrives(&server, held, "the call was dropped").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_waiting_for_a_stream_when_the_connection_fails_says_not_sent() {
    let server = H2Server::start().await;
    let send = sender(&server);
    let _held = hold_the_stream(&server, &send).await;
    let waiting = {
        let (send, request) = (send.clone(), create(&server));
        let far = tokio::time::Instant::now() + Duration::from_secs(30);
        tokio::spawn(async move { send.send_by(request, LIMIT, far).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.heads(),
        [Method::GET, Method::GET],
        "the create waits for a stream"
    );
    server.kill();
    let error = waiting
        .await
        .expect("ran")
        .expect_err("the connection is gone, and no other can be made");
    assert!(
        matches!(error, SendError::NotSent(_)),
        "the body was never taken: not sent, never `Io` (an unknown outcome): {error:?}"
    );
    assert!(!create_arrived(&server), "the server saw {:?}", server.seen());
}

/// A TLS + HTTP/2 server that refuses every stream with `REFUSED_STREAM`
/// (RFC 9113 §8.7: refused before any processing), built on the h2 crate,
/// which hyper's server does not let a test drive so. Returns its URL, its
/// CA, and how many requests it refused.
async fn refusing_server() -> (String, String, Arc<Mutex<usize>>) {
    let (tls, listener, url, ca_pem) = tls_listener().await;
    let refused = Arc::new(Mutex::new(0));
    let counted = refused.clone();
    tokio::spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let Ok(stream) = tls.accept(tcp).await else { return };
        let Ok(mut connection) = h2::server::handshake(stream).await else {
            return;
        };
        while let Some(Ok((_, mut respond))) = connection.accept().await {
            respond.send_reset(h2::Reason::REFUSED_STREAM);
            *counted.lock().expect("not poisoned") += 1;
        }
    });
    (url, ca_pem, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_stream_the_server_refused_says_not_sent() {
    let (url, ca_pem, refused) = refusing_server().await;
    let send = sender_trusting(&ca_pem);
    let request = Request::post(format!("{url}/api/job_token"))
        .body(Bytes::from_static(CREATE_BODY))
        .expect("a request");
    let far = tokio::time::Instant::now() + Duration::from_secs(10);
    let error = send.send_by(request, LIMIT, far).await.expect_err("refused");
    assert!(
        matches!(error, SendError::NotSent(_)),
        "a refused stream was not processed: {error:?}"
    );
    assert_eq!(*refused.lock().expect("not poisoned"), 1);
}
