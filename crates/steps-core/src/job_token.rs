//! Job tokens: `/api/job_token`. A user creates them for their jobs, reads
//! and deletes their own; an admin lists all of them.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Response, StatusCode};
use serde::Deserialize;

use crate::resource::{self, Create, Delete, Lifetime, List, PageRecord, Read, Record, Resource, Sealed};
use crate::wire::wire_object;
use crate::wire::{Field, Kind};
use crate::{Extra, Page, ResponseError, Secret};

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

wire_object! {
    struct JobTokenWire {
        token_id: i64,
        user_id: i64,
        label: Option<String>,
        duration: u64,
        created_at: u64,
        expires_at: u64,
        token: Option<Secret>,
    }
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

impl Sealed for JobToken {}

impl Resource for JobToken {
    const PATH: &'static str = PATH;
    const ADMIN_ONLY: bool = false;
    const NAMES: [&'static str; 4] = [
        "job_token.create",
        "job_token.read",
        "job_token.delete",
        "job_token.list",
    ];

    fn parse_one(
        operation: &'static str,
        response: &Response<Bytes>,
        secret_required: bool,
    ) -> Result<Self, ResponseError> {
        resource::parse_one::<JobTokenWire>(operation, response, secret_required, "token")
    }

    fn parse_page(
        operation: &'static str,
        response: &Response<Bytes>,
        after: Option<i64>,
    ) -> Result<Page<Self>, ResponseError> {
        resource::parse_page::<JobTokenPageWire>(operation, response, after)
    }
}

/// `POST /api/job_token`: creates a job token; the response carries its secret,
/// this once. Needs a login token.
pub type CreateJobToken = Create<JobToken>;

/// `GET /api/job_token/{token_id}`: reads a job token, without its secret.
/// Needs the owner's login token or an admin's.
pub type ReadJobToken = Read<JobToken>;

/// `DELETE /api/job_token/{token_id}`: deletes (revokes) a job token.
/// Needs the owner's login token or an admin's.
pub type DeleteJobToken = Delete<JobToken>;

/// `GET /api/job_token?limit=L&after=A`: one page of all job tokens, without
/// secrets. Admin only.
pub type ListJobTokens = List<JobToken>;
