//! The operating system's credential store, where `steps login` keeps a
//! login token by default (feature `keyring`, on by default): the macOS
//! Keychain, the Windows Credential Manager, or the Secret Service on
//! Linux, FreeBSD and OpenBSD (through the `keyring` crate, over a
//! pure-Rust D-Bus: no system library at build time). Elsewhere, and in a
//! build without the feature, `os_store_off.rs` stands in: every token is
//! kept in the file.
//!
//! Each login's token is one entry: service [`SERVICE`], and an account
//! name made of the profile, the API URL and a random suffix, which the
//! credentials file records (so that two config directories never share an
//! entry, and a new login never overwrites a token still in use). Every
//! call has a time budget, [`BUDGET`], as gh has: a Secret Service that
//! never answers (a locked collection, a session bus with no provider)
//! must not hang a command; then the store counts as unusable and `steps
//! login` falls back to the 0600 credentials file. With a person at the
//! terminal the budget is longer ([`INTERACTIVE_BUDGET`]): the store may
//! be asking them to unlock it.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use keyring::credential::CredentialBuilder;
use keyring::Entry;

/// Set in the environment of the listing a shell completion runs
/// (`completion.rs`): the store is then not read, since its unlock or
/// allow prompt must not pop up on a Tab; a login kept there completes no
/// ids.
pub(crate) const COMPLETING: &str = "STEPS_COMPLETING";

/// The entries' service name.
pub(crate) const SERVICE: &str = "steps-cli";

/// How long one call to the store may take before it counts as unusable,
/// when nobody is at a terminal to answer the store's own prompt.
const BUDGET: Duration = Duration::from_secs(5);

/// The same with a person at the terminal, who may have to unlock the
/// store or allow this binary (macOS asks again after an upgrade).
const INTERACTIVE_BUDGET: Duration = Duration::from_secs(120);

/// What the store said, or that it did not answer in time.
#[derive(Debug)]
pub(crate) struct StoreError {
    message: String,
    /// The call did not answer within its budget: a write may still land.
    pub(crate) timed_out: bool,
}

impl StoreError {
    fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            timed_out: false,
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // keyring's errors name the platform's failure, never the secret.
        f.write_str(&self.message)
    }
}

