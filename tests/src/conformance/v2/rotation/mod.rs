//! Feature `rotation`: `POST /api/job_token/{id}/rotate` and `POST
//! /api/api_key/{id}/rotate`, grace periods, and what `self` and
//! `idempotency` add to them when offered; a module per group of checks,
//! run in order, with the graces' ends checked after one wait at the end.

mod callers;
mod context;
mod grace;
mod refusals;
mod replay;
mod revoke;

use crate::conformance::harness::client::Http;
use crate::conformance::harness::options::{pass, Accounts, Options};
use crate::conformance::harness::tokens::Made;
use crate::conformance::report::Report;

/// Feature `rotation`: `POST /api/job_token/{id}/rotate` and `POST
/// /api/api_key/{id}/rotate`, grace periods, and what `self` and
/// `idempotency` add to them when offered.
pub(super) async fn run(
    http: &Http,
    accounts: &Accounts,
    r: &mut Report,
    options: &Options<'_>,
    features: &[String],
) {
    let c = context::Ctx::new(http, accounts, options, features).await;
    let mut made = Made::default();
    let rotated = callers::who_may_rotate(&c, r, &mut made).await;
    callers::same_record(r, &rotated);
    callers::old_secrets(&c, r, &rotated).await;
    refusals::refused(&c, r, &rotated).await;
    refusals::reads_and_lists(&c, r, &rotated).await;
    let graced = grace::grace_starts(&c, r, &mut made).await;
    let twice = grace::rotated_twice(&c, r, &mut made).await;
    revoke::run(&c, r, &mut made).await;
    replay::run(&c, r, &mut made).await;

    // The graces end: one wait (or one move of the clock) past them all.
    pass(options, tokio::time::Instant::now(), c.grace + 1).await;
    grace::graces_end(&c, r, &graced, &twice).await;
    grace::rotated_away(&c, r, &graced).await;

    made.clean(http).await;
}
