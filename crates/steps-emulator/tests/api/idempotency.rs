//! Protocol v2: `GET /api/meta`, and creates with an `Idempotency-Key`
//! (replayed, refused, scoped per caller, held while in progress, freed
//! when refused or failed, forgotten after a day); and v1 mode, where none
//! of it exists.

use std::time::Duration;

use http::{Method, StatusCode};
use steps_emulator::{Emulator, Fault, FaultRule, ProtocolVersion, When};

use crate::support::{config, emulator, emulator_v1, Conn, Reply, ADMIN, OTHER, USER};

const BODY: &str = r#"{"label":"nightly build","duration":3600}"#;

fn replayed(reply: &Reply) -> bool {
    reply
        .headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn meta_says_protocol_2_and_its_features_to_anyone() {
    let emulator = emulator().await;
    assert_eq!(emulator.protocol(), ProtocolVersion::V2);
    let mut conn = Conn::open(emulator.local_addr()).await;
    let expected = serde_json::json!({
        "protocol": 2,
        "features": ["idempotency", "self", "own_tokens", "rotation"],
    });
    for token in [None, Some("stl_not-a-token")] {
        let reply = conn.call(Method::GET, "/api/meta", token, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{token:?}: {:?}", reply.json);
        assert_eq!(reply.json, expected);
        assert_eq!(reply.headers["content-type"], "application/json");
    }
    let user = conn.login(USER).await;
    assert_eq!(
        conn.call(Method::GET, "/api/meta", Some(&user), None).await.json,
        expected
    );
    let refused = conn.call(Method::POST, "/api/meta", None, Some("{}")).await;
    refused.assert_error(405, "POST /api/meta");
    assert_eq!(refused.headers["allow"], "GET");
    // Three GETs; a 405 reaches no operation.
    assert_eq!(emulator.requests_seen("meta"), 3);
}

#[tokio::test]
async fn v1_mode_has_no_meta_and_ignores_keys() {
    let emulator = emulator_v1().await;
    assert_eq!(emulator.protocol(), ProtocolVersion::V1);
    let mut conn = Conn::open(emulator.local_addr()).await;
    for method in [Method::GET, Method::POST, Method::PUT] {
        conn.call(method.clone(), "/api/meta", None, None)
            .await
            .assert_error(404, &format!("{method} /api/meta in v1"));
    }
    let user = conn.login(USER).await;
    // The same key twice: two creates, two tokens, nothing replayed.
    let first = conn.keyed("/api/job_token", &user, &[b"k-1"], BODY).await;
    let second = conn.keyed("/api/job_token", &user, &[b"k-1"], BODY).await;
    assert_eq!(
        (first.status, second.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_ne!(first.id("token_id"), second.id("token_id"));
    assert!(!replayed(&first) && !replayed(&second));
    // A key v2 would refuse is not even looked at.
    let bad: [&[u8]; 3] = [b"", b"has space", &[b'k'; 300]];
    for bad in bad {
        let reply = conn.keyed("/api/job_token", &user, &[bad], BODY).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.json);
    }
    assert_eq!(emulator.token_counts(), (5, 0));
    assert_eq!(
        emulator.requests_seen("meta"),
        0,
        "a v1 server has no meta operation"
    );
}

#[tokio::test]
async fn a_keyed_create_is_answered_once_and_replayed_with_its_secret() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let admin = conn.login(ADMIN).await;
    for (path, token, secret) in [
        ("/api/job_token", &user, "token"),
        ("/api/api_key", &admin, "api_key"),
    ] {
        let first = conn.keyed(path, token, &[b"5f0c8a2e9b1d"], BODY).await;
        assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.json);
        assert!(!first.headers.contains_key("idempotent-replayed"));
        let again = conn.keyed(path, token, &[b"5f0c8a2e9b1d"], BODY).await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert!(replayed(&again), "{:?}", again.headers);
        assert_eq!(again.headers["content-type"], "application/json");
        assert_eq!(again.bytes, first.bytes, "the same body, byte for byte");
        assert!(again.str(secret).starts_with("st"), "the secret is replayed");
        // The replayed secret is the token's: it works.
        let whoami = conn
            .call(Method::GET, "/api/whoami", Some(&again.str(secret)), None)
            .await;
        assert_eq!(whoami.status, StatusCode::OK);
    }
    assert_eq!(emulator.token_counts(), (1, 1), "one token of each, not two");
    // Another login token of the same user is the same caller.
    let user_again = conn.login(USER).await;
    let third = conn
        .keyed("/api/job_token", &user_again, &[b"5f0c8a2e9b1d"], BODY)
        .await;
    assert!(replayed(&third));
    assert_eq!(emulator.token_counts(), (1, 1));
}

#[tokio::test]
async fn a_key_used_for_another_request_is_422() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let admin = conn.login(ADMIN).await;
    let first = conn.keyed("/api/job_token", &admin, &[b"k"], BODY).await;
    assert_eq!(first.status, StatusCode::CREATED);
    for (what, path, body) in [
        (
            "another body",
            "/api/job_token",
            r#"{"label":"nightly build","duration":3601}"#,
        ),
        (
            "the same body spelt otherwise",
            "/api/job_token",
            r#"{"duration":3600,"label":"nightly build"}"#,
        ),
        ("another path", "/api/api_key", BODY),
        // The key is checked before the body: a body that would be 400 is 422.
        ("an invalid body", "/api/job_token", r#"{"duration":0}"#),
    ] {
        conn.keyed(path, &admin, &[b"k"], body)
            .await
            .assert_error(422, what);
    }
    assert_eq!(emulator.token_counts(), (1, 0));
    // The original request is still replayed.
    assert!(replayed(
        &conn.keyed("/api/job_token", &admin, &[b"k"], BODY).await
    ));
}

#[tokio::test]
async fn bad_keys_are_400_after_authorisation_and_before_the_body() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let longest = vec![b'~'; 255];
    let too_long = vec![b'k'; 256];
    let bad: [(&str, &[&[u8]]); 7] = [
        ("an empty key", &[b""]),
        ("a key of 256 characters", &[&too_long]),
        ("a key with a space", &[b"two words"]),
        ("a key with a tab", &[b"a\tb"]),
        ("a non-ASCII key", &["clé".as_bytes()]),
        ("a key of obs-text bytes", &[b"\xff\xfe"]),
        ("two keys", &[b"one", b"two"]),
    ];
    for (what, keys) in bad {
        let reply = conn.keyed("/api/job_token", &user, keys, BODY).await;
        reply.assert_error(400, what);
        assert!(
            reply.str("error").contains("Idempotency-Key"),
            "{what}: {:?}",
            reply.json
        );
        // Before the body: a bad key with a bad body is the key's 400.
        let reply = conn.keyed("/api/job_token", &user, keys, "[]").await;
        assert!(
            reply.str("error").contains("Idempotency-Key"),
            "{what}: {:?}",
            reply.json
        );
        // After authentication and authorisation.
        conn.keyed("/api/job_token", "stl_unknown", keys, BODY)
            .await
            .assert_error(401, what);
        conn.keyed("/api/api_key", &user, keys, BODY)
            .await
            .assert_error(403, what);
    }
    assert_eq!(emulator.token_counts(), (0, 0));
    let reply = conn.keyed("/api/job_token", &user, &[&longest], BODY).await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "255 characters: {:?}",
        reply.json
    );
    let reply = conn.keyed("/api/job_token", &user, &[b"!"], BODY).await;
    assert_eq!(reply.status, StatusCode::CREATED, "1 character: {:?}", reply.json);
    // Only creates take a key: elsewhere it is ignored, however bad.
    let admin = conn.login(ADMIN).await;
    let request = http::Request::get("/api/job_token")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {admin}"))
        .header("idempotency-key", "")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .expect("request");
    assert_eq!(conn.send(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let mut ids = std::collections::BTreeSet::new();
    let mut secrets = std::collections::BTreeSet::new();
    for account in [USER, OTHER, ADMIN] {
        let token = conn.login(account).await;
        let reply = conn.keyed("/api/job_token", &token, &[b"shared-key"], BODY).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.json);
        assert!(!replayed(&reply), "{}: another caller's key replayed", account.0);
        ids.insert(reply.id("token_id"));
        secrets.insert(reply.str("token"));
    }
    assert_eq!((ids.len(), secrets.len()), (3, 3));
    assert_eq!(emulator.token_counts(), (3, 0));
}

