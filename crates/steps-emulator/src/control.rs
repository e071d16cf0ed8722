//! The control plane: `/_steps/...`, JSON in and out, for test suites in
//! any language (`docs/emulator.md`). Off unless [`crate::Config::control`]
//! (`--control`) turns it on, and answered only to loopback peers: to
//! anyone else, and when it is off, its paths are 404 like any unknown
//! path. It is never journaled, counted or faulted.
//!
//! Loopback alone does not keep web pages out (they can send requests to
//! 127.0.0.1, and read the answers after DNS rebinding): a request with
//! an `Origin`, a cross-site `Sec-Fetch-Site` or a `Host` that is not
//! `localhost` or a loopback address is refused (403), and a POST or PUT
//! with a body must say `Content-Type: application/json`, which a page
//! cannot send to another site without asking it first. A bodyless one
//! (`curl -X POST .../_steps/reset`) needs no `Content-Type`: a browser
//! sends an `Origin` with every POST and PUT, so a page's is refused above.
//!
//! | method and path | does |
//! |---|---|
//! | `POST /_steps/reset` | the accounts it started with, no tokens, the clock where it started, no faults, an empty journal |
//! | `GET /_steps/clock` | `{"now": unix, "frozen": bool}` |
//! | `POST /_steps/clock` | one of `{"advance": seconds}`, `{"set": unix}`, `{"frozen": bool}`; answers the clock |
//! | `GET /_steps/faults` | the fault rules in force, as `--faults FILE` holds them |
//! | `PUT /_steps/faults` | replaces them; answers them |
//! | `GET /_steps/requests?limit=N` | `{"requests": [...]}`: the journal's last N entries (default 100), oldest first |
//! | `DELETE /_steps/requests` | empties the journal |
//! | `GET /_steps/state` | the whole store as a saved state (secrets included) |
//! | `PUT /_steps/state` | replaces the store and clock with a saved state's |
//! | `POST /_steps/accounts` | `{"email", "password", "is_admin"?}`: adds an account; 201 `{"user_id", "email", "is_admin"}` (in quandela mode also `"priority"`, default 10) |
//! | `POST /_steps/usage` | quandela mode only: records jobs run with a token, for the usage report (`docs/quandela.md`) |

use http::header::{self, HeaderValue};
use http::request::Parts;
use http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::clock::Reading;
use crate::dialect::Api;
use crate::faults::FaultRule;
use crate::journal;
use crate::render::{self, Failure, Handled};
use crate::state::State;
use crate::store::entries::UsageEntry;
use crate::store::saved::Document;

/// The largest control request body: a saved state of a busy emulator.
pub(crate) const MAX_BODY_BYTES: usize = 64 << 20;

/// The journal entries `GET /_steps/requests` gives without a `limit`.
const DEFAULT_JOURNAL_LIMIT: usize = 100;

type Endpoint = fn(&State, &Parts, &[u8]) -> Handled;

/// The endpoints, by path and method. The methods of one path give its
/// `Allow` header.
#[rustfmt::skip]
static ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    ("/_steps/reset",    Method::POST,   reset),
    ("/_steps/clock",    Method::GET,    clock),
    ("/_steps/clock",    Method::POST,   set_clock),
    ("/_steps/faults",   Method::GET,    faults),
    ("/_steps/faults",   Method::PUT,    set_faults),
    ("/_steps/requests", Method::GET,    requests),
    ("/_steps/requests", Method::DELETE, clear_requests),
    ("/_steps/state",    Method::GET,    export_state),
    ("/_steps/state",    Method::PUT,    import_state),
    ("/_steps/accounts", Method::POST,   add_account),
    ("/_steps/usage",    Method::POST,   record_usage),
];

/// The endpoints served only in quandela mode.
const QUANDELA_ONLY: &[&str] = &["/_steps/usage"];

