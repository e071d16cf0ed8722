//! Every fault the emulator can inject × every Quandela operation × both
//! path families (a job token's `/api/tokens…`, a logged-in user's
//! `/api/auth/tokens…`), against the outcome `docs/quandela.md` and the
//! transport promise. A4: list, read, usage report, update, revoke and
//! reopen are sent again like reads; a delete of one id too, and its
//! re-send's "Tokens not found" counts as done; a delete by secrets and a
//! generate are never sent again once they may have left, and then fail
//! with an unknown outcome, which a labelled generate settles by listing
//! its label (A5: `SecretLost`, naming the token, or `NotApplied`). The
//! errors table: 429 is `RateLimited`, a 502, 503 or 504 is transient,
//! and any other 4xx or 5xx is `Rejected` (`ErrorKind::Api`), which is not.
//! No call outlives its timeout by more than a second; after each
//! generate, the user's list says how many tokens it left.

use std::time::Duration;

use steps::{Dialect, ErrorKind, Session};
use steps_core::{quandela, Operation};
use steps_emulator::{Api, Emulator, Fault};
use steps_tests::fault_cases::{
    self, client_builder, faults, quiet_injected_panics, Call, Outcome, Ran, Report,
};
use steps_tests::{config, USER};

/// The operations, each made through the facade (`session.quandela()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// A generate without a label: nothing can settle a lost answer.
    Generate,
    /// A generate with a label of its own: a lost answer is settled.
    GenerateLabelled,
    List,
    Read,
    Update,
    Revoke,
    /// A reopen of a token revoked before the fault is in force.
    Reopen,
    /// A delete of one id.
    DeleteByIds,
    DeleteBySecrets,
    Usage,
}

const OPERATIONS: [Op; 10] = [
    Op::Generate,
    Op::GenerateLabelled,
    Op::List,
    Op::Read,
    Op::Update,
    Op::Revoke,
    Op::Reopen,
    Op::DeleteByIds,
    Op::DeleteBySecrets,
    Op::Usage,
];

impl Op {
    /// The operation's protocol name: what the fault rule and the
    /// emulator's count go by.
    fn name(self) -> &'static str {
        match self {
            Op::Generate | Op::GenerateLabelled => quandela::GenerateToken::NAME,
            Op::List => quandela::ListTokens::NAME,
            Op::Read => quandela::ReadToken::NAME,
            Op::Update => quandela::UpdateToken::NAME,
            Op::Revoke => quandela::RevokeToken::NAME,
            Op::Reopen => quandela::ReopenToken::NAME,
            Op::DeleteByIds => quandela::DeleteTokensByIds::NAME,
            Op::DeleteBySecrets => quandela::DeleteTokensBySecrets::NAME,
            Op::Usage => quandela::UsageReport::NAME,
        }
    }

    /// The case's name in a failure.
    fn case(self) -> String {
        match self {
            Op::GenerateLabelled => format!("{} (labelled)", self.name()),
            _ => self.name().to_owned(),
        }
    }

    /// Whether the cloud answers it with a `DefaultResponse` (a message),
    /// whose body the client does not need (A16).
    fn answers_a_message(self) -> bool {
        matches!(
            self,
            Op::Update | Op::Revoke | Op::Reopen | Op::DeleteByIds | Op::DeleteBySecrets
        )
    }
}

/// Which credential the session holds, and so which path family its calls
/// go to (A2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    /// The job token the emulator minted for the user (E2).
    JobToken,
    /// A logged-in token from `quandela.login` (A19).
    LoggedIn,
}

/// What an operation acts on: a token of the user's, made (and, for a
/// reopen, revoked) before the fault is in force; and the label a
/// labelled generate sends.
struct Target {
    id: i64,
    secret: steps::Secret,
    label: String,
}

