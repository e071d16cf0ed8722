//! The emulator's clock: the system clock (or, frozen, the moment the
//! emulator started) plus an offset that tests move forward, so expiry is
//! tested without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix seconds, shared by every request of one emulator.
#[derive(Clone, Default)]
pub(crate) struct Clock {
    offset_secs: Arc<AtomicU64>,
    /// When frozen, the Unix second the clock stands at (before the offset).
    frozen_at: Option<u64>,
}

fn system_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

impl Clock {
    /// A clock that stands still at the current second and moves only
    /// with [`Clock::advance`].
    pub(crate) fn frozen() -> Self {
        Clock {
            offset_secs: Arc::default(),
            frozen_at: Some(system_now()),
        }
    }

    pub(crate) fn now(&self) -> u64 {
        let base = self.frozen_at.unwrap_or_else(system_now);
        base.saturating_add(self.offset_secs.load(Ordering::Relaxed))
    }

    pub(crate) fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.as_secs(), Ordering::Relaxed);
    }
}
