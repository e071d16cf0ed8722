//! Habits from gh and stripe-mock (issue 28): `auth switch`, `-q`,
//! expiry warnings and `--expiring-within`, where a login's token is kept
//! (the OS credential store, or the 0600 file it falls back to), and
//! `steps emulator ctl`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::{login_entry, write_private, Fixture, ADMIN, USER};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn auth_switch_chooses_the_profile_and_the_environment_still_wins() {
    let f = Fixture::new("switch");
    f.login("me", USER);
    let run = f.run(
        "me",
        &[
            "--profile",
            "admin",
            "login",
            "--email",
            ADMIN.0,
            "--password-stdin",
        ],
        &format!("{}\n", ADMIN.1),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    let unknown = f.run("me", &["auth", "switch", "nobody"], "");
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("no profile nobody"), "{}", unknown.stderr);

    f.ok("me", &["auth", "switch", "admin"]);
    assert_eq!(f.ok("me", &["whoami", "--json"]).json()["is_admin"], true);
    let status = f.ok("me", &["auth", "status", "--json"]).json();
    assert_eq!(status["profile"], "admin");
    assert_eq!(status["profile_source"], "switch");
    // STEPS_PROFILE and --profile win over the switch.
    let run = f.run_with_env("me", &["whoami", "--json"], "", &[("STEPS_PROFILE", "default")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["is_admin"], false);
    assert_eq!(
        f.ok("me", &["--profile", "default", "whoami", "--json"]).json()["is_admin"],
        false
    );

    f.ok("me", &["auth", "switch", "default"]);
    assert_eq!(f.ok("me", &["whoami", "--json"]).json()["is_admin"], false);
}

#[test]
fn quiet_prints_only_the_new_secret_and_no_notes() {
    let f = Fixture::new("quiet");
    f.login("admin", ADMIN);
    let run = f.ok("admin", &["job-token", "create", "-q", "--label", "ci"]);
    let secret = run.stdout.trim_end_matches('\n').to_owned();
    f.secrets.lock().unwrap().push(secret.clone());
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(!secret.contains(' '), "{secret}");
    assert_eq!(run.stderr, "");
    let me = f.run_with_env(
        "admin",
        &["whoami", "--json"],
        "",
        &[("STEPS_TOKEN", secret.as_str())],
    );
    assert_eq!(me.code, 0, "the printed secret is the token's: {}", me.stderr);
    assert_eq!(me.json()["token_type"], 1);

    let key = f.ok("admin", &["--quiet", "api-key", "create"]);
    assert_eq!(key.stdout.lines().count(), 1, "{}", key.stdout);
    f.secrets.lock().unwrap().push(key.stdout.trim().to_owned());

    // Elsewhere: no notes (the count under a table).
    assert!(f
        .ok("admin", &["job-token", "list"])
        .stderr
        .contains("job token(s)"));
    assert_eq!(f.ok("admin", &["job-token", "list", "-q"]).stderr, "");
}

