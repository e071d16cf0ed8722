//! The protocol, served: routing, the check order of `docs/protocol.md`,
//! authentication, authorisation, validation, and the JSON answers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use serde_json::{json, Map, Value};

use crate::body::ResponseBody;
use crate::clock::Clock;
use crate::faults::{Fault, FaultSet};
use crate::secret::TokenKind;
use crate::store::{Caller, Store, TokenRecord};

/// The largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;
const MAX_LABEL_BYTES: usize = 256;
const MAX_DURATION: u64 = 315_360_000;
const DEFAULT_DURATION: u64 = 99_999;
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// Everything the handlers share.
pub(crate) struct State {
    pub(crate) store: Mutex<Store>,
    pub(crate) clock: Clock,
    pub(crate) faults: RwLock<FaultSet>,
    pub(crate) seen: Mutex<HashMap<&'static str, u64>>,
    request_ids: AtomicU64,
}

impl State {
    pub(crate) fn new(store: Store, clock: Clock, faults: FaultSet) -> State {
        State {
            store: Mutex::new(store),
            clock,
            faults: RwLock::new(faults),
            seen: Mutex::new(HashMap::new()),
            request_ids: AtomicU64::new(0),
        }
    }

    /// The store. A handler that panicked holding the lock left it
    /// consistent (every store method changes it only after its last
    /// fallible step), so a poisoned lock is taken over.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The request is answered by closing the connection (a fault).
#[derive(Debug)]
pub(crate) struct CloseConnection;

impl std::fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed on purpose by a fault rule")
    }
}

impl std::error::Error for CloseConnection {}

/// The routes of protocol v1, named as `docs/protocol.md` names them.
#[derive(Clone, Copy, Debug)]
enum Route<'a> {
    Login,
    Whoami,
    Create(TokenKind),
    List(TokenKind),
    Read(TokenKind, &'a str),
    Delete(TokenKind, &'a str),
}

impl Route<'_> {
    fn name(self) -> &'static str {
        match self {
            Route::Login => "login",
            Route::Whoami => "whoami",
            Route::Create(TokenKind::ApiKey) => "api_key.create",
            Route::Create(_) => "job_token.create",
            Route::List(TokenKind::ApiKey) => "api_key.list",
            Route::List(_) => "job_token.list",
            Route::Read(TokenKind::ApiKey, _) => "api_key.read",
            Route::Read(..) => "job_token.read",
            Route::Delete(TokenKind::ApiKey, _) => "api_key.delete",
            Route::Delete(..) => "job_token.delete",
        }
    }
}

