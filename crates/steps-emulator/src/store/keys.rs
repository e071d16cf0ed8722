//! Idempotency keys (protocol v2, feature `idempotency`): a request's
//! fingerprint, claiming a caller's key, keeping the answer to replay, and
//! releasing a claim that kept none.

use std::hash::BuildHasher;

use crate::store::collection::Collection;
use crate::store::entries::{Expiring, Fingerprint, KeyEntry, Replay};
use crate::store::Store;

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

impl Store {
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
}
