//! Protocol v2's token features from the command line, against canned v2
//! and v1 servers: `steps logout` revokes (feature `self`) then forgets,
//! `job-token list --label/--user` (`own_tokens`), `job-token rotate` and
//! `api-key rotate` (`rotation`), and whoami's token id and label; and what
//! each says where the server does not offer the feature, or cannot be
//! reached. No secret reaches stderr, and stdout shows one only where a
//! rotation gives it.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::fake_server::{Answer, FakeServer};
use crate::{login_entry, run_command, steps_command, Run};

/// The login token the canned servers hand out: fake.
const LOGIN: &str = "stl_TEST_v2_login";
/// The password given at login: fake.
const PASSWORD: &str = "TEST-v2-password";
/// The secret a canned rotation hands out: fake.
const ROTATED: &str = "stj_TEST_rotated_secret";

/// `GET /api/meta` of a v2 server offering `features`.
fn meta(features: &[&str]) -> Answer {
    (
        "GET /api/meta ",
        200,
        json!({"protocol": 2, "features": features}).to_string(),
    )
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A login answered with [`LOGIN`], valid for a day.
fn login() -> Answer {
    (
        "POST /api/login ",
        200,
        json!({"token": LOGIN, "user_id": 2, "is_admin": false, "expires_at": now() + 86_400}).to_string(),
    )
}

/// Whoami of a login token.
fn whoami_login() -> Answer {
    (
        "GET /api/whoami ",
        200,
        json!({"user_id": 2, "token_type": 0, "is_admin": false, "expires_at": now() + 86_400}).to_string(),
    )
}

fn job_token(id: i64, user: i64, label: &str) -> Value {
    json!({"token_id": id, "user_id": user, "label": label, "duration": 3600,
           "created_at": 1_700_000_000, "expires_at": 1_700_003_600})
}

/// A job token's rotation answer: the record with [`ROTATED`].
fn rotated_job_token() -> String {
    let mut token = job_token(7, 2, "nightly");
    token["token"] = ROTATED.into();
    token["rotated_at"] = 1_700_000_100.into();
    token.to_string()
}

/// A canned server and a config directory of its own.
struct Canned {
    server: FakeServer,
    dir: PathBuf,
}

impl Canned {
    fn new(name: &str, answers: Vec<(Answer, &'static str)>) -> Canned {
        let dir = std::env::temp_dir().join(format!("steps-cli-test-v2t-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Canned {
            server: FakeServer::with_headers(answers),
            dir,
        }
    }

    fn plain(name: &str, answers: Vec<Answer>) -> Canned {
        Canned::new(name, answers.into_iter().map(|a| (a, "")).collect())
    }

    /// `steps ARGS` against the server, with this config directory and
    /// `env`; checks where the secrets went.
    fn steps_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = steps_command();
        command
            .args(args)
            .env("STEPS_API_URL", self.server.url())
            .env("STEPS_CONFIG_DIR", &self.dir)
            .envs(env.iter().copied());
        let run = run_command(command, &format!("{PASSWORD}\n"));
        for secret in [LOGIN, ROTATED, "stj_TEST_job", PASSWORD] {
            assert!(!run.stderr.contains(secret), "a secret reached stderr: {run:?}");
        }
        assert!(
            !run.stdout.contains(LOGIN),
            "the login token reached stdout: {run:?}"
        );
        if !args.contains(&"rotate") {
            assert!(!run.stdout.contains(ROTATED), "{run:?}");
        }
        run
    }

    fn steps(&self, args: &[&str]) -> Run {
        self.steps_with(args, &[])
    }

    fn login(&self) {
        let run = self.steps(&["login", "--email", "ada@example.com", "--password-stdin"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    fn credentials(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join("credentials.json")).unwrap()).unwrap()
    }

    /// The requests sent so far whose request line starts with `prefix`
    /// (lower case).
    fn sent(&self, prefix: &str) -> Vec<String> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.starts_with(prefix))
            .collect()
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn logout_on_v2_revokes_the_login_token_then_forgets_it() {
    let v2 = Canned::plain(
        "logout-v2",
        vec![
            meta(&["idempotency", "self"]),
            login(),
            whoami_login(),
            ("DELETE /api/token/self ", 204, String::new()),
        ],
    );
    v2.login();
    assert!(login_entry(&v2.credentials(), "default", v2.server.url())["token"].is_string());

    let run = v2.steps(&["logout", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let out = run.json();
    assert_eq!(
        (&out["revoked"], &out["revocation"], &out["logged_out"]),
        (&json!(true), &json!("revoked"), &json!(true))
    );
    let revoked = v2.sent("delete /api/token/self ");
    assert_eq!(revoked.len(), 1, "{:?}", v2.server.requests());
    assert!(
        revoked[0].contains(&format!(
            "authorization: bearer {}\r\n",
            LOGIN.to_ascii_lowercase()
        )),
        "{}",
        revoked[0]
    );
    assert!(login_entry(&v2.credentials(), "default", v2.server.url()).is_null());
    let run = v2.steps(&["whoami"]);
    assert_eq!(run.code, 3, "forgotten: {}", run.stderr);

    // The human form says that it was revoked; a second logout has nothing
    // to do, and sends nothing.
    v2.login();
    let run = v2.steps(&["logout"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("revoked on the server, and forgotten here"),
        "{}",
        run.stdout
    );
    let before = v2.server.requests().len();
    let run = v2.steps(&["logout", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        (&run.json()["logged_out"], &run.json()["revocation"]),
        (&json!(false), &json!("none"))
    );
    assert_eq!(v2.server.requests().len(), before);

    // STEPS_TOKEN is left alone, and said to be.
    v2.login();
    let run = v2.steps_with(&["logout"], &[("STEPS_TOKEN", "stj_TEST_job")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("neither revoked nor forgotten"),
        "{}",
        run.stderr
    );
    assert_eq!(v2.sent("delete /api/token/self ").len(), 3);
}

#[test]
fn logout_on_v1_forgets_and_says_the_token_stays_valid() {
    for (name, answers) in [
        ("logout-v1", vec![login()]),
        // v2 without `self`.
        ("logout-noself", vec![meta(&["idempotency"]), login()]),
    ] {
        let server = Canned::plain(name, answers);
        server.login();
        let run = server.steps(&["logout", "--json"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let out = run.json();
        assert_eq!(
            (&out["revoked"], &out["revocation"], &out["logged_out"]),
            (&json!(false), &json!("unsupported"), &json!(true)),
            "{name}"
        );
        assert!(
            run.stderr.starts_with("steps: note: ")
                && run.stderr.contains("\"self\"")
                && run.stderr.contains("stays valid on the server until 2"),
            "{name}: {}",
            run.stderr
        );
        assert!(server.sent("delete ").is_empty(), "{name}");
        assert!(login_entry(&server.credentials(), "default", server.server.url()).is_null());

        server.login();
        let run = server.steps(&["logout"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout
                .contains("forgotten here, but not revoked on the server"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn logout_forgets_even_when_the_server_cannot_be_reached_and_exits_1() {
    let server = Canned::plain("logout-dead", vec![meta(&["self"]), login()]);
    server.login();
    // The login moved to an API URL where nothing listens.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let mut file = server.credentials();
    let entry = login_entry(&file, "default", server.server.url()).clone();
    file["profiles"]["default"]["logins"] = json!({ dead_url.clone(): entry });
    write_private(&server.dir.join("credentials.json"), &file.to_string());

    let run = server.steps(&["logout", "--json", "--api-url", &dead_url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = run.json();
    assert_eq!(
        (&out["revoked"], &out["revocation"], &out["logged_out"]),
        (&json!(false), &json!("failed"), &json!(true))
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not revoke the login token")
            && run.stderr.contains("could not connect")
            && run.stderr.contains("stays valid on the server until"),
        "{}",
        run.stderr
    );
    assert!(login_entry(&server.credentials(), "default", &dead_url).is_null());

    // A stored login that has expired is forgotten without a word to the
    // server.
    server.login();
    let mut file = server.credentials();
    file["profiles"]["default"]["logins"][server.server.url()]["expires_at"] = 1.into();
    write_private(&server.dir.join("credentials.json"), &file.to_string());
    let before = server.server.requests().len();
    let run = server.steps(&["logout", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["revocation"], "expired");
    assert_eq!(server.server.requests().len(), before);
}

#[test]
fn job_token_list_filters_by_label_and_user_where_offered() {
    let page = json!({"job_tokens": [job_token(7, 2, "nightly build")], "next_after": null});
    let v2 = Canned::plain(
        "list-v2",
        vec![
            meta(&["own_tokens"]),
            login(),
            ("GET /api/job_token", 200, page.to_string()),
        ],
    );
    // A user's login (the server said is_admin: false): not refused here.
    v2.login();
    let run = v2.steps(&["job-token", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("nightly build"), "{}", run.stdout);
    assert_eq!(run.stderr, "1 job token(s)\n");

    let run = v2.steps(&[
        "job-token",
        "list",
        "--label",
        "nightly build",
        "--user",
        "2",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ids: Vec<i64> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [7]);
    let lists = v2.sent("get /api/job_token");
    let filtered = lists.last().unwrap();
    let line = filtered.lines().next().unwrap();
    assert!(
        line.contains("label=nightly%20build") && line.contains("user_id=2"),
        "{line}"
    );
    assert!(
        !lists[0].lines().next().unwrap().contains("label="),
        "{}",
        lists[0]
    );

    let run = v2.steps(&["job-token", "list", "--label", "nightly build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("nightly build"), "{}", run.stdout);

    // A server that ignores the filters is not believed.
    let other = json!({"job_tokens": [job_token(8, 3, "other")], "next_after": null});
    let ignoring = Canned::plain(
        "list-ignoring",
        vec![
            meta(&["own_tokens"]),
            login(),
            ("GET /api/job_token", 200, other.to_string()),
        ],
    );
    ignoring.login();
    let run = ignoring.steps(&["job-token", "list", "--label", "nightly"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("ignored the list's filters"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");

    // A server without `own_tokens` is not asked: it would list everything.
    let v1 = Canned::plain("list-v1", vec![login()]);
    v1.login();
    for args in [
        &["job-token", "list", "--label", "nightly"][..],
        &["job-token", "list", "--user", "2", "--json"],
    ] {
        let run = v1.steps(args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("does not offer")
                && run.stderr.contains("\"own_tokens\"")
                && run.stderr.contains(" meta` shows what it offers"),
            "{}",
            run.stderr
        );
        assert_eq!(run.stdout, "");
    }
    assert!(v1.sent("get /api/job_token").is_empty());
}

#[test]
fn rotate_prints_the_new_secret_once_as_create_does() {
    let mut key = job_token(3, 1, "worker");
    key["api_key_id"] = key["token_id"].take();
    key["api_key"] = ROTATED.into();
    key["rotated_at"] = 1_700_000_100.into();
    let v2 = Canned::plain(
        "rotate-v2",
        vec![
            meta(&["idempotency", "rotation"]),
            login(),
            ("POST /api/job_token/7/rotate ", 200, rotated_job_token()),
            ("POST /api/api_key/3/rotate ", 200, key.to_string()),
        ],
    );
    v2.login();

    let run = v2.steps(&["job-token", "rotate", "7", "--grace", "10m"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout.matches(ROTATED).count(), 1, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("Rotated job token 7. Its new secret is shown this once")
            && run
                .stdout
                .contains("The old secret works until 2023-11-14T22:25:00Z (10m of grace)")
            && run.stdout.contains("rotated   2023-11-14T22:15:00Z"),
        "{}",
        run.stdout
    );
    // Once (issue 24, item 9: it was printed twice).
    assert_eq!(run.stdout.matches("rotated ").count(), 1, "{}", run.stdout);
    let sent = v2.sent("post /api/job_token/7/rotate ");
    assert!(
        sent[0].ends_with("{\"grace_seconds\":600}") && sent[0].contains("idempotency-key: "),
        "{}",
        sent[0]
    );

    let run = v2.steps(&["job-token", "rotate", "7", "--json", "--idempotency-key", "rot-7"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["token"], ROTATED);
    assert_eq!(out["token_id"], 7);
    assert_eq!(out["rotated_at"], 1_700_000_100);
    assert_eq!(out["replayed"], false);
    assert_eq!(
        (&out["grace"], &out["old_secret_valid_until"]),
        (&json!(0), &json!(1_700_000_100))
    );
    let sent = v2.sent("post /api/job_token/7/rotate ");
    assert!(sent[1].contains("idempotency-key: rot-7\r\n"), "{}", sent[1]);
    assert!(sent[1].ends_with("\r\n{}"), "{}", sent[1]);

    let run = v2.steps(&["api-key", "rotate", "3", "--grace", "1h", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(
        (&out["api_key"], &out["api_key_id"]),
        (&json!(ROTATED), &json!(3))
    );
    assert_eq!(out["old_secret_valid_until"], 1_700_003_700);

    // Bad input is refused before anything is sent.
    let before = v2.server.requests().len();
    for args in [
        &["job-token", "rotate", "7", "--grace", "2d"][..],
        &["job-token", "rotate", "7", "--grace", "soon"],
        &["job-token", "rotate", "x"],
        &["job-token", "rotate", "7", "--idempotency-key", "has space"],
        &["job-token", "rotate", "-1"],
    ] {
        let run = v2.steps(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    assert_eq!(v2.server.requests().len(), before);
}

#[test]
fn a_replayed_rotation_says_so_and_a_key_is_not_sent_where_it_cannot_be_kept() {
    let replaying = Canned::new(
        "rotate-replay",
        vec![
            (meta(&["idempotency", "rotation"]), ""),
            (login(), ""),
            (
                ("POST /api/job_token/7/rotate ", 200, rotated_job_token()),
                "idempotent-replayed: true\r\n",
            ),
        ],
    );
    replaying.login();
    let run = replaying.steps(&["job-token", "rotate", "7", "--idempotency-key", "rot-7"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("Job token 7 was rotated earlier with this idempotency key")
            && run.stdout.matches(ROTATED).count() == 1,
        "{}",
        run.stdout
    );
    let run = replaying.steps(&["job-token", "rotate", "7", "--idempotency-key", "rot-7", "--json"]);
    assert_eq!(run.json()["replayed"], true);

    let no_keys = Canned::plain(
        "rotate-nokeys",
        vec![
            meta(&["rotation"]),
            login(),
            ("POST /api/job_token/7/rotate ", 200, rotated_job_token()),
        ],
    );
    no_keys.login();
    let run = no_keys.steps(&["job-token", "rotate", "7", "--idempotency-key", "rot-7", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("does not offer idempotent requests")
            && run.stderr.contains("rotate the job token again"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["token"], ROTATED);
    assert!(!no_keys.sent("post /api/job_token/7/rotate ")[0].contains("idempotency-key"));
}

#[test]
fn rotate_where_it_is_not_offered_or_nothing_answers() {
    for (name, answers) in [
        ("rotate-v1", vec![login()]),
        ("rotate-norotation", vec![meta(&["idempotency", "self"]), login()]),
    ] {
        let server = Canned::plain(name, answers);
        server.login();
        for args in [
            &["job-token", "rotate", "7"][..],
            &[
                "api-key",
                "rotate",
                "3",
                "--grace",
                "1h",
                "--idempotency-key",
                "k",
            ],
        ] {
            let run = server.steps(args);
            assert_eq!(run.code, 1, "{name} {args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains("does not offer rotating tokens") && run.stderr.contains("\"rotation\""),
                "{name}: {}",
                run.stderr
            );
            assert_eq!(run.stdout, "");
        }
        assert!(
            server.sent("post /api/job_token").is_empty() && server.sent("post /api/api_key").is_empty(),
            "{name}"
        );
    }

    // Nothing listens: said as such, not as a server without rotation.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let server = Canned::plain("rotate-dead", vec![]);
    for args in [
        &["job-token", "rotate", "7", "--api-url", &dead_url][..],
        &["job-token", "list", "--label", "x", "--api-url", &dead_url],
    ] {
        let run = server.steps_with(args, &[("STEPS_TOKEN", LOGIN)]);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("could not connect") && !run.stderr.contains("does not offer"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn whoami_shows_the_token_id_and_label_where_the_server_gives_them() {
    let job = Canned::plain(
        "whoami-job",
        vec![(
            "GET /api/whoami ",
            200,
            json!({"user_id": 2, "token_type": 1, "is_admin": false, "expires_at": 1_700_003_600,
                   "token_id": 7, "label": "nightly"})
            .to_string(),
        )],
    );
    let env = [("STEPS_TOKEN", "stj_TEST_job")];
    let run = job.steps_with(&["whoami"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("token     job token\n")
            && run.stdout.contains("token id  7\n")
            && run.stdout.contains("label     nightly\n"),
        "{}",
        run.stdout
    );
    let out = job.steps_with(&["whoami", "--json"], &env).json();
    assert_eq!((&out["token_id"], &out["label"]), (&json!(7), &json!("nightly")));

    let key = Canned::plain(
        "whoami-key",
        vec![(
            "GET /api/whoami ",
            200,
            json!({"user_id": 1, "token_type": 2, "is_admin": true, "api_key_id": 3, "label": null})
                .to_string(),
        )],
    );
    let run = key.steps_with(&["whoami"], &env);
    assert!(
        run.stdout.contains("API key id  3\n") && run.stdout.contains("label       -\n"),
        "{}",
        run.stdout
    );
    let out = key.steps_with(&["whoami", "--json"], &env).json();
    assert_eq!((&out["api_key_id"], &out["label"]), (&json!(3), &Value::Null));
    assert!(out.get("token_id").is_none(), "{out}");

    // A v1 whoami: no such fields.
    let v1 = Canned::plain("whoami-v1", vec![whoami_login()]);
    let run = v1.steps_with(&["whoami"], &env);
    assert!(
        !run.stdout.contains("label") && !run.stdout.contains(" id "),
        "{}",
        run.stdout
    );
    let out = v1.steps_with(&["whoami", "--json"], &env).json();
    for field in ["token_id", "api_key_id", "label"] {
        assert!(out.get(field).is_none(), "{out}");
    }
}

fn write_private(path: &std::path::Path, text: &str) {
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path).unwrap(), text.as_bytes()).unwrap();
}
