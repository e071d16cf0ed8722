//! A session's own token under races and lost answers (issue 24, items 2
//! and 3): a logout while a renewal is under way revokes the token the
//! renewal installs, and a self-rotation whose answer is lost is recovered
//! (keyed, with a grace long enough for the re-send) or reported unknown
//! (a grace shorter than the request timeout: unkeyed, never re-sent).

use std::time::Duration;

use steps::{ErrorKind, RotatedSelf};
use steps_core::{Login, Operation, RotateSelf, Whoami};
use steps_emulator::{Emulator, Fault, FaultRule, When};
use steps_tests::{client, config, control_get, USER};

async fn emulator() -> Emulator {
    Emulator::start(config().control(true))
        .await
        .expect("the emulator starts")
}

/// How many live login tokens the emulator holds, from its exported state.
async fn login_tokens(emulator: &Emulator) -> usize {
    let state = control_get(emulator, "/_steps/state").await;
    let state: serde_json::Value = serde_json::from_str(&state).expect("the state is JSON");
    state["login_tokens"]
        .as_array()
        .expect("a list of login tokens")
        .len()
}

#[tokio::test]
async fn a_logout_during_a_renewal_revokes_the_token_the_renewal_installs() {
    let emulator = emulator().await;
    let client = client(emulator.base_url());
    let session = client.login(USER.0, USER.1).await.expect("user logs in");
    assert_eq!(login_tokens(&emulator).await, 1);
    let first = session.login_token().expect("a login session").token;
    // The next whoami is refused (the session logs in again), and that
    // login is held long enough for the logout to start meanwhile.
    emulator.set_faults(vec![
        FaultRule::new(
            Some(Whoami::NAME),
            When::First(1),
            Fault::Status {
                status: 401,
                retry_after: None,
            },
        ),
        FaultRule::new(Some(Login::NAME), When::Always, Fault::SlowHandler { ms: 600 }),
    ]);
    let renewing = tokio::spawn({
        let session = session.clone();
        async move { session.whoami().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        emulator.requests_seen(Login::NAME),
        2,
        "the renewal's login is under way"
    );
    assert!(session.logout().await.expect("logout"), "revoked on a v2 server");
    // The repeated whoami may or may not beat the revocation: only the
    // server's view of the tokens matters here.
    let _ = renewing.await.expect("the call ends");
    emulator.set_faults(Vec::new());

    // Both the token the logout found and the one the renewal obtained
    // are revoked: nothing the session ever held stays valid.
    assert_eq!(
        login_tokens(&emulator).await,
        0,
        "no login token outlives the logout"
    );
    let error = client
        .session_from_token(first)
        .whoami()
        .await
        .expect_err("the first token is revoked");
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error}");
    emulator.shutdown().await;
}

/// A job token's own session, for self-rotation.
async fn job_token_session(emulator: &Emulator) -> (steps::Client, steps::Session) {
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("user logs in");
    let job = user.job_tokens().create().send().await.expect("create");
    let secret = job.token.expect("a create carries its secret");
    let session = client.session_from_token(secret);
    (client, session)
}

fn new_secret(rotated: &RotatedSelf) -> steps::Secret {
    match rotated {
        RotatedSelf::JobToken(token) => token.token.clone().expect("the new secret"),
        other => panic!("a job token rotated itself: {other:?}"),
    }
}

#[tokio::test]
async fn a_lost_self_rotation_is_recovered_with_the_default_grace() {
    let emulator = emulator().await;
    let (client, session) = job_token_session(&emulator).await;
    // The rotation happens, and its answer is lost.
    emulator.set_faults(vec![FaultRule::new(
        Some(RotateSelf::NAME),
        When::First(1),
        Fault::CloseAfterHandled,
    )]);
    let rotated = session
        .rotate_self(None)
        .await
        .expect("the re-send, with the old secret still in its grace, returns the new secret");
    assert_eq!(
        emulator.requests_seen(RotateSelf::NAME),
        2,
        "sent again once, answered from the idempotency key"
    );
    let secret = new_secret(&rotated);
    let held = session.token();
    assert_eq!(
        held.secret().expose(),
        secret.expose(),
        "the session goes on with the new secret"
    );
    assert_eq!(
        held.token_type(),
        Some(steps::TokenType::Job),
        "and knows it is a job token's"
    );
    client
        .session_from_token(secret)
        .whoami()
        .await
        .expect("the new secret works");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_self_rotation_with_a_short_grace_is_sent_once_and_reported_unknown() {
    let emulator = emulator().await;
    let (_client, session) = job_token_session(&emulator).await;
    emulator.set_faults(vec![FaultRule::new(
        Some(RotateSelf::NAME),
        When::First(1),
        Fault::CloseAfterHandled,
    )]);
    let error = session
        .rotate_self(Some(Duration::ZERO))
        .await
        .expect_err("its answer was lost");
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");
    assert_eq!(error.idempotency_key(), None, "sent without a key");
    assert_eq!(
        emulator.requests_seen(RotateSelf::NAME),
        1,
        "never sent again: a re-send could only be refused"
    );
    emulator.shutdown().await;
}
