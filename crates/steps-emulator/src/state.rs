//! What every request shares: the store, the clock, the fault rules, the
//! counters and journal, the body-read deadline, the API and protocol
//! version, and what the control plane resets to. Each lock is reached through one
//! accessor, which is where poisoning is handled.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use crate::clock::{Clock, Reading};
use crate::dialect::Api;
use crate::faults::{Fault, FaultRule, FaultSet};
use crate::journal::{Entry, Journal};
use crate::protocol::ProtocolVersion;
use crate::store::entries::UsageEntry;
use crate::store::saved::quandela::QuandelaDoc;
use crate::store::saved::{AccountDoc, Document};
use crate::store::Store;

/// The state of one emulator, shared by its requests.
pub(crate) struct State {
    store: Mutex<Store>,
    clock: Clock,
    faults: RwLock<FaultSet>,
    /// Requests per operation name, faulted ones included.
    seen: Mutex<HashMap<&'static str, u64>>,
    journal: Mutex<Journal>,
    request_ids: AtomicU64,
    body_read_timeout: Duration,
    api: Api,
    protocol: ProtocolVersion,
    /// Whether the control plane (`/_steps/`) is served.
    control: bool,
    /// The accounts it started with, which a reset goes back to.
    initial_accounts: Vec<AccountDoc>,
    /// The quandela job tokens it started with (those minted at start),
    /// which a reset goes back to.
    initial_tokens: Option<QuandelaDoc>,
    /// Held while a save exports and writes.
    saving: Mutex<()>,
}

/// Takes a lock whatever a panicking holder left behind. A handler that
/// panics (a `panic` fault, or a bug) is isolated in its own task; what it
/// held is still consistent: every store method changes the store only
/// after its last fallible step, and the fault rules, counters and journal
/// are changed by single assignments.
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
            initial_accounts: store.account_docs(),
            store: Mutex::new(store),
            clock,
            faults: RwLock::new(faults),
            seen: Mutex::new(HashMap::new()),
            journal: Mutex::new(Journal::default()),
            request_ids: AtomicU64::new(0),
            body_read_timeout,
            api: Api::Steps,
            protocol,
            control: false,
            initial_tokens: None,
            saving: Mutex::new(()),
        }
    }

    /// Serves `api`.
    pub(crate) fn with_api(mut self, api: Api) -> State {
        self.api = api;
        self
    }

    /// A reset goes back to these quandela job tokens (those minted at
    /// start), and to their `last_id`.
    pub(crate) fn with_initial_tokens(mut self, tokens: Option<QuandelaDoc>) -> State {
        self.initial_tokens = tokens;
        self
    }

    /// The API served.
    pub(crate) fn api(&self) -> Api {
        self.api
    }

    /// Serves the control plane too.
    pub(crate) fn with_control(mut self, control: bool) -> State {
        self.control = control;
        self
    }

    /// The protocol version served.
    pub(crate) fn protocol(&self) -> ProtocolVersion {
        self.protocol
    }

    /// Entries jobs run with a quandela job token, for the usage report;
    /// the answer says why not when the record is refused.
    pub(crate) fn record_usage(&self, record: UsageEntry) -> Result<(), &'static str> {
        self.store().record_usage(record)
    }

    /// Whether the control plane is served.
    pub(crate) fn control(&self) -> bool {
        self.control
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

    /// The clock's reading.
    pub(crate) fn clock(&self) -> Reading {
        self.clock.reading()
    }

    /// Moves the clock forward.
    pub(crate) fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Sets the clock. What has expired by the clock so far is purged
    /// first, so that setting it back does not bring expired tokens back.
    pub(crate) fn set_clock(&self, reading: Reading) {
        let _store = self.store();
        self.clock.set(reading);
    }

    /// Saves the whole store to `path`, one save at a time, so that an
    /// older snapshot never lands after a newer one.
    pub(crate) fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        let _saving = lock(&self.saving);
        crate::persist::save(path, &self.export())
    }

    /// The faults that hit this request to `operation` (which counts it
    /// against every rule for that operation).
    pub(crate) fn fault_hits(&self, operation: &str) -> Vec<Fault> {
        self.faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .hits(operation)
    }

    /// The fault rules in force.
    pub(crate) fn fault_rules(&self) -> Vec<FaultRule> {
        self.faults.read().unwrap_or_else(PoisonError::into_inner).rules()
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

    /// Adds a protocol request to the journal.
    pub(crate) fn record(&self, entry: Entry) {
        lock(&self.journal).record(entry);
    }

    /// The journal's last `limit` entries, oldest first.
    pub(crate) fn journal(&self, limit: usize) -> Vec<Entry> {
        lock(&self.journal).last(limit)
    }

    /// Empties the journal.
    pub(crate) fn clear_journal(&self) {
        lock(&self.journal).clear();
    }

    /// The whole store and the clock, as a saved state.
    pub(crate) fn export(&self) -> Document {
        let store = self.store();
        store.export(self.clock.reading())
    }

    /// Replaces the store and the clock with a saved state's, or changes
    /// nothing and says what is wrong with it.
    pub(crate) fn import(&self, doc: &Document) -> Result<(), String> {
        let imported = Store::import(doc)?;
        // Under the store's lock, so that no request purges the new store
        // by the old clock.
        let mut store = lock(&self.store);
        self.clock.set(doc.reading());
        *store = imported;
        Ok(())
    }

    /// Back to the accounts it started with, no tokens (but the quandela
    /// job tokens minted at start), the clock where it started, no faults,
    /// an empty journal.
    pub(crate) fn reset(&self) {
        {
            let mut store = lock(&self.store);
            // The initial accounts and tokens were a valid store's.
            if let Ok(mut fresh) = Store::from_accounts(&self.initial_accounts, store.login_ttl()) {
                if let Some(tokens) = &self.initial_tokens {
                    let owners = fresh.user_ids().into_iter().collect();
                    let _ = fresh.import_quandela(tokens, &owners, &mut Default::default());
                }
                *store = fresh;
            }
            self.clock.reset();
        }
        self.set_faults(Vec::new());
        self.clear_journal();
    }
}
