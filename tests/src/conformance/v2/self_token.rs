//! Feature `self`: who may call `DELETE /api/token/self` and `POST
//! /api/token/self/rotate` (no token, a revoked or expired one, a login
//! token, a job token, an API key); what a self-rotation answers; a token
//! revoked by itself is gone everywhere; whoami's `token_id`,
//! `api_key_id` and `label`.

use http::Method;
use serde_json::{json, Value};

use crate::conformance::harness::client::{is_error, shown, Http, Reply};
use crate::conformance::harness::lists::listed;
use crate::conformance::harness::options::{pass, Accounts, Options};
use crate::conformance::harness::tokens::{login, secret_of, whoami_status, Made, Minted};
use crate::conformance::report::Report;

const JOBS: &str = "/api/job_token";
const KEYS: &str = "/api/api_key";
/// The label of the labelled job token and API key.
const LABEL: &str = "conformance-self";

/// The tokens the checks use.
struct Tokens {
    /// The admin's login token.
    admin: String,
    /// The user's login token.
    user: String,
    /// A one-second job token, expired by the time it is used.
    short: Minted,
    /// When `short` was created.
    since: tokio::time::Instant,
    /// A job token deleted at once.
    revoked: Minted,
    /// Another login token of the user, which revokes itself.
    logout: String,
    /// A labelled job token, which revokes itself.
    job: Minted,
    /// A job token without a label, which rotates itself.
    plain_job: Minted,
    /// A labelled API key, which revokes itself.
    key: Minted,
    /// An API key without a label, which rotates itself.
    plain_key: Minted,
}

/// A caller: who, the token that rotates itself and its status, the
/// token that revokes itself and its status.
type Case<'a> = (&'static str, Option<&'a String>, u16, Option<&'a String>, u16);

/// Feature `self`: `DELETE /api/token/self`, `POST /api/token/self/rotate`,
/// and whoami's token fields.
pub(super) async fn run(http: &Http, accounts: &Accounts, r: &mut Report, options: &Options<'_>) {
    let mut made = Made::default();
    let t = tokens(http, accounts, &mut made).await;
    whoami_fields(http, r, &t).await;
    pass(options, t.since, 2).await;
    let rotated = rotate_callers(http, r, &t).await;
    revoke_callers(http, r, &t).await;
    self_rotations(http, r, &t, &rotated).await;
    revoked_by_itself(http, r, &t).await;
    made.clean(http).await;
}

/// Logs in and makes the tokens; the expired one's second starts first.
async fn tokens(http: &Http, accounts: &Accounts, made: &mut Made) -> Tokens {
    let admin = login(http, &accounts.admin).await;
    let user = login(http, &accounts.user).await;
    let named = json!({ "label": LABEL, "duration": 3600 });
    let unnamed = json!({ "duration": 3600 });
    // An expired job token: one second long, waited out later.
    let short = made.create(http, JOBS, &user, json!({ "duration": 1 })).await;
    let since = tokio::time::Instant::now();
    let revoked = made.create(http, JOBS, &user, unnamed.clone()).await;
    http.call(
        Method::DELETE,
        &format!("{JOBS}/{}", revoked.id),
        Some(&user),
        None,
    )
    .await;
    let logout = login(http, &accounts.user).await;
    let job = made.create(http, JOBS, &user, named.clone()).await;
    let plain_job = made.create(http, JOBS, &user, unnamed.clone()).await;
    let key = made.create(http, KEYS, &admin, named.clone()).await;
    let plain_key = made.create(http, KEYS, &admin, unnamed.clone()).await;
    Tokens {
        admin,
        user,
        short,
        since,
        revoked,
        logout,
        job,
        plain_job,
        key,
        plain_key,
    }
}

/// Whoami names the job token or API key sent.
async fn whoami_fields(http: &Http, r: &mut Report, t: &Tokens) {
    let reply = http
        .call(Method::GET, "/api/whoami", Some(&t.job.secret), None)
        .await;
    r.check(
        "self: whoami with a job token adds its token_id and label",
        reply.status == 200 && reply.json["token_id"] == t.job.id && reply.json["label"] == LABEL,
        || shown(&reply),
    );
    let reply = http
        .call(Method::GET, "/api/whoami", Some(&t.plain_job.secret), None)
        .await;
    r.check(
        "self: whoami with a job token without a label adds its token_id and \"label\": null",
        reply.status == 200
            && reply.json["token_id"] == t.plain_job.id
            && reply.json.get("label") == Some(&Value::Null),
        || shown(&reply),
    );
    let reply = http
        .call(Method::GET, "/api/whoami", Some(&t.key.secret), None)
        .await;
    r.check(
        "self: whoami with an API key adds its api_key_id and label",
        reply.status == 200 && reply.json["api_key_id"] == t.key.id && reply.json["label"] == LABEL,
        || shown(&reply),
    );
    let reply = http.call(Method::GET, "/api/whoami", Some(&t.logout), None).await;
    r.check(
        "self: whoami with a login token adds neither token_id, api_key_id nor label",
        reply.status == 200
            && ["token_id", "api_key_id", "label"]
                .iter()
                .all(|field| reply.json.get(field).is_none()),
        || shown(&reply),
    );
}

