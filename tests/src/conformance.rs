//! The conformance kit: a black-box suite for any server that claims STEPS
//! protocol v1 or v2 (`docs/protocol.md`), over plain HTTP requests with
//! exact headers and bodies, and cleans up what it created.
//!
//! Two profiles: [`Profile::V1`] checks the authorisation matrix,
//! validation, paging, expiry and revocation; [`Profile::V2`] checks all of
//! that (a v2 server is a v1 server too), then discovery (`GET /api/meta`)
//! and each v2 feature the server offers, skipping those it does not:
//!
//! - `idempotency`: replays, 422, 400 for bad keys, keys per caller,
//!   refusals kept nothing, concurrent re-sends.
//! - `self`: who may call `DELETE /api/token/self` and `POST
//!   /api/token/self/rotate` (no token, a revoked or expired one, a login
//!   token, a job token, an API key); a token revoked by itself is 401
//!   everywhere after, and a job token or API key revoked so is no longer
//!   read or listed; whoami's `token_id`, `api_key_id` and `label`.
//! - `own_tokens`: a user lists their own job tokens and nobody else's, an
//!   admin everyone's; `user_id=N` (403 for another user's id from a
//!   non-admin); the exact `label=` filter with a percent-encoded label
//!   (space, `+`, `&`, `%`, non-ASCII) and `+` for a space; 400 for bad
//!   escapes; paging over what matches; 403 for job tokens, API keys, and
//!   users on `GET /api/api_key`.
//! - `rotation`: who may rotate a job token or an API key; 400 for bad
//!   bodies, 404 for unknown ids; the answer (same record, new secret,
//!   `rotated_at`); an old secret refused at once without grace, and
//!   working until its grace ends with one; a token rotated twice; a secret
//!   rotated away cannot rotate again (401) nor, in its grace, rotate
//!   itself (403); revoking with an old secret ends only its grace, with
//!   the current one (or deleting the token) every grace; replays by
//!   `Idempotency-Key` (self-rotation keys per token); `rotated_at` on reads
//!   and lists.
//!
//! [`run`] picks the profile by what the server advertises;
//! [`Options::profile`] forces one. The v1 profile's check that a user may
//! not list job tokens (403) allows, when the profile was forced and the
//! server not asked, the 200 with their own tokens that `own_tokens` gives.
//!
//! One check cannot be made portably: that a re-send while the first
//! request is still being handled is answered 409 needs a server that can
//! be made to hold a create open. It runs when the caller says how
//! ([`Options::hold_next_create`]; against the emulator, a `slow_handler`
//! fault), and is reported skipped otherwise; the portable check of
//! concurrent re-sends (each answered with the one token, or 409) runs
//! always.
//!
//! Expiry and grace periods take time: when the caller can move the
//! server's clock ([`Options::advance_clock`]; against the emulator,
//! `Emulator::advance_clock`), the kit moves it past a 30-second grace;
//! otherwise it gives 2-second graces and sleeps past them (a few seconds
//! in all).
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
    /// Moves the server's clock forward by the duration given (whole
    /// seconds), so that expiry and grace periods end without waiting.
    /// Without it the kit sleeps through short ones in real time.
    pub advance_clock: Option<Box<dyn Fn(Duration) + Send + Sync + 'a>>,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("profile", &self.profile)
            .field("hold_next_create", &self.hold_next_create.is_some())
            .field("advance_clock", &self.advance_clock.is_some())
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

    /// Sets [`Options::advance_clock`].
    pub fn advance_clock(mut self, advance: impl Fn(Duration) + Send + Sync + 'a) -> Self {
        self.advance_clock = Some(Box::new(advance));
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
    // A forced v1 profile does not ask: it does not know whether a user
    // may list their own job tokens (`own_tokens`).
    let (profile, lists_own) = match options.profile {
        Some(Profile::V1) => (Profile::V1, None),
        forced => {
            let features = advertised(&http).await;
            let lists_own = features.iter().flatten().any(|f| f == "own_tokens");
            let profile = match (forced, features) {
                (Some(profile), _) => profile,
                (None, Some(_)) => Profile::V2,
                (None, None) => Profile::V1,
            };
            (profile, Some(lists_own))
        }
    };
    let mut r = Report {
        profile,
        checks: Vec::new(),
    };
    let logged_in = v1(&http, accounts, &mut r, lists_own).await;
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
/// else was checked). `lists_own`: whether the server offers `own_tokens`
/// (a user lists their own job tokens rather than 403), if known.
async fn v1(http: &Http, accounts: &Accounts, r: &mut Report, lists_own: Option<bool>) -> bool {
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
    // A user's list: 403 in v1; their own job tokens with `own_tokens`.
    let reply = http.call(Method::GET, "/api/job_token", Some(user), None).await;
    let own_only = reply.status == 200
        && reply.json["job_tokens"]
            .as_array()
            .is_some_and(|page| page.iter().all(|t| t["user_id"] == created.json["user_id"]));
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
    let offers = |feature: &str| features.iter().any(|f| f == feature);
    let not_offered = |feature: &str| format!("the server does not offer the feature `{feature}`");
    if offers("idempotency") {
        idempotency(http, accounts, r, options).await;
    } else {
        r.skip("idempotency: every check", not_offered("idempotency"));
    }
    if offers("self") {
        self_token(http, accounts, r, options).await;
    } else {
        r.skip("self: every check", not_offered("self"));
    }
    if offers("own_tokens") {
        own_tokens(http, accounts, r).await;
    } else {
        r.skip("own_tokens: every check", not_offered("own_tokens"));
    }
    if offers("rotation") {
        rotation(http, accounts, r, options, &features).await;
    } else {
        r.skip("rotation: every check", not_offered("rotation"));
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

/// An id that is well written but names no token (2^63-1).
const NO_SUCH_ID: i64 = i64::MAX;

/// A token the kit made: its id and secret (-1 and "" when the create
/// failed, which later checks then report), and the create's answer.
struct Minted {
    id: i64,
    secret: String,
    reply: Reply,
}

/// A create's or rotation's id (`token_id`, `api_key_id`).
fn id_of(reply: &Reply) -> i64 {
    reply.json["token_id"]
        .as_i64()
        .or_else(|| reply.json["api_key_id"].as_i64())
        .unwrap_or(-1)
}

/// A create's or rotation's secret (`token`, `api_key`).
fn secret_of(reply: &Reply) -> String {
    reply.json["token"]
        .as_str()
        .or_else(|| reply.json["api_key"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The tokens a feature's checks made, deleted by their owners at the end.
#[derive(Default)]
struct Made(Vec<(&'static str, i64, String)>);

impl Made {
    /// Creates at `path` (`/api/job_token`, `/api/api_key`) as `owner`,
    /// and remembers it.
    async fn create(&mut self, http: &Http, path: &'static str, owner: &str, body: Value) -> Minted {
        let reply = http.call(Method::POST, path, Some(owner), Some(body)).await;
        let (id, secret) = (id_of(&reply), secret_of(&reply));
        if reply.created() {
            self.0.push((path, id, owner.to_owned()));
        }
        Minted { id, secret, reply }
    }

    /// Deletes them all (those already gone answer 404).
    async fn clean(self, http: &Http) {
        for (path, id, owner) in self.0 {
            http.call(Method::DELETE, &format!("{path}/{id}"), Some(&owner), None)
                .await;
        }
    }
}

/// whoami's status with `token`.
async fn whoami_status(http: &Http, token: &str) -> u16 {
    http.call(Method::GET, "/api/whoami", Some(token), None)
        .await
        .status
        .as_u16()
}

/// Whether an admin's list at `path` (`/api/job_token`, `/api/api_key`)
/// holds the token `id`: its item, if so.
async fn listed(http: &Http, admin: &str, path: &str, id: i64) -> Option<Value> {
    let (items, id_field) = match path {
        "/api/api_key" => ("api_keys", "api_key_id"),
        _ => ("job_tokens", "token_id"),
    };
    let query = format!("{path}?limit=1&after={}", id.saturating_sub(1).max(0));
    let reply = http.call(Method::GET, &query, Some(admin), None).await;
    reply.json[items]
        .as_array()?
        .first()
        .filter(|item| item[id_field] == id)
        .cloned()
}

/// Every job token a list with `token` answers, walking its pages;
/// `query` adds parameters (`&label=...`). `Err` holds the first answer
/// that was not a 200 page.
async fn list_all(http: &Http, token: &str, query: &str) -> Result<Vec<Value>, Reply> {
    let (mut items, mut after) = (Vec::new(), None::<i64>);
    for _ in 0..10_000 {
        let path = match after {
            Some(a) => format!("/api/job_token?limit=1000{query}&after={a}"),
            None => format!("/api/job_token?limit=1000{query}"),
        };
        let reply = http.call(Method::GET, &path, Some(token), None).await;
        match reply.json["job_tokens"].as_array() {
            Some(page) if reply.status == 200 => items.extend(page.iter().cloned()),
            _ => return Err(reply),
        }
        match reply.json["next_after"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(items)
}

/// The ids of a list's items.
fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().filter_map(|t| t["token_id"].as_i64()).collect()
}

/// A list's ids, or its refusal, for a failed check's report.
fn shown_list(list: &Result<Vec<Value>, Reply>) -> String {
    match list {
        Ok(items) => format!("listed ids {:?}", ids(items)),
        Err(reply) => shown(reply),
    }
}

/// `text` percent-encoded for a query: `%XX` for every byte but
/// `A-Za-z0-9-._~`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Lets `seconds` pass on the server's clock since `since` (taken once
/// the server had answered what starts the wait): moved by
/// [`Options::advance_clock`], else slept through, with a margin. Callers
/// ask for a second more than the expiry or grace they wait out, since
/// servers count whole seconds.
async fn pass(options: &Options<'_>, since: tokio::time::Instant, seconds: u64) {
    match &options.advance_clock {
        Some(advance) => advance(Duration::from_secs(seconds)),
        None => {
            let margin = Duration::from_millis(150);
            tokio::time::sleep_until(since + Duration::from_secs(seconds) + margin).await;
        }
    }
}

/// The grace period the rotation checks give: 30 s when the kit can move
/// the server's clock, else 2 s of real time (the kit checks an old secret
/// within the first second of its grace, and sleeps past its end).
fn grace_seconds(options: &Options<'_>) -> u64 {
    if options.advance_clock.is_some() {
        30
    } else {
        2
    }
}

/// Feature `self`: `DELETE /api/token/self`, `POST /api/token/self/rotate`,
/// and whoami's token fields.
async fn self_token(http: &Http, accounts: &Accounts, r: &mut Report, options: &Options<'_>) {
    let admin = login(http, &accounts.admin).await;
    let user = login(http, &accounts.user).await;
    let (admin, user) = (admin.as_str(), user.as_str());
    let mut made = Made::default();
    const JOBS: &str = "/api/job_token";
    const KEYS: &str = "/api/api_key";
    let label = "conformance-self";
    let named = json!({ "label": label, "duration": 3600 });
    let unnamed = json!({ "duration": 3600 });

    // An expired job token: one second long, waited out below.
    let short = made.create(http, JOBS, user, json!({ "duration": 1 })).await;
    let since = tokio::time::Instant::now();
    let revoked = made.create(http, JOBS, user, unnamed.clone()).await;
    http.call(
        Method::DELETE,
        &format!("{JOBS}/{}", revoked.id),
        Some(user),
        None,
    )
    .await;
    let logout = login(http, &accounts.user).await;
    let job = made.create(http, JOBS, user, named.clone()).await;
    let plain_job = made.create(http, JOBS, user, unnamed.clone()).await;
    let key = made.create(http, KEYS, admin, named.clone()).await;
    let plain_key = made.create(http, KEYS, admin, unnamed.clone()).await;

    // Whoami names the job token or API key sent.
    let reply = http
        .call(Method::GET, "/api/whoami", Some(&job.secret), None)
        .await;
    r.check(
        "self: whoami with a job token adds its token_id and label",
        reply.status == 200 && reply.json["token_id"] == job.id && reply.json["label"] == label,
        || shown(&reply),
    );
    let reply = http
        .call(Method::GET, "/api/whoami", Some(&plain_job.secret), None)
        .await;
    r.check(
        "self: whoami with a job token without a label adds its token_id and \"label\": null",
        reply.status == 200
            && reply.json["token_id"] == plain_job.id
            && reply.json.get("label") == Some(&Value::Null),
        || shown(&reply),
    );
    let reply = http
        .call(Method::GET, "/api/whoami", Some(&key.secret), None)
        .await;
    r.check(
        "self: whoami with an API key adds its api_key_id and label",
        reply.status == 200 && reply.json["api_key_id"] == key.id && reply.json["label"] == label,
        || shown(&reply),
    );
    let reply = http.call(Method::GET, "/api/whoami", Some(&logout), None).await;
    r.check(
        "self: whoami with a login token adds neither token_id, api_key_id nor label",
        reply.status == 200
            && ["token_id", "api_key_id", "label"]
                .iter()
                .all(|field| reply.json.get(field).is_none()),
        || shown(&reply),
    );

    // Who may call: (caller, the token that rotates itself, its status,
    // the token that revokes itself, its status). The unlabelled job token
    // and API key rotate themselves; the labelled ones revoke themselves
    // with the secrets they were created with.
    pass(options, since, 2).await;
    let mut rotated = Vec::new();
    let cases = [
        ("no token", None, 401, None, 401),
        (
            "a revoked job token",
            Some(&revoked.secret),
            401,
            Some(&revoked.secret),
            401,
        ),
        (
            "an expired job token",
            Some(&short.secret),
            401,
            Some(&short.secret),
            401,
        ),
        ("a login token", Some(&logout), 403, Some(&logout), 204),
        (
            "a job token",
            Some(&plain_job.secret),
            200,
            Some(&job.secret),
            204,
        ),
        ("an API key", Some(&plain_key.secret), 200, Some(&key.secret), 204),
    ];
    for (caller, token, rotate_status, _, _) in cases {
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
    for (caller, _, _, token, revoke_status) in cases {
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

    // What a self-rotation answers, and that it took.
    for ((caller, reply), (old, id, id_field, secret_field)) in rotated.iter().zip([
        (&plain_job.secret, plain_job.id, "token_id", "token"),
        (&plain_key.secret, plain_key.id, "api_key_id", "api_key"),
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

    // A token revoked by itself is gone.
    for (kind, token) in [
        ("a login token", logout.as_str()),
        ("a job token", job.secret.as_str()),
        ("an API key", key.secret.as_str()),
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
        ("a job token", JOBS, job.id, user),
        ("an API key", KEYS, key.id, admin),
    ] {
        let read = http
            .call(Method::GET, &format!("{path}/{id}"), Some(reader), None)
            .await;
        let item = listed(http, admin, path, id).await;
        let whose = if path == JOBS { "its owner" } else { "an admin" };
        r.check(
            format!("self: {kind} revoked by itself reads as 404 to {whose} and is not listed"),
            is_error(&read, 404) && item.is_none(),
            || format!("read: {}; listed: {item:?}", shown(&read)),
        );
    }

    made.clean(http).await;
}

/// Feature `own_tokens`: users list their own job tokens; `user_id` and
/// `label` filters.
async fn own_tokens(http: &Http, accounts: &Accounts, r: &mut Report) {
    let admin = login(http, &accounts.admin).await;
    let user = login(http, &accounts.user).await;
    let other = login(http, &accounts.other).await;
    let (admin, user, other) = (admin.as_str(), user.as_str(), other.as_str());
    let mut made = Made::default();
    const JOBS: &str = "/api/job_token";
    let user_id = http.call(Method::GET, "/api/whoami", Some(user), None).await.json["user_id"].clone();
    let other_id = http
        .call(Method::GET, "/api/whoami", Some(other), None)
        .await
        .json["user_id"]
        .clone();

    // The user's tokens: one with the label, one whose label starts with
    // it (an exact filter leaves it out), one without; then the other
    // user's with the label, after them.
    let label = format!("{} + 100% & caf\u{e9} \u{2713}", fresh_key("own label"));
    let encoded = percent_encode(&label);
    let as_form = encoded.replace("%20", "+");
    let mine = made
        .create(http, JOBS, user, json!({ "label": label, "duration": 3600 }))
        .await;
    let longer = made
        .create(
            http,
            JOBS,
            user,
            json!({ "label": format!("{label}x"), "duration": 3600 }),
        )
        .await;
    let unnamed = made.create(http, JOBS, user, json!({ "duration": 3600 })).await;
    let theirs = made
        .create(http, JOBS, other, json!({ "label": label, "duration": 3600 }))
        .await;
    let user_made = [mine.id, longer.id, unnamed.id];

    // Who sees what.
    let own = list_all(http, user, "").await;
    r.check(
        "own_tokens: a user's login token lists their own job tokens (200) and none of another user's",
        own.as_ref().is_ok_and(|items| {
            let listed = ids(items);
            user_made.iter().all(|id| listed.contains(id))
                && !listed.contains(&theirs.id)
                && items.iter().all(|t| t["user_id"] == user_id)
        }),
        || shown_list(&own),
    );
    let all = list_all(http, admin, "").await;
    r.check(
        "own_tokens: an admin lists every user's job tokens",
        all.as_ref().is_ok_and(|items| {
            let listed = ids(items);
            user_made.iter().chain([&theirs.id]).all(|id| listed.contains(id))
        }),
        || shown_list(&all),
    );
    let by_user = list_all(http, admin, &format!("&user_id={other_id}")).await;
    r.check(
        "own_tokens: an admin's user_id=N lists that user's job tokens only",
        by_user.as_ref().is_ok_and(|items| {
            ids(items).contains(&theirs.id) && items.iter().all(|t| t["user_id"] == other_id)
        }),
        || shown_list(&by_user),
    );
    let reply = http
        .call(
            Method::GET,
            &format!("{JOBS}?user_id={other_id}"),
            Some(user),
            None,
        )
        .await;
    r.check(
        "own_tokens: a user asking for another user's user_id is 403",
        is_error(&reply, 403),
        || shown(&reply),
    );
    let by_self = list_all(http, user, &format!("&user_id={user_id}")).await;
    r.check(
        "own_tokens: a user asking for their own user_id is 200 with their own job tokens",
        match (&by_self, &own) {
            (Ok(by_self), Ok(own)) => ids(by_self) == ids(own),
            _ => false,
        },
        || format!("{}; without user_id: {}", shown_list(&by_self), shown_list(&own)),
    );

    // The label filter: exact, percent-encoded, `+` for a space.
    for (name, token, query, expected) in [
        (
            "own_tokens: label= (a label with a space, +, &, % and non-ASCII, each byte percent-encoded) filters \
             a user's list to their job tokens with exactly that label",
            user,
            format!("&label={encoded}"),
            vec![mine.id],
        ),
        (
            "own_tokens: label= filters an admin's list to every user's job tokens with exactly that label",
            admin,
            format!("&label={encoded}"),
            vec![mine.id, theirs.id],
        ),
        (
            "own_tokens: label= with + for each space filters a user's list as %20 does",
            user,
            format!("&label={as_form}"),
            vec![mine.id],
        ),
    ] {
        let list = list_all(http, token, &query).await;
        r.check(
            name,
            list.as_ref().is_ok_and(|items| ids(items) == expected),
            || format!("expected {expected:?}, {}", shown_list(&list)),
        );
    }
    for (what, query, token) in [
        ("a label with a bad escape (%zz)", "label=%zz", user),
        ("a label that is not UTF-8 (%FF)", "label=%FF", user),
        ("a user_id with a leading zero", "user_id=01", admin),
        ("a user_id that is not an integer", "user_id=me", admin),
    ] {
        let reply = http
            .call(Method::GET, &format!("{JOBS}?{query}"), Some(token), None)
            .await;
        r.check(
            format!("own_tokens: {what} is 400"),
            is_error(&reply, 400),
            || shown(&reply),
        );
    }

    // Paging over what matches: one by one, with next_after null on the
    // last page (the other user's token comes after the user's last).
    for (what, token, query, expected) in [
        (
            "a user's pages of limit=1 walk their own job tokens one by one",
            user,
            String::new(),
            own.as_ref().map(|items| ids(items)).unwrap_or_default(),
        ),
        (
            "an admin's pages of limit=1 with label= walk the matching job tokens one by one",
            admin,
            format!("&label={encoded}"),
            vec![mine.id, theirs.id],
        ),
    ] {
        let (mut walked, mut after, mut pages, mut ok) = (Vec::<i64>::new(), None::<i64>, 0usize, true);
        while pages <= expected.len() {
            let path = match after {
                Some(a) => format!("{JOBS}?limit=1{query}&after={a}"),
                None => format!("{JOBS}?limit=1{query}"),
            };
            let reply = http.call(Method::GET, &path, Some(token), None).await;
            let page = reply.json["job_tokens"]
                .as_array()
                .map(|items| ids(items))
                .unwrap_or_default();
            ok &= reply.status == 200 && page.len() == 1;
            walked.extend(&page);
            pages += 1;
            match reply.json["next_after"].as_i64() {
                Some(next) => {
                    ok &= Some(&next) == page.last();
                    after = Some(next);
                }
                None => break,
            }
        }
        r.check(
            format!("own_tokens: {what}, next_after = last id, null on the last"),
            ok && !expected.is_empty() && walked == expected && pages == expected.len(),
            || format!("{pages} pages, ids {walked:?}, expected {expected:?}"),
        );
    }

    // Who may not list.
    let job = made.create(http, JOBS, user, json!({ "duration": 3600 })).await;
    let key = made
        .create(http, "/api/api_key", admin, json!({ "duration": 3600 }))
        .await;
    for (what, path, token) in [
        ("job_token.list with a job token", JOBS, job.secret.as_str()),
        ("job_token.list with an API key", JOBS, key.secret.as_str()),
        ("api_key.list with a user's login token", "/api/api_key", user),
    ] {
        let reply = http.call(Method::GET, path, Some(token), None).await;
        r.check(
            format!("own_tokens: {what} is 403"),
            is_error(&reply, 403),
            || shown(&reply),
        );
    }
    let reply = http
        .call(
            Method::GET,
            "/api/api_key?limit=1&user_id=me&label=%zz",
            Some(admin),
            None,
        )
        .await;
    r.check(
        "own_tokens: api_key.list ignores user_id and label (200 for values a job token list refuses)",
        reply.status == 200,
        || shown(&reply),
    );

    made.clean(http).await;
}

/// Feature `rotation`: `POST /api/job_token/{id}/rotate` and `POST
/// /api/api_key/{id}/rotate`, grace periods, and what `self` and
/// `idempotency` add to them when offered.
async fn rotation(
    http: &Http,
    accounts: &Accounts,
    r: &mut Report,
    options: &Options<'_>,
    features: &[String],
) {
    let admin = login(http, &accounts.admin).await;
    let user = login(http, &accounts.user).await;
    let other = login(http, &accounts.other).await;
    let (admin, user, other) = (admin.as_str(), user.as_str(), other.as_str());
    let offers_self = features.iter().any(|f| f == "self");
    let offers_keys = features.iter().any(|f| f == "idempotency");
    let mut made = Made::default();
    const JOBS: &str = "/api/job_token";
    const KEYS: &str = "/api/api_key";
    let body = json!({ "label": "conformance-rotation", "duration": 3600 });
    let grace = grace_seconds(options);
    let with_grace = json!({ "grace_seconds": grace });
    let rotate = |path: &str, id: i64| format!("{path}/{id}/rotate");

    // Who may rotate a job token: refusals, then its owner, then an admin.
    let job = made.create(http, JOBS, user, body.clone()).await;
    let caller_job = made.create(http, JOBS, user, json!({ "duration": 3600 })).await;
    let caller_key = made.create(http, KEYS, admin, json!({ "duration": 3600 })).await;
    let mut answers = Vec::new();
    for (caller, token, status) in [
        ("no token", None, 401),
        ("a job token", Some(caller_job.secret.as_str()), 403),
        ("an API key", Some(caller_key.secret.as_str()), 403),
        ("another user", Some(other), 404),
        ("the owner", Some(user), 200),
        ("an admin", Some(admin), 200),
    ] {
        let reply = http
            .call(Method::POST, &rotate(JOBS, job.id), token, Some(json!({})))
            .await;
        let ok = match status {
            200 => reply.status == 200,
            status => is_error(&reply, status),
        };
        r.check(
            format!("rotation: job_token.rotate by {caller} is {status}"),
            ok,
            || shown(&reply),
        );
        if status == 200 {
            answers.push(reply);
        }
    }
    let key = made.create(http, KEYS, admin, body.clone()).await;
    let refused = http
        .call(Method::POST, &rotate(KEYS, key.id), Some(user), Some(json!({})))
        .await;
    r.check(
        "rotation: api_key.rotate by a user is 403",
        is_error(&refused, 403),
        || shown(&refused),
    );
    let key_rotated = http
        .call(Method::POST, &rotate(KEYS, key.id), Some(admin), Some(json!({})))
        .await;
    r.check(
        "rotation: api_key.rotate by an admin is 200",
        key_rotated.status == 200,
        || shown(&key_rotated),
    );

    // The answer: the same record, a new secret, rotated_at.
    let by_owner = answers.first().unwrap_or(&refused);
    let by_admin = answers.get(1).unwrap_or(&refused);
    for (what, created, rotated, id_field, secret_field) in [
        ("job_token.rotate", &job, by_owner, "token_id", "token"),
        ("api_key.rotate", &key, &key_rotated, "api_key_id", "api_key"),
    ] {
        let same = [
            id_field,
            "user_id",
            "label",
            "duration",
            "created_at",
            "expires_at",
        ]
        .iter()
        .all(|field| rotated.json[field] == created.reply.json[field]);
        let new = secret_of(rotated);
        r.check(
            format!(
                "rotation: {what} answers the same {id_field}, label, duration, created_at and expires_at, \
                 a new {secret_field} and rotated_at"
            ),
            rotated.status == 200
                && same
                && rotated.json[secret_field].is_string()
                && !new.is_empty()
                && new != created.secret
                && rotated.json["rotated_at"]
                    .as_u64()
                    .is_some_and(|at| created.reply.json["created_at"].as_u64() <= Some(at)),
            || format!("created: {}; rotated: {}", shown(&created.reply), shown(rotated)),
        );
    }
    let (first, second) = (secret_of(by_owner), secret_of(by_admin));
    let statuses = [
        whoami_status(http, &job.secret).await,
        whoami_status(http, &first).await,
        whoami_status(http, &second).await,
    ];
    r.check(
        "rotation: without grace each old secret is 401 at once and the newest works",
        statuses == [401, 401, 200] && first != second && first != job.secret && second != job.secret,
        || format!("whoami with the original, first and second secrets: {statuses:?}"),
    );
    let key_statuses = [
        whoami_status(http, &key.secret).await,
        whoami_status(http, &secret_of(&key_rotated)).await,
    ];
    r.check(
        "rotation: without grace an API key's old secret is 401 at once and the new one works",
        key_statuses == [401, 200],
        || format!("whoami with the old and new secrets: {key_statuses:?}"),
    );

    // Refused rotations: 400 and 404, changing nothing.
    for (what, rotation_body) in [
        ("a negative grace", json!({ "grace_seconds": -1 })),
        ("a grace over a day (86401)", json!({ "grace_seconds": 86_401 })),
        ("a string grace", json!({ "grace_seconds": "10" })),
        ("a null grace", json!({ "grace_seconds": null })),
        ("a fractional grace", json!({ "grace_seconds": 1.5 })),
        ("a body that is not an object", json!([1])),
    ] {
        let reply = http
            .call(
                Method::POST,
                &rotate(JOBS, job.id),
                Some(user),
                Some(rotation_body),
            )
            .await;
        r.check(format!("rotation: {what} is 400"), is_error(&reply, 400), || {
            shown(&reply)
        });
    }
    for (what, path, token) in [("job_token.rotate", JOBS, user), ("api_key.rotate", KEYS, admin)] {
        let reply = http
            .call(
                Method::POST,
                &rotate(path, NO_SUCH_ID),
                Some(token),
                Some(json!({})),
            )
            .await;
        r.check(
            format!("rotation: {what} of an unknown id is 404"),
            is_error(&reply, 404),
            || shown(&reply),
        );
    }
    let still = whoami_status(http, &second).await;
    r.check(
        "rotation: refused rotations changed nothing: the current secret still works",
        still == 200,
        || format!("whoami with the current secret: {still}"),
    );

    // Reads and lists show rotated_at.
    let read = http
        .call(Method::GET, &format!("{JOBS}/{}", job.id), Some(user), None)
        .await;
    r.check(
        "rotation: job_token.read of a rotated token shows rotated_at, the last rotation's",
        read.status == 200
            && read.json["rotated_at"].is_u64()
            && read.json["rotated_at"] == by_admin.json["rotated_at"]
            && read.json.get("token").is_none(),
        || shown(&read),
    );
    let item = listed(http, admin, JOBS, job.id).await;
    r.check(
        "rotation: job_token.list shows rotated_at for a rotated token",
        item.as_ref().is_some_and(|item| {
            item["rotated_at"] == by_admin.json["rotated_at"] && item["rotated_at"].is_u64()
        }),
        || format!("listed: {item:?}"),
    );
    let read = http
        .call(Method::GET, &format!("{KEYS}/{}", key.id), Some(admin), None)
        .await;
    r.check(
        "rotation: api_key.read of a rotated key shows rotated_at",
        read.status == 200
            && read.json["rotated_at"] == key_rotated.json["rotated_at"]
            && read.json["rotated_at"].is_u64(),
        || shown(&read),
    );
    let read = http
        .call(
            Method::GET,
            &format!("{JOBS}/{}", caller_job.id),
            Some(user),
            None,
        )
        .await;
    let item = listed(http, admin, JOBS, caller_job.id).await;
    r.check(
        "rotation: a token never rotated has no rotated_at in reads and lists",
        read.status == 200
            && read.json.get("rotated_at").is_none()
            && item.is_some_and(|item| item.get("rotated_at").is_none()),
        || shown(&read),
    );

    // Grace periods. Each old secret is checked within the first second
    // of its grace; the ends are checked after one wait.
    let graced = made.create(http, JOBS, user, body.clone()).await;
    let reply = http
        .call(
            Method::POST,
            &rotate(JOBS, graced.id),
            Some(user),
            Some(with_grace.clone()),
        )
        .await;
    let graced_new = secret_of(&reply);
    let statuses = [
        whoami_status(http, &graced.secret).await,
        whoami_status(http, &graced_new).await,
    ];
    r.check(
        "rotation: with grace_seconds the old secret works during its grace, beside the new one",
        reply.status == 200 && statuses == [200, 200],
        || {
            format!(
                "{}; whoami with the old and new secrets: {statuses:?}",
                shown(&reply)
            )
        },
    );
    const SELF_ROTATE_IN_GRACE: &str =
        "rotation: an old secret in its grace calling POST /api/token/self/rotate is 403";
    if offers_self {
        let reply = http
            .call(
                Method::POST,
                "/api/token/self/rotate",
                Some(&graced.secret),
                Some(json!({})),
            )
            .await;
        let new_works = whoami_status(http, &graced_new).await;
        r.check(
            SELF_ROTATE_IN_GRACE,
            is_error(&reply, 403) && new_works == 200,
            || format!("{}; the new secret then: {new_works}", shown(&reply)),
        );
    } else {
        r.skip(SELF_ROTATE_IN_GRACE, "needs the feature `self` too");
    }

    // Rotated twice: the first old secret keeps its grace, the second
    // (rotated away without one) is refused at once.
    let twice = made.create(http, JOBS, user, body.clone()).await;
    let once = http
        .call(
            Method::POST,
            &rotate(JOBS, twice.id),
            Some(user),
            Some(with_grace.clone()),
        )
        .await;
    let again = http
        .call(Method::POST, &rotate(JOBS, twice.id), Some(user), Some(json!({})))
        .await;
    let secrets = [twice.secret.clone(), secret_of(&once), secret_of(&again)];
    r.check(
        "rotation: a token rotated twice gets a new secret each time, with the same id",
        once.status == 200
            && again.status == 200
            && id_of(&once) == twice.id
            && id_of(&again) == twice.id
            && !secrets[1].is_empty()
            && !secrets[2].is_empty()
            && secrets[0] != secrets[1]
            && secrets[1] != secrets[2]
            && secrets[0] != secrets[2],
        || format!("first: {}; second: {}", shown(&once), shown(&again)),
    );
    let mut twice_statuses = Vec::new();
    for secret in &secrets {
        twice_statuses.push(whoami_status(http, secret).await);
    }
    r.check(
        "rotation: rotated twice, each old secret keeps its own grace: the first (with grace) works, the second \
         (without) is 401",
        twice_statuses == [200, 401, 200],
        || format!("whoami with the original, first and second secrets: {twice_statuses:?}"),
    );

    // Revoking with an old secret ends only its grace; with the current
    // one (or deleting the token), every grace.
    const REVOKE_OLD: &str =
        "rotation: DELETE /api/token/self with an old secret in its grace revokes only it: it is 401, the token and \
         its new secret stay";
    const REVOKE_CURRENT: &str =
        "rotation: DELETE /api/token/self with the current secret deletes the token: its old secret in its grace \
         is 401 too";
    if offers_self {
        let kept = made.create(http, JOBS, user, body.clone()).await;
        let rotated = http
            .call(
                Method::POST,
                &rotate(JOBS, kept.id),
                Some(user),
                Some(with_grace.clone()),
            )
            .await;
        let revoked = http
            .call(Method::DELETE, "/api/token/self", Some(&kept.secret), None)
            .await;
        let old = whoami_status(http, &kept.secret).await;
        let new = whoami_status(http, &secret_of(&rotated)).await;
        let read = http
            .call(Method::GET, &format!("{JOBS}/{}", kept.id), Some(user), None)
            .await;
        r.check(
            REVOKE_OLD,
            rotated.status == 200
                && (revoked.status == 204 || revoked.status == 200)
                && old == 401
                && new == 200
                && read.status == 200,
            || {
                format!(
                    "revoke: {}; old secret: {old}; new secret: {new}; read: {}",
                    shown(&revoked),
                    shown(&read)
                )
            },
        );
        let gone = made.create(http, JOBS, user, body.clone()).await;
        let rotated = http
            .call(
                Method::POST,
                &rotate(JOBS, gone.id),
                Some(user),
                Some(with_grace.clone()),
            )
            .await;
        let revoked = http
            .call(
                Method::DELETE,
                "/api/token/self",
                Some(&secret_of(&rotated)),
                None,
            )
            .await;
        let old = whoami_status(http, &gone.secret).await;
        let new = whoami_status(http, &secret_of(&rotated)).await;
        let read = http
            .call(Method::GET, &format!("{JOBS}/{}", gone.id), Some(user), None)
            .await;
        r.check(
            REVOKE_CURRENT,
            rotated.status == 200
                && (revoked.status == 204 || revoked.status == 200)
                && old == 401
                && new == 401
                && is_error(&read, 404),
            || {
                format!(
                    "revoke: {}; old secret: {old}; new secret: {new}; read: {}",
                    shown(&revoked),
                    shown(&read)
                )
            },
        );
    } else {
        r.skip(REVOKE_OLD, "needs the feature `self` too");
        r.skip(REVOKE_CURRENT, "needs the feature `self` too");
    }
    let deleted = made.create(http, JOBS, user, body.clone()).await;
    let rotated = http
        .call(
            Method::POST,
            &rotate(JOBS, deleted.id),
            Some(user),
            Some(with_grace.clone()),
        )
        .await;
    let delete = http
        .call(
            Method::DELETE,
            &format!("{JOBS}/{}", deleted.id),
            Some(user),
            None,
        )
        .await;
    let old = whoami_status(http, &deleted.secret).await;
    r.check(
        "rotation: deleting a token ends its old secret's grace (401)",
        rotated.status == 200 && (delete.status == 204 || delete.status == 200) && old == 401,
        || format!("delete: {}; old secret: {old}", shown(&delete)),
    );

    // Replays by key: the same new secret, and no second rotation.
    const REPLAY: &str =
        "rotation: job_token.rotate again with the same Idempotency-Key and body is replayed: the same new secret, \
         with Idempotent-Replayed: true";
    const REPLAY_ONCE: &str =
        "rotation: a replayed rotation did not rotate again: its new secret still works";
    const SELF_KEY_PER_TOKEN: &str =
        "rotation: on /api/token/self/rotate a key belongs to the token: another job token of the same user \
         sending the same key and body is 422";
    const SELF_REPLAY: &str =
        "rotation: a self-rotation re-sent with its key by the old secret in its grace is replayed: the same new \
         secret";
    if offers_keys {
        let keyed = made.create(http, JOBS, user, body.clone()).await;
        let key = fresh_key("rotate");
        let first = http
            .create_keyed(&rotate(JOBS, keyed.id), user, key.as_bytes(), &json!({}))
            .await;
        let again = http
            .create_keyed(&rotate(JOBS, keyed.id), user, key.as_bytes(), &json!({}))
            .await;
        let new = secret_of(&first);
        r.check(
            REPLAY,
            first.status == 200
                && !first.replayed()
                && again.status == 200
                && again.replayed()
                && !new.is_empty()
                && secret_of(&again) == new,
            || format!("first: {}; again: {}", shown(&first), shown(&again)),
        );
        let statuses = [
            whoami_status(http, &keyed.secret).await,
            whoami_status(http, &new).await,
        ];
        r.check(REPLAY_ONCE, statuses == [401, 200], || {
            format!("whoami with the old and new secrets: {statuses:?}")
        });
        if offers_self {
            let mine = made.create(http, JOBS, user, body.clone()).await;
            let sibling = made.create(http, JOBS, user, body.clone()).await;
            let key = fresh_key("rotate-self");
            let first = http
                .create_keyed(
                    "/api/token/self/rotate",
                    &mine.secret,
                    key.as_bytes(),
                    &with_grace,
                )
                .await;
            let resent = http
                .create_keyed(
                    "/api/token/self/rotate",
                    &mine.secret,
                    key.as_bytes(),
                    &with_grace,
                )
                .await;
            let theirs = http
                .create_keyed(
                    "/api/token/self/rotate",
                    &sibling.secret,
                    key.as_bytes(),
                    &with_grace,
                )
                .await;
            r.check(
                SELF_REPLAY,
                first.status == 200
                    && resent.status == 200
                    && resent.replayed()
                    && !secret_of(&first).is_empty()
                    && secret_of(&resent) == secret_of(&first),
                || format!("first: {}; re-sent: {}", shown(&first), shown(&resent)),
            );
            let sibling_works = whoami_status(http, &sibling.secret).await;
            r.check(
                SELF_KEY_PER_TOKEN,
                is_error(&theirs, 422) && secret_of(&theirs).is_empty() && sibling_works == 200,
                || {
                    format!(
                        "{}; the other token's secret then: {sibling_works}",
                        shown(&theirs)
                    )
                },
            );
        } else {
            r.skip(SELF_REPLAY, "needs the feature `self` too");
            r.skip(SELF_KEY_PER_TOKEN, "needs the feature `self` too");
        }
    } else {
        for name in [REPLAY, REPLAY_ONCE, SELF_REPLAY, SELF_KEY_PER_TOKEN] {
            r.skip(name, "needs the feature `idempotency` too");
        }
    }

    // The graces end: one wait (or one move of the clock) past them all.
    pass(options, tokio::time::Instant::now(), grace + 1).await;
    let statuses = [
        whoami_status(http, &graced.secret).await,
        whoami_status(http, &graced_new).await,
    ];
    r.check(
        "rotation: after the grace the old secret is 401 and the new one works",
        statuses == [401, 200],
        || format!("whoami with the old and new secrets: {statuses:?}"),
    );
    let mut twice_statuses = Vec::new();
    for secret in &secrets {
        twice_statuses.push(whoami_status(http, secret).await);
    }
    r.check(
        "rotation: rotated twice, after the first grace ends both old secrets are 401 and the newest works",
        twice_statuses == [401, 401, 200],
        || format!("whoami with the original, first and second secrets: {twice_statuses:?}"),
    );
    // A secret rotated away cannot rotate again, and revokes nothing.
    let mut refusals = vec![
        http.call(
            Method::POST,
            &rotate(JOBS, graced.id),
            Some(&graced.secret),
            Some(json!({})),
        )
        .await,
    ];
    if offers_self {
        refusals.push(
            http.call(
                Method::POST,
                "/api/token/self/rotate",
                Some(&graced.secret),
                Some(json!({})),
            )
            .await,
        );
    }
    let new_works = whoami_status(http, &graced_new).await;
    r.check(
        "rotation: rotating with a secret rotated away after its grace is 401, and the new secret still works",
        refusals.iter().all(|reply| is_error(reply, 401)) && new_works == 200,
        || {
            let refusals: Vec<String> = refusals.iter().map(shown).collect();
            format!("{}; the new secret then: {new_works}", refusals.join("; "))
        },
    );

    made.clean(http).await;
}
