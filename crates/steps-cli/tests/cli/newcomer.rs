//! What a newcomer met (issue 24), each checked against the binary: a
//! private CA to trust (and a refused certificate named by its kind), the
//! hints that must run where the failing command ran and fit where its
//! credential came from, `steps emulator`'s own options, `auth status`
//! across profiles, and tables of wide characters. Each test failed
//! before its fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use serde_json::Value;
use steps_emulator::{Config, Emulator};
use unicode_width::UnicodeWidthStr;

use crate::{login_entry, run_command, steps_command, Fixture, Run, ADMIN, USER};
use steps::steps_core::{DeleteJobToken, Operation, RevokeSelf};

/// A CA made at test time.
struct Ca {
    key: KeyPair,
    cert: rcgen::Certificate,
}

impl Ca {
    fn new() -> Ca {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "steps newcomer test CA");
        let cert = params.self_signed(&key).expect("CA");
        Ca { key, cert }
    }

    /// A server certificate for `names`, signed by this CA (expired in
    /// 2001 when `expired`): its PEM and its key's.
    fn issue(&self, names: &[&str], expired: bool) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("params");
        if expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("certificate");
        (cert.pem(), key.serialize_pem())
    }
}

/// An emulator serving HTTPS, on a runtime of its own.
struct TlsCloud {
    emulator: Emulator,
    _runtime: tokio::runtime::Runtime,
}

impl TlsCloud {
    fn start((cert, key): (String, String)) -> TlsCloud {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let config = Config::new()
            .admin(ADMIN.0, ADMIN.1)
            .user(USER.0, USER.1)
            .tls(cert, key);
        let emulator = runtime.block_on(Emulator::start(config)).expect("emulator");
        assert!(emulator.base_url().starts_with("https://127.0.0.1:"));
        TlsCloud {
            emulator,
            _runtime: runtime,
        }
    }
}

/// A new empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("steps-newcomer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `steps ARGS` with `env`, its config directory in `dir`.
fn steps(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let mut command = steps_command();
    command
        .env("XDG_CONFIG_HOME", dir)
        .args(args)
        .envs(env.iter().copied());
    run_command(command, stdin)
}

