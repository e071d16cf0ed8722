//! List, read and update on one family: the bodies (P10-P14), what the
//! emulator's say of secrets and times (E11, E16), the counters (E5),
//! unknown ids (E11), and updates that change nothing (E11).

use serde_json::json;

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::{fresh_key, NO_SUCH_ID};
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{
    epoch, is_array_of, is_done, is_e16_time, is_error, is_error_saying, is_invalid, is_listed, is_token,
};
use crate::conformance::report::Report;

/// A new token as a list and a read show it.
pub(super) async fn shapes(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let label = fresh_key("read");
    let made = c
        .generate(family, caller, json!({ "label": label, "duration": 7200 }))
        .await;
    let list = c.get(family, caller, "").await;
    r.check(
        format!("{name}: list is 200, a bare array of tokens (P10, P11)"),
        is_array_of(&list, is_listed),
        || shown(&list),
    );
    let item = list
        .json
        .as_array()
        .and_then(|items| items.iter().find(|t| t["id"] == made.id))
        .cloned()
        .unwrap_or_default();
    r.check(
        format!("{name}: a new token is listed with its label, user_id and is_revoked false"),
        item["label"] == label.as_str() && item["user_id"] == c.user_id && item["is_revoked"] == false,
        || format!("token {}: {item}", made.id),
    );
    r.check(
        format!("{name}: a list item's key is null: a secret is shown once (E11)"),
        item.is_object() && item["key"].is_null(),
        || {
            format!(
                "key is {}",
                if item["key"].is_null() { "null" } else { "not null" }
            )
        },
    );
    let read = c.read(family, caller, made.id).await;
    r.check(
        format!("{name}: read is 200 Token with the token's id, label and valid true (P12, P13)"),
        read.status == 200
            && is_token(&read.json)
            && read.json["id"] == made.id
            && read.json["label"] == label.as_str()
            && read.json["valid"] == true,
        || shown(&read),
    );
    r.check(
        format!("{name}: read's token is null, is_apikey false, company_id and company_name null (E11)"),
        read.json["token"].is_null()
            && read.json["is_apikey"] == false
            && read.json["company_id"].is_null()
            && read.json["company_name"].is_null(),
        || {
            format!(
                "is_apikey {}, company_id {}",
                read.json["is_apikey"], read.json["company_id"]
            )
        },
    );
    let times = ["created_date", "expiration_date"].map(|t| &read.json[t]);
    let (created, expires) = (
        times[0].as_str().and_then(epoch),
        times[1].as_str().and_then(epoch),
    );
    r.check(
        format!("{name}: expiration_date is created_date plus the duration (P8)"),
        created.is_some() && expires == created.map(|t| t + 7200),
        || shown(&read),
    );
    r.check(
        format!("{name}: times are written YYYY-MM-DDTHH:MM:SS+00:00 (E16)"),
        times.iter().all(|t| is_e16_time(t)) && is_e16_time(&item["created_date"]),
        || format!("created_date {}, expiration_date {}", times[0], times[1]),
    );
}

/// Reads and updates that name no token, or an id of 0 (E11, P12, P14).
pub(super) async fn unknown_ids(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let unknown = c.read(family, caller, NO_SUCH_ID).await;
    r.check(
        format!("{name}: read of an id naming no token is 404 \"Not found\" (P12, E11)"),
        is_error_saying(&unknown, 404, "Not found"),
        || shown(&unknown),
    );
    let zero = c.read(family, caller, 0).await;
    r.check(
        format!("{name}: read of id 0 is 400 \"Invalid token: 0\" (P12, E11)"),
        is_error_saying(&zero, 400, "Invalid token: 0"),
        || shown(&zero),
    );
    let update = c
        .update(
            family,
            caller,
            NO_SUCH_ID,
            json!({ "label": fresh_key("nobody") }),
        )
        .await;
    r.check(
        format!("{name}: update of an id naming no token is 404 (P14, E11)"),
        is_error(&update, 404),
        || shown(&update),
    );
}

/// Updates (P14, E8, E11).
pub(super) async fn updates(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let made = c.mint(family, caller).await;
    let label = fresh_key("updated");
    let priority = c.user_priority - 1;
    let both = json!({ "label": label, "priority": priority });
    let updated = c.update(family, caller, made.id, both).await;
    let read = c.read(family, caller, made.id).await;
    r.check(
        format!("{name}: update of label and priority is 200 {{message}}, and a read shows them (P14)"),
        is_done(&updated) && read.json["label"] == label.as_str() && read.json["priority"] == priority,
        || format!("update: {}; read: {}", shown(&updated), shown(&read)),
    );
    let nothing = c.update(family, caller, made.id, json!({})).await;
    let nulls = c
        .update(
            family,
            caller,
            made.id,
            json!({ "label": null, "priority": null }),
        )
        .await;
    let read = c.read(family, caller, made.id).await;
    r.check(
        format!("{name}: update with {{}} or null fields is 200 and changes nothing (E11)"),
        is_done(&nothing)
            && is_done(&nulls)
            && read.json["label"] == label.as_str()
            && read.json["priority"] == priority,
        || {
            format!(
                "{{}}: {}; nulls: {}; read: {}",
                shown(&nothing),
                shown(&nulls),
                shown(&read)
            )
        },
    );
    let top = json!({ "priority": c.user_priority });
    let refused = c.update(family, caller, made.id, top).await;
    r.check(
        format!("{name}: update to the owner's priority is 400 \"Can't assign priority higher than user priority\" (E8)"),
        is_error_saying(&refused, 400, "Can't assign priority higher than user priority"),
        || shown(&refused),
    );
    let invalid = c.update(family, caller, made.id, json!({ "label": 7 })).await;
    r.check(
        format!("{name}: update with a label that is not a string is 422 with detail.json (E15)"),
        is_invalid(&invalid, "json"),
        || shown(&invalid),
    );
}

/// E5: every authenticated request counts, before its handler runs: a
/// token that reads itself sees the read counted.
pub(super) async fn counters(c: &Ctx<'_>, r: &mut Report) {
    let made = c.mint(Family::Job, &c.user).await;
    let first = c.read(Family::Job, &made.secret, made.id).await;
    let second = c.read(Family::Job, &made.secret, made.id).await;
    let (one, two) = (first.json["count"].as_i64(), second.json["count"].as_i64());
    r.check(
        "job family: count goes up by one per authenticated request, this one included (E5)",
        one == Some(1) && two == Some(2),
        || format!("counts {one:?} then {two:?}"),
    );
    r.check(
        "job family: last_used_time is set once the token is used, and last_used_duration is null (E5)",
        first.json["last_used_time"].is_string() && second.json["last_used_duration"].is_null(),
        || shown(&second),
    );
}
