//! Requests that authenticated in a store that a reset or a state import
//! then replaced (issue 24): held in their handler by a `slow_handler`
//! fault while the control plane replaces the store, they act on nothing
//! in the new one (401), and an idempotency key they claimed in the old
//! store is neither kept nor released in the new one.

use std::net::SocketAddr;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{json, Value};
use steps_emulator::Emulator;
use tokio::task::JoinHandle;

use crate::support::{config, Conn, Reply, ADMIN, OTHER, USER};

async fn controlled() -> Emulator {
    Emulator::start(config().control(true).frozen_clock())
        .await
        .expect("the emulator starts")
}

/// Holds the first request to `operation` in its handler for `ms`.
async fn hold_first(conn: &mut Conn, operation: &str, ms: u64) {
    let rules = json!([{
        "operation": operation,
        "when": { "first": 1 },
        "fault": { "kind": "slow_handler", "ms": ms },
    }]);
    let set = conn
        .call(Method::PUT, "/_steps/faults", None, Some(&rules.to_string()))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.json);
}

/// Sends a request on a connection of its own, in a task of its own.
fn spawn_call(
    addr: SocketAddr,
    method: Method,
    path: &'static str,
    token: &str,
    key: Option<&'static str>,
    body: Option<&'static str>,
) -> JoinHandle<Reply> {
    let token = token.to_owned();
    tokio::spawn(async move {
        let mut conn = Conn::open(addr).await;
        match key {
            Some(key) => {
                conn.keyed(path, &token, &[key.as_bytes()], body.unwrap_or("{}"))
                    .await
            }
            None => conn.call(method, path, Some(&token), body).await,
        }
    })
}

/// Long enough for a spawned request to reach its handler.
async fn settle_in() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_create_held_across_a_state_import_creates_nothing_in_the_new_store() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    // A state of users 1 and 2 only.
    let mut two_users: Value = conn.call(Method::GET, "/_steps/state", None, None).await.json;
    two_users["accounts"]
        .as_array_mut()
        .expect("accounts")
        .truncate(2);
    // User 3 creates; the store is replaced while the create is held.
    let other = conn.login(OTHER).await;
    hold_first(&mut conn, "job_token.create", 1000).await;
    let held = spawn_call(
        emulator.local_addr(),
        Method::POST,
        "/api/job_token",
        &other,
        None,
        Some(r#"{"label":"held"}"#),
    );
    settle_in().await;
    let imported = conn
        .call(Method::PUT, "/_steps/state", None, Some(&two_users.to_string()))
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{:?}", imported.json);
    held.await
        .expect("the held request")
        .assert_error(401, "authenticated in the store an import replaced");
    assert_eq!(
        emulator.token_counts(),
        (0, 0),
        "nothing created in the new store"
    );
    // The new store is a valid state: it imports again, and an account
    // added now (user 3 again) owns nothing.
    let exported = conn.call(Method::GET, "/_steps/state", None, None).await;
    assert_eq!(exported.json["job_tokens"]["records"], json!([]));
    let again = String::from_utf8_lossy(&exported.bytes).into_owned();
    let reimported = conn.call(Method::PUT, "/_steps/state", None, Some(&again)).await;
    assert_eq!(reimported.status, StatusCode::OK, "{:?}", reimported.json);
    let added = conn
        .call(
            Method::POST,
            "/_steps/accounts",
            None,
            Some(r#"{"email":"late@example.com","password":"pw-late"}"#),
        )
        .await;
    assert_eq!(added.json["user_id"], 3, "{:?}", added.json);
    let late = conn.login(("late@example.com", "pw-late")).await;
    let listed = conn.call(Method::GET, "/api/job_token", Some(&late), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json);
    assert_eq!(listed.json["job_tokens"], json!([]), "user 3 inherits nothing");
}

#[tokio::test]
async fn a_list_held_across_a_reset_does_not_read_the_new_store() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let admin = conn.login(ADMIN).await;
    hold_first(&mut conn, "job_token.list", 1000).await;
    let held = spawn_call(
        emulator.local_addr(),
        Method::GET,
        "/api/job_token",
        &admin,
        None,
        None,
    );
    settle_in().await;
    let reset = conn.call(Method::POST, "/_steps/reset", None, Some("{}")).await;
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.json);
    let user = conn.login(USER).await;
    conn.create("job_token", &user).await;
    held.await
        .expect("the held request")
        .assert_error(401, "authenticated in the store a reset replaced");
}

#[tokio::test]
async fn a_keyed_create_held_across_a_reset_leaves_the_new_stores_key_alone() {
    const KEY: &str = "nightly-1";
    let emulator = controlled().await;
    let addr = emulator.local_addr();
    let mut conn = Conn::open(addr).await;
    // In each store the user's login is its first serial and the key's
    // claim its second: the old claim and the new one have the same user
    // id, key and serial.
    let old_login = conn.login(USER).await;
    hold_first(&mut conn, "job_token.create", 1000).await;
    let old = spawn_call(
        addr,
        Method::POST,
        "/api/job_token",
        &old_login,
        Some(KEY),
        Some(r#"{"label":"old"}"#),
    );
    settle_in().await;
    let reset = conn.call(Method::POST, "/_steps/reset", None, Some("{}")).await;
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.json);
    let login = conn.login(USER).await;
    hold_first(&mut conn, "job_token.create", 2500).await;
    let new = spawn_call(
        addr,
        Method::POST,
        "/api/job_token",
        &login,
        Some(KEY),
        Some(r#"{"label":"new"}"#),
    );
    settle_in().await;

    old.await
        .expect("the old request")
        .assert_error(401, "authenticated in the store a reset replaced");
    // The new request still holds its key: neither kept with the old
    // request's answer nor released by it.
    conn.keyed("/api/job_token", &login, &[KEY.as_bytes()], r#"{"label":"new"}"#)
        .await
        .assert_error(409, "the new request is still being handled");
    let first = new.await.expect("the new request");
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.json);
    assert_eq!(first.json["label"], "new");
    let replay = conn
        .keyed("/api/job_token", &login, &[KEY.as_bytes()], r#"{"label":"new"}"#)
        .await;
    assert_eq!(replay.status, StatusCode::CREATED, "{:?}", replay.json);
    assert_eq!(replay.bytes, first.bytes, "the new request's own answer");
    assert_eq!(emulator.token_counts(), (1, 0));
}
