//! Who may call what (E1, E5, E6, E17): each family's credentials, the
//! 401 body, `/api/login`, and the count and last use every authenticated
//! call adds to its job token.

use std::time::Duration;

use http::Method;
use serde_json::json;

use super::{ids, invalid, refused, Cloud};
use crate::support::{ADMIN, USER};

const INVALID: &str = "Invalid or expired job token";

/// One path of each operation of both families, with a body it takes.
fn every_operation() -> Vec<(Method, String, bool)> {
    let mut all = Vec::new();
    for family in ["/api/tokens", "/api/auth/tokens"] {
        let path = |tail: &str| format!("{family}{tail}");
        let logged_in = family == "/api/auth/tokens";
        for (method, tail) in [
            (Method::GET, ""),
            (Method::POST, ""),
            (Method::GET, "/2"),
            (Method::PUT, "/2"),
            (Method::POST, "/revoke"),
            (Method::POST, "/reopen"),
            (Method::POST, "/delete-by-ids"),
            (Method::POST, "/delete"),
        ] {
            all.push((method, path(tail), logged_in));
        }
    }
    all.push((Method::GET, "/api/tokens/usage/report".to_owned(), false));
    all
}

#[tokio::test]
async fn a_missing_malformed_or_unknown_credential_is_401_everywhere() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    for (method, path, _) in every_operation() {
        for header in [
            None,
            Some("Basic abc".to_owned()),
            Some("Bearer".to_owned()),
            Some("Bearer _T_eyJunknown".to_owned()),
            Some(format!("Bearer {user}x")),
        ] {
            let mut request = http::Request::builder()
                .method(method.clone())
                .uri(&path)
                .header("host", "localhost");
            if let Some(value) = &header {
                request = request.header("authorization", value);
            }
            let request = request
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .expect("request");
            let reply = cloud.conn.send(request).await;
            refused(&reply, 401, INVALID);
            assert_eq!(reply.headers["www-authenticate"], "Bearer", "{method} {path}");
        }
    }
}

/// A job token is taken by both families; a logged-in token by the
/// logged-in family only (E1).
#[tokio::test]
async fn each_family_takes_its_credentials() {
    let mut cloud = Cloud::start().await;
    let job = cloud.user.clone();
    let logged_in = cloud.login(USER).await;
    assert!(logged_in.starts_with("stl_"), "E3");
    for family in ["/api/tokens", "/api/auth/tokens"] {
        let reply = cloud.call(Method::GET, family, Some(&job), None).await;
        assert_eq!(ids(&reply), [2], "{family} with a job token");
    }
    let reply = cloud
        .call(Method::GET, "/api/auth/tokens", Some(&logged_in), None)
        .await;
    assert_eq!(ids(&reply), [2]);
    for (method, path, logged_in_family) in every_operation() {
        let reply = cloud
            .call(method.clone(), &path, Some(&logged_in), Some(&json!({})))
            .await;
        if logged_in_family {
            assert_ne!(reply.status, 401, "{method} {path}: {}", reply.json);
        } else {
            refused(&reply, 401, INVALID);
        }
    }
    // Generated with a logged-in token, in the logged-in family.
    let made = cloud
        .call(
            Method::POST,
            "/api/auth/tokens",
            Some(&logged_in),
            Some(&json!({"label": "li"})),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.json);
    let secret = made.str("token");
    let list = cloud.call(Method::GET, "/api/tokens", Some(&secret), None).await;
    // Token 4: the loop's generate.
    assert_eq!(ids(&list), [2, 4, made.id("token_id")]);
}

