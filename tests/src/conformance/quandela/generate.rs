//! Generate, on one family: the answer (P9), defaults and echoes (P8,
//! E9), what is refused as input (422, E9, E15), priorities (E8), and
//! that the new token is a credential.

use serde_json::json;

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::fresh_key;
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{is_error_saying, is_generated, is_invalid};
use crate::conformance::report::Report;

/// The largest duration the emulator takes (E9): ten years.
const MAX_DURATION: u64 = 315_360_000;

/// Generate's answers with `caller` on `family`.
pub(super) async fn answers(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let plain = c.generate(family, caller, json!({})).await;
    r.check(
        format!(
            "{name}: generate {{}} is 200 {{duration, token, token_id}} with duration 86400 (P8, P9, E9)"
        ),
        is_generated(&plain.reply) && plain.reply.json["duration"] == 86_400,
        || shown(&plain.reply),
    );
    r.check(
        format!("{name}: the generated token is a job token, accepted on the job family"),
        c.status_with(&plain.secret).await == 200,
        || "it was refused".to_owned(),
    );
    let label = fresh_key("generate");
    let given = json!({ "duration": 3600, "label": label, "is_explorer_token": true, "conformance": 1 });
    let echoed = c.generate(family, caller, given).await;
    r.check(
        format!("{name}: generate echoes the duration given, and ignores unknown fields (E9)"),
        is_generated(&echoed.reply) && echoed.reply.json["duration"] == 3600,
        || shown(&echoed.reply),
    );
    let read = c.read(family, caller, echoed.id).await;
    r.check(
        format!("{name}: a generated token reads back with its label and is_explorer_token (E9)"),
        read.status == 200 && read.json["label"] == label.as_str() && read.json["is_explorer_token"] == true,
        || shown(&read),
    );
    let empty = c
        .generate_raw(family, caller, Some("application/json"), Vec::new())
        .await;
    r.check(
        format!("{name}: generate with an empty body is 200, as {{}} (E9)"),
        is_generated(&empty),
        || shown(&empty),
    );
    let nulls = json!({ "duration": null, "label": null, "priority": null, "user_id": null });
    let nulls = c.generate(family, caller, nulls).await;
    r.check(
        format!("{name}: generate with every field null is 200 with the defaults (P8, E9)"),
        is_generated(&nulls.reply) && nulls.reply.json["duration"] == 86_400,
        || shown(&nulls.reply),
    );
}

/// What generate refuses as input (422 with `detail.json`, E9, E15).
pub(super) async fn refusals(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let long = "é".repeat(128) + "x";
    for (what, body) in [
        ("a duration of 0", json!({ "duration": 0 })),
        (
            "a duration over ten years",
            json!({ "duration": MAX_DURATION + 1 }),
        ),
        ("a duration that is not an integer", json!({ "duration": "3600" })),
        ("a label over 256 bytes of UTF-8", json!({ "label": long })),
        (
            "a label with a control character",
            json!({ "label": "conformance\u{7}" }),
        ),
        ("a priority that is not an integer", json!({ "priority": 0.5 })),
    ] {
        let reply = c.generate(family, caller, body).await;
        r.check(
            format!("{name}: generate with {what} is 422 {{\"message\", \"detail\": {{\"json\": ...}}}} (E9, E15)"),
            is_invalid(&reply.reply, "json"),
            || shown(&reply.reply),
        );
    }
    let max = c
        .generate(family, caller, json!({ "duration": MAX_DURATION }))
        .await;
    r.check(
        format!("{name}: generate with a duration of ten years is 200 (E9)"),
        is_generated(&max.reply),
        || shown(&max.reply),
    );
    for (what, body) in [("not JSON", b"{".to_vec()), ("not an object", b"[]".to_vec())] {
        let reply = c
            .generate_raw(family, caller, Some("application/json"), body)
            .await;
        r.check(
            format!("{name}: generate with a body that is {what} is 422 (E15)"),
            reply.status == 422 && reply.json["message"].is_string(),
            || shown(&reply),
        );
    }
}

/// Priorities (E8): below the owner's is taken, at it refused.
pub(super) async fn priorities(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let top = c.user_priority;
    let at = c.generate(family, caller, json!({ "priority": top })).await;
    r.check(
        format!("{name}: generate with the owner's priority is 400 \"Can't assign priority higher than user priority\" (E8)"),
        is_error_saying(&at.reply, 400, "Can't assign priority higher than user priority"),
        || format!("user_priority {top}: {}", shown(&at.reply)),
    );
    let below = c.generate(family, caller, json!({ "priority": top - 1 })).await;
    let read = c.read(family, caller, below.id).await;
    r.check(
        format!("{name}: generate with a priority below the owner's is 200, and it reads back (E8)"),
        is_generated(&below.reply) && read.json["priority"] == top - 1,
        || {
            format!(
                "user_priority {top}: {}; read: {}",
                shown(&below.reply),
                shown(&read)
            )
        },
    );
    let default = c.mint(family, caller).await;
    let read = c.read(family, caller, default.id).await;
    r.check(
        format!("{name}: a token generated without a priority has priority 0, and is_explorer_token null (E8, E21)"),
        read.status == 200 && read.json["priority"] == 0 && read.json["is_explorer_token"].is_null(),
        || shown(&read),
    );
    let negative = c.generate(family, caller, json!({ "priority": -5 })).await;
    let read = c.read(family, caller, negative.id).await;
    r.check(
        format!("{name}: a negative priority is taken (E21)"),
        is_generated(&negative.reply) && read.json["priority"] == -5,
        || format!("generate: {}; read: {}", shown(&negative.reply), shown(&read)),
    );
    let own = c.generate(family, caller, json!({ "user_id": c.user_id })).await;
    r.check(
        format!("{name}: generate with user_id naming the caller is 200: no delegation (E21)"),
        is_generated(&own.reply),
        || shown(&own.reply),
    );
}
