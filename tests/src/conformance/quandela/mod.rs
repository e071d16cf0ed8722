//! The quandela profile: `docs/quandela.md` (dialect `quandela`) as a
//! black box can check it, over plain HTTP, against any server that
//! claims it. Check names cite the page's items (P: the published
//! document, A: our assumptions, E: what the emulator does, which the page
//! makes normative for servers of the dialect we test), so that a run
//! against production answers open questions (U) item by item.
//!
//! The run, in order: `/health` and 401s; the given credentials
//! (`setup`); the login, where one was given; routing; how input is read
//! and ids are written; the logged-in family's operations that take a job
//! token; then, on each family with
//! its credential (the job family with the user's job token, the
//! logged-in family with the logged-in token), generate, list, read,
//! update, labels, revoke and reopen, delete by ids, paging and filters,
//! and another user's tokens; then what only the job family has (delete
//! by secrets, the usage report) or needs a job token as the caller
//! (counters, revoking or deleting itself); labels across users;
//! delegation with the admin's token; expiry with a clock. Last, every
//! token made is deleted.

mod basics;
mod context;
mod delegation;
mod delete;
mod expiry;
mod generate;
mod input;
mod labels;
mod paging;
mod read;
mod revoke;
mod setup;
mod shapes;
mod usage;

use crate::conformance::harness::client::Http;
use crate::conformance::harness::credentials::QuandelaCredentials;
use crate::conformance::harness::options::Options;
use crate::conformance::report::Report;
use context::{Ctx, Family};

/// The quandela profile against `http`.
pub(super) async fn run(http: &Http, given: &QuandelaCredentials, options: &Options<'_>, r: &mut Report) {
    let mut c = Ctx::new(http, given, options);
    basics::health(&c, r).await;
    basics::unauthorized(&c, r).await;
    if !setup::credentials(&mut c, given, r).await {
        return;
    }
    setup::login(&mut c, given, r).await;
    if given.login.is_some() {
        input::login_input(&c, r).await;
    }
    basics::routing(&c, r).await;
    input::reading(&c, r).await;
    input::ids_written(&c, r).await;
    basics::job_token_on_auth(&c, r).await;
    for family in [Family::Job, Family::Auth] {
        match c.caller(family) {
            Some(caller) => by_family(&c, family, caller, r).await,
            None => r.skip(
                format!("{}: every check", family.name()),
                "no email and password were given (--login), or the login failed",
            ),
        }
    }
    read::counters(&c, r).await;
    revoke::itself(&c, r).await;
    delete::calling_token(&c, r).await;
    delete::by_secrets(&c, r).await;
    labels::per_user(&c, r).await;
    usage::run(&c, r).await;
    usage::sums(&c, r).await;
    delegation::admin(&c, r).await;
    expiry::run(&c, r).await;
    c.clean().await;
}

/// Every operation of `family`, with `caller`.
async fn by_family(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    generate::answers(c, family, caller, r).await;
    generate::refusals(c, family, caller, r).await;
    generate::priorities(c, family, caller, r).await;
    read::shapes(c, family, caller, r).await;
    read::unknown_ids(c, family, caller, r).await;
    read::updates(c, family, caller, r).await;
    labels::run(c, family, caller, r).await;
    revoke::cycle(c, family, caller, r).await;
    revoke::refusals(c, family, caller, r).await;
    delete::by_ids(c, family, caller, r).await;
    paging::run(c, family, caller, r).await;
    delegation::others(c, family, caller, r).await;
}
