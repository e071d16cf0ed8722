//! One function per operation of `docs/protocol.md`. A handler runs after
//! the pipeline's checks (route, faults, size, content type,
//! authentication, authorisation, idempotency key); it validates its input
//! (400), finds what it acts on (404), and answers.

use http::StatusCode;
use serde_json::{Map, Value};

use crate::limits::{MAX_DURATION, MAX_LABEL_BYTES};
use crate::protocol::Feature;
use crate::render::{self, Failure, Handled};
use crate::state::State;
use std::sync::MutexGuard;

use crate::store::{Collection, Identity, ListFilter, Standing, Store, TokenRecord};

const DEFAULT_DURATION: u64 = 99_999;
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;
/// The longest grace a rotation gives the old secret: a day.
const MAX_GRACE: u64 = 86_400;

/// A request that passed every check before its handler.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a State,
    /// Who presented a valid token; `None` on a route anyone may call.
    pub(crate) identity: Option<Identity>,
    /// The `{id}` segment of the path, on routes that have one.
    pub(crate) id: Option<&'a str>,
    /// The query string, without the `?`.
    pub(crate) query: &'a str,
    pub(crate) body: &'a [u8],
    /// The emulator's time when the checks began.
    pub(crate) now: u64,
}

impl Call<'_> {
    /// Who called. Every route but login authenticates, so this fails
    /// only for a handler placed on a route anyone may call.
    fn identity(&self) -> Result<Identity, Failure> {
        self.identity.ok_or_else(Failure::no_valid_token)
    }

    /// The store, locked, if the caller's token was found in it: a
    /// request authenticated before a reset or an import must not act on
    /// the store that replaced it, where ids start again (401).
    fn store(&self) -> Result<MutexGuard<'_, Store>, Failure> {
        let store = self.state.store();
        match &self.identity {
            Some(identity) if !store.knows(identity) => Err(Failure::no_valid_token()),
            _ => Ok(store),
        }
    }

    /// The id in the path: a wire integer (see [`wire_integer`]).
    fn id(&self) -> Result<i64, Failure> {
        self.id.and_then(wire_integer).ok_or_else(|| {
            Failure::bad_request(
                "the id in the path must be a decimal integer from 0 to 2^63-1, without sign or leading zeros",
            )
        })
    }
}

/// An integer as the protocol writes it in paths and queries: `0` or
/// `[1-9][0-9]*` (no sign, no leading zero, no white space, no
/// percent-encoding), at most 2^63-1. One rule for path ids, `limit` and
/// `after`.
fn wire_integer(text: &str) -> Option<i64> {
    let canonical = match text.as_bytes() {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    canonical.then(|| text.parse::<i64>().ok()).flatten()
}

/// `login`.
pub(crate) fn login(call: &Call<'_>) -> Handled {
    let map = json_object(call.body)?;
    let email = required_string(&map, "email")?;
    let password = required_string(&map, "password")?;
    let grant = call
        .state
        .store()
        .login(email, password, call.now)
        .map_err(|_| Failure::could_not_mint())?
        .ok_or_else(|| Failure::unauthorized("wrong email or password"))?;
    Ok(render::json(StatusCode::OK, &render::login(&grant)))
}

/// `meta` (protocol v2): the protocol served and its features. Anyone may
/// ask; a token sent with it is not looked at.
pub(crate) fn meta(call: &Call<'_>) -> Handled {
    Ok(render::json(StatusCode::OK, &render::meta(call.state.protocol())))
}

/// `whoami`; with feature `self`, it names the job token or API key sent.
pub(crate) fn whoami(call: &Call<'_>) -> Handled {
    let identity = call.identity()?;
    let store = call.store()?;
    let token = identity
        .issued
        .filter(|_| call.state.protocol().offers(Feature::SelfToken))
        .and_then(|issued| {
            let record = store.get(issued.collection, issued.id, call.now)?;
            Some((issued.collection, record))
        });
    Ok(render::json(StatusCode::OK, &render::whoami(&identity, token)))
}

/// `token.revoke_self` (feature `self`): the secret sent is revoked (see
/// [`Store::revoke`] for what that takes with it).
pub(crate) fn revoke_self(call: &Call<'_>) -> Handled {
    let identity = call.identity()?;
    if call.store()?.revoke(&identity, call.now) {
        Ok(render::no_content())
    } else {
        // Revoked or rotated away since it was checked.
        Err(Failure::no_valid_token())
    }
}

/// `token.rotate_self` (feature `self`): a job token or API key rotates
/// itself. A secret that a rotation already replaced, in its grace, may
/// not rotate again (403): whoever holds an old secret cannot take the
/// token from whoever holds the new one.
///
/// Where the secret stands is decided under the same lock as the
/// rotation, so that a secret rotated away while this request waited
/// cannot rotate the token again.
pub(crate) fn rotate_self(call: &Call<'_>) -> Handled {
    let identity = call.identity()?;
    let mut store = call.store()?;
    let (collection, id) = match store.standing(&identity, call.now) {
        None => return Err(Failure::no_valid_token()),
        Some(Standing::Login) => {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "this operation needs a job token or an API key",
            ))
        }
        Some(Standing::Retiring(..)) => {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "this secret was replaced by a rotation and may not rotate the token again",
            ))
        }
        Some(Standing::Current(collection, id)) => (collection, id),
    };
    let grace = grace_seconds(call.body)?;
    rotated(&mut store, call.now, collection, id, grace)
}

