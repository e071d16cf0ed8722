//! Ending and reviving the Quandela cloud's job tokens: revoke and reopen
//! (by the secret, as a form), delete by ids and delete by secrets.

use bytes::Bytes;
use http::Response;

use super::body::JsonObject;
use super::family::PathFamily;
use crate::wire;
use crate::{
    Access, BuildError, Dialect, Effect, Idempotency, Operation, RequestParts, ResponseError,
    ResponseErrorKind, Secret,
};

/// `POST {family}/revoke` with the form `token=<secret>`: the token is
/// refused from then on, until reopened. Idempotent by nature.
#[derive(Clone, Debug)]
pub struct RevokeToken {
    family: PathFamily,
    secret: Secret,
}

impl RevokeToken {
    /// Revokes the token with this secret.
    pub fn new(family: PathFamily, secret: Secret) -> Self {
        RevokeToken { family, secret }
    }
}

impl Operation for RevokeToken {
    type Output = ();
    const NAME: &'static str = "quandela.token.revoke";
    const EFFECT: Effect = Effect::Revoke;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        secret_form(Self::NAME, self.family, "revoke", &self.secret)
    }

    fn for_each_secret(&self, f: &mut dyn FnMut(&Secret)) {
        f(&self.secret);
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }
}

/// `POST {family}/reopen` with the form `token=<secret>`: a revoked token
/// works again. Idempotent by nature.
#[derive(Clone, Debug)]
pub struct ReopenToken {
    family: PathFamily,
    secret: Secret,
}

impl ReopenToken {
    /// Reopens the token with this secret.
    pub fn new(family: PathFamily, secret: Secret) -> Self {
        ReopenToken { family, secret }
    }
}

impl Operation for ReopenToken {
    type Output = ();
    const NAME: &'static str = "quandela.token.reopen";
    const EFFECT: Effect = Effect::Update;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        secret_form(Self::NAME, self.family, "reopen", &self.secret)
    }

    fn for_each_secret(&self, f: &mut dyn FnMut(&Secret)) {
        f(&self.secret);
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }
}

/// The request of a revoke or reopen: the secret as a form field, never in
/// the URL (where proxies and logs keep it).
fn secret_form<'a>(
    operation: &'static str,
    family: PathFamily,
    action: &str,
    secret: &Secret,
) -> Result<RequestParts<'a>, BuildError> {
    if secret.is_empty() {
        return Err(BuildError::InvalidInput {
            operation,
            reason: "the token is empty".to_owned(),
        });
    }
    Ok(RequestParts::post(format!("{}/{action}", family.base())).form(&[("token", secret.expose())]))
}

/// `POST {family}/delete-by-ids` with `{"token_ids": [..]}`: deletes these
/// tokens. Sent again after a lost answer, and a "not found" then counts
/// as done: the earlier send deleted them.
#[derive(Clone, Debug)]
pub struct DeleteTokensByIds {
    family: PathFamily,
    ids: Vec<i64>,
}

impl DeleteTokensByIds {
    /// Deletes the tokens with these ids.
    pub fn new(family: PathFamily, ids: impl Into<Vec<i64>>) -> Self {
        DeleteTokensByIds {
            family,
            ids: ids.into(),
        }
    }
}

impl Operation for DeleteTokensByIds {
    type Output = ();
    const NAME: &'static str = "quandela.token.delete_by_ids";
    const EFFECT: Effect = Effect::Delete;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        if self.ids.is_empty() {
            return Err(BuildError::InvalidInput {
                operation: Self::NAME,
                reason: "no token to delete".to_owned(),
            });
        }
        if let Some(&id) = self.ids.iter().find(|id| **id < 0) {
            return Err(BuildError::NotCreated {
                operation: Self::NAME,
                id,
            });
        }
        let body = JsonObject::new(Self::NAME)
            .field("token_ids", &self.ids)?
            .finish();
        Ok(RequestParts::post(format!("{}/delete-by-ids", self.family.base())).json(body))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }

    /// For one id, the cloud's 400 "Tokens not found" is success once an
    /// earlier send may have deleted it. Not for several: the cloud deletes
    /// all or none, so "not found" then says only that one of them is
    /// missing, and the others may still be alive.
    fn parse_resent_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        match wire::empty_body(Self::NAME, &response) {
            Err(ResponseError::Api(error)) if self.ids.len() == 1 && is_not_found(&error) => Ok(()),
            result => result,
        }
    }
}

/// Whether an error is the cloud's "Tokens not found".
fn is_not_found(error: &crate::ApiError) -> bool {
    ResponseError::Api(error.clone()).kind() == ResponseErrorKind::Rejected
        && error.message.starts_with("Tokens not found")
}

/// `POST {family}/delete` with `{"tokens": [secrets]}`: deletes the tokens
/// with these secrets. Never sent twice once it may have reached the
/// server (`docs/quandela.md`: deletes are re-sent by ids only).
#[derive(Clone, Debug)]
pub struct DeleteTokensBySecrets {
    family: PathFamily,
    secrets: Vec<Secret>,
}

impl DeleteTokensBySecrets {
    /// Deletes the tokens with these secrets.
    pub fn new(family: PathFamily, secrets: impl Into<Vec<Secret>>) -> Self {
        DeleteTokensBySecrets {
            family,
            secrets: secrets.into(),
        }
    }
}

impl Operation for DeleteTokensBySecrets {
    type Output = ();
    const NAME: &'static str = "quandela.token.delete_by_secrets";
    const EFFECT: Effect = Effect::Delete;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    fn for_each_secret(&self, f: &mut dyn FnMut(&Secret)) {
        self.secrets.iter().for_each(f);
    }

    /// Not re-sent: a re-send could only say "not found", which by secret
    /// cannot tell "deleted by the first send" from "never there".
    fn idempotency(&self) -> Idempotency {
        Idempotency::NonIdempotent
    }

    /// A job token's only: `/api/auth/tokens/delete` is deprecated and
    /// says it takes a job token.
    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        self.family.job_token_only(Self::NAME)?;
        if self.secrets.is_empty() || self.secrets.iter().any(Secret::is_empty) {
            return Err(BuildError::InvalidInput {
                operation: Self::NAME,
                reason: "no token to delete, or an empty one".to_owned(),
            });
        }
        let secrets: Vec<&str> = self.secrets.iter().map(Secret::expose).collect();
        let body = JsonObject::new(Self::NAME).field("tokens", &secrets)?.finish();
        Ok(RequestParts::post(format!("{}/delete", self.family.base())).json(body))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }
}
