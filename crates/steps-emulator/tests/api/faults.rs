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
async fn close_truncate_invalid_json_html_and_large_bodies() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let request = |token: &str| {
        http::Request::get("/api/whoami")
            .header("host", "emulator")
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
}
