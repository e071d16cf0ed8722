//! Job tokens: `/api/job_token`. A user creates them for their jobs, reads
//! and deletes their own; an admin lists all of them.

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

const PATH: &str = "/api/job_token";

/// A job token: authorises one user's jobs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JobToken {
    /// The token's id.
    pub token_id: i64,
    /// The id of the user who owns it.
    pub user_id: i64,
    /// A label chosen by its owner.
    pub label: Option<String>,
    /// Its lifetime, from creation.
    pub duration: Duration,
    /// When it was created.
    pub created_at: SystemTime,
    /// When it expires.
    pub expires_at: SystemTime,
    /// The secret token: present only in the response to a create.
    pub token: Option<Secret>,
    /// Fields this version does not know.
    pub extra: Extra,
}

#[derive(Deserialize)]
struct JobTokenWire {
    token_id: i64,
    user_id: i64,
    label: Option<String>,
    duration: u64,
    created_at: u64,
    expires_at: u64,
    token: Option<Secret>,
    #[serde(flatten)]
    extra: Extra,
}

const JOB_TOKEN_SHAPE: &[Field] = &[
    Field::required("token_id", Kind::Integer),
    Field::required("user_id", Kind::Integer),
    Field::optional("label", Kind::String),
    Field::required("duration", Kind::Unsigned),
    Field::required("created_at", Kind::Unsigned),
    Field::required("expires_at", Kind::Unsigned),
    Field::optional("token", Kind::String),
];

impl Record for JobTokenWire {
    type Model = JobToken;
    const SHAPE: &'static [Field] = JOB_TOKEN_SHAPE;

    fn into_model(self, operation: &'static str, status: StatusCode) -> Result<JobToken, ResponseError> {
        let life = Lifetime::from_wire(operation, status, self.duration, self.created_at, self.expires_at)?;
        Ok(JobToken {
            token_id: self.token_id,
            user_id: self.user_id,
            label: self.label,
            duration: life.duration,
            created_at: life.created_at,
            expires_at: life.expires_at,
            token: self.token,
            extra: self.extra,
        })
    }

    fn has_secret(&self) -> bool {
        self.token.is_some()
    }
}

#[derive(Deserialize)]
struct JobTokenPageWire {
    job_tokens: Vec<JobTokenWire>,
    next_after: Option<i64>,
}

impl PageRecord for JobTokenPageWire {
    type Item = JobTokenWire;
    const SHAPE: &'static [Field] = &[
        Field::required("job_tokens", Kind::Objects(JOB_TOKEN_SHAPE)),
        Field::optional("next_after", Kind::Integer),
    ];

    fn into_parts(self) -> (Vec<JobTokenWire>, Option<i64>) {
        (self.job_tokens, self.next_after)
    }
}

/// `POST /api/job_token`: creates a job token; the response carries its
/// secret, this once. Needs a login token.
#[derive(Clone, Debug)]
pub struct CreateJobToken {
    credential: Credential,
    label: Option<String>,
    duration: Duration,
}

impl CreateJobToken {
    /// A job token with no label and the default lifetime (99,999 s).
    pub fn new(credential: Credential) -> Self {
        CreateJobToken {
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

impl Operation for CreateJobToken {
    type Output = JobToken;
    const NAME: &'static str = "job_token.create";
    const IDEMPOTENCY: Idempotency = Idempotency::NonIdempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_token(Self::NAME)?;
        resource::create_request(ctx, Self::NAME, PATH, token, self.label.as_deref(), self.duration)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<JobToken, ResponseError> {
        resource::parse_one::<JobTokenWire>(Self::NAME, &response, true, "token")
    }
}

/// `GET /api/job_token/{token_id}`: reads a job token, without its secret.
/// Needs the owner's login token or an admin's.
#[derive(Clone, Debug)]
pub struct ReadJobToken {
    credential: Credential,
    token_id: i64,
}

impl ReadJobToken {
    /// Reads the job token `token_id`.
    pub fn new(credential: Credential, token_id: i64) -> Self {
        ReadJobToken { credential, token_id }
    }
}

impl Operation for ReadJobToken {
    type Output = JobToken;
    const NAME: &'static str = "job_token.read";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_token(Self::NAME)?;
        resource::item_request(ctx, Self::NAME, Method::GET, PATH, token, self.token_id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<JobToken, ResponseError> {
        resource::parse_one::<JobTokenWire>(Self::NAME, &response, false, "token")
    }
}

/// `DELETE /api/job_token/{token_id}`: revokes a job token. Needs the
/// owner's login token or an admin's.
#[derive(Clone, Debug)]
pub struct DeleteJobToken {
    credential: Credential,
    token_id: i64,
}

impl DeleteJobToken {
    /// Deletes the job token `token_id`.
    pub fn new(credential: Credential, token_id: i64) -> Self {
        DeleteJobToken { credential, token_id }
    }
}

impl Operation for DeleteJobToken {
    type Output = ();
    const NAME: &'static str = "job_token.delete";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_token(Self::NAME)?;
        resource::item_request(ctx, Self::NAME, Method::DELETE, PATH, token, self.token_id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        crate::wire::empty_body(Self::NAME, &response)
    }
}

/// `GET /api/job_token?limit=L&after=A`: one page of every user's job
/// tokens, without secrets. Admin only.
#[derive(Clone, Debug)]
pub struct ListJobTokens {
    credential: Credential,
    limit: Option<u32>,
    after: Option<i64>,
}

impl ListJobTokens {
    /// The first page, of the server's default size (100).
    pub fn new(credential: Credential) -> Self {
        ListJobTokens {
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

impl ListOperation for ListJobTokens {
    type Item = JobToken;

    fn next_page(&self, page: &Page<JobToken>) -> Option<Self> {
        let after = page.next_after?;
        Some(ListJobTokens {
            after: Some(after),
            ..self.clone()
        })
    }

    fn with_credential(&self, credential: Credential) -> Self {
        ListJobTokens {
            credential,
            ..self.clone()
        }
    }
}

impl Operation for ListJobTokens {
    type Output = Page<JobToken>;
    const NAME: &'static str = "job_token.list";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn build_request(&self, ctx: &CloudContext) -> Result<Request<Bytes>, BuildError> {
        let token = self.credential.require_admin(Self::NAME)?;
        resource::list_request(ctx, Self::NAME, PATH, token, self.limit, self.after)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Page<JobToken>, ResponseError> {
        resource::parse_page::<JobTokenPageWire>(Self::NAME, &response, self.after)
    }
}
