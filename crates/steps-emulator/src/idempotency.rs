//! Idempotent creates and rotations (protocol v2, feature `idempotency`):
//! the `Idempotency-Key` header, checked after authorisation and before the
//! body; the claim a request holds on its key while it is handled, given
//! up however the request ends unless it kept a 2xx answer; and the replay
//! of a kept answer.

use http::request::Parts;
use http::StatusCode;

use crate::render::{self, Failure, Handled};
use crate::state::State;
use crate::store::entries::Replay;
use crate::store::identity::Identity;
use crate::store::keys::KeyClaim;

/// The request header.
const HEADER: &str = "idempotency-key";

/// The longest key, in characters.
const MAX_KEY_LEN: usize = 255;

/// How long a key and its answer are remembered, in seconds of the
/// emulator's clock.
const KEY_LIFETIME: u64 = 86_400;

/// What becomes of a request to a route that takes a key.
pub(crate) enum Step<'a> {
    /// Handle it, holding the claim on its key when it carries one.
    Handle(Option<Claim<'a>>),
    /// Answer this instead of handling it: a replay, or a refusal (400 for
    /// a bad key, 409 while the key's first request is handled, 422 for a
    /// key used for another request).
    Answer(Handled),
}

/// Checks the request's `Idempotency-Key`, if it has one, for `caller`
/// (who passed authentication and authorisation) at `now`: a replay, a
/// refusal, or a claim on the key.
pub(crate) fn check<'a>(
    state: &'a State,
    caller: Option<Identity>,
    parts: &Parts,
    body: &[u8],
    now: u64,
) -> Step<'a> {
    let mut values = parts.headers.get_all(HEADER).iter();
    let Some(value) = values.next() else {
        return Step::Handle(None);
    };
    if values.next().is_some() {
        return Step::Answer(Err(Failure::bad_request(
            "send one Idempotency-Key header, not several",
        )));
    }
    // Visible ASCII only, which is also valid UTF-8.
    let key = value.as_bytes();
    let visible = key.iter().all(|b| (b'!'..=b'~').contains(b));
    let key = match std::str::from_utf8(key) {
        Ok(key) if visible && !key.is_empty() && key.len() <= MAX_KEY_LEN => key,
        _ => {
            return Step::Answer(Err(Failure::bad_request(format!(
                "the Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters (! to ~)"
            ))))
        }
    };
    // Every route that takes a key authenticates; without a caller there
    // is no one to remember the key for.
    let Some(caller) = caller else {
        return Step::Handle(None);
    };
    let mut store = state.store();
    // A caller found in a store that a reset or an import has since
    // replaced claims nothing in the new one (401, as its handler would).
    if !store.knows(&caller) {
        return Step::Answer(Err(Failure::no_valid_token()));
    }
    // A job token or API key acts on itself (`/api/token/self/rotate`):
    // another token of the same user with the same key and body is
    // another request, never a replay of this one's secret.
    // The secret that sent it too: an old secret in its grace re-sending
    // its own rotation gets the replay, but not a later rotation's.
    let sender = caller
        .issued
        .map(|issued| (issued.collection, issued.id, caller.secret_serial()));
    let fingerprint = store.fingerprint(parts.method.as_str(), parts.uri.path(), body, sender);
    match store.claim_key(caller.user_id, key, fingerprint) {
        KeyClaim::Claimed(serial) => Step::Handle(Some(Claim {
            state,
            caller,
            key: key.into(),
            serial,
            expires_at: now.saturating_add(KEY_LIFETIME),
            kept: false,
        })),
        KeyClaim::Replay(replay) => Step::Answer(Ok(render::replayed(replay))),
        KeyClaim::InProgress => Step::Answer(Err(Failure::new(
            StatusCode::CONFLICT,
            "a request with this Idempotency-Key is still being handled; send it again later",
        ))),
        KeyClaim::Mismatch => Step::Answer(Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "this Idempotency-Key was used for another request (another method, path or body)",
        ))),
    }
}

/// A request's claim on its key while it is handled. Dropped without a
/// kept answer (the request was refused or failed, its handler panicked,
/// or its task was cancelled), it frees the key, so that no key is left
/// answering 409 for ever.
///
/// A claim belongs to the store it was made in: once a reset or an import
/// has replaced that store, it keeps and releases nothing, since the new
/// store's key of the same user id and serial is another request's.
pub(crate) struct Claim<'a> {
    state: &'a State,
    /// Who claimed the key, as found in the store it was claimed in.
    caller: Identity,
    key: Box<str>,
    serial: u64,
    expires_at: u64,
    kept: bool,
}