/// A credential store: the platform's, or (in tests) one made by a given
/// `keyring` credential builder, such as keyring's mock.
pub(crate) struct OsStore {
    /// `None`: the platform's default store.
    builder: Option<Box<CredentialBuilder>>,
    /// The entries made so far in this process, by account: the same
    /// entry is used for a write and a later read or delete (keyring's
    /// mock keeps a secret in the entry that set it).
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

impl OsStore {
    /// The platform's store.
    pub(crate) fn platform() -> &'static OsStore {
        static PLATFORM: OnceLock<OsStore> = OnceLock::new();
        PLATFORM.get_or_init(|| OsStore {
            builder: None,
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// A store whose entries `builder` makes (keyring's mock, or one that
    /// refuses, in tests).
    #[cfg(test)]
    pub(crate) fn with_builder(builder: Box<CredentialBuilder>) -> OsStore {
        OsStore {
            builder: Some(builder),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// What the store is called, for messages.
    pub(crate) fn name(&self) -> &'static str {
        if self.builder.is_some() {
            "the test credential store"
        } else if cfg!(target_os = "macos") {
            "the macOS Keychain"
        } else if cfg!(windows) {
            "the Windows Credential Manager"
        } else {
            "the Secret Service"
        }
    }

    /// Keeps `secret` as `account`'s.
    pub(crate) fn put(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        let entry = self.entry(account)?;
        // A `Secret`: zeroed when the thread is done with it.
        let secret = steps::Secret::new(secret);
        within_budget(move || entry.set_password(secret.expose()))
    }

    /// `account`'s secret; `None` when the store has no such entry.
    pub(crate) fn get(&self, account: &str) -> Result<Option<String>, StoreError> {
        if std::env::var_os(COMPLETING).is_some() {
            // A shell's Tab must not pop the store's unlock or allow
            // prompt: a login kept there lists nothing while completing.
            return Err(StoreError::new("not read while completing"));
        }
        let entry = self.entry(account)?;
        within_budget(move || match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error),
        })
    }

    /// Removes `account`'s entry; one that is not there is already gone.
    pub(crate) fn delete(&self, account: &str) -> Result<(), StoreError> {
        let entry = self.entry(account)?;
        let result = within_budget(move || match entry.delete_credential() {
            Err(keyring::Error::NoEntry) => Ok(()),
            other => other,
        });
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(account);
        result
    }

    /// The entry for `account`, made once a process.
    fn entry(&self, account: &str) -> Result<Arc<Entry>, StoreError> {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = entries.get(account) {
            return Ok(entry.clone());
        }
        let entry = match &self.builder {
            None => Entry::new(SERVICE, account),
            Some(builder) => builder
                .build(None, SERVICE, account)
                .map(Entry::new_with_credential),
        }
        .map_err(|e| StoreError::new(e.to_string()))?;
        let entry = Arc::new(entry);
        entries.insert(account.to_owned(), entry.clone());
        Ok(entry)
    }
}

/// Runs `call` on a thread of its own, and gives up on it after
/// [`BUDGET`]: the thread is left to finish or to end with the process.
fn within_budget<T: Send + 'static>(
    call: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> Result<T, StoreError> {
    let (done, result) = mpsc::channel();
    std::thread::Builder::new()
        .name("steps-credential-store".to_owned())
        .spawn(move || {
            let _ = done.send(call());
        })
        .map_err(|e| StoreError::new(format!("cannot start a thread: {e}")))?;
    let budget = if std::io::stdin().is_terminal() {
        INTERACTIVE_BUDGET
    } else {
        BUDGET
    };
    match result.recv_timeout(budget) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(StoreError::new(error.to_string())),
        Err(_) => Err(StoreError {
            message: format!("no answer within {} s", budget.as_secs()),
            timed_out: true,
        }),
    }
}

/// A new entry's account name: the profile and API URL, to be read in the
/// store's own interface, and 64 random bits, so that it is this login's
/// alone.
pub(crate) fn new_account(profile: &str, api_url: &str) -> Result<String, StoreError> {
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).map_err(|e| StoreError::new(format!("no randomness: {e}")))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{profile} {api_url} {suffix}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::any::Any;

    use keyring::credential::{Credential, CredentialBuilderApi};

    use super::*;

    /// A store that refuses every entry, as a locked or absent one does.
    pub(crate) struct Refusing;

    impl CredentialBuilderApi for Refusing {
        fn build(&self, _: Option<&str>, _: &str, _: &str) -> keyring::Result<Box<Credential>> {
            Err(keyring::Error::NoStorageAccess("the store is locked".into()))
        }

        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    /// keyring's mock store.
    pub(crate) fn mock() -> OsStore {
        OsStore::with_builder(keyring::mock::default_credential_builder())
    }

    #[test]
    fn the_mock_store_keeps_reads_and_deletes_a_secret() {
        let store = mock();
        let account = new_account("default", "http://127.0.0.1:8787").unwrap();
        assert_eq!(store.get(&account).unwrap(), None);
        store.put(&account, "stl_TEST_kept").unwrap();
        assert_eq!(store.get(&account).unwrap().as_deref(), Some("stl_TEST_kept"));
        store.delete(&account).unwrap();
        store.delete(&account).unwrap();
    }

    #[test]
    fn a_refusing_store_says_why_and_never_the_secret() {
        let store = OsStore::with_builder(Box::new(Refusing));
        let error = store.put("default x", "stl_TEST_never").unwrap_err();
        assert!(error.to_string().contains("locked"), "{error}");
        assert!(!error.to_string().contains("stl_TEST_never"));
        assert!(store.get("default x").is_err());
    }

    #[test]
    fn accounts_are_this_logins_own() {
        let a = new_account("default", "http://x").unwrap();
        let b = new_account("default", "http://x").unwrap();
        assert!(a.starts_with("default http://x "), "{a}");
        assert_ne!(a, b);
    }
}
