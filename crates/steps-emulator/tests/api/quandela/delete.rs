//! `quandela.token.delete_by_ids` and `.delete_by_secrets` (E7, E13): all
//! or nothing, after checks in E13's order; deleted tokens are gone.

use http::Method;
use serde_json::{json, Value};

use super::{done, ids, invalid, refused, Cloud};

async fn by_ids(cloud: &mut Cloud, path: &str, token: &str, body: Value) -> crate::support::Reply {
    cloud.call(Method::POST, path, Some(token), Some(&body)).await
}

#[tokio::test]
async fn delete_by_ids_is_all_or_nothing() {
    let mut cloud = Cloud::start().await;
    let (user, admin) = (cloud.user.clone(), cloud.admin.clone());
    let (a, secret_a) = cloud.generate(&user, json!({"label": "a"})).await;
    let (b, _) = cloud.generate(&user, json!({})).await;
    let path = "/api/tokens/delete-by-ids";
    for (body, status, message) in [
        (json!({"token_ids": []}), 400, "Tokens not found"),
        (json!({"token_ids": [a, 999]}), 400, "Tokens not found"),
        (
            json!({"token_ids": [a, 18_446_744_073_709_551_615u64]}),
            400,
            "Tokens not found",
        ),
        (json!({"token_ids": [a, -1]}), 400, "Tokens not found"),
        (json!({"token_ids": [a, 3]}), 403, "Permission denied"),
        (
            json!({"token_ids": [a, 2]}),
            400,
            "Can't delete the current active token",
        ),
    ] {
        refused(
            &by_ids(&mut cloud, path, &user, body.clone()).await,
            status,
            message,
        );
    }
    // E13's order: not found before 403 before the calling token.
    refused(
        &by_ids(&mut cloud, path, &user, json!({"token_ids": [2, 3, 999]})).await,
        400,
        "Tokens not found",
    );
    refused(
        &by_ids(&mut cloud, path, &user, json!({"token_ids": [2, 3]})).await,
        403,
        "Permission denied",
    );
    let list = cloud.call(Method::GET, "/api/tokens", Some(&user), None).await;
    assert_eq!(ids(&list), [2, a, b], "nothing was deleted");
    for (body, field) in [
        (json!({}), "token_ids"),
        (json!({"token_ids": null}), "token_ids"),
        (json!({"token_ids": "1,2"}), "token_ids"),
        (json!({"token_ids": [1.5]}), "token_ids"),
        (json!({"token_ids": ["1"]}), "token_ids"),
    ] {
        invalid(&by_ids(&mut cloud, path, &user, body).await, "json", field);
    }
    done(
        &by_ids(
            &mut cloud,
            "/api/auth/tokens/delete-by-ids",
            &user,
            json!({"token_ids": [a, b, a]}),
        )
        .await,
    );
    assert_eq!(
        ids(&cloud.call(Method::GET, "/api/tokens", Some(&user), None).await),
        [2]
    );
    refused(&cloud.read(&user, a).await, 404, "Not found");
    refused(
        &cloud
            .call(Method::GET, "/api/tokens", Some(&secret_a), None)
            .await,
        401,
        "Invalid or expired job token",
    );
    // Deleted again: not found (a re-send's "already gone", A4).
    refused(
        &by_ids(&mut cloud, path, &user, json!({"token_ids": [a]})).await,
        400,
        "Tokens not found",
    );
    // An admin deletes anyone's; ids are never handed out again.
    done(&by_ids(&mut cloud, path, &admin, json!({"token_ids": [3]})).await);
    let (next, _) = cloud.generate(&user, json!({})).await;
    assert_eq!(next, b + 1);
}

#[tokio::test]
async fn a_logged_in_token_deletes_any_of_its_users_tokens() {
    let mut cloud = Cloud::start().await;
    let logged_in = cloud.login(crate::support::USER).await;
    let body = json!({"token_ids": [2]});
    done(&by_ids(&mut cloud, "/api/auth/tokens/delete-by-ids", &logged_in, body).await);
    let user = cloud.user.clone();
    refused(
        &cloud.call(Method::GET, "/api/tokens", Some(&user), None).await,
        401,
        "Invalid or expired job token",
    );
}

#[tokio::test]
async fn delete_by_secrets_is_all_or_nothing_too() {
    let mut cloud = Cloud::start().await;
    let (user, other) = (cloud.user.clone(), cloud.other.clone());
    let (a, secret_a) = cloud.generate(&user, json!({})).await;
    let (_, secret_b) = cloud.generate(&user, json!({})).await;
    for path in ["/api/tokens/delete", "/api/auth/tokens/delete"] {
        for (body, status, message) in [
            (json!({}), 400, "Tokens not found"),
            (json!({"tokens": null}), 400, "Tokens not found"),
            (json!({"tokens": []}), 400, "Tokens not found"),
            (
                json!({"tokens": [secret_a, "_T_eyJnothing"]}),
                400,
                "Tokens not found",
            ),
            (json!({"tokens": [secret_a, other]}), 403, "Permission denied"),
            (
                json!({"tokens": [secret_a, user]}),
                400,
                "Can't delete the current active token",
            ),
        ] {
            let reply = cloud.call(Method::POST, path, Some(&user), Some(&body)).await;
            refused(&reply, status, message);
        }
        for body in [json!({"tokens": "x"}), json!({"tokens": [1]})] {
            invalid(
                &cloud.call(Method::POST, path, Some(&user), Some(&body)).await,
                "json",
                "tokens",
            );
        }
    }
    let body = json!({"tokens": [secret_a, secret_b, secret_a]});
    done(
        &cloud
            .call(Method::POST, "/api/tokens/delete", Some(&user), Some(&body))
            .await,
    );
    assert_eq!(
        ids(&cloud.call(Method::GET, "/api/tokens", Some(&user), None).await),
        [2]
    );
    refused(&cloud.read(&user, a).await, 404, "Not found");
}
