//! Revoke and reopen on one family (P15, E12): a revoked token is refused
//! (401) and shown revoked, reopening makes it work again, both are 200
//! when they change nothing; a secret naming no token is 400, a form
//! without one 422; another user's token is 403 (E7); a token may revoke
//! itself.

use serde_json::json;

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::fresh_key;
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{is_done, is_error, is_error_saying, is_invalid};
use crate::conformance::report::Report;

/// Revoke, use, reopen, use, with `caller` on `family`.
pub(super) async fn cycle(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let made = c.mint(family, caller).await;
    let revoked = c.form(family, "/revoke", caller, &made.secret).await;
    r.check(
        format!("{name}: revoke is 200 {{message}} (P15)"),
        is_done(&revoked),
        || shown(&revoked),
    );
    let used = c.get(Family::Job, &made.secret, "").await;
    r.check(
        format!("{name}: a revoked token is refused with 401 (E6)"),
        is_error(&used, 401),
        || shown(&used),
    );
    let read = c.read(family, caller, made.id).await;
    let listed = c.get(family, caller, "").await;
    let item = listed
        .json
        .as_array()
        .and_then(|items| items.iter().find(|t| t["id"] == made.id).cloned())
        .unwrap_or_default();
    r.check(
        format!("{name}: a revoked token reads with valid false and is listed with is_revoked true"),
        read.json["valid"] == false && item["is_revoked"] == true,
        || format!("read: {}; listed: {item}", shown(&read)),
    );
    let again = c.form(family, "/revoke", caller, &made.secret).await;
    r.check(
        format!("{name}: revoking a revoked token is 200 (E12)"),
        is_done(&again),
        || shown(&again),
    );
    let label = fresh_key("revoked");
    let update = c.update(family, caller, made.id, json!({ "label": label })).await;
    let read = c.read(family, caller, made.id).await;
    r.check(
        format!("{name}: a revoked token may be updated, as a live one (E21)"),
        is_done(&update) && read.json["label"] == label.as_str(),
        || format!("update: {}; read: {}", shown(&update), shown(&read)),
    );
    let reopened = c.form(family, "/reopen", caller, &made.secret).await;
    let works = c.status_with(&made.secret).await;
    r.check(
        format!("{name}: reopen is 200 {{message}}, and the token works again (P15)"),
        is_done(&reopened) && works == 200,
        || format!("reopen: {}; then a list with it: {works}", shown(&reopened)),
    );
    let read = c.read(family, caller, made.id).await;
    r.check(
        format!("{name}: a reopened token reads with valid true"),
        read.json["valid"] == true,
        || shown(&read),
    );
    let live = c.form(family, "/reopen", caller, &made.secret).await;
    r.check(
        format!("{name}: reopening a live token is 200 (E12)"),
        is_done(&live) && c.status_with(&made.secret).await == 200,
        || shown(&live),
    );
}

/// What revoke and reopen refuse.
pub(super) async fn refusals(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let nobody = format!("_T_conformance{}", "B".repeat(43));
    for action in ["revoke", "reopen"] {
        let path = format!("/{action}");
        let unknown = c.form(family, &path, caller, &nobody).await;
        r.check(
            format!("{name}: {action} of a secret naming no token is 400 \"Invalid token\" (E12)"),
            is_error_saying(&unknown, 400, "Invalid token"),
            || shown(&unknown),
        );
        let form = Some("application/x-www-form-urlencoded");
        let missing = c
            .http
            .send(
                http::Method::POST,
                &family.path(&path),
                Some(caller),
                form,
                b"x=1".to_vec(),
            )
            .await;
        r.check(
            format!("{name}: {action} without the form field token is 422 with detail.form (E12, E15)"),
            is_invalid(&missing, "form"),
            || shown(&missing),
        );
    }
    let made = c.mint(family, caller).await;
    let body = json!({ "token": made.secret });
    let as_json = c.post(family, "/revoke", caller, body).await;
    r.check(
        format!("{name}: revoke with a JSON body is 422, a form without token, not 415 (E15)"),
        as_json.status == 422 && c.status_with(&made.secret).await == 200,
        || shown(&as_json),
    );
    let check =
        format!("{name}: revoke and reopen of another user's token are 403 \"Permission denied\" (E7)");
    let Some(other) = &c.other else {
        r.skip(check, "no other user's job token was given (or it was refused)");
        return;
    };
    let revoke = c.form(family, "/revoke", caller, &other.token.secret).await;
    let reopen = c.form(family, "/reopen", caller, &other.token.secret).await;
    r.check(
        check,
        is_error_saying(&revoke, 403, "Permission denied")
            && is_error_saying(&reopen, 403, "Permission denied")
            && c.status_with(&other.token.secret).await == 200,
        || format!("revoke: {}; reopen: {}", shown(&revoke), shown(&reopen)),
    );
}

/// A token may revoke itself, and is then refused (E12).
pub(super) async fn itself(c: &Ctx<'_>, r: &mut Report) {
    let made = c.mint(Family::Job, &c.user).await;
    let revoked = c.form(Family::Job, "/revoke", &made.secret, &made.secret).await;
    let after = c.status_with(&made.secret).await;
    r.check(
        "job family: a token may revoke itself (200), and is then refused with 401 (E12)",
        is_done(&revoked) && after == 401,
        || format!("revoke: {}; then {after}", shown(&revoked)),
    );
}
