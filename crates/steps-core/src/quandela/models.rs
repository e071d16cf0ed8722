//! The Quandela cloud's token objects, declared once each with
//! `wire_object!`, and the models callers get: ISO 8601 times as
//! `SystemTime`, secrets as `Secret`, unknown fields in `Extra`, and `null`
//! wherever `docs/quandela.md` says a field is nullable (which is nearly
//! everywhere: the published document makes every field of a token
//! nullable).

use std::time::{Duration, SystemTime};

use http::StatusCode;
use serde_json::Value;

use super::time;
use crate::error::DecodeError;
use crate::wire::{wire_object, Record};
use crate::{Extra, ResponseError, Secret};

/// A time field: `None` for `null` or absent, the time for an ISO 8601
/// date-time, and a decode error naming the field (never its value) for
/// anything else.
pub(crate) fn wire_time(
    operation: &'static str,
    status: StatusCode,
    field: &str,
    text: Option<&str>,
) -> Result<Option<SystemTime>, ResponseError> {
    let Some(text) = text else {
        return Ok(None);
    };
    match time::parse(text) {
        Some(at) => Ok(Some(at)),
        None => Err(ResponseError::Decode(DecodeError {
            operation,
            status,
            detail: format!("field `{field}`: expected an ISO 8601 date-time"),
        })),
    }
}

/// What a generate answered: the new token's id and its secret, shown this
/// once.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GeneratedToken {
    /// The new token's id.
    pub token_id: i64,
    /// Its secret (`_T_…`): the only time the server shows it.
    pub token: Secret,
    /// Its lifetime, if the server said.
    pub duration: Option<Duration>,
    /// Fields this version does not know.
    pub extra: Extra,
}

wire_object! {
    pub(crate) struct GeneratedWire {
        token_id: i64,
        token: Secret,
        duration: Option<u64>,
    }
}

impl Record for GeneratedWire {
    type Model = GeneratedToken;

    fn into_model(self, _: &'static str, _: StatusCode) -> Result<GeneratedToken, ResponseError> {
        Ok(GeneratedToken {
            token_id: self.token_id,
            token: self.token,
            duration: self.duration.map(Duration::from_secs),
            extra: self.extra,
        })
    }
}

/// A job token as a list shows it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenSummary {
    /// Its id.
    pub id: i64,
    /// What the list calls its `key`: treated as a secret, since the
    /// published document does not say what it holds.
    pub key: Option<Secret>,
    /// Its label.
    pub label: Option<String>,
    /// Its priority.
    pub priority: Option<i64>,
    /// The id of the user who owns it.
    pub user_id: Option<i64>,
    /// How many calls it has made.
    pub count: Option<i64>,
    /// When it was created (`created_date`).
    pub created_at: Option<SystemTime>,
    /// When it expires (`expiration_date`).
    pub expires_at: Option<SystemTime>,
    /// When it was last used (`last_used_time`).
    pub last_used_at: Option<SystemTime>,
    /// Whether it is revoked.
    pub is_revoked: Option<bool>,
    /// Fields this version does not know.
    pub extra: Extra,
}

wire_object! {
    pub(crate) struct SummaryWire {
        id: i64,
        key: Option<Secret>,
        label: Option<String>,
        priority: Option<i64>,
        user_id: Option<i64>,
        count: Option<i64>,
        created_date: Option<String>,
        expiration_date: Option<String>,
        last_used_time: Option<String>,
        is_revoked: Option<bool>,
    }
}

impl Record for SummaryWire {
    type Model = TokenSummary;

    fn into_model(self, operation: &'static str, status: StatusCode) -> Result<TokenSummary, ResponseError> {
        let time = |field, text: &Option<String>| wire_time(operation, status, field, text.as_deref());
        Ok(TokenSummary {
            created_at: time("created_date", &self.created_date)?,
            expires_at: time("expiration_date", &self.expiration_date)?,
            last_used_at: time("last_used_time", &self.last_used_time)?,
            id: self.id,
            key: self.key,
            label: self.label,
            priority: self.priority,
            user_id: self.user_id,
            count: self.count,
            is_revoked: self.is_revoked,
            extra: self.extra,
        })
    }
}

/// A job token as a read by id shows it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenDetails {
    /// Its id.
    pub id: i64,
    /// Its secret, where the server returns it (`docs/quandela.md`: only
    /// the production server can say whether it does).
    pub token: Option<Secret>,
    /// Its label.
    pub label: Option<String>,
    /// Its priority.
    pub priority: Option<i64>,
    /// The id of the user who owns it.
    pub user_id: Option<i64>,
    /// The owner's email.
    pub email: Option<String>,
    /// The owner's own priority, which a token's must stay below.
    pub user_priority: Option<i64>,
    /// The owner's company's id.
    pub company_id: Option<i64>,
    /// The owner's company's name.
    pub company_name: Option<String>,
    /// How many calls it has made.
    pub count: Option<i64>,
    /// When it was created (`created_date`).
    pub created_at: Option<SystemTime>,
    /// When it expires (`expiration_date`).
    pub expires_at: Option<SystemTime>,
    /// When it was last used (`last_used_time`).
    pub last_used_at: Option<SystemTime>,
    /// How long ago it was last used, as the server words it (its type is
    /// not published).
    pub last_used_duration: Option<Value>,
    /// Whether it is an API key rather than a job token.
    pub is_apikey: Option<bool>,
    /// Whether it is an explorer token.
    pub is_explorer_token: Option<bool>,
    /// Whether it can be used now (not revoked, not expired).
    pub valid: Option<bool>,
    /// Fields this version does not know.
    pub extra: Extra,
}

wire_object! {
    pub(crate) struct DetailsWire {
        id: i64,
        token: Option<Secret>,
        label: Option<String>,
        priority: Option<i64>,
        user_id: Option<i64>,
        email: Option<String>,
        user_priority: Option<i64>,
        company_id: Option<i64>,
        company_name: Option<String>,
        count: Option<i64>,
        created_date: Option<String>,
        expiration_date: Option<String>,
        last_used_time: Option<String>,
        last_used_duration: Option<Value>,
        is_apikey: Option<bool>,
        is_explorer_token: Option<bool>,
        valid: Option<bool>,
    }
}

impl Record for DetailsWire {
    type Model = TokenDetails;

    fn into_model(self, operation: &'static str, status: StatusCode) -> Result<TokenDetails, ResponseError> {
        let time = |field, text: &Option<String>| wire_time(operation, status, field, text.as_deref());
        Ok(TokenDetails {
            created_at: time("created_date", &self.created_date)?,
            expires_at: time("expiration_date", &self.expiration_date)?,
            last_used_at: time("last_used_time", &self.last_used_time)?,
            id: self.id,
            token: self.token,
            label: self.label,
            priority: self.priority,
            user_id: self.user_id,
            email: self.email,
            user_priority: self.user_priority,
            company_id: self.company_id,
            company_name: self.company_name,
            count: self.count,
            last_used_duration: self.last_used_duration.filter(|v| !v.is_null()),
            is_apikey: self.is_apikey,
            is_explorer_token: self.is_explorer_token,
            valid: self.valid,
            extra: self.extra,
        })
    }
}
