//! The secret-leak audit: every operation, on success and on each failure
//! path, with tracing at TRACE captured to a buffer (the SDK's and the
//! emulator's), and the `Debug` and `Display` of every value and error the
//! run produced. No password, login token, job token or API key used in the
//! run (rotated secrets included) may appear in any of it, nor in the
//! emulator's request journal.

use std::time::Duration;

use steps::RetryPolicy;
use steps_core::{CreateJobToken, Operation, RevokeSelf, RotateJobToken};
use steps_emulator::{Emulator, Fault, FaultRule, When};
use steps_tests::leak::{Buffer, Seen};
use steps_tests::{client_builder, config, control_get, ADMIN, OTHER, USER};

#[test]
fn no_secret_reaches_tracing_debug_display_or_errors() {
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
    seen.secrets
        .extend([ADMIN.1, USER.1, OTHER.1, "TEST-wrong-password"].map(str::to_owned));

    runtime.block_on(async {
        // With the control plane, so that its journal is audited too.
        let emulator = Emulator::start(config().control(true)).await.unwrap();
        let mut retry = RetryPolicy::default();
        retry.base_delay = Duration::from_millis(1);
        let client = client_builder(emulator.base_url())
            .transport(|t| {
                t.request_timeout(Duration::from_millis(300))
                    .max_response_body(8 * 1024)
                    .retry_policy(retry)
            })
            .build()
            .unwrap();
        seen.value(&client);

        // Success paths.
        let wrong = client.login(USER.0, "TEST-wrong-password").await;
        seen.result(&wrong);
        let user = client.login(USER.0, USER.1).await.unwrap();
        let admin = client.login(ADMIN.0, ADMIN.1).await.unwrap();
        let other = client.login(OTHER.0, OTHER.1).await.unwrap();
        for session in [&user, &admin, &other] {
            let token = session.login_token().expect("a login session");
            seen.secrets.push(token.token.expose().to_owned());
            seen.value(&token);
            seen.value(session);
        }
        let job = user.job_tokens().create().label("audit").send().await.unwrap();
        seen.secrets.push(job.token.as_ref().unwrap().expose().to_owned());
        seen.value(&job);
        let key = admin.api_keys().create().label("audit").send().await.unwrap();
        seen.secrets.push(key.token().unwrap().expose().to_owned());
        seen.value(&key);
        seen.result(&user.whoami().await);
        seen.result(&user.job_tokens().get(job.token_id).send().await);
        seen.result(&admin.job_tokens().list().send().await);
        seen.result(&admin.api_keys().get(key.api_key_id).send().await);
        seen.result(&admin.api_keys().list().send().await);
        let as_job = client.session_from_token(job.token.as_ref().unwrap().expose());
        seen.result(&as_job.whoami().await);

        // Failure paths: refused, forbidden, not found, never created, not admin.
        seen.result(&as_job.job_tokens().create().send().await);
        seen.result(&other.job_tokens().get(job.token_id).send().await);
        seen.result(&user.job_tokens().get(-1).send().await);
        seen.result(&user.api_keys().list().send().await);
        seen.result(&user.job_tokens().create().label("x".repeat(300)).send().await);
        let bare = client.session_from_token(user.login_token().expect("a login session").token.expose());
        seen.result(&bare.api_keys().list().send().await);

        // Network and server failures.
        for fault in [
            Fault::Status {
                status: 503,
                retry_after: Some(0),
            },
            Fault::Status {
                status: 401,
                retry_after: None,
            },
            Fault::Close,
            Fault::Truncate,
            Fault::InvalidJson,
            Fault::Html { status: 502 },
            Fault::LargeBody { bytes: 64 * 1024 },
            Fault::Latency { ms: 1_000 },
        ] {
            emulator.set_faults(vec![FaultRule::new(None, When::Always, fault)]);
            seen.result(&user.whoami().await);
            seen.result(&user.job_tokens().create().label("audit").send().await);
            seen.result(&admin.api_keys().list().send().await);
            seen.result(&client.login(USER.0, USER.1).await);
        }
        emulator.set_faults(vec![]);

        // Protocol v2: rotations (each new secret joins the audit), a token
        // rotating and revoking itself, own lists, logout; then rotations
        // under faults, answered or not.
        let rotated = user
            .job_tokens()
            .rotate(job.token_id)
            .grace(Duration::from_secs(60))
            .send()
            .await
            .unwrap();
        seen.secrets
            .push(rotated.token.as_ref().unwrap().expose().to_owned());
        seen.value(&rotated);
        let rotated_key = admin.api_keys().rotate(key.api_key_id).send().await.unwrap();
        seen.secrets
            .push(rotated_key.token().unwrap().expose().to_owned());
        seen.value(&rotated_key);
        let as_rotated = client.session_from_token(rotated.token.as_ref().unwrap().expose());
        seen.result(&as_rotated.whoami().await);
        let again = as_rotated.rotate_self(Some(Duration::from_secs(60))).await;
        if let Ok(steps::RotatedSelf::JobToken(again)) = &again {
            seen.secrets
                .push(again.token.as_ref().unwrap().expose().to_owned());
        }
        seen.result(&again);
        seen.value(&as_rotated);
        seen.result(&user.job_tokens().list().send().await);
        seen.result(&user.job_tokens().list().label("audit").send().await);
        seen.result(&other.job_tokens().rotate(job.token_id).send().await);
        seen.result(&user.api_keys().rotate(key.api_key_id).send().await);
        for fault in [
            Fault::Status {
                status: 503,
                retry_after: Some(0),
            },
            Fault::CloseAfterHandled,
            Fault::InvalidJson,
            Fault::Html { status: 502 },
        ] {
            emulator.set_faults(vec![FaultRule::new(None, When::First(1), fault)]);
            let result = admin.api_keys().rotate(key.api_key_id).send().await;
            if let Ok(rotated) = &result {
                seen.secrets.push(rotated.token().unwrap().expose().to_owned());
            }
            seen.result(&result);
        }
        emulator.set_faults(vec![]);
        let spare = user.job_tokens().create().label("spare").send().await.unwrap();
        seen.secrets
            .push(spare.token.as_ref().unwrap().expose().to_owned());
        let as_spare = client.session_from_token(spare.token.as_ref().unwrap().expose());
        seen.result(&as_spare.revoke_self().await);
        seen.result(&as_spare.whoami().await);
        let leaving = client.login(OTHER.0, OTHER.1).await.unwrap();
        seen.secrets.push(
            leaving
                .login_token()
                .expect("a login session")
                .token
                .expose()
                .to_owned(),
        );
        seen.result(&leaving.logout().await);
        seen.result(&leaving.whoami().await);

        // Revocation, then renewal after the server's clock moved on.
        user.job_tokens().delete(job.token_id).send().await.unwrap();
        seen.result(&as_job.whoami().await);
        emulator.advance_clock(Duration::from_secs(90_000));
        seen.result(&user.whoami().await);
        let renewed = user.login_token().expect("a login session");
        seen.secrets.push(renewed.token.expose().to_owned());
        seen.result(&bare.whoami().await);
        let journal = control_get(&emulator, "/_steps/requests?limit=1000").await;
        assert!(
            journal.contains(RotateJobToken::NAME) && journal.contains(RevokeSelf::NAME),
            "{journal}"
        );
        seen.texts.push(journal);
        emulator.shutdown().await;
    });

    let trace = buffer.text();
    assert!(
        trace.contains("steps.operation"),
        "tracing captured nothing at TRACE"
    );
    assert!(
        trace.contains(CreateJobToken::NAME) && trace.contains("status"),
        "{trace}"
    );
    assert!(
        seen.secrets.len() >= 10,
        "the run used too few secrets to be an audit"
    );
    seen.assert_no_secret_in(&trace);
}
