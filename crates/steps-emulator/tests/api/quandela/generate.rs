//! `quandela.token.generate` (E4, E7, E8, E9): defaults, labels unique
//! per user, priorities below the owner's, delegation for admins only, and
//! the 422s of its body.

use http::Method;
use serde_json::{json, Value};

use super::{ids, invalid, refused, Cloud};

#[tokio::test]
async fn generate_answers_duration_token_and_id_with_defaults() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    for (path, body, duration) in [
        ("/api/tokens", None, 86_400),
        ("/api/auth/tokens", Some(json!({})), 86_400),
        (
            "/api/tokens",
            Some(json!({"duration": null, "label": null, "priority": null, "user_id": null})),
            86_400,
        ),
        ("/api/tokens", Some(json!({"duration": 60, "unknown": [1]})), 60),
        ("/api/tokens", Some(json!({"duration": 315_360_000})), 315_360_000),
    ] {
        let reply = cloud.call(Method::POST, path, Some(&user), body.as_ref()).await;
        assert_eq!(reply.status, 200, "{body:?}: {}", reply.json);
        let keys: Vec<&String> = reply.json.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["duration", "token", "token_id"]);
        assert_eq!(reply.json["duration"], duration);
        assert!(reply.str("token").starts_with("_T_"));
    }
    let list = cloud.call(Method::GET, "/api/tokens", Some(&user), None).await;
    assert_eq!(ids(&list), [2, 4, 5, 6, 7, 8], "ids go on from the minted ones");
    let item = &list.json[1];
    assert_eq!(
        (item["label"].clone(), item["priority"].clone()),
        (Value::Null, json!(0))
    );
    // An empty body of another type reads as {} (no 415, E15).
    let reply = cloud
        .conn
        .call(Method::POST, "/api/tokens", Some(&user), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.json);
    // `is_explorer_token` is stored and echoed.
    let (id, _) = cloud.generate(&user, json!({"is_explorer_token": true})).await;
    assert_eq!(cloud.read(&user, id).await.json["is_explorer_token"], true);
    assert_eq!(cloud.read(&user, 2).await.json["is_explorer_token"], Value::Null);
}

#[tokio::test]
async fn labels_are_unique_per_user_revoked_and_expired_included() {
    let mut cloud = Cloud::start().await;
    let (user, other, admin) = (cloud.user.clone(), cloud.other.clone(), cloud.admin.clone());
    let (_, nightly) = cloud
        .generate(&user, json!({"label": "nightly build", "duration": 10}))
        .await;
    let reply = cloud
        .call(
            Method::POST,
            "/api/tokens",
            Some(&user),
            Some(&json!({"label": "nightly build"})),
        )
        .await;
    refused(&reply, 400, "Label already exists: nightly build");
    cloud.generate(&other, json!({"label": "nightly build"})).await;
    // Revoked, then expired: still taken.
    cloud
        .form("/api/tokens/revoke", &user, &format!("token={nightly}"))
        .await;
    cloud.emulator.advance_clock(std::time::Duration::from_secs(20));
    let reply = cloud
        .call(
            Method::POST,
            "/api/auth/tokens",
            Some(&user),
            Some(&json!({"label": "nightly build"})),
        )
        .await;
    refused(&reply, 400, "Label already exists: nightly build");
    // An admin minting for the user clashes with the user's labels.
    let body = json!({"label": "steps-emulator", "user_id": 2});
    let reply = cloud
        .call(Method::POST, "/api/tokens", Some(&admin), Some(&body))
        .await;
    refused(&reply, 400, "Label already exists: steps-emulator");
    // Unlabelled tokens never clash.
    cloud.generate(&user, json!({})).await;
    cloud.generate(&user, json!({})).await;
}

