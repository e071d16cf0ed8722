//! The control plane in quandela mode: a reset brings the minted tokens
//! back, fault rules and the journal know the dialect's operations (and
//! keep its secrets out), and the saved state carries its tokens, usage and
//! priorities.

use http::Method;
use serde_json::{json, Value};
use steps_emulator::{Fault, FaultRule, JobUsage, When};

use super::{ids, refused, Cloud};

#[tokio::test]
async fn a_reset_brings_back_the_minted_tokens_as_they_were() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    cloud.generate(&user, json!({})).await;
    cloud
        .emulator
        .record_usage(JobUsage::new(2, "sim:slos", 1))
        .expect("recorded");
    cloud
        .form("/api/tokens/revoke", &user, &format!("token={user}"))
        .await;
    cloud
        .control(
            "/_steps/accounts",
            &json!({"email": "new@example.com", "password": "pw"}),
        )
        .await;
    let reset = cloud.control("/_steps/reset", &json!({})).await;
    assert_eq!(reset.status, 200);
    let list = cloud.call(Method::GET, "/api/tokens", Some(&user), None).await;
    assert_eq!(ids(&list), [2], "the minted token, reopened, and nothing else");
    assert_eq!(list.json[0]["count"], 1, "counted from 0 again (this call)");
    assert_eq!(list.json[0]["label"], "steps-emulator");
    let (next, _) = cloud.generate(&user, json!({})).await;
    assert_eq!(next, 4, "ids go on from the minted ones");
    let report = cloud
        .call(Method::GET, "/api/tokens/usage/report", Some(&user), None)
        .await;
    assert_eq!(report.json[0]["total_jobs"], 0, "no usage: {}", report.json);
    let body = json!({"email": "new@example.com", "password": "pw"});
    let login = cloud.call(Method::POST, "/api/login", None, Some(&body)).await;
    refused(&login, 401, "Invalid email or password");
}

#[tokio::test]
async fn fault_rules_and_the_journal_know_the_dialects_operations() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    let rules = json!([{"operation": "quandela.token.list", "when": {"first": 2},
        "fault": {"kind": "status", "status": 503}}]);
    let set = cloud
        .call(Method::PUT, "/_steps/faults", None, Some(&rules))
        .await;
    assert_eq!(set.status, 200);
    for family in ["/api/tokens", "/api/auth/tokens"] {
        let reply = cloud.call(Method::GET, family, Some(&user), None).await;
        refused(&reply, 503, "injected fault");
        assert_eq!(reply.headers["retry-after"], "1");
    }
    assert_eq!(
        cloud
            .call(Method::GET, "/api/tokens", Some(&user), None)
            .await
            .status,
        200
    );
    assert_eq!(cloud.emulator.requests_seen("quandela.token.list"), 3);
    cloud.emulator.set_faults(vec![FaultRule::new(
        Some("quandela.token.generate"),
        When::Always,
        Fault::CloseAfterHandled,
    )]);
    let sent = http::Request::post("/api/auth/tokens")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {user}"))
        .body(http_body_util::Full::new(bytes::Bytes::from_static(b"{}")))
        .expect("request");
    assert!(cloud.conn.try_send(sent).await.is_err(), "closed unanswered");
    cloud.emulator.set_faults(Vec::new());
    let mut cloud_conn = crate::support::Conn::open(cloud.emulator.local_addr()).await;
    let list = cloud_conn
        .call(Method::GET, "/api/tokens", Some(&user), None)
        .await;
    assert_eq!(ids(&list), [2, 4], "the faulted generate generated");

    cloud_conn
        .call(Method::GET, &format!("/api/tokens/{user}"), Some(&user), None)
        .await;
    cloud_conn.call(Method::GET, "/health", None, None).await;
    let logged_in = cloud_conn.login(crate::support::USER).await;
    cloud_conn
        .call(Method::GET, "/api/auth/tokens/2", Some(&logged_in), None)
        .await;
    let journal = cloud_conn
        .call(Method::GET, "/_steps/requests?limit=1000", None, None)
        .await;
    let entries = journal.json["requests"].as_array().expect("entries").clone();
    let text = journal.json.to_string();
    assert!(
        !text.contains(&user[3..]) && !text.contains(&logged_in[4..]),
        "no secret: {text}"
    );
    let last: Vec<(Value, Value, Value, Value)> = entries[entries.len() - 4..]
        .iter()
        .map(|e| {
            (
                e["path"].clone(),
                e["operation"].clone(),
                e["user_id"].clone(),
                e["token_type"].clone(),
            )
        })
        .collect();
    assert_eq!(
        last,
        [
            (
                json!("/api/tokens/<redacted>"),
                json!(null),
                json!(null),
                json!(null)
            ),
            (
                json!("/health"),
                json!("quandela.health"),
                json!(null),
                json!(null)
            ),
            (
                json!("/api/login"),
                json!("quandela.login"),
                json!(null),
                json!(null)
            ),
            (
                json!("/api/auth/tokens/2"),
                json!("quandela.token.read"),
                json!(2),
                json!(0)
            ),
        ]
    );
    let list_entry = entries
        .iter()
        .find(|e| e["operation"] == "quandela.token.list" && e["status"] == 200);
    assert_eq!(
        list_entry.map(|e| (e["user_id"].clone(), e["token_type"].clone())),
        Some((json!(2), json!(1)))
    );
    assert!(entries.iter().any(|e| e["fault"] == true && e["status"] == 503));
}

