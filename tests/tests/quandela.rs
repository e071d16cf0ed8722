//! The Quandela cloud's token API end to end: the facade
//! (`Dialect::Quandela`, `session.quandela()`) against the emulator in
//! `quandela` mode over TCP, each fact of `docs/quandela.md` the SDK
//! relies on.

use std::time::Duration;

use steps::{Client, Dialect, ErrorKind, Session};
use steps_core::{quandela, Operation};
use steps_emulator::{Api, Emulator, Fault, FaultRule, JobUsage, MintedToken, When};
use steps_tests::{config, USER};

async fn emulator() -> Emulator {
    Emulator::start(config().api(Api::Quandela))
        .await
        .expect("the emulator starts")
}

fn client(emulator: &Emulator) -> Client {
    let mut retry = steps::RetryPolicy::default();
    retry.base_delay = Duration::from_millis(10);
    Client::builder()
        .dialect(Dialect::Quandela)
        .base_url(emulator.base_url())
        .transport(|t| t.proxy(steps::Proxy::None).retry_policy(retry))
        .build()
        .expect("a client")
}

/// The job token the emulator minted for `email`.
fn minted(emulator: &Emulator, email: &str) -> MintedToken {
    emulator
        .minted_tokens()
        .into_iter()
        .find(|token| token.email == email)
        .expect("a token minted for the account")
}

/// A session on the job token minted for the user, as Perceval holds one.
fn user_session(emulator: &Emulator) -> Session {
    client(emulator).session_from_token(minted(emulator, USER.0).token)
}

#[tokio::test]
async fn generate_read_rename_and_delete() {
    let emulator = emulator().await;
    let session = user_session(&emulator);
    let cloud = session.quandela();

    let labelled = cloud
        .generate()
        .label("nightly")
        .duration(Duration::from_secs(3_600))
        .send()
        .await
        .expect("generate");
    assert!(labelled.token.expose().starts_with("_T_"), "the cloud's shape");
    assert_eq!(labelled.duration, Some(Duration::from_secs(3_600)));
    let plain = cloud.generate().send().await.expect("generate without a label");
    assert_ne!(plain.token_id, labelled.token_id);

    let read = cloud.get(labelled.token_id).send().await.expect("read");
    assert_eq!(read.id, labelled.token_id);
    assert_eq!(read.label.as_deref(), Some("nightly"));
    let (created, expires) = (
        read.created_at.expect("created"),
        read.expires_at.expect("expires"),
    );
    assert_eq!(
        expires.duration_since(created).ok(),
        Some(Duration::from_secs(3_600))
    );

    cloud
        .update(labelled.token_id)
        .label("renamed")
        .send()
        .await
        .expect("rename");
    let read = cloud.get(labelled.token_id).send().await.expect("read");
    assert_eq!(read.label.as_deref(), Some("renamed"));

    let taken = cloud
        .generate()
        .label("renamed")
        .send()
        .await
        .expect_err("labels are unique");
    assert_eq!(taken.kind(), ErrorKind::LabelTaken, "{taken}");

    cloud.delete(labelled.token_id).send().await.expect("delete one");
    let gone = cloud.get(labelled.token_id).send().await.expect_err("deleted");
    assert!(
        matches!(gone.kind(), ErrorKind::NotFound | ErrorKind::Api),
        "{gone}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn revoke_refuses_the_token_and_reopen_brings_it_back() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let session = user_session(&emulator);
    let made = session
        .quandela()
        .generate()
        .label("worker")
        .send()
        .await
        .expect("generate");
    let worker = client.session_from_token(made.token.clone());
    worker
        .quandela()
        .list()
        .send()
        .await
        .expect("the new token works");

    session
        .quandela()
        .revoke(made.token.clone())
        .send()
        .await
        .expect("revoke");
    let refused = worker.quandela().list().send().await.expect_err("revoked");
    assert_eq!(refused.kind(), ErrorKind::Unauthorized, "{refused}");
    let listed = session.quandela().list().send().await.expect("list");
    let entry = listed
        .iter()
        .find(|t| t.id == made.token_id)
        .expect("still listed");
    assert_eq!(entry.is_revoked, Some(true));
    let hidden = session
        .quandela()
        .list()
        .include_revoked(false)
        .send()
        .await
        .expect("list");
    assert!(
        hidden.iter().all(|t| t.id != made.token_id),
        "revoked ones hidden on request"
    );

    session
        .quandela()
        .reopen(made.token.clone())
        .send()
        .await
        .expect("reopen");
    worker.quandela().list().send().await.expect("works again");
    emulator.shutdown().await;
}

#[tokio::test]
async fn lists_filter_expired_tokens_and_count_their_use() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let session = user_session(&emulator);
    let short = session
        .quandela()
        .generate()
        .label("short")
        .duration(Duration::from_secs(60))
        .send()
        .await
        .expect("generate");
    let used = client.session_from_token(short.token.clone());
    for _ in 0..3 {
        used.quandela().list().send().await.expect("a call with it");
    }
    let entry = session.quandela().get(short.token_id).send().await.expect("read");
    assert_eq!(entry.count, Some(3), "every authenticated call counts");
    assert!(entry.last_used_at.is_some());

    emulator.advance_clock(Duration::from_secs(120));
    let all = session.quandela().list().send().await.expect("list");
    assert!(
        all.iter().any(|t| t.id == short.token_id),
        "expired ones listed by default"
    );
    let live = session
        .quandela()
        .list()
        .include_expired(false)
        .send()
        .await
        .expect("list");
    assert!(live.iter().all(|t| t.id != short.token_id));
    let expired = used.quandela().list().send().await.expect_err("expired");
    assert_eq!(expired.kind(), ErrorKind::Unauthorized, "{expired}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn pages_walk_2500_tokens_by_offset() {
    let emulator = emulator().await;
    let session = user_session(&emulator);
    for i in 0..2_500 {
        session
            .quandela()
            .generate()
            .label(format!("bulk-{i}"))
            .send()
            .await
            .expect("generate");
    }
    // The minted token and the 2,500.
    let all = session.quandela().list().send().await.expect("every page");
    assert_eq!(all.len(), 2_501);
    let mut pages = session.quandela().list().limit(1_000).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        sizes.push(page.expect("a page").items.len());
    }
    assert_eq!(sizes, [1_000, 1_000, 501]);
    let mut ids: Vec<i64> = all.iter().map(|t| t.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2_501, "no token twice");
    emulator.shutdown().await;
}

