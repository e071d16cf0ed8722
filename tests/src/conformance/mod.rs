//! The conformance kit: a black-box suite for any server that claims STEPS
//! protocol v1 or v2 (`docs/protocol.md`), or the Quandela cloud's token
//! API as our SDK speaks it (`docs/quandela.md`), over plain HTTP requests
//! with exact headers and bodies, and cleans up what it created.
//!
//! Three profiles. [`Profile::V1`] checks the authorisation matrix,
//! validation, paging, expiry and revocation; [`Profile::V2`] checks all of
//! that (a v2 server is a v1 server too), then discovery (`GET /api/meta`)
//! and each v2 feature the server offers, skipping those it does not:
//!
//! - `idempotency`: replays, 422, 400 for bad keys, keys per caller,
//!   refusals kept nothing, concurrent re-sends.
//! - `self`: who may call `DELETE /api/token/self` and `POST
//!   /api/token/self/rotate` (no token, a revoked or expired one, a login
//!   token, a job token, an API key); a token revoked by itself is 401
//!   everywhere after, and a job token or API key revoked so is no longer
//!   read or listed; whoami's `token_id`, `api_key_id` and `label`.
//! - `own_tokens`: a user lists their own job tokens and nobody else's, an
//!   admin everyone's; `user_id=N` (403 for another user's id from a
//!   non-admin); the exact `label=` filter with a percent-encoded label
//!   (space, `+`, `&`, `%`, non-ASCII) and `+` for a space; 400 for bad
//!   escapes; paging over what matches; 403 for job tokens, API keys, and
//!   users on `GET /api/api_key`.
//! - `rotation`: who may rotate a job token or an API key; 400 for bad
//!   bodies, 404 for unknown ids; the answer (same record, new secret,
//!   `rotated_at`); an old secret refused at once without grace, and
//!   working until its grace ends with one; a token rotated twice; a secret
//!   rotated away cannot rotate again (401) nor, in its grace, rotate
//!   itself (403); revoking with an old secret ends only its grace, with
//!   the current one (or deleting the token) every grace; replays by
//!   `Idempotency-Key` (self-rotation keys per token); `rotated_at` on reads
//!   and lists.
//!
//! [`Profile::Quandela`], run by [`run_quandela`] with job tokens (a
//! user's, another user's, an admin's) and, where the server offers
//! `/api/login`, the user's email and password ([`QuandelaCredentials`]),
//! checks every operation on both path families (job tokens on
//! `/api/tokens*`, logged-in tokens on `/api/auth/tokens*`; the usage
//! report and delete by secrets on the first only): status codes and
//! bodies, errors, 401 for every refused credential, labels, revoke and
//! reopen, deletes, ownership (403) and delegation, paging and filters,
//! the usage report, and expiry when the clock can be moved. What needs a
//! credential or hook not given is reported skipped.
//!
//! [`run`] picks the v1 or v2 profile by what the server advertises;
//! [`Options::profile`] forces one. The v1 profile's check that a user may
//! not list job tokens (403) allows, when the profile was forced and the
//! server not asked, the 200 with their own tokens that `own_tokens` gives.
//!
//! One check cannot be made portably: that a re-send while the first
//! request is still being handled is answered 409 needs a server that can
//! be made to hold a create open. It runs when the caller says how
//! ([`Options::hold_next_create`]; against the emulator, a `slow_handler`
//! fault), and is reported skipped otherwise; the portable check of
//! concurrent re-sends (each answered with the one token, or 409) runs
//! always.
//!
//! Expiry and grace periods take time: when the caller can move the
//! server's clock ([`Options::advance_clock`]; against the emulator,
//! `Emulator::advance_clock`), the kit moves it past a 30-second grace;
//! otherwise it gives 2-second graces and sleeps past them (a few seconds
//! in all).
//!
//! Run it against any server with `cargo xtask conformance --url URL --admin
//! E:P --user E:P --user E:P [--protocol 1|2]`, or `cargo xtask conformance
//! --api quandela --url URL --token T [--other-token T] [--admin-token T]
//! [--login E:P] [--control URL]`; `cargo test` runs it against the
//! emulator in each mode.
//!
//! The kit is laid out as: `harness` (HTTP, accounts, options, the tokens
//! checks make and clean up), `report` (check outcomes), `v1` (the v1
//! profile, a module per group of checks), `v2` (discovery, then a
//! module per feature) and `quandela` (a module per group of checks).

mod harness;
mod quandela;
mod report;
mod v1;
mod v2;

pub use harness::credentials::QuandelaCredentials;
pub use harness::options::{Accounts, Options, Profile, HOLD};
pub use report::{Check, Report};

use harness::client::{advertised, Http};

/// Runs the suite against `base_url`, with the profile the server
/// advertises and without the check that cannot be made portably.
pub async fn run(base_url: &str, accounts: &Accounts) -> Report {
    run_with(base_url, accounts, Options::default()).await
}

/// Runs the suite against `base_url` as `options` say. A forced
/// [`Profile::Quandela`] fails at once: that profile takes job tokens, not
/// accounts ([`run_quandela`]).
pub async fn run_with(base_url: &str, accounts: &Accounts, options: Options<'_>) -> Report {
    if options.profile == Some(Profile::Quandela) {
        let mut r = Report {
            profile: Profile::Quandela,
            checks: Vec::new(),
        };
        r.check(
            "profile: the quandela profile runs with job tokens",
            false,
            || "run it with run_quandela".to_owned(),
        );
        return r;
    }
    let http = Http::new(base_url);
    // A forced v1 profile does not ask: it does not know whether a user
    // may list their own job tokens (`own_tokens`).
    let (profile, lists_own) = match options.profile {
        Some(Profile::V1) => (Profile::V1, None),
        forced => {
            let features = advertised(&http).await;
            let lists_own = features.iter().flatten().any(|f| f == "own_tokens");
            let profile = match (forced, features) {
                (Some(profile), _) => profile,
                (None, Some(_)) => Profile::V2,
                (None, None) => Profile::V1,
            };
            (profile, Some(lists_own))
        }
    };
    let mut r = Report {
        profile,
        checks: Vec::new(),
    };
    let logged_in = v1::run(&http, accounts, &mut r, lists_own).await;
    if profile == Profile::V2 && logged_in {
        v2::run(&http, accounts, &mut r, &options).await;
    }
    r
}

/// Runs the quandela profile against `base_url` with `credentials`;
/// `options` gives the clock hook (`profile` and `hold_next_create` are
/// not used).
pub async fn run_quandela(base_url: &str, credentials: &QuandelaCredentials, options: Options<'_>) -> Report {
    let http = Http::new(base_url);
    let mut r = Report {
        profile: Profile::Quandela,
        checks: Vec::new(),
    };
    quandela::run(&http, credentials, &options, &mut r).await;
    r
}