/// Answers a control request (from a loopback peer, with the control
/// plane on).
pub(crate) fn answer(state: &State, parts: &Parts, body: &[u8]) -> Handled {
    let path = parts.uri.path();
    let served = |p: &str| state.api() == Api::Quandela || !QUANDELA_ONLY.contains(&p);
    let on_path: Vec<&(&str, Method, Endpoint)> = ENDPOINTS
        .iter()
        .filter(|(p, _, _)| *p == path && served(p))
        .collect();
    if let Some((_, _, endpoint)) = on_path.iter().find(|(_, method, _)| *method == parts.method) {
        if let Some(why) = from_a_browser(parts) {
            return Err(Failure::new(StatusCode::FORBIDDEN, why));
        }
        // A body must be JSON: a browser cannot send this content type to
        // another site without asking it first (CORS), which no page gets.
        // A bodyless request (no length, or a length of 0: the same empty
        // bytes here) needs none, so that `curl -X POST .../reset` works;
        // a page's bodyless POST carries an Origin, refused above.
        let writes = parts.method == Method::POST || parts.method == Method::PUT;
        if writes && !body.is_empty() && !is_json(parts) {
            return Err(Failure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a request body must be JSON: send Content-Type: application/json, or no body",
            ));
        }
        return endpoint(state, parts, body);
    }
    if on_path.is_empty() {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            format!("no such control endpoint: {}", journal::redacted_path(path)),
        ));
    }
    let allow: Vec<&str> = on_path.iter().map(|(_, method, _)| method.as_str()).collect();
    let allow = allow.join(", ");
    let failure = Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {} is not allowed here; allowed: {allow}", parts.method),
    );
    Err(match HeaderValue::try_from(allow) {
        Ok(value) => failure.with_header(header::ALLOW, value),
        Err(_) => failure,
    })
}

/// Why a request looks like one a web page made, if it does. Loopback
/// alone does not keep browsers out: any page can send requests to
/// 127.0.0.1, and one whose own name resolves there (DNS rebinding) can
/// read the answers. So the control plane refuses a request that names a
/// host other than a loopback one, or that says it comes from a page
/// (`Origin`, or `Sec-Fetch-Site` other than `none`).
fn from_a_browser(parts: &Parts) -> Option<&'static str> {
    if parts.headers.contains_key(header::ORIGIN) {
        return Some("the control plane does not answer web pages (the request has an Origin)");
    }
    let fetched = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetched.is_some_and(|site| site != "none") {
        return Some("the control plane does not answer web pages (Sec-Fetch-Site)");
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    match host {
        Some(host) if !is_loopback_host(host) => {
            Some("the control plane answers only requests for localhost or a loopback address (Host)")
        }
        _ => None,
    }
}

/// Whether a `Host` (with or without a port) names this machine:
/// `localhost`, or a loopback address.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

fn is_json(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn ok(value: &Value) -> Handled {
    Ok(render::json(StatusCode::OK, value))
}

fn clock_json(reading: Reading) -> Value {
    json!({ "now": reading.now, "frozen": reading.frozen })
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Failure::bad_request("the request body must be a JSON object")),
    }
}

/// `POST /_steps/reset`.
fn reset(state: &State, _: &Parts, _: &[u8]) -> Handled {
    state.reset();
    ok(&json!({ "reset": true, "clock": clock_json(state.clock()) }))
}

/// `GET /_steps/clock`.
fn clock(state: &State, _: &Parts, _: &[u8]) -> Handled {
    ok(&clock_json(state.clock()))
}

/// `POST /_steps/clock`: exactly one of `advance`, `set` and `frozen`.
fn set_clock(state: &State, _: &Parts, body: &[u8]) -> Handled {
    let map = object(body)?;
    let usage = || {
        Failure::bad_request(r#"send one of {"advance": seconds}, {"set": unix seconds}, {"frozen": bool}"#)
    };
    let [(field, value)] =
        <[(&String, &Value); 1]>::try_from(map.iter().collect::<Vec<_>>()).map_err(|_| usage())?;
    let now = state.clock();
    match (field.as_str(), value) {
        ("advance", Value::Number(n)) => {
            let seconds = n.as_u64().ok_or_else(usage)?;
            state.advance_clock(std::time::Duration::from_secs(seconds));
        }
        ("set", Value::Number(n)) => {
            let at = n.as_u64().ok_or_else(usage)?;
            state.set_clock(Reading {
                now: at,
                frozen: now.frozen,
            });
        }
        ("frozen", Value::Bool(frozen)) => state.set_clock(Reading {
            now: now.now,
            frozen: *frozen,
        }),
        _ => return Err(usage()),
    }
    ok(&clock_json(state.clock()))
}

/// `GET /_steps/faults`.
fn faults(state: &State, _: &Parts, _: &[u8]) -> Handled {
    ok(&serde_json::to_value(state.fault_rules()).unwrap_or(Value::Null))
}

/// `PUT /_steps/faults`: a JSON array of rules.
fn set_faults(state: &State, _: &Parts, body: &[u8]) -> Handled {
    let rules: Vec<FaultRule> = serde_json::from_slice(body)
        .map_err(|e| Failure::bad_request(format!("not a JSON array of fault rules: {e}")))?;
    state.set_faults(rules);
    ok(&serde_json::to_value(state.fault_rules()).unwrap_or(Value::Null))
}

/// `GET /_steps/requests?limit=N`.
fn requests(state: &State, parts: &Parts, _: &[u8]) -> Handled {
    let mut limit = DEFAULT_JOURNAL_LIMIT;
    for pair in parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        if let Some(("limit", value)) = pair.split_once('=') {
            limit = value
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Failure::bad_request("`limit` must be a whole number, at least 1"))?;
        }
    }
    let entries = state.journal(limit.min(journal::CAPACITY));
    ok(&json!({ "requests": entries }))
}

