//! The request pipeline: the check order of `docs/protocol.md` in one
//! place. Route (404, 405; a route newer than the protocol served is not
//! there), fault rules, size (413) and the body-read deadline, content type
//! (415), authentication (401), authorisation (403), the idempotency key
//! where the route takes one and the protocol offers it (400, 409, 422, or
//! a replay), then the route's handler, which validates (400) and looks up
//! (404).

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
use crate::protocol::Feature;
use crate::render::{Failure, Handled, Outcome};
use crate::routes::{self, Caller, Found, Idempotency};
use crate::secret::TokenKind;
use crate::state::State;
use crate::store::Identity;

/// The largest request body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024;

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
) -> Result<Response<ResponseBody>, CloseConnection>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let request_id = state.next_request_id();
    let mut response = match answer(state, request).await {
        Outcome::Respond(response) => response,
        Outcome::Close => return Err(CloseConnection),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

/// The checks, in the spec's order.
async fn answer<B>(state: &State, request: Request<B>) -> Outcome
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
    let struck = faults::strike(&state.fault_hits(operation)).await;
    // 413, and the body-read deadline.
    let body = match read_body(&parts.headers, body, state.body_read_timeout()).await {
        Ok(body) => body,
        Err(ended) => return ended,
    };
    if let Some(outcome) = struck.replacement {
        return outcome;
    }
    let outcome = match checked(state, &found, &parts, &body, &struck).await {
        Ok(response) => Outcome::Respond(response),
        Err(failure) => failure.into(),
    };
    if struck.close_after_handling {
        // The handler has run, and its effect stays; its answer is lost.
        return Outcome::Close;
    }
    outcome
}

/// The body, at most [`MAX_BODY_BYTES`]: 413 over it, before it is read
/// in full when its length is declared. A body that has not arrived in
/// full within `deadline` (a client that declares a length and sends
/// nothing) ends the request by closing the connection, so that it cannot
/// hold the connection for ever.
async fn read_body<B>(headers: &HeaderMap, body: B, deadline: Duration) -> Result<Bytes, Outcome>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let too_large = || {
        Outcome::from(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than 64 KiB",
        ))
    };
    if let Some(length) = headers.get(header::CONTENT_LENGTH) {
        let length = length.to_str().ok().and_then(|l| l.parse::<u64>().ok());
        if length.is_none_or(|l| l > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
    }
    match tokio::time::timeout(deadline, Limited::new(body, MAX_BODY_BYTES).collect()).await {
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
async fn checked(state: &State, found: &Found<'_>, parts: &Parts, body: &[u8], struck: &Struck) -> Handled {
    let route = found.route;
    if route.takes_body() && !is_json(&parts.headers) {
        return Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be application/json",
        ));
    }
    let now = state.now();
    let identity = authenticate(state, route.caller, &parts.headers, now)?;
    authorise(route.caller, identity.as_ref())?;
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

/// 403: whether the token may call the route.
fn authorise(caller: Caller, identity: Option<&Identity>) -> Result<(), Failure> {
    let login_token = identity.is_some_and(|who| who.kind == TokenKind::Login);
    let admin = identity.is_some_and(|who| who.is_admin);
    let forbidden = |message| Err(Failure::new(StatusCode::FORBIDDEN, message));
    match caller {
        Caller::Anyone | Caller::AnyToken => Ok(()),
        Caller::LoginToken | Caller::Admin if !login_token => forbidden("this operation needs a login token"),
        Caller::Admin if !admin => forbidden("admin required"),
        Caller::LoginToken | Caller::Admin => Ok(()),
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
        let response = handle(state, request).await.expect("an answer");
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
}
