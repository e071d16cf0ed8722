//! The conformance kit against the emulator: every check passes.

use steps_tests::conformance::{run, Accounts};
use steps_tests::{emulator, ADMIN, OTHER, USER};

#[tokio::test]
async fn the_emulator_passes_the_conformance_kit() {
    let emulator = emulator().await;
    let pair = |(e, p): (&str, &str)| (e.to_owned(), p.to_owned());
    let accounts = Accounts {
        admin: pair(ADMIN),
        user: pair(USER),
        other: pair(OTHER),
    };
    let report = run(emulator.base_url(), &accounts).await;
    let failures: Vec<String> = report
        .failures()
        .iter()
        .map(|c| format!("{}: {:?}", c.name, c.failure))
        .collect();
    assert!(
        report.checks.len() >= 45,
        "only {} checks ran",
        report.checks.len()
    );
    assert!(
        failures.is_empty(),
        "{} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
