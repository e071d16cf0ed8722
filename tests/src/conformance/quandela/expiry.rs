//! Expiry, with a clock the kit can move (quandela.md P8, E6, E10, E12,
//! E4): a token is refused (401) once its duration is over, reads as
//! not valid, is listed unless `include_expired=false`, keeps its label,
//! and is not revived by reopen. Without a clock hook every check is
//! skipped.

use serde_json::json;

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::{fresh_key, Minted};
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{ids, is_done, is_error, is_error_saying};
use crate::conformance::report::Report;

/// The expiry checks, on both families where the caller has them.
pub(super) async fn run(c: &Ctx<'_>, r: &mut Report) {
    if !c.has_clock() {
        let why = "the server's clock cannot be moved (no advance_clock hook, no --control)";
        r.skip("expiry: every check", why);
        return;
    }
    let user = c.user.as_str();
    let label = fresh_key("expiring");
    let short = c
        .generate(Family::Job, user, json!({ "duration": 2, "label": label }))
        .await;
    let revoked = c.generate(Family::Job, user, json!({ "duration": 2 })).await;
    c.form(Family::Job, "/revoke", user, &revoked.secret).await;
    let before = c.status_with(&short.secret).await;
    let moved = c.advance(3).await;
    let after = c.get(Family::Job, &short.secret, "").await;
    r.check(
        "expiry: a token is accepted before its duration is over and refused with 401 after (P8, E6)",
        moved && before == 200 && is_error(&after, 401),
        || format!("moved {moved}; before: {before}; after: {}", shown(&after)),
    );
    let read = c.read(Family::Job, user, short.id).await;
    r.check(
        "expiry: an expired token reads with valid false",
        read.status == 200 && read.json["valid"] == false,
        || shown(&read),
    );
    for family in [Family::Job, Family::Auth] {
        let check = format!(
            "{}: include_expired=false leaves expired tokens out, the default keeps them (P10, E10)",
            family.name()
        );
        let Some(caller) = c.caller(family) else {
            r.skip(check, "no email and password were given (--login)");
            continue;
        };
        let all = ids(&c.get(family, caller, "").await);
        let live = ids(&c.get(family, caller, "?include_expired=false").await);
        r.check(
            check,
            all.contains(&short.id) && !live.contains(&short.id) && !live.is_empty(),
            || format!("all: {all:?}; include_expired=false: {live:?}"),
        );
    }
    once_expired(c, &short, &revoked, &label, r).await;
}

/// What holds of the expired tokens `short` (labelled `label`) and
/// `revoked` (revoked before it expired).
async fn once_expired(c: &Ctx<'_>, short: &Minted, revoked: &Minted, label: &str, r: &mut Report) {
    let user = c.user.as_str();
    let again = c.generate(Family::Job, user, json!({ "label": label })).await;
    r.check(
        "expiry: an expired token keeps its label (E4)",
        is_error_saying(&again.reply, 400, "Label already exists"),
        || shown(&again.reply),
    );
    let reopened = c.form(Family::Job, "/reopen", user, &revoked.secret).await;
    let still = c.status_with(&revoked.secret).await;
    r.check(
        "expiry: reopening an expired revoked token is 200 and it stays refused: expired (E12)",
        is_done(&reopened) && still == 401,
        || format!("reopen: {}; then {still}", shown(&reopened)),
    );
    let update = c
        .update(Family::Job, user, short.id, json!({ "priority": -1 }))
        .await;
    let revoke = c.form(Family::Job, "/revoke", user, &short.secret).await;
    let delete = c.delete(Family::Job, user, &[short.id]).await;
    r.check(
        "expiry: an expired token may be updated, revoked and deleted, as a live one (E21)",
        is_done(&update) && is_done(&revoke) && is_done(&delete),
        || {
            format!(
                "update: {}; revoke: {}; delete: {}",
                shown(&update),
                shown(&revoke),
                shown(&delete)
            )
        },
    );
    let (fresh, live_revoked) = (c.mint(Family::Job, user).await, c.mint(Family::Job, user).await);
    c.form(Family::Job, "/revoke", user, &live_revoked.secret).await;
    let query = "?include_expired=false&include_revoked=false";
    let both = ids(&c.get(Family::Job, user, query).await);
    r.check(
        "expiry: both filters false leave out expired and revoked tokens (P10, E10)",
        !both.contains(&revoked.id) && !both.contains(&live_revoked.id) && both.contains(&fresh.id),
        || format!("listed {both:?}"),
    );
}