/// An answer that is an error: status, message, extra headers.
struct Failure {
    status: StatusCode,
    message: String,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

fn fail(status: StatusCode, message: impl Into<String>) -> Failure {
    Failure {
        status,
        message: message.into(),
        headers: Vec::new(),
    }
}

fn unauthorized() -> Failure {
    Failure {
        status: StatusCode::UNAUTHORIZED,
        message: "missing, unknown, expired or revoked token".into(),
        headers: vec![(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
    }
}

fn route<'a>(method: &Method, path: &'a str) -> Result<Route<'a>, Failure> {
    let allowed = |allow: &'static str, ok: Option<Route<'a>>| {
        ok.ok_or_else(|| Failure {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: format!("method {method} is not allowed here; allowed: {allow}"),
            headers: vec![(header::ALLOW, HeaderValue::from_static(allow))],
        })
    };
    let is = |m: Method| *method == m;
    match path {
        "/api/login" => allowed("POST", is(Method::POST).then_some(Route::Login)),
        "/api/whoami" => allowed("GET", is(Method::GET).then_some(Route::Whoami)),
        _ => {
            let (kind, rest) = if let Some(rest) = path.strip_prefix("/api/job_token") {
                (TokenKind::Job, rest)
            } else if let Some(rest) = path.strip_prefix("/api/api_key") {
                (TokenKind::ApiKey, rest)
            } else {
                return Err(fail(StatusCode::NOT_FOUND, format!("no such path: {path}")));
            };
            match rest {
                "" if is(Method::POST) => Ok(Route::Create(kind)),
                "" if is(Method::GET) => Ok(Route::List(kind)),
                "" => allowed("GET, POST", None),
                _ => match rest.strip_prefix('/') {
                    Some(id) if !id.is_empty() && !id.contains('/') => {
                        if is(Method::GET) {
                            Ok(Route::Read(kind, id))
                        } else if is(Method::DELETE) {
                            Ok(Route::Delete(kind, id))
                        } else {
                            allowed("GET, DELETE", None)
                        }
                    }
                    _ => Err(fail(StatusCode::NOT_FOUND, format!("no such path: {path}"))),
                },
            }
        }
    }
}

/// Answers one request. `Err` closes the connection without an answer.
pub(crate) async fn handle<B>(
    state: &State,
    request: Request<B>,
) -> Result<Response<ResponseBody>, CloseConnection>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let request_id = format!(
        "req-{:08x}",
        state.request_ids.fetch_add(1, Ordering::Relaxed) + 1
    );
    let mut response = match answer(state, request).await? {
        Ok(response) => response,
        Err(failure) => error_response(failure),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

async fn answer<B>(
    state: &State,
    request: Request<B>,
) -> Result<Result<Response<ResponseBody>, Failure>, CloseConnection>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (parts, body) = request.into_parts();
    let route = match route(&parts.method, parts.uri.path()) {
        Ok(route) => route,
        Err(failure) => return Ok(Err(failure)),
    };
    *state
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(route.name())
        .or_default() += 1;

    let faults = state
        .faults
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .hits(route.name());
    let mut replacement = None;
    for fault in faults {
        match fault {
            Fault::Latency { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
            Fault::Panic => panic!("a fault rule asked {} to panic", route.name()),
            other => replacement = replacement.or(Some(other)),
        }
    }

    if let Some(length) = parts.headers.get(header::CONTENT_LENGTH) {
        let length = length.to_str().ok().and_then(|l| l.parse::<u64>().ok());
        if length.is_none_or(|l| l > MAX_BODY_BYTES as u64) {
            return Ok(Err(fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than 64 KiB",
            )));
        }
    }
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Ok(Err(fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than 64 KiB",
            )));
        }
        Err(_) => return Err(CloseConnection),
    };

    if let Some(fault) = replacement {
        return fault_response(fault).map(Ok);
    }

    if matches!(route, Route::Login | Route::Create(_)) && !is_json(&parts.headers) {
        return Ok(Err(fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be application/json",
        )));
    }
    let now = state.clock.now();
    let result = match route {
        Route::Login => login(state, &body, now),
        _ => match bearer(&parts.headers).and_then(|token| state.store().authenticate(token, now)) {
            None => Err(unauthorized()),
            Some(caller) => serve(state, route, caller, parts.uri.query().unwrap_or(""), &body, now),
        },
    };
    Ok(result)
}

fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(fail(
            StatusCode::BAD_REQUEST,
            "the request body must be a JSON object",
        )),
        Err(_) => Err(fail(
            StatusCode::BAD_REQUEST,
            "the request body is not valid JSON",
        )),
    }
}

fn required_string<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, Failure> {
    match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(fail(
            StatusCode::BAD_REQUEST,
            format!("field `{field}` must not be empty"),
        )),
        Some(_) => Err(fail(
            StatusCode::BAD_REQUEST,
            format!("field `{field}` must be a string"),
        )),
        None => Err(fail(
            StatusCode::BAD_REQUEST,
            format!("field `{field}` is missing"),
        )),
    }
}

fn login(state: &State, body: &[u8], now: u64) -> Result<Response<ResponseBody>, Failure> {
    let map = json_object(body)?;
    let email = required_string(&map, "email")?;
    let password = required_string(&map, "password")?;
    let grant = state
        .store()
        .login(email, password, now)
        .map_err(|_| fail(StatusCode::INTERNAL_SERVER_ERROR, "could not mint a token"))?;
    let Some(grant) = grant else {
        let mut failure = unauthorized();
        failure.message = "wrong email or password".into();
        return Err(failure);
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "token": grant.token,
            "user_id": grant.user_id,
            "is_admin": grant.is_admin,
            "expires_at": grant.expires_at,
        }),
    ))
}

