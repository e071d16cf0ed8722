//! The store's behaviour as requests see it, each request sent through the
//! whole pipeline: memory that stays flat under load, idempotency keys and
//! rotated secrets purged when they expire, the bound on old secrets, and
//! what revoking a token leaves.

use std::time::Duration;

use http::Method;

use super::{call, call_keyed, frozen_v2, login_as, status_of};
use crate::account::Account;
use crate::clock::Clock;
use crate::faults::FaultSet;
use crate::protocol::ProtocolVersion;
use crate::state::State;
use crate::store::rotation::MAX_RETIRING;
use crate::store::{Sizes, Store};

/// The "flat memory" proof: under a loop of logins, creates and
/// deletes on the emulator's movable clock, the store holds what is
/// live and nothing more, however long the loop runs.
#[tokio::test]
async fn the_store_stays_flat_under_a_login_and_create_loop() {
    let accounts = [Account::admin("admin@x", "pw")];
    let state = State::new(
        Store::new(&accounts, 60),
        Clock::frozen(),
        FaultSet::default(),
        Duration::from_secs(30),
        ProtocolVersion::V2,
    );
    let login = r#"{"email":"admin@x","password":"pw"}"#;
    let mut largest = Sizes {
        secrets: 0,
        records: 0,
        expiring: 0,
        keys: 0,
    };
    for _ in 0..2_000 {
        let token = call(&state, Method::POST, "/api/login", None, login).await["token"]
            .as_str()
            .expect("a login token")
            .to_owned();
        for (kind, duration) in [("job_token", 30), ("api_key", 20)] {
            let created = call(
                &state,
                Method::POST,
                &format!("/api/{kind}"),
                Some(&token),
                &format!(r#"{{"duration":{duration}}}"#),
            )
            .await;
            assert!(created["duration"] == duration, "{created}");
        }
        // A long-lived token, deleted at once: nothing of it stays.
        let kept = call(&state, Method::POST, "/api/job_token", Some(&token), "{}").await;
        let id = kept["token_id"].as_i64().expect("an id");
        call(
            &state,
            Method::DELETE,
            &format!("/api/job_token/{id}"),
            Some(&token),
            "",
        )
        .await;
        state.advance_clock(Duration::from_secs(1));
        let sizes = state.store().sizes();
        largest.secrets = largest.secrets.max(sizes.secrets);
        largest.records = largest.records.max(sizes.records);
        largest.expiring = largest.expiring.max(sizes.expiring);
    }
    // Live at any moment: the logins of the last 60 s, the job tokens
    // of the last 30 s and the API keys of the last 20 s.
    assert!(largest.secrets <= 60 + 30 + 20, "{largest:?}");
    assert!(largest.records <= 30 + 20, "{largest:?}");
    assert_eq!(largest.expiring, largest.secrets, "{largest:?}");
    assert_eq!(state.token_counts(), (29, 19));
    // Once everything has expired, nothing is left.
    state.advance_clock(Duration::from_secs(60));
    let empty = Sizes {
        secrets: 0,
        records: 0,
        expiring: 0,
        keys: 0,
    };
    assert_eq!(state.store().sizes(), empty);
}

/// Remembered idempotency keys go the way of expired tokens: purged
/// through the expiry index once their 86,400 s have passed, whatever
/// the tokens they created did meanwhile.
#[tokio::test]
async fn remembered_keys_are_purged_when_they_expire() {
    let accounts = [Account::admin("admin@x", "pw")];
    let state = State::new(
        Store::new(&accounts, 60),
        Clock::frozen(),
        FaultSet::default(),
        Duration::from_secs(30),
        ProtocolVersion::V2,
    );
    let login = r#"{"email":"admin@x","password":"pw"}"#;
    let token = call(&state, Method::POST, "/api/login", None, login).await["token"]
        .as_str()
        .expect("a login token")
        .to_owned();
    for i in 0..50 {
        let key = format!("key-{i}");
        for kind in ["job_token", "api_key"] {
            let path = format!("/api/{kind}");
            let body = r#"{"duration":30}"#;
            let first = call_keyed(&state, Method::POST, &path, Some(&token), Some(&key), body).await;
            let again = call_keyed(&state, Method::POST, &path, Some(&token), Some(&key), body).await;
            assert_eq!(first, again, "a replay");
        }
        // A refused request keeps nothing.
        let refused = call_keyed(
            &state,
            Method::POST,
            "/api/job_token",
            Some(&token),
            Some(&format!("refused-{i}")),
            r#"{"duration":0}"#,
        )
        .await;
        assert!(refused["error"].is_string(), "{refused}");
    }
    // One key per collection: the same key on another path is another
    // request (422), not another key.
    let sizes = state.store().sizes();
    assert_eq!((sizes.keys, state.token_counts()), (50, (50, 0)), "{sizes:?}");
    // The tokens expire; the keys stay, for 86,400 s from their request.
    state.advance_clock(Duration::from_secs(86_399));
    let sizes = state.store().sizes();
    assert_eq!(
        (sizes.keys, sizes.expiring, sizes.records),
        (50, 50, 0),
        "{sizes:?}"
    );
    state.advance_clock(Duration::from_secs(1));
    let empty = Sizes {
        secrets: 0,
        records: 0,
        expiring: 0,
        keys: 0,
    };
    assert_eq!(state.store().sizes(), empty);
}

/// Rotation's secrets: the old one works for its grace and not after,
/// each of two old secrets ends at its own time, an old secret may not
/// rotate again or be used to kill the token, and deleting the token
/// ends every grace, leaving nothing behind in the store.
#[tokio::test]
async fn rotated_secrets_live_out_their_grace_and_no_longer() {
    let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
    let login = login_as(&state, "admin@x", "pw").await;
    let created = call(
        &state,
        Method::POST,
        "/api/job_token",
        Some(&login),
        r#"{"label":"ci","duration":1000}"#,
    )
    .await;
    let first = created["token"].as_str().expect("a secret").to_owned();
    let whoami = |token: String| {
        let state = &state;
        async move { status_of(state, Method::GET, "/api/whoami", &token, "").await }
    };

    // Rotated with 60 s of grace, by the token itself.
    let (status, rotated) = status_of(
        &state,
        Method::POST,
        "/api/token/self/rotate",
        &first,
        r#"{"grace_seconds":60}"#,
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let second = rotated["token"].as_str().expect("a new secret").to_owned();
    assert_ne!(first, second);
    for field in ["token_id", "label", "duration", "created_at", "expires_at"] {
        assert_eq!(rotated[field], created[field], "{field}");
    }
    assert!(rotated["rotated_at"].is_u64(), "{rotated}");
    // The old secret still works, says so in its expiry, and may not
    // rotate the token again.
    let (status, who) = whoami(first.clone()).await;
    assert_eq!(
        (status, who["token_id"].clone(), who["label"].clone()),
        (200, created["token_id"].clone(), "ci".into())
    );
    assert_eq!(
        who["expires_at"].as_u64(),
        rotated["rotated_at"].as_u64().map(|t| t + 60)
    );
    let (status, _) = status_of(&state, Method::POST, "/api/token/self/rotate", &first, "{}").await;
    assert_eq!(status, 403);

    // Rotated again by the owner, with 10 s of grace: two old secrets.
    state.advance_clock(Duration::from_secs(20));
    let id = created["token_id"].as_i64().expect("an id");
    let path = format!("/api/job_token/{id}/rotate");
    let (status, again) = status_of(&state, Method::POST, &path, &login, r#"{"grace_seconds":10}"#).await;
    assert_eq!(status, 200, "{again}");
    let third = again["token"].as_str().expect("a new secret").to_owned();
    for secret in [&first, &second, &third] {
        assert_eq!(whoami(secret.clone()).await.0, 200);
    }
    // The second's grace ends first (10 s), then the first's (60 s).
    state.advance_clock(Duration::from_secs(10));
    assert_eq!(whoami(second.clone()).await.0, 401);
    assert_eq!(whoami(first.clone()).await.0, 200);
    state.advance_clock(Duration::from_secs(30));
    assert_eq!(whoami(first.clone()).await.0, 401);
    // A secret rotated away is refused, and changes nothing.
    let (status, _) = status_of(&state, Method::POST, "/api/token/self/rotate", &second, "{}").await;
    assert_eq!(status, 401);
    let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &first, "").await;
    assert_eq!(status, 401);
    assert_eq!(whoami(third.clone()).await.0, 200);

    // Revoking an old secret in its grace ends that grace only.
    let (status, fourth) = status_of(&state, Method::POST, &path, &login, r#"{"grace_seconds":600}"#).await;
    assert_eq!(status, 200, "{fourth}");
    let fourth = fourth["token"].as_str().expect("a new secret").to_owned();
    let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &third, "").await;
    assert_eq!(status, 204);
    assert_eq!(whoami(third.clone()).await.0, 401);
    assert_eq!(whoami(fourth.clone()).await.0, 200);
    let read = status_of(&state, Method::GET, &format!("/api/job_token/{id}"), &login, "").await;
    assert_eq!((read.0, read.1["rotated_at"].is_u64()), (200, true), "{}", read.1);

    // Deleting the token ends every grace; nothing of it is left.
    let (_, fifth) = status_of(&state, Method::POST, &path, &login, r#"{"grace_seconds":600}"#).await;
    let fifth = fifth["token"].as_str().expect("a new secret").to_owned();
    let (status, _) = status_of(
        &state,
        Method::DELETE,
        &format!("/api/job_token/{id}"),
        &login,
        "",
    )
    .await;
    assert_eq!(status, 204);
    for secret in [&fourth, &fifth] {
        assert_eq!(whoami(secret.clone()).await.0, 401);
    }
    let sizes = state.store().sizes();
    assert_eq!(
        (sizes.records, sizes.secrets, sizes.expiring),
        (0, 1, 1),
        "{sizes:?}"
    );
}

/// A token rotated in a loop keeps at most `MAX_RETIRING` old secrets
/// in their grace: the oldest grace ends early.
#[tokio::test]
async fn old_secrets_are_bounded() {
    let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
    let login = login_as(&state, "admin@x", "pw").await;
    let created = call(&state, Method::POST, "/api/job_token", Some(&login), "{}").await;
    let mut secrets = vec![created["token"].as_str().expect("a secret").to_owned()];
    let extra = 2;
    for _ in 0..MAX_RETIRING + extra {
        let rotated = call(
            &state,
            Method::POST,
            "/api/job_token/1/rotate",
            Some(&login),
            r#"{"grace_seconds":600}"#,
        )
        .await;
        secrets.push(rotated["token"].as_str().expect("a new secret").to_owned());
    }
    for (i, secret) in secrets.iter().enumerate() {
        let status = status_of(&state, Method::GET, "/api/whoami", secret, "").await.0;
        assert_eq!(status, if i < extra { 401 } else { 200 }, "secret {i}");
    }
    let sizes = state.store().sizes();
    assert_eq!(sizes.secrets, 1 + MAX_RETIRING + 1, "{sizes:?}");
    assert_eq!(sizes.expiring, sizes.secrets, "{sizes:?}");
}

/// Revoke-self of each type of token, and what each leaves working.
#[tokio::test]
async fn a_token_revokes_itself_and_nothing_else() {
    let state = frozen_v2(&[Account::admin("admin@x", "pw")]);
    let login = login_as(&state, "admin@x", "pw").await;
    let spare = login_as(&state, "admin@x", "pw").await;
    for path in ["/api/job_token", "/api/api_key"] {
        let created = call(&state, Method::POST, path, Some(&login), "{}").await;
        let secret = created["token"]
            .as_str()
            .or(created["api_key"].as_str())
            .expect("a secret")
            .to_owned();
        let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &secret, "").await;
        assert_eq!(status, 204, "{path}");
        for (method, route) in [(Method::GET, "/api/whoami"), (Method::DELETE, "/api/token/self")] {
            assert_eq!(
                status_of(&state, method, route, &secret, "").await.0,
                401,
                "{path}"
            );
        }
        let listed = call(&state, Method::GET, path, Some(&login), "").await;
        assert_eq!(
            listed
                .as_object()
                .map(|o| o.values().any(|v| v.as_array().is_some_and(|a| a.is_empty()))),
            Some(true),
            "{listed}"
        );
    }
    let (status, _) = status_of(&state, Method::DELETE, "/api/token/self", &login, "").await;
    assert_eq!(status, 204);
    assert_eq!(
        status_of(&state, Method::GET, "/api/whoami", &login, "").await.0,
        401
    );
    assert_eq!(
        status_of(&state, Method::GET, "/api/whoami", &spare, "").await.0,
        200
    );
    let sizes = state.store().sizes();
    assert_eq!((sizes.secrets, sizes.expiring), (1, 1), "{sizes:?}");
}
