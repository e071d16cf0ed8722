//! The real `steps` binary against an emulator: every command in human and
//! JSON form, and each failure's exit code and message. No secret may reach
//! stderr.

#[cfg(unix)]
mod auth;
#[cfg(unix)]
mod credentials;
#[cfg(unix)]
mod exec;
mod fake_server;
#[cfg(unix)]
mod habits;
#[cfg(unix)]
mod habits_ctl;
mod hostile;
#[cfg(unix)]
mod newcomer;
#[cfg(unix)]
mod quandela;
mod readme_quandela;
mod redact;
mod v2;
mod v2_tokens;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;
use steps_emulator::{Config, Emulator};
use steps_tests::proxy::{ProxyMode, TestProxy};

use crate::redact::redact_times;

const ADMIN: (&str, &str) = ("root@example.com", "TEST-admin-password");
const USER: (&str, &str) = ("ada@example.com", "TEST-user-password");

/// The environment variables that choose a proxy, in upper case; their
/// lower-case forms count too.
const PROXY_VARIABLES: [&str; 4] = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"];

/// An emulator on a runtime of its own, and a config directory per role.
struct Fixture {
    emulator: Emulator,
    runtime: tokio::runtime::Runtime,
    dir: PathBuf,
    /// Every secret seen in the run, checked against every stderr.
    secrets: Mutex<Vec<String>>,
    stderrs: Mutex<Vec<String>>,
    /// The stdout of every command that shows no secret (all but create,
    /// rotate and `auth token`): no secret either.
    stdouts: Mutex<Vec<String>>,
}