#[test]
fn lists_show_relative_expiry_and_filter_what_expires_soon() {
    let f = Fixture::new("expiring-within");
    f.login("admin", ADMIN);
    let soon = f
        .ok("admin", &["job-token", "create", "--duration", "90m", "--json"])
        .json();
    let later = f
        .ok(
            "admin",
            &["job-token", "create", "--duration", "3 days", "--json"],
        )
        .json();
    for created in [&soon, &later] {
        f.secrets
            .lock()
            .unwrap()
            .push(created["token"].as_str().unwrap().to_owned());
    }
    assert_eq!(soon["duration"], 5400);
    assert_eq!(later["duration"], 259_200);

    let listed = f
        .ok(
            "admin",
            &["job-token", "list", "--expiring-within", "2h", "--json"],
        )
        .json();
    let ids: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["token_id"])
        .collect();
    assert_eq!(ids, [&soon["token_id"]], "{listed}");
    let all = f
        .ok(
            "admin",
            &["job-token", "list", "--expiring-within", "7d", "--json"],
        )
        .json();
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");

    let table = f.ok("admin", &["job-token", "list"]);
    assert!(
        table.stdout.contains("(in 1h 29m)") || table.stdout.contains("(in 1h 30m)"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("(in 2d 23h)") || table.stdout.contains("(in 3d)"),
        "{}",
        table.stdout
    );
    let keys = f.ok("admin", &["api-key", "list", "--expiring-within", "1h"]);
    assert!(
        keys.stderr.contains("0 API key(s) expiring within 1h"),
        "{}",
        keys.stderr
    );

    let bad = f.run("admin", &["job-token", "list", "--expiring-within", "soon"], "");
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// The user's credentials file with the default login's expiry and login
/// time set.
fn set_times(f: &Fixture, expires_at: u64, logged_in_at: Option<u64>) {
    let path = f.credentials("user");
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let login = &mut file["profiles"]["default"]["logins"][f.emulator.base_url()];
    login["expires_at"] = expires_at.into();
    login["logged_in_at"] = logged_in_at.map_or(Value::Null, Value::from);
    write_private(&path, &file.to_string());
}

#[test]
fn the_expiry_warning_window_is_a_day_unless_set_and_half_the_lifetime_at_most() {
    let f = Fixture::new("expiry-window");
    f.login("user", USER);
    let warning = "warning: your login token for";
    // Just logged in to a day-long token: half its lifetime is the window.
    assert!(!f.ok("user", &["whoami"]).stderr.contains(warning));

    // Three hours left of a day-long login: inside the 24 h window.
    let (soon, day_ago) = (now() + 3 * 3600, now() - 21 * 3600);
    set_times(&f, soon, Some(day_ago));
    let run = f.ok("user", &["whoami"]);
    assert_eq!(run.stderr.matches(warning).count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("expires in 2h 59m (at "), "{}", run.stderr);
    assert!(
        run.stderr.contains(" login --email ada@example.com`"),
        "{}",
        run.stderr
    );
    for (window, warns) in [("1h", false), ("4h", true), ("0", false)] {
        let run = f.run_with_env("user", &["whoami"], "", &[("STEPS_EXPIRY_WARNING", window)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr.contains(warning), warns, "{window}: {}", run.stderr);
    }
    let bad = f.run_with_env("user", &["whoami"], "", &[("STEPS_EXPIRY_WARNING", "a while")]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    // A file without the login time (an older steps wrote it): the whole
    // window.
    set_times(&f, soon, None);
    assert!(f.ok("user", &["whoami"]).stderr.contains(warning));
}

#[test]
fn exec_warns_when_the_login_ends_before_the_job_token_and_nothing_can_fall_back() {
    // A v1 server has no revoke-self: the job token could not be deleted
    // once the login expired.
    let f = Fixture::with_config("exec-expiry", |config| {
        config.protocol(steps_emulator::ProtocolVersion::V1)
    });
    f.login("user", USER);
    set_times(&f, now() + 600, Some(now() - 3600));
    let run = f.run("user", &["exec", "--duration", "1h", "--", "true"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warning = run
        .stderr
        .lines()
        .find(|line| line.contains("before the job token's --duration is up"))
        .unwrap_or_else(|| panic!("no warning: {}", run.stderr));
    assert!(
        !warning.contains("  "),
        "one line, words single-spaced: {warning}"
    );
    assert!(warning.contains("offers no revoke-self"), "{warning}");
    let short = f.run("user", &["exec", "--duration", "5m", "--", "true"], "");
    assert!(!short.stderr.contains("--duration is up"), "{}", short.stderr);
}

#[test]
fn exec_does_not_warn_where_the_job_token_can_revoke_itself() {
    let f = Fixture::new("exec-self");
    f.login("user", USER);
    set_times(&f, now() + 600, Some(now() - 3600));
    let run = f.run("user", &["exec", "--duration", "1h", "--", "true"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("--duration is up"), "{}", run.stderr);
}

#[test]
fn a_login_says_where_its_token_is_kept() {
    let f = Fixture::new("storage");
    // The test environment asks for the file (STEPS_INSECURE_STORAGE=1),
    // so that a developer's keychain is never touched: no fallback line.
    let run = f.run(
        "user",
        &["login", "--email", USER.0, "--password-stdin"],
        &format!("{}\n", USER.1),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("no OS credential store"), "{}", run.stderr);
    assert!(run.stdout.contains("Token stored in "), "{}", run.stdout);
    let status = f.ok("user", &["auth", "status", "--json"]).json();
    assert_eq!(status["credential_source"], "credentials_file");
    assert_eq!(status["profiles"][0]["token_storage"], "file");
    let human = f.ok("user", &["auth", "status"]).stdout;
    assert!(human.contains("TOKEN IN"), "{human}");

    // Without it, where no credential store answers (a headless machine:
    // here a session bus that does not exist), one line says the file is
    // used instead. Linux only: elsewhere the platform's store is always
    // there, and a test must not write to a developer's keychain.
    #[cfg(target_os = "linux")]
    {
        let nowhere = f.dir.join("no-session-bus");
        let mut command = f.command("other");
        command
            .env_remove("STEPS_INSECURE_STORAGE")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", nowhere.display()),
            )
            .env("XDG_RUNTIME_DIR", &nowhere)
            .args(["login", "--email", USER.0, "--password-stdin"]);
        let run = f.finish(command, &["login"], &format!("{}\n", USER.1));
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stderr
                .matches("warning: no OS credential store is usable here")
                .count(),
            1,
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("mode 0600"), "{}", run.stderr);
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(f.credentials("other")).unwrap()).unwrap();
        let login = login_entry(&file, "default", f.emulator.base_url());
        assert!(
            login["token"].is_string() && login.get("keyring").is_none(),
            "{login}"
        );
        let status = f.ok("other", &["auth", "status", "--json"]).json();
        assert_eq!(status["profiles"][0]["token_storage"], "file", "{status}");
    }
}

/// A login whose token the OS credential store cannot give back (locked,
/// removed by hand, no session bus): `auth status` says so and where, and
/// `logout` still forgets it.
#[cfg(target_os = "linux")]
#[test]
fn a_token_the_store_cannot_give_back_is_reported_and_still_forgotten() {
    let f = Fixture::new("store-gone");
    f.login("user", USER);
    let path = f.credentials("user");
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    file["version"] = 3.into();
    let login = &mut file["profiles"]["default"]["logins"][f.emulator.base_url()];
    login.as_object_mut().unwrap().remove("token");
    login["keyring"] = "default http://x 0123456789abcdef".into();
    write_private(&path, &file.to_string());
    let nowhere = f.dir.join("no-session-bus");
    let env = [
        (
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", nowhere.display()),
        ),
        ("XDG_RUNTIME_DIR", nowhere.display().to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let status = f.run_with_env("user", &["auth", "status", "--json"], "", &env);
    assert_eq!(status.code, 3, "{}", status.stderr);
    let report = status.json();
    assert_eq!(report["status"], "error", "{report}");
    assert_eq!(report["credential_source"], "os_store", "{report}");
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("cannot read the login token"),
        "{report}"
    );

    let logout = f.run_with_env("user", &["logout", "--json"], "", &env);
    assert_eq!(logout.code, 1, "not revoked: {}", logout.stderr);
    assert_eq!(logout.json()["logged_out"], true);
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        after["profiles"]["default"]["logins"]
            .get(f.emulator.base_url())
            .is_none(),
        "forgotten: {after}"
    );
}