fn call<'a>(op: Op, session: &'a Session, target: &'a Target) -> Call<'a> {
    let cloud = session.quandela();
    let (id, secret) = (target.id, target.secret.clone());
    match op {
        Op::Generate => Box::pin(async move { cloud.generate().send().await.map(drop) }),
        Op::GenerateLabelled => {
            Box::pin(async move { cloud.generate().label(&target.label).send().await.map(drop) })
        }
        Op::List => Box::pin(async move { cloud.list().send().await.map(drop) }),
        Op::Read => Box::pin(async move { cloud.get(id).send().await.map(drop) }),
        Op::Update => Box::pin(async move { cloud.update(id).label(&target.label).send().await }),
        Op::Revoke => Box::pin(async move { cloud.revoke(secret).send().await }),
        Op::Reopen => Box::pin(async move { cloud.reopen(secret).send().await }),
        Op::DeleteByIds => Box::pin(async move { cloud.delete(id).send().await }),
        Op::DeleteBySecrets => Box::pin(async move { cloud.delete_by_secrets(vec![secret]).send().await }),
        Op::Usage => Box::pin(async move { cloud.usage(vec![id]).send().await.map(drop) }),
    }
}

/// The outcome specified for `fault` on `op` sent with a `family`
/// credential.
fn expected(fault: &Fault, op: Op, family: Family) -> Outcome {
    match op {
        // No usage path and only a deprecated delete path under
        // `/api/auth` (A3): refused before anything is sent.
        Op::DeleteBySecrets | Op::Usage if family == Family::LoggedIn => Outcome::Fails {
            kind: ErrorKind::InvalidInput,
            attempts: 0,
        },
        Op::Generate | Op::DeleteBySecrets => expected_sent_once(fault, op),
        Op::GenerateLabelled => settled(expected_sent_once(fault, op), fault),
        _ => expected_resent(fault, op),
    }
}

/// [`expected`] for an operation sent again after a failure that may have
/// reached the server (A4): list, read, usage report, update, revoke,
/// reopen, and a delete of one id.
fn expected_resent(fault: &Fault, op: Op) -> Outcome {
    let fails = |kind, attempts| Outcome::Fails { kind, attempts };
    match fault {
        // The deadline passed during the first attempt.
        Fault::Latency { .. } | Fault::SlowHandler { .. } => fails(ErrorKind::Timeout, 1),
        // Transient (the errors table: 409 read as in protocol.md, 429;
        // 503 as 502 and 504), twice, then answered.
        Fault::Status {
            status: 409 | 429 | 503,
            ..
        } => Outcome::Retried { attempts: 3 },
        // Another 5xx: `Rejected`, not transient.
        Fault::Status { .. } | Fault::Panic => fails(ErrorKind::Api, 1),
        // Lost on every attempt, sent until the attempts run out.
        Fault::Close | Fault::Truncate => fails(ErrorKind::Io, 3),
        // Handled, then the connection closed, on the first attempt only;
        // the second is answered: an update, revoke or reopen sets what is
        // set already (200, E12), and a delete of one id is answered
        // "Tokens not found", which A4 counts as done ("already gone").
        Fault::CloseAfterHandled => Outcome::Retried { attempts: 2 },
        // A 2xx whose body is not JSON: a message is not needed (A16).
        Fault::InvalidJson if op.answers_a_message() => Outcome::Succeeds,
        Fault::InvalidJson => fails(ErrorKind::Protocol, 1),
        // A proxy's 502 page: transient, then not the dialect's answer.
        Fault::Html { .. } => fails(ErrorKind::Protocol, 3),
        // A 2xx over the body limit: answered, and a re-send would get
        // the same answer.
        Fault::LargeBody { .. } => fails(ErrorKind::BodyTooLarge, 1),
        other => panic!("no expectation for {other:?}"),
    }
}