/// Who may call. The unlabelled job token and API key rotate themselves;
/// the labelled ones revoke themselves with the secrets they were created
/// with.
fn cases(t: &Tokens) -> [Case<'_>; 6] {
    [
        ("no token", None, 401, None, 401),
        (
            "a revoked job token",
            Some(&t.revoked.secret),
            401,
            Some(&t.revoked.secret),
            401,
        ),
        (
            "an expired job token",
            Some(&t.short.secret),
            401,
            Some(&t.short.secret),
            401,
        ),
        ("a login token", Some(&t.logout), 403, Some(&t.logout), 204),
        (
            "a job token",
            Some(&t.plain_job.secret),
            200,
            Some(&t.job.secret),
            204,
        ),
        (
            "an API key",
            Some(&t.plain_key.secret),
            200,
            Some(&t.key.secret),
            204,
        ),
    ]
}

/// `POST /api/token/self/rotate` by each caller: the successful
/// rotations, with their callers.
async fn rotate_callers(http: &Http, r: &mut Report, t: &Tokens) -> Vec<(&'static str, Reply)> {
    let mut rotated = Vec::new();
    for (caller, token, rotate_status, _, _) in cases(t) {
        let reply = http
            .call(
                Method::POST,
                "/api/token/self/rotate",
                token.map(String::as_str),
                Some(json!({})),
            )
            .await;
        let ok = match rotate_status {
            200 => reply.status == 200,
            status => is_error(&reply, status),
        };
        r.check(
            format!("self: POST /api/token/self/rotate with {caller} is {rotate_status}"),
            ok,
            || shown(&reply),
        );
        if rotate_status == 200 {
            rotated.push((caller, reply));
        }
    }
    rotated
}

/// `DELETE /api/token/self` by each caller.
async fn revoke_callers(http: &Http, r: &mut Report, t: &Tokens) {
    for (caller, _, _, token, revoke_status) in cases(t) {
        let reply = http
            .call(Method::DELETE, "/api/token/self", token.map(String::as_str), None)
            .await;
        let ok = match revoke_status {
            204 => reply.status == 204 || reply.status == 200,
            status => is_error(&reply, status),
        };
        r.check(
            format!("self: DELETE /api/token/self with {caller} is {revoke_status}"),
            ok,
            || shown(&reply),
        );
    }
}

/// What a self-rotation answers, and that it took.
async fn self_rotations(http: &Http, r: &mut Report, t: &Tokens, rotated: &[(&'static str, Reply)]) {
    for ((caller, reply), (old, id, id_field, secret_field)) in rotated.iter().zip([
        (&t.plain_job.secret, t.plain_job.id, "token_id", "token"),
        (&t.plain_key.secret, t.plain_key.id, "api_key_id", "api_key"),
    ]) {
        let new = secret_of(reply);
        r.check(
            format!(
                "self: a self-rotation with {caller} answers its {id_field}, a new {secret_field} and rotated_at"
            ),
            reply.json[id_field] == id
                && reply.json[secret_field].is_string()
                && !new.is_empty()
                && new != *old
                && reply.json["rotated_at"].is_u64(),
            || shown(reply),
        );
        let (before, after) = (whoami_status(http, old).await, whoami_status(http, &new).await);
        r.check(
            format!(
                "self: after a self-rotation with {caller} and no grace, the old secret is 401 and the new one works"
            ),
            before == 401 && after == 200,
            || format!("old secret: {before}; new secret: {after}"),
        );
    }
}

/// A token revoked by itself is gone: refused, not read, not listed.
async fn revoked_by_itself(http: &Http, r: &mut Report, t: &Tokens) {
    for (kind, token) in [
        ("a login token", t.logout.as_str()),
        ("a job token", t.job.secret.as_str()),
        ("an API key", t.key.secret.as_str()),
    ] {
        let whoami = http.call(Method::GET, "/api/whoami", Some(token), None).await;
        let again = http
            .call(Method::DELETE, "/api/token/self", Some(token), None)
            .await;
        r.check(
            format!("self: {kind} revoked by itself is 401 on whoami and on a second revoke"),
            is_error(&whoami, 401) && is_error(&again, 401),
            || format!("whoami: {}; revoke again: {}", shown(&whoami), shown(&again)),
        );
    }
    for (kind, path, id, reader) in [
        ("a job token", JOBS, t.job.id, t.user.as_str()),
        ("an API key", KEYS, t.key.id, t.admin.as_str()),
    ] {
        let read = http
            .call(Method::GET, &format!("{path}/{id}"), Some(reader), None)
            .await;
        let item = listed(http, &t.admin, path, id).await;
        let whose = if path == JOBS { "its owner" } else { "an admin" };
        r.check(
            format!("self: {kind} revoked by itself reads as 404 to {whose} and is not listed"),
            is_error(&read, 404) && item.is_none(),
            || format!("read: {}; listed: {item:?}", shown(&read)),
        );
    }
}
