//! Protocol v2 from the command line: `steps meta`, and `--idempotency-key`
//! on creates (sent only to a server that offers idempotent creates; a
//! replay is shown as one). The v2 server here is canned.

use serde_json::json;

use crate::fake_server::{Answer, FakeServer};
use crate::{run_command, steps_command, Fixture, Run, USER};

/// The secret the canned server hands out: fake, and checked against
/// stderr.
const SECRET: &str = "stj_TEST_replayed_secret";

fn created(label: &str) -> String {
    json!({"token_id": 7, "user_id": 2, "label": label, "duration": 3600,
           "created_at": 1_700_000_000, "expires_at": 1_700_003_600, "token": SECRET})
    .to_string()
}

fn meta_v2() -> Answer {
    (
        "GET /api/meta ",
        200,
        json!({"protocol": 2, "features": ["idempotency", "self", "a_future_feature"]}).to_string(),
    )
}

/// `steps ARGS` against `server` with a login token in the environment.
fn steps(server: &FakeServer, args: &[&str]) -> Run {
    let mut command = steps_command();
    command
        .args(args)
        .args(["--api-url", server.url()])
        .env("STEPS_TOKEN", "stl_TEST_v2")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("steps-cli-test-v2-unused"),
        );
    let run = run_command(command, "");
    assert!(
        !run.stderr.contains(SECRET) && !run.stderr.contains("stl_TEST_v2"),
        "a secret reached stderr: {run:?}"
    );
    assert!(!run.stdout.contains("stl_TEST_v2"), "{run:?}");
    run
}

#[test]
fn meta_prints_what_the_server_offers() {
    let v2 = FakeServer::start(vec![meta_v2()]);
    let run = steps(&v2, &["meta", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let meta = run.json();
    assert_eq!(meta["protocol"], 2);
    assert_eq!(meta["features"], json!(["idempotency", "self"]));
    assert_eq!(meta["api_url"], v2.url());
    let run = steps(&v2, &["server-info"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("protocol  2") && run.stdout.contains("idempotency, self"),
        "{}",
        run.stdout
    );

    // A v1 server answers /api/meta 404.
    let v1 = FakeServer::start(vec![]);
    let meta = steps(&v1, &["meta", "--json"]).json();
    assert_eq!(
        (meta["protocol"].as_u64(), meta["features"].clone()),
        (Some(1), json!([]))
    );

    // The emulator says what it speaks.
    let f = Fixture::new("meta");
    let meta = f.ok("user", &["meta", "--json"]).json();
    assert!(
        meta["protocol"].as_u64().is_some() && meta["features"].is_array(),
        "{meta}"
    );

    // Nothing listens there: an error, not a v1 server.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let run = f.run("user", &["meta", "--api-url", &dead_url], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("could not connect"), "{}", run.stderr);
}

#[test]
fn an_idempotency_key_is_sent_to_a_v2_server_and_a_replay_is_shown_as_one() {
    let server = FakeServer::with_headers(vec![
        (meta_v2(), ""),
        (
            ("POST /api/job_token ", 201, created("nightly")),
            "idempotent-replayed: true\r\n",
        ),
        (
            (
                "POST /api/api_key ",
                201,
                created("worker")
                    .replace("token_id", "api_key_id")
                    .replace("\"token\"", "\"api_key\""),
            ),
            "",
        ),
    ]);
    let args = [
        "job-token",
        "create",
        "--label",
        "nightly",
        "--idempotency-key",
        "deploy-42",
    ];
    let run = steps(&server, &[&args[..], &["--json"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let created = run.json();
    assert_eq!(created["replayed"], true);
    assert_eq!(created["token"], SECRET);
    let creates: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("post "))
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert!(
        creates[0].contains("idempotency-key: deploy-42\r\n"),
        "{}",
        creates[0]
    );

    let human = steps(&server, &args);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human
            .stdout
            .starts_with("Job token 7 was created earlier with this idempotency key")
            && human.stdout.contains(SECRET),
        "{}",
        human.stdout
    );

    // Not a replay: said as a plain create.
    let key = steps(
        &server,
        &["api-key", "create", "--idempotency-key", "worker-1", "--json"],
    );
    assert_eq!(key.code, 0, "{}", key.stderr);
    assert_eq!(key.json()["replayed"], false);
}

#[test]
fn a_v1_server_is_not_sent_the_key_and_a_bad_key_is_a_usage_error() {
    let v1 = FakeServer::start(vec![("POST /api/job_token ", 201, created("x"))]);
    let run = steps(
        &v1,
        &["job-token", "create", "--idempotency-key", "k-1", "--json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("does not offer idempotent creates") && run.stderr.contains("not sent"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["replayed"], false);
    let requests = v1.requests();
    assert!(
        requests.iter().any(|r| r.starts_with("post /api/job_token "))
            && !requests.iter().any(|r| r.contains("idempotency-key")),
        "{requests:?}"
    );

    let f = Fixture::new("bad-key");
    f.login("user", USER);
    for key in ["", "has space", "tab\there", &"k".repeat(256), "é"] {
        let run = f.run("user", &["job-token", "create", "--idempotency-key", key], "");
        assert_eq!(run.code, 2, "{key:?}: {}", run.stderr);
    }
    let run = f.run("user", &["api-key", "create", "--idempotency-key", "a b"], "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let help = f.ok("user", &["job-token", "create", "--help"]).stdout;
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("A v1 server is not sent the key"), "{help}");
}
