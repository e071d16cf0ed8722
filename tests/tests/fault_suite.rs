//! Every fault the emulator can inject × every operation, against the
//! outcome the transport promises: a retried success, a typed error, or
//! exactly one attempt for creates; and no call outlives its timeout by more
//! than a second.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use steps::{ErrorKind, RetryPolicy, Session};
use steps_emulator::{Emulator, Fault, FaultRule, When};
use steps_tests::{client_builder, emulator, ADMIN, USER};

const TIMEOUT: Duration = Duration::from_millis(400);

/// What a fault must lead to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    /// Retried until it succeeded: `attempts` requests in all.
    Retried { attempts: u64 },
    /// Failed with this kind after `attempts` requests.
    Fails { kind: ErrorKind, attempts: u64 },
    /// Succeeded at once (a delete ignores a body it does not need).
    Succeeds,
}

type Call<'a> = Pin<Box<dyn Future<Output = Result<(), steps::Error>> + 'a>>;

/// The ten operations, by protocol name, each made through the facade.
fn call<'a>(op: &str, user: &'a Session, admin: &'a Session, job: i64, key: i64) -> Call<'a> {
    match op {
        "login" => Box::pin(async move { user.client().login(USER.0, USER.1).await.map(drop) }),
        "whoami" => Box::pin(async move { user.whoami().await.map(drop) }),
        "job_token.create" => Box::pin(async move { user.job_tokens().create(None, None).await.map(drop) }),
        "job_token.read" => Box::pin(async move { user.job_tokens().get(job).await.map(drop) }),
        "job_token.delete" => Box::pin(async move { user.job_tokens().delete(job).await }),
        "job_token.list" => Box::pin(async move { admin.job_tokens().list().await.map(drop) }),
        "api_key.create" => Box::pin(async move { admin.api_keys().create(None, None).await.map(drop) }),
        "api_key.read" => Box::pin(async move { admin.api_keys().get(key).await.map(drop) }),
        "api_key.delete" => Box::pin(async move { admin.api_keys().delete(key).await }),
        "api_key.list" => Box::pin(async move { admin.api_keys().list().await.map(drop) }),
        other => panic!("unknown operation {other}"),
    }
}

const OPERATIONS: [&str; 10] = [
    "login",
    "whoami",
    "job_token.create",
    "job_token.read",
    "job_token.delete",
    "job_token.list",
    "api_key.create",
    "api_key.read",
    "api_key.delete",
    "api_key.list",
];

/// The outcome the transport issue specifies for `fault` on `op`.
fn expected(fault: &Fault, op: &str) -> Outcome {
    let create = op.ends_with(".create");
    let unknown = Outcome::Fails {
        kind: ErrorKind::OutcomeUnknown,
        attempts: 1,
    };
    match fault {
        Fault::Latency { .. } if create => unknown,
        Fault::Latency { .. } => Outcome::Fails {
            kind: ErrorKind::Timeout,
            attempts: 1,
        },
        Fault::Status { status: 429, .. } if create => Outcome::Fails {
            kind: ErrorKind::RateLimited,
            attempts: 1,
        },
        Fault::Status { status: 503, .. } if create => unknown,
        Fault::Status {
            status: 429 | 503, ..
        } => Outcome::Retried { attempts: 3 },
        Fault::Status { .. } if create => unknown,
        Fault::Status { .. } => Outcome::Fails {
            kind: ErrorKind::Api,
            attempts: 1,
        },
        Fault::Close | Fault::Truncate if create => unknown,
        Fault::Close | Fault::Truncate => Outcome::Fails {
            kind: ErrorKind::Io,
            attempts: 3,
        },
        // Handled, then the connection closed, on the first attempt only.
        // A create took effect and is never sent again: unknown. Anything
        // else is sent again and the second attempt answers: a delete
        // gets 404 for the token its first attempt deleted, which is
        // success ("already gone"), not NotFound.
        Fault::CloseAfterHandled if create => unknown,
        Fault::CloseAfterHandled => Outcome::Retried { attempts: 2 },
        Fault::InvalidJson if op.ends_with(".delete") => Outcome::Succeeds,
        // The server answered 2xx: the token exists, its secret is lost.
        Fault::InvalidJson if create => unknown,
        Fault::InvalidJson => Outcome::Fails {
            kind: ErrorKind::Protocol,
            attempts: 1,
        },
        Fault::Html { .. } if create => unknown,
        Fault::Html { .. } => Outcome::Fails {
            kind: ErrorKind::Protocol,
            attempts: 3,
        },
        Fault::LargeBody { .. } if create => unknown,
        Fault::LargeBody { .. } => Outcome::Fails {
            kind: ErrorKind::BodyTooLarge,
            attempts: 1,
        },
        other => panic!("no expectation for {other:?}"),
    }
}

fn faults() -> Vec<(Fault, When)> {
    vec![
        (Fault::Latency { ms: 3_000 }, When::Always),
        (
            Fault::Status {
                status: 429,
                retry_after: Some(0),
            },
            When::First(2),
        ),
        (
            Fault::Status {
                status: 503,
                retry_after: Some(0),
            },
            When::First(2),
        ),
        (
            Fault::Status {
                status: 500,
                retry_after: None,
            },
            When::Always,
        ),
        (Fault::Close, When::Always),
        (Fault::CloseAfterHandled, When::First(1)),
        (Fault::Truncate, When::Always),
        (Fault::InvalidJson, When::Always),
        (Fault::Html { status: 502 }, When::Always),
        (Fault::LargeBody { bytes: 256 * 1024 }, When::Always),
    ]
}

async fn sessions(emulator: &Emulator) -> (Session, Session) {
    let mut retry = RetryPolicy::default();
    retry.base_delay = Duration::from_millis(5);
    let client = client_builder(emulator.base_url())
        .transport(|t| {
            t.request_timeout(TIMEOUT)
                .max_response_body(64 * 1024)
                .retry_policy(retry)
        })
        .build()
        .expect("client");
    let user = client.login(USER.0, USER.1).await.expect("login");
    let admin = client.login(ADMIN.0, ADMIN.1).await.expect("login");
    (user, admin)
}

#[tokio::test]
async fn every_fault_on_every_operation_has_the_specified_outcome() {
    let mut failures = Vec::new();
    for (fault, when) in faults() {
        let emulator = emulator().await;
        let (user, admin) = sessions(&emulator).await;
        for op in OPERATIONS {
            // Fresh targets, made before the fault is in force.
            emulator.set_faults(vec![]);
            let job = user.job_tokens().create(None, None).await.expect("job").token_id;
            let key = admin.api_keys().create(None, None).await.expect("key").api_key_id;
            let before = emulator.requests_seen(op);
            emulator.set_faults(vec![FaultRule::new(Some(op), when, fault.clone())]);
            let started = Instant::now();
            let result = call(op, &user, &admin, job, key).await;
            let elapsed = started.elapsed();
            let attempts = emulator.requests_seen(op) - before;
            let got = match &result {
                Ok(()) if attempts == 1 => Outcome::Succeeds,
                Ok(()) => Outcome::Retried { attempts },
                Err(error) => Outcome::Fails {
                    kind: error.kind(),
                    attempts,
                },
            };
            let want = expected(&fault, op);
            if got != want {
                failures.push(format!(
                    "{fault:?} on {op}: expected {want:?}, got {got:?} ({result:?})"
                ));
            }
            if elapsed > TIMEOUT + Duration::from_secs(1) {
                failures.push(format!(
                    "{fault:?} on {op}: took {elapsed:?}, past the timeout by over 1 s"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        faults().len() * OPERATIONS.len(),
        failures.join("\n")
    );
}
