//! Tests of the request pipeline, each request sent through
//! [`handle`](super::handle) without a socket, and the helpers that send
//! them; the store's behaviour as requests see it is in `tests/store.rs`.

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use std::time::Duration;

use super::*;
use crate::account::Account;
use crate::clock::Clock;
use crate::faults::FaultSet;
use crate::protocol::ProtocolVersion;
use crate::store::Store;

mod store;

/// One request through the whole pipeline (no socket); the JSON answer.
async fn call(state: &State, method: Method, path: &str, token: Option<&str>, body: &str) -> Value {
    call_keyed(state, method, path, token, None, body).await
}

/// [`call`] with an `Idempotency-Key`.
async fn call_keyed(
    state: &State,
    method: Method,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: &str,
) -> Value {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let request = request.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let response = handle(state, request, &Exchange::from_peer(None))
        .await
        .expect("an answer");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// One request; its status and JSON answer.
async fn status_of(state: &State, method: Method, path: &str, token: &str, body: &str) -> (u16, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = handle(state, request, &Exchange::from_peer(None))
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

fn frozen_v2(accounts: &[Account]) -> State {
    State::new(
        Store::new(accounts, 86_400),
        Clock::frozen(),
        FaultSet::default(),
        Duration::from_secs(30),
        ProtocolVersion::V2,
    )
}

async fn login_as(state: &State, email: &str, password: &str) -> String {
    let body = format!(r#"{{"email":"{email}","password":"{password}"}}"#);
    call(state, Method::POST, "/api/login", None, &body).await["token"]
        .as_str()
        .expect("a login token")
        .to_owned()
}

/// A rotation with an `Idempotency-Key` is replayed, not repeated; on
/// `/api/token/self/rotate` the key is the token's, so another token
/// of the same user with the same key and body is refused (422), never
/// handed the first one's secret.
#[tokio::test]
async fn a_keyed_rotation_is_replayed_and_only_to_its_token() {
    let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
    let login = login_as(&state, "admin@x", "pw").await;
    let a = call(&state, Method::POST, "/api/job_token", Some(&login), "{}").await;
    let b = call(&state, Method::POST, "/api/job_token", Some(&login), "{}").await;
    let (a, b) = (a["token"].as_str().unwrap(), b["token"].as_str().unwrap());
    let path = "/api/token/self/rotate";
    // The replay needs the old secret to authenticate: a grace.
    let grace = r#"{"grace_seconds":5}"#;
    let first = call_keyed(&state, Method::POST, path, Some(a), Some("k1"), grace).await;
    let again = call_keyed(&state, Method::POST, path, Some(a), Some("k1"), grace).await;
    assert_eq!(first, again);
    let new = first["token"].as_str().expect("a new secret");
    assert_eq!(
        status_of(&state, Method::GET, "/api/whoami", new, "").await.0,
        200,
        "rotated once"
    );
    let other = call_keyed(&state, Method::POST, path, Some(b), Some("k1"), grace).await;
    assert!(
        other["error"].is_string() && other.get("token").is_none(),
        "{other}"
    );
    assert_eq!(
        status_of(&state, Method::GET, "/api/whoami", b, "").await.0,
        200,
        "b not rotated"
    );
    // Without a grace the old secret is refused at once, replay or not.
    let zero = call_keyed(&state, Method::POST, path, Some(b), Some("k3"), "{}").await;
    assert!(zero["token"].is_string(), "{zero}");
    let resent = call_keyed(&state, Method::POST, path, Some(b), Some("k3"), "{}").await;
    assert_eq!(resent["error"], "missing, unknown, expired or revoked token");
    // The owner's rotation by id, keyed: replayed with the same secret.
    let rotate = "/api/job_token/1/rotate";
    let first = call_keyed(&state, Method::POST, rotate, Some(&login), Some("k2"), "{}").await;
    let again = call_keyed(&state, Method::POST, rotate, Some(&login), Some("k2"), "{}").await;
    assert!(first["token"].is_string() && first == again, "{first} {again}");
    let current = first["token"].as_str().unwrap();
    assert_eq!(
        status_of(&state, Method::GET, "/api/whoami", current, "").await.0,
        200
    );
}

/// The control plane answers loopback peers only: to anyone else its
/// paths are unknown (404), as they are with the control plane off.
#[tokio::test]
async fn the_control_plane_answers_loopback_peers_only() {
    let on = frozen_v2(&[Account::admin("admin@x", "pw")]).with_control(true);
    let off = frozen_v2(&[Account::admin("admin@x", "pw")]);
    async fn status(state: &State, peer: &str) -> (u16, bool) {
        let peer: IpAddr = peer.parse().unwrap();
        let request = Request::get("/_steps/clock")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let exchange = Exchange::from_peer(Some(peer));
        let response = handle(state, request, &exchange).await.expect("an answer");
        (response.status().as_u16(), exchange.trace().control)
    }
    for peer in ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"] {
        assert_eq!(status(&on, peer).await, (200, true), "{peer}");
        assert_eq!(status(&off, peer).await, (404, false), "{peer}");
    }
    for peer in [
        "10.0.0.7",
        "192.168.1.2",
        "::ffff:10.0.0.7",
        "2001:db8::1",
        "0.0.0.0",
    ] {
        assert_eq!(status(&on, peer).await, (404, false), "{peer}");
    }
}

/// `own_tokens`: a user lists their own; filters by owner and label.
#[tokio::test]
async fn users_list_their_own_job_tokens_and_filter_them() {
    let state = frozen_v2(&[
        Account::admin("admin@x", "pw"),
        Account::new("u@x", "pw"),
        Account::new("v@x", "pw"),
    ]);
    let admin = login_as(&state, "admin@x", "pw").await;
    let u = login_as(&state, "u@x", "pw").await;
    let v = login_as(&state, "v@x", "pw").await;
    for (token, label) in [(&u, "a b+c&d%é"), (&v, "a b+c&d%é"), (&u, "other"), (&v, "other")] {
        let body = serde_json::json!({ "label": label }).to_string();
        call(&state, Method::POST, "/api/job_token", Some(token), &body).await;
    }
    let ids = |value: &Value| -> Vec<i64> {
        value["job_tokens"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["token_id"].as_i64()).collect())
            .unwrap_or_default()
    };
    let list = |token: &str, query: &str| {
        let (state, token, path) = (&state, token.to_owned(), format!("/api/job_token{query}"));
        async move { status_of(state, Method::GET, &path, &token, "").await }
    };
    let (status, own) = list(&u, "").await;
    assert_eq!((status, ids(&own)), (200, vec![1, 3]));
    assert_eq!(ids(&list(&admin, "").await.1), vec![1, 2, 3, 4]);
    assert_eq!(ids(&list(&admin, "?user_id=3").await.1), vec![2, 4]);
    assert_eq!(list(&u, "?user_id=3").await.0, 403);
    assert_eq!(ids(&list(&u, "?user_id=2").await.1), vec![1, 3]);
    assert_eq!(ids(&list(&u, "?label=a%20b%2Bc%26d%25%C3%A9").await.1), vec![1]);
    assert_eq!(
        ids(&list(&admin, "?label=a+b%2Bc%26d%25%C3%A9").await.1),
        vec![1, 2]
    );
    for bad in [
        "?label=%zz",
        "?label=%C3",
        "?label=%4",
        "?user_id=-1",
        "?user_id=01",
    ] {
        assert_eq!(list(&admin, bad).await.0, 400, "{bad}");
    }
    // Paging over what matches.
    let (_, page) = list(&v, "?limit=1").await;
    assert_eq!((ids(&page), page["next_after"].as_i64()), (vec![2], Some(2)));
    let (_, page) = list(&v, "?limit=1&after=2").await;
    assert_eq!((ids(&page), page["next_after"].is_null()), (vec![4], true));
    // API keys stay an admin's.
    assert_eq!(
        status_of(&state, Method::GET, "/api/api_key", &u, "").await.0,
        403
    );
}

/// In v1 mode none of it is there: a non-admin's list is 403, filters
/// are ignored, whoami has no token fields.
#[tokio::test]
async fn v1_mode_has_none_of_v2_part_two() {
    let state = State::new(
        Store::new(
            &[Account::admin("admin@x", "pw"), Account::new("u@x", "pw")],
            86_400,
        ),
        Clock::frozen(),
        FaultSet::default(),
        Duration::from_secs(30),
        ProtocolVersion::V1,
    );
    let admin = login_as(&state, "admin@x", "pw").await;
    let u = login_as(&state, "u@x", "pw").await;
    let created = call(
        &state,
        Method::POST,
        "/api/job_token",
        Some(&u),
        r#"{"label":"x"}"#,
    )
    .await;
    call(
        &state,
        Method::POST,
        "/api/job_token",
        Some(&admin),
        r#"{"label":"y"}"#,
    )
    .await;
    assert_eq!(
        status_of(&state, Method::GET, "/api/job_token", &u, "").await.0,
        403
    );
    let (_, all) = status_of(
        &state,
        Method::GET,
        "/api/job_token?user_id=2&label=x",
        &admin,
        "",
    )
    .await;
    assert_eq!(all["job_tokens"].as_array().map(Vec::len), Some(2), "{all}");
    let secret = created["token"].as_str().expect("a secret");
    let (status, who) = status_of(&state, Method::GET, "/api/whoami", secret, "").await;
    assert_eq!(status, 200);
    assert!(
        who.get("token_id").is_none() && who.get("label").is_none(),
        "{who}"
    );
    for (method, path) in [
        (Method::DELETE, "/api/token/self"),
        (Method::POST, "/api/job_token/1/rotate"),
    ] {
        assert_eq!(
            status_of(&state, method, path, secret, "{}").await.0,
            404,
            "{path}"
        );
    }
}
