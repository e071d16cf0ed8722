//! `Transport`: executes any `steps-core` operation. Build, send under the
//! retry policy and the request timeout, collect under the body limit,
//! parse: written once, generic over `Operation`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use steps_core::{CloudContext, Credential, Idempotency, Operation, ResponseError};
use tracing::Instrument;

use crate::error::TransportError;
use crate::hyper_client::{HyperSend, HyperSettings};
use crate::proxy::Proxy;
use crate::retry::{decide, Decision, History, Outcome, RetryPolicy};
use crate::send::{SendError, SendRequest};
use crate::tls::TlsConfigError;

/// The default connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of a whole call, retries and waits included: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default response body limit: 4 MiB, the bound `docs/protocol.md`
/// sets on any response. The largest legitimate response, a page of 1,000
/// job tokens with 256-byte labels that a server escapes as `\\uXXXX`, is
/// under 2 MiB; 1 MiB, the old default, refused some of them.
pub const DEFAULT_MAX_BODY: usize = 4 << 20;

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

/// Settings of a [`Transport`].
///
/// Made without a cloud (`TransportBuilder::default()` or
/// [`Transport::builder`]), so that a facade can hold one and pass every
/// setting through; [`TransportBuilder::build`] takes the cloud.
#[must_use]
#[derive(Clone)]
pub struct TransportBuilder {
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

    /// The largest response body accepted (default 4 MiB).
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

    /// Makes the transport to the cloud `ctx` describes.
    ///
    /// # Errors
    ///
    /// An extra CA certificate is invalid.
    pub fn build(self, ctx: CloudContext) -> Result<Transport, TlsConfigError> {
        let sender: Arc<dyn SendRequest> = match self.sender {
            Some(sender) => sender,
            None => Arc::new(HyperSend::new(HyperSettings {
                connect_timeout: self.connect_timeout,
                extra_ca_pem: &self.extra_ca_pem,
                webpki_roots: self.webpki_roots,
                proxy: &self.proxy,
            })?),
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                ctx,
                sender,
                request_timeout: self.request_timeout,
                retry: self.retry,
                max_body: self.max_body,
            }),
        })
    }
}

impl std::fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("max_body", &self.max_body)
            .field("extra_ca_certificates", &self.extra_ca_pem.len())
            .field("webpki_roots", &self.webpki_roots)
            .field("proxy", &self.proxy)
            .field("custom_sender", &self.sender.is_some())
            .finish()
    }
}