/// One finished run of the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        Fixture::with_config(name, |config| config)
    }

    /// [`Fixture::new`] with the emulator's config changed by `change`.
    fn with_config(name: &str, change: impl FnOnce(Config) -> Config) -> Fixture {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime
            .block_on(Emulator::start(change(
                Config::new().admin(ADMIN.0, ADMIN.1).user(USER.0, USER.1),
            )))
            .expect("emulator");
        let dir = std::env::temp_dir().join(format!("steps-cli-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Fixture {
            emulator,
            runtime,
            dir,
            secrets: Mutex::new(vec![ADMIN.1.into(), USER.1.into()]),
            stderrs: Mutex::new(Vec::new()),
            stdouts: Mutex::new(Vec::new()),
        }
    }

    fn config_home(&self, role: &str) -> PathBuf {
        self.dir.join(role)
    }

    fn credentials(&self, role: &str) -> PathBuf {
        self.config_home(role).join("steps").join("credentials.json")
    }

    /// Runs `steps ARGS` as `role` (its own config directory), with `stdin`.
    fn run(&self, role: &str, args: &[&str], stdin: &str) -> Run {
        self.run_with_env(role, args, stdin, &[])
    }

    /// [`Fixture::run`] with extra environment variables. Whatever proxy
    /// settings the test process has are removed first.
    fn run_with_env(&self, role: &str, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
        let mut command = self.command(role);
        command.args(args).envs(env.iter().copied());
        self.finish(command, args, stdin)
    }

    /// `steps` as `role` (its own config directory), against the emulator,
    /// in a clean environment; arguments are added by the caller.
    fn command(&self, role: &str) -> Command {
        let mut command = steps_command();
        command
            .env("XDG_CONFIG_HOME", self.config_home(role))
            .env("STEPS_API_URL", self.emulator.base_url());
        command
    }

    /// Runs `command` (made with `args`) with `stdin`, and records its
    /// output for the checks on drop.
    fn finish(&self, command: Command, args: &[&str], stdin: &str) -> Run {
        let run = run_command(command, stdin);
        self.stderrs.lock().unwrap().push(run.stderr.clone());
        // A secret is printed on stdout by a create, a rotation and `auth
        // token` only.
        let shows_secret = args.contains(&"create")
            || args.contains(&"rotate")
            || args.windows(2).any(|w| w == ["auth", "token"]);
        if !shows_secret {
            self.stdouts.lock().unwrap().push(run.stdout.clone());
        }
        run
    }

    fn ok(&self, role: &str, args: &[&str]) -> Run {
        let run = self.run(role, args, "");
        assert_eq!(run.code, 0, "steps {args:?} failed: {}", run.stderr);
        run
    }

    fn login(&self, role: &str, (email, password): (&str, &str)) {
        let run = self.run(
            role,
            &["login", "--email", email, "--password-stdin"],
            &format!("{password}\n"),
        );
        assert_eq!(run.code, 0, "login: {}", run.stderr);
        let token = self.stored_token(role);
        self.secrets.lock().unwrap().push(token);
    }

    /// The default profile's login token for the emulator, from `role`'s
    /// credentials file.
    fn stored_token(&self, role: &str) -> String {
        let stored: Value =
            serde_json::from_str(&std::fs::read_to_string(self.credentials(role)).unwrap()).unwrap();
        login_entry(&stored, "default", self.emulator.base_url())["token"]
            .as_str()
            .expect("a stored token")
            .to_owned()
    }

    /// Replaces what changes between runs: secrets, times, the port, paths.
    fn redact(&self, text: &str) -> String {
        let mut out = text
            .replace(self.emulator.base_url(), "[API]")
            .replace(&self.dir.display().to_string(), "[DIR]");
        for secret in self.secrets.lock().unwrap().iter() {
            out = out.replace(secret.as_str(), "[SECRET]");
        }
        redact_times(&out)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let secrets = self.secrets.lock().unwrap();
        for stderr in self.stderrs.lock().unwrap().iter() {
            for secret in secrets.iter() {
                assert!(
                    !stderr.contains(secret.as_str()),
                    "a secret reached stderr: {stderr}"
                );
            }
        }
        for stdout in self.stdouts.lock().unwrap().iter() {
            for secret in secrets.iter() {
                assert!(
                    !stdout.contains(secret.as_str()),
                    "a secret reached the stdout of a command that shows none: {stdout}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `steps` binary with none of the test process's proxy, token,
/// config or colour settings, its tokens kept in the credentials file, never
/// in the OS credential store of the machine the tests run on.
fn steps_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_steps"));
    command.env("STEPS_INSECURE_STORAGE", "1");
    for name in [
        "STEPS_PROFILE",
        "STEPS_EXPIRY_WARNING",
        "STEPS_TOKEN",
        "STEPS_API",
        "STEPS_API_URL",
        "STEPS_CONFIG_DIR",
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "STEPS_CA_CERT",
        "STEPS_NATIVE_ROOTS",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        command.env_remove(name);
    }
    for name in PROXY_VARIABLES {
        command.env_remove(name).env_remove(name.to_ascii_lowercase());
    }
    command
}

/// Runs `command` with `stdin` and collects its output.
fn run_command(mut command: Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command that exits without reading its input closes the pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// The login of `profile` for `url` in a credentials file's JSON.
fn login_entry<'a>(stored: &'a Value, profile: &str, url: &str) -> &'a Value {
    &stored["profiles"][profile]["logins"][url]
}

/// A secret printed on creation, from a human `create` output.
fn secret_line(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("secret"))
        .expect("a secret line")
        .trim()
        .to_owned()
}

fn snapshot(name: &str, text: String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn every_command_in_human_and_json_form() {
    let f = Fixture::new("commands");
    f.login("user", USER);
    f.login("admin", ADMIN);
    let credentials = f.credentials("user");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&credentials).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // whoami
    snapshot("whoami", f.redact(&f.ok("user", &["whoami"]).stdout));
    let me = f.ok("user", &["whoami", "--json"]).json();
    assert_eq!(
        (
            me["user_id"].as_i64(),
            me["token_type"].as_i64(),
            me["is_admin"].as_bool()
        ),
        (Some(2), Some(0), Some(false))
    );

    // job-token create: the secret, once, on stdout.
    let created = f.ok(
        "user",
        &["job-token", "create", "--label", "nightly", "--duration", "1h"],
    );
    let secret = secret_line(&created.stdout);
    assert!(secret.starts_with("stj_"), "{}", created.stdout);
    f.secrets.lock().unwrap().push(secret.clone());
    snapshot("job_token_create", f.redact(&created.stdout));
    let created_json = f.ok("user", &["job-token", "create", "--json"]).json();
    assert_eq!(created_json["duration"], 99_999);
    assert_eq!(created_json["label"], Value::Null);
    let json_secret = created_json["token"]
        .as_str()
        .expect("the JSON create carries the secret")
        .to_owned();
    f.secrets.lock().unwrap().push(json_secret.clone());
    assert!(json_secret.starts_with("stj_"));

    // get, in both forms, without the secret.
    let got = f.ok("user", &["job-token", "get", "1"]);
    assert!(!got.stdout.contains(&secret));
    snapshot("job_token_get", f.redact(&got.stdout));
    let got_json = f.ok("user", &["job-token", "get", "1", "--json"]).json();
    assert_eq!(
        (got_json["token_id"].as_i64(), got_json["label"].as_str()),
        (Some(1), Some("nightly"))
    );
    assert!(got_json.get("token").is_none());

    // list (admin), in both forms.
    let listed = f.ok("admin", &["job-token", "list"]);
    snapshot("job_token_list", f.redact(&listed.stdout));
    let listed_json = f.ok("admin", &["job-token", "list", "--json"]).json();
    let ids: Vec<i64> = listed_json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![1, 2]);
    assert!(!listed.stdout.contains(&secret) && !listed.stdout.contains(&json_secret));

    // delete, then the token is gone.
    snapshot(
        "job_token_delete",
        f.redact(&f.ok("user", &["job-token", "delete", "1"]).stdout),
    );
    assert_eq!(
        f.ok("user", &["job-token", "delete", "2", "--json"]).json()["deleted"],
        true
    );
    let gone = f.run("user", &["job-token", "get", "1"], "");
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("404"), "{}", gone.stderr);

    // api-key: create, get, list, delete.
    let key = f.ok(
        "admin",
        &["api-key", "create", "--label", "worker", "--duration", "7d"],
    );
    f.secrets.lock().unwrap().push(secret_line(&key.stdout));
    assert!(secret_line(&key.stdout).starts_with("stk_"));
    snapshot("api_key_create", f.redact(&key.stdout));
    let key_json = f.ok("admin", &["api-key", "get", "1", "--json"]).json();
    assert_eq!(
        (key_json["api_key_id"].as_i64(), key_json["duration"].as_i64()),
        (Some(1), Some(604_800))
    );
    snapshot(
        "api_key_list",
        f.redact(&f.ok("admin", &["api-key", "list"]).stdout),
    );
    assert_eq!(
        f.ok("admin", &["api-key", "list", "--json"])
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    f.ok("admin", &["api-key", "delete", "1"]);
    assert_eq!(
        f.ok("admin", &["api-key", "list", "--json"]).json(),
        serde_json::json!([])
    );

    // -v traces to stderr, without secrets (checked for every run on drop).
    // No colour codes: stderr is not a terminal here.
    let verbose = f.ok("user", &["-v", "whoami"]);
    assert!(verbose.stderr.contains("whoami"), "{}", verbose.stderr);
    assert!(!verbose.stderr.contains('\u{1b}'), "{:?}", verbose.stderr);

    // --token and STEPS_TOKEN take an explicit token.
    let token = f.stored_token("user");
    let with_flag = f.ok("nobody", &["whoami", "--json", "--token", &token]);
    assert_eq!(with_flag.json()["user_id"], 2);
    assert!(
        with_flag.stderr.contains("--token is visible to other users"),
        "{}",
        with_flag.stderr
    );
    let with_env = f.run_with_env("nobody", &["whoami", "--json"], "", &[("STEPS_TOKEN", &token)]);
    assert_eq!(with_env.json()["user_id"], 2);
    assert_eq!(with_env.stderr, "", "no warning for STEPS_TOKEN");

    // login --with-token stores a login token, and refuses a job token.
    let run = f.run("other", &["login", "--with-token"], &format!("{token}\n"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(f.ok("other", &["whoami", "--json"]).json()["user_id"], 2);
    let run = f.run("other", &["login", "--with-token"], &format!("{json_secret}\n"));
    assert_eq!(run.code, 3, "a deleted job token is refused: {}", run.stderr);

    // logout revokes the token where the emulator offers that (protocol
    // v2, feature `self`), and forgets it.
    let offers_self = f.ok("user", &["meta", "--json"]).json()["features"]
        .as_array()
        .is_some_and(|features| features.contains(&"self".into()));
    let logout = f.ok("user", &["logout"]);
    let said = if offers_self {
        "revoked on the server, and forgotten here."
    } else {
        "forgotten here, but not revoked on the server."
    };
    assert_eq!(
        f.redact(&logout.stdout).trim(),
        format!("Logged out of [API]: the login token is {said}")
    );
    let run = f.run("user", &["whoami"], "");
    assert_eq!(run.code, 3);
    assert_eq!(
        f.redact(&run.stderr).trim(),
        "steps: not logged in to [API]: run `steps --api-url [API] login --email ...`"
    );
}

#[test]
fn failures_have_their_exit_codes_and_one_clear_line() {
    let f = Fixture::new("failures");

    let run = f.run(
        "user",
        &["login", "--email", USER.0, "--password-stdin"],
        "wrong-password\n",
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("wrong email or password"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(!f.credentials("user").exists(), "a failed login stores nothing");

    f.login("user", USER);
    for args in [
        &["api-key", "create"][..],
        &["api-key", "list"],
        &["api-key", "get", "1"],
    ] {
        let run = f.run("user", args, "");
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("admin"), "{args:?}: {}", run.stderr);
    }

    // Usage errors.
    for args in [
        &["job-token", "create", "--duration", "5x"][..],
        &["login"],
        &["job-token", "get", "abc"],
        &["nope"],
        &["whoami", "--timeout", "0"],
        &["whoami", "--timeout", "0s"],
        // Once a panic: a deadline past the end of the clock.
        &["whoami", "--timeout", "30500568904943w"],
    ] {
        assert_eq!(f.run("user", args, "").code, 2, "{args:?}");
    }
    let run = f.run("user", &["job-token", "create", "--label", &"x".repeat(300)], "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("256"), "{}", run.stderr);

    // The server's clock passes the login token's lifetime.
    f.emulator.advance_clock(Duration::from_secs(86_401));
    let run = f.run("user", &["whoami"], "");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("log in again"), "{}", run.stderr);

    // A stored token past its expiry is not even sent.
    f.login("user", USER);
    let path = f.credentials("user");
    let mut stored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    stored["profiles"]["default"]["logins"][f.emulator.base_url()]["expires_at"] = 1.into();
    write_private(&path, &stored.to_string());
    let run = f.run("user", &["whoami"], "");
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("expired"), "{}", run.stderr);

    // A credentials file that others can read is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let run = f.run("user", &["whoami"], "");
        assert_eq!(run.code, 3);
        assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    }

    // Nothing listens there.
    let run = Command::new(env!("CARGO_BIN_EXE_steps"))
        .args([
            "whoami",
            "--api-url",
            "http://127.0.0.1:9",
            "--token",
            "stl_TEST_unreachable",
        ])
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains("could not connect") && stderr.contains("is a STEPS API running"),
        "{stderr}"
    );
    assert!(!stderr.contains("stl_TEST_unreachable"));
}

#[test]
fn the_proxy_comes_from_the_environment_except_for_loopback() {
    let f = Fixture::new("proxy");
    let proxy = f.runtime.block_on(TestProxy::start(ProxyMode::Open));
    let password = format!("{}\n", USER.1);
    // Not loopback to the client; the test proxy maps `.test` names to
    // 127.0.0.1.
    let port = f.emulator.base_url().rsplit(':').next().unwrap().to_owned();
    let remote_url = format!("http://api.steps.test:{port}");
    let login = [
        "login",
        "--email",
        USER.0,
        "--password-stdin",
        "--api-url",
        &remote_url,
    ];

    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        let before = proxy.heads().len();
        let run = f.run_with_env("user", &login, &password, &[(name, &proxy.url())]);
        assert_eq!(run.code, 0, "login through {name}: {}", run.stderr);
        let heads = proxy.heads();
        assert_eq!(heads.len(), before + 1, "{name} was not used: {heads:?}");
        assert!(
            heads[before].starts_with(&format!("CONNECT api.steps.test:{port} ")),
            "{heads:?}"
        );
    }

    // A loopback API is reached directly whatever the environment says:
    // a proxy cannot reach this machine's loopback.
    let before = proxy.heads().len();
    f.login("user", USER);
    let run = f.run_with_env("user", &["whoami"], "", &[("HTTP_PROXY", &proxy.url())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let demo = f.run_with_env("user", &["demo"], "", &[("HTTP_PROXY", &dead_url)]);
    assert_eq!(
        demo.code, 0,
        "the demo with a proxy in the environment: {}",
        demo.stderr
    );
    assert_eq!(proxy.heads().len(), before, "loopback went through the proxy");

    // NO_PROXY is checked by the transport's unit tests: here an exempted
    // `.test` name would be looked up in DNS, off this machine.

    // A proxy that is down is named in the error, with exit code 1.
    let run = f.run_with_env(
        "user",
        &["whoami", "--api-url", &remote_url],
        "",
        &[("HTTP_PROXY", &dead_url)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "could not open a tunnel through the proxy at {dead_url}/"
        )) && run.stderr.contains("is the proxy running"),
        "{}",
        run.stderr
    );
}

#[test]
fn completions_and_help_work() {
    let f = Fixture::new("help");
    for shell in ["bash", "zsh", "fish"] {
        let run = f.ok("user", &["completions", shell]);
        assert!(run.stdout.contains("job-token"), "{shell}");
        // `completion` is the same command.
        assert_eq!(f.ok("user", &["completion", shell]).stdout, run.stdout);
    }
    let help = f.ok("user", &["--help"]);
    assert!(help.stdout.contains("Exit codes:"));
    assert!(help.stdout.contains("STEPS_LOG") && help.stdout.contains("STEPS_PROFILE"));
    for sub in [
        &["job-token", "--help"][..],
        &["job-token", "create", "--help"],
        &["job-token", "list", "--help"],
        &["job-token", "rotate", "--help"],
        &["api-key", "create", "--help"],
        &["api-key", "rotate", "--help"],
        &["login", "--help"],
        &["logout", "--help"],
        &["whoami", "--help"],
        &["auth", "status", "--help"],
        &["auth", "token", "--help"],
        &["exec", "--help"],
        &["meta", "--help"],
        &["emulator", "--help"],
        &["demo", "--help"],
        &["completions", "--help"],
        &["man", "--help"],
        &["auth", "switch", "--help"],
        &["emulator", "ctl", "--help"],
    ] {
        let run = f.ok("user", sub);
        assert!(
            run.stdout.contains("Examples:\n  steps "),
            "{sub:?}: {}",
            run.stdout
        );
    }
}

#[test]
fn steps_log_chooses_what_is_logged() {
    let f = Fixture::new("log");
    f.login("user", USER);
    let run = f.run_with_env("user", &["whoami"], "", &[("STEPS_LOG", "steps_transport=debug")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("whoami"), "{}", run.stderr);
    let quiet = f.run_with_env("user", &["whoami"], "", &[("STEPS_LOG", "steps_transport=error")]);
    assert_eq!(quiet.stderr, "");
    for bad in ["steps=loud", "steps=debug=info"] {
        let run = f.run_with_env("user", &["whoami"], "", &[("STEPS_LOG", bad)]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains("STEPS_LOG"), "{}", run.stderr);
        assert_eq!(run.stdout, "", "the command ran");
    }
}

#[test]
fn man_pages_are_written_for_every_command() {
    let f = Fixture::new("man");
    let dir = f.dir.join("man");
    let dir_text = dir.display().to_string();
    f.ok("user", &["man", "--out-dir", &dir_text]);
    for page in [
        "steps.1",
        "steps-exec.1",
        "steps-auth-status.1",
        "steps-job-token-create.1",
        "steps-job-token-rotate.1",
        "steps-api-key-rotate.1",
        "steps-logout.1",
        "steps-auth-switch.1",
        "steps-emulator-ctl-state-export.1",
        "steps-man.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    // Not clap's `help` subcommands.
    assert!(!dir.join("steps-help.1").exists());
    assert_eq!(f.run("user", &["man"], "").code, 2, "--out-dir is required");
    let page = std::fs::read_to_string(dir.join("steps-job-token-list.1")).unwrap();
    assert!(
        page.contains("expiring\\-within"),
        "the new flags are in the pages"
    );
}

#[test]
fn the_demo_walks_the_lifecycle() {
    let f = Fixture::new("demo");
    let run = f.ok("user", &["demo"]);
    assert!(run.stdout.contains("demo: 12 steps passed"), "{}", run.stdout);
    for shown in [
        "rotates job token",
        "the old secret is refused",
        "revoked on the server: true",
    ] {
        assert!(run.stdout.contains(shown), "{shown}: {}", run.stdout);
    }
    assert!(
        !run.stdout.contains("stj_") || run.stdout.contains("stj_…"),
        "secrets are masked in the demo"
    );
    let json = f.ok("user", &["demo", "--json"]).json();
    assert_eq!(json["steps"].as_array().map(Vec::len), Some(12));
    assert_eq!(json["steps"][11]["result"]["revoked"], true, "{json}");
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let f = Fixture::new("pipe");
    f.login("admin", ADMIN);
    f.ok("admin", &["job-token", "create"]);
    for args in [
        &["demo"][..],
        &["demo", "--json"],
        &["whoami"],
        &["job-token", "list"],
        &["job-token", "list", "--json"],
        &["completions", "bash"],
    ] {
        let mut command = f.command("admin");
        // The reading end is closed before the command writes: as
        // `steps demo | head -0`.
        let mut child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn a_token_or_password_bound_for_plain_http_elsewhere_is_warned_about() {
    let f = Fixture::new("cleartext");
    // Nothing is reached: the proxy is down, so the name is never looked
    // up and no packet leaves this machine.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let remote = "http://api.steps.test:9";
    let warning = "steps: warning: http://api.steps.test:9 is not encrypted";
    let proxy = [("HTTP_PROXY", dead_url.as_str())];

    let run = f.run_with_env(
        "user",
        &["whoami", "--api-url", remote],
        "",
        &[("HTTP_PROXY", &dead_url), ("STEPS_TOKEN", "stl_TEST_cleartext")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].starts_with(warning) && lines[0].contains("token"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("stl_TEST_cleartext"));

    let login = [
        "login",
        "--email",
        USER.0,
        "--password-stdin",
        "--api-url",
        remote,
    ];
    let run = f.run_with_env("user", &login, &format!("{}\n", USER.1), &proxy);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(warning) && run.stderr.contains("password"),
        "{}",
        run.stderr
    );

    // Loopback is this machine: no warning.
    let port = f.emulator.base_url().rsplit(':').next().unwrap().to_owned();
    for url in [
        f.emulator.base_url().to_owned(),
        format!("http://localhost:{port}"),
    ] {
        let run = f.run_with_env(
            "user",
            &["login", "--email", USER.0, "--password-stdin", "--api-url", &url],
            &format!("{}\n", USER.1),
            &[],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "", "{url}");
    }
}
