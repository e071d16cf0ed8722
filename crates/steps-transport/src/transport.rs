//! `Transport`: executes any `steps-core` operation. Build, send under the
//! retry policy and the request timeout, collect under the body limit,
//! parse: written once, generic over `Operation`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use steps_core::{CloudContext, Operation};
use tracing::Instrument;

use crate::error::TransportError;
use crate::proxy::{Proxy, ProxyConnector};
use crate::retry::RetryPolicy;
use crate::send::{HyperSend, SendError, SendRequest};
use crate::tls::{self, TlsConfigError};

/// The default connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of a whole call, retries and waits included: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default response body limit: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Executes operations against one STEPS cloud. Cheap to clone; clones
/// share one connection pool.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: CloudContext,
    sender: Arc<dyn SendRequest>,
    request_timeout: Duration,
    retry: RetryPolicy,
    max_body: usize,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.ctx.base_url())
            .field("request_timeout", &self.inner.request_timeout)
            .field("retry", &self.inner.retry)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(20);

/// Settings of a [`Transport`].
#[must_use]
pub struct TransportBuilder {
    ctx: CloudContext,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    max_body: usize,
    extra_ca_pem: Vec<Vec<u8>>,
    webpki_roots: bool,
    proxy: Proxy,
    sender: Option<Arc<dyn SendRequest>>,
}

impl TransportBuilder {
    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of a whole call, retries and waits included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The retry policy (default: 3 attempts for idempotent operations).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body accepted (default 1 MiB).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Trusts the CA certificate(s) in this PEM as well, for private clouds.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_ca_pem.push(pem.into());
        self
    }

    /// Trusts only the CAs added with [`Self::add_root_certificate_pem`]
    /// (and the OS store with the `native-roots` feature), not the bundled
    /// webpki roots.
    pub fn without_webpki_roots(mut self) -> Self {
        self.webpki_roots = false;
        self
    }

    /// Where to find a proxy (default: the environment).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Sends through `sender` instead of hyper-util: for another HTTP client
    /// under this transport's timeouts and retries, or a script in tests.
    pub fn sender(mut self, sender: Arc<dyn SendRequest>) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Makes the transport.
    ///
    /// # Errors
    ///
    /// An extra CA certificate is invalid.
    pub fn build(self) -> Result<Transport, TlsConfigError> {
        let sender = match self.sender {
            Some(sender) => sender,
            None => {
                let mut http = HttpConnector::new();
                http.enforce_http(false);
                http.set_nodelay(true);
                http.set_connect_timeout(Some(self.connect_timeout));
                let tls = tls::client_config(&self.extra_ca_pem, self.webpki_roots)?;
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(tls)
                    .https_or_http()
                    .enable_http1()
                    .enable_http2()
                    .wrap_connector(ProxyConnector::new(http, &self.proxy));
                let client = Client::builder(TokioExecutor::new())
                    .timer(TokioTimer::new())
                    .pool_timer(TokioTimer::new())
                    // Shorter than the servers' keep-alive timeouts (the
                    // emulator's 30 s, a load balancer's 60 s, nginx's 75 s),
                    // so an idle connection is dropped here before the
                    // server closes it under a request just sent on it.
                    .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                    .build(connector);
                Arc::new(HyperSend { client })
            }
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                ctx: self.ctx,
                sender,
                request_timeout: self.request_timeout,
                retry: self.retry,
                max_body: self.max_body,
            }),
        })
    }
}

impl Transport {
    /// Settings for a transport to the cloud `ctx` describes.
    pub fn builder(ctx: CloudContext) -> TransportBuilder {
        TransportBuilder {
            ctx,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            max_body: DEFAULT_MAX_BODY,
            extra_ca_pem: Vec::new(),
            webpki_roots: true,
            proxy: Proxy::default(),
            sender: None,
        }
    }

    /// The cloud this transport talks to.
    pub fn context(&self) -> &CloudContext {
        &self.inner.ctx
    }

