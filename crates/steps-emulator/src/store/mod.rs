//! The in-memory state of one emulator: accounts, tokens and their
//! secrets, and the idempotency keys of protocol v2 with the answers they
//! replay. Every method leaves the store consistent or unchanged.
//!
//! A job token or API key has one current secret and, after a rotation
//! with a grace period (protocol v2, feature `rotation`), old secrets that
//! still work until their grace ends: each is a
//! [`Retiring`](entries::Retiring) secret of the record, with its own line
//! in the expiry index.
//!
//! Expired entries are purged: every secret (login tokens included), every
//! record and every remembered key has a line in an index ordered by
//! expiry, and
//! [`Store::purge_expired`] removes what has expired from its front, so
//! each entry is removed once, in logarithmic time, and no request scans
//! expired records.
//!
//! This file holds the [`Store`] itself and its upkeep: storing and
//! removing secrets and records, each with its line in the expiry index,
//! and purging that index. The plain data it holds is in `entries.rs`
//! (`collection.rs` names the two collections); each concern has its own
//! file: `accounts.rs` (accounts, logging in), `identity.rs`
//! (authenticating, standing, revoking), `tokens.rs` (creating, reading,
//! deleting, listing), `rotation.rs`, `keys.rs` (idempotency keys),
//! `quandela.rs` (the quandela dialect's job tokens, which never expire
//! out of the store), `usage.rs` (the usage recorded for them) and
//! `saved.rs` (the saved state).

pub(crate) mod accounts;
pub(crate) mod collection;
pub(crate) mod entries;
pub(crate) mod identity;
pub(crate) mod keys;
pub(crate) mod quandela;
pub(crate) mod rotation;
pub(crate) mod saved;
pub(crate) mod tokens;
pub(crate) mod usage;

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use crate::account::Account;
use crate::limits::DEFAULT_PRIORITY;
use crate::store::collection::Collection;
use crate::store::entries::{
    AccountEntry, Entries, Expiring, Holder, KeyEntry, QuandelaTokens, SecretEntry, SecretRef,
};

/// The store of one emulator (see the module docs).
pub(crate) struct Store {
    accounts: Vec<AccountEntry>,
    /// Secrets by a keyed hash, so that lookup never compares a presented
    /// token with a stored one byte by byte; the final comparison is
    /// constant-time.
    secrets: HashMap<u64, Vec<SecretEntry>>,
    hasher: RandomState,
    job_tokens: Entries,
    api_keys: Entries,
    login_ttl: u64,
    /// Every secret, by `(expires_at, serial)`: what to purge first is
    /// first.
    expiring: BTreeMap<(u64, u64), Expiring>,
    /// The serial number of the last secret stored or key claimed.
    last_serial: u64,
    /// Idempotency keys by caller (user id), then key.
    keys: HashMap<i64, HashMap<Box<str>, KeyEntry>>,
    /// The quandela dialect's job tokens and usage.
    quandela: QuandelaTokens,
    /// Tells this store from the one a reset or an import replaced: an
    /// identity found in another store is not valid in this one.
    generation: u64,
}

fn next_generation() -> u64 {
    static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
}

/// How many entries the store holds, live or not yet purged (for tests of
/// its memory).
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sizes {
    /// Secrets: login tokens, job tokens and API keys.
    pub(crate) secrets: usize,
    /// Job token and API key records.
    pub(crate) records: usize,
    /// Lines of the expiry index.
    pub(crate) expiring: usize,
    /// Idempotency keys, claimed or kept.
    pub(crate) keys: usize,
}

impl Store {
    pub(crate) fn new(accounts: &[Account], login_ttl: u64) -> Store {
        let accounts = accounts
            .iter()
            .zip(1..)
            .map(|(a, user_id)| AccountEntry {
                user_id,
                email: a.email.clone(),
                password: a.password.clone(),
                is_admin: a.is_admin,
                priority: DEFAULT_PRIORITY,
            })
            .collect();
        Store {
            accounts,
            secrets: HashMap::new(),
            hasher: RandomState::new(),
            job_tokens: Entries::default(),
            api_keys: Entries::default(),
            login_ttl,
            expiring: BTreeMap::new(),
            last_serial: 0,
            keys: HashMap::new(),
            quandela: QuandelaTokens::default(),
            generation: next_generation(),
        }
    }

