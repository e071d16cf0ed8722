//! The retry policy: how many attempts, and how long to wait between them
//! (exponential backoff with full jitter, or the server's `Retry-After`).
//! Which failures may be retried at all is decided in `transport.rs` from
//! the operation's idempotency.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
