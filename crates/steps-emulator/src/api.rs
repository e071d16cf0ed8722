//! The request pipeline: the check order of `docs/protocol.md` in one
//! place. Route (404, 405; a route newer than the protocol served is not
//! there), fault rules, size (413) and the body-read deadline, content type
//! (415), authentication (401), authorisation (403), the idempotency key
//! where the route takes one and the protocol offers it (400, 409, 422, or
//! a replay), then the route's handler, which validates (400) and looks up
//! (404).
//!
//! Before all of it, a request under `/_steps/` goes to the control plane
//! when it is on and the peer is on loopback (see [`crate::control`]);
//! otherwise it is a path like any other (404).

use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::request::Parts;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};

use crate::body::ResponseBody;
use crate::faults::{self, Struck};
use crate::handlers::Call;
use crate::idempotency::{self, Step};
use crate::protocol::{Feature, ProtocolVersion};
use crate::render::{Failure, Handled, Outcome};
use crate::routes::{self, Caller, Found, Idempotency};
use crate::secret::TokenKind;
use crate::state::State;
use crate::store::Identity;

/// The largest request body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// One request's context: who sent it, and what the pipeline learned of
/// it on the way, for the journal. Shared with the task that handles it,
/// so that what was learned survives a handler's panic.
pub(crate) struct Exchange {
    /// The peer's address; `None` where there is no socket (tests, fuzzing).
    peer: Option<IpAddr>,
    trace: Mutex<Trace>,
}

/// What the pipeline learned of a request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trace {
    pub(crate) request_id: String,
    /// The operation routed to.
    pub(crate) operation: Option<&'static str>,
    /// The caller's user id and token type, once authenticated.
    pub(crate) caller: Option<(i64, u8)>,
    /// Whether a fault rule hit it.
    pub(crate) fault: bool,
    /// Whether the control plane answered it (it is not journaled).
    pub(crate) control: bool,
    /// The emulator's time when it arrived.
    pub(crate) time: u64,
}

impl Exchange {
    /// A request from `peer`.
    pub(crate) fn from_peer(peer: Option<IpAddr>) -> Exchange {
        Exchange {
            peer,
            trace: Mutex::new(Trace::default()),
        }
    }

