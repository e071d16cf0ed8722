//! The quandela dialect's token handlers of either family:
//! `quandela.token.generate`, `.list`, `.read` and `.update`
//! (`docs/quandela.md` E4, E7 to E11), and the bodies they answer.

use http::StatusCode;
use serde_json::{json, Value};

use crate::handlers::quandela::input::{self, json_body, Invalid, Location, NOT_AN_INTEGER};
use crate::handlers::quandela::time;
use crate::handlers::quandela::{may_act, not_found, ok_message, permission_denied, QuandelaCall};
use crate::limits::DEFAULT_PRIORITY;
use crate::render::{self, Failure, Handled};
use crate::store::entries::QuandelaToken;
use crate::store::quandela::NewToken;
use crate::store::Store;

/// A generate's `duration` when it gives none (P8).
const DEFAULT_DURATION: u64 = 86_400;
/// A list's `limit` when it gives none, and the largest (P10).
const DEFAULT_LIMIT: i64 = 1000;
const MAX_LIMIT: i64 = 10_000;

/// `quandela.token.generate`: 200 `{"duration", "token", "token_id"}`.
pub(crate) fn generate(call: &QuandelaCall<'_>) -> Handled {
    let caller = call.caller()?;
    let map = json_body(call.body)?;
    let mut invalid = Invalid::default();
    let duration = invalid.duration(&map).unwrap_or(DEFAULT_DURATION);
    let label = invalid.label(&map);
    let priority = invalid.integer(&map, "priority").unwrap_or(0);
    let user_id = invalid.integer(&map, "user_id");
    let explorer = invalid.boolean(&map, "is_explorer_token");
    invalid.check()?;
    let owner = user_id.unwrap_or(caller.user_id);
    if owner != caller.user_id && !caller.is_admin {
        return Err(permission_denied());
    }
    let mut store = call.store()?;
    let (_, _, owner_priority) = store
        .account(owner)
        .ok_or_else(|| Failure::bad_request("Unknown user"))?;
    check_rules(
        &store,
        owner,
        owner_priority,
        None,
        label.as_deref(),
        Some(priority),
    )?;
    let new = NewToken {
        user_id: owner,
        label,
        priority,
        duration,
        explorer,
    };
    let (id, token) = store
        .generate(new, call.now)
        .map_err(|_| Failure::could_not_mint())?;
    Ok(render::json(
        StatusCode::OK,
        &json!({ "duration": duration, "token": token, "token_id": id }),
    ))
}

/// E8 and E4: a priority below the owner's, and a label none of the
/// owner's other tokens has.
fn check_rules(
    store: &Store,
    owner: i64,
    owner_priority: i64,
    id: Option<i64>,
    label: Option<&str>,
    priority: Option<i64>,
) -> Result<(), Failure> {
    if id.is_none() && store.quandela_tokens_of(owner).count() >= crate::limits::MAX_TOKENS_PER_USER {
        return Err(Failure::bad_request(
            "Too many tokens: delete some before generating another",
        ));
    }
    if priority.is_some_and(|p| p >= owner_priority) {
        return Err(Failure::bad_request(
            "Can't assign priority higher than user priority",
        ));
    }
    match label {
        Some(label) if store.label_taken(owner, label, id) => {
            Err(Failure::bad_request(format!("Label already exists: {label}")))
        }
        _ => Ok(()),
    }
}

