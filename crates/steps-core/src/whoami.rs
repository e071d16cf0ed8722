//! `GET /api/whoami`: who holds this token, and what kind of token is it.

use std::time::SystemTime;

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::wire::wire_object;
use crate::wire::{self, Field, Kind, RequestParts};
use crate::{BuildError, CloudContext, Credential, Extra, Idempotency, Operation, ResponseError, TokenType};

/// What the server knows of a token's holder.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Identity {
    /// The holder's user id.
    pub user_id: i64,
    /// The kind of token sent, or `None` for a kind this version does not
    /// know (see `token_type_code`).
    pub token_type: Option<TokenType>,
    /// The protocol's number for the kind of token.
    pub token_type_code: u64,
    /// Whether the holder is an admin.
    pub is_admin: bool,
    /// When the token expires, if the server said.
    pub expires_at: Option<SystemTime>,
    /// Fields this version does not know.
    pub extra: Extra,
}

/// `GET /api/whoami`: accepts any valid token of any type.
#[derive(Clone, Debug)]
pub struct Whoami {
    credential: Credential,
}

impl Whoami {
    /// Asks who holds the credential's token.
    pub fn new(credential: Credential) -> Self {
        Whoami { credential }
    }
}

wire_object! {
    struct IdentityWire {
        user_id: i64,
        token_type: u64,
        is_admin: Option<bool>,
        expires_at: Option<u64>,
    }
}

const IDENTITY_SHAPE: &[Field] = &[
    Field::required("user_id", Kind::Integer),
    Field::required("token_type", Kind::Unsigned),
    Field::optional("is_admin", Kind::Bool),
    Field::optional("expires_at", Kind::Unsigned),
];

impl Operation for Whoami {
    type Output = Identity;
    const NAME: &'static str = "whoami";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_token(Self::NAME)?;
        wire::build(
            ctx,
            RequestParts {
                operation: Self::NAME,
                method: Method::GET,
                path: "/api/whoami",
                query: "",
                bearer: Some(token),
                json: None,
            },
        )
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Identity, ResponseError> {
        let wire: IdentityWire = wire::json_body(Self::NAME, &response, IDENTITY_SHAPE)?;
        let expires_at = match wire.expires_at {
            Some(s) => Some(wire::unix_time(Self::NAME, response.status(), "expires_at", s)?),
            None => None,
        };
        Ok(Identity {
            user_id: wire.user_id,
            token_type: TokenType::from_code(wire.token_type),
            token_type_code: wire.token_type,
            is_admin: wire.is_admin.unwrap_or(false),
            expires_at,
            extra: wire.extra,
        })
    }
}
