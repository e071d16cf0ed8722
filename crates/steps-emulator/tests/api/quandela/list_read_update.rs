//! `quandela.token.list`, `.read` and `.update` (E7, E8, E10, E11):
//! paging, filters, whose tokens, the `Token` body, and what an update
//! changes.

use std::time::Duration;

use http::Method;
use serde_json::{json, Value};

use super::{done, ids, invalid, refused, Cloud};

#[tokio::test]
async fn lists_page_by_offset_and_limit_in_id_order() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    for _ in 0..4 {
        cloud.generate(&user, json!({})).await;
    }
    let page = |query: &str| format!("/api/tokens{query}");
    for (query, expected) in [
        ("", vec![2, 4, 5, 6, 7]),
        ("?limit=2", vec![2, 4]),
        ("?limit=2&offset=2", vec![5, 6]),
        ("?limit=2&offset=4", vec![7]),
        ("?offset=5", vec![]),
        ("?offset=99999999999", vec![]),
        ("?limit=10000&offset=0&unknown=x", vec![2, 4, 5, 6, 7]),
        ("?limit=&offset=&user_id=&include_expired=", vec![2, 4, 5, 6, 7]),
        ("?limit=1&limit=3", vec![2, 4, 5]),
    ] {
        let reply = cloud.call(Method::GET, &page(query), Some(&user), None).await;
        assert_eq!(ids(&reply), expected, "{query}");
    }
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=10001", "limit"),
        ("?limit=1.5", "limit"),
        ("?limit=%2B1", "limit"),
        ("?offset=-1", "offset"),
        ("?offset=x", "offset"),
        ("?user_id=two", "user_id"),
        ("?include_revoked=1", "include_revoked"),
        ("?include_expired=True", "include_expired"),
        ("?limit=%zz", "_schema"),
    ] {
        let reply = cloud.call(Method::GET, &page(query), Some(&user), None).await;
        invalid(&reply, "query", field);
    }
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_listed_unless_filtered_out() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    let (short, _) = cloud.generate(&user, json!({"duration": 30})).await;
    let (revoked, secret) = cloud.generate(&user, json!({})).await;
    cloud
        .form("/api/tokens/revoke", &user, &format!("token={secret}"))
        .await;
    cloud.emulator.advance_clock(Duration::from_secs(30));
    let list = |query: &'static str| format!("/api/auth/tokens{query}");
    for (query, expected) in [
        ("", vec![2, short, revoked]),
        ("?include_expired=false", vec![2, revoked]),
        ("?include_revoked=false", vec![2, short]),
        ("?include_revoked=false&include_expired=false", vec![2]),
        (
            "?include_revoked=true&include_expired=true",
            vec![2, short, revoked],
        ),
    ] {
        let reply = cloud.call(Method::GET, &list(query), Some(&user), None).await;
        assert_eq!(ids(&reply), expected, "{query}");
    }
    let all = cloud.call(Method::GET, &list(""), Some(&user), None).await;
    let revoked_flags: Vec<&Value> = all
        .json
        .as_array()
        .expect("array")
        .iter()
        .map(|t| &t["is_revoked"])
        .collect();
    assert_eq!(revoked_flags, [&json!(false), &json!(false), &json!(true)]);
    let expired = cloud.read(&user, short).await;
    assert_eq!(expired.json["valid"], false);
    assert_eq!(cloud.read(&user, 2).await.json["valid"], true);
}

#[tokio::test]
async fn users_list_their_own_and_admins_anyones() {
    let mut cloud = Cloud::start().await;
    let (user, admin) = (cloud.user.clone(), cloud.admin.clone());
    for (query, expected) in [
        ("?user_id=2", vec![2]),
        ("?user_id=3", vec![3]),
        ("?user_id=99", vec![]),
        ("?user_id=-4", vec![]),
    ] {
        let reply = cloud
            .call(Method::GET, &format!("/api/tokens{query}"), Some(&admin), None)
            .await;
        assert_eq!(ids(&reply), expected, "{query}");
    }
    assert_eq!(
        ids(&cloud
            .call(Method::GET, "/api/tokens?user_id=2", Some(&user), None)
            .await),
        [2]
    );
    for query in ["?user_id=1", "?user_id=3", "?user_id=99"] {
        let reply = cloud
            .call(Method::GET, &format!("/api/tokens{query}"), Some(&user), None)
            .await;
        refused(&reply, 403, "Permission denied");
    }
    // 422 comes before 403.
    let reply = cloud
        .call(Method::GET, "/api/tokens?user_id=3&limit=0", Some(&user), None)
        .await;
    invalid(&reply, "query", "limit");
}

