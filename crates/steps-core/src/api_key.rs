//! API keys: `/api/api_key`. An admin creates them for workers, and reads,
//! deletes and lists them.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use serde::Deserialize;

use crate::resource::{self, Lifetime, PageRecord, Record, DEFAULT_DURATION};
use crate::wire::{Field, Kind};
use crate::{
    BuildError, CloudContext, Credential, Extra, Idempotency, ListOperation, Operation, Page, ResponseError,
    Secret,
};

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
}

impl ApiKey {
    /// The secret key, as the Python client's `token` property returns it:
    /// present only on a just-created key.
    pub fn token(&self) -> Option<&Secret> {
        self.api_key.as_ref()
    }
}

#[derive(Deserialize)]
struct ApiKeyWire {
    api_key_id: i64,
    user_id: i64,
    label: Option<String>,
    duration: u64,
    created_at: u64,
    expires_at: u64,
    api_key: Option<Secret>,
    #[serde(flatten)]
    extra: Extra,
}

const JOB_TOKEN_SHAPE: &[Field] = &[
    Field::required("api_key_id", Kind::Integer),
    Field::required("user_id", Kind::Integer),
    Field::optional("label", Kind::String),
    Field::required("duration", Kind::Unsigned),
    Field::required("created_at", Kind::Unsigned),
    Field::required("expires_at", Kind::Unsigned),
    Field::optional("api_key", Kind::String),
];

impl Record for ApiKeyWire {
    type Model = ApiKey;
    const SHAPE: &'static [Field] = JOB_TOKEN_SHAPE;

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
        })
    }

    fn has_secret(&self) -> bool {
        self.api_key.is_some()
    }
}

#[derive(Deserialize)]
struct ApiKeyPageWire {
    api_keys: Vec<ApiKeyWire>,
    next_after: Option<i64>,
}

impl PageRecord for ApiKeyPageWire {
    type Item = ApiKeyWire;
    const SHAPE: &'static [Field] = &[
        Field::required("api_keys", Kind::Objects(JOB_TOKEN_SHAPE)),
        Field::optional("next_after", Kind::Integer),
    ];

    fn into_parts(self) -> (Vec<ApiKeyWire>, Option<i64>) {
        (self.api_keys, self.next_after)
    }
}

/// `POST /api/api_key`: creates an API key; the response carries its
/// secret, this once. Admin only.
#[derive(Clone, Debug)]
pub struct CreateApiKey {
    credential: Credential,
    label: Option<String>,
    duration: Duration,
}

impl CreateApiKey {
    /// An API key with no label and the default lifetime (99,999 s).
    pub fn new(credential: Credential) -> Self {
        CreateApiKey {
            credential,
            label: None,
            duration: DEFAULT_DURATION,
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

impl Operation for CreateApiKey {
    type Output = ApiKey;
    const NAME: &'static str = "api_key.create";
    const IDEMPOTENCY: Idempotency = Idempotency::NonIdempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_admin(Self::NAME)?;
        resource::create_request(ctx, Self::NAME, PATH, token, self.label.as_deref(), self.duration)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<ApiKey, ResponseError> {
        resource::parse_one::<ApiKeyWire>(Self::NAME, &response, true, "api_key")
    }
}

/// `GET /api/api_key/{api_key_id}`: reads an API key, without its secret.
/// Admin only.
#[derive(Clone, Debug)]
pub struct ReadApiKey {
    credential: Credential,
    api_key_id: i64,
}

impl ReadApiKey {
    /// Reads the API key `api_key_id`.
    pub fn new(credential: Credential, api_key_id: i64) -> Self {
        ReadApiKey {
            credential,
            api_key_id,
        }
    }
}

impl Operation for ReadApiKey {
    type Output = ApiKey;
    const NAME: &'static str = "api_key.read";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_admin(Self::NAME)?;
        resource::item_request(ctx, Self::NAME, Method::GET, PATH, token, self.api_key_id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<ApiKey, ResponseError> {
        resource::parse_one::<ApiKeyWire>(Self::NAME, &response, false, "api_key")
    }
}

/// `DELETE /api/api_key/{api_key_id}`: revokes an API key. Admin only.
#[derive(Clone, Debug)]
pub struct DeleteApiKey {
    credential: Credential,
    api_key_id: i64,
}

impl DeleteApiKey {
    /// Deletes the API key `api_key_id`.
    pub fn new(credential: Credential, api_key_id: i64) -> Self {
        DeleteApiKey {
            credential,
            api_key_id,
        }
    }
}

impl Operation for DeleteApiKey {
    type Output = ();
    const NAME: &'static str = "api_key.delete";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_admin(Self::NAME)?;
        resource::item_request(ctx, Self::NAME, Method::DELETE, PATH, token, self.api_key_id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        crate::wire::empty_body(Self::NAME, &response)
    }
}

/// `GET /api/api_key?limit=L&after=A`: one page of all API
/// keys, without secrets. Admin only.
#[derive(Clone, Debug)]
pub struct ListApiKeys {
    credential: Credential,
    limit: Option<u32>,
    after: Option<i64>,
}

impl ListApiKeys {
    /// The first page, of the server's default size (100).
    pub fn new(credential: Credential) -> Self {
        ListApiKeys {
            credential,
            limit: None,
            after: None,
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

impl ListOperation for ListApiKeys {
    type Item = ApiKey;

    fn next_page(&self, page: &Page<ApiKey>) -> Option<Self> {
        let after = page.next_after?;
        Some(ListApiKeys {
            after: Some(after),
            ..self.clone()
        })
    }

    fn with_credential(&self, credential: Credential) -> Self {
        ListApiKeys {
            credential,
            ..self.clone()
        }
    }
}

impl Operation for ListApiKeys {
    type Output = Page<ApiKey>;
    const NAME: &'static str = "api_key.list";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_admin(Self::NAME)?;
        resource::list_request(ctx, Self::NAME, PATH, token, self.limit, self.after)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Page<ApiKey>, ResponseError> {
        resource::parse_page::<ApiKeyPageWire>(Self::NAME, &response, self.after)
    }
}
