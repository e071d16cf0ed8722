//! `/api/token/self` (protocol v2, feature `self`): what a token does to
//! itself. Revoking it (logout for a login token; killing a leaked job
//! token or API key with the token itself), and rotating a job token's or
//! API key's own secret.

use std::time::Duration;

use bytes::Bytes;
use http::Response;
use serde_json::{Map, Value};

use crate::operation::keyed_by_field;
use crate::resource::sealed::ResourceWire;
use crate::resource::RotateBody;
use crate::wire;
use crate::{
    Access, ApiKey, BuildError, Effect, Feature, IdempotencyKey, JobToken, Operation, RequestParts,
    ResponseError,
};

const PATH: &str = "/api/token/self";
const ROTATE_PATH: &str = "/api/token/self/rotate";

/// `DELETE /api/token/self`: revokes the token it is sent with (any type);
/// from then on the server answers it 401 everywhere. A login token's
/// revocation is a real logout.
#[derive(Clone, Copy, Debug, Default)]
pub struct RevokeSelf;

impl Operation for RevokeSelf {
    type Output = ();
    const NAME: &'static str = "token.revoke_self";
    const EFFECT: Effect = Effect::Delete;
    const ACCESS: Access = Access::AnyToken;
    const FEATURE: Option<Feature> = Some(Feature::SelfToken);

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        Ok(RequestParts::delete(PATH))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }

    /// A 401 is success: the earlier send revoked the token, which is now
    /// refused.
    fn parse_resent_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        match wire::empty_body(Self::NAME, &response) {
            // The protocol's own 401, not a gateway's error page.
            Err(ResponseError::Api(error)) if error.status == http::StatusCode::UNAUTHORIZED => Ok(()),
            result => result,
        }
    }
}

/// A token that rotated its own secret: which kind it was.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RotatedSelf {
    /// A job token, with its new secret.
    JobToken(JobToken),
    /// An API key, with its new secret.
    ApiKey(ApiKey),
}

/// `POST /api/token/self/rotate`: a job token or API key rotates its own
/// secret (a login token is answered 403); the new secret comes back this
/// once, the old one works for the grace period. Not idempotent unless it
/// carries an [`IdempotencyKey`].
#[derive(Clone, Default)]
pub struct RotateSelf {
    grace: Option<Duration>,
    idempotency_key: Option<IdempotencyKey>,
}

impl RotateSelf {
    /// Rotates at once: the old secret is refused from now on.
    pub fn new() -> Self {
        RotateSelf::default()
    }

    /// Keeps the old secret working for `grace` (whole seconds, at most a
    /// day).
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

impl std::fmt::Debug for RotateSelf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct(<Self as Operation>::NAME);
        out.field("grace", &self.grace);
        if let Some(key) = &self.idempotency_key {
            out.field("idempotency_key", key);
        }
        out.finish()
    }
}

impl Operation for RotateSelf {
    type Output = RotatedSelf;
    const NAME: &'static str = "token.rotate_self";
    const EFFECT: Effect = Effect::Rotate;
    const ACCESS: Access = Access::AnyToken;
    const FEATURE: Option<Feature> = Some(Feature::Rotation);

    keyed_by_field!();

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        let body = RotateBody::new(Self::NAME, self.grace)?;
        Ok(RequestParts::post(ROTATE_PATH)
            .json(wire::to_json(Self::NAME, &body)?)
            .idempotency_key(self.idempotency_key.as_ref()))
    }

    /// The record's id field says which kind of token it is: `api_key_id`
    /// for an API key, otherwise a job token (whose parse then explains
    /// what is missing).
    fn parse_response(&self, response: Response<Bytes>) -> Result<RotatedSelf, ResponseError> {
        let is_api_key = response.status().is_success()
            && serde_json::from_slice::<Map<String, Value>>(response.body())
                .is_ok_and(|object| object.contains_key("api_key_id"));
        if is_api_key {
            ApiKey::parse_created(Self::NAME, &response).map(RotatedSelf::ApiKey)
        } else {
            JobToken::parse_created(Self::NAME, &response).map(RotatedSelf::JobToken)
        }
    }
}
