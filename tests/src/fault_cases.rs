//! What the fault suites share (`tests/tests/fault_suite.rs` for our
//! protocol, `tests/tests/fault_suite_quandela.rs` for the Quandela
//! cloud's): the faults, the outcome a case is held to, the client's
//! transport settings, and the run of one case: the fault in force for one
//! operation, the call timed, its attempts counted by the emulator, and the
//! outcome compared with the expected one and the timing bound.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use steps::{ErrorKind, RetryPolicy};
use steps_emulator::{Emulator, Fault, FaultRule, When};

/// The request timeout of the suites' clients: each call, retries
/// included, must end by it, give or take [`SLACK`].
pub const TIMEOUT: Duration = Duration::from_millis(400);

/// How far past [`TIMEOUT`] a call may end.
pub const SLACK: Duration = Duration::from_secs(1);

/// What a fault must lead to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// Retried until it succeeded: `attempts` requests in all.
    Retried {
        /// Requests the emulator saw.
        attempts: u64,
    },
    /// Failed with this kind after `attempts` requests.
    Fails {
        /// The error's kind.
        kind: ErrorKind,
        /// Requests the emulator saw.
        attempts: u64,
    },
    /// Succeeded at once (a delete ignores a body it does not need).
    Succeeds,
}

/// One call of an operation through the facade, its output dropped.
pub type Call<'a> = Pin<Box<dyn Future<Output = Result<(), steps::Error>> + 'a>>;

/// Every fault the emulator can inject, each with when it strikes:
/// transient answers twice (the third attempt is answered), a lost answer
/// once, every other fault on every attempt.
pub fn faults() -> Vec<(Fault, When)> {
    vec![
        (Fault::Latency { ms: 3_000 }, When::Always),
        (Fault::SlowHandler { ms: 3_000 }, When::Always),
        (
            Fault::Status {
                status: 409,
                retry_after: None,
            },
            When::First(2),
        ),
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
        (Fault::Panic, When::Always),
    ]
}

/// The suites' client for `base_url`: [`crate::client_builder`] with the
/// [`TIMEOUT`], a 64 KiB body limit (under the large-body fault's) and
/// 5 ms backoff, so that three attempts fit in the timeout.
pub fn client_builder(base_url: &str) -> steps::ClientBuilder {
    let mut retry = RetryPolicy::default();
    retry.base_delay = Duration::from_millis(5);
    crate::client_builder(base_url).transport(|t| {
        t.request_timeout(TIMEOUT)
            .max_response_body(64 * 1024)
            .retry_policy(retry)
    })
}

/// Keeps the `panic` fault's panics (expected, and answered 500) out of the
/// test output; any other panic is reported as usual.
pub fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let injected = info
                .payload()
                .downcast_ref::<String>()
                .is_some_and(|message| message.starts_with("a fault rule asked"));
            if !injected {
                report(info);
            }
        }));
    });
}

/// What one case did.
#[derive(Debug)]
pub struct Ran {
    /// What the call returned.
    pub result: Result<(), steps::Error>,
    /// Its outcome, with the requests the emulator saw.
    pub outcome: Outcome,
    /// How long it took.
    pub elapsed: Duration,
}

/// Makes `call` with `fault` in force (`when` it says) on the requests of
/// operation `op`, and no other fault before or after.
pub async fn run(emulator: &Emulator, op: &str, fault: &Fault, when: When, call: Call<'_>) -> Ran {
    let before = emulator.requests_seen(op);
    emulator.set_faults(vec![FaultRule::new(Some(op), when, fault.clone())]);
    let started = Instant::now();
    let result = call.await;
    let elapsed = started.elapsed();
    let attempts = emulator.requests_seen(op) - before;
    emulator.set_faults(vec![]);
    let outcome = match &result {
        Ok(()) if attempts == 1 => Outcome::Succeeds,
        Ok(()) => Outcome::Retried { attempts },
        Err(error) => Outcome::Fails {
            kind: error.kind(),
            attempts,
        },
    };
    Ran {
        result,
        outcome,
        elapsed,
    }
}

/// The failures of a suite's cases, reported together at the end.
#[derive(Debug, Default)]
pub struct Report {
    failures: Vec<String>,
    cases: usize,
}

impl Report {
    /// Checks one case (`fault` on `op`): its outcome is `want`, and it
    /// ended within [`SLACK`] of the [`TIMEOUT`].
    pub fn check(&mut self, fault: &Fault, op: &str, want: Outcome, ran: &Ran) {
        self.cases += 1;
        let Ran {
            result,
            outcome,
            elapsed,
        } = ran;
        if *outcome != want {
            self.fail(
                fault,
                op,
                format_args!("expected {want:?}, got {outcome:?} ({result:?})"),
            );
        }
        if *elapsed > TIMEOUT + SLACK {
            self.fail(
                fault,
                op,
                format_args!("took {elapsed:?}, past the timeout by over 1 s"),
            );
        }
    }

    /// Records a failure of `fault` on `op` other than its outcome.
    pub fn fail(&mut self, fault: &Fault, op: &str, what: impl std::fmt::Display) {
        self.failures.push(format!("{fault:?} on {op}: {what}"));
    }

    /// Records a failure of a whole run under `fault`.
    pub fn fail_run(&mut self, fault: &Fault, what: impl std::fmt::Display) {
        self.failures.push(format!("{fault:?}: {what}"));
    }

    /// Panics with every failure, if there was one, under `title`.
    pub fn assert_passed(self, title: impl std::fmt::Display) {
        assert!(
            self.failures.is_empty(),
            "{title}: {} of {} cases failed:\n{}",
            self.failures.len(),
            self.cases,
            self.failures.join("\n")
        );
    }
}