    /// What was learned of it.
    pub(crate) fn trace(&self) -> Trace {
        self.trace.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn note(&self, learn: impl FnOnce(&mut Trace)) {
        learn(&mut self.trace.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// The request is answered by closing the connection (see
/// [`Outcome::Close`]); hyper closes it when the service fails.
#[derive(Debug)]
pub(crate) struct CloseConnection;

impl std::fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "connection closed on purpose (a fault rule, or a request body that broke off or came too late)",
        )
    }
}

impl std::error::Error for CloseConnection {}

/// Answers one request, with an `x-request-id`. `Err` closes the
/// connection without an answer.
pub(crate) async fn handle<B>(
    state: &State,
    request: Request<B>,
    exchange: &Exchange,
) -> Result<Response<ResponseBody>, CloseConnection>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let request_id = state.next_request_id();
    exchange.note(|trace| {
        trace.request_id = request_id.clone();
        trace.time = state.now();
    });
    let path = request.uri().path();
    let control_path = path == "/_steps" || path.starts_with("/_steps/");
    // An IPv4 peer of a dual-stack listener shows as `::ffff:a.b.c.d`.
    let loopback = exchange.peer.is_none_or(|ip| ip.to_canonical().is_loopback());
    let outcome = if control_path && state.control() && loopback {
        exchange.note(|trace| trace.control = true);
        let (parts, body) = request.into_parts();
        match read_body(
            &parts.headers,
            body,
            state.body_read_timeout(),
            crate::control::MAX_BODY_BYTES,
        )
        .await
        {
            Ok(body) => match crate::control::answer(state, &parts, &body) {
                Ok(response) => Outcome::Respond(response),
                Err(failure) => failure.into(),
            },
            Err(ended) => ended,
        }
    } else {
        answer(state, request, exchange).await
    };
    let mut response = match outcome {
        Outcome::Respond(response) => response,
        Outcome::Close => return Err(CloseConnection),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

/// The checks, in the spec's order.
async fn answer<B>(state: &State, request: Request<B>, exchange: &Exchange) -> Outcome
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (parts, body) = request.into_parts();
    // 404, 405.
    let found = match routes::find(&parts.method, parts.uri.path(), state.protocol()) {
        Ok(found) => found,
        Err(failure) => return failure.into(),
    };
    let operation = found.route.operation;
    state.count_request(operation);
    // Faults: delays now; an answer that replaces the handler's once the
    // body is read, so that the client has finished sending; delays and
    // panics inside the handler once the checks have passed.
    let hits = state.fault_hits(operation);
    exchange.note(|trace| {
        trace.operation = Some(operation);
        trace.fault = !hits.is_empty();
    });
    let struck = faults::strike(&hits).await;
    // 413, and the body-read deadline.
    let body = match read_body(&parts.headers, body, state.body_read_timeout(), MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(ended) => return ended,
    };
    if let Some(outcome) = struck.replacement {
        return outcome;
    }
    let outcome = match checked(state, &found, &parts, &body, &struck, exchange).await {
        Ok(response) => Outcome::Respond(response),
        Err(failure) => failure.into(),
    };
    if struck.close_after_handling {
        // The handler has run, and its effect stays; its answer is lost.
        return Outcome::Close;
    }
    outcome
}

/// The body, at most `max` bytes: 413 over it, before it is read in full
/// when its length is declared. A body that has not arrived in full within
/// `deadline` (a client that declares a length and sends nothing) ends the
/// request by closing the connection, so that it cannot hold the
/// connection for ever.
async fn read_body<B>(headers: &HeaderMap, body: B, deadline: Duration, max: usize) -> Result<Bytes, Outcome>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let too_large = || {
        Outcome::from(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {} KiB", max / 1024),
        ))
    };
    if let Some(length) = headers.get(header::CONTENT_LENGTH) {
        let length = length.to_str().ok().and_then(|l| l.parse::<u64>().ok());
        if length.is_none_or(|l| l > max as u64) {
            return Err(too_large());
        }
    }
    match tokio::time::timeout(deadline, Limited::new(body, max).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(_)) => Err(Outcome::Close),
        Err(_) => {
            tracing::debug!("the request body did not arrive within {deadline:?}; closing");
            Err(Outcome::Close)
        }
    }
}

/// 415, 401, 403, the idempotency key (400, 409, 422, or a replay), then
/// the faults that act inside the handler, then the handler (400, 404).
async fn checked(
    state: &State,
    found: &Found<'_>,
    parts: &Parts,
    body: &[u8],
    struck: &Struck,
    exchange: &Exchange,
) -> Handled {
    let route = found.route;
    if route.takes_body() && !is_json(&parts.headers) {
        return Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be application/json",
        ));
    }
    let now = state.now();
    let identity = authenticate(state, route.caller, &parts.headers, now)?;
    if let Some(who) = &identity {
        exchange.note(|trace| trace.caller = Some((who.user_id, who.kind as u8)));
    }
    authorise(route.caller, identity.as_ref(), state.protocol())?;
    // Held until the handler has answered; dropped early (a panic), it
    // frees the key.
    let claim = if route.idempotency == Idempotency::Keyed && state.protocol().offers(Feature::Idempotency) {
        match idempotency::check(state, identity, parts, body, now) {
            Step::Handle(claim) => claim,
            Step::Answer(answer) => return answer,
        }
    } else {
        None
    };
    struck.in_handler(route.operation).await;
    let handled = route.handler.run(&Call {
        state,
        identity,
        id: found.id,
        query: parts.uri.query().unwrap_or(""),
        body,
        now,
    });
    if let Some(claim) = claim {
        claim.settle(&handled);
    }
    handled
}

