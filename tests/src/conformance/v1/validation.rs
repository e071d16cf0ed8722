//! Validation and routing: bad bodies, content types, sizes and integers
//! are refused (400, 413, 415), unknown query parameters ignored, unknown
//! paths 404 and wrong methods 405; and what was refused created nothing.

use http::{header, Method};
use serde_json::json;

use crate::conformance::harness::client::{is_error, shown, Http};
use crate::conformance::harness::tokens::count_tokens;
use crate::conformance::report::Report;
use crate::conformance::v1::fixture::Fixture;

/// Validation: refused with 400/413/415, creating nothing.
pub(super) async fn run(http: &Http, r: &mut Report, f: &Fixture) {
    let user_id = &f.created.json["user_id"];
    let before_count = count_tokens(http, &f.admin, user_id).await;
    bodies(http, r, &f.user).await;
    raw_bodies(http, r, &f.user).await;
    integers(http, r, f).await;
    queries_and_routes(http, r, f).await;
    let after_count = count_tokens(http, &f.admin, user_id).await;
    r.check(
        "validation: refused requests created nothing",
        after_count == before_count,
        || format!("the user had {before_count} job tokens before and {after_count} after"),
    );
}

/// Bad JSON bodies for a create: 400.
async fn bodies(http: &Http, r: &mut Report, user: &str) {
    let long_label = "x".repeat(257);
    for (what, body, status) in [
        ("a zero duration", json!({ "duration": 0 }), 400),
        (
            "a duration over ten years",
            json!({ "duration": 315_360_001u64 }),
            400,
        ),
        ("a string duration", json!({ "duration": "60" }), 400),
        ("a label over 256 bytes", json!({ "label": long_label }), 400),
        (
            "a label with a C0 control (an escape)",
            json!({ "label": "a\u{1b}[2Kb" }),
            400,
        ),
        ("a label with DEL", json!({ "label": "a\u{7f}" }), 400),
        ("a label with a C1 control", json!({ "label": "a\u{9b}31m" }), 400),
        ("a numeric label", json!({ "label": 5 }), 400),
        ("a body that is not an object", json!([1]), 400),
    ] {
        let reply = http
            .call(Method::POST, "/api/job_token", Some(user), Some(body))
            .await;
        r.check(
            format!("validation: {what} is {status}"),
            is_error(&reply, status),
            || shown(&reply),
        );
    }
}

/// Bodies that are not JSON, or too big: 400, 415, 413.
async fn raw_bodies(http: &Http, r: &mut Report, user: &str) {
    let malformed = http
        .send(
            Method::POST,
            "/api/job_token",
            Some(user),
            Some("application/json"),
            b"{\"label\":".to_vec(),
        )
        .await;
    r.check(
        "validation: malformed JSON is 400",
        is_error(&malformed, 400),
        || shown(&malformed),
    );
    let text = http
        .send(
            Method::POST,
            "/api/job_token",
            Some(user),
            Some("text/plain"),
            b"{}".to_vec(),
        )
        .await;
    r.check(
        "validation: a text/plain body is 415",
        is_error(&text, 415),
        || shown(&text),
    );
    let big = http
        .send(
            Method::POST,
            "/api/job_token",
            Some(user),
            Some("application/json"),
            vec![b' '; 65 * 1024 + 1],
        )
        .await;
    r.check(
        "validation: a body over 64 KiB is 413",
        is_error(&big, 413),
        || shown(&big),
    );
}

/// Integers in paths and queries: one rule, `0` or `[1-9][0-9]*`, at most
/// 2^63-1; anything else is 400.
async fn integers(http: &Http, r: &mut Report, f: &Fixture) {
    let (admin, user, job_id) = (f.admin.as_str(), f.user.as_str(), f.job_id);
    let bad_id = http
        .call(Method::GET, "/api/job_token/abc", Some(user), None)
        .await;
    r.check(
        "validation: a non-integer id is 400",
        is_error(&bad_id, 400),
        || shown(&bad_id),
    );
    for (what, path, token) in [
        (
            "a path id with a leading zero",
            format!("/api/job_token/0{job_id}"),
            user,
        ),
        ("a path id with a sign", format!("/api/job_token/+{job_id}"), user),
        ("a limit with a sign", "/api/job_token?limit=+5".to_owned(), admin),
        ("an after of -0", "/api/job_token?after=-0".to_owned(), admin),
        (
            "an after with a leading zero",
            "/api/job_token?after=01".to_owned(),
            admin,
        ),
        (
            "a limit past 2^63-1",
            "/api/job_token?limit=9223372036854775808".to_owned(),
            admin,
        ),
    ] {
        let reply = http.call(Method::GET, &path, Some(token), None).await;
        r.check(
            format!("validation: {what} is 400"),
            is_error(&reply, 400),
            || shown(&reply),
        );
    }
}

/// An unknown query parameter is ignored; an unknown path is 404, a wrong
/// method 405.
async fn queries_and_routes(http: &Http, r: &mut Report, f: &Fixture) {
    let ignored = http
        .call(
            Method::GET,
            "/api/job_token?limit=1&conformance-unknown=x",
            Some(&f.admin),
            None,
        )
        .await;
    r.check(
        "validation: an unknown query parameter is ignored",
        ignored.status == 200,
        || shown(&ignored),
    );
    let unknown = http
        .call(Method::GET, "/api/nothing-here", Some(&f.user), None)
        .await;
    r.check("routing: an unknown path is 404", is_error(&unknown, 404), || {
        shown(&unknown)
    });
    let method = http
        .call(Method::PUT, "/api/job_token", Some(&f.user), None)
        .await;
    r.check(
        "routing: a wrong method is 405 with Allow",
        is_error(&method, 405) && method.headers.contains_key(header::ALLOW),
        || shown(&method),
    );
}
