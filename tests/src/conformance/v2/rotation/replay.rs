//! Rotations with an `Idempotency-Key` (feature `idempotency` too): a
//! replay answers the same new secret and rotates nothing; with `self`, a
//! self-rotation's key belongs to the token.

use serde_json::json;

use crate::conformance::harness::client::{is_error, shown};
use crate::conformance::harness::tokens::{fresh_key, secret_of, whoami_status, Made};
use crate::conformance::report::Report;
use crate::conformance::v2::rotation::context::{rotate, Ctx, JOBS};

const REPLAY: &str =
    "rotation: job_token.rotate again with the same Idempotency-Key and body is replayed: the same new secret, \
     with Idempotent-Replayed: true";
const REPLAY_ONCE: &str = "rotation: a replayed rotation did not rotate again: its new secret still works";
const SELF_KEY_PER_TOKEN: &str =
    "rotation: on /api/token/self/rotate a key belongs to the token: another job token of the same user \
     sending the same key and body is 422";
const SELF_REPLAY: &str =
    "rotation: a self-rotation re-sent with its key by the old secret in its grace is replayed: the same new \
     secret";

/// Replays by key: the same new secret, and no second rotation; skipped
/// without `idempotency` (and the self-rotation ones without `self`).
pub(super) async fn run(c: &Ctx<'_>, r: &mut Report, made: &mut Made) {
    if !c.offers_keys {
        for name in [REPLAY, REPLAY_ONCE, SELF_REPLAY, SELF_KEY_PER_TOKEN] {
            r.skip(name, "needs the feature `idempotency` too");
        }
        return;
    }
    replay_by_key(c, r, made).await;
    if c.offers_self {
        self_replay(c, r, made).await;
    } else {
        r.skip(SELF_REPLAY, "needs the feature `self` too");
        r.skip(SELF_KEY_PER_TOKEN, "needs the feature `self` too");
    }
}

/// `job_token.rotate` sent twice with one key.
async fn replay_by_key(c: &Ctx<'_>, r: &mut Report, made: &mut Made) {
    let (http, user) = (c.http, c.user.as_str());
    let keyed = made.create(http, JOBS, user, c.body.clone()).await;
    let key = fresh_key("rotate");
    let first = http
        .create_keyed(&rotate(JOBS, keyed.id), user, key.as_bytes(), &json!({}))
        .await;
    let again = http
        .create_keyed(&rotate(JOBS, keyed.id), user, key.as_bytes(), &json!({}))
        .await;
    let new = secret_of(&first);
    r.check(
        REPLAY,
        first.status == 200
            && !first.replayed()
            && again.status == 200
            && again.replayed()
            && !new.is_empty()
            && secret_of(&again) == new,
        || format!("first: {}; again: {}", shown(&first), shown(&again)),
    );
    let statuses = [
        whoami_status(http, &keyed.secret).await,
        whoami_status(http, &new).await,
    ];
    r.check(REPLAY_ONCE, statuses == [401, 200], || {
        format!("whoami with the old and new secrets: {statuses:?}")
    });
}

/// A self-rotation re-sent with its key, and the same key from another
/// job token of the same user.
async fn self_replay(c: &Ctx<'_>, r: &mut Report, made: &mut Made) {
    let (http, user, with_grace) = (c.http, c.user.as_str(), &c.with_grace);
    let mine = made.create(http, JOBS, user, c.body.clone()).await;
    let sibling = made.create(http, JOBS, user, c.body.clone()).await;
    let key = fresh_key("rotate-self");
    let path = "/api/token/self/rotate";
    let first = http
        .create_keyed(path, &mine.secret, key.as_bytes(), with_grace)
        .await;
    let resent = http
        .create_keyed(path, &mine.secret, key.as_bytes(), with_grace)
        .await;
    let theirs = http
        .create_keyed(path, &sibling.secret, key.as_bytes(), with_grace)
        .await;
    r.check(
        SELF_REPLAY,
        first.status == 200
            && resent.status == 200
            && resent.replayed()
            && !secret_of(&first).is_empty()
            && secret_of(&resent) == secret_of(&first),
        || format!("first: {}; re-sent: {}", shown(&first), shown(&resent)),
    );
    let sibling_works = whoami_status(http, &sibling.secret).await;
    r.check(
        SELF_KEY_PER_TOKEN,
        is_error(&theirs, 422) && secret_of(&theirs).is_empty() && sibling_works == 200,
        || {
            format!(
                "{}; the other token's secret then: {sibling_works}",
                shown(&theirs)
            )
        },
    );
}
