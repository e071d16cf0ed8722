//! Labels are unique per user among the tokens that exist (P9, E4, A13):
//! a taken label is 400 "Label already exists: {label}" on generate and
//! update; a token's own label, no label, and a deleted token's label do
//! not clash; a revoked token keeps its label; another user's do not count.

use serde_json::json;

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::fresh_key;
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{is_done, is_error_saying, is_generated};
use crate::conformance::report::Report;

/// The label checks with `caller` on `family`.
pub(super) async fn run(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let label = fresh_key("label");
    let first = c.generate(family, caller, json!({ "label": label })).await;
    let taken = c.generate(family, caller, json!({ "label": label })).await;
    r.check(
        format!("{name}: generate with a label the user holds is 400 \"Label already exists: {{label}}\" (P9, E4)"),
        first.reply.status == 200
            && is_error_saying(&taken.reply, 400, "Label already exists")
            && taken.reply.json["error"] == format!("Label already exists: {label}").as_str(),
        || format!("first: {}; second: {}", shown(&first.reply), shown(&taken.reply)),
    );
    let second = c.mint(family, caller).await;
    let clash = c
        .update(family, caller, second.id, json!({ "label": label }))
        .await;
    r.check(
        format!("{name}: update to a label another of the user's tokens holds is 400 \"Label already exists\" (E4)"),
        is_error_saying(&clash, 400, "Label already exists"),
        || shown(&clash),
    );
    let own = c
        .update(family, caller, first.id, json!({ "label": label }))
        .await;
    r.check(
        format!("{name}: update giving a token its own label is 200 (E4)"),
        is_done(&own),
        || shown(&own),
    );
    let unlabelled = [
        c.generate(family, caller, json!({})).await,
        c.generate(family, caller, json!({})).await,
    ];
    let read = c.read(family, caller, unlabelled[1].id).await;
    r.check(
        format!("{name}: tokens without a label do not clash, and read with label null (E4)"),
        unlabelled.iter().all(|m| is_generated(&m.reply))
            && read.status == 200
            && read.json["label"].is_null(),
        || format!("second: {}; read: {}", shown(&unlabelled[1].reply), shown(&read)),
    );
    kept_and_freed(c, family, caller, r).await;
}

/// A revoked token keeps its label; a deleted one frees it (E4).
async fn kept_and_freed(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let label = fresh_key("label-kept");
    let made = c.generate(family, caller, json!({ "label": label })).await;
    let revoked = c.form(family, "/revoke", caller, &made.secret).await;
    let again = c.generate(family, caller, json!({ "label": label })).await;
    r.check(
        format!("{name}: a revoked token keeps its label (E4)"),
        is_done(&revoked) && is_error_saying(&again.reply, 400, "Label already exists"),
        || format!("revoke: {}; generate: {}", shown(&revoked), shown(&again.reply)),
    );
    let deleted = c.delete(family, caller, &[made.id]).await;
    let freed = c.generate(family, caller, json!({ "label": label })).await;
    r.check(
        format!("{name}: a deleted token's label may be used again (E4)"),
        is_done(&deleted) && is_generated(&freed.reply),
        || format!("delete: {}; generate: {}", shown(&deleted), shown(&freed.reply)),
    );
}

/// Labels are the user's: another user may hold the same one (E4).
pub(super) async fn per_user(c: &Ctx<'_>, r: &mut Report) {
    let name = "labels: another user may hold a label the user holds (unique per user, E4)";
    let Some(other) = &c.other else {
        r.skip(name, "no other user's job token was given (or it was refused)");
        return;
    };
    let label = fresh_key("label-shared");
    let mine = c.generate(Family::Job, &c.user, json!({ "label": label })).await;
    let theirs = c
        .generate(Family::Job, &other.caller, json!({ "label": label }))
        .await;
    r.check(
        name,
        is_generated(&mine.reply) && is_generated(&theirs.reply),
        || format!("user: {}; other: {}", shown(&mine.reply), shown(&theirs.reply)),
    );
}
