//! The whole stack against the emulator over real TCP: the lifecycle of a
//! user and an admin, revocation, paging and renewal.

use std::collections::HashSet;
use std::time::Duration;

use steps::ErrorKind;
use steps_core::{Login, Operation};
use steps_tests::{client, emulator, ADMIN, OTHER, USER};

#[tokio::test]
async fn a_user_and_an_admin_go_through_the_whole_lifecycle() {
    let emulator = emulator().await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("user logs in");
    let admin = client.login(ADMIN.0, ADMIN.1).await.expect("admin logs in");
    assert_eq!(user.is_admin(), Some(false));
    assert_eq!(admin.is_admin(), Some(true));

    let created = user
        .job_tokens()
        .create()
        .label("nightly")
        .duration(Duration::from_secs(3600))
        .send()
        .await
        .expect("create");
    let secret = created.token.clone().expect("a create carries its secret");
    assert!(secret.expose().starts_with("stj_"));
    assert_eq!(created.duration, Duration::from_secs(3600));
    assert_eq!(
        created.expires_at.duration_since(created.created_at).ok(),
        Some(Duration::from_secs(3600))
    );

    let read = user
        .job_tokens()
        .get(created.token_id)
        .send()
        .await
        .expect("read");
    assert_eq!(read.label.as_deref(), Some("nightly"));
    assert!(read.token.is_none(), "a read never carries the secret");
    let default = user
        .job_tokens()
        .create()
        .send()
        .await
        .expect("create with defaults");
    assert_eq!(default.duration, Duration::from_secs(99_999));
    assert_eq!(default.label, None);

    // The job token works as a credential, until it is deleted.
    let as_job = client.session_from_token(secret.expose());
    let me = as_job.whoami().await.expect("whoami with the job token");
    assert_eq!(me.token_type, Some(steps::TokenType::Job));
    assert_eq!(
        Some(me.user_id),
        user.login_token().expect("a login session").user_id
    );

    // Someone else sees nothing; a non-admin lists their own job tokens
    // (protocol v2, `own_tokens`) and cannot manage API keys.
    let other = client.login(OTHER.0, OTHER.1).await.expect("other logs in");
    assert_eq!(
        other
            .job_tokens()
            .get(created.token_id)
            .send()
            .await
            .expect_err("not theirs")
            .kind(),
        ErrorKind::NotFound
    );
    let ids = |tokens: Vec<steps::JobToken>| tokens.iter().map(|t| t.token_id).collect::<Vec<_>>();
    let own = vec![created.token_id, default.token_id];
    assert_eq!(ids(user.job_tokens().list().send().await.expect("own")), own);
    assert_eq!(
        ids(other.job_tokens().list().send().await.expect("own")),
        Vec::<i64>::new()
    );
    // Known from login not to be an admin: refused before anything is sent.
    assert_eq!(
        user.api_keys()
            .create()
            .send()
            .await
            .expect_err("not admin")
            .kind(),
        ErrorKind::AdminRequired
    );
    // With a bare token, the server decides.
    let bare = client.session_from_token(user.login_token().expect("a login session").token.expose());
    assert_eq!(
        bare.api_keys().list().send().await.expect_err("not admin").kind(),
        ErrorKind::Forbidden
    );

    // The admin sees all, reads any, and manages API keys.
    let all = admin.job_tokens().list().send().await.expect("admin lists");
    assert_eq!(
        all.iter().map(|t| t.token_id).collect::<Vec<_>>(),
        vec![created.token_id, default.token_id]
    );
    assert!(all.iter().all(|t| t.token.is_none()));
    admin
        .job_tokens()
        .get(created.token_id)
        .send()
        .await
        .expect("admin reads any");
    let key = admin
        .api_keys()
        .create()
        .label("gpu worker")
        .send()
        .await
        .expect("admin creates a key");
    assert!(key.token().expect("secret").expose().starts_with("stk_"));
    assert_eq!(
        admin
            .api_keys()
            .get(key.api_key_id)
            .send()
            .await
            .expect("read key")
            .label
            .as_deref(),
        Some("gpu worker")
    );
    assert_eq!(admin.api_keys().list().send().await.expect("list keys").len(), 1);
    let as_worker = client.session_from_token(key.token().expect("secret").expose());
    assert_eq!(
        as_worker.whoami().await.expect("worker").token_type,
        Some(steps::TokenType::ApiKey)
    );
    admin
        .api_keys()
        .delete(key.api_key_id)
        .send()
        .await
        .expect("delete key");
    assert_eq!(
        as_worker.whoami().await.expect_err("revoked").kind(),
        ErrorKind::Unauthorized
    );

    user.job_tokens()
        .delete(created.token_id)
        .send()
        .await
        .expect("delete");
    let error = as_job.whoami().await.expect_err("a deleted job token is refused");
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(error.status(), Some(401));
    assert!(error.message().is_some());
    assert_eq!(
        user.job_tokens()
            .get(created.token_id)
            .send()
            .await
            .expect_err("gone")
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        user.job_tokens()
            .get(-1)
            .send()
            .await
            .expect_err("never created")
            .kind(),
        ErrorKind::NotCreated
    );
}

#[tokio::test]
async fn paging_over_2500_tokens_returns_each_exactly_once() {
    let emulator = emulator().await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("login");
    let admin = client.login(ADMIN.0, ADMIN.1).await.expect("login");
    let mut created = Vec::new();
    for chunk in 0..25 {
        let tasks: Vec<_> = (0..100)
            .map(|i| {
                let user = user.clone();
                tokio::spawn(async move {
                    user.job_tokens()
                        .create()
                        .label(format!("t{chunk}-{i}"))
                        .send()
                        .await
                })
            })
            .collect();
        for task in tasks {
            created.push(task.await.expect("task").expect("create").token_id);
        }
    }
    let listed: Vec<i64> = admin
        .job_tokens()
        .list()
        .send()
        .await
        .expect("list")
        .iter()
        .map(|t| t.token_id)
        .collect();
    assert_eq!(listed.len(), 2500);
    let unique: HashSet<_> = listed.iter().collect();
    assert_eq!(unique.len(), 2500, "no token twice");
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "ids ascend");
    assert_eq!(unique, created.iter().collect(), "every created token once");

    // Walked lazily, with small pages.
    let mut pages = admin.job_tokens().list().limit(700).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        sizes.push(page.expect("page").items.len());
    }
    assert_eq!(sizes, vec![700, 700, 700, 400]);
}

#[tokio::test]
async fn a_session_with_credentials_logs_in_again_when_its_token_expired() {
    let emulator = emulator().await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("login");
    let token = user.job_tokens().create().send().await.expect("create");
    // The server's clock passes the login token's lifetime; the client's
    // does not know it yet, so the server answers 401 and the session
    // renews and repeats.
    emulator.advance_clock(Duration::from_secs(86_401));
    let read = user.job_tokens().get(token.token_id).send().await;
    // The job token itself expired too (99,999 s > 86,401 s, so it lives).
    assert_eq!(read.expect("renewed and repeated").token_id, token.token_id);
    assert_eq!(emulator.requests_seen(Login::NAME), 2);

    // A token-only session cannot renew: the 401 surfaces.
    emulator.advance_clock(Duration::from_secs(86_401));
    let stale = client.session_from_token(user.login_token().expect("a login session").token.expose());
    assert_eq!(
        stale.whoami().await.expect_err("expired").kind(),
        ErrorKind::Unauthorized
    );
}