/// `job_token.rotate`, `api_key.rotate` (feature `rotation`).
pub(crate) fn rotate(call: &Call<'_>, collection: Collection) -> Handled {
    let caller = call.identity()?;
    let id = call.id()?;
    let grace = grace_seconds(call.body)?;
    let mut store = call.store()?;
    visible(&store, collection, id, caller, call.now)?;
    rotated(&mut store, call.now, collection, id, grace)
}

/// Rotates a token the caller may rotate; the answer with its new secret.
fn rotated(store: &mut Store, now: u64, collection: Collection, id: i64, grace: u64) -> Handled {
    let (record, secret) = store
        .rotate(collection, id, grace, now)
        .map_err(|_| Failure::could_not_mint())?
        .ok_or_else(|| not_found(collection, id))?;
    Ok(render::json(
        StatusCode::OK,
        &render::record(collection, &record, Some(secret)),
    ))
}

/// A rotation's body: `{}` or `{"grace_seconds": 0..86400}`.
fn grace_seconds(body: &[u8]) -> Result<u64, Failure> {
    match json_object(body)?.get("grace_seconds").map(Value::as_u64) {
        None => Ok(0),
        Some(Some(grace)) if grace <= MAX_GRACE => Ok(grace),
        Some(_) => Err(Failure::bad_request(format!(
            "field `grace_seconds` must be an integer from 0 to {MAX_GRACE}"
        ))),
    }
}

/// `job_token.create`, `api_key.create`.
pub(crate) fn create(call: &Call<'_>, collection: Collection) -> Handled {
    let caller = call.identity()?;
    let map = json_object(call.body)?;
    let label = match map.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() > MAX_LABEL_BYTES => {
            return Err(Failure::bad_request(format!(
                "field `label` must be at most {MAX_LABEL_BYTES} bytes"
            )))
        }
        // C0, DEL and C1: a label is shown in terminals and tables.
        Some(Value::String(s)) if s.chars().any(char::is_control) => {
            return Err(Failure::bad_request(
                "invalid label: control characters are not allowed",
            ))
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(Failure::bad_request("field `label` must be a string or null")),
    };
    let duration = match map.get("duration").map(Value::as_u64) {
        None => DEFAULT_DURATION,
        Some(Some(d)) if (1..=MAX_DURATION).contains(&d) => d,
        Some(_) => {
            return Err(Failure::bad_request(format!(
                "field `duration` must be an integer from 1 to {MAX_DURATION}"
            )))
        }
    };
    let (record, secret) = call
        .state
        .store()
        .create(collection, caller.user_id, label, duration, call.now)
        .map_err(|_| Failure::could_not_mint())?;
    Ok(render::json(
        StatusCode::CREATED,
        &render::record(collection, &record, Some(secret)),
    ))
}

/// `job_token.read`, `api_key.read`.
pub(crate) fn read(call: &Call<'_>, collection: Collection) -> Handled {
    let caller = call.identity()?;
    let id = call.id()?;
    let store = call.store()?;
    let record = visible(&store, collection, id, caller, call.now)?;
    Ok(render::json(
        StatusCode::OK,
        &render::record(collection, record, None),
    ))
}

