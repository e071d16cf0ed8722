//! Paging, expiry, HTTP/2 and graceful shutdown.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use steps_emulator::{Fault, FaultRule, When};

use crate::support::{emulator, Conn, ADMIN, USER};

#[tokio::test]
async fn pages_return_every_live_token_once_in_ascending_order() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let admin = conn.login(ADMIN).await;
    let mut ids = Vec::new();
    for _ in 0..25 {
        ids.push(conn.create("job_token", &user).await.0);
    }
    // A deleted token is not listed.
    let deleted = ids.remove(3);
    conn.call(
        Method::DELETE,
        &format!("/api/job_token/{deleted}"),
        Some(&user),
        None,
    )
    .await;

    let mut seen: Vec<i64> = Vec::new();
    let mut after = None;
    loop {
        let query = match after {
            Some(a) => format!("limit=10&after={a}"),
            None => "limit=10".to_owned(),
        };
        let reply = conn
            .call(
                Method::GET,
                &format!("/api/job_token?{query}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let page: Vec<i64> = reply.json["job_tokens"]
            .as_array()
            .expect("array")
            .iter()
            .map(|t| t["token_id"].as_i64().expect("id"))
            .collect();
        assert!(page.len() <= 10);
        assert!(
            reply.json["job_tokens"][0].get("token").is_none(),
            "a list must not carry secrets"
        );
        seen.extend(&page);
        match reply.json["next_after"].as_i64() {
            Some(next) => {
                assert_eq!(Some(&next), page.last());
                after = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(seen, ids);
    // limit is clamped, not refused, up to the largest wire integer; past
    // it, it is 400 like any integer past 2^63-1 (see bad_input.rs).
    let reply = conn
        .call(
            Method::GET,
            "/api/job_token?limit=9223372036854775807",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reply.json["job_tokens"].as_array().map(Vec::len), Some(24));
    let reply = conn
        .call(Method::GET, "/api/job_token?limit=5000", Some(&admin), None)
        .await;
    assert_eq!(reply.json["job_tokens"].as_array().map(Vec::len), Some(24));
}

#[tokio::test]
async fn expired_tokens_are_refused_and_unlisted() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let reply = conn
        .call(
            Method::POST,
            "/api/job_token",
            Some(&user),
            Some(r#"{"duration":60}"#),
        )
        .await;
    let (id, secret) = (reply.id("token_id"), reply.str("token"));
    assert_eq!(reply.json["label"], serde_json::Value::Null);
    assert_eq!(reply.id("expires_at") - reply.id("created_at"), 60);
    assert_eq!(
        conn.call(Method::GET, "/api/whoami", Some(&secret), None)
            .await
            .status,
        StatusCode::OK
    );
    emulator.advance_clock(Duration::from_secs(61));
    conn.call(Method::GET, "/api/whoami", Some(&secret), None)
        .await
        .assert_error(401, "expired job token");
    conn.call(Method::GET, &format!("/api/job_token/{id}"), Some(&user), None)
        .await
        .assert_error(404, "expired record");
    let admin = conn.login(ADMIN).await;
    let reply = conn.call(Method::GET, "/api/job_token", Some(&admin), None).await;
    assert_eq!(reply.json["job_tokens"], serde_json::json!([]));
    // The default duration is the protocol's 99,999 s.
    let reply = conn
        .call(Method::POST, "/api/job_token", Some(&user), Some("{}"))
        .await;
    assert_eq!(reply.id("duration"), 99_999);
}

#[tokio::test]
async fn a_frozen_clock_moves_only_when_advanced() {
    let emulator =
        steps_emulator::Emulator::start(steps_emulator::Config::new().user(USER.0, USER.1).frozen_clock())
            .await
            .expect("starts");
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    // Two one-second tokens, created more than a second apart in real time.
    let mut created = Vec::new();
    for pause in [Duration::from_millis(1100), Duration::ZERO] {
        let body = Some(r#"{"duration":1}"#);
        created.push(conn.call(Method::POST, "/api/job_token", Some(&user), body).await);
        tokio::time::sleep(pause).await;
    }
    let (first, second) = (&created[0], &created[1]);
    assert_eq!(
        first.id("created_at"),
        second.id("created_at"),
        "the clock moved by itself"
    );
    let path = format!("/api/job_token/{}", first.id("token_id"));
    let read = conn.call(Method::GET, &path, Some(&user), None).await;
    assert_eq!(
        read.status,
        StatusCode::OK,
        "expired by real time: {:?}",
        read.json
    );

    emulator.advance_clock(Duration::from_secs(2));
    conn.call(Method::GET, &path, Some(&user), None)
        .await
        .assert_error(404, "expired once the clock was moved");
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    let emulator = emulator().await;
    let stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .expect("connects");
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("h2 handshake");
    tokio::spawn(connection);
    let body = serde_json::json!({ "email": USER.0, "password": USER.1 }).to_string();
    let request = Request::post(format!("{}/api/login", emulator.base_url()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let response = sender.send_request(request).await.expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), http::Version::HTTP_2);
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    assert!(serde_json::from_slice::<serde_json::Value>(&bytes).expect("json")["token"].is_string());
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let emulator = emulator().await;
    emulator.set_faults(vec![FaultRule::new(
        Some("login"),
        When::Always,
        Fault::Latency { ms: 300 },
    )]);
    let addr = emulator.local_addr();
    let in_flight = tokio::spawn(async move {
        let mut conn = Conn::open(addr).await;
        conn.login(USER).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    emulator.shutdown().await;
    let token = in_flight.await.expect("the request finished");
    assert!(token.starts_with("stl_"));
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections after shutdown"
    );
}