/// [`expected`] for an operation never sent again once it may have left
/// (A4): a generate (no idempotency key) and a delete by secrets. A failure
/// after which the server may have acted is an unknown outcome after one
/// attempt; one after which it did nothing (a 4xx) is returned as it is.
fn expected_sent_once(fault: &Fault, op: Op) -> Outcome {
    let unknown = Outcome::Fails {
        kind: ErrorKind::OutcomeUnknown,
        attempts: 1,
    };
    match fault {
        // Connected when the deadline passed.
        Fault::Latency { .. } | Fault::SlowHandler { .. } => unknown,
        Fault::Status { status: 409, .. } => Outcome::Fails {
            kind: ErrorKind::Api,
            attempts: 1,
        },
        Fault::Status { status: 429, .. } => Outcome::Fails {
            kind: ErrorKind::RateLimited,
            attempts: 1,
        },
        // A 5xx (a proxy's 502 page too): the server may have acted.
        Fault::Status { .. } | Fault::Panic | Fault::Html { .. } => unknown,
        // The connection lost once the request may have arrived.
        Fault::Close | Fault::Truncate | Fault::CloseAfterHandled => unknown,
        // A delete's 2xx is all it needs (A16); a generate's holds the
        // secret, and one that cannot be read, or is over the limit, says
        // that a token was made whose secret is lost.
        Fault::InvalidJson if op.answers_a_message() => Outcome::Succeeds,
        Fault::InvalidJson | Fault::LargeBody { .. } => unknown,
        other => panic!("no expectation for {other:?}"),
    }
}

/// When a generate under `fault` makes its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Made {
    /// Never: the fault answers in the handler's place (E24), or a 409 or
    /// 429 is returned without a re-send.
    Never,
    /// Before the call returns: `close_after_handled` lets the handler
    /// run, then loses its answer.
    Before,
    /// After the call returned: the client gave up at its timeout on a
    /// request the server still holds, and handles once its delay is over
    /// (`latency` and `slow_handler` both hand it to the handler then).
    After,
}

fn made(fault: &Fault) -> Made {
    match fault {
        Fault::CloseAfterHandled => Made::Before,
        Fault::Latency { .. } | Fault::SlowHandler { .. } => Made::After,
        _ => Made::Never,
    }
}

/// A labelled generate's `outcome`, once a lost answer is settled by its
/// label (A5): the token exists (`SecretLost`), or nothing was made
/// (`NotApplied`); never a bare unknown outcome for an answer that was
/// lost. A request the server still holds when the call times out is not
/// a lost answer: a listing made then cannot see what the request will do,
/// nor can one made within the timing bound, so the only answer that stays
/// true is the unknown outcome (as A5 leaves it unknown when the listing
/// fails: one that cannot see the request yet settles no more). `NotApplied`
/// there says "nothing was made, making it again is safe" of a token that
/// is made a moment later.
/// Whether `fault` answers as a gateway does when the server behind it
/// did not answer in time (502, 503, 504).
fn gateway(fault: &Fault) -> bool {
    matches!(
        fault,
        Fault::Html { status: 502..=504 }
            | Fault::Status {
                status: 502..=504,
                ..
            }
    )
}

fn settled(outcome: Outcome, fault: &Fault) -> Outcome {
    match outcome {
        Outcome::Fails {
            kind: ErrorKind::OutcomeUnknown,
            attempts,
        } => Outcome::Fails {
            kind: match made(fault) {
                Made::Before => ErrorKind::SecretLost,
                // A gateway's 502/503/504 with no token yet: the cloud
                // behind it may still be making it (A5).
                Made::Never if gateway(fault) => ErrorKind::OutcomeUnknown,
                Made::Never => ErrorKind::NotApplied,
                Made::After => ErrorKind::OutcomeUnknown,
            },
            attempts,
        },
        other => other,
    }
}

/// The session of `family` on the user's account.
async fn session(emulator: &Emulator, family: Family) -> Session {
    let client = client_builder(emulator.base_url())
        .dialect(Dialect::Quandela)
        .build()
        .expect("client");
    match family {
        Family::JobToken => {
            let minted = emulator.minted_tokens().into_iter().find(|t| t.email == USER.0);
            client.session_from_token(minted.expect("a token minted for the user").token)
        }
        Family::LoggedIn => client.login(USER.0, USER.1).await.expect("/api/login"),
    }
}

/// The user's tokens with `label`, by id, and how many the user has.
async fn listed(session: &Session, label: &str) -> (Vec<i64>, usize) {
    let all = session.quandela().list().send().await.expect("the user lists");
    let with_label = all
        .iter()
        .filter(|t| t.label.as_deref() == Some(label))
        .map(|t| t.id)
        .collect();
    (with_label, all.len())
}

