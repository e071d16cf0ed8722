//! The conformance kit: a black-box suite for any server that claims STEPS
//! protocol v1 (`docs/protocol.md`), over plain HTTP requests with exact
//! headers and bodies. It checks the authorisation matrix, validation,
//! paging, expiry and revocation, and cleans up what it created.
//!
//! Run it against any server with `cargo xtask conformance --url URL --admin
//! E:P --user E:P --user E:P`; CI runs it against the emulator.

use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// The accounts the kit logs in with: one admin, two users.
#[derive(Clone, Debug)]
pub struct Accounts {
    /// An admin's email and password.
    pub admin: (String, String),
    /// A user's email and password.
    pub user: (String, String),
    /// Another user's email and password.
    pub other: (String, String),
}

/// One check's outcome.
#[derive(Clone, Debug)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// `None` when it passed, else what went wrong.
    pub failure: Option<String>,
}

/// The suite's outcome.
#[derive(Debug, Default)]
pub struct Report {
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.failure.is_some()).collect()
    }

    fn check(&mut self, name: impl Into<String>, ok: bool, detail: impl FnOnce() -> String) {
        self.checks.push(Check {
            name: name.into(),
            failure: (!ok).then(detail),
        });
    }
}

/// One row of the authorisation matrix: what, method, path, token, body,
/// and the status the spec gives.
type MatrixCase<'a> = (&'a str, Method, String, Option<&'a str>, Option<Value>, u16);

/// One answer.
struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    json: Value,
}

struct Http {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    base: String,
}

impl Http {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, "steps-conformance");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .expect("a valid request");
        match self.client.request(request).await {
            Ok(response) => {
                let (parts, body) = response.into_parts();
                let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                Reply {
                    status: parts.status,
                    headers: parts.headers,
                    json,
                }
            }
            Err(_) => Reply {
                status: StatusCode::from_u16(599).expect("valid"),
                headers: Default::default(),
                json: Value::Null,
            },
        }
    }

    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        match body {
            Some(body) => {
                self.send(
                    method,
                    path,
                    token,
                    Some("application/json"),
                    body.to_string().into_bytes(),
                )
                .await
            }
            None => self.send(method, path, token, None, Vec::new()).await,
        }
    }
}

fn is_error(reply: &Reply, status: u16) -> bool {
    reply.status.as_u16() == status && reply.json["error"].as_str().is_some_and(|m| !m.is_empty())
}

fn shown(reply: &Reply) -> String {
    format!("got {} {}", reply.status, reply.json)
}

