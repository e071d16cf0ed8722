//! The quandela dialect's delete handlers of either family:
//! `quandela.token.delete_by_ids` and `quandela.token.delete_by_secrets`,
//! all or nothing (`docs/quandela.md` E13).

use std::collections::HashSet;

use serde_json::Value;

use crate::handlers::quandela::input::{json_body, Invalid, Location, MISSING, NOT_AN_INTEGER};
use crate::handlers::quandela::{ok_message, permission_denied, QuandelaCall};
use crate::render::{Failure, Handled};
use crate::store::quandela::QuandelaCaller;
use crate::store::Store;

/// `quandela.token.delete_by_ids`: `{"token_ids": [int, ...]}`.
pub(crate) fn by_ids(call: &QuandelaCall<'_>) -> Handled {
    let caller = call.caller()?;
    let map = json_body(call.body)?;
    let mut invalid = Invalid::default();
    let mut refuse = |message: &str| invalid.add(Location::Json, "token_ids", message);
    // `None` for an integer past 64 bits, which names no token.
    let ids: Vec<Option<i64>> = match map.get("token_ids") {
        None => {
            refuse(MISSING);
            Vec::new()
        }
        Some(Value::Null) => {
            refuse("Field may not be null.");
            Vec::new()
        }
        Some(Value::Array(items)) if items.iter().all(|i| i.is_i64() || i.is_u64()) => {
            items.iter().map(Value::as_i64).collect()
        }
        Some(Value::Array(_)) => {
            refuse(NOT_AN_INTEGER);
            Vec::new()
        }
        Some(_) => {
            refuse("Not a valid list.");
            Vec::new()
        }
    };
    invalid.check()?;
    let mut store = call.store()?;
    delete(&mut store, caller, &ids)
}

/// `quandela.token.delete_by_secrets`: `{"tokens": [secret, ...]}`.
pub(crate) fn by_secrets(call: &QuandelaCall<'_>) -> Handled {
    let caller = call.caller()?;
    let map = json_body(call.body)?;
    let mut invalid = Invalid::default();
    let secrets: Vec<&str> = match map.get("tokens") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            invalid.add(Location::Json, "tokens", "Not a valid list.");
            Vec::new()
        }
    };
    if let Some(Value::Array(items)) = map.get("tokens") {
        if items.len() != secrets.len() {
            invalid.add(Location::Json, "tokens", "Not a valid string.");
        }
    }
    invalid.check()?;
    let mut store = call.store()?;
    let ids: Vec<Option<i64>> = secrets.iter().map(|s| store.quandela_by_secret(s)).collect();
    delete(&mut store, caller, &ids)
}

/// Deletes the tokens `ids` names, after E13's checks in its order: none,
/// or one that names no token, is 400 `Tokens not found`; another user's
/// (for a non-admin) 403; the calling token among them 400.
fn delete(store: &mut Store, caller: QuandelaCaller, ids: &[Option<i64>]) -> Handled {
    let mut found = HashSet::new();
    for id in ids {
        match id.and_then(|id| store.quandela_token(id)) {
            Some(token) => {
                found.insert((token.id, token.user_id));
            }
            None => return Err(Failure::bad_request("Tokens not found")),
        }
    }
    if found.is_empty() {
        return Err(Failure::bad_request("Tokens not found"));
    }
    if !caller.is_admin && found.iter().any(|(_, owner)| *owner != caller.user_id) {
        return Err(permission_denied());
    }
    let ids: HashSet<i64> = found.into_iter().map(|(id, _)| id).collect();
    if caller.job.is_some_and(|own| ids.contains(&own)) {
        return Err(Failure::bad_request("Can't delete the current active token"));
    }
    store.delete_quandela(&ids);
    Ok(ok_message())
}
