//! The quandela dialect's job tokens (`docs/quandela.md`): authenticating
//! a credential (which counts the request, E5), minting, finding, listing,
//! updating, revoking and reopening, deleting, and the tokens minted for
//! each account at start (E2). They never leave the store by themselves:
//! an expired or revoked token is kept, and listed, until it is deleted.

use std::collections::HashSet;
use std::hash::BuildHasher;

use crate::limits::MAX_DURATION;
use crate::secret::{self, TokenType};
use crate::store::entries::QuandelaToken;
use crate::store::Store;

/// The label of the job token minted for each account at start (E2).
pub(crate) const STARTUP_LABEL: &str = "steps-emulator";

/// Who presented a valid credential in the quandela dialect.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QuandelaCaller {
    pub(crate) user_id: i64,
    pub(crate) is_admin: bool,
    /// The job token presented; `None` for a logged-in (login) token.
    pub(crate) job: Option<i64>,
    /// The store it was found in.
    generation: u64,
}

/// What a token to mint is to be.
pub(crate) struct NewToken {
    pub(crate) user_id: i64,
    pub(crate) label: Option<String>,
    pub(crate) priority: i64,
    pub(crate) duration: u64,
    pub(crate) explorer: Option<bool>,
}

/// A job token minted (or kept from a saved state) at start.
#[derive(Clone, Debug)]
pub(crate) struct Minted {
    pub(crate) user_id: i64,
    pub(crate) email: String,
    pub(crate) id: i64,
    pub(crate) secret: String,
}

impl Store {
    /// The caller behind `token`: a quandela job token that is neither
    /// revoked nor expired, whose `count` and `last_used` this request
    /// then moves (E5); or, where `login_ok`, a live login token.
    pub(crate) fn authenticate_quandela(
        &mut self,
        token: &str,
        now: u64,
        login_ok: bool,
    ) -> Option<QuandelaCaller> {
        let generation = self.generation;
        if let Some(id) = self.quandela_by_secret(token) {
            let record = self.quandela.tokens.get_mut(&id)?;
            if !record.valid(now) {
                return None;
            }
            record.count = record.count.saturating_add(1);
            record.last_used = Some(now);
            let user_id = record.user_id;
            let is_admin = self.account(user_id).is_some_and(|(_, admin, _)| admin);
            return Some(QuandelaCaller {
                user_id,
                is_admin,
                job: Some(id),
                generation,
            });
        }
        if !login_ok {
            return None;
        }
        let who = self
            .authenticate(token, now)
            .filter(|who| who.kind == TokenType::Login)?;
        Some(QuandelaCaller {
            user_id: who.user_id,
            is_admin: who.is_admin,
            job: None,
            generation,
        })
    }

    /// Whether `caller` was found in this store (not in one a reset or an
    /// import has since replaced).
    pub(crate) fn knows_caller(&self, caller: &QuandelaCaller) -> bool {
        caller.generation == self.generation
    }

    /// The id of the token whose secret is `secret` (compared in constant
    /// time), revoked and expired ones included.
    pub(crate) fn quandela_by_secret(&self, secret: &str) -> Option<i64> {
        let ids = self.quandela.by_secret.get(&self.hasher.hash_one(secret))?;
        ids.iter().copied().find(|id| {
            self.quandela
                .tokens
                .get(id)
                .is_some_and(|t| secret::same(&t.secret, secret))
        })
    }

    /// A token, revoked and expired ones included.
    pub(crate) fn quandela_token(&self, id: i64) -> Option<&QuandelaToken> {
        self.quandela.tokens.get(&id)
    }

