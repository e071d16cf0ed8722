//! `POST {path}`: creating a token of either resource.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use serde_core::Serialize;

use super::token::Resource;
use crate::limits::{check_duration, check_label, DEFAULT_DURATION};
use crate::operation::keyed_by_field;
use crate::wire;
use crate::{Access, BuildError, Effect, IdempotencyKey, Operation, RequestParts, ResponseError};

/// `POST {path}`: creates a token of resource `R`; the response carries its
/// secret, this once. Not idempotent: each send mints a new secret, unless
/// it carries an [`IdempotencyKey`] (protocol v2, feature `idempotency`),
/// which makes it safe to send again: the server answers a re-send with the
/// same key from its store, the same token, instead of creating another.
pub struct Create<R> {
    label: Option<String>,
    duration: Duration,
    idempotency_key: Option<IdempotencyKey>,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Create<R> {
    fn clone(&self) -> Self {
        Create {
            label: self.label.clone(),
            duration: self.duration,
            idempotency_key: self.idempotency_key.clone(),
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Default for Create<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Resource> Create<R> {
    /// A token with no label and the default lifetime (99,999 s).
    pub fn new() -> Self {
        Create {
            label: None,
            duration: DEFAULT_DURATION,
            idempotency_key: None,
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

    /// Sends the create with this `Idempotency-Key` (protocol v2; send it
    /// only to a server whose [`Capabilities`](crate::Capabilities) offer
    /// [`Feature::Idempotency`](crate::Feature::Idempotency)). The create
    /// becomes idempotent: every re-send carries the same key.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

/// The request body of both creates.
struct CreateBody<'a> {
    label: Option<&'a str>,
    duration: u64,
}

/// As serde's derive writes it (the core builds no proc-macro).
impl Serialize for CreateBody<'_> {
    fn serialize<S: serde_core::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde_core::ser::SerializeStruct;
        let mut body = serializer.serialize_struct("CreateBody", 2)?;
        body.serialize_field("label", &self.label)?;
        body.serialize_field("duration", &self.duration)?;
        body.end()
    }
}

impl<R: Resource> Operation for Create<R> {
    type Output = R;
    const NAME: &'static str = R::CREATE;
    const EFFECT: Effect = Effect::Create;
    const ACCESS: Access = R::ACCESS;

    keyed_by_field!();

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        check_label(Self::NAME, self.label.as_deref())?;
        let body = CreateBody {
            label: self.label.as_deref(),
            duration: check_duration(Self::NAME, self.duration)?,
        };
        Ok(RequestParts::post(R::PATH)
            .json(wire::to_json(Self::NAME, &body)?)
            .idempotency_key(self.idempotency_key.as_ref()))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<R, ResponseError> {
        R::parse_created(Self::NAME, &response)
    }
}

impl<R: Resource> std::fmt::Debug for Create<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // By operation name rather than the derived `Create<JobToken>`
        // with its module path, which moves when modules do.
        let mut out = f.debug_struct(<Self as Operation>::NAME);
        out.field("label", &self.label).field("duration", &self.duration);
        // Only when set, so that a v1 create prints as it always has.
        if let Some(key) = &self.idempotency_key {
            out.field("idempotency_key", key);
        }
        out.finish()
    }
}
