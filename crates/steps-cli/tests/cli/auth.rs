//! `steps auth status` and `steps auth token`, profiles (two identities
//! for one API URL in one file), the API URL `steps login --api-url`
//! remembers, the warning for a login about to expire, and the credentials
//! file of the previous format.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::{login_entry, Fixture, Run, ADMIN, USER};

/// `steps ARGS` as `role` with `env`, and no STEPS_API_URL: the URL is
/// the one remembered, or the default.
fn without_url(f: &Fixture, role: &str, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let mut command = f.command(role);
    command
        .env_remove("STEPS_API_URL")
        .args(args)
        .envs(env.iter().copied());
    f.finish(command, args, stdin)
}

fn stored(f: &Fixture, role: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(f.credentials(role)).unwrap()).unwrap()
}

fn write_private(path: &Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// A closed loopback port's URL: nothing listens there.
fn dead_url() -> String {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    url
}

#[test]
fn auth_status_says_where_the_login_comes_from_and_exits_by_its_state() {
    let f = Fixture::new("auth-status");

    // Not logged in: 3, and the report is still JSON.
    let run = f.run("user", &["auth", "status", "--json"], "");
    assert_eq!(run.code, 3, "{}", run.stderr);
    let status = run.json();
    assert_eq!(
        (status["status"].as_str(), status["usable"].as_bool()),
        (Some("not_logged_in"), Some(false))
    );
    assert_eq!(status["credential_source"], Value::Null);
    assert!(run.stderr.contains("not logged in"), "{}", run.stderr);

    // Usable: 0, with who and how long.
    f.login("user", USER);
    let run = f.run("user", &["auth", "status", "--json"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = run.json();
    assert_eq!(status["status"], "usable");
    assert_eq!(status["api_url"], f.emulator.base_url());
    assert_eq!(status["api_url_source"], "env");
    assert_eq!(
        (status["profile"].as_str(), status["profile_source"].as_str()),
        (Some("default"), Some("default"))
    );
    assert_eq!(status["credential_source"], "credentials_file");
    assert_eq!(
        status["credentials_file"],
        f.credentials("user").display().to_string()
    );
    assert_eq!(status["identity"]["user_id"], 2);
    assert_eq!(status["email"], USER.0);
    let left = status["expires_in"].as_i64().unwrap();
    assert!((86_000..=86_400).contains(&left), "{left}");
    let human = f.ok("user", &["auth", "status"]).stdout;
    for text in ["from STEPS_API_URL", "usable", USER.0, "Profiles in"] {
        assert!(human.contains(text), "{text}: {human}");
    }

    // STEPS_TOKEN is named as the source; a refused token is 3.
    let token = f.stored_token("user");
    let run = f.run_with_env(
        "nobody",
        &["auth", "status", "--json"],
        "",
        &[("STEPS_TOKEN", &token)],
    );
    assert_eq!(
        (run.code, run.json()["credential_source"].as_str()),
        (0, Some("env")),
        "{}",
        run.stderr
    );
    let run = f.run_with_env(
        "nobody",
        &["auth", "status", "--json"],
        "",
        &[("STEPS_TOKEN", "stl_TEST_bogus")],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.json()["status"], "refused");

    // The server cannot be reached: 1.
    let run = f.run(
        "user",
        &[
            "auth",
            "status",
            "--json",
            "--api-url",
            &dead_url(),
            "--token",
            &token,
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["status"], "unreachable");
    assert_eq!(run.json()["api_url_source"], "flag");

    // A stored login past its expiry: 3, not sent.
    let path = f.credentials("user");
    let mut file = stored(&f, "user");
    file["profiles"]["default"]["logins"][f.emulator.base_url()]["expires_at"] = 1.into();
    write_private(&path, &file.to_string());
    let run = f.run("user", &["auth", "status", "--json"], "");
    assert_eq!(
        (run.code, run.json()["status"].as_str()),
        (3, Some("expired")),
        "{}",
        run.stderr
    );
}

#[test]
fn auth_token_prints_the_login_token_alone() {
    let f = Fixture::new("auth-token");
    let run = f.run("user", &["auth", "token"], "");
    assert_eq!((run.code, run.stdout.as_str()), (3, ""), "{}", run.stderr);
    f.login("user", USER);
    let run = f.ok("user", &["auth", "token"]);
    assert_eq!(run.stdout, format!("{}\n", f.stored_token("user")));
    assert_eq!(run.stderr, "");
    let given = f.run_with_env(
        "nobody",
        &["auth", "token"],
        "",
        &[("STEPS_TOKEN", "stl_TEST_given")],
    );
    assert_eq!(given.stdout, "stl_TEST_given\n");
}

#[test]
fn two_profiles_keep_two_identities_for_one_api_url() {
    let f = Fixture::new("profiles");
    f.login("me", USER);
    let run = f.run(
        "me",
        &[
            "login",
            "--profile",
            "admin",
            "--email",
            ADMIN.0,
            "--password-stdin",
        ],
        &format!("{}\n", ADMIN.1),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = stored(&f, "me");
    let admin_token = login_entry(&file, "admin", f.emulator.base_url())["token"]
        .as_str()
        .expect("the admin's login")
        .to_owned();
    f.secrets.lock().unwrap().push(admin_token.clone());
    assert_ne!(admin_token, f.stored_token("me"));

    // Each profile acts as its own identity.
    assert_eq!(f.ok("me", &["whoami", "--json"]).json()["is_admin"], false);
    assert_eq!(
        f.ok("me", &["--profile", "admin", "whoami", "--json"]).json()["is_admin"],
        true
    );
    let by_env = f.run_with_env("me", &["whoami", "--json"], "", &[("STEPS_PROFILE", "admin")]);
    assert_eq!(by_env.json()["is_admin"], true, "{}", by_env.stderr);
    assert_eq!(f.run("me", &["api-key", "list"], "").code, 3);
    f.ok("me", &["api-key", "list", "--profile", "admin"]);

    // auth status lists both.
    let status = f
        .ok("me", &["auth", "status", "--json", "--profile", "admin"])
        .json();
    assert_eq!(
        (status["profile"].as_str(), status["profile_source"].as_str()),
        (Some("admin"), Some("flag"))
    );
    let profiles: Vec<(String, bool, Option<String>)> = status["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["active"].as_bool().unwrap(),
                p["email"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        profiles,
        vec![
            ("admin".into(), true, Some(ADMIN.0.into())),
            ("default".into(), false, Some(USER.0.into())),
        ]
    );

    // Logging one out keeps the other; a bad name is a usage error.
    let run = f.ok("me", &["logout", "--profile", "admin"]);
    assert!(run.stdout.contains("(profile admin)"), "{}", run.stdout);
    assert_eq!(f.run("me", &["--profile", "admin", "whoami"], "").code, 3);
    assert_eq!(f.ok("me", &["whoami", "--json"]).json()["user_id"], 2);
    assert!(stored(&f, "me")["profiles"].get("admin").is_none());
    for bad in ["", "a b", "../x", "-x"] {
        assert_eq!(
            f.run("me", &["whoami", &format!("--profile={bad}")], "").code,
            2,
            "{bad:?}"
        );
    }
}

#[test]
fn login_remembers_the_api_url_and_flags_and_the_environment_still_win() {
    let f = Fixture::new("remember");
    let url = f.emulator.base_url().to_owned();
    let login = ["login", "--api-url", &url, "--email", USER.0, "--password-stdin"];
    let run = without_url(&f, "user", &login, &[], &format!("{}\n", USER.1));
    assert_eq!(run.code, 0, "{}", run.stderr);
    f.secrets.lock().unwrap().push(f.stored_token("user"));
    assert_eq!(stored(&f, "user")["profiles"]["default"]["api_url"], url.as_str());

    // No URL given: the remembered one.
    let run = without_url(&f, "user", &["whoami", "--json"], &[], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = without_url(&f, "user", &["auth", "status", "--json"], &[], "").json();
    assert_eq!(
        (status["api_url"].as_str(), status["api_url_source"].as_str()),
        (Some(url.as_str()), Some("profile"))
    );
    let human = without_url(&f, "user", &["auth", "status"], &[], "").stdout;
    assert!(human.contains("remembered for profile default"), "{human}");

    // A new profile starts on it too.
    let run = without_url(
        &f,
        "user",
        &[
            "login",
            "--profile",
            "admin",
            "--email",
            ADMIN.0,
            "--password-stdin",
        ],
        &[],
        &format!("{}\n", ADMIN.1),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = stored(&f, "user");
    f.secrets.lock().unwrap().push(
        login_entry(&file, "admin", &url)["token"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    assert!(file["profiles"]["admin"].get("api_url").is_none(), "{file}");

    // STEPS_API_URL and --api-url win over it.
    let dead = dead_url();
    let run = without_url(
        &f,
        "user",
        &["auth", "status", "--json"],
        &[("STEPS_API_URL", &dead)],
        "",
    );
    assert_eq!(run.code, 3, "no login there: {}", run.stderr);
    assert_eq!(run.json()["api_url_source"], "env");
    let run = without_url(&f, "user", &["whoami", "--api-url", &dead], &[], "");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("not logged in to {dead}")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_login_about_to_expire_is_warned_about_once() {
    let f = Fixture::new("expiring");
    f.login("user", USER);
    let path = f.credentials("user");
    let mut file = stored(&f, "user");
    let soon = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 300;
    let login = &mut file["profiles"]["default"]["logins"][f.emulator.base_url()];
    login["expires_at"] = soon.into();
    // A day-long login near its end: the warning's window is at most half
    // the lifetime.
    login["logged_in_at"] = (soon - 86_400).into();
    write_private(&path, &file.to_string());
    for args in [&["whoami"][..], &["auth", "status"], &["job-token", "create"]] {
        let run = f.run("user", args, "");
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches("warning: your login token for").count(),
            1,
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("expires in 4m") || run.stderr.contains("expires in 5m"),
            "{}",
            run.stderr
        );
        if args.contains(&"create") {
            f.secrets.lock().unwrap().push(crate::secret_line(&run.stdout));
        }
    }
}

#[test]
fn a_credentials_file_of_the_previous_format_is_the_default_profile() {
    let f = Fixture::new("format-1");
    f.login("user", USER);
    let token = f.stored_token("user");
    let url = f.emulator.base_url();
    let v1 = serde_json::json!({"version": 1, "credentials": {url: {"token": token, "email": USER.0}}});
    write_private(&f.credentials("user"), &v1.to_string());
    assert_eq!(f.ok("user", &["whoami", "--json"]).json()["user_id"], 2);
    // The next update writes the new format, with the old login kept.
    let run = f.run(
        "user",
        &[
            "login",
            "--profile",
            "admin",
            "--email",
            ADMIN.0,
            "--password-stdin",
        ],
        &format!("{}\n", ADMIN.1),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = stored(&f, "user");
    f.secrets.lock().unwrap().push(
        login_entry(&file, "admin", url)["token"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(file["version"], 2);
    assert_eq!(login_entry(&file, "default", url)["token"], token.as_str());
    assert!(file.get("credentials").is_none());
}
