//! `GET /api/whoami`: who holds this token, and what kind of token is it.

use std::time::SystemTime;

use bytes::Bytes;
use http::Response;

use crate::wire::{self, wire_object};
use crate::{Access, BuildError, Effect, Extra, Operation, RequestParts, ResponseError, TokenType};

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
    /// For a job token, its id (protocol v2, feature `self`).
    pub token_id: Option<i64>,
    /// For an API key, its id (protocol v2, feature `self`).
    pub api_key_id: Option<i64>,
    /// For a job token or API key, its label (protocol v2, feature `self`).
    pub label: Option<String>,
}

/// `GET /api/whoami`: who holds the token it is sent with. Accepts any
/// valid token of any type.
#[derive(Clone, Copy, Debug, Default)]
pub struct Whoami;

wire_object! {
    struct IdentityWire {
        user_id: i64,
        token_type: u64,
        is_admin: Option<bool>,
        expires_at: Option<u64>,
        token_id: Option<i64>,
        api_key_id: Option<i64>,
        label: Option<String>,
    }
}

impl Operation for Whoami {
    type Output = Identity;
    const NAME: &'static str = "whoami";
    const EFFECT: Effect = Effect::Read;
    const ACCESS: Access = Access::AnyToken;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        Ok(RequestParts::get("/api/whoami"))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Identity, ResponseError> {
        let wire: IdentityWire = wire::json_body(Self::NAME, &response)?;
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
            token_id: wire.token_id,
            api_key_id: wire.api_key_id,
            label: wire.label,
        })
    }
}
