//! The in-memory state of one emulator: accounts, tokens and their
//! secrets, and the idempotency keys of protocol v2 with the answers they
//! replay. Every method leaves the store consistent or unchanged.
//!
//! A job token or API key has one current secret and, after a rotation
//! with a grace period (protocol v2, feature `rotation`), old secrets that
//! still work until their grace ends: each is a [`Retiring`] secret of the
//! record, with its own line in the expiry index.
//!
//! Expired entries are purged: every secret (login tokens included), every
//! record and every remembered key has a line in an index ordered by
//! expiry, and
//! [`Store::purge_expired`] removes what has expired from its front, so
//! each entry is removed once, in logarithmic time, and no request scans
//! expired records.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use bytes::Bytes;

use crate::secret::{self, TokenKind};
use crate::Account;

pub(crate) mod saved;

/// An account as the store keeps it.
struct AccountRecord {
    user_id: i64,
    email: String,
    password: String,
    is_admin: bool,
}

/// A job token or API key, without its secret.
#[derive(Clone, Debug)]
pub(crate) struct TokenRecord {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) label: Option<String>,
    pub(crate) duration: u64,
    pub(crate) created_at: u64,
    pub(crate) expires_at: u64,
    /// When it was last rotated (protocol v2), if ever.
    pub(crate) rotated_at: Option<u64>,
    /// Its current secret's key in `Store::secrets` and serial number, for
    /// revocation and purging.
    secret: SecretRef,
    /// Secrets that a rotation replaced and whose grace has not ended.
    retiring: Vec<Retiring>,
}

/// An old secret of a rotated token, valid until its grace ends.
#[derive(Clone, Copy, Debug)]
struct Retiring {
    secret: SecretRef,
    /// When its grace ends: at most the token's `expires_at`. Also its
    /// line in the expiry index, with the secret's serial.
    until: u64,
}

/// Where a secret is: its key in `Store::secrets`, and the serial number
/// that tells it from another secret under the same key. The serial is
/// also its line in `Store::expiring`, with its expiry.
#[derive(Clone, Copy, Debug)]
struct SecretRef {
    key: u64,
    serial: u64,
}

/// The two collections of issued tokens. A login token belongs to none:
/// it is never created, listed, read or deleted through a collection route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Collection {
    /// Job tokens (`/api/job_token`).
    JobTokens,
    /// API keys (`/api/api_key`).
    ApiKeys,
}

impl Collection {
    /// Its name in paths and operation names.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Collection::JobTokens => "job_token",
            Collection::ApiKeys => "api_key",
        }
    }

    /// The kind of token the collection's secrets are.
    pub(crate) fn token_kind(self) -> TokenKind {
        match self {
            Collection::JobTokens => TokenKind::Job,
            Collection::ApiKeys => TokenKind::ApiKey,
        }
    }
}

/// Who presented a valid token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Identity {
    pub(crate) user_id: i64,
    pub(crate) is_admin: bool,
    pub(crate) kind: TokenKind,
    /// When the secret presented stops working: its token's expiry, or the
    /// end of its grace for a retiring secret.
    pub(crate) expires_at: u64,
    /// For a job token or API key, which one.
    pub(crate) issued: Option<Issued>,
    /// The secret presented, for revoking it.
    secret: SecretRef,
    /// The store it was found in.
    generation: u64,
}

impl Identity {
    /// Which secret sent the request: its serial, unique in its store.
    pub(crate) fn secret_serial(&self) -> u64 {
        self.secret.serial
    }
}

/// The job token or API key a secret belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Issued {
    pub(crate) collection: Collection,
    pub(crate) id: i64,
    /// Whether the secret presented is one a rotation replaced, in its
    /// grace period, rather than the token's current secret.
    pub(crate) retiring: bool,
}

/// A line of the expiry index: what to remove when it expires.
enum Expiring {
    /// A secret, and for a job token or API key its record.
    Secret {
        /// The secret's key in `Store::secrets`.
        secret_key: u64,
        /// For a job token or API key, its record.
        issued: Option<(Collection, i64)>,
    },
    /// A retiring secret of a job token or API key, whose grace ends.
    Retired {
        /// The secret's key in `Store::secrets`.
        secret_key: u64,
        /// Its token.
        token: (Collection, i64),
    },
    /// A remembered idempotency key and the answer it replays.
    Key {
        /// The user who sent it.
        caller: i64,
        /// The key.
        key: Box<str>,
    },
}

