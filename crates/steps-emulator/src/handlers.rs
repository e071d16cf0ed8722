//! What every handler shares. A handler runs after the pipeline's checks
//! (route, faults, size, content type, authentication, authorisation,
//! idempotency key) with the [`Call`] they passed (`call.rs`: its only way
//! to the store); it validates its input (400), finds what it acts on
//! (404), and answers. The handlers are one
//! function per operation of `docs/protocol.md`, one file per resource:
//! `server.rs` (`meta`), `account.rs` (login, whoami, revoking the token
//! sent), `tokens.rs` (the two collections) and `rotation.rs`. Those of the
//! quandela dialect (`docs/quandela.md`) are under `quandela.rs`, with
//! their own call, input rules and error bodies.

pub(crate) mod account;
mod call;
pub(crate) mod quandela;
pub(crate) mod rotation;
pub(crate) mod server;
pub(crate) mod tokens;

use call::wire_integer;
pub(crate) use call::Call;

use serde_json::{Map, Value};

use crate::render::Failure;

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::bad_request("the request body must be a JSON object")),
        Err(_) => Err(Failure::bad_request("the request body is not valid JSON")),
    }
}

fn required_string<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, Failure> {
    match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(Failure::bad_request(format!("field `{field}` must not be empty"))),
        Some(_) => Err(Failure::bad_request(format!("field `{field}` must be a string"))),
        None => Err(Failure::bad_request(format!("field `{field}` is missing"))),
    }
}
