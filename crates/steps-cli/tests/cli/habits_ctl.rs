//! `steps emulator ctl`, dynamic completions and colour (issue 28): the
//! habits of LocalStack, gh and every terminal tool.

use crate::{Fixture, ADMIN, USER};

#[test]
fn emulator_ctl_drives_a_running_emulators_control_plane() {
    let f = Fixture::with_config("ctl", |config| config.control(true));
    f.login("admin", ADMIN);
    let created = f.ok("admin", &["job-token", "create", "--json"]).json();
    f.secrets
        .lock()
        .unwrap()
        .push(created["token"].as_str().unwrap().to_owned());
    let url = f.emulator.base_url().to_owned();
    let ctl = |args: &[&str]| {
        let mut all = vec!["--api-url", url.as_str(), "emulator", "ctl"];
        all.extend_from_slice(args);
        f.run("admin", &all, "")
    };

    let clock = ctl(&["clock"]);
    assert_eq!(clock.code, 0, "{}", clock.stderr);
    let before = clock.json()["now"].as_u64().unwrap();
    let moved = ctl(&["clock", "2h"]).json();
    // Two hours on, and the second or two the clock ran meanwhile.
    let moved_by = moved["now"].as_u64().unwrap() - before;
    assert!((7200..7205).contains(&moved_by), "{moved}");

    let journal = ctl(&["journal", "--limit", "1"]).json();
    assert_eq!(journal["requests"].as_array().map(Vec::len), Some(1), "{journal}");

    let saved = f.dir.join("saved.json");
    // A file already there, readable by others: replaced by a private one.
    std::fs::write(&saved, "old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&saved, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let export = ctl(&["state", "export", saved.to_str().unwrap()]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    assert_eq!(
        export.stdout, "",
        "the state (every secret) goes to the file only"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    assert_eq!(ctl(&["reset"]).code, 0);
    let gone = f.run("admin", &["whoami"], "");
    assert_eq!(gone.code, 3, "a reset forgets every token: {}", gone.stderr);
    let import = ctl(&["state", "import", saved.to_str().unwrap()]);
    assert_eq!(import.code, 0, "{}", import.stderr);
    assert_eq!(
        f.run("admin", &["whoami"], "").code,
        0,
        "the imported state has the login again"
    );

    let rules = f.dir.join("faults.json");
    std::fs::write(&rules, "[]").unwrap();
    assert_eq!(
        ctl(&["faults", rules.to_str().unwrap()]).json(),
        serde_json::json!([])
    );
    std::fs::write(&rules, "not json").unwrap();
    let refused = ctl(&["faults", rules.to_str().unwrap()]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("400"), "{}", refused.stderr);
}

#[test]
fn emulator_ctl_says_when_there_is_no_control_plane() {
    let f = Fixture::new("no-ctl");
    let url = f.emulator.base_url().to_owned();
    let run = f.run("x", &["--api-url", &url, "emulator", "ctl", "reset"], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--control"), "{}", run.stderr);
    let bad = f.run(
        "x",
        &["--api-url", "https://127.0.0.1:9", "emulator", "ctl", "reset"],
        "",
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    // Never another host: its control plane would not answer, and a state
    // import would cross the network in clear.
    let remote = f.run(
        "x",
        &["--api-url", "http://192.0.2.1:8787", "emulator", "ctl", "reset"],
        "",
    );
    assert_eq!(remote.code, 2, "{}", remote.stderr);
    assert!(remote.stderr.contains("loopback"), "{}", remote.stderr);
}

/// What the shell gets for the last word of `line` (fish's protocol:
/// `COMPLETE=fish steps -- WORDS...`, one candidate a line).
fn complete(f: &Fixture, role: &str, line: &[&str]) -> Vec<String> {
    let mut command = f.command(role);
    command.env("COMPLETE", "fish").arg("--").arg("steps").args(line);
    let run = f.finish(command, &["complete"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn completions_know_the_profiles_and_the_token_ids() {
    let f = Fixture::new("completions");
    f.login("admin", ADMIN);
    let run = f.run(
        "admin",
        &["--profile", "ci", "login", "--email", USER.0, "--password-stdin"],
        &format!("{}\n", USER.1),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let profiles = complete(&f, "admin", &["--profile", ""]);
    assert!(
        profiles.contains(&"ci".to_owned()) && profiles.contains(&"default".to_owned()),
        "{profiles:?}"
    );
    assert_eq!(complete(&f, "admin", &["auth", "switch", "c"]), ["ci"]);

    let created = f
        .ok("admin", &["job-token", "create", "--label", "nightly", "--json"])
        .json();
    f.secrets
        .lock()
        .unwrap()
        .push(created["token"].as_str().unwrap().to_owned());
    let id = created["token_id"].to_string();
    let ids = complete(&f, "admin", &["job-token", "get", ""]);
    assert!(ids.contains(&id), "{ids:?}");
    // Subcommands complete as before.
    assert!(complete(&f, "admin", &["job-t"]).contains(&"job-token".to_owned()));
}

#[test]
fn colour_marks_states_and_errors_only_where_asked() {
    let f = Fixture::new("colour");
    f.login("admin", ADMIN);
    let created = f
        .ok("admin", &["job-token", "create", "--duration", "90m", "--json"])
        .json();
    f.secrets
        .lock()
        .unwrap()
        .push(created["token"].as_str().unwrap().to_owned());
    let yellow = "\u{1b}[33m";

    // Not a terminal: no colour, unless forced.
    assert!(!f.ok("admin", &["job-token", "list"]).stdout.contains('\u{1b}'));
    let forced = f.run_with_env("admin", &["job-token", "list"], "", &[("CLICOLOR_FORCE", "1")]);
    assert!(
        forced.stdout.contains(yellow),
        "expiring within the window: {:?}",
        forced.stdout
    );
    let header = forced.stdout.lines().next().unwrap();
    assert!(!header.contains('\u{1b}'), "{header:?}");
    let off = f.run_with_env(
        "admin",
        &["job-token", "list"],
        "",
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!off.stdout.contains('\u{1b}'), "NO_COLOR wins: {:?}", off.stdout);
    // JSON is never painted.
    let json = f.run_with_env(
        "admin",
        &["job-token", "list", "--json"],
        "",
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!json.stdout.contains('\u{1b}'));

    let failed = f.run_with_env(
        "admin",
        &["job-token", "get", "999"],
        "",
        &[("CLICOLOR_FORCE", "1")],
    );
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.stderr.starts_with("\u{1b}["), "{:?}", failed.stderr);
    let plain = f.run("admin", &["job-token", "get", "999"], "");
    assert!(plain.stderr.starts_with("steps: "), "{:?}", plain.stderr);
}
