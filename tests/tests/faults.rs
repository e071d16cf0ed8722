//! The stack on a bad network: the emulator's injected faults against the
//! transport's timeouts, retries and typed errors.

use std::time::{Duration, Instant};

use steps::ErrorKind;
use steps_core::{CreateJobToken, Operation, ReadJobToken, Whoami};
use steps_emulator::{Emulator, Fault, FaultRule, ProtocolVersion, When};
use steps_tests::{client, client_builder, config, emulator, USER};

fn rule(operation: &str, when: When, fault: Fault) -> Vec<FaultRule> {
    vec![FaultRule::new(Some(operation), when, fault)]
}

/// An emulator serving protocol v1, where a create carries no idempotency
/// key and is never sent twice (against v2 it is retried: see
/// `fault_suite.rs`).
async fn emulator_v1() -> Emulator {
    Emulator::start(config().protocol(ProtocolVersion::V1))
        .await
        .expect("the emulator starts")
}

#[tokio::test]
async fn latency_past_the_request_timeout_fails_within_a_second_of_it() {
    let emulator = emulator().await;
    let client = client_builder(emulator.base_url())
        .transport(|t| t.request_timeout(Duration::from_millis(500)))
        .build()
        .expect("client");
    let user = client.login(USER.0, USER.1).await.expect("login");
    emulator.set_faults(rule(Whoami::NAME, When::Always, Fault::Latency { ms: 5_000 }));
    let started = Instant::now();
    let error = user.whoami().await.expect_err("times out");
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn two_503s_are_retried_for_a_read_and_reported_for_a_create() {
    let emulator = emulator_v1().await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("login");
    let token = user.job_tokens().create().send().await.expect("create");
    let unavailable = Fault::Status {
        status: 503,
        retry_after: Some(0),
    };

    emulator.set_faults(rule(ReadJobToken::NAME, When::First(2), unavailable.clone()));
    user.job_tokens()
        .get(token.token_id)
        .send()
        .await
        .expect("the third attempt succeeds");
    assert_eq!(emulator.requests_seen(ReadJobToken::NAME), 3);

    let creates_before = emulator.requests_seen(CreateJobToken::NAME);
    emulator.set_faults(rule(CreateJobToken::NAME, When::First(2), unavailable));
    let error = user
        .job_tokens()
        .create()
        .send()
        .await
        .expect_err("a create is not retried");
    assert_eq!(
        emulator.requests_seen(CreateJobToken::NAME) - creates_before,
        1,
        "exactly one attempt"
    );
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown);
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_create_whose_connection_closes_after_sending_has_an_unknown_outcome() {
    let emulator = emulator_v1().await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("login");
    emulator.set_faults(rule(CreateJobToken::NAME, When::Always, Fault::Close));
    let error = user
        .job_tokens()
        .create()
        .label("x")
        .send()
        .await
        .expect_err("closed");
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(error.effect(), Some(steps::steps_core::Effect::Create));
    assert!(
        error
            .to_string()
            .contains("outcome unknown: the token may have been created"),
        "{error}"
    );
    assert_eq!(emulator.requests_seen(CreateJobToken::NAME), 1);

    // The same fault on a read is retried, then reported as a network error.
    emulator.set_faults(rule(Whoami::NAME, When::Always, Fault::Close));
    assert_eq!(user.whoami().await.expect_err("closed").kind(), ErrorKind::Io);
    assert_eq!(emulator.requests_seen(Whoami::NAME), 3);
}

#[tokio::test]
async fn bad_bodies_surface_as_typed_errors() {
    let emulator = emulator().await;
    let client = client_builder(emulator.base_url())
        .transport(|t| t.max_response_body(64 * 1024))
        .build()
        .expect("client");
    let user = client.login(USER.0, USER.1).await.expect("login");

    emulator.set_faults(rule(Whoami::NAME, When::Always, Fault::Truncate));
    assert_eq!(user.whoami().await.expect_err("truncated").kind(), ErrorKind::Io);

    emulator.set_faults(rule(Whoami::NAME, When::Always, Fault::InvalidJson));
    let error = user.whoami().await.expect_err("invalid JSON");
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert!(error.to_string().contains("malformed JSON"), "{error}");

    emulator.set_faults(rule(Whoami::NAME, When::Always, Fault::Html { status: 502 }));
    let error = user.whoami().await.expect_err("HTML 502");
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert_eq!(error.status(), Some(502));
    assert!(error.to_string().contains("Bad Gateway"), "{error}");
    assert_eq!(
        emulator.requests_seen(Whoami::NAME),
        3 + 1 + 3,
        "truncated and 502 are retried; bad JSON is not"
    );

    emulator.set_faults(rule(
        Whoami::NAME,
        When::Always,
        Fault::LargeBody { bytes: 1 << 20 },
    ));
    assert_eq!(
        user.whoami().await.expect_err("too large").kind(),
        ErrorKind::BodyTooLarge
    );

    emulator.set_faults(rule(
        Whoami::NAME,
        When::Always,
        Fault::Status {
            status: 429,
            retry_after: Some(3600),
        },
    ));
    let error = user.whoami().await.expect_err("rate limited past the cap");
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(error.is_retryable());
    assert!(error.request_id().is_some_and(|id| id.starts_with("req-")));
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    emulator.shutdown().await;
    let client = client(&url);
    let error = client.login(USER.0, USER.1).await.expect_err("nothing listens");
    assert_eq!(error.kind(), ErrorKind::Connect);
}

/// A server that accepts connections and never answers the TLS handshake
/// (a load balancer with a dead backend): the attempts' connecting time is
/// bounded by the connect timeout, and a create that never got a connection
/// times out as a plain timeout, not "the token may have been created".
#[tokio::test]
async fn a_create_that_never_finished_connecting_times_out_without_an_unknown_outcome() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("address"));
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = tokio::spawn({
        let accepted = accepted.clone();
        async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(stream); // read nothing, answer nothing
            }
        }
    });
    let client = client_builder(&url)
        .transport(|t| {
            t.connect_timeout(Duration::from_millis(800))
                .request_timeout(Duration::from_millis(2_000))
        })
        .build()
        .expect("client");
    let session = client.session_from_token("stl_TEST_token");
    let started = Instant::now();
    let error = session
        .job_tokens()
        .create()
        .label("never")
        .send()
        .await
        .expect_err("no handshake");
    let elapsed = started.elapsed();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    // The client's capability request goes first (one attempt, cut by the
    // connect timeout), then the create's 2 s.
    assert!(elapsed < Duration::from_millis(3_500), "{elapsed:?}");
    // Connecting timed out, so the create was tried again: nothing was sent.
    assert!(
        accepted.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "each attempt connects anew"
    );
    server.abort();
}
