//! The secret-leak audit in the Quandela dialect: every `quandela.*`
//! operation with both credentials (a job token, a logged-in token), on
//! success and on each failure path (401, 403, 404, 400, 422, a taken
//! label, a revoked token, a lost generate settled either way, a refusal
//! before sending, and every fault the emulator injects), with tracing at
//! TRACE captured to a buffer (the SDK's and the emulator's), and the
//! `Debug`, `{:#?}`, `Display` and `source()` chain of every value and
//! error the run produced. No `_T_` secret of the run (the minted job
//! tokens, every generated one, those revoked, reopened and deleted, one
//! made up and sent) nor password or logged-in token may appear in any of
//! it, nor in the emulator's request journal; nor may any text shaped like
//! a `_T_` secret, which catches the secret of a generate whose answer was
//! lost, which the run never knew.

use std::time::{Duration, UNIX_EPOCH};

use steps::{Client, Dialect, ErrorKind, RetryPolicy, Secret, Session};
use steps_core::{quandela, Operation};
use steps_emulator::{Api, Emulator, Fault, FaultRule, JobUsage, When};
use steps_tests::leak::{Buffer, Seen};
use steps_tests::{client_builder, config, control_get, fault_cases, ADMIN, OTHER, USER};

/// A job token's shape (`docs/quandela.md` E3) that names no token.
const MADE_UP: &str = "_T_bWFkZS11cC1hbmQtbmV2ZXItbWludGVkLWJ5LWFueW9uZQ";

/// The error kind of `result`, which must have failed.
fn kind_of<T>(result: &steps::Result<T>) -> ErrorKind {
    result.as_ref().map(drop).expect_err("a failure path").kind()
}

/// Generates a token of the user's, its secret joining the audit.
async fn generated(seen: &mut Seen, session: &Session, label: &str) -> (i64, Secret) {
    let made = session
        .quandela()
        .generate()
        .label(label)
        .send()
        .await
        .expect("generate");
    seen.secret(made.token.expose());
    seen.value(&made);
    (made.token_id, made.token)
}

/// Audits `result`, noting a failure in `failed`.
fn audit<T: std::fmt::Debug>(seen: &mut Seen, failed: &mut Vec<String>, result: steps::Result<T>) {
    if let Err(error) = &result {
        failed.push(error.to_string());
    }
    seen.result(&result);
}

/// Every operation once, as `session`, on tokens made beforehand (`a`
/// revoked, reopened, then deleted by id; `b` deleted by its secret), each
/// result audited; a generate that succeeds adds its secret. What failed.
async fn every_operation(
    seen: &mut Seen,
    session: &Session,
    a: &(i64, Secret),
    b: &Secret,
    label: &str,
) -> Vec<String> {
    let mut failed = Vec::new();
    let cloud = session.quandela();
    for generate in [cloud.generate().label(label), cloud.generate()] {
        let made = generate.send().await;
        if let Ok(made) = &made {
            seen.secret(made.token.expose());
        }
        audit(seen, &mut failed, made);
    }
    audit(seen, &mut failed, cloud.list().send().await);
    let mut pages = cloud.list().limit(2).pages();
    while let Some(page) = pages.next().await {
        let last = page.is_err();
        audit(seen, &mut failed, page);
        if last {
            break;
        }
    }
    audit(seen, &mut failed, cloud.get(a.0).send().await);
    let renamed = format!("{label}-renamed");
    audit(
        seen,
        &mut failed,
        cloud.update(a.0).label(renamed).priority(1).send().await,
    );
    audit(seen, &mut failed, cloud.usage(vec![a.0]).send().await);
    audit(
        seen,
        &mut failed,
        cloud.usage(vec![]).since(UNIX_EPOCH).send().await,
    );
    audit(seen, &mut failed, cloud.revoke(a.1.clone()).send().await);
    audit(seen, &mut failed, cloud.reopen(a.1.clone()).send().await);
    audit(seen, &mut failed, cloud.delete(a.0).send().await);
    audit(
        seen,
        &mut failed,
        cloud.delete_by_secrets(vec![b.clone()]).send().await,
    );
    failed
}

