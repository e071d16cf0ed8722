//! The retry and timeout policy, without sockets: a scripted sender and
//! tokio's paused clock.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use steps_core::{CloudContext, CreateJobToken, Credential, DeleteJobToken, ReadJobToken, Secret};
use steps_transport::{BoxFuture, RetryPolicy, SendError, SendRequest, Transport, TransportError};

/// One scripted answer.
enum Step {
    Status(u16, &'static [(&'static str, &'static str)]),
    Ok(&'static str),
    Connect,
    Io,
    /// The connection failed before it took the request.
    NotSent,
    Tls,
    Hang,
    /// A gateway's HTML page with this status.
    Html(u16),
}

struct Script {
    steps: Mutex<VecDeque<Step>>,
    /// Every request sent: method, URI, headers and body, as text.
    sent: Mutex<Vec<String>>,
}

impl SendRequest for Script {
    fn send(
        &self,
        request: Request<Bytes>,
        _limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        self.sent.lock().unwrap().push(format!(
            "{} {} {:?} {:?} {:?}",
            request.method(),
            request.uri(),
            request.version(),
            request.headers(),
            request.body()
        ));
        let step = self
            .steps
            .lock()
            .unwrap()
            .pop_front()
            .expect("the script ran out: too many attempts");
        Box::pin(async move {
            let error = || Box::new(std::io::Error::other("scripted")) as steps_transport::BoxError;
            match step {
                Step::Status(status, headers) => {
                    let mut builder = Response::builder().status(status);
                    for (name, value) in headers {
                        builder = builder.header(*name, *value);
                    }
                    Ok(builder
                        .body(Bytes::from_static(br#"{"error":"scripted"}"#))
                        .unwrap())
                }
                Step::Ok(body) => Ok(Response::builder()
                    .status(200)
                    .body(Bytes::from_static(body.as_bytes()))
                    .unwrap()),
                Step::Html(status) => Ok(Response::builder()
                    .status(status)
                    .header("content-type", "text/html")
                    .body(Bytes::from_static(b"<html>Not Found</html>"))
                    .unwrap()),
                Step::Connect => Err(SendError::Connect(error())),
                Step::Io => Err(SendError::Io(error())),
                Step::NotSent => Err(SendError::NotSent(error())),
                Step::Tls => Err(SendError::Tls(error())),
                Step::Hang => {
                    std::future::pending::<()>().await;
                    unreachable!()
                }
            }
        })
    }
}

const RECORD: &str =
    r#"{"token_id":7,"user_id":2,"label":null,"duration":60,"created_at":1,"expires_at":61,"token":"stj_x"}"#;

fn transport(steps: Vec<Step>) -> (Transport, Arc<Script>) {
    let script = Arc::new(Script {
        steps: Mutex::new(steps.into()),
        sent: Mutex::new(Vec::new()),
    });
    let transport = Transport::builder()
        .request_timeout(Duration::from_secs(30))
        .sender(script.clone())
        .build(CloudContext::new("http://127.0.0.1:9").unwrap())
        .unwrap();
    (transport, script)
}

fn read() -> ReadJobToken {
    ReadJobToken::new(7)
}

fn create() -> CreateJobToken {
    CreateJobToken::new()
}

fn delete() -> DeleteJobToken {
    DeleteJobToken::new(7)
}

fn user() -> Credential {
    Credential::bearer(Secret::new("stl_x"))
}

fn sent(script: &Script) -> usize {
    script.sent.lock().unwrap().len()
}

/// Asserts that every attempt sent the same request, byte for byte.
fn attempts_are_identical(script: &Script) {
    let sent = script.sent.lock().unwrap();
    assert!(sent.len() > 1, "{sent:?}");
    assert!(sent.iter().all(|request| *request == sent[0]), "{sent:#?}");
}

#[tokio::test(start_paused = true)]
async fn a_read_is_retried_through_transient_failures() {
    let (t, script) = transport(vec![Step::Status(503, &[]), Step::Io, Step::Ok(RECORD)]);
    let token = t.execute(&read(), &user()).await.expect("third attempt succeeds");
    assert_eq!(token.token_id, 7);
    assert_eq!(sent(&script), 3);
    attempts_are_identical(&script);
}

#[tokio::test(start_paused = true)]
async fn a_read_stops_after_max_attempts_with_the_last_error() {
    let (t, script) = transport(vec![
        Step::Status(502, &[]),
        Step::Status(504, &[]),
        Step::Status(503, &[]),
    ]);
    let error = t.execute(&read(), &user()).await.expect_err("all attempts fail");
    assert_eq!(error.response().map(|r| r.status().as_u16()), Some(503));
    assert_eq!(sent(&script), 3);
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 500] {
        let (t, script) = transport(vec![Step::Status(status, &[])]);
        let error = t.execute(&read(), &user()).await.expect_err("fails");
        assert_eq!(error.response().map(|r| r.status().as_u16()), Some(status));
        assert_eq!(sent(&script), 1, "status {status}");
    }
    let (t, script) = transport(vec![Step::Tls]);
    assert!(matches!(
        t.execute(&read(), &user()).await,
        Err(TransportError::Tls { .. })
    ));
    assert_eq!(sent(&script), 1);
}

#[tokio::test(start_paused = true)]
async fn a_wait_past_the_deadline_returns_the_answer_at_once() {
    // The request timeout is 30 s; a Retry-After of 30 s is within the
    // policy's cap but would end after the deadline: sleeping into it
    // would turn a clear 503 into a timeout 30 s later.
    let (t, script) = transport(vec![Step::Status(503, &[("retry-after", "30")])]);
    let started = tokio::time::Instant::now();
    let error = t
        .execute(&read(), &user())
        .await
        .expect_err("the answer, not a timeout");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(matches!(error, TransportError::Response(_)), "{error:?}");
    assert_eq!(sent(&script), 1);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_waited_for_and_too_long_a_wait_is_not() {
    let (t, script) = transport(vec![Step::Status(429, &[("retry-after", "7")]), Step::Ok(RECORD)]);
    let started = tokio::time::Instant::now();
    t.execute(&read(), &user())
        .await
        .expect("succeeds after the wait");
    assert_eq!(started.elapsed().as_secs(), 7);
    assert_eq!(sent(&script), 2);

    let (t, script) = transport(vec![Step::Status(429, &[("retry-after", "600")])]);
    let error = t
        .execute(&read(), &user())
        .await
        .expect_err("the wait is over the cap");
    assert_eq!(
        error.response().and_then(|r| r.retry_after()),
        Some(Duration::from_secs(600))
    );
    assert_eq!(sent(&script), 1);
}

#[tokio::test(start_paused = true)]
async fn a_create_is_sent_once_and_a_5xx_leaves_its_outcome_unknown() {
    let (t, script) = transport(vec![Step::Status(503, &[]), Step::Ok(RECORD)]);
    let error = t.execute(&create(), &user()).await.expect_err("not retried");
    assert!(
        matches!(error, TransportError::OutcomeUnknown { .. }),
        "{error:?}"
    );
    assert_eq!(error.response().map(|r| r.status().as_u16()), Some(503));
    assert!(error.to_string().contains("may have taken effect"));
    assert_eq!(sent(&script), 1);
}

#[tokio::test(start_paused = true)]
async fn a_create_whose_connection_failed_mid_request_is_not_resent() {
    let (t, script) = transport(vec![Step::Io, Step::Ok(RECORD)]);
    let error = t.execute(&create(), &user()).await.expect_err("not retried");
    assert!(
        matches!(error, TransportError::OutcomeUnknown { .. }),
        "{error:?}"
    );
    assert_eq!(sent(&script), 1);
}

#[tokio::test(start_paused = true)]
async fn a_create_that_never_connected_is_retried() {
    let (t, script) = transport(vec![Step::Connect, Step::Ok(RECORD)]);
    let token = t
        .execute(&create(), &user())
        .await
        .expect("the second attempt connects");
    assert_eq!(token.token.as_ref().map(Secret::expose), Some("stj_x"));
    assert_eq!(sent(&script), 2);
    attempts_are_identical(&script);
}

#[tokio::test(start_paused = true)]
async fn a_create_the_connection_failed_before_taking_is_retried() {
    let (t, script) = transport(vec![Step::NotSent, Step::Ok(RECORD)]);
    t.execute(&create(), &user())
        .await
        .expect("the second attempt is answered");
    assert_eq!(sent(&script), 2);
    attempts_are_identical(&script);
    // Without retries, the error says it was not sent.
    let (t, _) = transport(vec![Step::NotSent]);
    let error = t
        .execute_with(&create(), &user(), &RetryPolicy::never())
        .await
        .expect_err("not retried");
    assert!(matches!(error, TransportError::NotSent { .. }), "{error:?}");
    assert!(error.to_string().contains("not sent"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_create_refused_with_4xx_is_a_plain_error() {
    let (t, _) = transport(vec![Step::Status(429, &[("retry-after", "1")])]);
    let error = t.execute(&create(), &user()).await.expect_err("refused");
    assert!(matches!(error, TransportError::Response(_)), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn the_request_timeout_bounds_the_whole_call() {
    let (t, _) = transport(vec![Step::Hang]);
    let started = tokio::time::Instant::now();
    let error = t.execute(&read(), &user()).await.expect_err("times out");
    assert!(matches!(error, TransportError::Timeout { .. }), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(30));

    let (t, _) = transport(vec![Step::Hang]);
    let error = t.execute(&create(), &user()).await.expect_err("times out");
    assert!(
        matches!(error, TransportError::OutcomeUnknown { .. }) && error.is_timeout(),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_policy_of_one_attempt_never_retries() {
    let script = Arc::new(Script {
        steps: Mutex::new(vec![Step::Status(503, &[])].into()),
        sent: Mutex::new(Vec::new()),
    });
    let t = Transport::builder()
        .retry_policy(RetryPolicy::never())
        .sender(script.clone())
        .build(CloudContext::new("http://127.0.0.1:9").unwrap())
        .unwrap();
    assert!(t.execute(&read(), &user()).await.is_err());
    assert_eq!(sent(&script), 1);
}

#[tokio::test]
async fn a_precondition_failure_sends_nothing() {
    let (t, script) = transport(vec![]);
    let error = t
        .execute(&ReadJobToken::new(1), &Credential::none())
        .await
        .expect_err("not logged in");
    assert!(matches!(error, TransportError::Build(_)));
    assert_eq!(sent(&script), 0);
}

#[tokio::test(start_paused = true)]
async fn a_delete_resent_after_a_lost_connection_and_answered_404_succeeded() {
    // The first attempt reached the server and deleted the token; its
    // answer was lost. The re-send is answered 404: already gone.
    let (t, script) = transport(vec![Step::Io, Step::Status(404, &[])]);
    t.execute(&delete(), &user())
        .await
        .expect("already gone is success");
    assert_eq!(sent(&script), 2);
    attempts_are_identical(&script);

    // After a 503 the server may have deleted it too.
    let (t, _) = transport(vec![Step::Status(503, &[]), Step::Status(404, &[])]);
    t.execute(&delete(), &user())
        .await
        .expect("already gone is success");
}

#[tokio::test(start_paused = true)]
async fn a_404_is_not_found_when_no_earlier_attempt_can_have_deleted() {
    let (t, _) = transport(vec![Step::Status(404, &[])]);
    let error = t.execute(&delete(), &user()).await.expect_err("not found");
    assert_eq!(error.response().map(|r| r.status().as_u16()), Some(404));

    // Nothing was sent by an attempt that never connected.
    let (t, _) = transport(vec![Step::Connect, Step::Status(404, &[])]);
    let error = t.execute(&delete(), &user()).await.expect_err("not found");
    assert_eq!(error.response().map(|r| r.status().as_u16()), Some(404));

    // A gateway's HTML 404 to the re-send is not the server's "already
    // gone".
    let (t, _) = transport(vec![Step::Io, Step::Html(404)]);
    let error = t
        .execute(&delete(), &user())
        .await
        .expect_err("not the protocol's 404");
    assert_eq!(error.response().map(|r| r.status().as_u16()), Some(404));

    // A read answered 404 on its re-send is still not found.
    let (t, _) = transport(vec![Step::Io, Step::Status(404, &[])]);
    let error = t.execute(&read(), &user()).await.expect_err("not found");
    assert_eq!(error.response().map(|r| r.status().as_u16()), Some(404));
}

#[tokio::test(start_paused = true)]
async fn a_huge_request_timeout_does_not_panic() {
    let script = Arc::new(Script {
        steps: Mutex::new(vec![Step::Ok(RECORD)].into()),
        sent: Mutex::new(Vec::new()),
    });
    let t = Transport::builder()
        .request_timeout(Duration::MAX)
        .sender(script.clone())
        .build(CloudContext::new("http://127.0.0.1:9").unwrap())
        .unwrap();
    t.execute(&read(), &user()).await.expect("no overflow");
}
