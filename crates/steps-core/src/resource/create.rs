//! `POST {path}`: creating a token of either resource.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response};
use serde::Serialize;

use super::Resource;
use crate::limits::{check_duration, check_label, DEFAULT_DURATION};
use crate::wire::{self, RequestParts};
use crate::{Access, BuildError, CloudContext, Credential, Idempotency, Operation, ResponseError};

/// `POST {path}`: creates a token of resource `R`; the response carries its
/// secret, this once. Not idempotent: each send mints a new secret.
pub struct Create<R> {
    label: Option<String>,
    duration: Duration,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Create<R> {
    fn clone(&self) -> Self {
        Create {
            label: self.label.clone(),
            duration: self.duration,
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

/// The request body of both creates.
#[derive(Serialize)]
struct CreateBody<'a> {
    label: Option<&'a str>,
    duration: u64,
}

impl<R: Resource> Operation for Create<R> {
    type Output = R;
    const NAME: &'static str = R::CREATE;
    const IDEMPOTENCY: Idempotency = Idempotency::NonIdempotent;
    const ACCESS: Access = R::ACCESS;

    fn build_request(
        &self,
        ctx: &CloudContext,
        credential: &Credential,
    ) -> Result<Request<Bytes>, BuildError> {
        let bearer = credential.authorize(Self::NAME, Self::ACCESS)?;
        check_label(Self::NAME, self.label.as_deref())?;
        let body = CreateBody {
            label: self.label.as_deref(),
            duration: check_duration(Self::NAME, self.duration)?,
        };
        wire::build(
            ctx,
            RequestParts {
                operation: Self::NAME,
                method: Method::POST,
                path: R::PATH,
                query: "",
                bearer,
                json: Some(wire::to_json(Self::NAME, &body)?),
            },
        )
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<R, ResponseError> {
        R::parse_created(Self::NAME, &response)
    }
}

impl<R: Resource> std::fmt::Debug for Create<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // By operation name rather than the derived `Create<JobToken>`
        // with its module path, which moves when modules do.
        f.debug_struct(<Self as Operation>::NAME)
            .field("label", &self.label)
            .field("duration", &self.duration)
            .finish()
    }
}
