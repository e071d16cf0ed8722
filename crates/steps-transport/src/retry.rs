//! The retry policy and the retry decision: after each failed attempt,
//! [`decide`] says whether to return the error, wait and send again, or
//! report that a request which may have taken effect has an unknown
//! outcome. A pure function of the attempt's outcome, the operation's
//! idempotency, the policy and the time left, tested as a table; the async
//! loop in `transport.rs` only sends, sleeps and logs.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use steps_core::{Idempotency, ResponseErrorKind};

/// How one attempt failed, as far as the retry decision cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The request was not sent: no connection was made, or none took the
    /// request (its body) before the connection failed.
    NotConnected,
    /// The TLS handshake failed: not sent, and sending again will not help.
    TlsFailed,
    /// The connection failed after the request may have been sent.
    ConnectionLost,
    /// The response body was over the limit: the server handled the request.
    BodyTooLarge,
    /// The whole call's deadline passed during the attempt.
    TimedOut {
        /// Whether the attempt's request may have reached the server (a
        /// connection took its body or, for a request without one, a
        /// connection was found for it), or cannot have (nothing was sent,
        /// and nothing will be).
        connected: bool,
    },
    /// The server answered with an error (or a body that does not decode).
    Answered {
        /// What the answer means.
        kind: ResponseErrorKind,
        /// Whether the server may have acted: a 2xx whose body does not
        /// decode, or a 5xx.
        taken_effect: bool,
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
    },
}

impl Outcome {
    /// Whether the attempt may have taken effect on the server.
    pub(crate) fn may_have_taken_effect(self) -> bool {
        match self {
            Outcome::NotConnected | Outcome::TlsFailed => false,
            Outcome::ConnectionLost | Outcome::BodyTooLarge => true,
            Outcome::TimedOut { connected } => connected,
            Outcome::Answered { taken_effect, .. } => taken_effect,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Return the attempt's error as it is.
    Return,
    /// Wait this long, then send again.
    RetryAfter(Duration),
    /// Return the error as an unknown outcome: the request may have taken
    /// effect, and it may not be sent again.
    OutcomeUnknown,
}

/// The attempts made so far, as the decision needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct History {
    /// How many attempts were made, the one that just failed included.
    pub(crate) attempts: u32,
    /// Whether any of them, the last included, may have taken effect.
    pub(crate) may_have_taken_effect: bool,
}

/// The decision after the attempts in `history` ended, the last in
/// `outcome`, with `time_left` before the whole call's deadline.
///
/// - A request that may have taken effect and is not idempotent is never
///   sent again: its failure is an unknown outcome when the server may have
///   acted (the connection failed mid-request, a 2xx whose body cannot be
///   read, a 5xx, a body over the limit), and a plain error when it
///   answered 3xx or 4xx (nothing was done).
/// - A request that was not sent (no connection) is sent again, whatever
///   its idempotency.
/// - An idempotent request is sent again after a lost connection or a
///   transient answer (429, 502, 503, 504).
/// - Never more than `policy.max_attempts` in all, never a wait the server
///   asked for beyond `policy.max_retry_after`, and never a wait that would
///   end after the deadline: the error is returned at once instead of
///   sleeping into a timeout.
/// - A keyed request (a v2 create with an idempotency key) is retried like
///   an idempotent one, but when it gives up after an attempt that may have
///   taken effect, the outcome is unknown.
pub(crate) fn decide(
    outcome: Outcome,
    idempotency: Idempotency,
    policy: &RetryPolicy,
    history: History,
    time_left: Duration,
) -> Decision {
    let decision = decide_one(outcome, idempotency, policy, history.attempts, time_left);
    let keyed = matches!(idempotency, Idempotency::Keyed);
    if keyed && decision == Decision::Return && history.may_have_taken_effect {
        return Decision::OutcomeUnknown;
    }
    decision
}

fn decide_one(
    outcome: Outcome,
    idempotency: Idempotency,
    policy: &RetryPolicy,
    attempt: u32,
    time_left: Duration,
) -> Decision {
    let idempotent = idempotency.is_idempotent();
    let retry_after = match outcome {
        Outcome::TlsFailed => return Decision::Return,
        // No time is left for another attempt.
        Outcome::TimedOut { connected } if connected && !idempotent => return Decision::OutcomeUnknown,
        Outcome::TimedOut { .. } => return Decision::Return,
        Outcome::BodyTooLarge if idempotent => return Decision::Return,
        Outcome::BodyTooLarge | Outcome::ConnectionLost if !idempotent => return Decision::OutcomeUnknown,
        Outcome::Answered { taken_effect, .. } if !idempotent => {
            return if taken_effect {
                Decision::OutcomeUnknown
            } else {
                Decision::Return
            };
        }
        Outcome::Answered { kind, .. } if !kind.is_transient() => return Decision::Return,
        Outcome::Answered { retry_after, .. } => retry_after,
        Outcome::NotConnected | Outcome::ConnectionLost | Outcome::BodyTooLarge => None,
    };
    if attempt >= policy.max_attempts {
        return Decision::Return;
    }
    match policy.delay(attempt, retry_after) {
        Some(wait) if wait < time_left => Decision::RetryAfter(wait),
        _ => Decision::Return,
    }
}

/// When and how often to send an operation again.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 means never retry).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles for each retry after.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a server asking for longer gets
    /// its error returned instead of a wait.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// At most 3 attempts, backoff from 100 ms up to 5 s, `Retry-After` up
    /// to 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts in all (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before retry number `retry` (1 for the first), or `None` to
    /// stop: the server asked for a wait longer than the cap.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(asked) = retry_after {
            return (asked <= self.max_retry_after).then_some(asked);
        }
        let exponent = retry.saturating_sub(1).min(16);
        let ceiling = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        Some(ceiling.mul_f64(unit_random()))
    }
}

