//! Job tokens: `/api/job_token`. A user creates them for their jobs, reads
//! and deletes their own; an admin lists all of them.

use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::resource::sealed::ResourceWire;
use crate::resource::{
    page_shape, resource_accessors, resource_wire, Create, Delete, Lifetime, List, PageRecord, Read,
    Resource, Rotate, TokenRecord,
};
use crate::wire::{self, wire_object, Record};
use crate::{Access, Extra, ResponseError, Secret, TokenType};

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
    /// Whether this is the server's replay of an earlier create with the
    /// same idempotency key (protocol v2): the same token, not a new one.
    pub replayed: bool,
    /// When its secret was last rotated (protocol v2, feature `rotation`),
    /// if it was.
    pub rotated_at: Option<SystemTime>,
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
        rotated_at: Option<u64>,
    }
}

impl Record for JobTokenWire {
    type Model = JobToken;

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
            replayed: false,
            rotated_at: match self.rotated_at {
                Some(at) => Some(wire::unix_time(operation, status, "rotated_at", at)?),
                None => None,
            },
        })
    }
}

impl TokenRecord for JobTokenWire {
    const SECRET_FIELD: &'static str = <JobToken as Resource>::SECRET_FIELD;

    fn has_secret(&self) -> bool {
        self.token.is_some()
    }

    fn mark_replayed(model: &mut JobToken) {
        model.replayed = true;
    }

    fn id(&self) -> i64 {
        self.token_id
    }
}

/// A page of job tokens on the wire, read straight into models by
/// [`parse_page`](crate::resource::parse_page).
struct JobTokenPageWire;

impl wire::Shaped for JobTokenPageWire {
    const SHAPE: &'static [wire::Field] = &page_shape::<JobTokenWire>("job_tokens");
}

impl PageRecord for JobTokenPageWire {
    type Item = JobTokenWire;
    const ITEMS: &'static str = "job_tokens";
}

resource_wire!(JobToken, "job_token", JobTokenWire, JobTokenPageWire);

impl Resource for JobToken {
    const PATH: &'static str = PATH;
    const ACCESS: Access = Access::LoginToken;
    const NAME: &'static str = <JobToken as ResourceWire>::PREFIX;
    const NOUN: &'static str = "job token";
    const ID_FIELD: &'static str = "token_id";
    const SECRET_FIELD: &'static str = "token";
    const TOKEN_TYPE: TokenType = TokenType::Job;
    const OWN_LISTS: bool = true;

    resource_accessors!(token_id, token);
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

/// `POST /api/job_token/{token_id}/rotate` (protocol v2, feature `rotation`): a new secret for
/// the JobToken (returned this once), the old one working for the grace period.
/// The owner's login token or an admin's.
pub type RotateJobToken = Rotate<JobToken>;
