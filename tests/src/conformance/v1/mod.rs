//! The v1 profile: logins and whoami, the authorisation matrix,
//! validation and routing, paging, revocation and expiry, run in that
//! order.

mod expiry;
mod fixture;
mod matrix;
mod paging;
mod validation;

use http::Method;

use crate::conformance::harness::client::Http;
use crate::conformance::harness::options::Accounts;
use crate::conformance::report::Report;

/// The v1 profile; false when the accounts could not log in (and nothing
/// else was checked). `lists_own`: whether the server offers `own_tokens`
/// (a user lists their own job tokens rather than 403), if known.
pub(super) async fn run(http: &Http, accounts: &Accounts, r: &mut Report, lists_own: Option<bool>) -> bool {
    let Some(logins) = fixture::log_in(http, accounts, r).await else {
        return false;
    };
    let f = fixture::create(http, r, logins).await;
    fixture::whoami(http, r, &f).await;
    matrix::run(http, r, &f, lists_own).await;
    validation::run(http, r, &f).await;
    let paged = paging::run(http, r, &f).await;
    expiry::revocation(http, r, &f).await;
    expiry::expiry(http, r, &f).await;

    // Clean up.
    for id in paged {
        http.call(
            Method::DELETE,
            &format!("/api/job_token/{id}"),
            Some(&f.user),
            None,
        )
        .await;
    }
    true
}