#[tokio::test]
async fn delete_many_and_usage_with_recorded_jobs() {
    let emulator = emulator().await;
    let session = user_session(&emulator);
    let mut ids = Vec::new();
    for label in ["a", "b", "c"] {
        ids.push(
            session
                .quandela()
                .generate()
                .label(label)
                .send()
                .await
                .expect("generate")
                .token_id,
        );
    }
    let usage = JobUsage::new(ids[0], "qpu:ascella", 2)
        .duration_seconds(60)
        .credits(12.5, 0.0);
    emulator.record_usage(usage).expect("recorded");
    emulator
        .record_usage(JobUsage::new(ids[0], "sim:slos", 1))
        .expect("recorded");
    let report = session
        .quandela()
        .usage(vec![ids[0]])
        .send()
        .await
        .expect("usage");
    let mine = report
        .iter()
        .find(|r| r.token_id == ids[0])
        .expect("the token's report");
    assert_eq!(mine.total_jobs, Some(3));
    let qpu = mine
        .usage
        .iter()
        .find(|u| u.platform_name.as_deref() == Some("qpu:ascella"))
        .expect("qpu");
    assert_eq!((qpu.nb_jobs, qpu.credits), (Some(2), Some(12.5)));

    session
        .quandela()
        .delete_many(ids.clone())
        .send()
        .await
        .expect("delete many");
    let left = session.quandela().list().send().await.expect("list");
    assert!(left.iter().all(|t| !ids.contains(&t.id)));
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_lost_generate_is_settled_by_its_label() {
    let emulator = emulator().await;
    let session = user_session(&emulator);
    let lose_one = || {
        emulator.set_faults(vec![FaultRule::new(
            Some(quandela::GenerateToken::NAME),
            When::First(1),
            Fault::CloseAfterHandled,
        )]);
    };

    lose_one();
    let error = session
        .quandela()
        .generate()
        .label("lost-1")
        .send()
        .await
        .expect_err("lost");
    assert_eq!(error.kind(), ErrorKind::SecretLost, "{error}");
    let lost = error.token_id().expect("the token that exists");
    let listed = session.quandela().list().send().await.expect("list");
    assert!(listed
        .iter()
        .any(|t| t.id == lost && t.label.as_deref() == Some("lost-1")));
    assert_eq!(
        emulator.requests_seen(quandela::GenerateToken::NAME),
        1,
        "never sent twice"
    );

    // Replaced: the lost one deleted, a new one with its secret.
    lose_one();
    let made = session
        .quandela()
        .generate()
        .label("lost-2")
        .replace_if_lost()
        .send()
        .await
        .expect("replaced");
    let listed = session.quandela().list().send().await.expect("list");
    let with_label: Vec<_> = listed
        .iter()
        .filter(|t| t.label.as_deref() == Some("lost-2"))
        .collect();
    assert_eq!(with_label.len(), 1, "one token with the label: the new one");
    assert_eq!(with_label[0].id, made.token_id);

    // Refused before anything was made: nothing to settle, safe to retry.
    emulator.set_faults(vec![FaultRule::new(
        Some(quandela::GenerateToken::NAME),
        When::First(1),
        Fault::Close,
    )]);
    let error = session.quandela().generate().label("lost-3").send().await;
    match error {
        Ok(_) => {}
        Err(error) => assert_eq!(error.kind(), ErrorKind::NotApplied, "{error}"),
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_logged_in_user_uses_the_auth_family() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let session = client.login(USER.0, USER.1).await.expect("/api/login");
    let made = session
        .quandela()
        .generate()
        .label("from-login")
        .send()
        .await
        .expect("generate");
    assert!(emulator.requests_seen(quandela::GenerateToken::NAME) >= 1);
    let listed = session.quandela().list().send().await.expect("list");
    assert!(listed.iter().any(|t| t.id == made.token_id));
    let refused = session
        .quandela()
        .usage(vec![made.token_id])
        .send()
        .await
        .expect_err("job token only");
    assert_eq!(refused.kind(), ErrorKind::InvalidInput, "{refused}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_quandela_operation_is_refused_by_a_client_of_our_protocol() {
    let emulator = emulator().await;
    let steps = Client::builder()
        .base_url(emulator.base_url())
        .transport(|t| t.proxy(steps::Proxy::None))
        .build()
        .expect("a client of our protocol");
    let session = steps.session_from_token(minted(&emulator, USER.0).token);
    let error = session
        .quandela()
        .list()
        .send()
        .await
        .expect_err("the wrong dialect");
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert_eq!(
        emulator.requests_seen(quandela::ListTokens::NAME),
        0,
        "nothing sent"
    );
    emulator.shutdown().await;
}