fn serve(
    state: &State,
    route: Route<'_>,
    caller: Caller,
    query: &str,
    body: &[u8],
    now: u64,
) -> Result<Response<ResponseBody>, Failure> {
    if let Route::Whoami = route {
        return Ok(json_response(
            StatusCode::OK,
            &json!({
                "user_id": caller.user_id,
                "token_type": caller.kind as u8,
                "is_admin": caller.is_admin,
                "expires_at": caller.expires_at,
            }),
        ));
    }
    if caller.kind != TokenKind::Login {
        return Err(fail(StatusCode::FORBIDDEN, "this operation needs a login token"));
    }
    let admin_only = match route {
        Route::List(_) => true,
        Route::Create(kind) | Route::Read(kind, _) | Route::Delete(kind, _) => kind == TokenKind::ApiKey,
        Route::Login | Route::Whoami => false,
    };
    if admin_only && !caller.is_admin {
        return Err(fail(StatusCode::FORBIDDEN, "admin required"));
    }
    match route {
        Route::Create(kind) => create(state, kind, caller, body, now),
        Route::List(kind) => list(state, kind, query, now),
        Route::Read(kind, id) => {
            let id = parse_id(id)?;
            let store = state.store();
            let record = visible(&store, kind, id, caller, now)?;
            Ok(json_response(StatusCode::OK, &record_json(kind, record, None)))
        }
        Route::Delete(kind, id) => {
            let id = parse_id(id)?;
            let mut store = state.store();
            visible(&store, kind, id, caller, now)?;
            store.delete(kind, id);
            let mut response = Response::new(ResponseBody::empty());
            *response.status_mut() = StatusCode::NO_CONTENT;
            Ok(response)
        }
        Route::Login | Route::Whoami => Err(fail(StatusCode::INTERNAL_SERVER_ERROR, "unrouted")),
    }
}

/// The record, if the caller may see it: a job token owned by someone else
/// is "not found", so that ids do not reveal other users' tokens.
fn visible(
    store: &Store,
    kind: TokenKind,
    id: i64,
    caller: Caller,
    now: u64,
) -> Result<&TokenRecord, Failure> {
    store
        .get(kind, id, now)
        .filter(|r| caller.is_admin || r.user_id == caller.user_id)
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no such {} {id}", noun(kind))))
}

fn noun(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::ApiKey => "API key",
        _ => "job token",
    }
}

fn parse_id(id: &str) -> Result<i64, Failure> {
    if id.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(id) = id.parse::<i64>() {
            return Ok(id);
        }
    }
    Err(fail(
        StatusCode::BAD_REQUEST,
        "the id in the path must be a non-negative integer",
    ))
}

fn create(
    state: &State,
    kind: TokenKind,
    caller: Caller,
    body: &[u8],
    now: u64,
) -> Result<Response<ResponseBody>, Failure> {
    let map = json_object(body)?;
    let label = match map.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= MAX_LABEL_BYTES => Some(s.clone()),
        Some(Value::String(_)) => {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                format!("field `label` must be at most {MAX_LABEL_BYTES} bytes"),
            ))
        }
        Some(_) => {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                "field `label` must be a string or null",
            ))
        }
    };
    let duration = match map.get("duration") {
        None => DEFAULT_DURATION,
        Some(value) => match value.as_u64() {
            Some(d) if (1..=MAX_DURATION).contains(&d) => d,
            _ => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    format!("field `duration` must be an integer from 1 to {MAX_DURATION}"),
                ))
            }
        },
    };
    let (record, secret) = state
        .store()
        .create(kind, caller.user_id, label, duration, now)
        .map_err(|_| fail(StatusCode::INTERNAL_SERVER_ERROR, "could not mint a token"))?;
    Ok(json_response(
        StatusCode::CREATED,
        &record_json(kind, &record, Some(secret)),
    ))
}

