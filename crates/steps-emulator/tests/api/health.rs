//! `GET /health` over TCP: answered without a token and without the
//! control plane, in protocol v1 and v2 and in quandela mode, each as its
//! spec says; other methods are the emulator's usual 405 with `Allow`.

use http::{Method, StatusCode};
use serde_json::json;
use steps_emulator::{Api, Emulator, ProtocolVersion};

use crate::support::{config, Conn, USER};

/// An emulator of the support accounts, control plane off (the default).
async fn started(api: Api, protocol: ProtocolVersion) -> Emulator {
    let emulator = Emulator::start(config().api(api).protocol(protocol))
        .await
        .expect("the emulator starts");
    assert_eq!(emulator.control_url(), None, "no control plane");
    emulator
}

#[tokio::test]
async fn health_answers_anyone_in_every_api_and_version() {
    for (api, protocol, body) in [
        (Api::Steps, ProtocolVersion::V2, json!({ "status": "ok" })),
        (Api::Steps, ProtocolVersion::V1, json!({ "status": "ok" })),
        (Api::Quandela, ProtocolVersion::V2, json!({ "message": "ok" })),
    ] {
        let emulator = started(api, protocol).await;
        let mut conn = Conn::open(emulator.local_addr()).await;
        // A token is not looked at: none, a made-up one, a valid one.
        let login = match api {
            Api::Steps => Some(conn.login(USER).await),
            _ => emulator.minted_tokens().first().map(|m| m.token.clone()),
        };
        for token in [None, Some("stl_not_a_token".to_owned()), login] {
            let reply = conn.call(Method::GET, "/health", token.as_deref(), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{api} {protocol}: {:?}", reply.json);
            assert_eq!(reply.json, body, "{api} {protocol}");
            assert_eq!(reply.headers["content-type"], "application/json", "{api}");
            assert!(reply.headers.contains_key("x-request-id"), "{api}");
        }
        let operation = if api == Api::Steps {
            "health"
        } else {
            "quandela.health"
        };
        assert_eq!(
            emulator.requests_seen(operation),
            3,
            "{api} {protocol}: counted as an operation"
        );
    }
}

#[tokio::test]
async fn other_methods_on_health_are_405_with_allow() {
    for api in [Api::Steps, Api::Quandela] {
        let emulator = started(api, ProtocolVersion::V2).await;
        let mut conn = Conn::open(emulator.local_addr()).await;
        for (method, body) in [
            (Method::POST, Some("{}")),
            (Method::PUT, Some("{}")),
            (Method::DELETE, None),
            (Method::PATCH, None),
        ] {
            let reply = conn.call(method.clone(), "/health", None, body).await;
            reply.assert_error(405, &format!("{api}: {method} /health"));
            assert_eq!(reply.headers["allow"], "GET", "{api}: {method}");
        }
        // Only the path itself: a longer one names nothing.
        conn.call(Method::GET, "/health/x", None, None)
            .await
            .assert_error(404, &format!("{api}: /health/x"));
    }
}
