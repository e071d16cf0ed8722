//! What holds of every request: `/health` without a token (P7, E17), 401
//! for a missing, malformed or unknown token (P2, E6), the check order
//! and routing (E18, E11), the paths the logged-in family lacks (P4, A3),
//! and the logged-in family's operations that also take a job token (P4).

use http::{header, Method};
use serde_json::json;

use crate::conformance::harness::client::shown;
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{
    is_array_of, is_done, is_error, is_error_saying, is_generated, is_listed,
};
use crate::conformance::report::Report;

/// `/health`, before any credential is tried.
pub(super) async fn health(c: &Ctx<'_>, r: &mut Report) {
    let reply = c.http.call(Method::GET, "/health", None, None).await;
    r.check(
        "health: GET /health without a token is 200 with a JSON body (P7)",
        reply.status == 200 && !reply.json.is_null(),
        || shown(&reply),
    );
    r.check(
        "health: the answer is {\"message\": \"ok\"} (E17)",
        reply.status == 200 && reply.json["message"] == "ok",
        || shown(&reply),
    );
}

/// 401 for each credential that is not one, on both families.
pub(super) async fn unauthorized(c: &Ctx<'_>, r: &mut Report) {
    let unknown = format!("_T_conformance{}", "A".repeat(43));
    for family in [Family::Job, Family::Auth] {
        let name = family.name();
        let none = c.http.call(Method::GET, &family.path(""), None, None).await;
        r.check(
            format!("{name}: no token is 401 {{\"error\", \"detail\"}} (P2, E6)"),
            is_error(&none, 401),
            || shown(&none),
        );
        let malformed = c.get(family, "", "").await;
        r.check(
            format!("{name}: an empty bearer token is 401 (E6)"),
            is_error(&malformed, 401),
            || shown(&malformed),
        );
        let unknown = c.get(family, &unknown, "").await;
        r.check(
            format!("{name}: an unknown token is 401 (E6)"),
            is_error(&unknown, 401),
            || shown(&unknown),
        );
    }
    let none = c.http.call(Method::GET, "/api/tokens", None, None).await;
    r.check(
        "401: the error is \"Invalid or expired job token\" (E6)",
        is_error_saying(&none, 401, "Invalid or expired job token"),
        || shown(&none),
    );
    let challenge = none.headers.get(header::WWW_AUTHENTICATE);
    r.check(
        "401: the answer carries WWW-Authenticate: Bearer (E24)",
        challenge.is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"Bearer")),
        || format!("WWW-Authenticate: {challenge:?}"),
    );
}

/// Routing and the order of checks (E18, E11), and the paths that only
/// the job family has (P4, A3).
pub(super) async fn routing(c: &Ctx<'_>, r: &mut Report) {
    let wrong = c
        .http
        .call(Method::DELETE, "/api/tokens", Some(&c.user), None)
        .await;
    r.check(
        "routing: DELETE /api/tokens is 405 with Allow (E18)",
        wrong.status == 405 && wrong.headers.contains_key(header::ALLOW),
        || shown(&wrong),
    );
    let not_digits = c.get(Family::Job, &c.user, "/conformance").await;
    r.check(
        "routing: a token id that is not [0-9]+ is 404 (E11)",
        not_digits.status == 404,
        || shown(&not_digits),
    );
    let order = c
        .http
        .send(
            Method::POST,
            "/api/tokens",
            None,
            Some("application/json"),
            b"{".to_vec(),
        )
        .await;
    r.check(
        "routing: no token and a body that is not JSON is 401: authentication before input (E18)",
        is_error(&order, 401),
        || shown(&order),
    );
    let usage = c.get(Family::Auth, &c.user, "/usage/report").await;
    r.check(
        "routing: the logged-in family has no usage report (404; P4, A3)",
        usage.status == 404,
        || shown(&usage),
    );
}

/// The logged-in family's operations that take a job token too (P4:
/// list, generate, delete by ids), and its deprecated delete by secrets
/// (P17, E1).
pub(super) async fn job_token_on_auth(c: &Ctx<'_>, r: &mut Report) {
    let listed = c.get(Family::Auth, &c.user, "").await;
    r.check(
        "logged-in family: a job token may list (200, a bare array; P4)",
        is_array_of(&listed, is_listed),
        || shown(&listed),
    );
    let made = c.mint(Family::Auth, &c.user).await;
    r.check(
        "logged-in family: a job token may generate (200; P4)",
        is_generated(&made.reply),
        || shown(&made.reply),
    );
    let deleted = c.delete(Family::Auth, &c.user, &[made.id]).await;
    r.check(
        "logged-in family: a job token may delete by ids (200; P4)",
        is_done(&deleted) && c.status_with(&made.secret).await == 401,
        || shown(&deleted),
    );
    let made = c.mint(Family::Job, &c.user).await;
    let body = json!({ "tokens": [made.secret] });
    let deleted = c.post(Family::Auth, "/delete", &c.user, body).await;
    r.check(
        "logged-in family: the deprecated delete by secrets takes a job token (200; P17, E1)",
        is_done(&deleted) && c.status_with(&made.secret).await == 401,
        || shown(&deleted),
    );
}