#[tokio::test]
async fn a_refused_request_keeps_nothing_and_its_key_works_after() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    // 403: a job token of the same user, with the key.
    let (_, job) = conn.create("job_token", &user).await;
    conn.keyed("/api/job_token", &job, &[b"k-403"], BODY)
        .await
        .assert_error(403, "a job token");
    let reply = conn.keyed("/api/job_token", &user, &[b"k-403"], BODY).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(!replayed(&reply));
    // 400: an invalid body, then a valid one with the same key: created,
    // not 422; then replayed.
    conn.keyed("/api/job_token", &user, &[b"k-400"], r#"{"duration":0}"#)
        .await
        .assert_error(400, "a zero duration");
    let created = conn.keyed("/api/job_token", &user, &[b"k-400"], BODY).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert!(!replayed(&created));
    let again = conn.keyed("/api/job_token", &user, &[b"k-400"], BODY).await;
    assert!(replayed(&again));
    assert_eq!(again.id("token_id"), created.id("token_id"));
    // A fault that answers instead of the handler stores nothing either.
    emulator.set_faults(vec![FaultRule::new(
        Some("job_token.create"),
        When::First(1),
        Fault::Status {
            status: 503,
            retry_after: None,
        },
    )]);
    conn.keyed("/api/job_token", &user, &[b"k-503"], BODY)
        .await
        .assert_error(503, "an injected 503");
    let reply = conn.keyed("/api/job_token", &user, &[b"k-503"], BODY).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(!replayed(&reply));
    assert_eq!(emulator.token_counts(), (4, 0));
}

