//! Tests of the command-line options: each setting of `Config` is a flag,
//! and `--dev` and `--json` parse and combine as their docs say.

use clap::Parser;

use super::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: EmulatorArgs,
}

fn config(args: &[&str]) -> Result<Config, String> {
    let line = std::iter::once("steps-emulator").chain(args.iter().copied());
    Cli::try_parse_from(line)
        .map_err(|e| e.to_string())?
        .args
        .to_config()
}

#[test]
fn every_setting_of_config_is_a_flag() {
    let defaults = config(&[]).expect("the defaults parse");
    assert_eq!(defaults.protocol, ProtocolVersion::V2);
    assert_eq!(defaults.api, Api::Steps);
    assert_eq!(config(&["--api", "quandela"]).map(|c| c.api), Ok(Api::Quandela));
    assert_eq!(defaults.header_read_timeout, DEFAULT_HEADER_READ_TIMEOUT);
    assert_eq!(defaults.body_read_timeout, DEFAULT_BODY_READ_TIMEOUT);
    assert_eq!(defaults.http2_keep_alive, DEFAULT_HTTP2_KEEP_ALIVE);
    assert_eq!(defaults.max_connections, DEFAULT_MAX_CONNECTIONS);

    let set = config(&[
        "--protocol",
        "1",
        "--header-read-timeout",
        "5",
        "--body-read-timeout",
        "6",
        "--http2-keep-alive",
        "7",
        "--max-connections",
        "8",
    ])
    .expect("valid flags");
    assert_eq!(set.protocol, ProtocolVersion::V1);
    assert_eq!(set.header_read_timeout, Duration::from_secs(5));
    assert_eq!(set.body_read_timeout, Duration::from_secs(6));
    assert_eq!(set.http2_keep_alive, Duration::from_secs(7));
    assert_eq!(set.max_connections, 8);
    assert!(!defaults.control && defaults.state_file.is_none() && defaults.save_every.is_none());
    let kept = config(&["--control", "--state", "s.json", "--save-every", "9"]).expect("valid flags");
    assert!(kept.control);
    assert_eq!(kept.state_file, Some(PathBuf::from("s.json")));
    assert_eq!(kept.save_every, Some(Duration::from_secs(9)));
    assert_eq!(
        config(&["--protocol", "2"]).map(|c| c.protocol),
        Ok(ProtocolVersion::V2)
    );

    for bad in [
        ["--protocol", "3"],
        ["--protocol", "v2"],
        ["--protocol", ""],
        ["--api", "perceval"],
        ["--api", ""],
        ["--max-connections", "0"],
        ["--body-read-timeout", "0"],
        ["--http2-keep-alive", "-1"],
        ["--header-read-timeout", "1.5"],
        ["--save-every", "10"],
    ] {
        assert!(config(&bad).is_err(), "{bad:?} was accepted");
    }
}

/// `--dev`'s accounts come first, then the given ones; it listens on
/// loopback only, and no given account may take one of its emails.
#[test]
fn dev_adds_known_accounts_and_listens_on_loopback_only() {
    let dev = config(&["--dev"]).expect("--dev alone");
    let accounts: Vec<(&str, &str, bool)> = dev
        .accounts
        .iter()
        .map(|a| (a.email.as_str(), a.password.as_str(), a.is_admin))
        .collect();
    assert_eq!(accounts, DEV_ACCOUNTS);
    assert!(
        config(&[]).is_ok_and(|c| c.accounts.is_empty()),
        "none without --dev"
    );

    let more = config(&["--dev", "--admin", "root@x:pw", "--user", "ada@x:pw"]).expect("more accounts");
    let emails: Vec<&str> = more.accounts.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(
        emails,
        ["admin@steps.local", "user@steps.local", "root@x", "ada@x"]
    );

    for listen in ["127.0.0.1:0", "127.0.0.2:8787", "[::1]:0", "[::ffff:127.0.0.1]:0"] {
        assert!(config(&["--dev", "--listen", listen]).is_ok(), "{listen}");
    }
    for listen in ["0.0.0.0:8787", "[::]:0", "192.0.2.7:8787"] {
        let refused = config(&["--dev", "--listen", listen]).err().unwrap_or_default();
        assert!(refused.contains("loopback only"), "{listen}: {refused}");
        assert!(config(&["--listen", listen]).is_ok(), "{listen} without --dev");
    }

    for taken in [
        ["--admin", "admin@steps.local:x"],
        ["--user", "user@steps.local:y"],
        ["--user", "admin@steps.local:z"],
    ] {
        let mut args = vec!["--dev"];
        args.extend(taken);
        let refused = config(&args).err().unwrap_or_default();
        assert!(refused.contains("--dev already makes"), "{taken:?}: {refused}");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("accounts.json");
    std::fs::write(&file, r#"[{"email": "user@steps.local", "password": "other"}]"#).expect("written");
    let file = file.to_str().expect("a UTF-8 path");
    let refused = config(&["--dev", "--accounts", file]).err().unwrap_or_default();
    assert!(refused.contains("--dev already makes"), "{refused}");
    assert!(config(&["--accounts", file]).is_ok(), "without --dev");
}

/// `--json` is a flag of its own id, so that `steps emulator`'s
/// global `--json` (id `json`) can sit beside it.
#[test]
fn json_is_a_flag() {
    let parse = |args: &[&str]| {
        let line = std::iter::once("steps-emulator").chain(args.iter().copied());
        Cli::try_parse_from(line).map(|cli| cli.args.json)
    };
    assert_eq!(parse(&[]).ok(), Some(false));
    assert_eq!(parse(&["--json"]).ok(), Some(true));
    assert!(parse(&["--json=yes"]).is_err());
}
