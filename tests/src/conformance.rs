//! The conformance kit: a black-box suite for any server that claims STEPS
//! protocol v1 or v2 (`docs/protocol.md`), over plain HTTP requests with
//! exact headers and bodies, and cleans up what it created.
//!
//! Two profiles: [`Profile::V1`] checks the authorisation matrix,
//! validation, paging, expiry and revocation; [`Profile::V2`] checks all of
//! that (a v2 server is a v1 server too), then discovery (`GET /api/meta`)
//! and each v2 feature the server offers (`idempotency`: replays, 422, 400
//! for bad keys, keys per caller, refusals kept nothing, concurrent
//! re-sends). [`run`] picks the profile by what the server advertises;
//! [`Options::profile`] forces one.
//!
//! One check cannot be made portably: that a re-send while the first
//! request is still being handled is answered 409 needs a server that can
//! be made to hold a create open. It runs when the caller says how
//! ([`Options::hold_next_create`]; against the emulator, a `slow_handler`
//! fault), and is reported skipped otherwise; the portable check of
//! concurrent re-sends (each answered with the one token, or 409) runs
//! always.
//!
//! Run it against any server with `cargo xtask conformance --url URL --admin
//! E:P --user E:P --user E:P [--protocol 1|2]`; `cargo test` runs it against
//! the emulator in both modes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    /// `None` when it passed (or was skipped), else what went wrong.
    pub failure: Option<String>,
    /// `Some(why)` when it was not run.
    pub skipped: Option<String>,
}

/// Which checks the kit runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// Protocol v1.
    V1,
    /// Protocol v1, then v2's discovery and the features offered.
    V2,
}

/// How the kit runs: [`Options::default`] picks the profile by what the
/// server advertises and skips the check it cannot make portably.
#[derive(Default)]
#[non_exhaustive]
pub struct Options<'a> {
    /// The profile to run; `None` asks the server (`GET /api/meta`): v2
    /// when it answers protocol 2 or later, else v1.
    pub profile: Option<Profile>,
    /// Makes the server hold its next `job_token.create` open for at least
    /// [`HOLD`] once it has passed its checks, so that the kit can send a
    /// second request while the first is in progress (409). Without it
    /// that check is skipped.
    pub hold_next_create: Option<Box<dyn Fn() + Send + Sync + 'a>>,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("profile", &self.profile)
            .field("hold_next_create", &self.hold_next_create.is_some())
            .finish()
    }
}

impl<'a> Options<'a> {
    /// The defaults.
    pub fn new() -> Self {
        Options::default()
    }

    /// Runs `profile`, whatever the server advertises.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Sets [`Options::hold_next_create`].
    pub fn hold_next_create(mut self, hold: impl Fn() + Send + Sync + 'a) -> Self {
        self.hold_next_create = Some(Box::new(hold));
        self
    }
}

/// How long [`Options::hold_next_create`] must hold a create open.
pub const HOLD: Duration = Duration::from_millis(1_500);

