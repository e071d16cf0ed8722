//! The emulator's clock: the system clock, or a frozen second, plus an
//! offset, so that expiry is tested without sleeping. Tests (and the
//! control plane) move it forward, set it, freeze and unfreeze it, and put
//! it back where it started.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `frozen_at` when the clock runs.
const RUNNING: u64 = u64::MAX;

/// Unix seconds, shared by every request of one emulator.
pub(crate) struct Clock {
    /// Seconds added to the base (negative once set back).
    offset_secs: AtomicI64,
    /// When frozen, the Unix second the clock stands at (before the
    /// offset); [`RUNNING`] otherwise.
    frozen_at: AtomicU64,
    /// Where it started, for [`Clock::reset`]: `frozen_at` and the offset.
    origin: (u64, i64),
}

/// The clock's reading, as the control plane and saved state give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reading {
    /// Unix seconds.
    pub(crate) now: u64,
    /// Whether it stands still.
    pub(crate) frozen: bool,
}

fn system_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// Where the clock starts: running from the system clock, or standing at
/// the current second.
pub(crate) fn start(frozen: bool) -> Clock {
    Clock::at(Reading {
        now: system_now(),
        frozen,
    })
}

impl Clock {
    /// A clock that reads `reading` now, frozen or running from there; it
    /// starts (and resets to) there.
    pub(crate) fn at(reading: Reading) -> Clock {
        let (frozen_at, offset) = Clock::parts(reading);
        Clock {
            offset_secs: AtomicI64::new(offset),
            frozen_at: AtomicU64::new(frozen_at),
            origin: (frozen_at, offset),
        }
    }

    /// A clock that stands still at the current second and moves only
    /// with [`Clock::advance`].
    #[cfg(test)]
    pub(crate) fn frozen() -> Self {
        start(true)
    }

    /// `frozen_at` and the offset that read `reading` now.
    fn parts(reading: Reading) -> (u64, i64) {
        if reading.frozen {
            (reading.now.min(RUNNING - 1), 0)
        } else {
            let offset = i128::from(reading.now) - i128::from(system_now());
            (RUNNING, i64::try_from(offset).unwrap_or(i64::MAX))
        }
    }

    pub(crate) fn now(&self) -> u64 {
        let base = match self.frozen_at.load(Ordering::Relaxed) {
            RUNNING => system_now(),
            at => at,
        };
        let now = i128::from(base) + i128::from(self.offset_secs.load(Ordering::Relaxed));
        u64::try_from(now.max(0)).unwrap_or(u64::MAX)
    }

    /// What it reads now, and whether it stands still.
    pub(crate) fn reading(&self) -> Reading {
        Reading {
            now: self.now(),
            frozen: self.frozen_at.load(Ordering::Relaxed) != RUNNING,
        }
    }

    pub(crate) fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        let _ = self
            .offset_secs
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                Some(offset.saturating_add(by))
            });
    }

    /// Makes it read `reading` from now on.
    pub(crate) fn set(&self, reading: Reading) {
        let (frozen_at, offset) = Clock::parts(reading);
        self.frozen_at.store(frozen_at, Ordering::Relaxed);
        self.offset_secs.store(offset, Ordering::Relaxed);
    }

    /// Back where it started.
    pub(crate) fn reset(&self) {
        let (frozen_at, offset) = self.origin;
        self.frozen_at.store(frozen_at, Ordering::Relaxed);
        self.offset_secs.store(offset, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_set_frozen_thawed_and_reset() {
        let clock = Clock::at(Reading {
            now: 1_000,
            frozen: true,
        });
        clock.advance(Duration::from_secs(5));
        assert_eq!(
            clock.reading(),
            Reading {
                now: 1_005,
                frozen: true
            }
        );
        clock.set(Reading {
            now: 500,
            frozen: true,
        });
        assert_eq!(clock.now(), 500, "set back");
        // Thawed, it runs on from where it stood (within a second).
        clock.set(Reading {
            now: 500,
            frozen: false,
        });
        let reading = clock.reading();
        assert!(
            !reading.frozen && (500..=501).contains(&reading.now),
            "{reading:?}"
        );
        clock.reset();
        assert_eq!(
            clock.reading(),
            Reading {
                now: 1_000,
                frozen: true
            }
        );
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), u64::try_from(i64::MAX).unwrap() + 1_000);
    }
}
