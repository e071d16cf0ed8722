//! The one helper that drives operations for the snapshot tests: a fixed
//! context, a request renderer, the shared response cases, and the check
//! that snapshots a request and what each case parses to (rendered by
//! `render.rs`).

use std::fmt::Debug;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{json, Value};
use steps_core::{CloudContext, Credential, Operation, Secret};

use crate::render::{render, Render};

/// Fake secrets, recognisably fake. No snapshot of a parsed response may
/// contain any of them.
pub(crate) const LOGIN_TOKEN: &str = "stl_TEST_login_token_not_a_secret";
pub(crate) const PASSWORD: &str = "TEST-password-not-a-secret";
pub(crate) const JOB_SECRET: &str = "stj_TEST_job_token_not_a_secret";
pub(crate) const API_SECRET: &str = "stk_TEST_api_key_not_a_secret";
pub(crate) const ROTATED_JOB_SECRET: &str = "stj_TEST_rotated_not_a_secret";
pub(crate) const ROTATED_API_SECRET: &str = "stk_TEST_rotated_not_a_secret";
/// The Quandela cloud's shape of secret (`quandela.rs`).
pub(crate) const CLOUD_SECRET: &str = "_T_TEST_cloud_token_not_a_secret";
pub(crate) const OTHER_CLOUD_SECRET: &str = "_T_TEST_other_token_not_a_secret";
pub(crate) const ALL_SECRETS: [&str; 8] = [
    LOGIN_TOKEN,
    PASSWORD,
    JOB_SECRET,
    API_SECRET,
    ROTATED_JOB_SECRET,
    ROTATED_API_SECRET,
    CLOUD_SECRET,
    OTHER_CLOUD_SECRET,
];

/// The context every snapshot is made with: a fixed user agent, so that a
/// version bump does not churn snapshots.
pub(crate) fn ctx() -> CloudContext {
    CloudContext::new("https://api.steps.invalid/v1")
        .and_then(|c| c.with_user_agent("steps-rs/test"))
        .expect("the test context is valid")
}

/// A logged-in user's credential, admin status unknown.
pub(crate) fn user() -> Credential {
    Credential::bearer(Secret::new(LOGIN_TOKEN))
}

/// Method, URI, headers sorted by name, and the exact body.
pub(crate) fn render_request(request: &Request<Bytes>) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    let mut headers: Vec<_> = request.headers().iter().collect();
    headers.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    for (name, value) in headers {
        out.push_str(&format!(
            "{}: {}\n",
            name,
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(request.body()));
    out
}

pub(crate) fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Bytes> {
    let mut builder = Response::builder().status(StatusCode::from_u16(status).expect("valid status"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Bytes::from(body.to_owned()))
        .expect("valid response")
}

fn error_body(message: &str) -> String {
    json!({ "error": message }).to_string()
}

/// `ok` with unknown fields added (or, for an empty success, a JSON body).
pub(crate) fn with_extra_fields(ok_body: &str) -> String {
    let mut value: Value = serde_json::from_str(ok_body).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("region".into(), json!("eu-west"));
        map.insert("refresh_secret".into(), json!("hidden-extra-value"));
    }
    value.to_string()
}

/// The response cases every operation is checked against, by name.
fn cases(ok_status: u16, ok_body: &str, wrong_types: &str) -> Vec<(&'static str, Response<Bytes>)> {
    let json = [("content-type", "application/json")];
    let extra_status = if ok_status == 204 { 200 } else { ok_status };
    vec![
        ("ok", response(ok_status, &json, ok_body)),
        ("ok_extra_fields", response(extra_status, &json, &with_extra_fields(ok_body))),
        (
            "401",
            response(
                401,
                &[("content-type", "application/json"), ("www-authenticate", "Bearer"), ("x-request-id", "req-401")],
                &error_body("missing, unknown, expired or revoked token"),
            ),
        ),
        ("403", response(403, &json, &error_body("admin required"))),
        ("404", response(404, &[("content-type", "application/json"), ("x-request-id", "req-404")], &error_body("not found"))),
        (
            "429_retry_after",
            response(429, &[("content-type", "application/json"), ("retry-after", "7")], &error_body("slow down")),
        ),
        (
            "500_html",
            response(
                500,
                &[("content-type", "text/html")],
                "<html>\n<head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1></body>\n</html>\n",
            ),
        ),
        ("redirect", response(302, &[("location", "https://elsewhere.invalid/api/login")], "")),
        ("malformed_json", response(extra_status, &json, "{\"token_id\": 1, \"label\": ")),
        ("wrong_types", response(extra_status, &json, wrong_types)),
    ]
}

/// The names of the response cases, for the tidy check.
pub(crate) fn case_names() -> Vec<&'static str> {
    cases(200, "{}", "{}").into_iter().map(|(name, _)| name).collect()
}

/// Every operation the snapshot tests cover, by name.
pub(crate) const OPERATIONS: [&str; 10] = [
    "login",
    "whoami",
    "job_token.create",
    "job_token.read",
    "job_token.delete",
    "job_token.list",
    "api_key.create",
    "api_key.read",
    "api_key.delete",
    "api_key.list",
];

