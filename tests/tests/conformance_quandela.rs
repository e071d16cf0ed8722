//! The conformance kit's quandela profile against the emulator in
//! quandela mode: with every credential and hook (the job tokens the
//! emulator mints at start, the user's login, the control plane, the
//! clock) every check runs and passes; with the user's job token alone the
//! checks that need more are skipped and the rest pass; and against a
//! server of the steps dialect the profile fails at once.

use steps_emulator::{Api, Emulator, MintedToken};
use steps_tests::conformance::{run_quandela, Options, Profile, QuandelaCredentials, Report};
use steps_tests::{config, ADMIN, OTHER, USER};

async fn emulator() -> Emulator {
    Emulator::start(config().api(Api::Quandela).control(true))
        .await
        .expect("the emulator starts")
}

/// The job token the emulator minted at start for the account `email`.
fn minted(emulator: &Emulator, email: &str) -> String {
    let tokens: Vec<MintedToken> = emulator.minted_tokens();
    tokens
        .into_iter()
        .find(|t| t.email == email)
        .map(|t| t.token)
        .unwrap_or_else(|| panic!("no job token minted for {email}"))
}

fn failures(report: &Report) -> Vec<String> {
    report
        .failures()
        .iter()
        .map(|c| format!("{}: {:?}", c.name, c.failure))
        .collect()
}

fn skipped(report: &Report) -> Vec<&str> {
    report.skipped().iter().map(|c| c.name.as_str()).collect()
}

fn assert_passes(report: &Report, at_least: usize) {
    assert_eq!(report.profile, Profile::Quandela);
    let failures = failures(report);
    assert!(
        failures.is_empty(),
        "{} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        report.checks.len() >= at_least,
        "only {} checks ran",
        report.checks.len()
    );
}

/// Checks with every credential and hook. Once: health (2), 401s (8),
/// credentials (4), login (5), routing (4), input (7) and ids (6), the job
/// token on the logged-in family (4), counters (2), a token revoking
/// itself (1), deleting the calling token (3), delete by secrets (7),
/// labels across users (1), usage (12) and its sums (3), delegation (5),
/// expiry (8). On each family: generate (6), its refusals (9) and
/// priorities (5), list and read (7), unknown ids (3), updates (4), labels
/// (6), revoke and reopen (8) and their refusals (6), delete by ids (7),
/// paging (12), another user's tokens (6).
const ONCE: usize = 2 + 8 + 4 + 5 + 4 + 7 + 6 + 4 + 2 + 1 + 3 + 7 + 1 + 12 + 3 + 5 + 8;
const PER_FAMILY: usize = 6 + 9 + 5 + 7 + 3 + 4 + 6 + 8 + 6 + 7 + 12 + 6;
const QUANDELA_CHECKS: usize = ONCE + 2 * PER_FAMILY;

#[tokio::test]
async fn the_quandela_profile_passes_against_the_emulator_with_every_check_run() {
    let emulator = emulator().await;
    let credentials = QuandelaCredentials::new(minted(&emulator, USER.0))
        .other(minted(&emulator, OTHER.0))
        .admin(minted(&emulator, ADMIN.0))
        .login(USER.0, USER.1)
        .control(emulator.control_url().expect("the control plane is on"));
    let options = Options::new().advance_clock(|by| emulator.advance_clock(by));
    let report = run_quandela(emulator.base_url(), &credentials, options).await;
    assert_passes(&report, QUANDELA_CHECKS);
    assert_eq!(
        report.checks.len(),
        QUANDELA_CHECKS,
        "the count above is out of date"
    );
    assert!(skipped(&report).is_empty(), "skipped: {:?}", skipped(&report));
}

#[tokio::test]
async fn with_the_users_job_token_alone_what_needs_more_is_skipped() {
    let emulator = emulator().await;
    let credentials = QuandelaCredentials::new(minted(&emulator, USER.0));
    let report = run_quandela(emulator.base_url(), &credentials, Options::new()).await;
    assert_passes(&report, 100);
    assert_eq!(
        skipped(&report),
        [
            "login: every check",
            "job family: revoke and reopen of another user's token are 403 \"Permission denied\" (E7)",
            "job family: delete by ids of another user's token is 403 and deletes nothing (E7, E13)",
            "job family: another user's tokens: every check",
            "logged-in family: every check",
            "job family: delete by secrets of another user's token is 403 and deletes nothing (P17, E7, E13)",
            "labels: another user may hold a label the user holds (unique per user, E4)",
            "usage: a report on another user's token is 403, after 400 for an id naming no token (E7, E22)",
            "usage: recorded jobs are summed per platform over [start_time, end_time), total_jobs their count (E14)",
            "usage: a time with a fraction of a second is rounded up to the next second (E22)",
            "usage: a deleted token's usage goes with it: asking for it is 400 (E25)",
            "delegation: every check",
            "expiry: every check",
        ]
    );
}

/// A test of the checker on a case that must fail: a server of the steps
/// dialect does not pass the quandela profile.
#[tokio::test]
async fn the_quandela_profile_fails_against_a_steps_server() {
    let emulator = Emulator::start(config()).await.expect("the emulator starts");
    let credentials = QuandelaCredentials::new("_T_not-a-token-of-this-server");
    let report = run_quandela(emulator.base_url(), &credentials, Options::new()).await;
    let failures = failures(&report);
    assert!(
        failures
            .iter()
            .any(|f| f.starts_with("credentials: the user's job token lists its tokens")),
        "{failures:?}"
    );
    assert!(
        report.checks.len() < 20,
        "it went on: {} checks",
        report.checks.len()
    );
}

/// Another test of the checker: a user's job token given as the admin's
/// fails the delegation checks (a user may not mint or list for another),
/// and only those.
#[tokio::test]
async fn a_users_token_given_as_the_admins_fails_the_delegation_checks() {
    let emulator = emulator().await;
    let credentials = QuandelaCredentials::new(minted(&emulator, USER.0)).admin(minted(&emulator, OTHER.0));
    let report = run_quandela(emulator.base_url(), &credentials, Options::new()).await;
    let failed: Vec<&str> = report.failures().iter().map(|c| c.name.as_str()).collect();
    assert!(!failed.is_empty(), "nothing failed");
    assert!(
        failed.iter().all(|name| name.starts_with("delegation: ")),
        "{failed:?}"
    );
}
