//! The [`Resource`] trait and what the generic operations share: its
//! sealed supertrait (operation names, parsers), reading a token record
//! that a create or read answered, and a token's lifetime fields.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::error::DecodeError;
use crate::wire::{self, Record};
use crate::{Access, ResponseError, Secret, TokenType};

pub(crate) mod sealed {
    use bytes::Bytes;
    use http::Response;

    use crate::{Page, ResponseError};

    /// What the generic operations need of a resource and its users do not:
    /// operation names and the parsers of its records. A private supertrait
    /// of [`super::Resource`], so that it is neither nameable nor
    /// implementable outside this crate (the resource set is sealed).
    #[allow(unreachable_pub)]
    pub trait ResourceWire: Sized {
        /// The prefix of its operations' names (`job_token`), which
        /// [`super::Resource::NAME`] is.
        const PREFIX: &'static str;
        /// The create operation's name (`job_token.create`).
        const CREATE: &'static str;
        /// The read operation's name.
        const READ: &'static str;
        /// The delete operation's name.
        const DELETE: &'static str;
        /// The list operation's name.
        const LIST: &'static str;
        /// The rotate operation's name (protocol v2).
        const ROTATE: &'static str;
        /// Reads the record a create answered, which must carry its secret.
        fn parse_created(operation: &'static str, response: &Response<Bytes>) -> Result<Self, ResponseError>;
        /// Reads the record a read answered (no secret).
        fn parse_read(operation: &'static str, response: &Response<Bytes>) -> Result<Self, ResponseError>;
        /// Reads one page of a list that started after `after` and asked
        /// for at most `limit` records.
        fn parse_page(
            operation: &'static str,
            response: &Response<Bytes>,
            after: Option<i64>,
            limit: Option<u32>,
        ) -> Result<Page<Self>, ResponseError>;
    }
}

/// A collection of issued tokens: [`JobToken`](crate::JobToken) or
/// [`ApiKey`](crate::ApiKey). The operations on either are the generic
/// [`Create`](crate::Create), [`Read`](crate::Read),
/// [`Delete`](crate::Delete), [`List`](crate::List) and
/// [`Rotate`](crate::Rotate), named for each resource by
/// type aliases ([`CreateJobToken`](crate::CreateJobToken),
/// [`ListApiKeys`](crate::ListApiKeys), ...).
///
/// Sealed: implemented by this crate's resources only.
///
/// A resource declares its facts once, here; the facade, the CLI and the
/// Python binding read them rather than writing paths, field names or
/// operation names of their own.
///
/// ```
/// use steps_core::{JobToken, Resource, TokenType};
///
/// assert_eq!(JobToken::NOUN, "job token");
/// assert_eq!(JobToken::ID_FIELD, "token_id");
/// assert_eq!(JobToken::TOKEN_TYPE, TokenType::Job);
/// ```
pub trait Resource: sealed::ResourceWire {
    /// The collection's path (`/api/job_token`).
    const PATH: &'static str;
    /// Who may create, read and delete one: a user's login token for job
    /// tokens (their own), an admin for API keys. Listing is for admins.
    const ACCESS: Access;
    /// The resource's name: the first part of its operations' names
    /// (`job_token` of `job_token.create`).
    const NAME: &'static str;
    /// What a person calls one (`job token`).
    const NOUN: &'static str;
    /// The field of a record that holds its id (`token_id`).
    const ID_FIELD: &'static str;
    /// The field of a record that holds its secret (`token`).
    const SECRET_FIELD: &'static str;
    /// The type of token it is.
    const TOKEN_TYPE: TokenType;
    /// Whether users may list their own (protocol v2, feature
    /// `own_tokens`): job tokens yes, API keys no (an admin's).
    const OWN_LISTS: bool;

    /// Its id.
    fn id(&self) -> i64;
    /// The id of the user who owns it.
    fn user_id(&self) -> i64;
    /// Its label, if it has one.
    fn label(&self) -> Option<&str>;
    /// Its secret: present only in the answer to a create or rotation.
    fn secret(&self) -> Option<&Secret>;
    /// Its lifetime, from creation.
    fn duration(&self) -> Duration;
    /// When it was created.
    fn created_at(&self) -> SystemTime;
    /// When it expires.
    fn expires_at(&self) -> SystemTime;
    /// When its secret was last rotated, if it was.
    fn rotated_at(&self) -> Option<SystemTime>;
    /// Whether this is the server's replay of an earlier create or
    /// rotation with the same idempotency key.
    fn replayed(&self) -> bool;
}

/// A token record as it comes off the wire.
pub(crate) trait TokenRecord: Record {
    /// The name of the field that carries the secret (`token`, `api_key`).
    const SECRET_FIELD: &'static str;
    /// Whether the record carries its secret (only create responses do).
    fn has_secret(&self) -> bool;
    /// The record's id (`token_id`, `api_key_id`).
    fn id(&self) -> i64;
    /// Marks a model as the server's replay of an earlier create.
    fn mark_replayed(model: &mut Self::Model);
}

/// Reads the record a create answered. A record without its secret is a
/// decode error: a create whose secret is lost is worse than a failure.
pub(crate) fn parse_created<R: TokenRecord>(
    operation: &'static str,
    response: &Response<Bytes>,
) -> Result<R::Model, ResponseError> {
    let record: R = wire::json_body(operation, response)?;
    if !record.has_secret() {
        return Err(ResponseError::Decode(DecodeError {
            operation,
            status: response.status(),
            detail: format!("missing field `{}`", R::SECRET_FIELD),
        }));
    }
    let mut model = record.into_model(operation, response.status())?;
    if wire::is_replay(response) {
        R::mark_replayed(&mut model);
    }
    Ok(model)
}

/// Reads the record a read answered.
pub(crate) fn parse_read<R: TokenRecord>(
    operation: &'static str,
    response: &Response<Bytes>,
) -> Result<R::Model, ResponseError> {
    let record: R = wire::json_body(operation, response)?;
    record.into_model(operation, response.status())
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
