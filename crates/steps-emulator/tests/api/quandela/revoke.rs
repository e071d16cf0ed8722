//! `quandela.token.revoke` and `.reopen` (E7, E12): a form naming the
//! token by its secret, percent-decoded; twice is once; a token may revoke
//! itself; reopening leaves an expired token expired.

use std::time::Duration;

use http::Method;
use serde_json::json;

use super::{done, invalid, refused, Cloud};
use crate::support::USER;

#[tokio::test]
async fn revoke_and_reopen_take_the_secret_in_a_form() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    let (id, secret) = cloud.generate(&user, json!({})).await;
    for path in [
        "/api/tokens/revoke",
        "/api/tokens/revoke",
        "/api/auth/tokens/revoke",
    ] {
        done(&cloud.form(path, &user, &format!("token={secret}")).await);
        assert_eq!(cloud.read(&user, id).await.json["valid"], false, "{path}");
    }
    let reply = cloud.call(Method::GET, "/api/tokens", Some(&secret), None).await;
    refused(&reply, 401, "Invalid or expired job token");
    for path in [
        "/api/tokens/reopen",
        "/api/auth/tokens/reopen",
        "/api/tokens/reopen",
    ] {
        done(&cloud.form(path, &user, &format!("token={secret}")).await);
    }
    assert_eq!(
        cloud
            .call(Method::GET, "/api/tokens", Some(&secret), None)
            .await
            .status,
        200
    );
    // Percent-encoded as forms send it, with other fields around it.
    let encoded: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    done(
        &cloud
            .form("/api/tokens/revoke", &user, &format!("x=1&token={encoded}&y=%20"))
            .await,
    );
    assert_eq!(cloud.read(&user, id).await.json["valid"], false);
}

#[tokio::test]
async fn a_form_without_a_token_is_422_and_an_unknown_one_400() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    for path in ["/api/tokens/revoke", "/api/auth/tokens/reopen"] {
        for body in ["", "token=", "tokens=x", "x=1"] {
            invalid(&cloud.form(path, &user, body).await, "form", "token");
        }
        invalid(&cloud.form(path, &user, "token=%C3").await, "form", "_schema");
        // A JSON body is a body without the form's fields.
        let json_body = json!({"token": user});
        invalid(
            &cloud
                .call(Method::POST, path, Some(&user), Some(&json_body))
                .await,
            "form",
            "token",
        );
        refused(
            &cloud.form(path, &user, "token=_T_eyJnothing").await,
            400,
            "Invalid token",
        );
    }
    assert_eq!(cloud.read(&user, 2).await.json["valid"], true, "nothing changed");
}

#[tokio::test]
async fn only_the_owner_or_an_admin_revokes() {
    let mut cloud = Cloud::start().await;
    let (user, other, admin) = (cloud.user.clone(), cloud.other.clone(), cloud.admin.clone());
    refused(
        &cloud
            .form("/api/tokens/revoke", &user, &format!("token={other}"))
            .await,
        403,
        "Permission denied",
    );
    refused(
        &cloud
            .form("/api/tokens/reopen", &user, &format!("token={admin}"))
            .await,
        403,
        "Permission denied",
    );
    assert_eq!(
        cloud
            .call(Method::GET, "/api/tokens", Some(&other), None)
            .await
            .status,
        200
    );
    done(
        &cloud
            .form("/api/tokens/revoke", &admin, &format!("token={other}"))
            .await,
    );
    refused(
        &cloud.call(Method::GET, "/api/tokens", Some(&other), None).await,
        401,
        "Invalid or expired job token",
    );
    done(
        &cloud
            .form("/api/tokens/reopen", &admin, &format!("token={other}"))
            .await,
    );
    assert_eq!(
        cloud
            .call(Method::GET, "/api/tokens", Some(&other), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_token_revokes_itself_and_a_login_reopens_it() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    done(
        &cloud
            .form("/api/tokens/revoke", &user, &format!("token={user}"))
            .await,
    );
    refused(
        &cloud.call(Method::GET, "/api/tokens", Some(&user), None).await,
        401,
        "Invalid or expired job token",
    );
    let logged_in = cloud.login(USER).await;
    done(
        &cloud
            .form("/api/auth/tokens/reopen", &logged_in, &format!("token={user}"))
            .await,
    );
    assert_eq!(
        cloud
            .call(Method::GET, "/api/tokens", Some(&user), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn reopening_leaves_an_expired_token_expired() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    let (id, secret) = cloud.generate(&user, json!({"duration": 10})).await;
    done(
        &cloud
            .form("/api/tokens/revoke", &user, &format!("token={secret}"))
            .await,
    );
    cloud.emulator.advance_clock(Duration::from_secs(10));
    // An expired token is still found by its secret.
    done(
        &cloud
            .form("/api/tokens/reopen", &user, &format!("token={secret}"))
            .await,
    );
    let read = cloud.read(&user, id).await;
    assert_eq!(read.json["valid"], false);
    let listed = cloud
        .call(
            Method::GET,
            "/api/tokens?include_expired=false",
            Some(&user),
            None,
        )
        .await;
    assert!(listed
        .json
        .as_array()
        .is_some_and(|a| a.iter().all(|t| t["id"] != id)));
    refused(
        &cloud.call(Method::GET, "/api/tokens", Some(&secret), None).await,
        401,
        "Invalid or expired job token",
    );
}