impl Claim<'_> {
    /// Keeps the handler's answer to replay, if it is a 2xx. Anything else
    /// changed nothing, and the key is free again once the claim drops.
    pub(crate) fn settle(mut self, handled: &Handled) {
        let Ok(response) = handled else {
            return;
        };
        if !response.status().is_success() {
            return;
        }
        let Some(body) = response.body().whole_bytes() else {
            return;
        };
        let replay = Replay {
            status: response.status().as_u16(),
            body,
        };
        let mut store = self.state.store();
        if store.knows(&self.caller) {
            let user_id = self.caller.user_id;
            store.keep_answer(user_id, &self.key, self.serial, replay, self.expires_at);
            self.kept = true;
        }
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.kept {
            let mut store = self.state.store();
            if store.knows(&self.caller) {
                store.release_key(self.caller.user_id, &self.key, self.serial);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::Request;
    use serde_json::json;

    use super::*;
    use crate::account::Account;
    use crate::clock::Clock;
    use crate::faults::FaultSet;
    use crate::protocol::ProtocolVersion;
    use crate::store::Store;

    const KEY: &str = "nightly-1";

    fn state() -> State {
        State::new(
            Store::new(&[Account::new("u@example.com", "pw")], 86_400),
            Clock::frozen(),
            FaultSet::default(),
            Duration::from_secs(30),
            ProtocolVersion::V2,
        )
    }

    /// Logs the user in: in a fresh store, serial 1.
    fn caller(state: &State) -> Identity {
        let now = state.now();
        let mut store = state.store();
        let grant = store
            .login("u@example.com", "pw", now)
            .expect("minted")
            .expect("the right password");
        store.authenticate(&grant.token, now).expect("authenticates")
    }

    fn keyed_create() -> Parts {
        Request::post("/api/job_token")
            .header(HEADER, KEY)
            .body(())
            .expect("a request")
            .into_parts()
            .0
    }

    fn claim<'a>(state: &'a State, caller: Identity) -> Claim<'a> {
        match check(state, Some(caller), &keyed_create(), b"{}", state.now()) {
            Step::Handle(Some(claim)) => claim,
            Step::Handle(None) => panic!("no claim"),
            Step::Answer(answer) => panic!(
                "answered {:?}",
                answer.unwrap_or_else(Failure::into_response).status()
            ),
        }
    }

    /// The status of a request with the key now: 409 while it is claimed.
    fn status_now(state: &State, caller: Identity) -> u16 {
        match check(state, Some(caller), &keyed_create(), b"{}", state.now()) {
            Step::Handle(_) => 0,
            Step::Answer(Ok(response)) => response.status().as_u16(),
            Step::Answer(Err(failure)) => failure.into_response().status().as_u16(),
        }
    }

    fn created(label: &str) -> Handled {
        Ok(render::json(StatusCode::CREATED, &json!({ "label": label })))
    }

    #[test]
    fn a_claim_from_a_replaced_store_keeps_and_releases_nothing_in_the_new_one() {
        // Settled with a 2xx after a reset.
        let state = state();
        let old = claim(&state, caller(&state));
        state.reset();
        let fresh = caller(&state);
        // The same user id, key and serial as the old claim.
        let new = claim(&state, fresh);
        old.settle(&created("old"));
        assert_eq!(
            status_now(&state, fresh),
            409,
            "the new claim is not the old answer's"
        );
        new.settle(&created("new"));
        match check(&state, Some(fresh), &keyed_create(), b"{}", state.now()) {
            Step::Answer(Ok(replay)) => assert_eq!(
                replay.body().whole_bytes().expect("whole"),
                r#"{"label":"new"}"#.as_bytes()
            ),
            _ => panic!("the new answer is replayed"),
        }

        // Dropped without an answer after a reset.
        let state = self::state();
        let old = claim(&state, caller(&state));
        state.reset();
        let fresh = caller(&state);
        let new = claim(&state, fresh);
        drop(old);
        assert_eq!(status_now(&state, fresh), 409, "the new claim is not released");
        drop(new);
        assert_eq!(status_now(&state, fresh), 0, "released by its own request");
    }

    #[test]
    fn a_stale_identity_claims_no_key_in_a_new_store() {
        let state = state();
        let stale = caller(&state);
        state.reset();
        assert_eq!(status_now(&state, stale), 401);
        assert_eq!(state.store().sizes().keys, 0, "no key claimed");
    }
}