    /// The tokens of `user_id`, ascending by id.
    pub(crate) fn quandela_tokens_of(&self, user_id: i64) -> impl Iterator<Item = &QuandelaToken> + '_ {
        self.quandela
            .tokens
            .values()
            .filter(move |t| t.user_id == user_id)
    }

    /// Whether another of `user_id`'s tokens than `except` has `label` (E4).
    pub(crate) fn label_taken(&self, user_id: i64, label: &str, except: Option<i64>) -> bool {
        self.quandela_tokens_of(user_id)
            .any(|t| Some(t.id) != except && t.label.as_deref() == Some(label))
    }

    /// Mints a token, with the next id; its id and secret.
    pub(crate) fn generate(&mut self, new: NewToken, now: u64) -> std::io::Result<(i64, String)> {
        let id = self
            .quandela
            .last_id
            .checked_add(1)
            .ok_or_else(|| std::io::Error::other("no token id is left"))?;
        let token = secret::mint_quandela()?;
        self.insert_quandela(QuandelaToken {
            id,
            user_id: new.user_id,
            label: new.label,
            priority: new.priority,
            duration: new.duration,
            created_at: now,
            expires_at: now.saturating_add(new.duration),
            revoked: false,
            count: 0,
            last_used: None,
            explorer: new.explorer,
            secret: token.as_str().into(),
        });
        self.quandela.last_id = id;
        Ok((id, token))
    }

    /// Stores a token, with its secret's line in the index (not its id's
    /// in `last_id`).
    pub(super) fn insert_quandela(&mut self, token: QuandelaToken) {
        let key = self.hasher.hash_one(&*token.secret);
        self.quandela.by_secret.entry(key).or_default().push(token.id);
        self.quandela.tokens.insert(token.id, token);
    }

    /// Sets a token's label and priority, where given.
    pub(crate) fn update_quandela(&mut self, id: i64, label: Option<String>, priority: Option<i64>) {
        if let Some(token) = self.quandela.tokens.get_mut(&id) {
            if let Some(label) = label {
                token.label = Some(label);
            }
            if let Some(priority) = priority {
                token.priority = priority;
            }
        }
    }

    /// Revokes a token, or reopens it (which leaves its expiry as it is).
    pub(crate) fn set_revoked(&mut self, id: i64, revoked: bool) {
        if let Some(token) = self.quandela.tokens.get_mut(&id) {
            token.revoked = revoked;
        }
    }

    /// Deletes these tokens, with their secrets and the usage recorded
    /// for them.
    pub(crate) fn delete_quandela(&mut self, ids: &HashSet<i64>) {
        for id in ids {
            let Some(token) = self.quandela.tokens.remove(id) else {
                continue;
            };
            let key = self.hasher.hash_one(&*token.secret);
            if let Some(same_key) = self.quandela.by_secret.get_mut(&key) {
                same_key.retain(|other| other != id);
                if same_key.is_empty() {
                    self.quandela.by_secret.remove(&key);
                }
            }
        }
        self.quandela.usage.retain(|u| !ids.contains(&u.token_id));
    }

    /// One job token per account (E2), labelled [`STARTUP_LABEL`]: the
    /// account's valid one with that label if it has one (from a saved
    /// state), else a new one (replacing a revoked or expired one with the
    /// label, which would clash), for ten years, priority 0.
    pub(crate) fn mint_startup_tokens(&mut self, now: u64) -> std::io::Result<Vec<Minted>> {
        let mut minted = Vec::new();
        for user_id in self.user_ids() {
            let kept = self
                .quandela_tokens_of(user_id)
                .find(|t| t.label.as_deref() == Some(STARTUP_LABEL))
                .map(|t| (t.id, t.valid(now), t.secret.to_string()));
            let (id, secret) = match kept {
                Some((id, true, secret)) => (id, secret),
                kept => {
                    if let Some((dead, ..)) = kept {
                        self.delete_quandela(&HashSet::from([dead]));
                    }
                    let new = NewToken {
                        user_id,
                        label: Some(STARTUP_LABEL.to_owned()),
                        priority: 0,
                        duration: MAX_DURATION,
                        explorer: None,
                    };
                    self.generate(new, now)?
                }
            };
            let email = self.account(user_id).map(|(email, ..)| email.to_owned());
            minted.push(Minted {
                user_id,
                email: email.unwrap_or_default(),
                id,
                secret,
            });
        }
        Ok(minted)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::account::Account;
    use crate::clock::Reading;
    use crate::store::quandela::STARTUP_LABEL;
    use crate::store::Store;

    fn store() -> Store {
        Store::new(&[Account::admin("a@x", "pw"), Account::new("u@x", "pw")], 60)
    }

    /// At a restart from a saved state, each account's valid startup
    /// token is kept; a revoked or expired one is replaced (its label
    /// would clash), with a new id.
    #[test]
    fn startup_tokens_are_kept_across_restarts_unless_dead() {
        let mut first = store();
        let minted = first.mint_startup_tokens(100).expect("minted");
        let ids: Vec<i64> = minted.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(
            first.quandela_token(1).map(|t| t.label.clone()),
            Some(Some(STARTUP_LABEL.to_owned()))
        );
        first.set_revoked(2, true);
        let doc = first.export(Reading {
            now: 100,
            frozen: true,
        });
        let mut second = Store::import(&doc).expect("a valid state");
        let again = second.mint_startup_tokens(100).expect("minted");
        assert_eq!((again[0].id, &again[0].secret), (1, &minted[0].secret), "kept");
        assert_eq!(again[1].id, 3, "the revoked one replaced");
        assert_ne!(again[1].secret, minted[1].secret);
        assert!(second.quandela_token(2).is_none());
        assert_eq!(
            second
                .authenticate_quandela(&minted[1].secret, 100, true)
                .map(|c| c.user_id),
            None
        );
        // Ten years on, both are dead and replaced.
        let later = second
            .mint_startup_tokens(100 + crate::limits::MAX_DURATION)
            .expect("minted");
        assert_eq!(later.iter().map(|m| m.id).collect::<Vec<_>>(), [4, 5]);
    }

    /// E5: a valid job token counts each authentication; a login token is
    /// taken only where asked for; deleting forgets the secret.
    #[test]
    fn authenticating_counts_and_deleting_forgets() {
        let mut store = store();
        let minted = store.mint_startup_tokens(100).expect("minted");
        let secret = &minted[1].secret;
        for now in [101, 102] {
            let caller = store.authenticate_quandela(secret, now, false).expect("valid");
            assert_eq!((caller.user_id, caller.is_admin, caller.job), (2, false, Some(2)));
        }
        let token = store.quandela_token(2).expect("there");
        assert_eq!((token.count, token.last_used), (2, Some(102)));
        let login = store
            .login("a@x", "pw", 100)
            .expect("minted")
            .expect("the right password");
        assert!(store.authenticate_quandela(&login.token, 100, false).is_none());
        let admin = store
            .authenticate_quandela(&login.token, 100, true)
            .expect("a login token");
        assert_eq!((admin.user_id, admin.is_admin, admin.job), (1, true, None));
        store.delete_quandela(&HashSet::from([2]));
        assert_eq!(store.quandela_by_secret(secret), None);
        assert!(store.authenticate_quandela(secret, 103, true).is_none());
    }
}
