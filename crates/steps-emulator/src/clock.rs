//! The emulator's clock: the system clock plus an offset that tests move
//! forward, so expiry is tested without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix seconds, shared by every request of one emulator.
#[derive(Clone, Default)]
pub(crate) struct Clock {
    offset_secs: Arc<AtomicU64>,
}

impl Clock {
    pub(crate) fn now(&self) -> u64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        system.saturating_add(self.offset_secs.load(Ordering::Relaxed))
    }

    pub(crate) fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.as_secs(), Ordering::Relaxed);
    }
}
