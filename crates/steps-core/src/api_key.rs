//! API keys: `/api/api_key`. An admin creates them for workers, and reads,
//! deletes and lists them.

use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::resource::sealed::ResourceWire;
use crate::resource::{
    page_shape, resource_accessors, resource_wire, Create, Delete, Lifetime, List, PageRecord, Read,
    Resource, Rotate, TokenRecord,
};
use crate::wire::{self, wire_object, Record};
use crate::{Access, Extra, ResponseError, Secret, TokenType};

const PATH: &str = "/api/api_key";

/// An API key: authorises a worker.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiKey {
    /// The token's id.
    pub api_key_id: i64,
    /// The id of the admin who made it.
    pub user_id: i64,
    /// A label chosen by the admin who made it.
    pub label: Option<String>,
    /// Its lifetime, from creation.
    pub duration: Duration,
    /// When it was created.
    pub created_at: SystemTime,
    /// When it expires.
    pub expires_at: SystemTime,
    /// The secret key: present only in the response to a create.
    pub api_key: Option<Secret>,
    /// Fields this version does not know.
    pub extra: Extra,
    /// Whether this is the server's replay of an earlier create with the
    /// same idempotency key (protocol v2): the same token, not a new one.
    pub replayed: bool,
    /// When its secret was last rotated (protocol v2, feature `rotation`),
    /// if it was.
    pub rotated_at: Option<SystemTime>,
}

impl ApiKey {
    /// The secret key, as the Python client's `token` property returns it:
    /// present only on a just-created key.
    pub fn token(&self) -> Option<&Secret> {
        self.api_key.as_ref()
    }
}

wire_object! {
    struct ApiKeyWire {
        api_key_id: i64,
        user_id: i64,
        label: Option<String>,
        duration: u64,
        created_at: u64,
        expires_at: u64,
        api_key: Option<Secret>,
        rotated_at: Option<u64>,
    }
}

impl Record for ApiKeyWire {
    type Model = ApiKey;

    fn into_model(self, operation: &'static str, status: StatusCode) -> Result<ApiKey, ResponseError> {
        let life = Lifetime::from_wire(operation, status, self.duration, self.created_at, self.expires_at)?;
        Ok(ApiKey {
            api_key_id: self.api_key_id,
            user_id: self.user_id,
            label: self.label,
            duration: life.duration,
            created_at: life.created_at,
            expires_at: life.expires_at,
            api_key: self.api_key,
            extra: self.extra,
            replayed: false,
            rotated_at: match self.rotated_at {
                Some(at) => Some(wire::unix_time(operation, status, "rotated_at", at)?),
                None => None,
            },
        })
    }
}

impl TokenRecord for ApiKeyWire {
    const SECRET_FIELD: &'static str = <ApiKey as Resource>::SECRET_FIELD;

    fn has_secret(&self) -> bool {
        self.api_key.is_some()
    }

    fn mark_replayed(model: &mut ApiKey) {
        model.replayed = true;
    }

    fn id(&self) -> i64 {
        self.api_key_id
    }
}

/// A page of API keys on the wire, read straight into models by
/// [`parse_page`](crate::resource::parse_page).
struct ApiKeyPageWire;

impl wire::Shaped for ApiKeyPageWire {
    const SHAPE: &'static [wire::Field] = &page_shape::<ApiKeyWire>("api_keys");
}

impl PageRecord for ApiKeyPageWire {
    type Item = ApiKeyWire;
    const ITEMS: &'static str = "api_keys";
}

resource_wire!(ApiKey, "api_key", ApiKeyWire, ApiKeyPageWire);

impl Resource for ApiKey {
    const PATH: &'static str = PATH;
    const ACCESS: Access = Access::Admin;
    const NAME: &'static str = <ApiKey as ResourceWire>::PREFIX;
    const NOUN: &'static str = "API key";
    const ID_FIELD: &'static str = "api_key_id";
    const SECRET_FIELD: &'static str = "api_key";
    const TOKEN_TYPE: TokenType = TokenType::ApiKey;
    const OWN_LISTS: bool = false;

    resource_accessors!(api_key_id, api_key);
}

/// `POST /api/api_key`: creates an API key; the response carries its secret,
/// this once. Admin only.
pub type CreateApiKey = Create<ApiKey>;

/// `GET /api/api_key/{api_key_id}`: reads an API key, without its secret.
/// Admin only.
pub type ReadApiKey = Read<ApiKey>;

/// `DELETE /api/api_key/{api_key_id}`: deletes (revokes) an API key.
/// Admin only.
pub type DeleteApiKey = Delete<ApiKey>;

/// `GET /api/api_key?limit=L&after=A`: one page of all API keys, without
/// secrets. Admin only.
pub type ListApiKeys = List<ApiKey>;

/// `POST /api/api_key/{api_key_id}/rotate` (protocol v2, feature `rotation`): a new secret for
/// the ApiKey (returned this once), the old one working for the grace period.
/// Admin only.
pub type RotateApiKey = Rotate<ApiKey>;