/// 401: who presented the bearer token, on routes that need one.
fn authenticate(
    state: &State,
    caller: Caller,
    headers: &HeaderMap,
    now: u64,
) -> Result<Option<Identity>, Failure> {
    if caller == Caller::Anyone {
        return Ok(None);
    }
    bearer(headers)
        .and_then(|token| state.store().authenticate(token, now))
        .map(Some)
        .ok_or_else(Failure::no_valid_token)
}

/// 403: whether the token may call the route in `protocol`.
fn authorise(caller: Caller, identity: Option<&Identity>, protocol: ProtocolVersion) -> Result<(), Failure> {
    let login_token = identity.is_some_and(|who| who.kind == TokenKind::Login);
    let admin = identity.is_some_and(|who| who.is_admin);
    let forbidden = |message| Err(Failure::new(StatusCode::FORBIDDEN, message));
    let caller = match caller {
        Caller::AdminUnless(feature) if protocol.offers(feature) => Caller::LoginToken,
        Caller::AdminUnless(_) => Caller::Admin,
        caller => caller,
    };
    match caller {
        Caller::Anyone | Caller::AnyToken => Ok(()),
        Caller::IssuedToken if login_token => forbidden("this operation needs a job token or an API key"),
        Caller::IssuedToken => Ok(()),
        Caller::LoginToken | Caller::Admin | Caller::AdminUnless(_) if !login_token => {
            forbidden("this operation needs a login token")
        }
        Caller::Admin | Caller::AdminUnless(_) if !admin => forbidden("admin required"),
        Caller::LoginToken | Caller::Admin | Caller::AdminUnless(_) => Ok(()),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::{Method, Request};
    use http_body_util::{BodyExt, Full};
    use serde_json::Value;

    use std::time::Duration;

    use super::*;
    use crate::clock::Clock;
    use crate::faults::FaultSet;
    use crate::store::{Sizes, Store};
    use crate::{Account, ProtocolVersion};

    /// One request through the whole pipeline (no socket); the JSON answer.
    async fn call(state: &State, method: Method, path: &str, token: Option<&str>, body: &str) -> Value {
        call_keyed(state, method, path, token, None, body).await
    }

    /// [`call`] with an `Idempotency-Key`.
    async fn call_keyed(
        state: &State,
        method: Method,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: &str,
    ) -> Value {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let request = request.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
        let response = handle(state, request, &Exchange::from_peer(None))
            .await
            .expect("an answer");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        }
    }

    /// The "flat memory" proof: under a loop of logins, creates and
    /// deletes on the emulator's movable clock, the store holds what is
    /// live and nothing more, however long the loop runs.
    #[tokio::test]
    async fn the_store_stays_flat_under_a_login_and_create_loop() {
        let accounts = [Account::admin("admin@x", "pw")];
        let state = State::new(
            Store::new(&accounts, 60),
            Clock::frozen(),
            FaultSet::default(),
            Duration::from_secs(30),
            ProtocolVersion::V2,
        );
        let login = r#"{"email":"admin@x","password":"pw"}"#;
        let mut largest = Sizes {
            secrets: 0,
            records: 0,
            expiring: 0,
            keys: 0,
        };
        for _ in 0..2_000 {
            let token = call(&state, Method::POST, "/api/login", None, login).await["token"]
                .as_str()
                .expect("a login token")
                .to_owned();
            for (kind, duration) in [("job_token", 30), ("api_key", 20)] {
                let created = call(
                    &state,
                    Method::POST,
                    &format!("/api/{kind}"),
                    Some(&token),
                    &format!(r#"{{"duration":{duration}}}"#),
                )
                .await;
                assert!(created["duration"] == duration, "{created}");
            }
            // A long-lived token, deleted at once: nothing of it stays.
            let kept = call(&state, Method::POST, "/api/job_token", Some(&token), "{}").await;
            let id = kept["token_id"].as_i64().expect("an id");
            call(
                &state,
                Method::DELETE,
                &format!("/api/job_token/{id}"),
                Some(&token),
                "",
            )
            .await;
            state.advance_clock(Duration::from_secs(1));
            let sizes = state.store().sizes();
            largest.secrets = largest.secrets.max(sizes.secrets);
            largest.records = largest.records.max(sizes.records);
            largest.expiring = largest.expiring.max(sizes.expiring);
        }
        // Live at any moment: the logins of the last 60 s, the job tokens
        // of the last 30 s and the API keys of the last 20 s.
        assert!(largest.secrets <= 60 + 30 + 20, "{largest:?}");
        assert!(largest.records <= 30 + 20, "{largest:?}");
        assert_eq!(largest.expiring, largest.secrets, "{largest:?}");
        assert_eq!(state.token_counts(), (29, 19));
        // Once everything has expired, nothing is left.
        state.advance_clock(Duration::from_secs(60));
        let empty = Sizes {
            secrets: 0,
            records: 0,
            expiring: 0,
            keys: 0,
        };
        assert_eq!(state.store().sizes(), empty);
    }

    /// Remembered idempotency keys go the way of expired tokens: purged
    /// through the expiry index once their 86,400 s have passed, whatever
    /// the tokens they created did meanwhile.
    #[tokio::test]
    async fn remembered_keys_are_purged_when_they_expire() {
        let accounts = [Account::admin("admin@x", "pw")];
        let state = State::new(
            Store::new(&accounts, 60),
            Clock::frozen(),
            FaultSet::default(),
            Duration::from_secs(30),
            ProtocolVersion::V2,
        );
        let login = r#"{"email":"admin@x","password":"pw"}"#;
        let token = call(&state, Method::POST, "/api/login", None, login).await["token"]
            .as_str()
            .expect("a login token")
            .to_owned();
        for i in 0..50 {
            let key = format!("key-{i}");
            for kind in ["job_token", "api_key"] {
                let path = format!("/api/{kind}");
                let body = r#"{"duration":30}"#;
                let first = call_keyed(&state, Method::POST, &path, Some(&token), Some(&key), body).await;
                let again = call_keyed(&state, Method::POST, &path, Some(&token), Some(&key), body).await;
                assert_eq!(first, again, "a replay");
            }
            // A refused request keeps nothing.
            let refused = call_keyed(
                &state,
                Method::POST,
                "/api/job_token",
                Some(&token),
                Some(&format!("refused-{i}")),
                r#"{"duration":0}"#,
            )
            .await;
            assert!(refused["error"].is_string(), "{refused}");
        }
        // One key per collection: the same key on another path is another
        // request (422), not another key.
        let sizes = state.store().sizes();
        assert_eq!((sizes.keys, state.token_counts()), (50, (50, 0)), "{sizes:?}");
        // The tokens expire; the keys stay, for 86,400 s from their request.
        state.advance_clock(Duration::from_secs(86_399));
        let sizes = state.store().sizes();
        assert_eq!(
            (sizes.keys, sizes.expiring, sizes.records),
            (50, 50, 0),
            "{sizes:?}"
        );
        state.advance_clock(Duration::from_secs(1));
        let empty = Sizes {
            secrets: 0,
            records: 0,
            expiring: 0,
            keys: 0,
        };
        assert_eq!(state.store().sizes(), empty);
    }

    /// One request; its status and JSON answer.
    async fn status_of(state: &State, method: Method, path: &str, token: &str, body: &str) -> (u16, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Full::new(Bytes::from(body.to_owned())))
            .unwrap();
        let response = handle(state, request, &Exchange::from_peer(None))
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, json)
    }

    fn frozen_v2(accounts: &[Account]) -> State {
        State::new(
            Store::new(accounts, 86_400),
            Clock::frozen(),
            FaultSet::default(),
            Duration::from_secs(30),
            ProtocolVersion::V2,
        )
    }

    async fn login_as(state: &State, email: &str, password: &str) -> String {
        let body = format!(r#"{{"email":"{email}","password":"{password}"}}"#);
        call(state, Method::POST, "/api/login", None, &body).await["token"]
            .as_str()
            .expect("a login token")
            .to_owned()
    }

    /// Rotation's secrets: the old one works for its grace and not after,
    /// each of two old secrets ends at its own time, an old secret may not
    /// rotate again or be used to kill the token, and deleting the token
    /// ends every grace, leaving nothing behind in the store.
    #[tokio::test]
    async fn rotated_secrets_live_out_their_grace_and_no_longer() {
        let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
        let login = login_as(&state, "admin@x", "pw").await;
        let created = call(
            &state,
            Method::POST,
            "/api/job_token",
            Some(&login),
            r#"{"label":"ci","duration":1000}"#,
        )
        .await;
        let first = created["token"].as_str().expect("a secret").to_owned();
        let whoami = |token: String| {
            let state = &state;
            async move { status_of(state, Method::GET, "/api/whoami", &token, "").await }
        };

        // Rotated with 60 s of grace, by the token itself.
        let (status, rotated) = status_of(
            &state,
            Method::POST,
            "/api/token/self/rotate",
            &first,
            r#"{"grace_seconds":60}"#,
        )
        .await;
        assert_eq!(status, 200, "{rotated}");
        let second = rotated["token"].as_str().expect("a new secret").to_owned();
        assert_ne!(first, second);
        for field in ["token_id", "label", "duration", "created_at", "expires_at"] {
            assert_eq!(rotated[field], created[field], "{field}");
        }
        assert!(rotated["rotated_at"].is_u64(), "{rotated}");
        // The old secret still works, says so in its expiry, and may not
        // rotate the token again.
        let (status, who) = whoami(first.clone()).await;
        assert_eq!(
            (status, who["token_id"].clone(), who["label"].clone()),
            (200, created["token_id"].clone(), "ci".into())
        );
        assert_eq!(
            who["expires_at"].as_u64(),
            rotated["rotated_at"].as_u64().map(|t| t + 60)
        );
        let (status, _) = status_of(&state, Method::POST, "/api/token/self/rotate", &first, "{}").await;
        assert_eq!(status, 403);

        // Rotated again by the owner, with 10 s of grace: two old secrets.
        state.advance_clock(Duration::from_secs(20));
        let id = created["token_id"].as_i64().expect("an id");
        let path = format!("/api/job_token/{id}/rotate");
        let (status, again) = status_of(&state, Method::POST, &path, &login, r#"{"grace_seconds":10}"#).await;
        assert_eq!(status, 200, "{again}");
        let third = again["token"].as_str().expect("a new secret").to_owned();
        for secret in [&first, &second, &third] {
            assert_eq!(whoami(secret.clone()).await.0, 200);
        }
        // The second's grace ends first (10 s), then the first's (60 s).
        state.advance_clock(Duration::from_secs(10));
        assert_eq!(whoami(second.clone()).await.0, 401);
        assert_eq!(whoami(first.clone()).await.0, 200);
        state.advance_clock(Duration::from_secs(30));
        assert_eq!(whoami(first.clone()).await.0, 401);
        // A secret rotated away is refused, and changes nothing.
        let (status, _) = status_of(&state, Method::POST, "/api/token/self/rotate", &second, "{}").await;
        assert_eq!(status, 401);
        let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &first, "").await;
        assert_eq!(status, 401);
        assert_eq!(whoami(third.clone()).await.0, 200);

        // Revoking an old secret in its grace ends that grace only.
        let (status, fourth) =
            status_of(&state, Method::POST, &path, &login, r#"{"grace_seconds":600}"#).await;
        assert_eq!(status, 200, "{fourth}");
        let fourth = fourth["token"].as_str().expect("a new secret").to_owned();
        let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &third, "").await;
        assert_eq!(status, 204);
        assert_eq!(whoami(third.clone()).await.0, 401);
        assert_eq!(whoami(fourth.clone()).await.0, 200);
        let read = status_of(&state, Method::GET, &format!("/api/job_token/{id}"), &login, "").await;
        assert_eq!((read.0, read.1["rotated_at"].is_u64()), (200, true), "{}", read.1);

        // Deleting the token ends every grace; nothing of it is left.
        let (_, fifth) = status_of(&state, Method::POST, &path, &login, r#"{"grace_seconds":600}"#).await;
        let fifth = fifth["token"].as_str().expect("a new secret").to_owned();
        let (status, _) = status_of(
            &state,
            Method::DELETE,
            &format!("/api/job_token/{id}"),
            &login,
            "",
        )
        .await;
        assert_eq!(status, 204);
        for secret in [&fourth, &fifth] {
            assert_eq!(whoami(secret.clone()).await.0, 401);
        }
        let sizes = state.store().sizes();
        assert_eq!(
            (sizes.records, sizes.secrets, sizes.expiring),
            (0, 1, 1),
            "{sizes:?}"
        );
    }

    /// A rotation with an `Idempotency-Key` is replayed, not repeated; on
    /// `/api/token/self/rotate` the key is the token's, so another token
    /// of the same user with the same key and body is refused (422), never
    /// handed the first one's secret.
    #[tokio::test]
    async fn a_keyed_rotation_is_replayed_and_only_to_its_token() {
        let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
        let login = login_as(&state, "admin@x", "pw").await;
        let a = call(&state, Method::POST, "/api/job_token", Some(&login), "{}").await;
        let b = call(&state, Method::POST, "/api/job_token", Some(&login), "{}").await;
        let (a, b) = (a["token"].as_str().unwrap(), b["token"].as_str().unwrap());
        let path = "/api/token/self/rotate";
        // The replay needs the old secret to authenticate: a grace.
        let grace = r#"{"grace_seconds":5}"#;
        let first = call_keyed(&state, Method::POST, path, Some(a), Some("k1"), grace).await;
        let again = call_keyed(&state, Method::POST, path, Some(a), Some("k1"), grace).await;
        assert_eq!(first, again);
        let new = first["token"].as_str().expect("a new secret");
        assert_eq!(
            status_of(&state, Method::GET, "/api/whoami", new, "").await.0,
            200,
            "rotated once"
        );
        let other = call_keyed(&state, Method::POST, path, Some(b), Some("k1"), grace).await;
        assert!(
            other["error"].is_string() && other.get("token").is_none(),
            "{other}"
        );
        assert_eq!(
            status_of(&state, Method::GET, "/api/whoami", b, "").await.0,
            200,
            "b not rotated"
        );
        // Without a grace the old secret is refused at once, replay or not.
        let zero = call_keyed(&state, Method::POST, path, Some(b), Some("k3"), "{}").await;
        assert!(zero["token"].is_string(), "{zero}");
        let resent = call_keyed(&state, Method::POST, path, Some(b), Some("k3"), "{}").await;
        assert_eq!(resent["error"], "missing, unknown, expired or revoked token");
        // The owner's rotation by id, keyed: replayed with the same secret.
        let rotate = "/api/job_token/1/rotate";
        let first = call_keyed(&state, Method::POST, rotate, Some(&login), Some("k2"), "{}").await;
        let again = call_keyed(&state, Method::POST, rotate, Some(&login), Some("k2"), "{}").await;
        assert!(first["token"].is_string() && first == again, "{first} {again}");
        let current = first["token"].as_str().unwrap();
        assert_eq!(
            status_of(&state, Method::GET, "/api/whoami", current, "").await.0,
            200
        );
    }

    /// The control plane answers loopback peers only: to anyone else its
    /// paths are unknown (404), as they are with the control plane off.
    #[tokio::test]
    async fn the_control_plane_answers_loopback_peers_only() {
        let on = frozen_v2(&[Account::admin("admin@x", "pw")]).with_control(true);
        let off = frozen_v2(&[Account::admin("admin@x", "pw")]);
        async fn status(state: &State, peer: &str) -> (u16, bool) {
            let peer: IpAddr = peer.parse().unwrap();
            let request = Request::get("/_steps/clock")
                .body(Full::new(Bytes::new()))
                .unwrap();
            let exchange = Exchange::from_peer(Some(peer));
            let response = handle(state, request, &exchange).await.expect("an answer");
            (response.status().as_u16(), exchange.trace().control)
        }
        for peer in ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(status(&on, peer).await, (200, true), "{peer}");
            assert_eq!(status(&off, peer).await, (404, false), "{peer}");
        }
        for peer in [
            "10.0.0.7",
            "192.168.1.2",
            "::ffff:10.0.0.7",
            "2001:db8::1",
            "0.0.0.0",
        ] {
            assert_eq!(status(&on, peer).await, (404, false), "{peer}");
        }
    }

    /// A token rotated in a loop keeps at most `MAX_RETIRING` old secrets
    /// in their grace: the oldest grace ends early.
    #[tokio::test]
    async fn old_secrets_are_bounded() {
        let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
        let login = login_as(&state, "admin@x", "pw").await;
        let created = call(&state, Method::POST, "/api/job_token", Some(&login), "{}").await;
        let mut secrets = vec![created["token"].as_str().expect("a secret").to_owned()];
        let extra = 2;
        for _ in 0..crate::store::MAX_RETIRING + extra {
            let rotated = call(
                &state,
                Method::POST,
                "/api/job_token/1/rotate",
                Some(&login),
                r#"{"grace_seconds":600}"#,
            )
            .await;
            secrets.push(rotated["token"].as_str().expect("a new secret").to_owned());
        }
        for (i, secret) in secrets.iter().enumerate() {
            let status = status_of(&state, Method::GET, "/api/whoami", secret, "").await.0;
            assert_eq!(status, if i < extra { 401 } else { 200 }, "secret {i}");
        }
        let sizes = state.store().sizes();
        assert_eq!(sizes.secrets, 1 + crate::store::MAX_RETIRING + 1, "{sizes:?}");
        assert_eq!(sizes.expiring, sizes.secrets, "{sizes:?}");
    }

    /// Revoke-self of each type of token, and what each leaves working.
    #[tokio::test]
    async fn a_token_revokes_itself_and_nothing_else() {
        let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
        let login = login_as(&state, "admin@x", "pw").await;
        let spare = login_as(&state, "admin@x", "pw").await;
        for path in ["/api/job_token", "/api/api_key"] {
            let created = call(&state, Method::POST, path, Some(&login), "{}").await;
            let secret = created["token"]
                .as_str()
                .or(created["api_key"].as_str())
                .expect("a secret")
                .to_owned();
            let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &secret, "").await;
            assert_eq!(status, 204, "{path}");
            for (method, route) in [(Method::GET, "/api/whoami"), (Method::DELETE, "/api/token/self")] {
                assert_eq!(
                    status_of(&state, method, route, &secret, "").await.0,
                    401,
                    "{path}"
                );
            }
            let listed = call(&state, Method::GET, path, Some(&login), "").await;
            assert_eq!(
                listed
                    .as_object()
                    .map(|o| o.values().any(|v| v.as_array().is_some_and(|a| a.is_empty()))),
                Some(true),
                "{listed}"
            );
        }
        let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &login, "").await;
        assert_eq!(status, 204);
        assert_eq!(
            status_of(&state, Method::GET, "/api/whoami", &login, "").await.0,
            401
        );
        assert_eq!(
            status_of(&state, Method::GET, "/api/whoami", &spare, "").await.0,
            200
        );
        let sizes = state.store().sizes();
        assert_eq!((sizes.secrets, sizes.expiring), (1, 1), "{sizes:?}");
    }

    /// `own_tokens`: a user lists their own; filters by owner and label.
    #[tokio::test]
    async fn users_list_their_own_job_tokens_and_filter_them() {
        let state = frozen_v2(&[
            Account::admin("admin@x", "pw"),
            Account::new("u@x", "pw"),
            Account::new("v@x", "pw"),
        ]);
        let admin = login_as(&state, "admin@x", "pw").await;
        let u = login_as(&state, "u@x", "pw").await;
        let v = login_as(&state, "v@x", "pw").await;
        for (token, label) in [(&u, "a b+c&d%é"), (&v, "a b+c&d%é"), (&u, "other"), (&v, "other")] {
            let body = serde_json::json!({ "label": label }).to_string();
            call(&state, Method::POST, "/api/job_token", Some(token), &body).await;
        }
        let ids = |value: &Value| -> Vec<i64> {
            value["job_tokens"]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t["token_id"].as_i64()).collect())
                .unwrap_or_default()
        };
        let list = |token: &str, query: &str| {
            let (state, token, path) = (&state, token.to_owned(), format!("/api/job_token{query}"));
            async move { status_of(state, Method::GET, &path, &token, "").await }
        };
        let (status, own) = list(&u, "").await;
        assert_eq!((status, ids(&own)), (200, vec![1, 3]));
        assert_eq!(ids(&list(&admin, "").await.1), vec![1, 2, 3, 4]);
        assert_eq!(ids(&list(&admin, "?user_id=3").await.1), vec![2, 4]);
        assert_eq!(list(&u, "?user_id=3").await.0, 403);
        assert_eq!(ids(&list(&u, "?user_id=2").await.1), vec![1, 3]);
        assert_eq!(ids(&list(&u, "?label=a%20b%2Bc%26d%25%C3%A9").await.1), vec![1]);
        assert_eq!(
            ids(&list(&admin, "?label=a+b%2Bc%26d%25%C3%A9").await.1),
            vec![1, 2]
        );
        for bad in [
            "?label=%zz",
            "?label=%C3",
            "?label=%4",
            "?user_id=-1",
            "?user_id=01",
        ] {
            assert_eq!(list(&admin, bad).await.0, 400, "{bad}");
        }
        // Paging over what matches.
        let (_, page) = list(&v, "?limit=1").await;
        assert_eq!((ids(&page), page["next_after"].as_i64()), (vec![2], Some(2)));
        let (_, page) = list(&v, "?limit=1&after=2").await;
        assert_eq!((ids(&page), page["next_after"].is_null()), (vec![4], true));
        // API keys stay an admin's.
        assert_eq!(
            status_of(&state, Method::GET, "/api/api_key", &u, "").await.0,
            403
        );
    }

    /// In v1 mode none of it is there: a non-admin's list is 403, filters
    /// are ignored, whoami has no token fields.
    #[tokio::test]
    async fn v1_mode_has_none_of_v2_part_two() {
        let state = State::new(
            Store::new(
                &[Account::admin("admin@x", "pw"), Account::new("u@x", "pw")],
                86_400,
            ),
            Clock::frozen(),
            FaultSet::default(),
            Duration::from_secs(30),
            ProtocolVersion::V1,
        );
        let admin = login_as(&state, "admin@x", "pw").await;
        let u = login_as(&state, "u@x", "pw").await;
        let created = call(
            &state,
            Method::POST,
            "/api/job_token",
            Some(&u),
            r#"{"label":"x"}"#,
        )
        .await;
        call(
            &state,
            Method::POST,
            "/api/job_token",
            Some(&admin),
            r#"{"label":"y"}"#,
        )
        .await;
        assert_eq!(
            status_of(&state, Method::GET, "/api/job_token", &u, "").await.0,
            403
        );
        let (_, all) = status_of(
            &state,
            Method::GET,
            "/api/job_token?user_id=2&label=x",
            &admin,
            "",
        )
        .await;
        assert_eq!(all["job_tokens"].as_array().map(Vec::len), Some(2), "{all}");
        let secret = created["token"].as_str().expect("a secret");
        let (status, who) = status_of(&state, Method::GET, "/api/whoami", secret, "").await;
        assert_eq!(status, 200);
        assert!(
            who.get("token_id").is_none() && who.get("label").is_none(),
            "{who}"
        );
        for (method, path) in [
            (Method::DELETE, "/api/token/self"),
            (Method::POST, "/api/job_token/1/rotate"),
        ] {
            assert_eq!(
                status_of(&state, method, path, secret, "{}").await.0,
                404,
                "{path}"
            );
        }
    }
}
