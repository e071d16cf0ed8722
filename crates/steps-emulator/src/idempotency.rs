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
            caller: caller.user_id,
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
pub(crate) struct Claim<'a> {
    state: &'a State,
    caller: i64,
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
        self.state
            .store()
            .keep_answer(self.caller, &self.key, self.serial, replay, self.expires_at);
        self.kept = true;
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.state
                .store()
                .release_key(self.caller, &self.key, self.serial);
        }
    }
}
