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
//!
//! A route of the quandela dialect shares route, faults and size, then
//! takes the dialect's checks (`quandela.rs`); every refusal of a server in
//! that dialect is its JSON error (`{"error", "detail"}`).

mod quandela;

use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::request::Parts;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};

use crate::body::ResponseBody;
use crate::dialect::Api;
use crate::faults::{self, Struck};
use crate::handlers::Call;
use crate::idempotency::{self, Step};
use crate::protocol::{Feature, ProtocolVersion};
use crate::render::{Failure, Handled, Outcome};
use crate::routes::{self, Caller, Found, Handler, Idempotency};
use crate::secret::TokenType;
use crate::state::State;
use crate::store::identity::Identity;

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
            Api::Steps,
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
    let api = state.api();
    // 404, 405.
    let found = match routes::find(&parts.method, parts.uri.path(), api, state.protocol()) {
        Ok(found) => found,
        Err(failure) => return failure.in_dialect(api).into(),
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
    let struck = faults::strike(&hits, api).await;
    // 413, and the body-read deadline.
    let deadline = state.body_read_timeout();
    let body = match read_body(&parts.headers, body, deadline, MAX_BODY_BYTES, api).await {
        Ok(body) => body,
        Err(ended) => return ended,
    };
    if let Some(outcome) = struck.replacement {
        return outcome;
    }
    let handled = match found.route.handler {
        Handler::Quandela(_) => {
            let noted = |user_id, kind| exchange.note(|trace| trace.caller = Some((user_id, kind)));
            let bearer = bearer(&parts.headers);
            quandela::checked(state, &found, &parts, &body, &struck, bearer, noted).await
        }
        _ => checked(state, &found, &parts, &body, &struck, exchange).await,
    };
    let outcome = match handled {
        Ok(response) => Outcome::Respond(response),
        Err(failure) => failure.in_dialect(api).into(),
    };
    if struck.close_after_handling {
        // The handler has run, and its effect stays; its answer is lost.
        return Outcome::Close;
    }
    outcome
}

/// The body, at most `max` bytes: 413 over it (an error as `api` spells
/// it), before it is read in full when its length is declared. A body
/// that has not arrived in full within `deadline` (a client that declares
/// a length and sends nothing) ends the request by closing the connection,
/// so that it cannot hold the connection for ever.
async fn read_body<B>(
    headers: &HeaderMap,
    body: B,
    deadline: Duration,
    max: usize,
    api: Api,
) -> Result<Bytes, Outcome>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let too_large = || {
        Outcome::from(
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {} KiB", max / 1024),
            )
            .in_dialect(api),
        )
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
    let query = parts.uri.query().unwrap_or("");
    let handled = route
        .handler
        .run(&Call::new(state, identity, found.id, query, body, now));
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
    let login_token = identity.is_some_and(|who| who.kind == TokenType::Login);
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
        // The quandela dialect's, checked by its own pipeline.
        Caller::JobFamily | Caller::LoggedInFamily => forbidden("not an operation of this API"),
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
mod tests;
