//! The Quandela cloud's models in the Python client's terms: a generate's
//! answer, a token read by id and a listed token as `Fields` (the id as
//! `token_id`, times as Unix seconds, the lifetime as expiry minus
//! creation, the cloud's other fields by their own names); the usage
//! report as dicts; and the times `JobToken.usage` takes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use steps::quandela::{GeneratedToken, TokenDetails, TokenSummary, TokenUsage};
use steps::Extra;

use crate::fields::Fields;
use crate::identity::unix_seconds;
use crate::json::json_to_py;

/// The cloud's fields that `Fields` has no slot for: kept as attributes,
/// under the cloud's names (but times, given as Unix seconds, as `_at`).
mod name {
    pub(super) const PRIORITY: &str = "priority";
    pub(super) const COUNT: &str = "count";
    pub(super) const LAST_USED_AT: &str = "last_used_at";
    pub(super) const IS_REVOKED: &str = "is_revoked";
    pub(super) const EMAIL: &str = "email";
    pub(super) const USER_PRIORITY: &str = "user_priority";
    pub(super) const COMPANY_ID: &str = "company_id";
    pub(super) const COMPANY_NAME: &str = "company_name";
    pub(super) const LAST_USED_DURATION: &str = "last_used_duration";
    pub(super) const IS_APIKEY: &str = "is_apikey";
    pub(super) const IS_EXPLORER_TOKEN: &str = "is_explorer_token";
    pub(super) const VALID: &str = "valid";
    pub(super) const TOKEN_ID: &str = "token_id";
    pub(super) const TOTAL_JOBS: &str = "total_jobs";
    pub(super) const USAGE: &str = "usage";
    pub(super) const PLATFORM_NAME: &str = "platform_name";
    pub(super) const NB_JOBS: &str = "nb_jobs";
    pub(super) const DURATION_SECONDS: &str = "duration_seconds";
    pub(super) const CREDITS: &str = "credits";
    pub(super) const FREE_CREDITS: &str = "free_credits";
}

/// The fields a server sent that this version does not know.
fn unknown(extra: &Extra) -> impl Iterator<Item = (String, Value)> + '_ {
    extra
        .names()
        .filter_map(|name| extra.get(name).map(|value| (name.to_owned(), value.clone())))
}

/// A lifetime in whole seconds, when both times are known.
fn lifetime(created_at: Option<i64>, expires_at: Option<i64>) -> Option<i64> {
    Some(expires_at?.saturating_sub(created_at?))
}

/// What a generate answered: the id, the secret (this once) and the
/// lifetime; the label sent and the owner, when known, are the caller's.
pub(crate) fn generated(token: GeneratedToken, label: Option<String>, user_id: Option<i64>) -> Fields {
    Fields {
        id: token.token_id,
        user_id,
        label,
        duration: token
            .duration
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        created_at: None,
        expires_at: None,
        rotated_at: None,
        extra: unknown(&token.extra).collect(),
        secret: Some(token.token),
    }
}

/// A token read by id, without its secret (kept apart by the caller).
pub(crate) fn details(token: &TokenDetails) -> Fields {
    let created_at = token.created_at.map(unix_seconds);
    let expires_at = token.expires_at.map(unix_seconds);
    let mut extra = vec![
        (name::PRIORITY.to_owned(), Value::from(token.priority)),
        (name::COUNT.to_owned(), Value::from(token.count)),
        (name::EMAIL.to_owned(), Value::from(token.email.clone())),
        (name::USER_PRIORITY.to_owned(), Value::from(token.user_priority)),
        (name::COMPANY_ID.to_owned(), Value::from(token.company_id)),
        (
            name::COMPANY_NAME.to_owned(),
            Value::from(token.company_name.clone()),
        ),
        (
            name::LAST_USED_AT.to_owned(),
            Value::from(token.last_used_at.map(unix_seconds)),
        ),
        (
            name::LAST_USED_DURATION.to_owned(),
            token.last_used_duration.clone().unwrap_or(Value::Null),
        ),
        (name::IS_APIKEY.to_owned(), Value::from(token.is_apikey)),
        (
            name::IS_EXPLORER_TOKEN.to_owned(),
            Value::from(token.is_explorer_token),
        ),
        (name::VALID.to_owned(), Value::from(token.valid)),
    ];
    extra.extend(unknown(&token.extra));
    token_fields(
        token.id,
        token.user_id,
        token.label.clone(),
        (created_at, expires_at),
        extra,
    )
}