#[tokio::test]
async fn priorities_stay_below_the_owners() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    for priority in [9, -3] {
        cloud.generate(&user, json!({"priority": priority})).await;
    }
    for priority in [10, 11] {
        let body = json!({"priority": priority});
        let reply = cloud
            .call(Method::POST, "/api/tokens", Some(&user), Some(&body))
            .await;
        refused(&reply, 400, "Can't assign priority higher than user priority");
    }
    // An account added with a higher priority may give higher ones.
    let account = json!({"email": "vip@example.com", "password": "pw", "priority": 50});
    let reply = cloud.control("/_steps/accounts", &account).await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        reply.json,
        json!({"user_id": 4, "email": "vip@example.com", "is_admin": false, "priority": 50})
    );
    let vip = cloud.login(("vip@example.com", "pw")).await;
    let body = json!({"priority": 49});
    let reply = cloud
        .call(Method::POST, "/api/auth/tokens", Some(&vip), Some(&body))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.json);
    let read = cloud.read(&cloud.admin.clone(), reply.id("token_id")).await;
    assert_eq!(
        (read.json["priority"].clone(), read.json["user_priority"].clone()),
        (json!(49), json!(50))
    );
}

#[tokio::test]
async fn only_admins_mint_for_another_user() {
    let mut cloud = Cloud::start().await;
    let (user, admin) = (cloud.user.clone(), cloud.admin.clone());
    let reply = cloud
        .call(
            Method::POST,
            "/api/tokens",
            Some(&user),
            Some(&json!({"user_id": 3})),
        )
        .await;
    refused(&reply, 403, "Permission denied");
    // Naming oneself is no delegation.
    cloud
        .generate(&user, json!({"user_id": 2, "label": "mine"}))
        .await;
    let (id, secret) = cloud
        .generate(&admin, json!({"user_id": 3, "label": "for bob"}))
        .await;
    let read = cloud.read(&secret, id).await;
    assert_eq!(
        (read.json["user_id"].clone(), read.json["email"].clone()),
        (json!(3), json!("bob@example.com"))
    );
    for unknown in [99, 0, -1] {
        let reply = cloud
            .call(
                Method::POST,
                "/api/tokens",
                Some(&admin),
                Some(&json!({"user_id": unknown})),
            )
            .await;
        refused(&reply, 400, "Unknown user");
    }
    // 422 comes before 403.
    let body = json!({"user_id": 3, "duration": 0});
    invalid(
        &cloud
            .call(Method::POST, "/api/tokens", Some(&user), Some(&body))
            .await,
        "json",
        "duration",
    );
}

#[tokio::test]
async fn a_body_the_dialect_does_not_allow_is_422_and_mints_nothing() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    for (body, field) in [
        (json!({"duration": 0}), "duration"),
        (json!({"duration": 315_360_001}), "duration"),
        (json!({"duration": -5}), "duration"),
        (json!({"duration": 1.5}), "duration"),
        (json!({"duration": "60"}), "duration"),
        (json!({"label": 7}), "label"),
        (json!({"label": "a\u{0}b"}), "label"),
        (json!({"label": "\u{85}"}), "label"),
        (json!({"label": "x".repeat(257)}), "label"),
        (json!({"label": "\u{e9}".repeat(129)}), "label"),
        (json!({"priority": "high"}), "priority"),
        (json!({"user_id": 2.0}), "user_id"),
        (json!({"is_explorer_token": "yes"}), "is_explorer_token"),
    ] {
        let reply = cloud
            .call(Method::POST, "/api/tokens", Some(&user), Some(&body))
            .await;
        invalid(&reply, "json", field);
    }
    let both = json!({"duration": 0, "label": 1});
    let reply = cloud
        .call(Method::POST, "/api/tokens", Some(&user), Some(&both))
        .await;
    let fields: Vec<&String> = reply.json["detail"]["json"]
        .as_object()
        .expect("fields")
        .keys()
        .collect();
    assert_eq!(fields, ["duration", "label"], "every failure is named");
    for raw in ["[]", "7", "{", "\"x\""] {
        let reply = cloud
            .conn
            .call(Method::POST, "/api/tokens", Some(&user), Some(raw))
            .await;
        invalid(&reply, "json", "_schema");
    }
    cloud.generate(&user, json!({"label": "x".repeat(256)})).await;
    let list = cloud.call(Method::GET, "/api/tokens", Some(&user), None).await;
    assert_eq!(ids(&list), [2, 4], "only the last one was minted");
}
