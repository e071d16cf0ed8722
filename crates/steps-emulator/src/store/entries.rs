//! What the store holds, as plain data: accounts, records of job tokens
//! and API keys, secrets and what they unlock, the lines of the expiry
//! index, idempotency keys with their answers, and the quandela dialect's
//! job tokens and usage. What is done with them is in the store's other
//! files, one concern each.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;

use crate::store::collection::Collection;

/// An account as the store keeps it.
pub(super) struct AccountEntry {
    pub(super) user_id: i64,
    pub(super) email: String,
    pub(super) password: String,
    pub(super) is_admin: bool,
    /// The quandela dialect's user priority: a token's must be below it.
    pub(super) priority: i64,
}

/// A job token or API key, without its secret.
#[derive(Clone, Debug)]
pub(crate) struct TokenEntry {
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
    pub(super) secret: SecretRef,
    /// Secrets that a rotation replaced and whose grace has not ended.
    pub(super) retiring: Vec<Retiring>,
}

/// An old secret of a rotated token, valid until its grace ends.
#[derive(Clone, Copy, Debug)]
pub(super) struct Retiring {
    pub(super) secret: SecretRef,
    /// When its grace ends: at most the token's `expires_at`. Also its
    /// line in the expiry index, with the secret's serial.
    pub(super) until: u64,
}

/// Where a secret is: its key in `Store::secrets`, and the serial number
/// that tells it from another secret under the same key. The serial is
/// also its line in `Store::expiring`, with its expiry.
#[derive(Clone, Copy, Debug)]
pub(super) struct SecretRef {
    pub(super) key: u64,
    pub(super) serial: u64,
}

/// The records of one collection.
#[derive(Default)]
pub(super) struct Entries {
    pub(super) records: BTreeMap<i64, TokenEntry>,
    pub(super) last_id: i64,
}

/// What a secret unlocks.
#[derive(Clone, Copy)]
pub(super) enum Holder {
    Login { user_id: i64, expires_at: u64 },
    Issued { collection: Collection, id: i64 },
}

pub(super) struct SecretEntry {
    pub(super) secret: Box<str>,
    pub(super) holder: Holder,
    pub(super) serial: u64,
}

/// A line of the expiry index: what to remove when it expires.
pub(super) enum Expiring {
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
pub(crate) struct Fingerprint(pub(super) u64);

/// A stored answer to a request with an idempotency key: its status and
/// body, secret included (in memory only, beside the secrets themselves).
#[derive(Clone)]
pub(crate) struct Replay {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

/// What the store knows of one caller's idempotency key.
pub(super) struct KeyEntry {
    /// Tells this use of the key from a later one (after it expired or was
    /// released); for a kept answer, also its line in the expiry index.
    pub(super) serial: u64,
    pub(super) fingerprint: Fingerprint,
    /// `None` while the key's first request is being handled.
    pub(super) kept: Option<Replay>,
}

/// A job token of the quandela dialect (`docs/quandela.md`). Unlike the
/// protocol's, it stays in the store when it expires or is revoked (both
/// are listed, and a revoked one may be reopened) until it is deleted; so
/// it has no line in the expiry index.
#[derive(Clone, Debug)]
pub(crate) struct QuandelaToken {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) label: Option<String>,
    pub(crate) priority: i64,
    pub(crate) duration: u64,
    pub(crate) created_at: u64,
    pub(crate) expires_at: u64,
    pub(crate) revoked: bool,
    /// Authenticated requests made with it.
    pub(crate) count: u64,
    /// When the last of them arrived.
    pub(crate) last_used: Option<u64>,
    /// `is_explorer_token`, as it was given (it changes nothing).
    pub(crate) explorer: Option<bool>,
    pub(super) secret: Box<str>,
}

impl QuandelaToken {
    /// Whether it authenticates at `now`: neither revoked nor expired.
    pub(crate) fn valid(&self, now: u64) -> bool {
        !self.revoked && now < self.expires_at
    }
}

/// The quandela dialect's job tokens, and the usage recorded for them.
#[derive(Default)]
pub(super) struct QuandelaTokens {
    pub(super) tokens: BTreeMap<i64, QuandelaToken>,
    /// The last id handed out (ids are never handed out twice).
    pub(super) last_id: i64,
    /// Token ids by a keyed hash of their secret.
    pub(super) by_secret: HashMap<u64, Vec<i64>>,
    /// In the order recorded.
    pub(super) usage: Vec<UsageEntry>,
}

/// Jobs run with a quandela job token on one platform, as the control
/// plane (or `Emulator::record_usage`) records them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct UsageEntry {
    pub(crate) token_id: i64,
    pub(crate) platform_name: String,
    pub(crate) nb_jobs: u64,
    pub(crate) duration_seconds: u64,
    pub(crate) credits: f64,
    pub(crate) free_credits: f64,
    /// When, in Unix seconds of the emulator's clock.
    pub(crate) at: u64,
}
