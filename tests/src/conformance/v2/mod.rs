//! The v2 profile, after v1's: discovery (`GET /api/meta`), then each
//! feature the server offers, a module each; those it does not offer are
//! reported skipped.

mod idempotency;
mod own_tokens;
mod rotation;
mod self_token;

use http::Method;

use crate::conformance::harness::client::{advertised, shown, Http};
use crate::conformance::harness::options::{Accounts, Options};
use crate::conformance::report::Report;

/// The v2 profile, after v1's: discovery, then each feature offered.
pub(super) async fn run(http: &Http, accounts: &Accounts, r: &mut Report, options: &Options<'_>) {
    let reply = http.call(Method::GET, "/api/meta", None, None).await;
    let features = advertised(http).await;
    r.check(
        "meta: GET /api/meta without a token is 200 {\"protocol\": 2 or later, \"features\": [strings]}",
        reply.status == 200 && features.is_some(),
        || shown(&reply),
    );
    let features = features.unwrap_or_default();
    let offers = |feature: &str| features.iter().any(|f| f == feature);
    let not_offered = |feature: &str| format!("the server does not offer the feature `{feature}`");
    if offers("idempotency") {
        idempotency::run(http, accounts, r, options).await;
    } else {
        r.skip("idempotency: every check", not_offered("idempotency"));
    }
    if offers("self") {
        self_token::run(http, accounts, r, options).await;
    } else {
        r.skip("self: every check", not_offered("self"));
    }
    if offers("own_tokens") {
        own_tokens::run(http, accounts, r).await;
    } else {
        r.skip("own_tokens: every check", not_offered("own_tokens"));
    }
    if offers("rotation") {
        rotation::run(http, accounts, r, options, &features).await;
    } else {
        r.skip("rotation: every check", not_offered("rotation"));
    }
}
