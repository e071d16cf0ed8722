//! `steps::blocking` against the emulator over real TCP: a mirror of the
//! async lifecycle test (`lifecycle.rs`), paging, renewal through the same
//! session code, and the refusal to run inside an async runtime.
//!
//! These are plain `#[test]`s: the emulator runs on a runtime of its own in
//! the background, and the blocking client is used from the test's thread,
//! as a synchronous program would.

use std::time::Duration;

use steps::ErrorKind;
use steps_emulator::Emulator;
use steps_tests::background::{blocking_client as client, Background};
use steps_tests::{config, ADMIN, OTHER, USER};

#[test]
fn a_user_and_an_admin_go_through_the_whole_lifecycle() {
    let server = Background::start();
    let client = client(&server.url());
    let user = client.login(USER.0, USER.1).expect("user logs in");
    let admin = client.login(ADMIN.0, ADMIN.1).expect("admin logs in");
    assert_eq!(user.is_admin(), Some(false));
    assert_eq!(admin.is_admin(), Some(true));

    let created = user
        .job_tokens()
        .create()
        .label("nightly")
        .duration(Duration::from_secs(3600))
        .send()
        .expect("create");
    let secret = created.token.clone().expect("a create carries its secret");
    assert!(secret.expose().starts_with("stj_"));
    assert_eq!(created.duration, Duration::from_secs(3600));
    let read = user.job_tokens().get(created.token_id).send().expect("read");
    assert_eq!(read.label.as_deref(), Some("nightly"));
    assert!(read.token.is_none(), "a read never carries the secret");
    let default = user.job_tokens().create().send().expect("create with defaults");
    assert_eq!(default.duration, Duration::from_secs(99_999));

    let as_job = client.session_from_token(secret.expose());
    let me = as_job.whoami().expect("whoami with the job token");
    assert_eq!(me.token_type, Some(steps::TokenType::Job));

    let other = client.login(OTHER.0, OTHER.1).expect("other logs in");
    assert_eq!(
        other
            .job_tokens()
            .get(created.token_id)
            .send()
            .expect_err("not theirs")
            .kind(),
        ErrorKind::NotFound
    );
    // Protocol v2 (`own_tokens`): a user lists their own job tokens; API
    // keys stay an admin's.
    let ids = |tokens: Vec<steps::JobToken>| tokens.iter().map(|t| t.token_id).collect::<Vec<_>>();
    let own = vec![created.token_id, default.token_id];
    assert_eq!(ids(user.job_tokens().list().send().expect("own")), own);
    let bare = client.session_from_token(user.login_token().expect("a login session").token.expose());
    assert_eq!(ids(bare.job_tokens().list().send().expect("own")), own);
    assert_eq!(
        ids(other.job_tokens().list().send().expect("own")),
        Vec::<i64>::new()
    );
    assert_eq!(
        user.api_keys().list().send().expect_err("not admin").kind(),
        ErrorKind::AdminRequired
    );

    let all = admin.job_tokens().list().send().expect("admin lists");
    assert_eq!(
        all.iter().map(|t| t.token_id).collect::<Vec<_>>(),
        vec![created.token_id, default.token_id]
    );
    let key = admin
        .api_keys()
        .create()
        .label("gpu worker")
        .send()
        .expect("admin creates a key");
    let as_worker = client.session_from_token(key.token().expect("secret").expose());
    assert_eq!(
        as_worker.whoami().expect("worker").token_type,
        Some(steps::TokenType::ApiKey)
    );
    admin
        .api_keys()
        .delete(key.api_key_id)
        .send()
        .expect("delete key");
    assert_eq!(
        as_worker.whoami().expect_err("revoked").kind(),
        ErrorKind::Unauthorized
    );

    user.job_tokens().delete(created.token_id).send().expect("delete");
    assert_eq!(
        as_job
            .whoami()
            .expect_err("a deleted job token is refused")
            .kind(),
        ErrorKind::Unauthorized
    );
    assert_eq!(
        user.job_tokens()
            .get(created.token_id)
            .send()
            .expect_err("gone")
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        user.job_tokens()
            .get(-1)
            .send()
            .expect_err("never created")
            .kind(),
        ErrorKind::NotCreated
    );
}

#[test]
fn pages_iterate_and_clones_share_one_client() {
    let server = Background::start();
    let client = client(&server.url());
    let user = client.login(USER.0, USER.1).expect("login");
    let admin = client.clone().login(ADMIN.0, ADMIN.1).expect("login");
    let created: Vec<i64> = (0..25)
        .map(|i| {
            user.job_tokens()
                .create()
                .label(format!("t{i}"))
                .send()
                .expect("create")
                .token_id
        })
        .collect();
    let pages: Vec<_> = admin
        .job_tokens()
        .list()
        .limit(10)
        .pages()
        .collect::<Result<Vec<_>, _>>()
        .expect("every page");
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        vec![10, 10, 5]
    );
    let listed: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|t| t.token_id))
        .collect();
    assert_eq!(listed, created);

    // Threads share the client: the pool and the runtime are one.
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..5 {
                    user.whoami().expect("whoami from a thread");
                }
            });
        }
    });
}

#[test]
fn a_blocking_call_inside_an_async_runtime_is_an_error_not_a_deadlock() {
    let server = Background::start();
    let client = client(&server.url());
    let session = client.login(USER.0, USER.1).expect("login outside async");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let error = session.whoami().expect_err("refused inside async");
        assert_eq!(error.kind(), ErrorKind::BlockingInAsync);
        assert!(error.to_string().contains("async"), "{error}");
        let error = client.login(USER.0, USER.1).expect_err("refused inside async");
        assert_eq!(error.kind(), ErrorKind::BlockingInAsync);
        // The last clone dropped inside async code does not panic.
        drop(session.clone());
    });
    // Outside again, it works.
    session.whoami().expect("whoami outside async");
    // Dropping the client (and its runtime) inside an async task is safe.
    let moved = client.clone();
    drop(client);
    drop(session);
    runtime.block_on(async move { drop(moved) });
}

/// Issue 24, item 4: `spawn_blocking` is where async code may block, and
/// `Handle::try_current()` is `Ok` there too: the blocking client works
/// there (its calls run on its own runtime), while the async code around
/// it is still refused. The emulator runs on the test's own one-thread
/// runtime, which goes on serving while the blocking thread waits.
#[tokio::test]
async fn a_blocking_client_works_inside_spawn_blocking() {
    let emulator = Emulator::start(config()).await.expect("the emulator starts");
    let url = emulator.base_url().to_owned();
    let client = tokio::task::spawn_blocking(move || {
        let client = client(&url);
        let session = client.login(USER.0, USER.1).expect("login inside spawn_blocking");
        let job = session
            .job_tokens()
            .create()
            .label("from spawn_blocking")
            .send()
            .expect("create inside spawn_blocking");
        let listed = session
            .job_tokens()
            .list()
            .send()
            .expect("list inside spawn_blocking");
        assert!(listed.iter().any(|t| t.token_id == job.token_id), "{listed:?}");
        assert!(session.job_tokens().list().pages().all(|page| page.is_ok()));
        session
            .job_tokens()
            .delete(job.token_id)
            .send()
            .expect("delete inside spawn_blocking");
        session.whoami().expect("whoami inside spawn_blocking");
        client
    })
    .await
    .expect("the blocking closure ends");
    // In the async code itself, it is still refused.
    let error = client.capabilities().expect_err("refused inside async");
    assert_eq!(error.kind(), ErrorKind::BlockingInAsync);
    drop(client);
    emulator.shutdown().await;
}
