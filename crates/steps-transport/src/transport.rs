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
use crate::hyper_client::HyperSend;
use crate::retry::{decide, Decision, History, Outcome, RetryPolicy};
use crate::send::{SendError, SendRequest};

/// Executes operations against one STEPS cloud. Cheap to clone; clones
/// share one connection pool.
#[derive(Clone)]
pub struct Transport {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) ctx: CloudContext,
    pub(crate) sender: Sender,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body: usize,
}

/// What sends a transport's requests: hyper-util's pooled client, the
/// default, called directly; or a [`SendRequest`] of the caller's, behind
/// the seam.
// One per transport, behind its `Arc`: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Sender {
    /// hyper-util.
    Hyper(HyperSend),
    /// The caller's (`TransportBuilder::sender`).
    Custom(Arc<dyn SendRequest>),
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

/// The attempts one call has made so far, across the executes that make
/// it up ([`Transport::execute_continuing`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attempts {
    made: u32,
    may_have_taken_effect: bool,
}

impl Attempts {
    /// How many attempts were sent.
    pub fn made(&self) -> u32 {
        self.made
    }

    /// Whether any of them may have taken effect.
    pub fn may_have_taken_effect(&self) -> bool {
        self.may_have_taken_effect
    }
}

impl Transport {
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
        self.execute_after(op, credential, policy, &mut Attempts::default())
            .await
    }

    /// [`Self::execute`], going on from `earlier` attempts of the same call
    /// (sent with another credential: a session that logs in again after a
    /// 401 repeats the call), and recording these in it. The retry rules
    /// see the whole call: whether an earlier attempt may have taken effect
    /// (a delete answered 404 on the repeat is then "already gone"; a keyed
    /// create that fails is then an unknown outcome, not "not sent"), and
    /// how many were made (the policy's attempts are the call's, not each
    /// execute's).
    ///
    /// # Errors
    ///
    /// As [`Self::execute`].
    pub async fn execute_continuing<O: Operation>(
        &self,
        op: &O,
        credential: &Credential,
        earlier: &mut Attempts,
    ) -> Result<O::Output, TransportError> {
        self.execute_after(op, credential, &self.inner.retry, earlier)
            .await
    }

    async fn execute_after<O: Operation>(
        &self,
        op: &O,
        credential: &Credential,
        policy: &RetryPolicy,
        earlier: &mut Attempts,
    ) -> Result<O::Output, TransportError> {
        let request = op.build_request(&self.inner.ctx, credential)?;
        let span = tracing::info_span!(
            "steps.operation",
            operation = O::NAME,
            method = %request.method(),
            path = request.uri().path(),
        );
        // Without a subscriber that wants it, the span is disabled, and
        // entering and leaving it on every poll is a cost with no reader
        // (about 290 instructions a call; `bench/findings.md`).
        if span.is_disabled() {
            self.attempts(op, credential, request, policy, earlier).await
        } else {
            self.attempts(op, credential, request, policy, earlier)
                .instrument(span)
                .await
        }
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
        earlier: &mut Attempts,
    ) -> Result<O::Output, TransportError> {
        let now = tokio::time::Instant::now();
        // A timeout too large to add (`Duration::MAX`, say) means no
        // deadline that could pass: about thirty years.
        let deadline = now
            .checked_add(self.inner.request_timeout)
            .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 86_400));
        let mut first = Some(first);
        loop {
            earlier.made += 1;
            let attempt = earlier.made;
            // Whether an earlier attempt may have taken effect: then the
            // operation reads the answer to its re-send as the protocol
            // says (a delete answered 404 succeeded).
            let resent_after_effect = earlier.may_have_taken_effect;
            // A retry builds its request again rather than every call
            // keeping a copy for a retry that rarely comes: building is
            // cheap and deterministic (the core reads no clock and draws no
            // random numbers), so the bytes are the same.
            let request = match first.take() {
                Some(request) => request,
                None => op.build_request(&self.inner.ctx, credential)?,
            };
            let started = Instant::now();
            let max_body = self.inner.max_body;
            // Whether a timed-out attempt reached the server changes nothing
            // for a request that may be sent again, so it is not tracked
            // (tracking costs an allocation per request).
            let idempotent = op.idempotency() == Idempotency::Idempotent;
            let sent = match &self.inner.sender {
                // hyper-util's client is called directly, its future part
                // of this one: no box and no dynamic call per request.
                Sender::Hyper(hyper) if idempotent => {
                    match tokio::time::timeout_at(deadline, hyper.send_plain(request, max_body)).await {
                        Ok(sent) => sent,
                        Err(_) => Err(SendError::TimedOut { connected: true }),
                    }
                }
                Sender::Hyper(hyper) => hyper.send_watched(request, max_body, deadline).await,
                Sender::Custom(sender) if idempotent => {
                    match tokio::time::timeout_at(deadline, sender.send(request, max_body)).await {
                        Ok(sent) => sent,
                        Err(_) => Err(SendError::TimedOut { connected: true }),
                    }
                }
                Sender::Custom(sender) => sender.send_by(request, max_body, deadline).await,
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
                        Err(mut error) => {
                            redact_sent(&mut error, op, credential);
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
            earlier.may_have_taken_effect |= outcome.may_have_taken_effect();
            let time_left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let history = History {
                attempts: attempt,
                may_have_taken_effect: earlier.may_have_taken_effect,
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
            SendError::NotSent(source) => (
                TransportError::NotSent { operation, source },
                Outcome::NotConnected,
            ),
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

/// Takes the exact secrets the request carried (its credential, and what
/// the operation says it sent: a password, a revoked secret) out of what
/// the server answered, whatever their shape: a careless server may echo
/// them, and an error is shown and logged.
fn redact_sent<O: Operation>(error: &mut ResponseError, op: &O, credential: &Credential) {
    if let Some(token) = credential.token() {
        error.redact(token.expose());
    }
    op.for_each_secret(&mut |secret| error.redact(secret.expose()));
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
