//! The whole store as one versioned JSON document: what `GET /_steps/state`
//! exports, `PUT /_steps/state` imports, and `--state FILE` keeps across
//! restarts. It holds every secret (a saved state is written with mode
//! 0600). Remembered idempotency keys are not in it: a key is for the
//! re-sends of one request, which a restart ends.
//!
//! An export is deterministic: accounts by user id, login tokens by their
//! secret, records by id. So with a frozen clock, exporting what was just
//! imported gives the same bytes.
//!
//! The quandela dialect's job tokens and usage are its own part
//! (`saved/quandela.rs`), and an account's priority a field: both are left
//! out when they hold nothing but defaults, so that version 1 still
//! describes a document of the protocol alone, byte for byte.

pub(crate) mod quandela;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Reading;
use crate::limits::{self, DEFAULT_PRIORITY};
use crate::store::collection::Collection;
use crate::store::entries::{AccountEntry, Entries, Expiring, Holder, Retiring, TokenEntry};
use crate::store::saved::quandela::QuandelaDoc;
use crate::store::Store;

/// The format's version, as `"steps_emulator_state"` says it.
pub(crate) const VERSION: u64 = 1;

/// The saved state.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Document {
    /// The format's version: [`VERSION`].
    pub(crate) steps_emulator_state: u64,
    /// The emulator's clock.
    pub(crate) clock: ClockDoc,
    /// Login token lifetime, in seconds.
    pub(crate) login_ttl: u64,
    pub(crate) accounts: Vec<AccountDoc>,
    pub(crate) login_tokens: Vec<LoginDoc>,
    pub(crate) job_tokens: EntriesDoc,
    pub(crate) api_keys: EntriesDoc,
    /// The quandela dialect's job tokens and usage, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) quandela: Option<QuandelaDoc>,
}

/// The clock's reading.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClockDoc {
    pub(crate) now: u64,
    pub(crate) frozen: bool,
}

/// An account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountDoc {
    pub(crate) user_id: i64,
    pub(crate) email: String,
    pub(crate) password: String,
    pub(crate) is_admin: bool,
    /// The quandela dialect's user priority; absent, 10.
    #[serde(default = "default_priority", skip_serializing_if = "is_default_priority")]
    pub(crate) priority: i64,
}

fn default_priority() -> i64 {
    DEFAULT_PRIORITY
}

fn is_default_priority(priority: &i64) -> bool {
    *priority == DEFAULT_PRIORITY
}

/// A login token.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginDoc {
    pub(crate) token: String,
    pub(crate) user_id: i64,
    pub(crate) expires_at: u64,
}

/// One collection: its records, and the last id handed out (ids are never
/// handed out twice, deleted ones included).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntriesDoc {
    pub(crate) last_id: i64,
    pub(crate) records: Vec<EntryDoc>,
}

/// A job token or API key, with its secrets.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntryDoc {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) label: Option<String>,
    pub(crate) duration: u64,
    pub(crate) created_at: u64,
    pub(crate) expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rotated_at: Option<u64>,
    /// The current secret.
    pub(crate) secret: String,
    /// Old secrets in their grace period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) retiring: Vec<RetiringDoc>,
}

/// An old secret, valid until `until`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RetiringDoc {
    pub(crate) secret: String,
    pub(crate) until: u64,
}

impl Document {
    /// Reads a document: valid JSON, of a version this emulator reads, with
    /// nothing inconsistent in it (see [`Store::import`]).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Document, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
        let version = value
            .get("steps_emulator_state")
            .ok_or("not a steps-emulator state: no \"steps_emulator_state\" version")?;
        match version.as_u64() {
            Some(VERSION) => {}
            Some(newer) if newer > VERSION => {
                return Err(format!(
                "written by a newer steps-emulator (state version {newer}; this one reads version {VERSION})"
            ))
            }
            _ => {
                return Err(format!(
                    "unknown state version {version}; this one reads version {VERSION}"
                ))
            }
        }
        // Not serde's message, which may quote a value: a secret.
        serde_json::from_slice(bytes).map_err(|e| {
            format!(
                "not a valid state: a field is missing, unknown or of the wrong type (line {}, column {})",
                e.line(),
                e.column()
            )
        })
    }

    /// The document as pretty JSON, ending with a newline.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The clock's reading.
    pub(crate) fn reading(&self) -> Reading {
        Reading {
            now: self.clock.now,
            frozen: self.clock.frozen,
        }
    }
}

impl Store {
    /// The whole store, at the clock's `reading`.
    pub(crate) fn export(&self, reading: Reading) -> Document {
        let secret_of = |key: u64, serial: u64| -> String {
            self.secrets
                .get(&key)
                .and_then(|entries| entries.iter().find(|e| e.serial == serial))
                .map(|e| e.secret.to_string())
                .unwrap_or_default()
        };
        let mut login_tokens: Vec<LoginDoc> = self
            .secrets
            .values()
            .flatten()
            .filter_map(|entry| match entry.holder {
                Holder::Login { user_id, expires_at } => Some(LoginDoc {
                    token: entry.secret.to_string(),
                    user_id,
                    expires_at,
                }),
                Holder::Issued { .. } => None,
            })
            .collect();
        login_tokens.sort_by(|a, b| a.token.cmp(&b.token));
        let records = |records: &Entries| EntriesDoc {
            last_id: records.last_id,
            records: records
                .records
                .values()
                .map(|r| EntryDoc {
                    id: r.id,
                    user_id: r.user_id,
                    label: r.label.clone(),
                    duration: r.duration,
                    created_at: r.created_at,
                    expires_at: r.expires_at,
                    rotated_at: r.rotated_at,
                    secret: secret_of(r.secret.key, r.secret.serial),
                    retiring: r
                        .retiring
                        .iter()
                        .map(|old| RetiringDoc {
                            secret: secret_of(old.secret.key, old.secret.serial),
                            until: old.until,
                        })
                        .collect(),
                })
                .collect(),
        };
        Document {
            steps_emulator_state: VERSION,
            clock: ClockDoc {
                now: reading.now,
                frozen: reading.frozen,
            },
            login_ttl: self.login_ttl,
            accounts: self.account_docs(),
            login_tokens,
            job_tokens: records(&self.job_tokens),
            api_keys: records(&self.api_keys),
            quandela: self.quandela_doc(None),
        }
    }

