//! What job tokens and API keys share: validation of new tokens, the
//! create / read / delete / list request shapes, and reading list pages.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::DecodeError;
use crate::wire::{self, Field, RequestParts};
use crate::{BuildError, CloudContext, Page, ResponseError, Secret, MAX_PAGE_LIMIT};

/// The longest label the protocol accepts, in bytes.
pub const MAX_LABEL_BYTES: usize = 256;
/// The longest lifetime the protocol accepts: ten years (315,360,000 s).
pub const MAX_DURATION: Duration = Duration::from_secs(315_360_000);
/// The lifetime of a new token when none is given: 99,999 s, as in the
/// Python client.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(99_999);

/// The request body of both creates.
#[derive(Serialize)]
struct CreateBody<'a> {
    label: Option<&'a str>,
    duration: u64,
}

/// The create request for the collection at `path`, after checking label
/// and duration against the protocol's limits.
pub(crate) fn create_request(
    ctx: &CloudContext,
    operation: &'static str,
    path: &str,
    token: &Secret,
    label: Option<&str>,
    duration: Duration,
) -> Result<Request<Bytes>, BuildError> {
    let invalid = |reason: String| BuildError::InvalidInput { operation, reason };
    if let Some(label) = label {
        if label.len() > MAX_LABEL_BYTES {
            return Err(invalid(format!(
                "the label is {} bytes, more than {MAX_LABEL_BYTES}",
                label.len()
            )));
        }
    }
    if duration.subsec_nanos() != 0 {
        return Err(invalid(
            "the duration must be a whole number of seconds".to_owned(),
        ));
    }
    if duration.is_zero() || duration > MAX_DURATION {
        return Err(invalid(format!(
            "the duration must be from 1 to {} seconds",
            MAX_DURATION.as_secs()
        )));
    }
    let body = CreateBody {
        label,
        duration: duration.as_secs(),
    };
    wire::build(
        ctx,
        RequestParts {
            operation,
            method: Method::POST,
            path,
            query: "",
            bearer: Some(token),
            json: Some(wire::to_json(operation, &body)?),
        },
    )
}

/// The read or delete request for item `id` of the collection at `path`.
pub(crate) fn item_request(
    ctx: &CloudContext,
    operation: &'static str,
    method: Method,
    path: &str,
    token: &Secret,
    id: i64,
) -> Result<Request<Bytes>, BuildError> {
    if id < 0 {
        return Err(BuildError::NotCreated { operation, id });
    }
    let path = format!("{path}/{id}");
    wire::build(
        ctx,
        RequestParts {
            operation,
            method,
            path: &path,
            query: "",
            bearer: Some(token),
            json: None,
        },
    )
}

/// The request for one page of the collection at `path`.
pub(crate) fn list_request(
    ctx: &CloudContext,
    operation: &'static str,
    path: &str,
    token: &Secret,
    limit: Option<u32>,
    after: Option<i64>,
) -> Result<Request<Bytes>, BuildError> {
    let mut query = String::new();
    if let Some(limit) = limit {
        if limit == 0 {
            return Err(BuildError::InvalidInput {
                operation,
                reason: format!("the page limit must be from 1 to {MAX_PAGE_LIMIT}"),
            });
        }
        query.push_str(&format!("limit={}", limit.min(MAX_PAGE_LIMIT)));
    }
    if let Some(after) = after {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("after={after}"));
    }
    wire::build(
        ctx,
        RequestParts {
            operation,
            method: Method::GET,
            path,
            query: &query,
            bearer: Some(token),
            json: None,
        },
    )
}

/// A token record as it comes off the wire, and how it becomes the model.
pub(crate) trait Record: DeserializeOwned {
    type Model;
    /// The record's fields, for explaining a body that does not decode.
    const SHAPE: &'static [Field];
    fn into_model(self, operation: &'static str, status: StatusCode) -> Result<Self::Model, ResponseError>;
    /// Whether the record carries its secret (only create responses do).
    fn has_secret(&self) -> bool;
}

/// A list page as it comes off the wire.
pub(crate) trait PageRecord: DeserializeOwned {
    type Item: Record;
    const SHAPE: &'static [Field];
    fn into_parts(self) -> (Vec<Self::Item>, Option<i64>);
}

/// Reads one record; with `secret_required`, a record without its secret is
/// a decode error (a create whose secret is lost is worse than a failure).
pub(crate) fn parse_one<R: Record>(
    operation: &'static str,
    response: &Response<Bytes>,
    secret_required: bool,
    secret_field: &str,
) -> Result<R::Model, ResponseError> {
    let record: R = wire::json_body(operation, response, R::SHAPE)?;
    if secret_required && !record.has_secret() {
        return Err(ResponseError::Decode(DecodeError {
            operation,
            status: response.status(),
            detail: format!("missing field `{secret_field}`"),
        }));
    }
    record.into_model(operation, response.status())
}

/// Reads one page, checking that its cursor moves forward so that a caller
/// walking pages can never loop.
pub(crate) fn parse_page<P: PageRecord>(
    operation: &'static str,
    response: &Response<Bytes>,
    after: Option<i64>,
) -> Result<Page<<P::Item as Record>::Model>, ResponseError> {
    let status = response.status();
    let page: P = wire::json_body(operation, response, P::SHAPE)?;
    let (records, next_after) = page.into_parts();
    if let (Some(next), Some(after)) = (next_after, after) {
        if next <= after {
            return Err(ResponseError::Decode(DecodeError {
                operation,
                status,
                detail: "field `next_after`: the cursor does not move past `after`".to_owned(),
            }));
        }
    }
    let items = records
        .into_iter()
        .map(|record| record.into_model(operation, status))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_after })
}

/// A token's lifetime fields, converted from wire seconds.
pub(crate) struct Lifetime {
    pub(crate) duration: Duration,
    pub(crate) created_at: SystemTime,
    pub(crate) expires_at: SystemTime,
}

impl Lifetime {
    pub(crate) fn from_wire(
        operation: &'static str,
        status: StatusCode,
        duration: u64,
        created_at: u64,
        expires_at: u64,
    ) -> Result<Lifetime, ResponseError> {
        Ok(Lifetime {
            duration: Duration::from_secs(duration),
            created_at: wire::unix_time(operation, status, "created_at", created_at)?,
            expires_at: wire::unix_time(operation, status, "expires_at", expires_at)?,
        })
    }
}