#[test]
fn a_private_ca_is_trusted_when_named_and_a_refusal_says_why() {
    let dir = scratch("tls");
    let ca = Ca::new();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.cert.pem()).unwrap();
    let ca_path = ca_file.to_str().unwrap();
    let cloud = TlsCloud::start(ca.issue(&["127.0.0.1", "localhost"], false));
    let url = cloud.emulator.base_url();
    let meta = ["--api-url", url, "meta"];

    // Not trusted: rustls' reason, and what to do about it.
    let run = steps(&dir, &meta, &[], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown issuer")
            && run
                .stderr
                .contains("trusting the Mozilla roots bundled with steps")
            && run.stderr.contains("--ca-cert FILE trusts a private CA"),
        "{}",
        run.stderr
    );

    // Named by --ca-cert, STEPS_CA_CERT, or SSL_CERT_FILE as curl reads it.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: [Case<'_>; 3] = [
        (&["--ca-cert", ca_path], &[]),
        (&[], &[("STEPS_CA_CERT", ca_path)]),
        (&[], &[("SSL_CERT_FILE", ca_path)]),
    ];
    for (args, env) in cases {
        let run = steps(&dir, &[args, &meta[..]].concat(), env, "");
        assert_eq!(run.code, 0, "{args:?} {env:?}: {}", run.stderr);
        assert!(run.stdout.contains("protocol"), "{}", run.stdout);
    }

    // A whole login and a call over TLS.
    let login = [
        "--ca-cert",
        ca_path,
        "--api-url",
        url,
        "login",
        "--email",
        USER.0,
        "--password-stdin",
    ];
    let run = steps(&dir, &login, &[], &format!("{}\n", USER.1));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = steps(&dir, &["--ca-cert", ca_path, "whoami", "--json"], &[], "");
    assert_eq!(run.code, 0, "the remembered https:// URL: {}", run.stderr);
    assert!(!run.stderr.contains(USER.1));

    // -v says which store is in use.
    let run = steps(
        &dir,
        &[&["-v", "--ca-cert", ca_path][..], &meta[..]].concat(),
        &[],
        "",
    );
    assert!(
        run.stderr.contains(&format!(
            "TLS trusts the CA certificates in {ca_path} (from --ca-cert)"
        )),
        "{}",
        run.stderr
    );
    let run = steps(&dir, &[&["-v"][..], &meta[..]].concat(), &[], "");
    assert!(
        run.stderr
            .contains("TLS trusts the Mozilla roots bundled with steps"),
        "{}",
        run.stderr
    );
    // The system's store, as an opt-in: it does not hold the test CA.
    for (args, env) in [
        (&["-v", "--native-roots"][..], &[][..]),
        (&["-v"][..], &[("STEPS_NATIVE_ROOTS", "1")][..]),
    ] {
        let run = steps(&dir, &[args, &meta[..]].concat(), env, "");
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("TLS trusts this system's certificate store")
                && run.stderr.contains("unknown issuer"),
            "{}",
            run.stderr
        );
    }

    // A CA file that cannot be read is a usage error that names it.
    let missing = dir.join("missing.pem");
    let missing = missing.to_str().unwrap();
    let run = steps(&dir, &[&["--ca-cert", missing][..], &meta[..]].concat(), &[], "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(missing), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_refused_certificate_is_named_by_its_kind() {
    let dir = scratch("tls-kinds");
    let ca = Ca::new();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.cert.pem()).unwrap();
    let ca_path = ca_file.to_str().unwrap();
    for (names, expired, said) in [
        (&["steps.invalid"][..], false, "name mismatch"),
        (&["127.0.0.1", "localhost"][..], true, "expired"),
    ] {
        let cloud = TlsCloud::start(ca.issue(names, expired));
        let url = cloud.emulator.base_url();
        let run = steps(&dir, &["--ca-cert", ca_path, "--api-url", url, "meta"], &[], "");
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("TLS handshake failed") && run.stderr.contains(said),
            "{said}: {}",
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_hint_repeats_the_options_that_chose_the_server_and_the_identity() {
    let f = Fixture::new("hints");
    let url = f.emulator.base_url().to_owned();
    let config = f.dir.join("my config");
    let config_text = config.to_str().unwrap().to_owned();
    let quoted = format!("'{config_text}'");
    let chosen = ["--api-url", &url, "--profile", "ci", "--config-dir", &config_text];
    let options = format!("--api-url {url} --profile ci --config-dir {quoted}");

    // Not logged in there: the login to run, with all three.
    let run = f.run("user", &[&chosen[..], &["whoami"]].concat(), "");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("run `steps {options} login --email ...`")),
        "{}",
        run.stderr
    );
    let login = [&chosen[..], &["login", "--email", USER.0, "--password-stdin"]].concat();
    let run = f.run("user", &login, &format!("{}\n", USER.1));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(config.join("credentials.json")).unwrap()).unwrap();
    let token = login_entry(&file, "ci", &url)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    f.secrets.lock().unwrap().push(token);

    // `steps exec`'s clean-up hint, when its delete fails.
    let rules = serde_json::from_value(
        serde_json::json!([{"operation": DeleteJobToken::NAME, "fault": {"kind": "status", "status": 403}},
            {"operation": RevokeSelf::NAME, "fault": {"kind": "status", "status": 503}}]),
    )
    .unwrap();
    f.emulator.set_faults(rules);
    let run = f.run("user", &[&chosen[..], &["exec", "--", "true"]].concat(), "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let hint = format!("delete it with `steps {options} job-token delete ");
    let Some(at) = run.stderr.find(&hint) else {
        panic!("no hint with the options: {}", run.stderr);
    };
    let id: String = run.stderr[at + hint.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // The hint, run as printed, deletes the token at that server as that
    // profile.
    f.emulator.set_faults(Vec::new());
    f.ok("user", &[&chosen[..], &["job-token", "delete", &id]].concat());
    assert_eq!(f.emulator.token_counts(), (0, 0));

    // The refusal of a credentials file others can read names the
    // --config-dir that reaches it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = config.join("credentials.json");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let run = f.run("user", &[&chosen[..], &["whoami"]].concat(), "");
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("`steps --config-dir {quoted} logout` to remove it")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn each_refusal_is_worded_by_where_the_credential_came_from() {
    let f = Fixture::new("wording");
    // A wrong password: logging in again is what was just done.
    let run = f.run(
        "user",
        &["login", "--email", USER.0, "--password-stdin"],
        "wrong-password\n",
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("wrong email or password"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("log in again") && !run.stderr.contains("steps login"),
        "{}",
        run.stderr
    );

    // The stored login is fine: a bad STEPS_TOKEN or --token is named, and
    // logging in again is not what fixes it.
    f.login("user", USER);
    let run = f.run_with_env("user", &["whoami"], "", &[("STEPS_TOKEN", "stl_TEST_bogus")]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("the token in STEPS_TOKEN was refused") && !run.stderr.contains("log in again"),
        "{}",
        run.stderr
    );
    let run = f.run("user", &["whoami", "--token", "stl_TEST_bogus"], "");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("the token given with --token was refused")
            && !run.stderr.contains("log in again"),
        "{}",
        run.stderr
    );
    let run = f.run("other", &["login", "--with-token"], "stl_TEST_bogus\n");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("read from standard input was refused") && !run.stderr.contains("log in again"),
        "{}",
        run.stderr
    );

    // `steps login` alone shows both ways in.
    let run = f.run("user", &["login"], "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--with-token") && run.stderr.contains("--email"),
        "{}",
        run.stderr
    );

    // Every API error carries the server's request id.
    for args in [&["job-token", "get", "999"][..], &["api-key", "list"]] {
        let run = f.run("user", args, "");
        assert!(run.code != 0, "{args:?}");
        assert!(
            run.stderr.contains("(request id req-"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Runs `command` for at most 20 s: a `steps emulator` that took its
/// arguments serves until stopped.
fn run_briefly(mut command: Command) -> Run {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

#[test]
fn steps_emulator_takes_only_its_own_options() {
    let dir = scratch("emulator-options");
    let client = [
        "--api-url",
        "--token",
        "--json",
        "--profile",
        "--timeout",
        "--config-dir",
        "--ca-cert",
        "--native-roots",
    ];
    let help = steps(&dir, &["emulator", "--help"], &[], "");
    assert_eq!(help.code, 0, "{}", help.stderr);
    // The emulator's own --json (its startup line) is not the client's.
    for flag in client.iter().filter(|flag| **flag != "--json") {
        assert!(!help.stdout.contains(flag), "{flag} in: {}", help.stdout);
    }
    assert!(help.stdout.contains("--listen") && help.stdout.contains("--verbose"));

    // The commands that talk to an API list them under a heading of their own.
    let help = steps(&dir, &["whoami", "--help"], &[], "");
    let (_, client_part) = help
        .stdout
        .split_once("Client options:")
        .unwrap_or_else(|| panic!("no client heading: {}", help.stdout));
    for flag in client {
        assert!(client_part.contains(flag), "{flag}: {}", help.stdout);
    }

    // Given anyway, they are refused, not ignored (nor warned about).
    for args in [
        &["emulator", "--listen", "127.0.0.1:0", "--token", "stl_TEST_x"][..],
        &["--json", "emulator", "--listen", "127.0.0.1:0"],
        &[
            "emulator",
            "--api-url",
            "http://127.0.0.1:9",
            "--listen",
            "127.0.0.1:0",
        ],
    ] {
        let mut command = steps_command();
        command.env("XDG_CONFIG_HOME", &dir).args(args);
        let run = run_briefly(command);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("steps emulator takes only its own options")
                && !run.stderr.contains("visible to other users"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn auth_status_shows_each_profile_at_its_own_url() {
    let f = Fixture::new("status-profiles");
    let url = f.emulator.base_url().to_owned();
    // Both logins remember the emulator's URL (STEPS_API_URL chose it).
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
    let file: Value = serde_json::from_str(&std::fs::read_to_string(f.credentials("me")).unwrap()).unwrap();
    let admin_token = login_entry(&file, "admin", &url)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    f.secrets.lock().unwrap().push(admin_token);

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let run = f.run("me", &["--api-url", &dead_url, "auth", "status", "--json"], "");
    assert_eq!(run.code, 3, "not logged in there: {}", run.stderr);
    let status = run.json();
    let rows: Vec<(String, String, bool, Option<String>)> = status["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["api_url"].as_str().unwrap().to_owned(),
                p["in_use"] == true,
                p["email"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("admin".into(), url.clone(), false, Some(ADMIN.0.into())),
            ("default".into(), dead_url.clone(), true, None),
            ("default".into(), url.clone(), false, Some(USER.0.into())),
        ]
    );

    // The human table: the row in use marked, the others at their URLs.
    let human = f
        .run("me", &["--api-url", &dead_url, "auth", "status"], "")
        .stdout;
    let table: Vec<&str> = human
        .lines()
        .skip_while(|l| !l.starts_with("Profiles in"))
        .skip(2)
        .collect();
    assert_eq!(table.len(), 3, "{human}");
    assert!(
        table[0].contains("admin") && table[0].contains(&url) && table[0].contains(ADMIN.0),
        "{human}"
    );
    assert!(
        table[1].starts_with('*') && table[1].contains(&dead_url),
        "{human}"
    );
    assert!(table[2].contains(&url) && table[2].contains(USER.0), "{human}");
}

#[test]
fn a_table_of_wide_labels_stays_aligned() {
    let f = Fixture::new("wide");
    f.login("user", USER);
    f.login("admin", ADMIN);
    for label in ["東京タワー", "🚀 launch", "plain-label"] {
        let run = f.ok(
            "user",
            &["job-token", "create", "--label", label, "--duration", "1h"],
        );
        f.secrets.lock().unwrap().push(crate::secret_line(&run.stdout));
    }
    let list = f.ok("admin", &["job-token", "list"]).stdout;
    // Where the DURATION column starts, on a terminal, in every line.
    let columns: Vec<usize> = list
        .lines()
        .map(|line| {
            let at = line
                .find("DURATION")
                .or_else(|| line.find("1h"))
                .unwrap_or_else(|| panic!("no duration in {line:?}"));
            line[..at].width()
        })
        .collect();
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{columns:?}\n{list}");
}