fn list(state: &State, kind: TokenKind, query: &str, now: u64) -> Result<Response<ResponseBody>, Failure> {
    let mut limit = DEFAULT_LIMIT;
    let mut after = 0i64;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = value.parse::<i64>().ok().filter(|n| *n >= 0);
        // Any decimal limit of at least 1 is clamped, however large.
        let huge = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) && value.len() > 18;
        match (key, number) {
            ("limit", Some(n)) if n >= 1 => limit = (n as usize).min(MAX_LIMIT),
            ("limit", None) if huge => limit = MAX_LIMIT,
            ("after", Some(n)) => after = n,
            ("limit", _) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    "`limit` must be an integer of at least 1",
                ))
            }
            ("after", _) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    "`after` must be an integer from 0 to 2^63-1",
                ))
            }
            _ => {}
        }
    }
    let (records, next_after) = state.store().list(kind, after, limit, now);
    let items: Vec<Value> = records.iter().map(|r| record_json(kind, r, None)).collect();
    let field = match kind {
        TokenKind::ApiKey => "api_keys",
        _ => "job_tokens",
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({ field: items, "next_after": next_after }),
    ))
}

fn record_json(kind: TokenKind, record: &TokenRecord, secret: Option<String>) -> Value {
    let (id_field, secret_field) = match kind {
        TokenKind::ApiKey => ("api_key_id", "api_key"),
        _ => ("token_id", "token"),
    };
    let mut value = json!({
        id_field: record.id,
        "user_id": record.user_id,
        "label": record.label,
        "duration": record.duration,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
    });
    if let (Some(secret), Value::Object(map)) = (secret, &mut value) {
        map.insert(secret_field.to_owned(), Value::String(secret));
    }
    value
}

fn json_response(status: StatusCode, value: &Value) -> Response<ResponseBody> {
    let mut response = Response::new(ResponseBody::whole(value.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn error_response(failure: Failure) -> Response<ResponseBody> {
    let mut response = json_response(failure.status, &json!({ "error": failure.message }));
    for (name, value) in failure.headers {
        response.headers_mut().insert(name, value);
    }
    response
}

/// The answer a fault gives instead of handling the request.
fn fault_response(fault: Fault) -> Result<Response<ResponseBody>, CloseConnection> {
    let status_of = |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok(match fault {
        Fault::Close => return Err(CloseConnection),
        Fault::Status { status, retry_after } => {
            let status = status_of(status);
            let mut response = error_response(fail(status, "injected fault"));
            let retry_after = retry_after.or(matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
            .then_some(1));
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Fault::Truncate => {
            let body = br#"{"token_id":1,"user_id":1,"label":null,"duration":99999,"created_at":1,"expires_at":100000}"#;
            let mut response = Response::new(ResponseBody::Truncated(Some(Bytes::from_static(&body[..20]))));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            response
        }
        Fault::InvalidJson => {
            let mut response = Response::new(ResponseBody::whole(&br#"{"token_id": 1, "user_id": "#[..]));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Fault::Html { status } => {
            let mut response = Response::new(ResponseBody::whole(
                &b"<html><head><title>Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"[..],
            ));
            *response.status_mut() = status_of(status);
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            response
        }
        Fault::LargeBody { bytes } => {
            let mut body = vec![b' '; bytes.max(2)];
            body[0] = b'{';
            let last = body.len() - 1;
            body[last] = b'}';
            json_body_response(body)
        }
        Fault::Latency { .. } | Fault::Panic => {
            error_response(fail(StatusCode::INTERNAL_SERVER_ERROR, "unreachable fault"))
        }
    })
}

fn json_body_response(body: Vec<u8>) -> Response<ResponseBody> {
    let mut response = Response::new(ResponseBody::whole(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The answer to a request whose handler panicked.
pub(crate) fn panic_response() -> Response<ResponseBody> {
    error_response(fail(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
}
