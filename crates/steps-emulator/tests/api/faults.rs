//! Each fault kind does what its rule says, and the server lives on.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use steps_emulator::{Fault, FaultRule, When};

use crate::support::{emulator, Conn, USER};

#[tokio::test]
async fn status_faults_hit_the_first_n_requests_then_stop() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    emulator.set_faults(vec![FaultRule::new(
        Some("whoami"),
        When::First(2),
        Fault::Status {
            status: 503,
            retry_after: None,
        },
    )]);
    for _ in 0..2 {
        let reply = conn.call(Method::GET, "/api/whoami", Some(&user), None).await;
        reply.assert_error(503, "faulted whoami");
        assert_eq!(reply.headers["retry-after"], "1");
    }
    assert_eq!(
        conn.call(Method::GET, "/api/whoami", Some(&user), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(emulator.requests_seen("whoami"), 3);
}

#[tokio::test]
async fn a_faulted_create_creates_nothing() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    emulator.set_faults(vec![FaultRule::new(
        Some("job_token.create"),
        When::Always,
        Fault::Status {
            status: 500,
            retry_after: None,
        },
    )]);
    conn.call(Method::POST, "/api/job_token", Some(&user), Some("{}"))
        .await
        .assert_error(500, "faulted create");
    assert_eq!(emulator.token_counts(), (0, 0));
}

#[tokio::test]
async fn close_after_handled_keeps_the_effect_and_loses_the_answer() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let (kept, _) = conn.create("job_token", &user).await;
    emulator.set_faults(vec![
        FaultRule::new(Some("job_token.create"), When::First(1), Fault::CloseAfterHandled),
        FaultRule::new(Some("job_token.delete"), When::First(1), Fault::CloseAfterHandled),
        FaultRule::new(Some("login"), When::First(1), Fault::CloseAfterHandled),
    ]);
    let request = |method: Method, path: &str, token: Option<&str>, body: &str| {
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request
            .body(http_body_util::Full::new(bytes::Bytes::from(body.to_owned())))
            .expect("request")
    };

    // A create: no answer, but the token exists.
    let error = conn
        .try_send(request(Method::POST, "/api/job_token", Some(&user), "{}"))
        .await
        .expect_err("closed without an answer");
    assert!(!error.is_empty());
    assert_eq!(emulator.token_counts(), (2, 0), "the create took effect");

    // A delete: no answer, but the token is gone; sent again, it is 404.
    let mut conn = Conn::open(emulator.local_addr()).await;
    let path = format!("/api/job_token/{kept}");
    conn.try_send(request(Method::DELETE, &path, Some(&user), ""))
        .await
        .expect_err("closed without an answer");
    assert_eq!(emulator.token_counts(), (1, 0), "the delete took effect");
    let mut conn = Conn::open(emulator.local_addr()).await;
    conn.call(Method::DELETE, &path, Some(&user), None)
        .await
        .assert_error(404, "the retried delete");

    // A login: no answer, and the rule fired once: the next login works.
    let body = serde_json::json!({ "email": USER.0, "password": USER.1 }).to_string();
    conn.try_send(request(Method::POST, "/api/login", None, &body))
        .await
        .expect_err("closed without an answer");
    let mut conn = Conn::open(emulator.local_addr()).await;
    conn.login(USER).await;

    // Refusals are handled too, and lost the same way: nothing changes.
    emulator.set_faults(vec![FaultRule::new(
        Some("job_token.create"),
        When::Always,
        Fault::CloseAfterHandled,
    )]);
    conn.try_send(request(Method::POST, "/api/job_token", Some("stl_unknown"), "{}"))
        .await
        .expect_err("closed without an answer");
    assert_eq!(emulator.token_counts(), (1, 0));
    assert_eq!(emulator.requests_seen("job_token.create"), 3);
}

