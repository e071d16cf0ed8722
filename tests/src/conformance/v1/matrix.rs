//! The authorisation matrix: who may call what (401, 403, 404 or 200), a
//! user's job token list (403 in v1, their own with `own_tokens`), and
//! that a read carries no secret.

use http::Method;
use serde_json::{json, Value};

use crate::conformance::harness::client::{is_error, shown, Http};
use crate::conformance::report::Report;
use crate::conformance::v1::fixture::Fixture;

/// One row of the authorisation matrix: what, method, path, token, body,
/// and the status the spec gives.
type MatrixCase<'a> = (&'a str, Method, String, Option<&'a str>, Option<Value>, u16);

/// The body the matrix's creates send.
fn body() -> Option<Value> {
    Some(json!({ "label": null, "duration": 60 }))
}

/// The matrix's rows for whoami and creating job tokens.
fn whoami_and_create_cases(f: &Fixture) -> Vec<MatrixCase<'_>> {
    vec![
        (
            "whoami without a token",
            Method::GET,
            "/api/whoami".into(),
            None,
            None,
            401,
        ),
        (
            "whoami with a malformed token",
            Method::GET,
            "/api/whoami".into(),
            Some("not-a-token"),
            None,
            401,
        ),
        (
            "job_token.create without a token",
            Method::POST,
            "/api/job_token".into(),
            None,
            body(),
            401,
        ),
        (
            "job_token.create with a job token",
            Method::POST,
            "/api/job_token".into(),
            Some(&f.job_secret),
            body(),
            403,
        ),
        (
            "job_token.create with an API key",
            Method::POST,
            "/api/job_token".into(),
            Some(&f.key_secret),
            body(),
            403,
        ),
    ]
}

/// The matrix's rows for reading, deleting and listing job tokens.
fn job_token_cases(f: &Fixture) -> Vec<MatrixCase<'_>> {
    let job_path = format!("/api/job_token/{}", f.job_id);
    vec![
        (
            "job_token.read by the owner",
            Method::GET,
            job_path.clone(),
            Some(&f.user),
            None,
            200,
        ),
        (
            "job_token.read by an admin",
            Method::GET,
            job_path.clone(),
            Some(&f.admin),
            None,
            200,
        ),
        (
            "job_token.read by another user",
            Method::GET,
            job_path.clone(),
            Some(&f.other),
            None,
            404,
        ),
        (
            "job_token.read with a job token",
            Method::GET,
            job_path.clone(),
            Some(&f.job_secret),
            None,
            403,
        ),
        (
            "job_token.delete by another user",
            Method::DELETE,
            job_path.clone(),
            Some(&f.other),
            None,
            404,
        ),
        (
            "job_token.list by an admin",
            Method::GET,
            "/api/job_token".into(),
            Some(&f.admin),
            None,
            200,
        ),
    ]
}

/// The matrix's rows for API keys.
fn api_key_cases(f: &Fixture) -> Vec<MatrixCase<'_>> {
    let key_path = format!("/api/api_key/{}", f.key_id);
    vec![
        (
            "api_key.create by a user",
            Method::POST,
            "/api/api_key".into(),
            Some(&f.user),
            body(),
            403,
        ),
        (
            "api_key.read by a user",
            Method::GET,
            key_path.clone(),
            Some(&f.user),
            None,
            403,
        ),
        (
            "api_key.read by an admin",
            Method::GET,
            key_path.clone(),
            Some(&f.admin),
            None,
            200,
        ),
        (
            "api_key.delete by a user",
            Method::DELETE,
            key_path.clone(),
            Some(&f.user),
            None,
            403,
        ),
        (
            "api_key.list by a user",
            Method::GET,
            "/api/api_key".into(),
            Some(&f.user),
            None,
            403,
        ),
        (
            "api_key.list by an admin",
            Method::GET,
            "/api/api_key".into(),
            Some(&f.admin),
            None,
            200,
        ),
    ]
}

/// The authorisation matrix, then a user's list and a read's body.
pub(super) async fn run(http: &Http, r: &mut Report, f: &Fixture, lists_own: Option<bool>) {
    let mut matrix = whoami_and_create_cases(f);
    matrix.extend(job_token_cases(f));
    matrix.extend(api_key_cases(f));
    for (what, method, path, token, body, status) in matrix {
        let reply = http.call(method, &path, token, body).await;
        let ok = if status >= 400 {
            is_error(&reply, status)
        } else {
            reply.status.as_u16() == status
        };
        r.check(format!("authorisation: {what} is {status}"), ok, || shown(&reply));
    }
    user_list(http, r, f, lists_own).await;
    let read = http
        .call(
            Method::GET,
            &format!("/api/job_token/{}", f.job_id),
            Some(&f.user),
            None,
        )
        .await;
    r.check(
        "job_token.read carries no token",
        read.json.get("token").is_none(),
        || shown(&read),
    );
}

/// A user's list: 403 in v1; their own job tokens with `own_tokens`.
async fn user_list(http: &Http, r: &mut Report, f: &Fixture, lists_own: Option<bool>) {
    let reply = http
        .call(Method::GET, "/api/job_token", Some(&f.user), None)
        .await;
    let own_only = reply.status == 200
        && reply.json["job_tokens"]
            .as_array()
            .is_some_and(|page| page.iter().all(|t| t["user_id"] == f.created.json["user_id"]));
    let (what, ok) = match lists_own {
        Some(false) => ("is 403", is_error(&reply, 403)),
        Some(true) => ("is 200 with their own job tokens only (own_tokens)", own_only),
        None => (
            "is 403, or 200 with their own job tokens only (own_tokens)",
            is_error(&reply, 403) || own_only,
        ),
    };
    r.check(
        format!("authorisation: job_token.list by a user {what}"),
        ok,
        || shown(&reply),
    );
}