    /// Executes `op`: builds its request, sends it (again only where that is
    /// safe), and parses the response.
    ///
    /// Idempotent operations are retried on connection errors, 429, 502,
    /// 503 and 504. A non-idempotent operation (a create) is sent again only
    /// when its first attempt never connected; once its bytes may have
    /// reached the server, a failure is [`TransportError::OutcomeUnknown`].
    ///
    /// # Errors
    ///
    /// [`TransportError`]: a build error (nothing sent), the server's error,
    /// a timeout, a connection or TLS failure, a body over the limit, or an
    /// unknown outcome.
    pub async fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, TransportError> {
        let request = op.build_request(&self.inner.ctx)?;
        let span = tracing::info_span!(
            "steps.operation",
            operation = O::NAME,
            method = %request.method(),
            path = request.uri().path(),
        );
        let timeout = self.inner.request_timeout;
        let outcome = tokio::time::timeout(timeout, self.attempts(op, request))
            .instrument(span)
            .await;
        match outcome {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    operation = O::NAME,
                    timeout_ms = timeout.as_millis() as u64,
                    "timed out"
                );
                let error = TransportError::Timeout {
                    operation: O::NAME,
                    after: timeout,
                };
                Err(unknown_if_create::<O>(error))
            }
        }
    }

    async fn attempts<O: Operation>(
        &self,
        op: &O,
        first: Request<Bytes>,
    ) -> Result<O::Output, TransportError> {
        let idempotent = O::IDEMPOTENCY.is_idempotent();
        let policy = &self.inner.retry;
        let mut attempt = 0;
        let mut first = Some(first);
        loop {
            attempt += 1;
            // A retry builds its request again rather than every call
            // keeping a copy for a retry that rarely comes: building is
            // cheap and deterministic (the core reads no clock and draws no
            // random numbers), so the bytes are the same.
            let request = match first.take() {
                Some(request) => request,
                None => op.build_request(&self.inner.ctx)?,
            };
            let started = Instant::now();
            let sent = self.inner.sender.send(request, self.inner.max_body).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let (error, retry_after) = match sent {
                Ok(response) => {
                    let status = response.status();
                    tracing::debug!(attempt, status = status.as_u16(), elapsed_ms, "response");
                    match op.parse_response(response) {
                        Ok(output) => return Ok(output),
                        Err(error) => {
                            let retryable = error.is_transient();
                            let retry_after = error.retry_after();
                            let error = TransportError::Response(error);
                            if !idempotent {
                                // A 5xx to a create leaves it unknown whether
                                // the server made the token before failing.
                                return Err(if status.is_server_error() {
                                    unknown_if_create::<O>(error)
                                } else {
                                    error
                                });
                            }
                            if !retryable {
                                return Err(error);
                            }
                            (error, retry_after)
                        }
                    }
                }
                Err(SendError::Connect(source)) => {
                    tracing::debug!(attempt, elapsed_ms, "connect failed");
                    (
                        TransportError::Connect {
                            operation: O::NAME,
                            source,
                        },
                        None,
                    )
                }
                Err(SendError::Tls(source)) => {
                    return Err(TransportError::Tls {
                        operation: O::NAME,
                        source,
                    })
                }
                Err(SendError::BodyTooLarge) => {
                    let error = TransportError::BodyTooLarge {
                        operation: O::NAME,
                        limit: self.inner.max_body,
                    };
                    return Err(unknown_if_create::<O>(error));
                }
                Err(SendError::Io(source)) => {
                    tracing::debug!(attempt, elapsed_ms, "connection failed during the request");
                    let error = TransportError::Io {
                        operation: O::NAME,
                        source,
                    };
                    if !idempotent {
                        return Err(unknown_if_create::<O>(error));
                    }
                    (error, None)
                }
            };
            if attempt >= policy.max_attempts {
                return Err(error);
            }
            let Some(wait) = policy.delay(attempt, retry_after) else {
                return Err(error);
            };
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// Wraps `error` as an unknown outcome when `O` is not idempotent.
fn unknown_if_create<O: Operation>(error: TransportError) -> TransportError {
    if O::IDEMPOTENCY.is_idempotent() {
        error
    } else {
        TransportError::OutcomeUnknown {
            operation: O::NAME,
            cause: Box::new(error),
        }
    }
}