#[tokio::test]
async fn the_saved_state_round_trips_tokens_usage_and_priorities() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    let (id, secret) = cloud
        .generate(
            &user,
            json!({"label": "kept", "priority": 5, "is_explorer_token": false}),
        )
        .await;
    cloud
        .form("/api/tokens/revoke", &user, &format!("token={secret}"))
        .await;
    cloud
        .emulator
        .record_usage(JobUsage::new(id, "qpu:belenos", 2).credits(0.25, 1.0).at(7))
        .expect("recorded");
    cloud
        .control(
            "/_steps/accounts",
            &json!({"email": "vip@example.com", "password": "pw", "priority": 40}),
        )
        .await;
    let exported = cloud.call(Method::GET, "/_steps/state", None, None).await;
    assert_eq!(exported.json["steps_emulator_state"], 1);
    let doc = exported.json.clone();
    assert_eq!(doc["accounts"][3]["priority"], 40);
    assert!(
        doc["accounts"][0].get("priority").is_none(),
        "the default is left out"
    );
    assert_eq!(doc["quandela"]["last_id"], id);
    let saved = &doc["quandela"]["tokens"][3];
    assert_eq!(
        (
            saved["label"].clone(),
            saved["revoked"].clone(),
            saved["secret"].clone()
        ),
        (json!("kept"), json!(true), json!(secret))
    );
    // Imported into another emulator: the same bytes out, the same answers.
    let mut second = Cloud::start().await;
    let imported = second.call(Method::PUT, "/_steps/state", None, Some(&doc)).await;
    assert_eq!(imported.status, 200, "{}", imported.json);
    let again = second.call(Method::GET, "/_steps/state", None, None).await;
    assert_eq!(again.bytes, exported.bytes);
    let report = second
        .call(
            Method::GET,
            &format!("/api/tokens/usage/report?token_ids={id}"),
            Some(&user),
            None,
        )
        .await;
    assert_eq!(report.json[0]["usage"][0]["credits"], 0.25);
    refused(
        &second.call(Method::GET, "/api/tokens", Some(&secret), None).await,
        401,
        "Invalid or expired job token",
    );
    let vip = second.login(("vip@example.com", "pw")).await;
    let made = second
        .call(
            Method::POST,
            "/api/auth/tokens",
            Some(&vip),
            Some(&json!({"priority": 39})),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.json);
    assert_eq!(made.json["token_id"], id + 1, "last_id came along");
    // An inconsistent quandela part is refused, and changes nothing.
    let before = second.call(Method::GET, "/_steps/state", None, None).await;
    for (path, value) in [
        ("/quandela/tokens/0/user_id", json!(99)),
        ("/quandela/tokens/1/secret", json!(secret)),
        ("/quandela/tokens/2/duration", json!(0)),
        ("/quandela/tokens/3/label", json!("steps-emulator")),
        ("/quandela/last_id", json!(1)),
        ("/quandela/usage/0/token_id", json!(99)),
        ("/quandela/usage/0/credits", json!(-1.0)),
    ] {
        let mut bad = doc.clone();
        *bad.pointer_mut(path).expect(path) = value;
        let reply = second.call(Method::PUT, "/_steps/state", None, Some(&bad)).await;
        reply.assert_error(400, path);
    }
    let mut unknown = doc.clone();
    unknown["quandela"]["tokens"][0]["colour"] = json!("red");
    second
        .call(Method::PUT, "/_steps/state", None, Some(&unknown))
        .await
        .assert_error(400, "unknown field");
    let unchanged = second.call(Method::GET, "/_steps/state", None, None).await;
    assert_eq!(unchanged.bytes, before.bytes);
}

/// A request that authenticated in a store a reset then replaced acts on
/// nothing in the new one (401), though the minted token it sent is back.
#[tokio::test]
async fn a_generate_held_across_a_reset_generates_nothing() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    let rules = json!([{"operation": "quandela.token.generate", "when": {"first": 1},
        "fault": {"kind": "slow_handler", "ms": 1000}}]);
    assert_eq!(
        cloud
            .call(Method::PUT, "/_steps/faults", None, Some(&rules))
            .await
            .status,
        200
    );
    let addr = cloud.emulator.local_addr();
    let held = tokio::spawn({
        let user = user.clone();
        async move {
            let mut conn = crate::support::Conn::open(addr).await;
            conn.call(
                Method::POST,
                "/api/tokens",
                Some(&user),
                Some(r#"{"label":"held"}"#),
            )
            .await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(cloud.control("/_steps/reset", &json!({})).await.status, 200);
    let reply = held.await.expect("the held request ends");
    refused(&reply, 401, "Invalid or expired job token");
    let list = cloud.call(Method::GET, "/api/tokens", Some(&user), None).await;
    assert_eq!(ids(&list), [2]);
    assert_eq!(
        list.json[0]["count"], 1,
        "the held request counted in the old store only"
    );
}
