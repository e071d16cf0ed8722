//! Who a token is: authenticating a presented secret (in constant time,
//! through a keyed hash), where that secret stands now, and revoking it
//! (protocol v2, feature `self`).

use std::hash::BuildHasher;

use crate::secret::{self, TokenType};
use crate::store::collection::Collection;
use crate::store::entries::{Holder, SecretRef};
use crate::store::Store;

/// Who presented a valid token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Identity {
    pub(crate) user_id: i64,
    pub(crate) is_admin: bool,
    pub(crate) kind: TokenType,
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

impl Store {
    /// The caller behind `token`, if it is known, unexpired and unrevoked.
    pub(crate) fn authenticate(&self, token: &str, now: u64) -> Option<Identity> {
        let entries = self.secrets.get(&self.hasher.hash_one(token))?;
        let entry = entries.iter().find(|e| secret::same(&e.secret, token))?;
        let (user_id, kind, expires_at, issued) = match entry.holder {
            Holder::Login { user_id, expires_at } => (user_id, TokenType::Login, expires_at, None),
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
}