/// The suite's outcome.
#[derive(Debug)]
pub struct Report {
    /// The profile that ran.
    pub profile: Profile,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.failure.is_some()).collect()
    }

    /// The checks that were not run.
    pub fn skipped(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.skipped.is_some()).collect()
    }

    fn check(&mut self, name: impl Into<String>, ok: bool, detail: impl FnOnce() -> String) {
        self.checks.push(Check {
            name: name.into(),
            failure: (!ok).then(detail),
            skipped: None,
        });
    }

    fn skip(&mut self, name: impl Into<String>, why: impl Into<String>) {
        self.checks.push(Check {
            name: name.into(),
            failure: None,
            skipped: Some(why.into()),
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

impl Reply {
    /// What a request that got no answer (or could not be sent) is
    /// recorded as: 599, a status no server sends.
    fn failed() -> Reply {
        Reply {
            status: StatusCode::from_u16(599).expect("valid"),
            headers: Default::default(),
            json: Value::Null,
        }
    }

    /// Whether the answer says it is a replay (`Idempotent-Replayed: true`).
    fn replayed(&self) -> bool {
        self.headers
            .get(IDEMPOTENT_REPLAYED)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
    }

    /// Whether it is a create's success: 201, or the 200 clients accept.
    fn created(&self) -> bool {
        self.status == 201 || self.status == 200
    }
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";
const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

struct Http {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    base: String,
}

impl Http {
    fn new(base_url: &str) -> Http {
        let mut http_connector = HttpConnector::new();
        http_connector.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http_connector);
        Http {
            client: Client::builder(TokioExecutor::new()).build(connector),
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        self.send_keyed(method, path, token, content_type, None, body)
            .await
    }

    /// [`Http::send`] with an `Idempotency-Key` of these bytes (which need
    /// not be a valid key).
    async fn send_keyed(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        key: Option<&[u8]>,
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
        if let Some(key) = key {
            match header::HeaderValue::from_bytes(key) {
                Ok(key) => request = request.header(IDEMPOTENCY_KEY, key),
                Err(_) => return Reply::failed(),
            }
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
            Err(_) => Reply::failed(),
        }
    }

    /// A create with an idempotency key and a JSON body.
    async fn create_keyed(&self, path: &str, token: &str, key: &[u8], body: &Value) -> Reply {
        self.send_keyed(
            Method::POST,
            path,
            Some(token),
            Some("application/json"),
            Some(key),
            body.to_string().into_bytes(),
        )
        .await
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

/// The answer, for a failed check's report, with any secret in it
/// (`token`, `api_key`) redacted.
fn shown(reply: &Reply) -> String {
    let mut json = reply.json.clone();
    if let Value::Object(map) = &mut json {
        for field in ["token", "api_key"] {
            if let Some(secret @ Value::String(_)) = map.get_mut(field) {
                *secret = Value::String("<redacted>".to_owned());
            }
        }
    }
    format!("got {} {json}", reply.status)
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

/// Runs the suite against `base_url`, with the profile the server
/// advertises and without the check that cannot be made portably.
pub async fn run(base_url: &str, accounts: &Accounts) -> Report {
    run_with(base_url, accounts, Options::default()).await
}

/// Runs the suite against `base_url` as `options` say.
pub async fn run_with(base_url: &str, accounts: &Accounts, options: Options<'_>) -> Report {
    let http = Http::new(base_url);
    let profile = match options.profile {
        Some(profile) => profile,
        None => match advertised(&http).await {
            Some(_) => Profile::V2,
            None => Profile::V1,
        },
    };
    let mut r = Report {
        profile,
        checks: Vec::new(),
    };
    let logged_in = v1(&http, accounts, &mut r).await;
    if profile == Profile::V2 && logged_in {
        v2(&http, accounts, &mut r, &options).await;
    }
    r
}

/// What `GET /api/meta` advertises, if it says protocol 2 or later: the
/// features offered.
async fn advertised(http: &Http) -> Option<Vec<String>> {
    let reply = http.call(Method::GET, "/api/meta", None, None).await;
    let protocol = reply.json["protocol"].as_u64()?;
    let features = reply.json["features"].as_array()?;
    let features: Option<Vec<String>> = features.iter().map(|f| f.as_str().map(str::to_owned)).collect();
    (reply.status.is_success() && protocol >= 2).then_some(features?)
}

/// The v1 profile; false when the accounts could not log in (and nothing
/// else was checked).
async fn v1(http: &Http, accounts: &Accounts, r: &mut Report) -> bool {
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
        return false;
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
    let before_count = count_tokens(http, admin, &created.json["user_id"]).await;
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
    let after_count = count_tokens(http, admin, &created.json["user_id"]).await;
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
    true
}

/// A key no earlier run used: servers remember keys for a day, and the kit
/// may run against the same server again within it.
fn fresh_key(what: &str) -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("conformance-{what}-{nanos:x}-{n}")
}

/// Logs in; the token, or an empty string (which later checks then fail).
async fn login(http: &Http, (email, password): &(String, String)) -> String {
    let body = json!({ "email": email, "password": password });
    let reply = http.call(Method::POST, "/api/login", None, Some(body)).await;
    reply.json["token"].as_str().unwrap_or_default().to_owned()
}

/// The v2 profile, after v1's: discovery, then each feature offered.
async fn v2(http: &Http, accounts: &Accounts, r: &mut Report, options: &Options<'_>) {
    let reply = http.call(Method::GET, "/api/meta", None, None).await;
    let features = advertised(http).await;
    r.check(
        "meta: GET /api/meta without a token is 200 {\"protocol\": 2 or later, \"features\": [strings]}",
        reply.status == 200 && features.is_some(),
        || shown(&reply),
    );
    let features = features.unwrap_or_default();
    if features.iter().any(|f| f == "idempotency") {
        idempotency(http, accounts, r, options).await;
    } else {
        r.skip(
            "idempotency: every check",
            "the server does not offer the feature `idempotency`",
        );
    }
}

/// Feature `idempotency`: creates with an `Idempotency-Key`.
async fn idempotency(http: &Http, accounts: &Accounts, r: &mut Report, options: &Options<'_>) {
    let admin = login(http, &accounts.admin).await;
    let user = login(http, &accounts.user).await;
    let other = login(http, &accounts.other).await;
    let (admin, user, other) = (admin.as_str(), user.as_str(), other.as_str());
    let body = json!({ "label": "conformance-idempotency", "duration": 3600 });
    let mut made: Vec<(String, i64, String)> = Vec::new();
    let mut keep = |path: &str, reply: &Reply, owner: &str| {
        let id = reply.json["token_id"]
            .as_i64()
            .or_else(|| reply.json["api_key_id"].as_i64());
        if let (true, Some(id)) = (reply.created(), id) {
            made.push((path.to_owned(), id, owner.to_owned()));
        }
    };
    let user_id = http.call(Method::GET, "/api/whoami", Some(user), None).await.json["user_id"].clone();
    let tokens_before = count_tokens(http, admin, &user_id).await;

    // The same request twice: one token, replayed with its secret.
    for (path, token, id, secret) in [
        ("/api/job_token", user, "token_id", "token"),
        ("/api/api_key", admin, "api_key_id", "api_key"),
    ] {
        let key = fresh_key("replay");
        let first = http.create_keyed(path, token, key.as_bytes(), &body).await;
        let again = http.create_keyed(path, token, key.as_bytes(), &body).await;
        keep(path, &first, token);
        r.check(
            format!("idempotency: POST {path} with a key is created, without Idempotent-Replayed"),
            first.created() && first.json[secret].is_string() && !first.replayed(),
            || shown(&first),
        );
        r.check(
            format!(
                "idempotency: POST {path} again with the same key and body is replayed: the same status, \
                 id and secret, with Idempotent-Replayed: true"
            ),
            again.status == first.status
                && again.replayed()
                && again.json[id] == first.json[id]
                && again.json[secret].is_string()
                && again.json[secret] == first.json[secret],
            || format!("first: {}; again: {}", shown(&first), shown(&again)),
        );
    }
    let tokens_after = count_tokens(http, admin, &user_id).await;
    r.check(
        "idempotency: a replay creates nothing",
        tokens_after == tokens_before + 1,
        || format!("the user had {tokens_before} job tokens before and {tokens_after} after"),
    );

    // The same key for another request: 422.
    let key = fresh_key("mismatch");
    let first = http
        .create_keyed("/api/job_token", admin, key.as_bytes(), &body)
        .await;
    keep("/api/job_token", &first, admin);
    let other_body = json!({ "label": "conformance-idempotency", "duration": 3601 });
    for (what, path, body) in [
        ("another body", "/api/job_token", &other_body),
        ("another path", "/api/api_key", &body),
    ] {
        let reply = http.create_keyed(path, admin, key.as_bytes(), body).await;
        keep(path, &reply, admin);
        r.check(
            format!("idempotency: the same key with {what} is 422"),
            first.created() && is_error(&reply, 422),
            || shown(&reply),
        );
    }

    // Bad keys: 400, and nothing created.
    let before = count_tokens(http, admin, &user_id).await;
    let too_long = vec![b'k'; 256];
    for (what, key) in [
        ("an empty key", &b""[..]),
        ("a key of 256 characters", &too_long[..]),
        ("a key with a space", &b"two words"[..]),
        ("a non-ASCII key", "cl\u{e9}".as_bytes()),
    ] {
        let reply = http.create_keyed("/api/job_token", user, key, &body).await;
        keep("/api/job_token", &reply, user);
        r.check(
            format!("idempotency: {what} is 400"),
            is_error(&reply, 400),
            || shown(&reply),
        );
    }
    let after = count_tokens(http, admin, &user_id).await;
    r.check("idempotency: a bad key creates nothing", after == before, || {
        format!("the user had {before} job tokens before and {after} after")
    });
    let longest = format!("{}-", fresh_key("longest"));
    let longest = format!("{longest}{}", "~".repeat(255 - longest.len()));
    let reply = http
        .create_keyed("/api/job_token", user, longest.as_bytes(), &body)
        .await;
    keep("/api/job_token", &reply, user);
    r.check(
        "idempotency: a key of 255 visible characters is accepted",
        reply.created(),
        || shown(&reply),
    );

    // Keys belong to their caller.
    let key = fresh_key("caller");
    let mine = http
        .create_keyed("/api/job_token", user, key.as_bytes(), &body)
        .await;
    let theirs = http
        .create_keyed("/api/job_token", other, key.as_bytes(), &body)
        .await;
    keep("/api/job_token", &mine, user);
    keep("/api/job_token", &theirs, other);
    r.check(
        "idempotency: another user's request with the same key creates another token",
        mine.created()
            && theirs.created()
            && !theirs.replayed()
            && theirs.json["token_id"] != mine.json["token_id"]
            && theirs.json["token"] != mine.json["token"],
        || format!("mine: {}; theirs: {}", shown(&mine), shown(&theirs)),
    );

    // Refusals keep nothing: the key works after.
    let job = http
        .call(
            Method::POST,
            "/api/job_token",
            Some(user),
            Some(json!({ "duration": 600 })),
        )
        .await;
    keep("/api/job_token", &job, user);
    let job_secret = job.json["token"].as_str().unwrap_or_default();
    let key = fresh_key("forbidden");
    let forbidden = http
        .create_keyed("/api/job_token", job_secret, key.as_bytes(), &body)
        .await;
    let after_403 = http
        .create_keyed("/api/job_token", user, key.as_bytes(), &body)
        .await;
    keep("/api/job_token", &after_403, user);
    r.check(
        "idempotency: after a 403 (a job token) the same key creates",
        is_error(&forbidden, 403) && after_403.created() && !after_403.replayed(),
        || format!("refused: {}; then: {}", shown(&forbidden), shown(&after_403)),
    );
    let key = fresh_key("invalid");
    let invalid = http
        .create_keyed("/api/job_token", user, key.as_bytes(), &json!({ "duration": 0 }))
        .await;
    let after_400 = http
        .create_keyed("/api/job_token", user, key.as_bytes(), &body)
        .await;
    let replay = http
        .create_keyed("/api/job_token", user, key.as_bytes(), &body)
        .await;
    keep("/api/job_token", &after_400, user);
    r.check(
        "idempotency: after a 400 (a zero duration) the same key creates (not 422), then replays",
        is_error(&invalid, 400)
            && after_400.created()
            && !after_400.replayed()
            && replay.replayed()
            && replay.json["token_id"] == after_400.json["token_id"],
        || {
            format!(
                "refused: {}; then: {}; again: {}",
                shown(&invalid),
                shown(&after_400),
                shown(&replay)
            )
        },
    );

    // Concurrent re-sends (portable): each is answered with the one
    // token or 409, and one token exists.
    let before = count_tokens(http, admin, &user_id).await;
    let key = fresh_key("concurrent");
    let send = || http.create_keyed("/api/job_token", user, key.as_bytes(), &body);
    let (a, b, c, d, e) = tokio::join!(send(), send(), send(), send(), send());
    let last = send().await;
    let answers = [&a, &b, &c, &d, &e];
    let ids: Vec<&Value> = answers
        .iter()
        .filter(|reply| reply.created())
        .map(|reply| &reply.json["token_id"])
        .collect();
    let after = count_tokens(http, admin, &user_id).await;
    keep("/api/job_token", &last, user);
    r.check(
        "idempotency: five concurrent sends with one key: each is the one token or 409, and one token exists",
        answers
            .iter()
            .all(|reply| reply.created() || is_error(reply, 409))
            && !ids.is_empty()
            && ids.iter().all(|id| **id == last.json["token_id"])
            && last.replayed()
            && after == before + 1,
        || {
            let statuses: Vec<u16> = answers.iter().map(|reply| reply.status.as_u16()).collect();
            format!(
                "statuses {statuses:?}, then {}; {before} tokens before, {after} after",
                shown(&last)
            )
        },
    );

    // In progress (not portable: needs a create held open).
    const IN_PROGRESS: &str =
        "idempotency: a re-send while the first request is handled is 409, then replayed";
    match &options.hold_next_create {
        None => r.skip(
            IN_PROGRESS,
            "needs a server that can hold a create open (Options::hold_next_create; the emulator's \
             slow_handler fault); the concurrent check covers what can be checked portably",
        ),
        Some(hold) => {
            hold();
            let key = fresh_key("held");
            let held = http.create_keyed("/api/job_token", user, key.as_bytes(), &body);
            let meanwhile = async {
                tokio::time::sleep(HOLD / 4).await;
                http.create_keyed("/api/job_token", user, key.as_bytes(), &body)
                    .await
            };
            let (first, meanwhile) = tokio::join!(held, meanwhile);
            let after = http
                .create_keyed("/api/job_token", user, key.as_bytes(), &body)
                .await;
            keep("/api/job_token", &first, user);
            r.check(
                IN_PROGRESS,
                is_error(&meanwhile, 409)
                    && first.created()
                    && after.replayed()
                    && after.json["token_id"] == first.json["token_id"],
                || {
                    format!(
                        "meanwhile: {}; first: {}; after: {}",
                        shown(&meanwhile),
                        shown(&first),
                        shown(&after)
                    )
                },
            );
        }
    }

    // Clean up.
    made.sort();
    made.dedup();
    for (path, id, owner) in made {
        http.call(Method::DELETE, &format!("{path}/{id}"), Some(&owner), None)
            .await;
    }
}