impl Default for TransportBuilder {
    fn default() -> Self {
        TransportBuilder {
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
}

impl Transport {
    /// Settings for a transport, all at their defaults.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }

    /// The cloud this transport talks to.
    pub fn context(&self) -> &CloudContext {
        &self.inner.ctx
    }

    /// The longest one call may take, retries included.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// Executes `op` as the holder of `credential`: builds its request,
    /// sends it (again only where that is safe), and parses the response.
    ///
    /// Idempotent operations are retried on connection errors and
    /// transient answers (429, 502, 503, 504). A request that may have
    /// taken effect and is not idempotent (a create) is sent again only
    /// when its attempt never connected; once its bytes may have reached
    /// the server, a failure is [`TransportError::OutcomeUnknown`]. The
    /// rules are those of `decide`, in `retry.rs`.
    ///
    /// # Errors
    ///
    /// [`TransportError`]: a build error (nothing sent), the server's error,
    /// a timeout, a connection or TLS failure, a body over the limit, or an
    /// unknown outcome.
    pub async fn execute<O: Operation>(
        &self,
        op: &O,
        credential: &Credential,
    ) -> Result<O::Output, TransportError> {
        self.execute_with(op, credential, &self.inner.retry).await
    }

    /// [`Self::execute`] under another retry policy than the transport's:
    /// [`RetryPolicy::never`] for a request whose failure the caller
    /// handles itself (the facade's capability discovery, which takes any
    /// failure to mean a v1 server and should cost one request, not three).
    ///
    /// # Errors
    ///
    /// As [`Self::execute`].
    pub async fn execute_with<O: Operation>(
        &self,
        op: &O,
        credential: &Credential,
        policy: &RetryPolicy,
    ) -> Result<O::Output, TransportError> {
        let request = op.build_request(&self.inner.ctx, credential)?;
        let span = tracing::info_span!(
            "steps.operation",
            operation = O::NAME,
            method = %request.method(),
            path = request.uri().path(),
        );
        self.attempts(op, credential, request, policy)
            .instrument(span)
            .await
    }

    /// Sends, sleeps and logs; [`decide`] says what follows a failure.
    /// Every send ends by the whole call's deadline, so that a timeout can
    /// tell a request that was never sent from one that may have been.
    async fn attempts<O: Operation>(
        &self,
        op: &O,
        credential: &Credential,
        first: Request<Bytes>,
        policy: &RetryPolicy,
    ) -> Result<O::Output, TransportError> {
        let now = tokio::time::Instant::now();
        // A timeout too large to add (`Duration::MAX`, say) means no
        // deadline that could pass: about thirty years.
        let deadline = now
            .checked_add(self.inner.request_timeout)
            .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 86_400));
        let mut attempt = 0;
        let mut first = Some(first);
        // Whether an earlier attempt may have taken effect: then the
        // operation reads the answer to its re-send as the protocol says
        // (a delete answered 404 succeeded).
        let mut resent_after_effect = false;
        loop {
            attempt += 1;
            // A retry builds its request again rather than every call
            // keeping a copy for a retry that rarely comes: building is
            // cheap and deterministic (the core reads no clock and draws no
            // random numbers), so the bytes are the same.
            let request = match first.take() {
                Some(request) => request,
                None => op.build_request(&self.inner.ctx, credential)?,
            };
            let started = Instant::now();
            let sender = &self.inner.sender;
            let sent = if op.idempotency() == Idempotency::Idempotent {
                // Whether a timed-out attempt reached the server changes
                // nothing for a request that may be sent again, so it is
                // not tracked (tracking costs an allocation per request).
                match tokio::time::timeout_at(deadline, sender.send(request, self.inner.max_body)).await {
                    Ok(sent) => sent,
                    Err(_) => Err(SendError::TimedOut { connected: true }),
                }
            } else {
                sender.send_by(request, self.inner.max_body, deadline).await
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let (error, outcome) = match sent {
                Ok(response) => {
                    let status = response.status();
                    tracing::debug!(attempt, status = status.as_u16(), elapsed_ms, "response");
                    let parsed = if resent_after_effect {
                        op.parse_resent_response(response)
                    } else {
                        op.parse_response(response)
                    };
                    match parsed {
                        Ok(output) => return Ok(output),
                        Err(error) => {
                            let outcome = answered(&error);
                            (TransportError::Response(error), outcome)
                        }
                    }
                }
                Err(error) => {
                    tracing::debug!(attempt, elapsed_ms, error = %error, "send failed");
                    self.send_error::<O>(error)
                }
            };
            resent_after_effect |= outcome.may_have_taken_effect();
            let time_left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let history = History {
                attempts: attempt,
                may_have_taken_effect: resent_after_effect,
            };
            match decide(outcome, op.idempotency(), policy, history, time_left) {
                Decision::Return => return Err(error),
                Decision::OutcomeUnknown => return Err(unknown_outcome::<O>(error)),
                Decision::RetryAfter(wait) => {
                    tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// The transport error and retry outcome of a failed send.
    fn send_error<O: Operation>(&self, error: SendError) -> (TransportError, Outcome) {
        let operation = O::NAME;
        match error {
            SendError::Connect(source) => (
                TransportError::Connect { operation, source },
                Outcome::NotConnected,
            ),
            SendError::Tls(source) => (TransportError::Tls { operation, source }, Outcome::TlsFailed),
            SendError::Io(source) => (TransportError::Io { operation, source }, Outcome::ConnectionLost),
            SendError::BodyTooLarge => (
                TransportError::BodyTooLarge {
                    operation,
                    limit: self.inner.max_body,
                },
                Outcome::BodyTooLarge,
            ),
            SendError::TimedOut { connected } => {
                let after = self.inner.request_timeout;
                tracing::warn!(
                    operation,
                    timeout_ms = after.as_millis() as u64,
                    connected,
                    "timed out"
                );
                (
                    TransportError::Timeout { operation, after },
                    Outcome::TimedOut { connected },
                )
            }
        }
    }
}

/// The retry outcome of an error the server answered.
fn answered(error: &ResponseError) -> Outcome {
    Outcome::Answered {
        kind: error.kind(),
        taken_effect: error.may_have_taken_effect(),
        retry_after: error.retry_after(),
    }
}

/// `error` as the failure of a request that may have taken effect.
fn unknown_outcome<O: Operation>(error: TransportError) -> TransportError {
    TransportError::OutcomeUnknown {
        operation: O::NAME,
        effect: O::EFFECT,
        cause: Box::new(error),
    }
}
