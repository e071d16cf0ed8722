//! The handlers of the two collections, job tokens and API keys:
//! `create`, `read`, `delete`, `list` (with its query), and what a caller
//! may see of them.

use http::StatusCode;
use serde_json::Value;

use crate::handlers::{json_object, wire_integer, Call};
use crate::limits::{MAX_DURATION, MAX_LABEL_BYTES};
use crate::protocol::Feature;
use crate::render::{self, Failure, Handled};
use crate::store::collection::Collection;
use crate::store::entries::TokenEntry;
use crate::store::identity::Identity;
use crate::store::tokens::ListFilter;
use crate::store::Store;

const DEFAULT_DURATION: u64 = 99_999;
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

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
        .store()?
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
    let filters = collection == Collection::JobTokens && call.protocol().offers(Feature::OwnTokens);
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
    let (records, next_after) = call.store()?.list(collection, after, limit, &filter, call.now);
    Ok(render::json(
        StatusCode::OK,
        &render::page(collection, &records, next_after),
    ))
}

/// The record, if the caller may see it: a job token owned by someone else
/// is "not found", so that ids do not reveal other users' tokens.
pub(super) fn visible(
    store: &Store,
    collection: Collection,
    id: i64,
    caller: Identity,
    now: u64,
) -> Result<&TokenEntry, Failure> {
    store
        .get(collection, id, now)
        .filter(|r| caller.is_admin || r.user_id == caller.user_id)
        .ok_or_else(|| not_found(collection, id))
}

/// 404 for a token that does not exist or that the caller may not see.
pub(super) fn not_found(collection: Collection, id: i64) -> Failure {
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