/// A fresh token to act on, made before the fault is in force.
async fn target(session: &Session, op: Op, n: usize) -> Target {
    let cloud = session.quandela();
    let made = cloud
        .generate()
        .label(format!("target-{n}"))
        .send()
        .await
        .expect("a target");
    if op == Op::Reopen {
        cloud.revoke(made.token.clone()).send().await.expect("revoked");
    }
    Target {
        id: made.token_id,
        secret: made.token,
        label: format!("case-{n}"),
    }
}

/// Checks what a generate left: how many tokens by the time it returned
/// and, when it was settled, that it named the token with its label.
fn check_generate(
    report: &mut Report,
    fault: &Fault,
    op: Op,
    ran: &Ran,
    made_now: usize,
    with_label: &[i64],
) {
    let left = match made(fault) {
        Made::Before => Some(1),
        Made::Never => Some(0),
        Made::After => None,
    };
    if left.is_some_and(|left| made_now != left) {
        let what = format_args!("{made_now} tokens made, expected {left:?}");
        report.fail(fault, &op.case(), what);
    }
    let named = ran.result.as_ref().err().and_then(steps::Error::token_id);
    let settled = ran
        .result
        .as_ref()
        .is_err_and(|e| matches!(e.kind(), ErrorKind::SecretLost | ErrorKind::NotApplied));
    if settled && with_label != Vec::from_iter(named) {
        let what = format_args!("settled on {named:?}; the label is on {with_label:?}");
        report.fail(fault, &op.case(), what);
    }
}

async fn suite(family: Family) {
    quiet_injected_panics();
    let mut report = Report::default();
    let mut n = 0;
    for (fault, when) in faults() {
        let emulator = Emulator::start(config().api(Api::Quandela))
            .await
            .expect("the emulator starts");
        let session = session(&emulator, family).await;
        // The labelled generate's label, and the token it was settled on.
        let mut labelled = None;
        for op in OPERATIONS {
            n += 1;
            let target = target(&session, op, n).await;
            let (_, tokens_before) = listed(&session, &target.label).await;
            let call = call(op, &session, &target);
            let ran = fault_cases::run(&emulator, op.name(), &fault, when, call).await;
            report.check(&fault, &op.case(), expected(&fault, op, family), &ran);
            if matches!(op, Op::Generate | Op::GenerateLabelled) {
                let (with_label, tokens) = listed(&session, &target.label).await;
                check_generate(&mut report, &fault, op, &ran, tokens - tokens_before, &with_label);
            }
            if op == Op::GenerateLabelled {
                let named = ran.result.as_ref().err().and_then(steps::Error::token_id);
                labelled = Some((target.label, named));
            }
        }
        // Once the server is done with every request, those the client
        // abandoned at its timeout included, the label is on the token the
        // generate made, if it made one, and on no other.
        if let Fault::Latency { ms } | Fault::SlowHandler { ms } = fault {
            tokio::time::sleep(Duration::from_millis(ms + 500)).await;
        }
        let (label, named) = labelled.expect("a labelled generate ran");
        let (with_label, _) = listed(&session, &label).await;
        let as_made = match made(&fault) {
            Made::Never => with_label.is_empty(),
            Made::Before => with_label == Vec::from_iter(named),
            Made::After => with_label.len() == 1,
        };
        if !as_made {
            let what = format_args!("in the end the label is on {with_label:?} (settled on {named:?})");
            report.fail(&fault, &Op::GenerateLabelled.case(), what);
        }
        emulator.shutdown().await;
    }
    report.assert_passed(format_args!("{family:?} family"));
}

#[tokio::test]
async fn every_fault_on_every_operation_has_the_specified_outcome_with_a_job_token() {
    suite(Family::JobToken).await;
}

#[tokio::test]
async fn every_fault_on_every_operation_has_the_specified_outcome_logged_in() {
    suite(Family::LoggedIn).await;
}