/// The first request sent with an idempotency key, as a keyed hash of its
/// method, path and body, and of the job token or API key that sent it (on
/// the `/api/token/self` routes, where the token is what is acted on): a
/// later request with the key is "the same" when its hash is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

/// A stored answer to a request with an idempotency key: its status and
/// body, secret included (in memory only, beside the secrets themselves).
#[derive(Clone)]
pub(crate) struct Replay {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

/// What the store knows of one caller's idempotency key.
struct KeyEntry {
    /// Tells this use of the key from a later one (after it expired or was
    /// released); for a kept answer, also its line in the expiry index.
    serial: u64,
    fingerprint: Fingerprint,
    /// `None` while the key's first request is being handled.
    kept: Option<Replay>,
}

/// What a request with an idempotency key finds.
pub(crate) enum KeyClaim {
    /// The key was free and is now claimed by this request, under this
    /// serial, until its answer is kept or the claim released.
    Claimed(u64),
    /// The same request was answered before: replay this.
    Replay(Replay),
    /// The key's first request is still being handled.
    InProgress,
    /// The key was used for a request with another method, path or body.
    Mismatch,
}

/// What a secret unlocks.
#[derive(Clone, Copy)]
enum Holder {
    Login { user_id: i64, expires_at: u64 },
    Issued { collection: Collection, id: i64 },
}

struct SecretEntry {
    secret: Box<str>,
    holder: Holder,
    serial: u64,
}

/// The records of one collection.
#[derive(Default)]
struct Records {
    records: BTreeMap<i64, TokenRecord>,
    last_id: i64,
}

pub(crate) struct Store {
    accounts: Vec<AccountRecord>,
    /// Secrets by a keyed hash, so that lookup never compares a presented
    /// token with a stored one byte by byte; the final comparison is
    /// constant-time.
    secrets: HashMap<u64, Vec<SecretEntry>>,
    hasher: RandomState,
    job_tokens: Records,
    api_keys: Records,
    login_ttl: u64,
    /// Every secret, by `(expires_at, serial)`: what to purge first is
    /// first.
    expiring: BTreeMap<(u64, u64), Expiring>,
    /// The serial number of the last secret stored or key claimed.
    last_serial: u64,
    /// Idempotency keys by caller (user id), then key.
    keys: HashMap<i64, HashMap<Box<str>, KeyEntry>>,
    /// Tells this store from the one a reset or an import replaced: an
    /// identity found in another store is not valid in this one.
    generation: u64,
}

/// Where a secret that authenticated stands now, under the store's lock
/// (a rotation, revocation, reset or import may have come in between).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// A login token.
    Login,
    /// The current secret of a job token or API key.
    Current(Collection, i64),
    /// A secret that a rotation replaced, in its grace.
    Retiring(Collection, i64),
}

/// The most old secrets in their grace a token keeps: a rotation past it
/// ends the oldest one's grace early, so that a token rotated in a loop
/// does not grow without bound.
pub(crate) const MAX_RETIRING: usize = 16;

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

/// Which records a list keeps (protocol v2, feature `own_tokens`): all of
/// them by default.
#[derive(Debug, Default)]
pub(crate) struct ListFilter {
    /// Only this user's.
    pub(crate) user_id: Option<i64>,
    /// Only those with exactly this label.
    pub(crate) label: Option<String>,
}

impl ListFilter {
    fn keeps(&self, record: &TokenRecord) -> bool {
        self.user_id.is_none_or(|user_id| record.user_id == user_id)
            && self
                .label
                .as_deref()
                .is_none_or(|label| record.label.as_deref() == Some(label))
    }
}

/// What a successful login gives.
pub(crate) struct LoginGrant {
    pub(crate) token: String,
    pub(crate) user_id: i64,
    pub(crate) is_admin: bool,
    pub(crate) expires_at: u64,
}

impl Store {
    pub(crate) fn new(accounts: &[Account], login_ttl: u64) -> Store {
        let accounts = accounts
            .iter()
            .zip(1..)
            .map(|(a, user_id)| AccountRecord {
                user_id,
                email: a.email.clone(),
                password: a.password.clone(),
                is_admin: a.is_admin,
            })
            .collect();
        Store {
            accounts,
            secrets: HashMap::new(),
            hasher: RandomState::new(),
            job_tokens: Records::default(),
            api_keys: Records::default(),
            login_ttl,
            expiring: BTreeMap::new(),
            last_serial: 0,
            keys: HashMap::new(),
            generation: next_generation(),
        }
    }

