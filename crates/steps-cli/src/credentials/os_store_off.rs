//! A build without the OS credential store (feature `keyring` off): every
//! login keeps its token in the credentials file, and a file that says a
//! token is in the store (written by a build with it) cannot be read here.

/// Set while completing (`completion.rs`); nothing to skip here.
pub(crate) const COMPLETING: &str = "STEPS_COMPLETING";

/// The entries' service name, as a build with the store names them.
pub(crate) const SERVICE: &str = "steps-cli";

/// Why nothing can be kept here.
#[derive(Debug)]
pub(crate) struct StoreError {
    /// Never: nothing was tried.
    pub(crate) timed_out: bool,
}

/// The one error there is.
const NO_STORE: StoreError = StoreError { timed_out: false };

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("this steps was built without the OS credential store (feature keyring)")
    }
}

/// No store.
pub(crate) struct OsStore;

impl OsStore {
    /// The store there is not.
    pub(crate) fn platform() -> &'static OsStore {
        &OsStore
    }

    /// What the store is called, for messages.
    pub(crate) fn name(&self) -> &'static str {
        "the OS credential store"
    }

    /// Refuses: nothing is kept.
    pub(crate) fn put(&self, _account: &str, _secret: &str) -> Result<(), StoreError> {
        Err(NO_STORE)
    }

    /// Refuses: nothing can be read.
    pub(crate) fn get(&self, _account: &str) -> Result<Option<String>, StoreError> {
        Err(NO_STORE)
    }

    /// Refuses: nothing can be removed.
    pub(crate) fn delete(&self, _account: &str) -> Result<(), StoreError> {
        Err(NO_STORE)
    }
}

/// No account: the store is not there.
pub(crate) fn new_account(_profile: &str, _api_url: &str) -> Result<String, StoreError> {
    Err(NO_STORE)
}
