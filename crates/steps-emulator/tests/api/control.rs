//! The control plane over TCP (`/_steps/`, `docs/emulator.md`), and saved
//! state across restarts. That a peer off loopback is refused is a unit
//! test of the pipeline (`api::tests`), since every address a test can
//! bind here is a loopback one.

use std::path::PathBuf;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{json, Value};
use steps_emulator::Emulator;

use crate::support::{config, emulator, Conn, ADMIN, USER};

async fn controlled() -> Emulator {
    Emulator::start(config().control(true).frozen_clock())
        .await
        .expect("the emulator starts")
}

async fn whoami(conn: &mut Conn, token: &str) -> StatusCode {
    conn.call(Method::GET, "/api/whoami", Some(token), None)
        .await
        .status
}

#[tokio::test]
async fn the_control_plane_is_not_there_unless_asked_for() {
    let emulator = emulator().await;
    assert_eq!(emulator.control_url(), None);
    let mut conn = Conn::open(emulator.local_addr()).await;
    for (method, path) in [
        (Method::GET, "/_steps/clock"),
        (Method::POST, "/_steps/reset"),
        (Method::GET, "/_steps/state"),
    ] {
        conn.call(method, path, None, Some("{}"))
            .await
            .assert_error(404, path);
    }
}

#[tokio::test]
async fn the_clock_is_read_moved_set_frozen_and_expires_tokens() {
    let emulator = controlled().await;
    assert_eq!(
        emulator.control_url(),
        Some(format!("{}/_steps", emulator.base_url()))
    );
    let mut conn = Conn::open(emulator.local_addr()).await;
    let clock = conn.call(Method::GET, "/_steps/clock", None, None).await;
    assert_eq!(clock.status, StatusCode::OK);
    assert_eq!(clock.json["frozen"], true);
    let start = clock.json["now"].as_u64().expect("now");

    let user = conn.login(USER).await;
    let short = conn
        .call(
            Method::POST,
            "/api/job_token",
            Some(&user),
            Some(r#"{"duration":60}"#),
        )
        .await
        .str("token");
    let moved = conn
        .call(Method::POST, "/_steps/clock", None, Some(r#"{"advance":61}"#))
        .await;
    assert_eq!(moved.json, json!({ "now": start + 61, "frozen": true }));
    assert_eq!(
        whoami(&mut conn, &short).await,
        StatusCode::UNAUTHORIZED,
        "expired by the clock"
    );

    let set = conn
        .call(
            Method::POST,
            "/_steps/clock",
            None,
            Some(&format!(r#"{{"set":{}}}"#, start + 1000)),
        )
        .await;
    assert_eq!(set.json, json!({ "now": start + 1000, "frozen": true }));
    let thawed = conn
        .call(Method::POST, "/_steps/clock", None, Some(r#"{"frozen":false}"#))
        .await;
    assert_eq!(thawed.json["frozen"], false);
    assert!(thawed.json["now"].as_u64().is_some_and(|now| now >= start + 1000));
    for bad in [
        r#"{}"#,
        r#"{"advance":1,"set":2}"#,
        r#"{"advance":-1}"#,
        r#"{"advance":"1"}"#,
        r#"{"frozen":1}"#,
        r#"{"rewind":1}"#,
        r#"[]"#,
        "not json",
    ] {
        conn.call(Method::POST, "/_steps/clock", None, Some(bad))
            .await
            .assert_error(400, bad);
    }
}

#[tokio::test]
async fn faults_are_replaced_at_run_time_in_the_faults_file_format() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let rules = json!([
        { "operation": "whoami", "when": { "first": 1 }, "fault": { "kind": "status", "status": 503, "retry_after": 0 } }
    ]);
    let put = conn
        .call(Method::PUT, "/_steps/faults", None, Some(&rules.to_string()))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json);
    assert_eq!(put.json, rules, "the rules in force, as given");
    assert_eq!(whoami(&mut conn, &user).await, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(whoami(&mut conn, &user).await, StatusCode::OK, "first 1 only");
    // A bad rule changes nothing.
    for bad in [
        r#"[{"fault":{"kind":"meteor"}}]"#,
        r#"{"fault":{"kind":"close"}}"#,
    ] {
        conn.call(Method::PUT, "/_steps/faults", None, Some(bad))
            .await
            .assert_error(400, bad);
    }
    let got = conn.call(Method::GET, "/_steps/faults", None, None).await;
    assert_eq!(got.json, rules);
    let cleared = conn.call(Method::PUT, "/_steps/faults", None, Some("[]")).await;
    assert_eq!(cleared.json, json!([]));
}

#[tokio::test]
async fn the_journal_says_what_was_asked_and_holds_no_secret() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let (id, job) = conn.create("job_token", &user).await;
    assert_eq!(whoami(&mut conn, &job).await, StatusCode::OK);
    // A secret in a path, by mistake, is not kept.
    conn.call(Method::GET, &format!("/api/job_token/{job}"), Some(&user), None)
        .await
        .assert_error(400, "a secret as an id");
    conn.call(
        Method::PUT,
        "/_steps/faults",
        None,
        Some(r#"[{"operation":"job_token.read","fault":{"kind":"close"}}]"#),
    )
    .await;
    let read = http::Request::get(format!("/api/job_token/{id}"))
        .header("host", "localhost")
        .header("authorization", format!("Bearer {user}"))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    assert!(conn.try_send(read).await.is_err(), "closed by the fault");
    let mut conn = Conn::open(emulator.local_addr()).await;
    conn.call(Method::PUT, "/_steps/faults", None, Some("[]")).await;

    let journal = conn
        .call(Method::GET, "/_steps/requests?limit=1000", None, None)
        .await;
    assert_eq!(journal.status, StatusCode::OK);
    let text = String::from_utf8_lossy(&journal.bytes);
    for secret in [user.as_str(), job.as_str(), USER.1] {
        assert!(!text.contains(secret), "a secret in the journal: {text}");
    }
    let entries = journal.json["requests"].as_array().expect("requests");
    let shown: Vec<(String, String, Value, Value, Value, Value, bool)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["status"].clone(),
                e["operation"].clone(),
                e["user_id"].clone(),
                e["token_type"].clone(),
                e["fault"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    let row = |m: &str, p: &str, s: Value, o: &str, u: Value, t: Value, f: bool| {
        (m.to_owned(), p.to_owned(), s, json!(o), u, t, f)
    };
    assert_eq!(
        shown,
        vec![
            row(
                "POST",
                "/api/login",
                json!(200),
                "login",
                Value::Null,
                Value::Null,
                false
            ),
            row(
                "POST",
                "/api/job_token",
                json!(201),
                "job_token.create",
                json!(2),
                json!(0),
                false
            ),
            row(
                "GET",
                "/api/whoami",
                json!(200),
                "whoami",
                json!(2),
                json!(1),
                false
            ),
            row(
                "GET",
                "/api/job_token/<redacted>",
                json!(400),
                "job_token.read",
                json!(2),
                json!(0),
                false
            ),
            row(
                "GET",
                &format!("/api/job_token/{id}"),
                Value::Null,
                "job_token.read",
                Value::Null,
                Value::Null,
                true
            ),
        ],
        "control requests are not journaled: {text}"
    );
    assert!(entries
        .iter()
        .all(|e| e["time"].is_u64() && e["request_id"].is_string()));
    let last = conn
        .call(Method::GET, "/_steps/requests?limit=1", None, None)
        .await;
    assert_eq!(last.json["requests"].as_array().map(Vec::len), Some(1));
    conn.call(Method::GET, "/_steps/requests?limit=0", None, None)
        .await
        .assert_error(400, "limit 0");
    let cleared = conn.call(Method::DELETE, "/_steps/requests", None, None).await;
    assert_eq!(cleared.status, StatusCode::OK);
    let empty = conn.call(Method::GET, "/_steps/requests", None, None).await;
    assert_eq!(empty.json, json!({ "requests": [] }));
}

#[tokio::test]
async fn accounts_are_added_while_running() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let added = conn
        .call(
            Method::POST,
            "/_steps/accounts",
            None,
            Some(r#"{"email":"new@example.com","password":"pw-new"}"#),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.json);
    assert_eq!(
        added.json,
        json!({ "user_id": 4, "email": "new@example.com", "is_admin": false })
    );
    let token = conn.login(("new@example.com", "pw-new")).await;
    let me = conn.call(Method::GET, "/api/whoami", Some(&token), None).await;
    assert_eq!(me.json["user_id"], 4);
    conn.call(
        Method::POST,
        "/_steps/accounts",
        None,
        Some(r#"{"email":"new@example.com","password":"x"}"#),
    )
    .await
    .assert_error(409, "a taken email");
    for bad in [
        r#"{"email":"a@b"}"#,
        r#"{"email":"","password":"x"}"#,
        r#"{"email":"a@b","password":"x","is_admin":"yes"}"#,
    ] {
        conn.call(Method::POST, "/_steps/accounts", None, Some(bad))
            .await
            .assert_error(400, bad);
    }
    let wrong_type = conn
        .send(
            http::Request::post("/_steps/accounts")
                .header("host", "localhost")
                .header("content-type", "text/plain")
                .body(http_body_util::Full::new(bytes::Bytes::from_static(b"{}")))
                .unwrap(),
        )
        .await;
    wrong_type.assert_error(415, "text/plain");
    // Unknown paths and methods of the control plane.
    conn.call(Method::GET, "/_steps/nothing", None, None)
        .await
        .assert_error(404, "unknown");
    let refused = conn.call(Method::DELETE, "/_steps/clock", None, None).await;
    refused.assert_error(405, "DELETE clock");
    assert_eq!(refused.headers["allow"], "GET, POST");
}

#[tokio::test]
async fn state_round_trips_byte_for_byte_and_a_bad_one_changes_nothing() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let admin = conn.login(ADMIN).await;
    let (job_id, job) = conn.create("job_token", &user).await;
    conn.create("api_key", &admin).await;
    let rotated = conn
        .call(
            Method::POST,
            &format!("/api/job_token/{job_id}/rotate"),
            Some(&user),
            Some(r#"{"grace_seconds":600}"#),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    let exported = conn.call(Method::GET, "/_steps/state", None, None).await;
    assert_eq!(exported.status, StatusCode::OK);
    assert_eq!(exported.json["steps_emulator_state"], 1);
    let text = String::from_utf8_lossy(&exported.bytes).into_owned();
    assert!(
        text.contains(&job) && text.contains(&user),
        "a state holds the secrets"
    );

    // Imported, then exported again: the same bytes.
    let imported = conn.call(Method::PUT, "/_steps/state", None, Some(&text)).await;
    assert_eq!(imported.status, StatusCode::OK, "{:?}", imported.json);
    let again = conn.call(Method::GET, "/_steps/state", None, None).await;
    assert_eq!(again.bytes, exported.bytes);
    assert_eq!(
        whoami(&mut conn, &job).await,
        StatusCode::OK,
        "the old secret, in its grace"
    );

    // Bad documents are refused and leave everything as it was.
    let mut unknown_owner: Value = exported.json.clone();
    unknown_owner["job_tokens"]["records"][0]["user_id"] = json!(99);
    let mut reused: Value = exported.json.clone();
    reused["api_keys"]["records"][0]["secret"] = json!(user);
    let mut newer: Value = exported.json.clone();
    newer["steps_emulator_state"] = json!(2);
    for bad in [
        "{".to_owned(),
        "{}".to_owned(),
        unknown_owner.to_string(),
        reused.to_string(),
        newer.to_string(),
    ] {
        conn.call(Method::PUT, "/_steps/state", None, Some(&bad))
            .await
            .assert_error(400, &bad[..bad.len().min(40)]);
    }
    let after = conn.call(Method::GET, "/_steps/state", None, None).await;
    assert_eq!(after.bytes, exported.bytes);
}

#[tokio::test]
async fn reset_goes_back_to_the_start() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let start = conn.call(Method::GET, "/_steps/clock", None, None).await.json;
    let user = conn.login(USER).await;
    conn.create("job_token", &user).await;
    conn.call(
        Method::POST,
        "/_steps/accounts",
        None,
        Some(r#"{"email":"x@example.com","password":"pw"}"#),
    )
    .await;
    conn.call(Method::POST, "/_steps/clock", None, Some(r#"{"advance":500}"#))
        .await;
    conn.call(
        Method::PUT,
        "/_steps/faults",
        None,
        Some(r#"[{"operation":"meta","fault":{"kind":"close"}}]"#),
    )
    .await;
    let reset = conn.call(Method::POST, "/_steps/reset", None, Some("{}")).await;
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.json);
    assert_eq!(reset.json["clock"], start);
    assert_eq!(emulator.token_counts(), (0, 0));
    assert_eq!(
        whoami(&mut conn, &user).await,
        StatusCode::UNAUTHORIZED,
        "no tokens"
    );
    let gone = serde_json::json!({ "email": "x@example.com", "password": "pw" }).to_string();
    conn.call(Method::POST, "/api/login", None, Some(&gone))
        .await
        .assert_error(401, "an added account is gone");
    conn.login(USER).await;
    assert_eq!(
        conn.call(Method::GET, "/_steps/faults", None, None).await.json,
        json!([])
    );
    let journal = conn.call(Method::GET, "/_steps/requests", None, None).await;
    assert_eq!(
        journal.json["requests"].as_array().map(Vec::len),
        Some(3),
        "{:?}",
        journal.json
    );
    // Ids start again after a reset.
    let user = conn.login(USER).await;
    assert_eq!(conn.create("job_token", &user).await.0, 1);
}

/// A file of the test's own, removed at the end.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        let dir = std::env::temp_dir().join(format!(
            "steps-emulator-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempFile(dir.join("state.json"))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[tokio::test]
async fn a_restart_with_saved_state_keeps_tokens_and_ids() {
    let file = TempFile::new("restart");
    let first = Emulator::start(config().state_file(&file.0))
        .await
        .expect("starts");
    let mut conn = Conn::open(first.local_addr()).await;
    let user = conn.login(USER).await;
    let admin = conn.login(ADMIN).await;
    let (job_id, job) = conn.create("job_token", &user).await;
    let (key_id, key) = conn.create("api_key", &admin).await;
    drop(conn);
    first.shutdown().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file.0).expect("saved").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a state holds secrets");
    }

    let second = Emulator::start(config().state_file(&file.0))
        .await
        .expect("restarts");
    let mut conn = Conn::open(second.local_addr()).await;
    for token in [&user, &admin, &job, &key] {
        assert_eq!(
            whoami(&mut conn, token).await,
            StatusCode::OK,
            "a token lived through the restart"
        );
    }
    assert_eq!(
        conn.create("job_token", &user).await.0,
        job_id + 1,
        "ids go on ascending"
    );
    assert_eq!(conn.create("api_key", &admin).await.0, key_id + 1);
    assert_eq!(
        second.accounts().len(),
        3,
        "the accounts given again are not added twice"
    );
    second.shutdown().await;
}

#[tokio::test]
async fn the_state_is_saved_periodically_too() {
    let file = TempFile::new("periodic");
    let emulator = Emulator::start(
        config()
            .state_file(&file.0)
            .save_every(Duration::from_millis(200)),
    )
    .await
    .expect("starts");
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let mut saved = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        saved = std::fs::read_to_string(&file.0).unwrap_or_default();
        if saved.contains(&user) {
            break;
        }
    }
    assert!(saved.contains(&user), "saved while running");
    drop(emulator);
}

#[tokio::test]
async fn a_corrupt_or_newer_state_file_stops_the_start_and_is_left_as_it_was() {
    let file = TempFile::new("corrupt");
    for (contents, says) in [
        (
            &b"{\"steps_emulator_state\": 1, \"clock\": "[..],
            "cannot be loaded",
        ),
        (br#"{"steps_emulator_state": 7}"#, "newer"),
        (b"\xff\xfe not json", "not valid JSON"),
    ] {
        std::fs::write(&file.0, contents).expect("written");
        #[cfg(unix)]
        {
            // Private, as a state file must be, so that its contents are judged.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file.0, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        let error = Emulator::start(config().state_file(&file.0))
            .await
            .expect_err("a bad state stops the start");
        let message = error.to_string();
        assert!(
            message.contains(says) && message.contains("left as it is"),
            "{message}"
        );
        assert!(message.contains(&file.0.display().to_string()), "{message}");
        assert_eq!(
            std::fs::read(&file.0).expect("still there"),
            contents,
            "untouched"
        );
    }
}

#[tokio::test]
async fn requests_a_web_page_could_make_are_refused() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let control = |method: Method, host: &str, extra: Option<(&str, &str)>, json: bool| {
        let mut request = http::Request::builder()
            .method(method)
            .uri("/_steps/reset")
            .header("host", host);
        if json {
            request = request.header("content-type", "application/json");
        }
        if let Some((name, value)) = extra {
            request = request.header(name, value);
        }
        request
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap()
    };
    for (host, extra) in [
        ("evil.example:8787", None),
        ("127.0.0.1.nip.io", None),
        ("localhost", Some(("origin", "http://evil.example"))),
        ("127.0.0.1:8787", Some(("sec-fetch-site", "cross-site"))),
    ] {
        let reply = conn.send(control(Method::POST, host, extra, true)).await;
        reply.assert_error(403, host);
    }
    // Without a body, a POST needs no content type (`curl -X POST`); a
    // page's bodyless POST carries an Origin, refused above. With a body,
    // see `control_bodyless.rs`.
    let bodyless = conn.send(control(Method::POST, "localhost", None, false)).await;
    assert_eq!(bodyless.status, StatusCode::OK, "{:?}", bodyless.json);
    conn.send(control(
        Method::POST,
        "localhost",
        Some(("origin", "null")),
        false,
    ))
    .await
    .assert_error(403, "a bodyless POST with an Origin");
    for host in ["localhost:1", "127.0.0.1", "[::1]:8787", "LOCALHOST"] {
        let reply = conn
            .send(control(
                Method::POST,
                host,
                Some(("sec-fetch-site", "none")),
                true,
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{host}: {:?}", reply.json);
    }
}

#[tokio::test]
async fn races_with_rotation_and_reset_are_decided_under_the_lock() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let (_, s0) = conn.create("job_token", &user).await;
    // A self-rotation held in its handler while another one replaces S0.
    conn.call(
        Method::PUT,
        "/_steps/faults",
        None,
        Some(r#"[{"operation":"token.rotate_self","when":{"first":1},"fault":{"kind":"slow_handler","ms":500}}]"#),
    )
    .await;
    let held = {
        let addr = emulator.local_addr();
        let s0 = s0.clone();
        tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            conn.call(
                Method::POST,
                "/api/token/self/rotate",
                Some(&s0),
                Some(r#"{"grace_seconds":60}"#),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let first = conn
        .call(Method::POST, "/api/token/self/rotate", Some(&s0), Some("{}"))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.json);
    let s1 = first.str("token");
    let late = held.await.expect("the held request");
    late.assert_error(401, "S0 was rotated away while it waited");
    assert_eq!(
        whoami(&mut conn, &s1).await,
        StatusCode::OK,
        "S1 is still the token's"
    );

    // A request held across a reset does not act on the new store.
    let (job_id, _) = conn.create("job_token", &user).await;
    conn.call(
        Method::PUT,
        "/_steps/faults",
        None,
        Some(r#"[{"operation":"job_token.rotate","when":{"first":1},"fault":{"kind":"slow_handler","ms":500}}]"#),
    )
    .await;
    let held = {
        let (addr, user) = (emulator.local_addr(), user.clone());
        tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            conn.call(
                Method::POST,
                &format!("/api/job_token/{job_id}/rotate"),
                Some(&user),
                Some("{}"),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    conn.call(Method::POST, "/_steps/reset", None, Some("{}")).await;
    let fresh = conn.login(USER).await;
    let (new_id, new_secret) = conn.create("job_token", &fresh).await;
    assert_eq!(new_id, 1);
    let late = held.await.expect("the held request");
    late.assert_error(401, "authenticated in the store a reset replaced");
    assert_eq!(
        whoami(&mut conn, &new_secret).await,
        StatusCode::OK,
        "the new token untouched"
    );
}

#[tokio::test]
async fn setting_the_clock_back_does_not_bring_tokens_back() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let start = conn.call(Method::GET, "/_steps/clock", None, None).await.json["now"]
        .as_u64()
        .expect("now");
    let user = conn.login(USER).await;
    let short = conn
        .call(
            Method::POST,
            "/api/job_token",
            Some(&user),
            Some(r#"{"duration":60}"#),
        )
        .await
        .str("token");
    conn.call(Method::POST, "/_steps/clock", None, Some(r#"{"advance":61}"#))
        .await;
    conn.call(
        Method::POST,
        "/_steps/clock",
        None,
        Some(&format!(r#"{{"set":{start}}}"#)),
    )
    .await;
    assert_eq!(whoami(&mut conn, &short).await, StatusCode::UNAUTHORIZED);
}
