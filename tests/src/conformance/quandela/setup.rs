//! The run's first checks: the given job tokens are accepted, and what
//! the later checks need is read (the user's id and priority, the other
//! user's id and a token of theirs); then the login, where one was given.

use http::Method;
use serde_json::json;

use crate::conformance::harness::client::{shown, Reply};
use crate::conformance::harness::credentials::QuandelaCredentials;
use crate::conformance::quandela::context::{Ctx, Family, Other};
use crate::conformance::quandela::shapes::{is_array_of, is_error, is_listed, is_time};
use crate::conformance::report::Report;

/// Checks the given job tokens; false when the user's is refused (and
/// nothing else can be checked).
pub(super) async fn credentials(c: &mut Ctx<'_>, given: &QuandelaCredentials, r: &mut Report) -> bool {
    let listed = c.get(Family::Job, &c.user, "").await;
    r.check(
        "credentials: the user's job token lists its tokens (GET /api/tokens is 200, a bare array)",
        is_array_of(&listed, is_listed),
        || shown(&listed),
    );
    if listed.status != 200 {
        return false;
    }
    let probe = c.mint(Family::Job, &c.user).await;
    let read = c.read(Family::Job, &c.user, probe.id).await;
    c.user_id = read.json["user_id"].as_i64().unwrap_or(-1);
    c.user_priority = read.json["user_priority"].as_i64().unwrap_or(-1);
    r.check(
        "credentials: a token the user generates reads back with its user_id and user_priority",
        read.status == 200 && c.user_id >= 0 && read.json["user_priority"].is_i64(),
        || format!("generate: {}; read: {}", shown(&probe.reply), shown(&read)),
    );
    if let Some(other) = &given.other {
        c.other = other_user(c, other, r).await;
    }
    if let Some(admin) = &given.admin {
        let status = c.status_with(admin).await;
        r.check(
            "credentials: the admin's job token is accepted",
            status == 200,
            || format!("got {status}"),
        );
        c.admin = (status == 200).then(|| admin.clone());
    }
    true
}

/// The other user, if their token is accepted and is another user's.
async fn other_user(c: &Ctx<'_>, caller: &str, r: &mut Report) -> Option<Other> {
    let token = c.mint(Family::Job, caller).await;
    let read = c.read(Family::Job, caller, token.id).await;
    let user_id = read.json["user_id"].as_i64().unwrap_or(-1);
    let ok = token.reply.status == 200 && user_id >= 0 && user_id != c.user_id;
    r.check(
        "credentials: the other job token is accepted and is another user's",
        ok,
        || format!("generate: {}; read: {}", shown(&token.reply), shown(&read)),
    );
    ok.then(|| Other {
        caller: caller.to_owned(),
        user_id,
        token,
    })
}

/// `POST /api/login` (quandela.md A19, E17): a wrong password, then the
/// user's login; a logged-in token is refused on the job family (E1).
/// Without an email and password the logged-in family is skipped.
pub(super) async fn login(c: &mut Ctx<'_>, given: &QuandelaCredentials, r: &mut Report) {
    let Some((email, password)) = &given.login else {
        r.skip("login: every check", "no email and password were given (--login)");
        return;
    };
    let login = |password: &str| json!({ "email": email, "password": password });
    let wrong = c
        .http
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(login("conformance-wrong-password")),
        )
        .await;
    r.check(
        "login: a wrong password is 401 {\"error\", \"detail\"} (E6)",
        is_error(&wrong, 401),
        || shown(&wrong),
    );
    let reply = c
        .http
        .call(Method::POST, "/api/login", None, Some(login(password)))
        .await;
    r.check(
        "login: 200 {token, user_id, is_admin, expiration_date} (E17)",
        logged_in(&reply),
        || shown(&reply),
    );
    r.check(
        "login: the logged-in user is the user of the job token given",
        reply.json["user_id"] == c.user_id,
        || {
            format!(
                "login says user {}, the job token's is {}",
                reply.json["user_id"], c.user_id
            )
        },
    );
    let token = reply.json["token"].as_str().unwrap_or_default().to_owned();
    let on_job = c.get(Family::Job, &token, "").await;
    r.check(
        "login: a logged-in token is refused on the job family with 401 (E1)",
        is_error(&on_job, 401),
        || shown(&on_job),
    );
    c.logged_in = (reply.status == 200 && !token.is_empty()).then_some(token);
}

/// Whether `reply` is E17's login answer.
fn logged_in(reply: &Reply) -> bool {
    reply.status == 200
        && reply.json["token"].as_str().is_some_and(|t| !t.is_empty())
        && reply.json["user_id"].is_i64()
        && reply.json["is_admin"].is_boolean()
        && is_time(&reply.json["expiration_date"])
}