/// `DELETE /_steps/requests`.
fn clear_requests(state: &State, _: &Parts, _: &[u8]) -> Handled {
    state.clear_journal();
    ok(&json!({ "requests": [] }))
}

/// `GET /_steps/state`: the saved-state document, as `--state FILE` holds
/// it.
fn export_state(state: &State, _: &Parts, _: &[u8]) -> Handled {
    Ok(render::json_bytes(state.export().to_bytes()))
}

/// `PUT /_steps/state`.
fn import_state(state: &State, _: &Parts, body: &[u8]) -> Handled {
    let doc = Document::parse(body)
        .map_err(|e| Failure::bad_request(format!("the state was not imported: {e}")))?;
    state
        .import(&doc)
        .map_err(|e| Failure::bad_request(format!("the state was not imported: {e}")))?;
    ok(&json!({ "imported": true, "clock": clock_json(state.clock()) }))
}

/// `POST /_steps/accounts`.
fn add_account(state: &State, _: &Parts, body: &[u8]) -> Handled {
    let map = object(body)?;
    let text = |field: &str| match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.as_str()),
        _ => Err(Failure::bad_request(format!(
            "field `{field}` must be a non-empty string"
        ))),
    };
    let (email, password) = (text("email")?, text("password")?);
    let is_admin = match map.get("is_admin") {
        None => false,
        Some(Value::Bool(admin)) => *admin,
        Some(_) => return Err(Failure::bad_request("field `is_admin` must be a boolean")),
    };
    // The quandela dialect's user priority; in steps mode an ignored field.
    let quandela = state.api() == Api::Quandela;
    let priority = match map.get("priority") {
        _ if !quandela => None,
        None => Some(crate::limits::DEFAULT_PRIORITY),
        Some(value) => Some(
            value
                .as_i64()
                .ok_or_else(|| Failure::bad_request("field `priority` must be an integer"))?,
        ),
    };
    let mut store = state.store();
    let user_id = store
        .add_account(email, password, is_admin)
        .map_err(|why| Failure::new(StatusCode::CONFLICT, why))?;
    let mut answer = json!({ "user_id": user_id, "email": email, "is_admin": is_admin });
    if let Some(priority) = priority {
        store.set_priority(user_id, priority);
        answer["priority"] = json!(priority);
    }
    Ok(render::json(StatusCode::CREATED, &answer))
}

/// `POST /_steps/usage` (quandela mode): `{"token_id", "platform_name",
/// "nb_jobs", "duration_seconds", "credits", "free_credits", "at"?}`
/// records jobs run with a token; 200, the record as stored.
fn record_usage(state: &State, _: &Parts, body: &[u8]) -> Handled {
    let map = object(body)?;
    let field = |name: &str| map.get(name).filter(|v| !v.is_null());
    let count = |name: &str| {
        field(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| Failure::bad_request(format!("field `{name}` must be an integer, at least 0")))
    };
    let credit = |name: &str| {
        field(name)
            .and_then(Value::as_f64)
            .filter(|c| *c >= 0.0)
            .ok_or_else(|| Failure::bad_request(format!("field `{name}` must be a number, at least 0")))
    };
    let record = UsageEntry {
        token_id: field("token_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| Failure::bad_request("field `token_id` must be an integer"))?,
        platform_name: match field("platform_name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => {
                return Err(Failure::bad_request(
                    "field `platform_name` must be a non-empty string",
                ))
            }
        },
        nb_jobs: count("nb_jobs")?,
        duration_seconds: count("duration_seconds")?,
        credits: credit("credits")?,
        free_credits: credit("free_credits")?,
        at: match field("at") {
            None => state.now(),
            Some(at) => at
                .as_u64()
                .ok_or_else(|| Failure::bad_request("field `at` must be Unix seconds, at least 0"))?,
        },
    };
    let stored = json!({
        "token_id": record.token_id,
        "platform_name": record.platform_name,
        "nb_jobs": record.nb_jobs,
        "duration_seconds": record.duration_seconds,
        "credits": record.credits,
        "free_credits": record.free_credits,
        "at": record.at,
    });
    state.record_usage(record).map_err(Failure::bad_request)?;
    ok(&stored)
}
