//! How input is read (quandela.md E19) and how ids are written (E20), on
//! the job family: the `Content-Type` is not looked at; bad escapes and
//! bodies that are not JSON objects are 422 at `_schema`; a parameter
//! given twice counts as its last non-empty value; one 422 names every
//! field, in marshmallow's words; leading zeros, 0 and ids past 2^63−1.

use http::Method;
use serde_json::json;

use crate::conformance::harness::client::{shown, Reply};
use crate::conformance::harness::lists::percent_encode;
use crate::conformance::harness::tokens::fresh_key;
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{
    ids, is_done, is_error, is_error_saying, is_generated, is_invalid,
};
use crate::conformance::report::Report;

/// One past the largest id, 2^63.
const PAST_IDS: &str = "9223372036854775808";

/// The first message of `detail.{location}.{field}`, if any.
fn message<'r>(reply: &'r Reply, location: &str, field: &str) -> &'r str {
    reply.json["detail"][location][field][0]
        .as_str()
        .unwrap_or_default()
}

/// E19: bodies and queries.
pub(super) async fn reading(c: &Ctx<'_>, r: &mut Report) {
    let user = c.user.as_str();
    let label = fresh_key("typed");
    let body = json!({ "label": label }).to_string().into_bytes();
    let plain = c.generate_raw(Family::Job, user, Some("text/plain"), body).await;
    let id = plain.json["token_id"].as_i64().unwrap_or(-1);
    let read = c.read(Family::Job, user, id).await;
    r.check(
        "input: a JSON route reads its body as JSON whatever its Content-Type (E19)",
        is_generated(&plain) && read.json["label"] == label.as_str(),
        || format!("generate: {}; read: {}", shown(&plain), shown(&read)),
    );
    let made = c.mint(Family::Job, user).await;
    let form = format!("token=nobody&token={}&token=", percent_encode(&made.secret)).into_bytes();
    let path = Family::Job.path("/revoke");
    let revoked = c
        .http
        .send(Method::POST, &path, Some(user), Some("application/json"), form)
        .await;
    r.check(
        "input: a form route reads a form whatever its Content-Type, and token is its last non-empty value (E19)",
        is_done(&revoked) && c.status_with(&made.secret).await == 401,
        || shown(&revoked),
    );
    let escape = c.get(Family::Job, user, "?limit=%ZZ").await;
    r.check(
        "input: a query with a bad escape is 422 at query._schema (E19)",
        is_invalid(&escape, "query") && !message(&escape, "query", "_schema").is_empty(),
        || shown(&escape),
    );
    let json_type = Some("application/json");
    let not_json = c.generate_raw(Family::Job, user, json_type, b"{".to_vec()).await;
    let not_object = c.generate_raw(Family::Job, user, json_type, b"[]".to_vec()).await;
    r.check(
        "input: a body that is not JSON is 422 \"Invalid JSON body.\", not an object \"Invalid input type.\", at json._schema (E19)",
        message(&not_json, "json", "_schema") == "Invalid JSON body."
            && message(&not_object, "json", "_schema") == "Invalid input type.",
        || format!("not JSON: {}; not an object: {}", shown(&not_json), shown(&not_object)),
    );
    let twice = c.get(Family::Job, user, "?limit=1&limit=2&limit=").await;
    r.check(
        "input: a query parameter given twice counts as its last non-empty value (E19)",
        twice.status == 200 && ids(&twice).len() == 2,
        || format!("limit=1&limit=2&limit= listed {:?}", ids(&twice)),
    );
    words(c, r).await;
}

/// E19: one 422 names every field that failed, in marshmallow's words.
async fn words(c: &Ctx<'_>, r: &mut Report) {
    let user = c.user.as_str();
    let all = c
        .get(Family::Job, user, "?limit=0&offset=-1&include_revoked=x")
        .await;
    r.check(
        "input: one 422 names every field that failed (E19)",
        ["limit", "offset", "include_revoked"]
            .iter()
            .all(|f| !message(&all, "query", f).is_empty()),
        || shown(&all),
    );
    let missing = c
        .http
        .send(
            Method::POST,
            &Family::Job.path("/reopen"),
            Some(user),
            None,
            b"token=".to_vec(),
        )
        .await;
    let words = [
        (
            message(&all, "query", "limit"),
            "Must be greater than or equal to 1 and less than or equal to 10000.",
        ),
        (message(&all, "query", "include_revoked"), "Not a valid boolean."),
        (
            message(&missing, "form", "token"),
            "Missing data for required field.",
        ),
    ];
    r.check(
        "input: 422 messages are worded as marshmallow's, and token= is missing (E19)",
        words.iter().all(|(got, want)| got == want),
        || format!("{words:?}"),
    );
}

/// E20: how ids are written.
pub(super) async fn ids_written(c: &Ctx<'_>, r: &mut Report) {
    let user = c.user.as_str();
    let made = c.mint(Family::Job, user).await;
    let zeros = c.get(Family::Job, user, &format!("/00{}", made.id)).await;
    r.check(
        "ids: a path id with leading zeros is the number (E20)",
        zeros.status == 200 && zeros.json["id"] == made.id,
        || shown(&zeros),
    );
    let zero = c.get(Family::Job, user, "/00").await;
    r.check(
        "ids: a path id of 00 is 400 \"Invalid token: 0\" (E20)",
        is_error_saying(&zero, 400, "Invalid token: 0"),
        || shown(&zero),
    );
    let past = c.get(Family::Job, user, &format!("/{PAST_IDS}")).await;
    r.check(
        "ids: a path id past 2^63-1 names no token (404; E20)",
        is_error(&past, 404),
        || shown(&past),
    );
    let mut refused = Vec::new();
    for body in ["[0]", "[-1]", &format!("[{PAST_IDS}]")] {
        let body = format!("{{\"token_ids\":{body}}}").into_bytes();
        let path = Family::Job.path("/delete-by-ids");
        let reply = c
            .http
            .send(Method::POST, &path, Some(user), Some("application/json"), body)
            .await;
        refused.push(is_error_saying(&reply, 400, "Tokens not found"));
    }
    r.check(
        "ids: delete by ids of 0, -1 or 2^63 is 400 \"Tokens not found\" (E20)",
        refused.iter().all(|ok| *ok),
        || format!("400 for 0, -1, 2^63: {refused:?}"),
    );
    let usage = c.usage(user, "?token_ids=0").await;
    r.check(
        "ids: the usage report of id 0 is 400 \"Token not found or invalid\" (E20)",
        is_error_saying(&usage, 400, "Token not found or invalid"),
        || shown(&usage),
    );
    let big = format!("{PAST_IDS}0");
    let list = c.get(Family::Job, user, &format!("?user_id={big}")).await;
    let report = c.usage(user, &format!("?token_ids={big}")).await;
    r.check(
        "ids: user_id or token_ids past 64 bits in a query is 422 (E20)",
        is_invalid(&list, "query") && is_invalid(&report, "query"),
        || format!("list: {}; usage: {}", shown(&list), shown(&report)),
    );
}

/// E19: `/api/login` takes non-empty strings.
pub(super) async fn login_input(c: &Ctx<'_>, r: &mut Report) {
    let body = json!({ "email": "", "password": "" });
    let reply = c.http.call(Method::POST, "/api/login", None, Some(body)).await;
    r.check(
        "login: an empty email or password is 422 (E19)",
        is_invalid(&reply, "json"),
        || shown(&reply),
    );
}