/// A number in [0, 1) for jitter. Not for secrets: std's randomly keyed
/// hasher over a counter is plenty to spread retries apart.
fn unit_random() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (RandomState::new().hash_one(n) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The retry decision as a table: outcome, idempotency, attempt and
    /// time left in; decision out. Backoff waits are jittered, so a retry
    /// is written `RETRY` and checked by kind.
    #[test]
    fn the_retry_decision_table() {
        use Decision::{OutcomeUnknown as UNKNOWN, Return as RETURN};
        use Idempotency::{Idempotent as IDEM, Keyed as KEYED, NonIdempotent as NON};
        const RETRY: Option<Decision> = None;
        let answered = |kind, taken_effect, retry_after: Option<u64>| Outcome::Answered {
            kind,
            taken_effect,
            retry_after: retry_after.map(Duration::from_secs),
        };
        let unavailable = answered(ResponseErrorKind::Unavailable, true, None);
        let rate_limited = |after| answered(ResponseErrorKind::RateLimited, false, after);
        let rejected_500 = answered(ResponseErrorKind::Rejected, true, None);
        let not_found = answered(ResponseErrorKind::NotFound, false, None);
        let forbidden = answered(ResponseErrorKind::Forbidden, false, None);
        let in_progress = answered(ResponseErrorKind::Conflict, false, None);
        let protocol_2xx = answered(ResponseErrorKind::Protocol, true, None);
        let redirect = answered(ResponseErrorKind::Protocol, false, None);
        let long = Duration::from_secs(30);
        #[rustfmt::skip]
        let table: &[(Outcome, Idempotency, u32, Duration, Option<Decision>)] = &[
            // Nothing was sent: retried whatever the idempotency.
            (Outcome::NotConnected,   IDEM, 1, long, RETRY),
            (Outcome::NotConnected,   NON,  1, long, RETRY),
            (Outcome::NotConnected,   NON,  3, long, Some(RETURN)),
            (Outcome::TlsFailed,      IDEM, 1, long, Some(RETURN)),
            (Outcome::TlsFailed,      NON,  1, long, Some(RETURN)),
            // May have been sent.
            (Outcome::ConnectionLost, IDEM, 1, long, RETRY),
            (Outcome::ConnectionLost, IDEM, 3, long, Some(RETURN)),
            (Outcome::ConnectionLost, NON,  1, long, Some(UNKNOWN)),
            (Outcome::BodyTooLarge,   IDEM, 1, long, Some(RETURN)),
            (Outcome::BodyTooLarge,   NON,  1, long, Some(UNKNOWN)),
            // The server answered.
            (unavailable,             IDEM, 1, long, RETRY),
            (unavailable,             IDEM, 2, long, RETRY),
            (unavailable,             IDEM, 3, long, Some(RETURN)),
            (unavailable,             NON,  1, long, Some(UNKNOWN)),
            (rejected_500,            IDEM, 1, long, Some(RETURN)),
            (rejected_500,            NON,  1, long, Some(UNKNOWN)),
            (not_found,               IDEM, 1, long, Some(RETURN)),
            (forbidden,               NON,  1, long, Some(RETURN)),
            (protocol_2xx,            IDEM, 1, long, Some(RETURN)),
            // The server answered 2xx: a create happened, its body is lost.
            (protocol_2xx,            NON,  1, long, Some(UNKNOWN)),
            (redirect,                NON,  1, long, Some(RETURN)),
            (rate_limited(None),      IDEM, 1, long, RETRY),
            (rate_limited(Some(7)),   IDEM, 1, long, Some(Decision::RetryAfter(Duration::from_secs(7)))),
            (rate_limited(Some(31)),  IDEM, 1, long, Some(RETURN)),
            (rate_limited(Some(7)),   NON,  1, long, Some(RETURN)),
            // The deadline passed: unknown only if a create was connected.
            (Outcome::TimedOut { connected: true },  IDEM, 1, long, Some(RETURN)),
            (Outcome::TimedOut { connected: true },  NON,  1, long, Some(UNKNOWN)),
            (Outcome::TimedOut { connected: false }, NON,  1, long, Some(RETURN)),
            // A keyed create is retried like a read, and when it gives up
            // after an attempt that may have taken effect, it is unknown.
            (Outcome::ConnectionLost, KEYED, 1, long, RETRY),
            (unavailable,             KEYED, 1, long, RETRY),
            (Outcome::ConnectionLost, KEYED, 3, long, Some(UNKNOWN)),
            // 409: the first request with this key is still being handled;
            // the re-send gets its replay.
            (in_progress,             KEYED, 2, long, RETRY),
            (in_progress,             NON,  1, long, Some(RETURN)),
            (Outcome::NotConnected,   KEYED, 3, long, Some(RETURN)),
            (forbidden,               KEYED, 1, long, Some(RETURN)),
            (Outcome::TimedOut { connected: true },  KEYED, 1, long, Some(UNKNOWN)),
            // A wait that would end after the deadline is not taken.
            (rate_limited(Some(7)),   IDEM, 1, Duration::from_secs(7), Some(RETURN)),
            (Outcome::ConnectionLost, IDEM, 1, Duration::ZERO, Some(RETURN)),
        ];
        let policy = RetryPolicy::default();
        for (i, &(outcome, idempotency, attempt, time_left, expected)) in table.iter().enumerate() {
            let history = History {
                attempts: attempt,
                may_have_taken_effect: outcome.may_have_taken_effect(),
            };
            let decision = decide(outcome, idempotency, &policy, history, time_left);
            match expected {
                Some(expected) => assert_eq!(decision, expected, "row {i}: {outcome:?} {idempotency:?}"),
                None => assert!(
                    matches!(decision, Decision::RetryAfter(wait) if wait < time_left),
                    "row {i}: {outcome:?} {idempotency:?} gave {decision:?}"
                ),
            }
        }
    }

    #[test]
    fn backoff_is_jittered_below_an_exponential_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 1..=10 {
            let ceiling = (Duration::from_millis(100) * 2u32.pow(retry - 1)).min(Duration::from_secs(5));
            for _ in 0..50 {
                let delay = policy.delay(retry, None).expect("backoff");
                assert!(delay <= ceiling, "retry {retry}: {delay:?} > {ceiling:?}");
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| policy.delay(3, None)).collect();
        assert!(spread.len() > 10, "full jitter spreads the waits");
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(policy.delay(1, Some(Duration::from_secs(31))), None);
    }
}