/// What a token read or listed gives, in the attributes every token has;
/// what only the cloud knows goes into `extra`.
fn token_fields(
    id: i64,
    user_id: Option<i64>,
    label: Option<String>,
    (created_at, expires_at): (Option<i64>, Option<i64>),
    extra: Vec<(String, Value)>,
) -> Fields {
    Fields {
        id,
        user_id,
        label,
        duration: lifetime(created_at, expires_at),
        created_at,
        expires_at,
        rotated_at: None,
        secret: None,
        extra,
    }
}

/// A listed token, without its `key` (whatever it holds).
pub(crate) fn summary(token: &TokenSummary) -> Fields {
    let created_at = token.created_at.map(unix_seconds);
    let expires_at = token.expires_at.map(unix_seconds);
    let mut extra = vec![
        (name::PRIORITY.to_owned(), Value::from(token.priority)),
        (name::COUNT.to_owned(), Value::from(token.count)),
        (
            name::LAST_USED_AT.to_owned(),
            Value::from(token.last_used_at.map(unix_seconds)),
        ),
        (name::IS_REVOKED.to_owned(), Value::from(token.is_revoked)),
    ];
    extra.extend(unknown(&token.extra));
    token_fields(
        token.id,
        token.user_id,
        token.label.clone(),
        (created_at, expires_at),
        extra,
    )
}

/// The name of the priority attribute an update sets.
pub(crate) const PRIORITY: &str = name::PRIORITY;

/// The usage report as a list of dicts: `token_id`, `total_jobs` and
/// `usage`, a list of dicts (`platform_name`, `nb_jobs`,
/// `duration_seconds`, `credits`, `free_credits`), with any field the
/// server adds.
pub(crate) fn usage_list<'py>(py: Python<'py>, report: &[TokenUsage]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for token in report {
        let platforms = PyList::empty(py);
        for platform in &token.usage {
            let dict = PyDict::new(py);
            dict.set_item(name::PLATFORM_NAME, platform.platform_name.as_deref())?;
            dict.set_item(name::NB_JOBS, platform.nb_jobs)?;
            dict.set_item(name::DURATION_SECONDS, platform.duration_seconds)?;
            dict.set_item(name::CREDITS, platform.credits)?;
            dict.set_item(name::FREE_CREDITS, platform.free_credits)?;
            for (field, value) in unknown(&platform.extra) {
                dict.set_item(field, json_to_py(py, &value)?)?;
            }
            platforms.append(dict)?;
        }
        let dict = PyDict::new(py);
        dict.set_item(name::TOKEN_ID, token.token_id)?;
        dict.set_item(name::TOTAL_JOBS, token.total_jobs)?;
        dict.set_item(name::USAGE, platforms)?;
        for (field, value) in unknown(&token.extra) {
            dict.set_item(field, json_to_py(py, &value)?)?;
        }
        list.append(dict)?;
    }
    Ok(list)
}

/// A time given to `JobToken.usage`: Unix seconds (an int or a float), or
/// a `datetime` (its `timestamp()`: a naive one is local time, as Python
/// reads it).
pub(crate) fn time_arg(parameter: &str, value: &Bound<'_, PyAny>) -> PyResult<SystemTime> {
    let seconds: f64 = if value.hasattr("timestamp")? {
        value.call_method0("timestamp")?.extract()?
    } else {
        value.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "{parameter} must be Unix seconds (int or float) or a datetime"
            ))
        })?
    };
    let out_of_range = || PyValueError::new_err(format!("{parameter} is out of range: {seconds}"));
    if !seconds.is_finite() {
        return Err(out_of_range());
    }
    let offset = Duration::try_from_secs_f64(seconds.abs()).map_err(|_| out_of_range())?;
    let at = if seconds >= 0.0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    at.ok_or_else(out_of_range)
}