    fn records(&self, collection: Collection) -> &Records {
        match collection {
            Collection::JobTokens => &self.job_tokens,
            Collection::ApiKeys => &self.api_keys,
        }
    }

    fn records_mut(&mut self, collection: Collection) -> &mut Records {
        match collection {
            Collection::JobTokens => &mut self.job_tokens,
            Collection::ApiKeys => &mut self.api_keys,
        }
    }

    /// Login token lifetime, in seconds.
    pub(crate) fn login_ttl(&self) -> u64 {
        self.login_ttl
    }

    /// Sets the lifetime of login tokens minted from now on.
    pub(crate) fn set_login_ttl(&mut self, seconds: u64) {
        self.login_ttl = seconds;
    }

    /// Adds an account with the next user id, unless its email is taken
    /// or no user id is left (an imported state may have used the last).
    pub(crate) fn add_account(
        &mut self,
        email: &str,
        password: &str,
        is_admin: bool,
    ) -> Result<i64, &'static str> {
        if self.accounts.iter().any(|a| a.email == email) {
            return Err("an account with this email exists");
        }
        let user_id = match self.accounts.last() {
            Some(last) => last.user_id.checked_add(1).ok_or("no user id is left")?,
            None => 1,
        };
        self.accounts.push(AccountRecord {
            user_id,
            email: email.to_owned(),
            password: password.to_owned(),
            is_admin,
        });
        Ok(user_id)
    }

    /// Checks email and password; every account's password is compared, so
    /// the time taken does not tell which emails exist.
    pub(crate) fn login(
        &mut self,
        email: &str,
        password: &str,
        now: u64,
    ) -> std::io::Result<Option<LoginGrant>> {
        let mut found = None;
        for account in &self.accounts {
            let password_ok = secret::same(&account.password, password);
            if account.email == email && password_ok {
                found = Some((account.user_id, account.is_admin));
            }
        }
        let Some((user_id, is_admin)) = found else {
            return Ok(None);
        };
        let token = secret::mint(TokenKind::Login)?;
        let expires_at = now.saturating_add(self.login_ttl);
        self.insert_secret(&token, Holder::Login { user_id, expires_at }, expires_at);
        Ok(Some(LoginGrant {
            token,
            user_id,
            is_admin,
            expires_at,
        }))
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

    /// The fingerprint of a request: its method, path and body, and the
    /// job token or API key that sent it, if one did.
    pub(crate) fn fingerprint(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        sender: Option<(Collection, i64, u64)>,
    ) -> Fingerprint {
        Fingerprint(self.hasher.hash_one((method, path, body, sender)))
    }

    /// Looks up `caller`'s idempotency `key` for a request with this
    /// fingerprint, and claims it when it is free.
    pub(crate) fn claim_key(&mut self, caller: i64, key: &str, fingerprint: Fingerprint) -> KeyClaim {
        if let Some(entry) = self.keys.get(&caller).and_then(|keys| keys.get(key)) {
            return match &entry.kept {
                None => KeyClaim::InProgress,
                Some(_) if entry.fingerprint != fingerprint => KeyClaim::Mismatch,
                Some(replay) => KeyClaim::Replay(replay.clone()),
            };
        }
        self.last_serial += 1;
        let serial = self.last_serial;
        self.keys.entry(caller).or_default().insert(
            key.into(),
            KeyEntry {
                serial,
                fingerprint,
                kept: None,
            },
        );
        KeyClaim::Claimed(serial)
    }

    /// Keeps the answer to the request that claimed `key` under `serial`,
    /// to replay until `expires_at`.
    pub(crate) fn keep_answer(
        &mut self,
        caller: i64,
        key: &str,
        serial: u64,
        replay: Replay,
        expires_at: u64,
    ) {
        let Some(entry) = self.keys.get_mut(&caller).and_then(|keys| keys.get_mut(key)) else {
            return;
        };
        if entry.serial != serial || entry.kept.is_some() {
            return;
        }
        entry.kept = Some(replay);
        self.expiring.insert(
            (expires_at, serial),
            Expiring::Key {
                caller,
                key: key.into(),
            },
        );
    }

    /// Releases a claim whose request kept no answer (it was refused, it
    /// failed, or its handler panicked): the key is free again. A kept
    /// answer stays.
    pub(crate) fn release_key(&mut self, caller: i64, key: &str, serial: u64) {
        let claimed = self
            .keys
            .get(&caller)
            .and_then(|keys| keys.get(key))
            .is_some_and(|entry| entry.serial == serial && entry.kept.is_none());
        if claimed {
            self.remove_key(caller, key, serial);
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

    /// The caller behind `token`, if it is known, unexpired and unrevoked.
    pub(crate) fn authenticate(&self, token: &str, now: u64) -> Option<Identity> {
        let entries = self.secrets.get(&self.hasher.hash_one(token))?;
        let entry = entries.iter().find(|e| secret::same(&e.secret, token))?;
        let (user_id, kind, expires_at, issued) = match entry.holder {
            Holder::Login { user_id, expires_at } => (user_id, TokenKind::Login, expires_at, None),
            Holder::Issued { collection, id } => {
                let record = self.records(collection).records.get(&id)?;
                let retiring = record.secret.serial != entry.serial;
                let expires_at = if retiring {
                    record
                        .retiring
                        .iter()
                        .find(|r| r.secret.serial == entry.serial)?
                        .until
                } else {
                    record.expires_at
                };
                let issued = Issued {
                    collection,
                    id,
                    retiring,
                };
                (record.user_id, collection.token_kind(), expires_at, Some(issued))
            }
        };
        if now >= expires_at {
            return None;
        }
        let is_admin = self.accounts.iter().any(|a| a.user_id == user_id && a.is_admin);
        Some(Identity {
            user_id,
            is_admin,
            kind,
            expires_at,
            issued,
            secret: SecretRef {
                key: self.hasher.hash_one(token),
                serial: entry.serial,
            },
            generation: self.generation,
        })
    }

    /// Whether `identity` was found in this store (not in one a reset or
    /// an import has since replaced).
    pub(crate) fn knows(&self, identity: &Identity) -> bool {
        identity.generation == self.generation
    }

    /// Where the secret `identity` presented stands now; `None` when it no
    /// longer authenticates (revoked, rotated away, expired, or from a
    /// replaced store).
    pub(crate) fn standing(&self, identity: &Identity, now: u64) -> Option<Standing> {
        if !self.knows(identity) || now >= identity.expires_at {
            return None;
        }
        let serial = identity.secret.serial;
        let stored = self
            .secrets
            .get(&identity.secret.key)
            .is_some_and(|entries| entries.iter().any(|e| e.serial == serial));
        if !stored {
            return None;
        }
        let Some(issued) = identity.issued else {
            return Some(Standing::Login);
        };
        let record = self.get(issued.collection, issued.id, now)?;
        if record.secret.serial == serial {
            Some(Standing::Current(issued.collection, issued.id))
        } else if record
            .retiring
            .iter()
            .any(|r| r.secret.serial == serial && now < r.until)
        {
            Some(Standing::Retiring(issued.collection, issued.id))
        } else {
            None
        }
    }

    /// Revokes the secret `identity` presented (protocol v2, feature
    /// `self`): a login token; a job token's or API key's current secret,
    /// which deletes the token with every secret it has; or a retiring
    /// secret alone, which leaves the token and its current secret.
    ///
    /// Where the secret stands is decided now, under the lock: a secret
    /// rotated away meanwhile ends only its own grace, and one that no
    /// longer authenticates revokes nothing (`false`).
    pub(crate) fn revoke(&mut self, identity: &Identity, now: u64) -> bool {
        let until = |store: &Store, collection: Collection, id: i64| {
            store
                .records(collection)
                .records
                .get(&id)
                .and_then(|r| {
                    r.retiring
                        .iter()
                        .find(|old| old.secret.serial == identity.secret.serial)
                })
                .map(|old| old.until)
        };
        match self.standing(identity, now) {
            None => false,
            Some(Standing::Current(collection, id)) => self.drop_record(collection, id),
            Some(Standing::Retiring(collection, id)) => {
                if let Some(until) = until(self, collection, id) {
                    self.end_grace((collection, id), identity.secret, until);
                }
                true
            }
            Some(Standing::Login) => {
                self.remove_secret(identity.secret);
                self.expiring
                    .remove(&(identity.expires_at, identity.secret.serial));
                true
            }
        }
    }

    /// Gives a live job token or API key a new secret (protocol v2, feature
    /// `rotation`); its current one keeps working for `grace` seconds (not
    /// past the token's expiry), or stops at once. Returns the record and
    /// the new secret, or `None` when there is no such live token.
    pub(crate) fn rotate(
        &mut self,
        collection: Collection,
        id: i64,
        grace: u64,
        now: u64,
    ) -> std::io::Result<Option<(TokenRecord, String)>> {
        if self.get(collection, id, now).is_none() {
            return Ok(None);
        }
        // The last fallible step, before anything changes.
        let token = secret::mint(collection.token_kind())?;
        let Some(record) = self.records(collection).records.get(&id) else {
            return Ok(None);
        };
        let (old, expires_at) = (record.secret, record.expires_at);
        // The token's line in the expiry index follows its current secret.
        self.expiring.remove(&(expires_at, old.serial));
        let new = self.insert_secret(&token, Holder::Issued { collection, id }, expires_at);
        let until = now.saturating_add(grace).min(expires_at);
        let retiring = if until > now {
            let line = Expiring::Retired {
                secret_key: old.key,
                token: (collection, id),
            };
            self.expiring.insert((until, old.serial), line);
            Some(Retiring { secret: old, until })
        } else {
            self.remove_secret(old);
            None
        };
        let Some(record) = self.records_mut(collection).records.get_mut(&id) else {
            return Ok(None);
        };
        record.secret = new;
        record.rotated_at = Some(now);
        record.retiring.extend(retiring);
        let excess = record.retiring.len().saturating_sub(MAX_RETIRING);
        let ended: Vec<Retiring> = record.retiring.drain(..excess).collect();
        let record = record.clone();
        for old in ended {
            self.remove_secret(old.secret);
            self.expiring.remove(&(old.until, old.secret.serial));
        }
        Ok(Some((record, token)))
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

    /// Issues a job token or API key; returns it and its secret.
    pub(crate) fn create(
        &mut self,
        collection: Collection,
        user_id: i64,
        label: Option<String>,
        duration: u64,
        now: u64,
    ) -> std::io::Result<(TokenRecord, String)> {
        let id = self
            .records(collection)
            .last_id
            .checked_add(1)
            .ok_or_else(|| std::io::Error::other("no id is left in the collection"))?;
        let token = secret::mint(collection.token_kind())?;
        let expires_at = now.saturating_add(duration);
        let secret = self.insert_secret(&token, Holder::Issued { collection, id }, expires_at);
        let record = TokenRecord {
            id,
            user_id,
            label,
            duration,
            created_at: now,
            expires_at,
            rotated_at: None,
            secret,
            retiring: Vec::new(),
        };
        let records = self.records_mut(collection);
        records.last_id = id;
        records.records.insert(id, record.clone());
        Ok((record, token))
    }

    /// A live (unexpired, undeleted) record.
    pub(crate) fn get(&self, collection: Collection, id: i64, now: u64) -> Option<&TokenRecord> {
        self.records(collection)
            .records
            .get(&id)
            .filter(|r| now < r.expires_at)
    }

    /// Deletes a record and revokes its secrets, those in a grace period
    /// included. Returns whether it existed.
    pub(crate) fn delete(&mut self, collection: Collection, id: i64) -> bool {
        self.drop_record(collection, id)
    }

    /// One page of the live records after `after` that `filter` keeps, and
    /// the cursor to the next.
    pub(crate) fn list(
        &self,
        collection: Collection,
        after: i64,
        limit: usize,
        filter: &ListFilter,
        now: u64,
    ) -> (Vec<TokenRecord>, Option<i64>) {
        let mut live = self
            .records(collection)
            .records
            .range(after.saturating_add(1)..)
            .map(|(_, r)| r)
            .filter(|r| now < r.expires_at && filter.keeps(r));
        let page: Vec<TokenRecord> = live.by_ref().take(limit).cloned().collect();
        let more = live.next().is_some();
        let next_after = if more { page.last().map(|r| r.id) } else { None };
        (page, next_after)
    }

    /// How many live (unexpired, undeleted) job tokens and API keys there
    /// are at `now` (for tests that check nothing changed).
    pub(crate) fn counts(&self, now: u64) -> (usize, usize) {
        let live = |records: &Records| records.records.values().filter(|r| now < r.expires_at).count();
        (live(&self.job_tokens), live(&self.api_keys))
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
