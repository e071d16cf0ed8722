//! What job tokens and API keys share: the four generic operations
//! (`Create`, `Read`, `Delete`, `List`), validation of new tokens, the
//! request shapes, and reading records and pages. `job_token.rs` and
//! `api_key.rs` say only what differs: paths, names and fields.

use std::marker::PhantomData;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::DecodeError;
use crate::wire::{self, Field, RequestParts};
use crate::{
    BuildError, CloudContext, Credential, Idempotency, ListOperation, Operation, Page, ResponseError, Secret,
    MAX_PAGE_LIMIT,
};

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

mod sealed {
    /// Keeps [`super::Resource`] to this crate's two resources.
    #[allow(unreachable_pub)]
    pub trait Sealed {}
}

pub(crate) use sealed::Sealed;

/// A collection of issued tokens: [`JobToken`](crate::JobToken) or
/// [`ApiKey`](crate::ApiKey). The four operations on either are the generic
/// [`Create`], [`Read`], [`Delete`] and [`List`], named for each resource by
/// type aliases ([`CreateJobToken`](crate::CreateJobToken),
/// [`ListApiKeys`](crate::ListApiKeys), ...).
///
/// Sealed: implemented by this crate's resources only.
pub trait Resource: Sized + sealed::Sealed {
    /// The collection's path (`/api/job_token`).
    const PATH: &'static str;
    /// Whether every operation on it is for admins (API keys), or only
    /// listing (job tokens, which users manage themselves).
    const ADMIN_ONLY: bool;
    /// The operation names: create, read, delete, list.
    const NAMES: [&'static str; 4];
    /// Reads one record from a response.
    #[doc(hidden)]
    fn parse_one(
        operation: &'static str,
        response: &Response<Bytes>,
        secret_required: bool,
    ) -> Result<Self, ResponseError>;
    /// Reads one page from a response to a list that started after `after`.
    #[doc(hidden)]
    fn parse_page(
        operation: &'static str,
        response: &Response<Bytes>,
        after: Option<i64>,
    ) -> Result<Page<Self>, ResponseError>;
}

/// The caller's token, checked against who may call on `R`.
fn token_for<'c, R: Resource>(
    credential: &'c Credential,
    operation: &'static str,
    admin_only: bool,
) -> Result<&'c Secret, BuildError> {
    if admin_only || R::ADMIN_ONLY {
        credential.require_admin(operation)
    } else {
        credential.require_token(operation)
    }
}

/// `POST {path}`: creates a token of resource `R`; the response carries its
/// secret, this once. Not idempotent: each send mints a new secret.
#[derive(Debug)]
pub struct Create<R> {
    credential: Credential,
    label: Option<String>,
    duration: Duration,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Create<R> {
    fn clone(&self) -> Self {
        Create {
            credential: self.credential.clone(),
            label: self.label.clone(),
            duration: self.duration,
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Create<R> {
    /// A token with no label and the default lifetime (99,999 s).
    pub fn new(credential: Credential) -> Self {
        Create {
            credential,
            label: None,
            duration: DEFAULT_DURATION,
            resource: PhantomData,
        }
    }

    /// Sets the label (at most 256 bytes).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the lifetime (whole seconds, from 1 s to ten years).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }
}

impl<R: Resource> Operation for Create<R> {
    type Output = R;
    const NAME: &'static str = R::NAMES[0];
    const IDEMPOTENCY: Idempotency = Idempotency::NonIdempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = token_for::<R>(&self.credential, Self::NAME, false)?;
        create_request(
            ctx,
            Self::NAME,
            R::PATH,
            token,
            self.label.as_deref(),
            self.duration,
        )
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<R, ResponseError> {
        R::parse_one(Self::NAME, &response, true)
    }
}

/// `GET {path}/{id}`: reads a token of resource `R`, without its secret.
#[derive(Debug)]
pub struct Read<R> {
    credential: Credential,
    id: i64,
    resource: PhantomData<fn() -> R>,
}

/// `DELETE {path}/{id}`: deletes (revokes) a token of resource `R`.
#[derive(Debug)]
pub struct Delete<R> {
    credential: Credential,
    id: i64,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Read<R> {
    fn clone(&self) -> Self {
        Read {
            credential: self.credential.clone(),
            id: self.id,
            resource: PhantomData,
        }
    }
}

impl<R> Clone for Delete<R> {
    fn clone(&self) -> Self {
        Delete {
            credential: self.credential.clone(),
            id: self.id,
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Read<R> {
    /// Reads the token with this id.
    pub fn new(credential: Credential, id: i64) -> Self {
        Read {
            credential,
            id,
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Delete<R> {
    /// Deletes the token with this id.
    pub fn new(credential: Credential, id: i64) -> Self {
        Delete {
            credential,
            id,
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Operation for Read<R> {
    type Output = R;
    const NAME: &'static str = R::NAMES[1];
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = token_for::<R>(&self.credential, Self::NAME, false)?;
        item_request(ctx, Self::NAME, Method::GET, R::PATH, token, self.id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<R, ResponseError> {
        R::parse_one(Self::NAME, &response, false)
    }
}

impl<R: Resource> Operation for Delete<R> {
    type Output = ();
    const NAME: &'static str = R::NAMES[2];
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = token_for::<R>(&self.credential, Self::NAME, false)?;
        item_request(ctx, Self::NAME, Method::DELETE, R::PATH, token, self.id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }
}

/// `GET {path}?limit=L&after=A`: one page of every token of resource `R`,
/// without secrets. Admin only.
#[derive(Debug)]
pub struct List<R> {
    credential: Credential,
    limit: Option<u32>,
    after: Option<i64>,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for List<R> {
    fn clone(&self) -> Self {
        List {
            credential: self.credential.clone(),
            limit: self.limit,
            after: self.after,
            resource: PhantomData,
        }
    }
}

impl<R: Resource> List<R> {
    /// The first page, of the server's default size (100).
    pub fn new(credential: Credential) -> Self {
        List {
            credential,
            limit: None,
            after: None,
            resource: PhantomData,
        }
    }

    /// Asks for at most `limit` items (1 to 1000).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts after the id `after` (exclusive).
    pub fn after(mut self, after: i64) -> Self {
        self.after = Some(after);
        self
    }
}

impl<R: Resource> ListOperation for List<R> {
    type Item = R;

    fn next_page(&self, page: &Page<R>) -> Option<Self> {
        let after = page.next_after?;
        Some(List {
            after: Some(after),
            ..self.clone()
        })
    }

    fn with_credential(&self, credential: Credential) -> Self {
        List {
            credential,
            ..self.clone()
        }
    }
}

impl<R: Resource> Operation for List<R> {
    type Output = Page<R>;
    const NAME: &'static str = R::NAMES[3];
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = token_for::<R>(&self.credential, Self::NAME, true)?;
        list_request(ctx, Self::NAME, R::PATH, token, self.limit, self.after)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Page<R>, ResponseError> {
        R::parse_page(Self::NAME, &response, self.after)
    }
}
