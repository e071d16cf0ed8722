//! Rotation (protocol v2, feature `rotation`): a new secret for a job
//! token or API key, the old one kept for a grace period as a retiring
//! secret, at most [`MAX_RETIRING`] of them.

use crate::secret;
use crate::store::collection::Collection;
use crate::store::entries::{Expiring, Holder, Retiring, TokenEntry};
use crate::store::Store;

/// The most old secrets in their grace a token keeps: a rotation past it
/// ends the oldest one's grace early, so that a token rotated in a loop
/// does not grow without bound.
pub(crate) const MAX_RETIRING: usize = 16;

impl Store {
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
    ) -> std::io::Result<Option<(TokenEntry, String)>> {
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
}
