//! Deletes (P16, P17, E13): by ids on either family, by secrets on the job
//! family; one and many (duplicates count once); all or nothing; an empty
//! list or an unknown entry is 400 "Tokens not found", another user's
//! token 403, the calling token 400; deleted tokens are gone (401, 404,
//! not listed).

use serde_json::{json, Value};

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::{Minted, NO_SUCH_ID};
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{ids, is_done, is_error, is_error_saying};
use crate::conformance::report::Report;

/// Whether each of `tokens` is gone: refused as a credential, 404 by id,
/// and not listed.
async fn gone(c: &Ctx<'_>, family: Family, caller: &str, tokens: &[&Minted]) -> bool {
    let listed = ids(&c.get(family, caller, "").await);
    let mut all = true;
    for token in tokens {
        let read = c.read(family, caller, token.id).await;
        all &=
            is_error(&read, 404) && c.status_with(&token.secret).await == 401 && !listed.contains(&token.id);
    }
    all
}

/// Whether each of `tokens` still works.
async fn kept(c: &Ctx<'_>, tokens: &[&Minted]) -> bool {
    let mut all = true;
    for token in tokens {
        all &= c.status_with(&token.secret).await == 200;
    }
    all
}

/// Delete by ids with `caller` on `family`.
pub(super) async fn by_ids(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let one = c.mint(family, caller).await;
    let deleted = c.delete(family, caller, &[one.id]).await;
    r.check(
        format!("{name}: delete by ids of one token is 200 {{message}} (P16)"),
        is_done(&deleted),
        || shown(&deleted),
    );
    r.check(
        format!("{name}: a deleted token is refused (401), reads as 404 and is not listed (E13)"),
        gone(c, family, caller, &[&one]).await,
        || "it is not gone".to_owned(),
    );
    let (a, b) = (c.mint(family, caller).await, c.mint(family, caller).await);
    let many = c.delete(family, caller, &[a.id, b.id, a.id]).await;
    r.check(
        format!("{name}: delete by ids of several, one twice, is 200 and deletes them all (E13)"),
        is_done(&many) && gone(c, family, caller, &[&a, &b]).await,
        || shown(&many),
    );
    let empty = c.delete(family, caller, &[]).await;
    r.check(
        format!("{name}: delete by ids of an empty list is 400 \"Tokens not found\" (P16, E13)"),
        is_error_saying(&empty, 400, "Tokens not found"),
        || shown(&empty),
    );
    let live = c.mint(family, caller).await;
    let partial = c.delete(family, caller, &[live.id, NO_SUCH_ID]).await;
    r.check(
        format!("{name}: delete by ids with an id naming no token is 400 \"Tokens not found\" and deletes nothing (E13)"),
        is_error_saying(&partial, 400, "Tokens not found") && kept(c, &[&live]).await,
        || shown(&partial),
    );
    let missing = c.post(family, "/delete-by-ids", caller, json!({})).await;
    r.check(
        format!("{name}: delete by ids without token_ids is 422 (P16, E13)"),
        missing.status == 422 && missing.json["message"].is_string(),
        || shown(&missing),
    );
    let check = format!("{name}: delete by ids of another user's token is 403 and deletes nothing (E7, E13)");
    let Some(other) = &c.other else {
        r.skip(check, "no other user's job token was given (or it was refused)");
        return;
    };
    let theirs = c.delete(family, caller, &[live.id, other.token.id]).await;
    r.check(
        check,
        is_error(&theirs, 403) && kept(c, &[&live, &other.token]).await,
        || shown(&theirs),
    );
}

/// Deleting the calling token, by id and by secret, is 400 (P16, P17,
/// E13); a job token on the logged-in family too (P4).
pub(super) async fn calling_token(c: &Ctx<'_>, r: &mut Report) {
    let made = c.mint(Family::Job, &c.user).await;
    let other = c.mint(Family::Job, &c.user).await;
    for (family, what) in [
        (Family::Job, "job family"),
        (Family::Auth, "logged-in family, with a job token"),
    ] {
        let by_id = c.delete(family, &made.secret, &[other.id, made.id]).await;
        r.check(
            format!("{what}: delete by ids of the calling token is 400 \"Can't delete the current active token\" and deletes nothing (P16, E13)"),
            is_error_saying(&by_id, 400, "Can't delete the current active token") && kept(c, &[&made, &other]).await,
            || shown(&by_id),
        );
    }
    let body = json!({ "tokens": [other.secret, made.secret] });
    let by_secret = c.post(Family::Job, "/delete", &made.secret, body).await;
    r.check(
        "job family: delete by secrets of the calling token is 400 \"Can't delete the current active token\" and deletes nothing (P17, E13)",
        is_error_saying(&by_secret, 400, "Can't delete the current active token") && kept(c, &[&made, &other]).await,
        || shown(&by_secret),
    );
}

/// Delete by secrets, on the job family only (A3).
pub(super) async fn by_secrets(c: &Ctx<'_>, r: &mut Report) {
    let user = c.user.as_str();
    let secrets = |tokens: &[&Minted]| json!({ "tokens": tokens.iter().map(|t| t.secret.as_str()).collect::<Vec<_>>() });
    let one = c.mint(Family::Job, user).await;
    let deleted = c.post(Family::Job, "/delete", user, secrets(&[&one])).await;
    r.check(
        "job family: delete by secrets of one token is 200 {message}, and it is gone (P17, E13)",
        is_done(&deleted) && gone(c, Family::Job, user, &[&one]).await,
        || shown(&deleted),
    );
    let (a, b) = (c.mint(Family::Job, user).await, c.mint(Family::Job, user).await);
    let many = c.post(Family::Job, "/delete", user, secrets(&[&a, &b, &a])).await;
    r.check(
        "job family: delete by secrets of several, one twice, is 200 and deletes them all (E13)",
        is_done(&many) && gone(c, Family::Job, user, &[&a, &b]).await,
        || shown(&many),
    );
    for (what, body) in [
        ("an empty list", json!({ "tokens": [] })),
        ("tokens null", json!({ "tokens": Value::Null })),
        ("no tokens", json!({})),
    ] {
        let reply = c.post(Family::Job, "/delete", user, body).await;
        r.check(
            format!("job family: delete by secrets with {what} is 400 \"Tokens not found\" (E13)"),
            is_error_saying(&reply, 400, "Tokens not found"),
            || shown(&reply),
        );
    }
    let live = c.mint(Family::Job, user).await;
    let body = json!({ "tokens": [live.secret, format!("_T_conformance{}", "C".repeat(43))] });
    let partial = c.post(Family::Job, "/delete", user, body).await;
    r.check(
        "job family: delete by secrets with a secret naming no token is 400 \"Tokens not found\" and deletes nothing (E13)",
        is_error_saying(&partial, 400, "Tokens not found") && kept(c, &[&live]).await,
        || shown(&partial),
    );
    let check =
        "job family: delete by secrets of another user's token is 403 and deletes nothing (P17, E7, E13)";
    let Some(other) = &c.other else {
        r.skip(check, "no other user's job token was given (or it was refused)");
        return;
    };
    let theirs = c
        .post(Family::Job, "/delete", user, secrets(&[&live, &other.token]))
        .await;
    r.check(
        check,
        is_error(&theirs, 403) && kept(c, &[&live, &other.token]).await,
        || shown(&theirs),
    );
}