    fn records(&self, collection: Collection) -> &Entries {
        match collection {
            Collection::JobTokens => &self.job_tokens,
            Collection::ApiKeys => &self.api_keys,
        }
    }

    fn records_mut(&mut self, collection: Collection) -> &mut Entries {
        match collection {
            Collection::JobTokens => &mut self.job_tokens,
            Collection::ApiKeys => &mut self.api_keys,
        }
    }

    /// Stores a secret, with its line in the expiry index.
    fn insert_secret(&mut self, token: &str, holder: Holder, expires_at: u64) -> SecretRef {
        let key = self.hasher.hash_one(token);
        self.last_serial += 1;
        let serial = self.last_serial;
        self.secrets.entry(key).or_default().push(SecretEntry {
            secret: token.into(),
            holder,
            serial,
        });
        let issued = match holder {
            Holder::Issued { collection, id } => Some((collection, id)),
            Holder::Login { .. } => None,
        };
        self.expiring.insert(
            (expires_at, serial),
            Expiring::Secret {
                secret_key: key,
                issued,
            },
        );
        SecretRef { key, serial }
    }

    /// Removes a secret (but not its line in the expiry index).
    fn remove_secret(&mut self, secret: SecretRef) {
        if let Some(entries) = self.secrets.get_mut(&secret.key) {
            entries.retain(|e| e.serial != secret.serial);
            if entries.is_empty() {
                self.secrets.remove(&secret.key);
            }
        }
    }

    /// Removes every secret, record and idempotency key that has expired
    /// by `now`: login tokens, job tokens, API keys and kept answers. Each
    /// is removed once, from the front of the expiry index, so the work is
    /// proportional to what expired since the last call.
    pub(crate) fn purge_expired(&mut self, now: u64) {
        while let Some(line) = self.expiring.first_entry() {
            let (expires_at, serial) = *line.key();
            if now < expires_at {
                break;
            }
            match line.remove() {
                Expiring::Secret { secret_key, issued } => {
                    self.remove_secret(SecretRef {
                        key: secret_key,
                        serial,
                    });
                    if let Some((collection, id)) = issued {
                        self.drop_record(collection, id);
                    }
                }
                Expiring::Retired { secret_key, token } => {
                    let secret = SecretRef {
                        key: secret_key,
                        serial,
                    };
                    self.end_grace(token, secret, expires_at);
                }
                Expiring::Key { caller, key } => self.remove_key(caller, &key, serial),
            }
        }
    }

    /// Removes `caller`'s `key` if it is still the use numbered `serial`.
    fn remove_key(&mut self, caller: i64, key: &str, serial: u64) {
        let Some(keys) = self.keys.get_mut(&caller) else {
            return;
        };
        if keys.get(key).is_some_and(|entry| entry.serial == serial) {
            keys.remove(key);
        }
        if keys.is_empty() {
            self.keys.remove(&caller);
        }
    }

    /// Ends the grace of a retiring `secret` of `token`, whose line in the
    /// expiry index is at `until`.
    fn end_grace(&mut self, token: (Collection, i64), secret: SecretRef, until: u64) {
        self.remove_secret(secret);
        self.expiring.remove(&(until, secret.serial));
        let (collection, id) = token;
        if let Some(record) = self.records_mut(collection).records.get_mut(&id) {
            record.retiring.retain(|r| r.secret.serial != secret.serial);
        }
    }

    /// Removes a record with every secret it has and their lines in the
    /// expiry index. Returns whether it existed.
    fn drop_record(&mut self, collection: Collection, id: i64) -> bool {
        let Some(record) = self.records_mut(collection).records.remove(&id) else {
            return false;
        };
        self.remove_secret(record.secret);
        self.expiring.remove(&(record.expires_at, record.secret.serial));
        for retiring in record.retiring {
            self.remove_secret(retiring.secret);
            self.expiring.remove(&(retiring.until, retiring.secret.serial));
        }
        true
    }

    /// How many entries the store holds.
    #[cfg(test)]
    pub(crate) fn sizes(&self) -> Sizes {
        Sizes {
            secrets: self.secrets.values().map(Vec::len).sum(),
            records: self.job_tokens.records.len() + self.api_keys.records.len(),
            expiring: self.expiring.len(),
            keys: self.keys.values().map(HashMap::len).sum(),
        }
    }
}
