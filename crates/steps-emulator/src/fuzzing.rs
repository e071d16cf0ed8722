//! The request handler without a socket, for the fuzz targets in `fuzz/`
//! (feature `fuzzing`). Not part of the stable API.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::account::Account;
use crate::api;
use crate::config::{DEFAULT_BODY_READ_TIMEOUT, DEFAULT_LOGIN_TTL};
use crate::protocol::ProtocolVersion;
use crate::state::State;

/// The accounts of the fuzzing store: `admin@fuzz` / `admin`, `user@fuzz` / `user`.
fn state() -> Arc<State> {
    static STATE: OnceLock<Arc<State>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let accounts = [
                Account::admin("admin@fuzz", "admin"),
                Account::new("user@fuzz", "user"),
            ];
            let store = crate::store::Store::new(&accounts, DEFAULT_LOGIN_TTL.as_secs());
            Arc::new(State::new(
                store,
                crate::clock::start(false),
                crate::faults::FaultSet::default(),
                DEFAULT_BODY_READ_TIMEOUT,
                ProtocolVersion::default(),
            ))
        })
        .clone()
}

/// Handles one request built from arbitrary parts; returns the status, or
/// `None` when the handler closed the connection. Invalid methods, paths or
/// headers are answered as a server's HTTP parser would refuse them: `None`.
pub async fn handle(method: &[u8], path: &str, headers: &[(Vec<u8>, Vec<u8>)], body: Vec<u8>) -> Option<u16> {
    let mut builder = http::Request::builder()
        .method(http::Method::from_bytes(method).ok()?)
        .uri(path);
    for (name, value) in headers {
        builder = builder.header(
            http::HeaderName::from_bytes(name).ok()?,
            http::HeaderValue::from_bytes(value).ok()?,
        );
    }
    let request = builder.body(Full::new(Bytes::from(body))).ok()?;
    let response = api::handle(&state(), request, &api::Exchange::from_peer(None))
        .await
        .ok()?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    // Every error answer is the protocol's JSON error.
    if status >= 400 {
        let value: serde_json::Value = serde_json::from_slice(&body).expect("an error body is JSON");
        assert!(value["error"].is_string(), "an error body has an `error` message");
    }
    Some(status)
}

/// A login token for one of the fuzzing accounts (`admin` or `user`).
pub async fn login(admin: bool) -> Option<String> {
    let (email, password) = if admin {
        ("admin@fuzz", "admin")
    } else {
        ("user@fuzz", "user")
    };
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let request = http::Request::post("/api/login")
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .ok()?;
    let response = api::handle(&state(), request, &api::Exchange::from_peer(None))
        .await
        .ok()?;
    let body = response.into_body().collect().await.ok()?.to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&body).ok()?;
    value["token"].as_str().map(str::to_owned)
}
