//! What the v1 checks share: the logins (checked first), the job token
//! and API key created for them (and what the creates answer), and what
//! whoami says of each kind of token.

use http::{header, Method};
use serde_json::json;

use crate::conformance::harness::client::{is_error, shown, Http, Reply};
use crate::conformance::harness::options::Accounts;
use crate::conformance::report::Report;

/// The logins, and the job token and API key the v1 checks share.
pub(super) struct Fixture {
    /// The admin's login token.
    pub(super) admin: String,
    /// The user's login token.
    pub(super) user: String,
    /// The other user's login token.
    pub(super) other: String,
    /// The answer to the user's job token create.
    pub(super) created: Reply,
    /// That job token's id (-1 if the create failed).
    pub(super) job_id: i64,
    /// That job token's secret.
    pub(super) job_secret: String,
    /// The admin's API key's id (-1 if the create failed).
    pub(super) key_id: i64,
    /// That API key's secret.
    pub(super) key_secret: String,
}

/// Checks a wrong password, then logs in the three accounts: their login
/// tokens (admin, user, other), or `None` when any check so far failed.
pub(super) async fn log_in(http: &Http, accounts: &Accounts, r: &mut Report) -> Option<[String; 3]> {
    let login = |(email, password): &(String, String)| json!({ "email": email, "password": password });
    let wrong = http
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({ "email": accounts.user.0, "password": "conformance-wrong-password" })),
        )
        .await;
    r.check(
        "login: a wrong password is 401 with WWW-Authenticate",
        is_error(&wrong, 401) && wrong.headers.contains_key(header::WWW_AUTHENTICATE),
        || shown(&wrong),
    );
    let mut tokens = Vec::new();
    for (who, account) in [
        ("admin", &accounts.admin),
        ("user", &accounts.user),
        ("other", &accounts.other),
    ] {
        let reply = http
            .call(Method::POST, "/api/login", None, Some(login(account)))
            .await;
        let token = reply.json["token"].as_str().unwrap_or_default().to_owned();
        r.check(
            format!("login: {who} gets 200 and a token"),
            reply.status == 200 && !token.is_empty(),
            || shown(&reply),
        );
        tokens.push(token);
    }
    if r.checks.iter().any(|c| c.failure.is_some()) {
        return None;
    }
    tokens.try_into().ok()
}

/// Creates the user's job token and the admin's API key, checking what
/// the creates answer.
pub(super) async fn create(http: &Http, r: &mut Report, [admin, user, other]: [String; 3]) -> Fixture {
    let created = http
        .call(Method::POST, "/api/job_token", Some(&user), Some(json!({})))
        .await;
    let job_id = created.json["token_id"].as_i64().unwrap_or(-1);
    let job_secret = created.json["token"].as_str().unwrap_or_default().to_owned();
    r.check(
        "job_token.create: 201 with a token, label null, duration 99999, expires = created + duration",
        (created.status == 201 || created.status == 200)
            && !job_secret.is_empty()
            && created.json["label"].is_null()
            && created.json["duration"] == 99_999
            && created.json["expires_at"].as_u64() == created.json["created_at"].as_u64().map(|c| c + 99_999),
        || shown(&created),
    );
    let key = http
        .call(
            Method::POST,
            "/api/api_key",
            Some(&admin),
            Some(json!({ "label": "conformance", "duration": 3600 })),
        )
        .await;
    let key_id = key.json["api_key_id"].as_i64().unwrap_or(-1);
    let key_secret = key.json["api_key"].as_str().unwrap_or_default().to_owned();
    r.check(
        "api_key.create: admin gets 201 with api_key",
        (key.status == 201 || key.status == 200) && !key_secret.is_empty(),
        || shown(&key),
    );
    Fixture {
        admin,
        user,
        other,
        created,
        job_id,
        job_secret,
        key_id,
        key_secret,
    }
}

/// Whoami, for each kind of token.
pub(super) async fn whoami(http: &Http, r: &mut Report, f: &Fixture) {
    for (name, token, kind) in [
        ("login token", f.user.as_str(), 0),
        ("job token", f.job_secret.as_str(), 1),
        ("API key", f.key_secret.as_str(), 2),
    ] {
        let reply = http.call(Method::GET, "/api/whoami", Some(token), None).await;
        r.check(
            format!("whoami: a {name} is 200 with token_type {kind}"),
            reply.status == 200 && reply.json["token_type"] == kind,
            || shown(&reply),
        );
    }
}