#[test]
fn no_quandela_secret_reaches_tracing_debug_display_or_errors() {
    fault_cases::quiet_injected_panics();
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.writer())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut seen = Seen::default();
    for secret in [ADMIN.1, USER.1, OTHER.1, "TEST-wrong-password", MADE_UP] {
        seen.secret(secret);
    }

    runtime.block_on(async {
        // With the control plane, so that its journal is audited too.
        let emulator = Emulator::start(config().api(Api::Quandela).control(true))
            .await
            .unwrap();
        let minted = emulator.minted_tokens();
        for token in &minted {
            seen.secret(token.token.clone());
            seen.value(token);
        }
        let mut retry = RetryPolicy::default();
        retry.base_delay = Duration::from_millis(1);
        let client: Client = client_builder(emulator.base_url())
            .dialect(Dialect::Quandela)
            .transport(|t| {
                t.request_timeout(Duration::from_millis(300))
                    .max_response_body(8 * 1024)
                    .retry_policy(retry)
            })
            .build()
            .unwrap();
        seen.value(&client);
        let minted_of = |email: &str| {
            let token = minted.iter().find(|t| t.email == email).expect("minted");
            (token.token_id, client.session_from_token(token.token.clone()))
        };
        let ((user_token, user), (_, other)) = (minted_of(USER.0), minted_of(OTHER.0));
        seen.result(&client.login(USER.0, "TEST-wrong-password").await);
        let logged_in = client.login(USER.0, USER.1).await.unwrap();
        seen.secret(logged_in.token().secret().expose());
        for session in [&user, &other, &logged_in] {
            seen.value(session);
            seen.value(&session.token());
        }

        // Success paths, with each credential.
        let mut deleted = Vec::new();
        for (session, name) in [(&user, "job"), (&logged_in, "login")] {
            let a = generated(&mut seen, session, &format!("{name}-a")).await;
            deleted.push(a.1.clone());
            let (_, b) = generated(&mut seen, session, &format!("{name}-b")).await;
            let usage = JobUsage::new(a.0, "qpu:belenos", 2).credits(1.5, 0.0);
            emulator.record_usage(usage).expect("recorded");
            let failed = every_operation(&mut seen, session, &a, &b, name).await;
            // A logged-in token has no usage path nor delete by secrets (A3).
            assert_eq!(failed.len(), if name == "login" { 3 } else { 0 }, "{failed:?}");
        }

        // Failure paths. 401: made up, deleted, revoked.
        let (id, secret) = generated(&mut seen, &user, "victim").await;
        for gone in deleted {
            let refused = client.session_from_token(gone).quandela().list().send().await;
            assert_eq!(kind_of(&refused), ErrorKind::Unauthorized);
            seen.result(&refused);
        }
        let as_made_up = client.session_from_token(MADE_UP);
        let refused = as_made_up.quandela().list().send().await;
        assert_eq!(kind_of(&refused), ErrorKind::Unauthorized);
        seen.result(&refused);
        let as_victim = client.session_from_token(secret.clone());
        user.quandela().revoke(secret.clone()).send().await.unwrap();
        let revoked = as_victim.quandela().get(id).send().await;
        assert_eq!(kind_of(&revoked), ErrorKind::Unauthorized);
        seen.result(&revoked);
        seen.result(&as_victim.quandela().generate().label("x").send().await);
        user.quandela().reopen(secret.clone()).send().await.unwrap();
        // 403: another user's token, by id and by secret.
        seen.result(&other.quandela().get(id).send().await);
        seen.result(&other.quandela().update(id).label("theirs").send().await);
        let forbidden = other.quandela().revoke(secret.clone()).send().await;
        assert_eq!(kind_of(&forbidden), ErrorKind::Forbidden);
        seen.result(&forbidden);
        seen.result(&other.quandela().reopen(secret.clone()).send().await);
        seen.result(&other.quandela().delete(id).send().await);
        seen.result(
            &other
                .quandela()
                .delete_by_secrets(vec![secret.clone()])
                .send()
                .await,
        );
        seen.result(&other.quandela().usage(vec![id]).send().await);
        seen.result(&other.quandela().list().user_id(1).send().await);
        // 404, and 400: naming no token, the caller's own token, a priority
        // too high; a taken label (generate and update).
        let missing = user.quandela().get(i64::MAX).send().await;
        assert_eq!(kind_of(&missing), ErrorKind::NotFound);
        seen.result(&missing);
        seen.result(&user.quandela().update(i64::MAX).label("none").send().await);
        let invalid_token = user.quandela().revoke(MADE_UP).send().await;
        assert_eq!(
            invalid_token.as_ref().map_err(steps::Error::status).err(),
            Some(Some(400))
        );
        seen.result(&invalid_token);
        seen.result(&user.quandela().reopen(MADE_UP).send().await);
        seen.result(
            &user
                .quandela()
                .delete_by_secrets(vec![Secret::from(MADE_UP)])
                .send()
                .await,
        );
        seen.result(&user.quandela().delete(user_token).send().await);
        seen.result(
            &user
                .quandela()
                .delete_by_secrets(vec![user.token().secret().clone()])
                .send()
                .await,
        );
        seen.result(&user.quandela().generate().label("p").priority(1_000).send().await);
        let taken = user.quandela().generate().label("victim").send().await;
        assert_eq!(kind_of(&taken), ErrorKind::LabelTaken);
        seen.result(&taken);
        let (other_id, _) = generated(&mut seen, &user, "other-label").await;
        seen.result(&user.quandela().update(other_id).label("victim").send().await);
        // 422: a time the cloud's format cannot hold (a five-digit year).
        let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        let invalid = user.quandela().usage(vec![id]).until(far).send().await;
        assert_eq!(
            invalid.as_ref().map_err(steps::Error::status).err(),
            Some(Some(422))
        );
        seen.result(&invalid);
        // Refused before sending: no such path for a logged-in token.
        let not_sent = logged_in.quandela().usage(vec![id]).send().await;
        assert_eq!(kind_of(&not_sent), ErrorKind::InvalidInput);
        seen.result(&not_sent);
        seen.result(
            &logged_in
                .quandela()
                .delete_by_secrets(vec![secret.clone()])
                .send()
                .await,
        );

        // A lost generate: settled on the token made (its secret never
        // known), settled as not made, left unknown, and replaced.
        for (fault, label, settled) in [
            (
                Fault::CloseAfterHandled,
                Some("lost-made"),
                Some(ErrorKind::SecretLost),
            ),
            (Fault::Close, Some("lost-not-made"), Some(ErrorKind::NotApplied)),
            // Still in the server's hands when the call gives up (the
            // fault suite holds its outcome to account).
            (Fault::Latency { ms: 1_000 }, Some("lost-in-flight"), None),
            (Fault::CloseAfterHandled, None, Some(ErrorKind::OutcomeUnknown)),
        ] {
            let rule = FaultRule::new(Some(quandela::GenerateToken::NAME), When::First(1), fault);
            emulator.set_faults(vec![rule]);
            let generate = user.quandela().generate();
            let lost = match label {
                Some(label) => generate.label(label).send().await,
                None => generate.send().await,
            };
            assert!(
                settled.is_none_or(|settled| kind_of(&lost) == settled),
                "{lost:?}"
            );
            seen.result(&lost);
        }
        let rule = FaultRule::new(
            Some(quandela::GenerateToken::NAME),
            When::First(1),
            Fault::CloseAfterHandled,
        );
        emulator.set_faults(vec![rule]);
        let replaced = user
            .quandela()
            .generate()
            .label("replaced")
            .replace_if_lost()
            .send()
            .await;
        seen.secret(replaced.as_ref().expect("replaced").token.expose());
        seen.result(&replaced);
        emulator.set_faults(vec![]);
        // The journal keeps the last 1,000 requests: read it before the
        // faults' requests push these out, and again after.
        let journal = control_get(&emulator, "/_steps/requests?limit=1000").await;
        for op in [
            "quandela.login",
            quandela::ReopenToken::NAME,
            quandela::DeleteTokensBySecrets::NAME,
        ] {
            assert!(journal.contains(op), "{journal}");
        }
        seen.texts.push(journal);

        // Every fault, on every request, with each credential.
        for (fault, _) in fault_cases::faults() {
            for (session, name) in [(&user, "job"), (&logged_in, "login")] {
                emulator.set_faults(vec![]);
                let a = generated(&mut seen, session, &format!("{name}-{fault:?}-a")).await;
                let (_, b) = generated(&mut seen, session, &format!("{name}-{fault:?}-b")).await;
                emulator.set_faults(vec![FaultRule::new(None, When::Always, fault.clone())]);
                let failed = every_operation(&mut seen, session, &a, &b, &format!("{name}-{fault:?}")).await;
                assert!(!failed.is_empty(), "{fault:?} did nothing");
            }
        }
        emulator.set_faults(vec![]);

        seen.texts
            .push(control_get(&emulator, "/_steps/requests?limit=1000").await);
        emulator.shutdown().await;
    });

    let trace = buffer.text();
    assert!(
        trace.contains("steps.operation")
            && trace.contains(quandela::GenerateToken::NAME)
            && trace.contains("status"),
        "tracing captured nothing at TRACE: {trace}"
    );
    let secrets = seen.secrets.iter().filter(|s| s.starts_with("_T_")).count();
    assert!(
        secrets >= 40,
        "the run used too few `_T_` secrets ({secrets}) to be an audit"
    );
    seen.assert_no_secret_in(&trace);
    assert_eq!(seen.secret_shaped(&trace, "_T_"), None, "a `_T_` secret is shown");
}
