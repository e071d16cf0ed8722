//! What every request shares: the store, the clock, the fault rules, the
//! counters, the body-read deadline and the protocol version. Each lock is reached through one
//! accessor, which is where poisoning is handled.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use crate::clock::Clock;
use crate::faults::{Fault, FaultRule, FaultSet};
use crate::protocol::ProtocolVersion;
use crate::store::Store;

/// The state of one emulator, shared by its requests.
pub(crate) struct State {
    store: Mutex<Store>,
    clock: Clock,
    faults: RwLock<FaultSet>,
    /// Requests per operation name, faulted ones included.
    seen: Mutex<HashMap<&'static str, u64>>,
    request_ids: AtomicU64,
    body_read_timeout: Duration,
    protocol: ProtocolVersion,
}

/// Takes a lock whatever a panicking holder left behind. A handler that
/// panics (a `panic` fault, or a bug) is isolated in its own task; what it
/// held is still consistent: every store method changes the store only
/// after its last fallible step, and the fault rules and counters are
/// changed by single assignments.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    pub(crate) fn new(
        store: Store,
        clock: Clock,
        faults: FaultSet,
        body_read_timeout: Duration,
        protocol: ProtocolVersion,
    ) -> State {
        State {
            store: Mutex::new(store),
            clock,
            faults: RwLock::new(faults),
            seen: Mutex::new(HashMap::new()),
            request_ids: AtomicU64::new(0),
            body_read_timeout,
            protocol,
        }
    }

    /// The protocol version served.
    pub(crate) fn protocol(&self) -> ProtocolVersion {
        self.protocol
    }

    /// The store, locked, with what has expired by now purged: every
    /// request that reaches the store pays for the entries that expired
    /// since the one before, so memory follows the live tokens.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        let mut store = lock(&self.store);
        store.purge_expired(self.clock.now());
        store
    }

    /// How many live job tokens and API keys there are.
    pub(crate) fn token_counts(&self) -> (usize, usize) {
        self.store().counts(self.now())
    }

    /// How long a request's body may take to arrive once its headers have.
    pub(crate) fn body_read_timeout(&self) -> Duration {
        self.body_read_timeout
    }

    /// The emulator's time, in Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        self.clock.now()
    }

    /// Moves the clock forward.
    pub(crate) fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// The faults that hit this request to `operation` (which counts it
    /// against every rule for that operation).
    pub(crate) fn fault_hits(&self, operation: &str) -> Vec<Fault> {
        self.faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .hits(operation)
    }

    /// Replaces the fault rules; their counts start again.
    pub(crate) fn set_faults(&self, rules: Vec<FaultRule>) {
        *self.faults.write().unwrap_or_else(PoisonError::into_inner) = FaultSet::new(rules);
    }

    /// Counts a request that reached `operation`.
    pub(crate) fn count_request(&self, operation: &'static str) {
        *lock(&self.seen).entry(operation).or_default() += 1;
    }

    /// How many requests reached `operation`.
    pub(crate) fn requests_seen(&self, operation: &str) -> u64 {
        lock(&self.seen).get(operation).copied().unwrap_or(0)
    }

    /// A new `x-request-id`, in arrival order: `req-00000001`, ...
    pub(crate) fn next_request_id(&self) -> String {
        format!("req-{:08x}", self.request_ids.fetch_add(1, Ordering::Relaxed) + 1)
    }
}
