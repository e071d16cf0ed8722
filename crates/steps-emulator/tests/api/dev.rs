//! `--dev` (feature `cli`), through `EmulatorArgs` as both command lines
//! parse it: its well-known accounts log in, beside the given ones, in
//! both APIs; an address off loopback is refused before anything is
//! bound; and a state file that gives one of its emails another password
//! stops the start and is left as it was.

use clap::Parser;
use http::{Method, StatusCode};
use serde_json::json;
use steps_emulator::{Emulator, EmulatorArgs};

use crate::support::Conn;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: EmulatorArgs,
}

/// The options of this command line (after the program's name).
fn options(line: &[&str]) -> EmulatorArgs {
    let line = std::iter::once("steps-emulator").chain(line.iter().copied());
    Cli::try_parse_from(line).expect("valid options").args
}

async fn started(line: &[&str]) -> Emulator {
    let config = options(line).to_config().expect("a configuration");
    Emulator::start(config).await.expect("the emulator starts")
}

#[tokio::test]
async fn the_dev_accounts_log_in_beside_the_given_ones() {
    let emulator = started(&[
        "--dev",
        "--listen",
        "127.0.0.1:0",
        "--user",
        "ada@example.com:ada-pw",
    ])
    .await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    for (email, password, user_id, is_admin) in [
        ("admin@steps.local", "admin-password", 1, true),
        ("user@steps.local", "user-password", 2, false),
        ("ada@example.com", "ada-pw", 3, false),
    ] {
        let token = conn.login((email, password)).await;
        let me = conn.call(Method::GET, "/api/whoami", Some(&token), None).await;
        assert_eq!(me.status, StatusCode::OK, "{email}: {:?}", me.json);
        assert_eq!(me.json["user_id"], user_id, "{email}");
        assert_eq!(me.json["is_admin"], is_admin, "{email}");
    }
    // Each password is its own account's only.
    let swapped = json!({ "email": "user@steps.local", "password": "admin-password" }).to_string();
    conn.call(Method::POST, "/api/login", None, Some(&swapped))
        .await
        .assert_error(401, "another account's password");
}

#[tokio::test]
async fn in_quandela_mode_the_dev_accounts_get_a_job_token_each() {
    let emulator = started(&["--dev", "--listen", "127.0.0.1:0", "--api", "quandela"]).await;
    let minted: Vec<(String, i64)> = emulator
        .minted_tokens()
        .into_iter()
        .map(|m| (m.email, m.user_id))
        .collect();
    assert_eq!(
        minted,
        [
            ("admin@steps.local".to_owned(), 1),
            ("user@steps.local".to_owned(), 2)
        ]
    );
    let mut conn = Conn::open(emulator.local_addr()).await;
    let token = emulator.minted_tokens()[1].token.clone();
    let listed = conn.call(Method::GET, "/api/tokens", Some(&token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    // The dialect's own login takes the well-known password too.
    let login = json!({ "email": "user@steps.local", "password": "user-password" }).to_string();
    let logged_in = conn.call(Method::POST, "/api/login", None, Some(&login)).await;
    assert_eq!(logged_in.status, StatusCode::OK, "{:?}", logged_in.json);
    assert_eq!(logged_in.json["user_id"], 2);
}

#[test]
fn an_address_off_loopback_is_refused_before_anything_is_bound() {
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let dev = options(&["--dev", "--listen", listen]);
        let refused = dev.check().expect_err("refused");
        assert!(refused.contains("loopback only"), "{listen}: {refused}");
        assert_eq!(dev.to_config().err(), Some(refused), "{listen}");
        let without = options(&["--listen", listen]);
        assert_eq!(without.check(), Ok(()), "{listen} without --dev");
    }
}

/// A state file saved by a run without `--dev` holds the seeded
/// `admin@steps.local` with a random password, which a saved account
/// keeps: `--dev`'s would not work, so the start says so.
#[cfg(unix)]
#[tokio::test]
async fn a_state_file_with_another_dev_password_stops_the_start() {
    use std::time::Duration;
    use steps_emulator::Config;

    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("state.json");
    let seeded = Emulator::start(Config::new().state_file(&path))
        .await
        .expect("starts");
    assert_eq!(seeded.accounts()[0].email, "admin@steps.local");
    seeded.shutdown_and_save().await.expect("saved");
    let saved = std::fs::read(&path).expect("saved");

    let file = path.to_str().expect("a UTF-8 path");
    let dev = options(&["--dev", "--listen", "127.0.0.1:0", "--state", file]);
    // Refused at once; a start that went on would serve until a signal.
    let run = tokio::time::timeout(Duration::from_secs(10), dev.run()).await;
    let refused = run.expect("refused at once").expect_err("refused");
    assert!(
        refused.contains("admin@steps.local") && refused.contains("--dev"),
        "{refused}"
    );
    assert_eq!(
        std::fs::read(&path).expect("still there"),
        saved,
        "left as it was"
    );
}