/// `quandela.token.list`: the tokens of `user_id` (default the caller's)
/// that `include_revoked` and `include_expired` keep, by id, then
/// `offset` and `limit` (E10). A bare array.
pub(crate) fn list(call: &QuandelaCall<'_>) -> Handled {
    let caller = call.caller()?;
    let mut invalid = Invalid::default();
    let (mut limit, mut offset, mut user_id) = (DEFAULT_LIMIT, 0, None);
    let (mut expired, mut revoked) = (true, true);
    for (key, value) in input::pairs(call.query.as_bytes(), Location::Query)? {
        if value.is_empty() {
            continue;
        }
        let integer = input::query_integer(&value);
        let boolean = input::query_boolean(&value);
        let mut refuse = |message: &str| invalid.add(Location::Query, &key, message);
        match (key.as_str(), integer, boolean) {
            ("limit", Some(n), _) if (1..=MAX_LIMIT).contains(&n) => limit = n,
            ("limit", Some(_), _) => refuse(&format!(
                "Must be greater than or equal to 1 and less than or equal to {MAX_LIMIT}."
            )),
            ("offset", Some(n), _) if n >= 0 => offset = n,
            ("offset", Some(_), _) => refuse("Must be greater than or equal to 0."),
            ("user_id", Some(n), _) => user_id = Some(n),
            ("limit" | "offset" | "user_id", None, _) => refuse(NOT_AN_INTEGER),
            ("include_expired", _, Some(b)) => expired = b,
            ("include_revoked", _, Some(b)) => revoked = b,
            ("include_expired" | "include_revoked", _, None) => refuse("Not a valid boolean."),
            _ => {}
        }
    }
    invalid.check()?;
    let owner = user_id.unwrap_or(caller.user_id);
    if owner != caller.user_id && !caller.is_admin {
        return Err(permission_denied());
    }
    let store = call.store()?;
    let now = call.now;
    let page: Vec<Value> = store
        .quandela_tokens_of(owner)
        .filter(|t| (revoked || !t.revoked) && (expired || now < t.expires_at))
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(listed)
        .collect();
    Ok(render::json(StatusCode::OK, &Value::Array(page)))
}

/// A list item, `TokensListUnitResponse` (E11: `key` is always null).
fn listed(token: &QuandelaToken) -> Value {
    json!({
        "id": token.id,
        "user_id": token.user_id,
        "label": token.label,
        "priority": token.priority,
        "count": token.count,
        "key": null,
        "is_revoked": token.revoked,
        "created_date": time::format(token.created_at),
        "expiration_date": time::format(token.expires_at),
        "last_used_time": token.last_used.map(time::format),
    })
}

/// `quandela.token.read`: 200 `Token` (E11).
pub(crate) fn read(call: &QuandelaCall<'_>) -> Handled {
    let caller = call.caller()?;
    let id = call.token_id()?;
    let store = call.store()?;
    let token = id.and_then(|id| store.quandela_token(id)).ok_or_else(not_found)?;
    may_act(caller, token)?;
    let (email, _, user_priority) = store
        .account(token.user_id)
        .map_or((None, false, DEFAULT_PRIORITY), |(e, a, p)| (Some(e), a, p));
    let body = json!({
        "id": token.id,
        "user_id": token.user_id,
        "email": email,
        "company_id": null,
        "company_name": null,
        "label": token.label,
        "priority": token.priority,
        "user_priority": user_priority,
        "count": token.count,
        "last_used_duration": null,
        "token": null,
        "is_apikey": false,
        "is_explorer_token": token.explorer,
        "valid": token.valid(call.now),
        "created_date": time::format(token.created_at),
        "expiration_date": time::format(token.expires_at),
        "last_used_time": token.last_used.map(time::format),
    });
    Ok(render::json(StatusCode::OK, &body))
}

/// `quandela.token.update`: `label` and `priority`, each unchanged when
/// absent or `null` (E11).
pub(crate) fn update(call: &QuandelaCall<'_>) -> Handled {
    let caller = call.caller()?;
    let map = json_body(call.body)?;
    let mut invalid = Invalid::default();
    let label = invalid.label(&map);
    let priority = invalid.integer(&map, "priority");
    invalid.check()?;
    let id = call.token_id()?;
    let mut store = call.store()?;
    let token = id.and_then(|id| store.quandela_token(id)).ok_or_else(not_found)?;
    may_act(caller, token)?;
    let (owner, id) = (token.user_id, token.id);
    let owner_priority = store.account(owner).map_or(DEFAULT_PRIORITY, |(_, _, p)| p);
    check_rules(
        &store,
        owner,
        owner_priority,
        Some(id),
        label.as_deref(),
        priority,
    )?;
    store.update_quandela(id, label, priority);
    Ok(ok_message())
}