#[tokio::test]
async fn read_answers_the_token_model_to_its_owner_and_admins() {
    let mut cloud = Cloud::start().await;
    let (user, admin) = (cloud.user.clone(), cloud.admin.clone());
    let (id, _) = cloud
        .generate(
            &user,
            json!({"label": "nightly", "priority": 3, "duration": 3600}),
        )
        .await;
    let reply = cloud
        .call(Method::GET, &format!("/api/auth/tokens/{id}"), Some(&admin), None)
        .await;
    assert_eq!(reply.status, 200);
    let mut token = reply.json.clone();
    let created = token["created_date"].as_str().expect("a time").to_owned();
    let expires = token["expiration_date"].as_str().expect("a time").to_owned();
    assert!(
        created.ends_with("+00:00") && expires > created,
        "{created} {expires}"
    );
    for field in ["created_date", "expiration_date"] {
        token.as_object_mut().expect("an object").remove(field);
    }
    assert_eq!(
        token,
        json!({"id": id, "user_id": 2, "email": "ada@example.com", "company_id": null, "company_name": null,
            "label": "nightly", "priority": 3, "user_priority": 10, "count": 0, "last_used_duration": null,
            "token": null, "is_apikey": false, "is_explorer_token": null, "valid": true, "last_used_time": null})
    );
    refused(
        &cloud.read(&cloud.other.clone(), id).await,
        403,
        "Permission denied",
    );
    refused(&cloud.read(&user, 1).await, 403, "Permission denied");
    refused(&cloud.read(&user, 77).await, 404, "Not found");
    refused(&cloud.read(&user, 0).await, 400, "Invalid token: 0");
    let reply = cloud.call(Method::GET, "/api/tokens/00", Some(&user), None).await;
    refused(&reply, 400, "Invalid token: 0");
    let reply = cloud
        .call(Method::GET, "/api/tokens/99999999999999999999", Some(&user), None)
        .await;
    refused(&reply, 404, "Not found");
    let reply = cloud
        .call(Method::GET, "/api/tokens/0042", Some(&user), None)
        .await;
    refused(&reply, 404, "Not found");
}

#[tokio::test]
async fn update_sets_label_and_priority_where_given() {
    let mut cloud = Cloud::start().await;
    let (user, admin) = (cloud.user.clone(), cloud.admin.clone());
    let (id, _) = cloud.generate(&user, json!({"label": "a", "priority": 1})).await;
    cloud.generate(&user, json!({"label": "taken"})).await;
    let path = format!("/api/tokens/{id}");
    done(
        &cloud
            .call(Method::PUT, &path, Some(&user), Some(&json!({"label": "b"})))
            .await,
    );
    let read = cloud.read(&user, id).await;
    assert_eq!(
        (read.json["label"].clone(), read.json["priority"].clone()),
        (json!("b"), json!(1))
    );
    for body in [
        json!({}),
        json!({"label": null, "priority": null}),
        json!({"label": "b"}),
    ] {
        done(&cloud.call(Method::PUT, &path, Some(&user), Some(&body)).await);
    }
    done(&cloud.conn.call(Method::PUT, &path, Some(&user), None).await);
    done(
        &cloud
            .call(Method::PUT, &path, Some(&admin), Some(&json!({"priority": 9})))
            .await,
    );
    let read = cloud.read(&user, id).await;
    assert_eq!(
        (read.json["label"].clone(), read.json["priority"].clone()),
        (json!("b"), json!(9))
    );
    let reply = cloud
        .call(Method::PUT, &path, Some(&user), Some(&json!({"label": "taken"})))
        .await;
    refused(&reply, 400, "Label already exists: taken");
    let reply = cloud
        .call(Method::PUT, &path, Some(&user), Some(&json!({"priority": 10})))
        .await;
    refused(&reply, 400, "Can't assign priority higher than user priority");
    let other = cloud.other.clone();
    refused(
        &cloud
            .call(Method::PUT, &path, Some(&other), Some(&json!({})))
            .await,
        403,
        "Permission denied",
    );
    refused(
        &cloud
            .call(Method::PUT, "/api/tokens/77", Some(&user), Some(&json!({})))
            .await,
        404,
        "Not found",
    );
    refused(
        &cloud
            .call(Method::PUT, "/api/tokens/0", Some(&user), Some(&json!({})))
            .await,
        400,
        "Invalid token: 0",
    );
    invalid(
        &cloud
            .call(Method::PUT, &path, Some(&user), Some(&json!({"priority": "x"})))
            .await,
        "json",
        "priority",
    );
    invalid(
        &cloud
            .call(
                Method::PUT,
                "/api/tokens/77",
                Some(&user),
                Some(&json!({"label": 1})),
            )
            .await,
        "json",
        "label",
    );
    let read = cloud.read(&user, id).await;
    assert_eq!(
        (read.json["label"].clone(), read.json["priority"].clone()),
        (json!("b"), json!(9)),
        "refusals change nothing"
    );
}