/// How many job tokens `user_id` has, walking every page as an admin.
async fn count_tokens(http: &Http, admin: &str, user_id: &Value) -> usize {
    let (mut count, mut after) = (0, None::<i64>);
    for _ in 0..10_000 {
        let path = match after {
            Some(a) => format!("/api/job_token?limit=1000&after={a}"),
            None => "/api/job_token?limit=1000".to_owned(),
        };
        let reply = http.call(Method::GET, &path, Some(admin), None).await;
        let page = reply.json["job_tokens"].as_array().cloned().unwrap_or_default();
        count += page.iter().filter(|t| &t["user_id"] == user_id).count();
        match reply.json["next_after"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    count
}

/// Runs the whole suite against `base_url`.
pub async fn run(base_url: &str, accounts: &Accounts) -> Report {
    let mut http_connector = HttpConnector::new();
    http_connector.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http_connector);
    let http = Http {
        client: Client::builder(TokioExecutor::new()).build(connector),
        base: base_url.trim_end_matches('/').to_owned(),
    };
    let mut r = Report::default();

    // Login.
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
    let [admin, user, other] = [tokens[0].as_str(), tokens[1].as_str(), tokens[2].as_str()];
    if r.checks.iter().any(|c| c.failure.is_some()) {
        return r;
    }

    // Creates, and what they return.
    let created = http
        .call(Method::POST, "/api/job_token", Some(user), Some(json!({})))
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
            Some(admin),
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

    // Whoami, for each kind of token.
    for (name, token, kind) in [
        ("login token", user, 0),
        ("job token", job_secret.as_str(), 1),
        ("API key", key_secret.as_str(), 2),
    ] {
        let reply = http.call(Method::GET, "/api/whoami", Some(token), None).await;
        r.check(
            format!("whoami: a {name} is 200 with token_type {kind}"),
            reply.status == 200 && reply.json["token_type"] == kind,
            || shown(&reply),
        );
    }

    // The authorisation matrix: (what, method, path, token, body, status).
    let job_path = format!("/api/job_token/{job_id}");
    let key_path = format!("/api/api_key/{key_id}");
    let body = || Some(json!({ "label": null, "duration": 60 }));
    let matrix: Vec<MatrixCase<'_>> = vec![
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
            Some(&job_secret),
            body(),
            403,
        ),
        (
            "job_token.create with an API key",
            Method::POST,
            "/api/job_token".into(),
            Some(&key_secret),
            body(),
            403,
        ),
        (
            "job_token.read by the owner",
            Method::GET,
            job_path.clone(),
            Some(user),
            None,
            200,
        ),
        (
            "job_token.read by an admin",
            Method::GET,
            job_path.clone(),
            Some(admin),
            None,
            200,
        ),
        (
            "job_token.read by another user",
            Method::GET,
            job_path.clone(),
            Some(other),
            None,
            404,
        ),
        (
            "job_token.read with a job token",
            Method::GET,
            job_path.clone(),
            Some(&job_secret),
            None,
            403,
        ),
        (
            "job_token.delete by another user",
            Method::DELETE,
            job_path.clone(),
            Some(other),
            None,
            404,
        ),
        (
            "job_token.list by a user",
            Method::GET,
            "/api/job_token".into(),
            Some(user),
            None,
            403,
        ),
        (
            "job_token.list by an admin",
            Method::GET,
            "/api/job_token".into(),
            Some(admin),
            None,
            200,
        ),
        (
            "api_key.create by a user",
            Method::POST,
            "/api/api_key".into(),
            Some(user),
            body(),
            403,
        ),
        (
            "api_key.read by a user",
            Method::GET,
            key_path.clone(),
            Some(user),
            None,
            403,
        ),
        (
            "api_key.read by an admin",
            Method::GET,
            key_path.clone(),
            Some(admin),
            None,
            200,
        ),
        (
            "api_key.delete by a user",
            Method::DELETE,
            key_path.clone(),
            Some(user),
            None,
            403,
        ),
        (
            "api_key.list by a user",
            Method::GET,
            "/api/api_key".into(),
            Some(user),
            None,
            403,
        ),
        (
            "api_key.list by an admin",
            Method::GET,
            "/api/api_key".into(),
            Some(admin),
            None,
            200,
        ),
    ];
    for (what, method, path, token, body, status) in matrix {
        let reply = http.call(method, &path, token, body).await;
        let ok = if status >= 400 {
            is_error(&reply, status)
        } else {
            reply.status.as_u16() == status
        };
        r.check(format!("authorisation: {what} is {status}"), ok, || shown(&reply));
    }
    let read = http.call(Method::GET, &job_path, Some(user), None).await;
    r.check(
        "job_token.read carries no token",
        read.json.get("token").is_none(),
        || shown(&read),
    );

    // Validation: refused with 400/413/415, creating nothing.
    let before_count = count_tokens(&http, admin, &created.json["user_id"]).await;
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
    let bad_id = http
        .call(Method::GET, "/api/job_token/abc", Some(user), None)
        .await;
    r.check(
        "validation: a non-integer id is 400",
        is_error(&bad_id, 400),
        || shown(&bad_id),
    );
    // One rule for integers in paths and queries: `0` or `[1-9][0-9]*`, at
    // most 2^63-1.
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
    let ignored = http
        .call(
            Method::GET,
            "/api/job_token?limit=1&conformance-unknown=x",
            Some(admin),
            None,
        )
        .await;
    r.check(
        "validation: an unknown query parameter is ignored",
        ignored.status == 200,
        || shown(&ignored),
    );
    let unknown = http
        .call(Method::GET, "/api/nothing-here", Some(user), None)
        .await;
    r.check("routing: an unknown path is 404", is_error(&unknown, 404), || {
        shown(&unknown)
    });
    let method = http.call(Method::PUT, "/api/job_token", Some(user), None).await;
    r.check(
        "routing: a wrong method is 405 with Allow",
        is_error(&method, 405) && method.headers.contains_key(header::ALLOW),
        || shown(&method),
    );
    let after_count = count_tokens(&http, admin, &created.json["user_id"]).await;
    r.check(
        "validation: refused requests created nothing",
        after_count == before_count,
        || format!("the user had {before_count} job tokens before and {after_count} after"),
    );

    // Paging: 25 more tokens, walked 10 at a time.
    let mut made = vec![job_id];
    for _ in 0..25 {
        let reply = http
            .call(
                Method::POST,
                "/api/job_token",
                Some(user),
                Some(json!({ "label": "page" })),
            )
            .await;
        made.push(reply.json["token_id"].as_i64().unwrap_or(-1));
    }
    let (mut seen, mut after, mut pages, mut ok) = (Vec::<i64>::new(), None::<i64>, 0, true);
    while pages < 1000 {
        let path = match after {
            Some(a) => format!("/api/job_token?limit=10&after={a}"),
            None => "/api/job_token?limit=10".to_owned(),
        };
        let reply = http.call(Method::GET, &path, Some(admin), None).await;
        let page: Vec<i64> = reply.json["job_tokens"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["token_id"].as_i64()).collect())
            .unwrap_or_default();
        ok &= reply.status == 200 && page.len() <= 10;
        seen.extend(&page);
        pages += 1;
        match reply.json["next_after"].as_i64() {
            Some(next) => {
                ok &= Some(&next) == page.last();
                after = Some(next);
            }
            None => break,
        }
    }
    let ascending = seen.windows(2).all(|w| w[0] < w[1]);
    let all_once = made
        .iter()
        .all(|id| seen.iter().filter(|s| *s == id).count() == 1);
    r.check(
        "paging: pages of at most 10, ascending, each token once, next_after = last id",
        ok && ascending && all_once,
        || format!("{pages} pages, ids {seen:?}"),
    );

    // Revocation.
    let deleted = http.call(Method::DELETE, &job_path, Some(user), None).await;
    r.check(
        "job_token.delete by the owner is 204",
        deleted.status == 204 || deleted.status == 200,
        || shown(&deleted),
    );
    let revoked = http
        .call(Method::GET, "/api/whoami", Some(&job_secret), None)
        .await;
    r.check(
        "revocation: a deleted job token is refused with 401",
        is_error(&revoked, 401),
        || shown(&revoked),
    );
    let gone = http.call(Method::GET, &job_path, Some(user), None).await;
    r.check(
        "revocation: a deleted job token reads as 404",
        is_error(&gone, 404),
        || shown(&gone),
    );
    let key_deleted = http.call(Method::DELETE, &key_path, Some(admin), None).await;
    let key_revoked = http
        .call(Method::GET, "/api/whoami", Some(&key_secret), None)
        .await;
    r.check(
        "revocation: a deleted API key is refused with 401",
        key_deleted.status == 204 && is_error(&key_revoked, 401),
        || shown(&key_revoked),
    );

    // Expiry, in real time: a 2-second job token.
    let short = http
        .call(
            Method::POST,
            "/api/job_token",
            Some(user),
            Some(json!({ "duration": 2 })),
        )
        .await;
    let short_secret = short.json["token"].as_str().unwrap_or_default().to_owned();
    let fresh = http
        .call(Method::GET, "/api/whoami", Some(&short_secret), None)
        .await;
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    let expired = http
        .call(Method::GET, "/api/whoami", Some(&short_secret), None)
        .await;
    r.check(
        "expiry: a job token is accepted before its duration and refused with 401 after",
        fresh.status == 200 && is_error(&expired, 401),
        || format!("before: {}; after: {}", fresh.status, shown(&expired)),
    );

    // Clean up.
    for id in made.iter().skip(1) {
        http.call(Method::DELETE, &format!("/api/job_token/{id}"), Some(user), None)
            .await;
    }
    r
}
