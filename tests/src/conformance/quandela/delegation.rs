//! Ownership and `user_id` delegation (P8, P10, E7): a user acting on
//! another user's token, or naming another user, is 403 "Permission
//! denied"; an admin may mint and list for a user and act on any token; an
//! admin naming no known user is 400 "Unknown user" in generate and gets
//! [] in a list.

use serde_json::json;

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::{fresh_key, NO_SUCH_ID};
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{ids, is_done, is_error_saying, is_generated, is_invalid};
use crate::conformance::report::Report;

const NO_OTHER: &str = "no other user's job token was given (or it was refused)";

/// What a user may not do to another user's tokens, with `caller` on
/// `family`.
pub(super) async fn others(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let Some(other) = &c.other else {
        r.skip(format!("{name}: another user's tokens: every check"), NO_OTHER);
        return;
    };
    let read = c.read(family, caller, other.token.id).await;
    r.check(
        format!("{name}: read of another user's token is 403 \"Permission denied\" (E7)"),
        is_error_saying(&read, 403, "Permission denied"),
        || shown(&read),
    );
    let label = json!({ "label": "conformance-not-yours" });
    let update = c.update(family, caller, other.token.id, label).await;
    r.check(
        format!("{name}: update of another user's token is 403 (E7)"),
        is_error_saying(&update, 403, "Permission denied"),
        || shown(&update),
    );
    let invalid = c
        .update(family, caller, other.token.id, json!({ "priority": "high" }))
        .await;
    r.check(
        format!("{name}: update of another user's token with invalid input is 422: input before authorisation (E18)"),
        is_invalid(&invalid, "json"),
        || shown(&invalid),
    );
    let list = c
        .get(family, caller, &format!("?user_id={}", other.user_id))
        .await;
    r.check(
        format!("{name}: list with user_id naming another user is 403 (E7)"),
        is_error_saying(&list, 403, "Permission denied"),
        || shown(&list),
    );
    let mint = c
        .generate(family, caller, json!({ "user_id": other.user_id }))
        .await;
    r.check(
        format!("{name}: generate with user_id naming another user is 403 (E7)"),
        is_error_saying(&mint.reply, 403, "Permission denied"),
        || shown(&mint.reply),
    );
    let own = c.get(family, caller, &format!("?user_id={}", c.user_id)).await;
    r.check(
        format!("{name}: list with the user's own user_id is 200"),
        own.status == 200 && own.json.is_array(),
        || shown(&own),
    );
}

/// What an admin may do (E7).
pub(super) async fn admin(c: &Ctx<'_>, r: &mut Report) {
    let Some(admin) = &c.admin else {
        let why = "no admin's job token was given (or it was refused)";
        r.skip("delegation: every check", why);
        return;
    };
    let minted = c
        .generate(
            Family::Job,
            admin,
            json!({ "user_id": c.user_id, "label": fresh_key("delegated") }),
        )
        .await;
    let read = c.read(Family::Job, &c.user, minted.id).await;
    r.check(
        "delegation: an admin generates for a user (user_id): 200, and the token is the user's (P8, E7)",
        is_generated(&minted.reply) && read.json["user_id"] == c.user_id,
        || {
            format!(
                "generate: {}; the user reads: {}",
                shown(&minted.reply),
                shown(&read)
            )
        },
    );
    let listed = ids(&c
        .get(Family::Job, admin, &format!("?user_id={}", c.user_id))
        .await);
    r.check(
        "delegation: an admin lists a user's tokens (user_id) (P10, E7)",
        listed.contains(&minted.id),
        || format!("listed {listed:?}"),
    );
    let read = c.read(Family::Job, admin, minted.id).await;
    let update = c
        .update(
            Family::Job,
            admin,
            minted.id,
            json!({ "label": fresh_key("delegated") }),
        )
        .await;
    r.check(
        "delegation: an admin reads and updates a user's token (E7)",
        read.status == 200 && is_done(&update),
        || format!("read: {}; update: {}", shown(&read), shown(&update)),
    );
    let unknown = c
        .generate(Family::Job, admin, json!({ "user_id": NO_SUCH_ID }))
        .await;
    r.check(
        "delegation: an admin generating for no known user is 400 \"Unknown user\" (P9, E7)",
        is_error_saying(&unknown.reply, 400, "Unknown user"),
        || shown(&unknown.reply),
    );
    let nobody = c.get(Family::Job, admin, &format!("?user_id={NO_SUCH_ID}")).await;
    r.check(
        "delegation: an admin listing for no known user gets [] (E7)",
        nobody.status == 200 && nobody.json.as_array().is_some_and(Vec::is_empty),
        || shown(&nobody),
    );
}