/// The input a response case is made of, for the snapshot's description.
fn render_response(response: &Response<Bytes>) -> String {
    let mut out = format!("{}\n", response.status());
    for (name, value) in response.headers() {
        out.push_str(&format!(
            "{}: {}\n",
            name,
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(response.body()));
    out
}

/// Snapshots `op`'s request, built with `credential`, then its parse of
/// every response case. Each snapshot's description records its input (the
/// operation, or the response parsed), so that a reviewer sees what
/// produced it.
pub(crate) fn check_operation<O>(
    op: O,
    credential: Credential,
    ok_status: u16,
    ok_body: &str,
    wrong_types: &str,
) where
    O: Operation + Debug,
    O::Output: Debug + Render,
{
    check_cases("", op, credential, cases(ok_status, ok_body, wrong_types));
}

/// The protocol v2 operations and request variants the snapshot tests
/// cover, by snapshot name (below `v2.`), with the response cases each adds
/// to the v1 ones.
pub(crate) const V2_OPERATIONS: [(&str, &[&str]); 9] = [
    ("meta", &[]),
    (
        "job_token.create",
        &["replayed", "409_in_progress", "422_key_reused"],
    ),
    (
        "api_key.create",
        &["replayed", "409_in_progress", "422_key_reused"],
    ),
    ("whoami", &["api_key"]),
    ("job_token.list", &[]),
    ("token.revoke_self", &[]),
    (
        "job_token.rotate",
        &["replayed", "409_in_progress", "422_key_reused"],
    ),
    ("api_key.rotate", &[]),
    ("token.rotate_self", &["api_key"]),
];

/// A response case of a successful status with a JSON body.
pub(crate) fn ok_case(name: &'static str, status: u16, body: &str) -> (&'static str, Response<Bytes>) {
    (
        name,
        response(status, &[("content-type", "application/json")], body),
    )
}

/// A v2 create's own response cases: a replay of the first answer, a key
/// whose first request is still being handled, and a key reused for
/// another request.
pub(crate) fn v2_create_cases(ok_body: &str) -> Vec<(&'static str, Response<Bytes>)> {
    let json = ("content-type", "application/json");
    vec![
        (
            "replayed",
            response(201, &[json, ("idempotent-replayed", "true")], ok_body),
        ),
        (
            "409_in_progress",
            response(
                409,
                &[json],
                &error_body("a request with this idempotency key is in progress"),
            ),
        ),
        (
            "422_key_reused",
            response(
                422,
                &[json],
                &error_body("this idempotency key was used for another request"),
            ),
        ),
    ]
}

/// As [`check_operation`] for a protocol v2 operation: snapshots named
/// `v2.<operation>...`, the v1 response cases and `extra` ones.
pub(crate) fn check_operation_v2<O>(
    op: O,
    credential: Credential,
    (ok_status, ok_body, wrong_types): (u16, &str, &str),
    extra: Vec<(&'static str, Response<Bytes>)>,
) where
    O: Operation + Debug,
    O::Output: Debug + Render,
{
    let mut all = cases(ok_status, ok_body, wrong_types);
    all.extend(extra);
    check_cases("v2.", op, credential, all);
}

fn check_cases<O>(prefix: &str, op: O, credential: Credential, cases: Vec<(&'static str, Response<Bytes>)>)
where
    O: Operation + Debug,
    O::Output: Debug + Render,
{
    snapshot_request(&format!("{prefix}{}.request", O::NAME), &op, &credential);
    snapshot_responses(&format!("{prefix}{}", O::NAME), &op, cases);
}

/// Snapshots the request `op` builds with `credential`, under `name`.
pub(crate) fn snapshot_request<O: Operation + Debug>(name: &str, op: &O, credential: &Credential) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots");
    settings.set_omit_expression(true);
    settings.set_description(format!("{op:?} built with {credential:?}"));
    settings.bind(|| {
        let request = op.build_request(&ctx(), credential).expect("the request builds");
        insta::assert_snapshot!(name.to_owned(), render_request(&request));
    });
}

/// Snapshots what `op` parses each case to, under `{name}.response.{case}`,
/// checking first that no secret and no unknown field's value reaches the
/// rendering or `Debug`.
pub(crate) fn snapshot_responses<O>(name: &str, op: &O, cases: Vec<(&'static str, Response<Bytes>)>)
where
    O: Operation,
    O::Output: Debug + Render,
{
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots");
    settings.set_omit_expression(true);
    for (case, response) in cases {
        settings.set_description(format!(
            "{} parsing this response:\n{}",
            O::NAME,
            render_response(&response)
        ));
        settings.bind(|| {
            let result = op.parse_response(response);
            // Every parse is a leak check of `Debug` too, which a caller
            // may log: no secret, and no value of an unknown field.
            let debug = format!("{result:#?}");
            for secret in ALL_SECRETS {
                assert!(
                    !debug.contains(secret),
                    "{name} {case}: a secret reached Debug output"
                );
            }
            assert!(
                !debug.contains("hidden-extra-value"),
                "{name} {case}: an extra field's value reached Debug"
            );
            let rendered = render(&result);
            for secret in ALL_SECRETS {
                assert!(
                    !rendered.contains(secret),
                    "{name} {case}: a secret reached the snapshot"
                );
            }
            insta::assert_snapshot!(format!("{name}.response.{case}"), rendered);
        });
    }
}