#[tokio::test]
async fn a_key_in_progress_is_409_until_its_request_is_answered() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    emulator.set_faults(vec![FaultRule::new(
        Some("job_token.create"),
        When::First(1),
        Fault::SlowHandler { ms: 1_500 },
    )]);
    let addr = emulator.local_addr();
    let held = {
        let user = user.clone();
        tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            conn.keyed("/api/job_token", &user, &[b"held"], BODY).await
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    conn.keyed("/api/job_token", &user, &[b"held"], BODY)
        .await
        .assert_error(409, "the same request while the first is handled");
    conn.keyed("/api/job_token", &user, &[b"held"], "{}")
        .await
        .assert_error(409, "another request while the first is handled");
    // Another caller's key of the same name is not held.
    let other = conn.login(OTHER).await;
    let reply = conn.keyed("/api/job_token", &other, &[b"held"], BODY).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let first = held.await.expect("the held request is answered");
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!replayed(&first));
    let again = conn.keyed("/api/job_token", &user, &[b"held"], BODY).await;
    assert!(replayed(&again));
    assert_eq!(again.bytes, first.bytes);
    assert_eq!(emulator.token_counts(), (2, 0));
}

#[tokio::test]
async fn a_panicking_handler_frees_its_key() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    emulator.set_faults(vec![FaultRule::new(
        Some("job_token.create"),
        When::First(1),
        Fault::Panic,
    )]);
    conn.keyed("/api/job_token", &user, &[b"k-panic"], BODY)
        .await
        .assert_error(500, "a panic");
    assert_eq!(emulator.token_counts(), (0, 0));
    // Not 409 for ever: the key is free, and the re-send creates.
    let reply = conn.keyed("/api/job_token", &user, &[b"k-panic"], BODY).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.json);
    assert!(!replayed(&reply));
    assert!(replayed(
        &conn.keyed("/api/job_token", &user, &[b"k-panic"], BODY).await
    ));
    assert_eq!(emulator.token_counts(), (1, 0));
}

#[tokio::test]
async fn an_answer_lost_with_the_connection_is_replayed_to_the_resend() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    emulator.set_faults(vec![FaultRule::new(
        Some("job_token.create"),
        When::First(1),
        Fault::CloseAfterHandled,
    )]);
    let request = http::Request::post("/api/job_token")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {user}"))
        .header("content-type", "application/json")
        .header("idempotency-key", "k-lost")
        .body(http_body_util::Full::new(bytes::Bytes::from(BODY)))
        .expect("request");
    conn.try_send(request)
        .await
        .expect_err("closed without an answer");
    assert_eq!(emulator.token_counts(), (1, 0), "the create took effect");
    let mut conn = Conn::open(emulator.local_addr()).await;
    let reply = conn.keyed("/api/job_token", &user, &[b"k-lost"], BODY).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(replayed(&reply));
    assert_eq!(emulator.token_counts(), (1, 0), "and only once");
}

#[tokio::test]
async fn a_key_is_remembered_for_86400_seconds_of_the_emulators_clock() {
    let emulator = Emulator::start(config().frozen_clock())
        .await
        .expect("the emulator starts");
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let body = r#"{"duration":315360000}"#;
    let first = conn.keyed("/api/job_token", &user, &[b"k-day"], body).await;
    emulator.advance_clock(Duration::from_secs(86_399));
    // A new login token is the same caller.
    let user = conn.login(USER).await;
    let again = conn.keyed("/api/job_token", &user, &[b"k-day"], body).await;
    assert!(replayed(&again));
    assert_eq!(again.id("token_id"), first.id("token_id"));
    emulator.advance_clock(Duration::from_secs(1));
    let user = conn.login(USER).await;
    let later = conn.keyed("/api/job_token", &user, &[b"k-day"], body).await;
    assert_eq!(later.status, StatusCode::CREATED);
    assert!(!replayed(&later), "a key forgotten after a day creates again");
    assert_ne!(later.id("token_id"), first.id("token_id"));
    assert_eq!(emulator.token_counts(), (2, 0));
}