    /// The accounts, by user id.
    pub(crate) fn account_docs(&self) -> Vec<AccountDoc> {
        self.accounts
            .iter()
            .map(|a| AccountDoc {
                user_id: a.user_id,
                email: a.email.clone(),
                password: a.password.clone(),
                is_admin: a.is_admin,
                priority: a.priority,
            })
            .collect()
    }

    /// A store with these accounts and nothing else.
    pub(crate) fn from_accounts(accounts: &[AccountDoc], login_ttl: u64) -> Result<Store, String> {
        let mut store = Store::new(&[], login_ttl);
        let mut emails = HashSet::new();
        let mut last = 0;
        for account in accounts {
            if account.user_id <= last {
                return Err(format!(
                    "account user ids must ascend from 1: {} after {last}",
                    account.user_id
                ));
            }
            if account.email.is_empty() || account.password.is_empty() {
                return Err(format!("account {}: empty email or password", account.user_id));
            }
            if !emails.insert(account.email.as_str()) {
                return Err(format!("account {}: the email is used twice", account.user_id));
            }
            last = account.user_id;
            store.accounts.push(AccountEntry {
                user_id: account.user_id,
                email: account.email.clone(),
                password: account.password.clone(),
                is_admin: account.is_admin,
                priority: account.priority,
            });
        }
        Ok(store)
    }

    /// The store a document describes, or what is wrong with it: an
    /// unknown owner, a secret used twice, ids that do not ascend or pass
    /// the collection's last id, a duration, label or grace out of range.
    /// Nothing of the running emulator changes until the caller swaps the
    /// new store in.
    pub(crate) fn import(doc: &Document) -> Result<Store, String> {
        let mut store = Store::from_accounts(&doc.accounts, doc.login_ttl)?;
        let owners: HashSet<i64> = doc.accounts.iter().map(|a| a.user_id).collect();
        let mut secrets = HashSet::new();
        let mut fresh = |secret: &str, what: &dyn Fn() -> String| {
            if secret.is_empty() || !secrets.insert(secret.to_owned()) {
                Err(format!("{}: an empty secret, or one used twice", what()))
            } else {
                Ok(())
            }
        };
        for login in &doc.login_tokens {
            fresh(&login.token, &|| "a login token".to_owned())?;
            if !owners.contains(&login.user_id) {
                return Err(format!("a login token of unknown user {}", login.user_id));
            }
            let holder = Holder::Login {
                user_id: login.user_id,
                expires_at: login.expires_at,
            };
            store.insert_secret(&login.token, holder, login.expires_at);
        }
        for (collection, records) in [
            (Collection::JobTokens, &doc.job_tokens),
            (Collection::ApiKeys, &doc.api_keys),
        ] {
            let name = collection.name();
            let mut last = 0;
            for r in &records.records {
                let what = || format!("{name} {}", r.id);
                if r.id <= last || r.id > records.last_id {
                    return Err(format!(
                        "{}: ids must ascend, each at most last_id {}",
                        what(),
                        records.last_id
                    ));
                }
                last = r.id;
                if !owners.contains(&r.user_id) {
                    return Err(format!("{}: unknown user {}", what(), r.user_id));
                }
                let label_ok = r.label.as_deref().is_none_or(limits::is_valid_label);
                let duration_ok = (1..=limits::MAX_DURATION).contains(&r.duration);
                if !label_ok || !duration_ok || r.expires_at != r.created_at.saturating_add(r.duration) {
                    return Err(format!(
                        "{}: a label, duration or expiry the protocol does not allow",
                        what()
                    ));
                }
                fresh(&r.secret, &what)?;
                let holder = Holder::Issued { collection, id: r.id };
                let secret = store.insert_secret(&r.secret, holder, r.expires_at);
                let mut retiring = Vec::new();
                for old in &r.retiring {
                    fresh(&old.secret, &what)?;
                    if old.until > r.expires_at {
                        return Err(format!("{}: a grace past the token's expiry", what()));
                    }
                    let old_secret = store.insert_secret(&old.secret, holder, old.until);
                    // Its line in the expiry index ends its grace, not the
                    // token: `insert_secret` wrote a token's line.
                    store.expiring.insert(
                        (old.until, old_secret.serial),
                        Expiring::Retired {
                            secret_key: old_secret.key,
                            token: (collection, r.id),
                        },
                    );
                    retiring.push(Retiring {
                        secret: old_secret,
                        until: old.until,
                    });
                }
                store.records_mut(collection).records.insert(
                    r.id,
                    TokenEntry {
                        id: r.id,
                        user_id: r.user_id,
                        label: r.label.clone(),
                        duration: r.duration,
                        created_at: r.created_at,
                        expires_at: r.expires_at,
                        rotated_at: r.rotated_at,
                        secret,
                        retiring,
                    },
                );
            }
            store.records_mut(collection).last_id = records.last_id.max(0);
        }
        if let Some(quandela) = &doc.quandela {
            store.import_quandela(quandela, &owners, &mut secrets)?;
        }
        Ok(store)
    }
}