/// A revoked or expired job token is 401 (E6), and so is a logged-in
/// token past `--login-ttl` (E17).
#[tokio::test]
async fn revoked_and_expired_credentials_are_refused() {
    let mut cloud = Cloud::start().await;
    let admin = cloud.admin.clone();
    let (_, short) = cloud.generate(&admin, json!({"duration": 60})).await;
    let (_, revoked) = cloud.generate(&admin, json!({"label": "r"})).await;
    let logged_in = cloud.login(ADMIN).await;
    let reply = cloud
        .form("/api/tokens/revoke", &admin, &format!("token={revoked}"))
        .await;
    assert_eq!(reply.status, 200);
    let reply = cloud.call(Method::GET, "/api/tokens", Some(&revoked), None).await;
    refused(&reply, 401, INVALID);
    assert_eq!(
        cloud
            .call(Method::GET, "/api/tokens", Some(&short), None)
            .await
            .status,
        200
    );
    cloud.emulator.advance_clock(Duration::from_secs(60));
    let reply = cloud.call(Method::GET, "/api/tokens", Some(&short), None).await;
    refused(&reply, 401, INVALID);
    assert_eq!(
        cloud
            .call(Method::GET, "/api/auth/tokens", Some(&logged_in), None)
            .await
            .status,
        200
    );
    cloud.emulator.advance_clock(Duration::from_secs(86_400));
    let reply = cloud
        .call(Method::GET, "/api/auth/tokens", Some(&logged_in), None)
        .await;
    refused(&reply, 401, INVALID);
}

#[tokio::test]
async fn login_answers_a_logged_in_token_or_401() {
    let mut cloud = Cloud::start().await;
    let body = json!({"email": USER.0, "password": USER.1});
    let reply = cloud.call(Method::POST, "/api/login", None, Some(&body)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["user_id"], 2);
    assert_eq!(reply.json["is_admin"], false);
    let expires = reply.str("expiration_date");
    assert!(expires.ends_with("+00:00"), "{expires}");
    let wrong = json!({"email": USER.0, "password": "nope"});
    let reply = cloud.call(Method::POST, "/api/login", None, Some(&wrong)).await;
    refused(&reply, 401, "Invalid email or password");
    // A job token sent to login is not looked at.
    let user = cloud.user.clone();
    let reply = cloud
        .call(Method::POST, "/api/login", Some(&user), Some(&wrong))
        .await;
    refused(&reply, 401, "Invalid email or password");
    for (body, field) in [
        (json!({"password": "x"}), "email"),
        (json!({"email": USER.0}), "password"),
        (json!({"email": "", "password": "x"}), "email"),
        (json!({"email": 7, "password": "x"}), "email"),
    ] {
        invalid(
            &cloud.call(Method::POST, "/api/login", None, Some(&body)).await,
            "json",
            field,
        );
    }
    let reply = cloud
        .conn
        .call(Method::POST, "/api/login", None, Some("not json"))
        .await;
    invalid(&reply, "json", "_schema");
}

/// E5: every authenticated call counts against its job token, before its
/// handler runs, whatever the call answers; a refused credential counts
/// nothing.
#[tokio::test]
async fn every_authenticated_call_counts_and_stamps_its_token() {
    let mut cloud = Cloud::start().await;
    let (user, admin) = (cloud.user.clone(), cloud.admin.clone());
    let fresh = cloud.read(&admin, 2).await;
    assert_eq!(
        (fresh.json["count"].clone(), fresh.json["last_used_time"].clone()),
        (json!(0), json!(null))
    );
    cloud.call(Method::GET, "/api/tokens", Some(&user), None).await;
    cloud
        .call(Method::GET, "/api/tokens?limit=0", Some(&user), None)
        .await; // 422
    cloud.call(Method::GET, "/api/tokens/1", Some(&user), None).await; // 403
    cloud
        .call(Method::GET, "/api/auth/tokens/77", Some(&user), None)
        .await; // 404
    cloud.emulator.advance_clock(Duration::from_secs(5));
    let own = cloud.read(&user, 2).await;
    assert_eq!(own.json["count"], 5, "this read included: {}", own.json);
    let stamped = own.str("last_used_time");
    assert_ne!(
        stamped,
        fresh.str("created_date"),
        "stamped at the last call, 5 s on"
    );
    // A logged-in token counts against no job token.
    let logged_in = cloud.login(USER).await;
    cloud
        .call(Method::GET, "/api/auth/tokens", Some(&logged_in), None)
        .await;
    assert_eq!(cloud.read(&admin, 2).await.json["count"], 5);
    // Refused credentials count nothing: a revoked token's count stays.
    cloud
        .form("/api/tokens/revoke", &admin, &format!("token={user}"))
        .await;
    cloud.call(Method::GET, "/api/tokens", Some(&user), None).await;
    assert_eq!(cloud.read(&admin, 2).await.json["count"], 5);
    assert_eq!(
        cloud.read(&admin, 1).await.json["count"],
        5,
        "the admin's own reads and revoke"
    );
}
