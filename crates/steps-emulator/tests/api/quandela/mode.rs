//! What a quandela-mode emulator serves, and what it does not (E1, E17,
//! E18): its paths and not the protocol's, and the other way round; the
//! dialect's error bodies for unknown paths, methods and large bodies;
//! `/health`; and the job tokens it mints at start (E2, E3).

use http::Method;
use serde_json::json;
use steps_emulator::{Api, Emulator};

use super::{ids, refused, Cloud};
use crate::support::{emulator, Conn, ADMIN, OTHER, USER};

#[tokio::test]
async fn the_protocol_paths_are_unknown_in_quandela_mode() {
    let mut cloud = Cloud::start().await;
    assert_eq!(cloud.emulator.api(), Api::Quandela);
    let admin = cloud.admin.clone();
    for (method, path) in [
        (Method::GET, "/api/whoami"),
        (Method::GET, "/api/meta"),
        (Method::GET, "/api/job_token"),
        (Method::POST, "/api/job_token"),
        (Method::GET, "/api/api_key/1"),
        (Method::DELETE, "/api/token/self"),
        (Method::GET, "/api/auth/token/1"),
        (Method::POST, "/api/auth/token/generate"),
        (Method::GET, "/api/auth/tokens/usage/report"),
        (Method::GET, "/api/tokens/abc"),
        (Method::GET, "/"),
    ] {
        let reply = cloud
            .call(method.clone(), path, Some(&admin), Some(&json!({})))
            .await;
        assert_eq!(reply.status, 404, "{method} {path}");
        assert_eq!(reply.json["detail"], json!({}), "{method} {path}: {}", reply.json);
        assert!(reply.json["error"].is_string());
    }
    let reply = cloud
        .call(Method::DELETE, "/api/tokens/1", Some(&admin), None)
        .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "GET, PUT");
    assert_eq!(reply.json["detail"], json!({}));
    let big = "x".repeat(65 * 1024);
    let reply = cloud
        .conn
        .call(Method::POST, "/api/tokens", Some(&admin), Some(&big))
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json["detail"], json!({}));
}

#[tokio::test]
async fn the_dialect_paths_are_unknown_in_steps_mode() {
    let emulator = emulator().await;
    assert_eq!(emulator.api(), Api::Steps);
    assert!(emulator.minted_tokens().is_empty());
    let mut conn = Conn::open(emulator.local_addr()).await;
    let login = conn.login(USER).await;
    // Not `/health`: both APIs serve it, each its own way (`health.rs`).
    for (method, path) in [
        (Method::GET, "/api/tokens"),
        (Method::POST, "/api/tokens"),
        (Method::GET, "/api/tokens/1"),
        (Method::POST, "/api/tokens/revoke"),
        (Method::GET, "/api/tokens/usage/report"),
        (Method::GET, "/api/auth/tokens"),
        (Method::POST, "/api/auth/tokens/delete-by-ids"),
    ] {
        let reply = conn.call(method.clone(), path, Some(&login), Some("{}")).await;
        reply.assert_error(404, path);
        assert!(reply.json.get("detail").is_none(), "{}", reply.json);
    }
    let record = json!({"token_id": 1, "platform_name": "sim:slos", "nb_jobs": 1,
        "duration_seconds": 1, "credits": 0, "free_credits": 0});
    let controlled = Emulator::start(crate::support::config().control(true))
        .await
        .expect("starts");
    let mut conn = Conn::open(controlled.local_addr()).await;
    let reply = conn
        .call(Method::POST, "/_steps/usage", None, Some(&record.to_string()))
        .await;
    reply.assert_error(404, "no usage endpoint in steps mode");
}

#[tokio::test]
async fn health_needs_no_token_and_looks_at_none() {
    let mut cloud = Cloud::start().await;
    let admin = cloud.admin.clone();
    for token in [None, Some("nonsense".to_owned()), Some(admin)] {
        let reply = cloud.call(Method::GET, "/health", token.as_deref(), None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json, json!({ "message": "ok" }));
    }
    let reply = cloud.read(&cloud.admin.clone(), 1).await;
    assert_eq!(reply.json["count"], 1, "health counted nothing: {}", reply.json);
}

/// E2, E3: one token per account at start, labelled `steps-emulator`,
/// for ten years, priority 0; `_T_` and 43 base64url characters or more;
/// usable at once on the job family.
#[tokio::test]
async fn every_account_has_a_job_token_from_the_start() {
    let mut cloud = Cloud::start().await;
    let minted = cloud.emulator.minted_tokens();
    let emails: Vec<&str> = minted.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(emails, [ADMIN.0, USER.0, OTHER.0]);
    for (i, token) in minted.iter().enumerate() {
        let n = i64::try_from(i).expect("small") + 1;
        assert_eq!((token.user_id, token.token_id), (n, n));
        assert!(token.token.starts_with("_T_"), "{token:?}");
        let rest = &token.token[3..];
        assert!(rest.len() >= 43);
        assert!(rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(!format!("{token:?}").contains(&token.token), "Debug redacts it");
        let list = cloud
            .call(Method::GET, "/api/tokens", Some(&token.token), None)
            .await;
        assert_eq!(ids(&list), [n]);
        let item = &list.json[0];
        assert_eq!(item["label"], "steps-emulator");
        assert_eq!(item["priority"], 0);
        assert_eq!(item["user_id"], n);
        assert_eq!(item["key"], json!(null));
        assert_eq!(item["is_revoked"], false);
        let created = item["created_date"].as_str().expect("a time");
        let expires = item["expiration_date"].as_str().expect("a time");
        assert!(created.ends_with("+00:00") && created.len() == 25, "{created}");
        let years = |t: &str| t[..4].parse::<i32>().expect("a year");
        // 315,360,000 s: ten years less their two or three leap days.
        assert!(
            (9..=10).contains(&(years(expires) - years(created))),
            "{created} {expires}"
        );
    }
    let unknown = cloud
        .call(Method::GET, "/api/tokens", Some("_T_eyJnot-a-token"), None)
        .await;
    refused(&unknown, 401, "Invalid or expired job token");
}