/// `job_token.delete`, `api_key.delete`.
pub(crate) fn delete(call: &Call<'_>, collection: Collection) -> Handled {
    let caller = call.identity()?;
    let id = call.id()?;
    let mut store = call.store()?;
    visible(&store, collection, id, caller, call.now)?;
    store.delete(collection, id);
    Ok(render::no_content())
}

/// `job_token.list`, `api_key.list`. With feature `own_tokens`, a
/// non-admin lists their own job tokens, and `user_id` and `label` filter
/// job tokens.
pub(crate) fn list(call: &Call<'_>, collection: Collection) -> Handled {
    let caller = call.identity()?;
    let filters = collection == Collection::JobTokens && call.state.protocol().offers(Feature::OwnTokens);
    let mut limit = DEFAULT_LIMIT;
    let mut after = 0i64;
    let mut filter = ListFilter::default();
    // Unknown parameters are ignored; a parameter given twice counts as
    // its last value.
    for pair in call.query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (key, wire_integer(value)) {
            ("limit", Some(n)) if n >= 1 => limit = usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
            ("after", Some(n)) => after = n,
            ("user_id", Some(n)) if filters => filter.user_id = Some(n),
            ("user_id", None) if filters => {
                return Err(Failure::bad_request(
                    "`user_id` must be a decimal integer from 0 to 2^63-1, without sign or leading zeros",
                ))
            }
            ("label", _) if filters => {
                filter.label = Some(percent_decode(value).ok_or_else(|| {
                    Failure::bad_request("`label` must be UTF-8, percent-encoded (%XX), with + for a space")
                })?)
            }
            ("limit", _) => {
                return Err(Failure::bad_request(
                    "`limit` must be a decimal integer from 1 to 2^63-1, without sign or leading zeros",
                ))
            }
            ("after", _) => {
                return Err(Failure::bad_request(
                    "`after` must be a decimal integer from 0 to 2^63-1, without sign or leading zeros",
                ))
            }
            _ => {}
        }
    }
    if filters && !caller.is_admin {
        // A non-admin sees their own, and may say so.
        if filter.user_id.is_some_and(|user_id| user_id != caller.user_id) {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "only an admin may list another user's job tokens",
            ));
        }
        filter.user_id = Some(caller.user_id);
    }
    let (records, next_after) = call
        .state
        .store()
        .list(collection, after, limit, &filter, call.now);
    Ok(render::json(
        StatusCode::OK,
        &render::page(collection, &records, next_after),
    ))
}

/// The record, if the caller may see it: a job token owned by someone else
/// is "not found", so that ids do not reveal other users' tokens.
fn visible(
    store: &Store,
    collection: Collection,
    id: i64,
    caller: Identity,
    now: u64,
) -> Result<&TokenRecord, Failure> {
    store
        .get(collection, id, now)
        .filter(|r| caller.is_admin || r.user_id == caller.user_id)
        .ok_or_else(|| not_found(collection, id))
}

/// 404 for a token that does not exist or that the caller may not see.
fn not_found(collection: Collection, id: i64) -> Failure {
    let noun = match collection {
        Collection::JobTokens => "job token",
        Collection::ApiKeys => "API key",
    };
    Failure::new(StatusCode::NOT_FOUND, format!("no such {noun} {id}"))
}

/// A query value as HTML forms write it: `%XX` for a byte, `+` for a
/// space, everything else as itself; `None` for a bad escape or bytes that
/// are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = rest.get(..2)?;
                let hex = std::str::from_utf8(hex).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &rest[2..];
            }
            byte => bytes.push(byte),
        }
    }
    String::from_utf8(bytes).ok()
}

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

#[cfg(test)]
mod tests {
    use super::wire_integer;

    #[test]
    fn wire_integers_have_one_spelling() {
        for (text, value) in [("0", 0), ("7", 7), ("10", 10), ("9223372036854775807", i64::MAX)] {
            assert_eq!(wire_integer(text), Some(value), "{text}");
        }
        for text in [
            "",
            "+5",
            "-0",
            "-1",
            "007",
            "00",
            "05",
            " 5",
            "5 ",
            "5\t",
            "1e3",
            "1.0",
            "0x10",
            "%35",
            "\u{0665}",
            "9223372036854775808",
            "99999999999999999999",
        ] {
            assert_eq!(wire_integer(text), None, "{text:?}");
        }
    }
}
