//! `GET {family}/usage/report`: what the Quandela cloud's jobs cost, per
//! token and platform.

use std::fmt::Write as _;
use std::time::SystemTime;

use bytes::Bytes;
use http::{Response, StatusCode};

use super::family::PathFamily;
use super::time;
use crate::wire::{self, wire_object, Record};
use crate::{Access, BuildError, Dialect, Effect, Extra, Operation, RequestParts, ResponseError};

/// One token's usage over the report's period.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenUsage {
    /// The token's id.
    pub token_id: i64,
    /// How many jobs it ran.
    pub total_jobs: Option<i64>,
    /// By platform.
    pub usage: Vec<PlatformUsage>,
    /// Fields this version does not know.
    pub extra: Extra,
}

/// One token's usage of one platform.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PlatformUsage {
    /// The platform (a QPU or simulator).
    pub platform_name: Option<String>,
    /// How many jobs ran there.
    pub nb_jobs: Option<i64>,
    /// How long they ran, in seconds.
    pub duration_seconds: Option<f64>,
    /// The credits they cost.
    pub credits: Option<f64>,
    /// The free credits they cost.
    pub free_credits: Option<f64>,
    /// Fields this version does not know.
    pub extra: Extra,
}

wire_object! {
    struct PlatformWire {
        platform_name: Option<String>,
        nb_jobs: Option<i64>,
        duration_seconds: Option<f64>,
        credits: Option<f64>,
        free_credits: Option<f64>,
    }
}

wire_object! {
    struct UsageWire {
        token_id: i64,
        total_jobs: Option<i64>,
        usage: Option<Vec<PlatformWire>>,
    }
}

impl Record for UsageWire {
    type Model = TokenUsage;

    fn into_model(self, _: &'static str, _: StatusCode) -> Result<TokenUsage, ResponseError> {
        let usage = self
            .usage
            .unwrap_or_default()
            .into_iter()
            .map(|platform| PlatformUsage {
                platform_name: platform.platform_name,
                nb_jobs: platform.nb_jobs,
                duration_seconds: platform.duration_seconds,
                credits: platform.credits,
                free_credits: platform.free_credits,
                extra: platform.extra,
            });
        Ok(TokenUsage {
            token_id: self.token_id,
            total_jobs: self.total_jobs,
            usage: usage.collect(),
            extra: self.extra,
        })
    }
}

/// `GET {family}/usage/report?token_ids=1,2&start_time=..&end_time=..`:
/// the usage of these tokens (all the caller's when none is named) between
/// two times (the cloud's defaults when not given).
#[derive(Clone, Debug, Default)]
pub struct UsageReport {
    family: PathFamily,
    token_ids: Vec<i64>,
    since: Option<SystemTime>,
    until: Option<SystemTime>,
}

impl UsageReport {
    /// The report of every token, over the cloud's default period.
    pub fn new(family: PathFamily) -> Self {
        UsageReport {
            family,
            ..UsageReport::default()
        }
    }

    /// Only these tokens.
    pub fn token_ids(mut self, ids: impl Into<Vec<i64>>) -> Self {
        self.token_ids = ids.into();
        self
    }

    /// From this time on.
    pub fn since(mut self, at: SystemTime) -> Self {
        self.since = Some(at);
        self
    }

    /// Up to this time.
    pub fn until(mut self, at: SystemTime) -> Self {
        self.until = Some(at);
        self
    }
}

impl Operation for UsageReport {
    type Output = Vec<TokenUsage>;
    const NAME: &'static str = "quandela.usage.report";
    const EFFECT: Effect = Effect::Read;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    /// A job token's only: there is no `/api/auth/tokens/usage/report`.
    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        self.family.job_token_only(Self::NAME)?;
        let mut query = String::new();
        for (i, id) in self.token_ids.iter().enumerate() {
            if *id < 0 {
                return Err(BuildError::NotCreated {
                    operation: Self::NAME,
                    id: *id,
                });
            }
            query.push_str(if i == 0 { "token_ids=" } else { "," });
            let _ = write!(query, "{id}");
        }
        for (name, at) in [("start_time", self.since), ("end_time", self.until)] {
            if let Some(at) = at {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(name);
                query.push('=');
                wire::percent_encode(&time::format(at), &mut query);
            }
        }
        Ok(RequestParts::get(format!("{}/usage/report", self.family.base())).query(query))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Vec<TokenUsage>, ResponseError> {
        let records: Vec<UsageWire> = wire::json_array(Self::NAME, &response)?;
        let status = response.status();
        records
            .into_iter()
            .map(|record| record.into_model(Self::NAME, status))
            .collect()
    }
}
