//! The in-memory state of one emulator: accounts, tokens and their
//! secrets. Every method leaves the store consistent or unchanged.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use crate::secret::{self, TokenKind};
use crate::Account;

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
    /// The key of its secret in `Store::secrets`, for revocation.
    secret_key: u64,
}

/// The two collections of issued tokens. A login token belongs to none:
/// it is never created, listed, read or deleted through a collection route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Collection {
    /// Job tokens (`/api/job_token`).
    JobTokens,
    /// API keys (`/api/api_key`).
    ApiKeys,
}

impl Collection {
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
    pub(crate) expires_at: u64,
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
        self.insert_secret(&token, Holder::Login { user_id, expires_at });
        Ok(Some(LoginGrant {
            token,
            user_id,
            is_admin,
            expires_at,
        }))
    }

    fn insert_secret(&mut self, token: &str, holder: Holder) -> u64 {
        let key = self.hasher.hash_one(token);
        self.secrets.entry(key).or_default().push(SecretEntry {
            secret: token.into(),
            holder,
        });
        key
    }

    /// The caller behind `token`, if it is known, unexpired and unrevoked.
    pub(crate) fn authenticate(&self, token: &str, now: u64) -> Option<Identity> {
        let entries = self.secrets.get(&self.hasher.hash_one(token))?;
        let entry = entries.iter().find(|e| secret::same(&e.secret, token))?;
        let (user_id, kind, expires_at) = match entry.holder {
            Holder::Login { user_id, expires_at } => (user_id, TokenKind::Login, expires_at),
            Holder::Issued { collection, id } => {
                let record = self.records(collection).records.get(&id)?;
                (record.user_id, collection.token_kind(), record.expires_at)
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
        })
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
        let token = secret::mint(collection.token_kind())?;
        let id = self.records(collection).last_id + 1;
        let record = TokenRecord {
            id,
            user_id,
            label,
            duration,
            created_at: now,
            expires_at: now.saturating_add(duration),
            secret_key: 0,
        };
        let secret_key = self.insert_secret(&token, Holder::Issued { collection, id });
        let records = self.records_mut(collection);
        records.last_id = id;
        records.records.insert(
            id,
            TokenRecord {
                secret_key,
                ..record.clone()
            },
        );
        Ok((record, token))
    }

    /// A live (unexpired, undeleted) record.
    pub(crate) fn get(&self, collection: Collection, id: i64, now: u64) -> Option<&TokenRecord> {
        self.records(collection)
            .records
            .get(&id)
            .filter(|r| now < r.expires_at)
    }

    /// Deletes a record and revokes its secret. Returns whether it existed.
    pub(crate) fn delete(&mut self, collection: Collection, id: i64) -> bool {
        let Some(record) = self.records_mut(collection).records.remove(&id) else {
            return false;
        };
        if let Some(entries) = self.secrets.get_mut(&record.secret_key) {
            entries.retain(
                |e| !matches!(e.holder, Holder::Issued { collection: c, id: i } if c == collection && i == id),
            );
            if entries.is_empty() {
                self.secrets.remove(&record.secret_key);
            }
        }
        true
    }

    /// One page of live records after `after`, and the cursor to the next.
    pub(crate) fn list(
        &self,
        collection: Collection,
        after: i64,
        limit: usize,
        now: u64,
    ) -> (Vec<TokenRecord>, Option<i64>) {
        let mut live = self
            .records(collection)
            .records
            .range(after.saturating_add(1)..)
            .map(|(_, r)| r)
            .filter(|r| now < r.expires_at);
        let page: Vec<TokenRecord> = live.by_ref().take(limit).cloned().collect();
        let more = live.next().is_some();
        let next_after = if more { page.last().map(|r| r.id) } else { None };
        (page, next_after)
    }

    /// How many live job tokens and API keys there are (for tests that
    /// check nothing changed).
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.job_tokens.records.len(), self.api_keys.records.len())
    }
}
