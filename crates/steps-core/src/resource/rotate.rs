//! `POST {path}/{id}/rotate` (protocol v2, feature `rotation`): a new secret
//! for a token of either resource, keeping its id, label and lifetime.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use serde_core::Serialize;

use super::token::Resource;
use crate::operation::keyed_by_field;
use crate::wire;
use crate::{Access, BuildError, Effect, Feature, IdempotencyKey, Operation, RequestParts, ResponseError};

/// The longest grace period the protocol accepts: one day.
pub const MAX_ROTATION_GRACE: Duration = Duration::from_secs(86_400);

/// The body of a rotation: `{}`, or how long the old secret keeps working.
pub(crate) struct RotateBody {
    /// Left out when `None`.
    grace_seconds: Option<u64>,
}

/// As serde's derive writes it with `skip_serializing_if = "Option::is_none"`
/// (the core builds no proc-macro).
impl Serialize for RotateBody {
    fn serialize<S: serde_core::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde_core::ser::SerializeStruct;
        let mut body =
            serializer.serialize_struct("RotateBody", usize::from(self.grace_seconds.is_some()))?;
        if self.grace_seconds.is_some() {
            body.serialize_field("grace_seconds", &self.grace_seconds)?;
        } else {
            body.skip_field("grace_seconds")?;
        }
        body.end()
    }
}

impl RotateBody {
    /// Checks `grace` against the protocol (whole seconds, at most a day).
    pub(crate) fn new(operation: &'static str, grace: Option<Duration>) -> Result<RotateBody, BuildError> {
        let Some(grace) = grace else {
            return Ok(RotateBody { grace_seconds: None });
        };
        if grace.subsec_nanos() != 0 || grace > MAX_ROTATION_GRACE {
            return Err(BuildError::InvalidInput {
                operation,
                reason: format!(
                    "the grace period must be whole seconds from 0 to {}",
                    MAX_ROTATION_GRACE.as_secs()
                ),
            });
        }
        Ok(RotateBody {
            grace_seconds: Some(grace.as_secs()),
        })
    }
}

/// `POST {path}/{id}/rotate`: gives a token of resource `R` a new secret,
/// returned this once; the old one keeps working for the grace period
/// (default 0), then is refused. The owner's login token or an admin for a
/// job token, an admin for an API key. Not idempotent (each send rotates
/// again) unless it carries an [`IdempotencyKey`].
pub struct Rotate<R> {
    id: i64,
    grace: Option<Duration>,
    idempotency_key: Option<IdempotencyKey>,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Rotate<R> {
    fn clone(&self) -> Self {
        Rotate {
            id: self.id,
            grace: self.grace,
            idempotency_key: self.idempotency_key.clone(),
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Rotate<R> {
    /// Rotates the token with this id, the old secret refused at once.
    pub fn new(id: i64) -> Self {
        Rotate {
            id,
            grace: None,
            idempotency_key: None,
            resource: PhantomData,
        }
    }

    /// Keeps the old secret working for `grace` (whole seconds, at most a
    /// day), so that what uses it can be switched over.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// Sends it with an `Idempotency-Key`: a re-send returns the same new
    /// secret and does not rotate twice.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

impl<R: Resource> Operation for Rotate<R> {
    type Output = R;
    const NAME: &'static str = R::ROTATE;
    const EFFECT: Effect = Effect::Rotate;
    const ACCESS: Access = R::ACCESS;
    const FEATURE: Option<Feature> = Some(Feature::Rotation);

    keyed_by_field!();

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        if self.id < 0 {
            return Err(BuildError::NotCreated {
                operation: Self::NAME,
                id: self.id,
            });
        }
        let body = RotateBody::new(Self::NAME, self.grace)?;
        Ok(RequestParts::post(format!("{}/{}/rotate", R::PATH, self.id))
            .json(wire::to_json(Self::NAME, &body)?)
            .idempotency_key(self.idempotency_key.as_ref()))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<R, ResponseError> {
        R::parse_created(Self::NAME, &response)
    }
}

impl<R: Resource> std::fmt::Debug for Rotate<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct(<Self as Operation>::NAME);
        out.field("id", &self.id).field("grace", &self.grace);
        if let Some(key) = &self.idempotency_key {
            out.field("idempotency_key", key);
        }
        out.finish()
    }
}