#[tokio::test]
async fn token_counts_count_live_tokens_only() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    conn.call(
        Method::POST,
        "/api/job_token",
        Some(&user),
        Some(r#"{"duration":60}"#),
    )
    .await;
    conn.call(
        Method::POST,
        "/api/job_token",
        Some(&user),
        Some(r#"{"duration":600}"#),
    )
    .await;
    assert_eq!(emulator.token_counts(), (2, 0));
    emulator.advance_clock(Duration::from_secs(61));
    assert_eq!(emulator.token_counts(), (1, 0), "an expired token is not live");
}

#[tokio::test]
async fn close_truncate_invalid_json_html_and_large_bodies() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let request = |token: &str| {
        http::Request::get("/api/whoami")
            .header("host", "localhost")
            .header("authorization", format!("Bearer {token}"))
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .expect("request")
    };

    emulator.set_faults(vec![FaultRule::new(Some("whoami"), When::Always, Fault::Close)]);
    assert!(
        conn.try_send(request(&user)).await.is_err(),
        "closed without an answer"
    );

    emulator.set_faults(vec![FaultRule::new(
        Some("whoami"),
        When::Always,
        Fault::Truncate,
    )]);
    let mut conn = Conn::open(emulator.local_addr()).await;
    assert!(
        conn.try_send(request(&user)).await.is_err(),
        "a truncated body is an error"
    );

    emulator.set_faults(vec![FaultRule::new(
        Some("whoami"),
        When::Always,
        Fault::InvalidJson,
    )]);
    let mut conn = Conn::open(emulator.local_addr()).await;
    let error = conn.try_send(request(&user)).await.expect_err("not JSON");
    assert!(error.contains("EOF"), "{error}");

    emulator.set_faults(vec![FaultRule::new(
        Some("whoami"),
        When::Always,
        Fault::Html { status: 502 },
    )]);
    let reply = conn.try_send(request(&user)).await;
    assert!(reply.is_err(), "an HTML page is not JSON");

    emulator.set_faults(vec![FaultRule::new(
        Some("whoami"),
        When::Always,
        Fault::LargeBody { bytes: 2 << 20 },
    )]);
    let reply = conn.send(request(&user)).await;
    assert_eq!(reply.status, StatusCode::OK);

    emulator.set_faults(vec![FaultRule::new(
        None,
        When::Every(2),
        Fault::Latency { ms: 200 },
    )]);
    let started = Instant::now();
    conn.send(request(&user)).await;
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "the first request is not delayed"
    );
    conn.send(request(&user)).await;
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "the second request is delayed"
    );
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_lives_on() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    emulator.set_faults(vec![FaultRule::new(Some("whoami"), When::First(1), Fault::Panic)]);
    conn.call(Method::GET, "/api/whoami", Some(&user), None)
        .await
        .assert_error(500, "panic");
    // Same connection, same server: still serving, store intact.
    assert_eq!(
        conn.call(Method::GET, "/api/whoami", Some(&user), None)
            .await
            .status,
        StatusCode::OK
    );
    conn.create("job_token", &user).await;
}

#[test]
fn fault_files_parse_and_unknown_kinds_are_refused() {
    let rules: Vec<FaultRule> = serde_json::from_str(
        r#"[{"operation":"login","when":{"every":3},"fault":{"kind":"html","status":502}},
            {"fault":{"kind":"large_body","bytes":10}}]"#,
    )
    .expect("valid rules");
    assert_eq!(rules.len(), 2);
    assert!(serde_json::from_str::<Vec<FaultRule>>(r#"[{"fault":{"kind":"explode"}}]"#).is_err());
    let rules: Vec<FaultRule> = serde_json::from_str(
        r#"[{"operation":"job_token.delete","when":{"first":1},"fault":{"kind":"close_after_handled"}}]"#,
    )
    .expect("valid rules");
    assert!(matches!(rules[0].fault, Fault::CloseAfterHandled));
    // A size that would exhaust memory is refused when the file is read.
    let error =
        serde_json::from_str::<Vec<FaultRule>>(r#"[{"fault":{"kind":"large_body","bytes":1099511627776}}]"#)
            .expect_err("a 1 TiB body is refused");
    assert!(error.to_string().contains("at most 67108864 bytes"), "{error}");
}

#[tokio::test]
async fn a_large_body_built_in_code_is_capped_at_64_mib() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    emulator.set_faults(vec![FaultRule::new(
        Some("whoami"),
        When::Always,
        Fault::LargeBody { bytes: usize::MAX },
    )]);
    let reply = conn.call(Method::GET, "/api/whoami", Some(&user), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["content-length"],
        steps_emulator::MAX_LARGE_BODY.to_string().as_str()
    );
}
