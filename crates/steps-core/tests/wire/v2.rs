//! Protocol v2: `meta`, and creates with an `Idempotency-Key`. The v1
//! snapshots are untouched; these are new files, named `v2.*`.

use std::time::Duration;

use steps_core::{CreateApiKey, CreateJobToken, Credential, IdempotencyKey, Meta};

use crate::support::{
    check_operation_v2, ok_case, user, v2_create_cases, API_SECRET, JOB_SECRET, ROTATED_API_SECRET,
    ROTATED_JOB_SECRET,
};

const KEY: &str = "job-7f3a9c2e-TEST-key";

#[test]
fn meta() {
    // Every v1 answer (the cases' 401, 403, 404, 429, HTML 500, redirect,
    // malformed or mistyped body) parses to a v1 server with no features.
    check_operation_v2(
        Meta,
        Credential::none(),
        (
            200,
            r#"{"protocol":2,"features":["idempotency","self","own_tokens","rotation","teleport"]}"#,
            r#"{"protocol":"2","features":"idempotency"}"#,
        ),
        vec![],
    );
}

#[test]
fn job_token_create_with_a_key() {
    let ok = format!(
        r#"{{"token_id":7,"user_id":2,"label":"nightly build","duration":3600,"created_at":1700000000,"expires_at":1700003600,"token":"{JOB_SECRET}"}}"#
    );
    check_operation_v2(
        CreateJobToken::new()
            .label("nightly build")
            .duration(Duration::from_secs(3600))
            .idempotency_key(IdempotencyKey::new(KEY).expect("a valid key")),
        user(),
        (
            201,
            &ok,
            r#"{"token_id":"7","user_id":2,"label":null,"duration":-5,"created_at":1700000000,"expires_at":1700003600}"#,
        ),
        v2_create_cases(&ok),
    );
}

#[test]
fn api_key_create_with_a_key() {
    let ok = format!(
        r#"{{"api_key_id":3,"user_id":1,"label":"gpu worker","duration":3600,"created_at":1700000000,"expires_at":1700003600,"api_key":"{API_SECRET}"}}"#
    );
    check_operation_v2(
        CreateApiKey::new()
            .label("gpu worker")
            .duration(Duration::from_secs(3600))
            .idempotency_key(IdempotencyKey::new(KEY).expect("a valid key")),
        user(),
        (
            201,
            &ok,
            r#"{"api_key_id":"3","user_id":1,"label":null,"duration":-5,"created_at":1700000000,"expires_at":1700003600}"#,
        ),
        v2_create_cases(&ok),
    );
}

#[test]
fn a_create_with_a_key_may_be_sent_again_and_one_without_may_not() {
    use steps_core::{Idempotency, Operation};
    let key = IdempotencyKey::new(KEY).expect("a valid key");
    assert_eq!(CreateJobToken::new().idempotency(), Idempotency::NonIdempotent);
    assert_eq!(
        CreateJobToken::new().idempotency_key(key.clone()).idempotency(),
        Idempotency::Keyed
    );
    assert_eq!(
        CreateApiKey::new().idempotency_key(key).idempotency(),
        Idempotency::Keyed
    );
    for bad in ["", " ", "tab\tkey", "é", &"k".repeat(256)] {
        assert!(IdempotencyKey::new(bad).is_err(), "{bad:?}");
    }
    assert!(IdempotencyKey::new("k".repeat(255)).is_ok());
}

// Protocol v2, part 2: self, own tokens, rotation.

const ROTATED_JOB: &str = r#""token_id":7,"user_id":2,"label":"nightly build","duration":3600,"created_at":1700000000,"expires_at":1700003600,"rotated_at":1700001000"#;
const ROTATED_KEY: &str = r#""api_key_id":3,"user_id":1,"label":"gpu worker","duration":3600,"created_at":1700000000,"expires_at":1700003600,"rotated_at":1700001000"#;

#[test]
fn whoami_with_the_token_fields() {
    check_operation_v2(
        steps_core::Whoami,
        user(),
        (
            200,
            r#"{"user_id":2,"token_type":1,"is_admin":false,"expires_at":1700003600,"token_id":7,"label":"nightly build"}"#,
            r#"{"user_id":2,"token_type":1,"token_id":"7","label":5}"#,
        ),
        vec![ok_case(
            "api_key",
            200,
            r#"{"user_id":1,"token_type":2,"is_admin":true,"expires_at":1700003600,"api_key_id":3,"label":"gpu worker"}"#,
        )],
    );
}

#[test]
fn job_token_list_of_ones_own_filtered() {
    check_operation_v2(
        steps_core::ListJobTokens::new()
            .own()
            .limit(50)
            .user_id(2)
            .label("nightly build/ü&x=1"),
        user().with_admin(false),
        (
            200,
            r#"{"job_tokens":[{"token_id":7,"user_id":2,"label":"nightly build/ü&x=1","duration":3600,"created_at":1700000000,"expires_at":1700003600}],"next_after":null}"#,
            r#"{"job_tokens":[{"token_id":"7"}],"next_after":null}"#,
        ),
        vec![],
    );
}

#[test]
fn revoke_self() {
    check_operation_v2(
        steps_core::RevokeSelf,
        user(),
        (204, "", r#"{"revoked":"yes"}"#),
        vec![],
    );
}

#[test]
fn job_token_rotate_with_grace_and_a_key() {
    let ok = format!(r#"{{{ROTATED_JOB},"token":"{JOB_SECRET}"}}"#);
    check_operation_v2(
        steps_core::RotateJobToken::new(7)
            .grace(Duration::from_secs(600))
            .idempotency_key(IdempotencyKey::new(KEY).expect("a valid key")),
        user(),
        (200, &ok, r#"{"token_id":7,"user_id":2,"rotated_at":"soon"}"#),
        v2_create_cases(&ok),
    );
}

#[test]
fn api_key_rotate() {
    check_operation_v2(
        steps_core::RotateApiKey::new(3),
        user().with_admin(true),
        (
            200,
            &format!(r#"{{{ROTATED_KEY},"api_key":"{API_SECRET}"}}"#),
            r#"{"api_key_id":3,"user_id":1,"duration":3600,"created_at":1700000000,"expires_at":1700003600}"#,
        ),
        vec![],
    );
}

#[test]
fn rotate_self() {
    check_operation_v2(
        steps_core::RotateSelf::new().grace(Duration::from_secs(30)),
        Credential::bearer(steps_core::Secret::new(JOB_SECRET)),
        (
            200,
            &format!(r#"{{{ROTATED_JOB},"token":"{ROTATED_JOB_SECRET}"}}"#),
            r#"{"token_id":7,"token":42}"#,
        ),
        vec![ok_case(
            "api_key",
            200,
            &format!(r#"{{{ROTATED_KEY},"api_key":"{ROTATED_API_SECRET}"}}"#),
        )],
    );
}

#[test]
fn v2_preconditions() {
    use steps_core::{BuildError, ListJobTokens, Operation, RotateJobToken, RotateSelf};
    let ctx = crate::support::ctx();
    let non_admin = user().with_admin(false);
    // Listing one's own needs a login token, not an admin's; all needs an admin.
    assert!(ListJobTokens::new().own().build_request(&ctx, &non_admin).is_ok());
    assert!(matches!(
        ListJobTokens::new().build_request(&ctx, &non_admin),
        Err(BuildError::AdminRequired { .. })
    ));
    for bad in [
        ListJobTokens::new()
            .own()
            .user_id(-1)
            .build_request(&ctx, &non_admin),
        ListJobTokens::new()
            .own()
            .label("a\u{7}")
            .build_request(&ctx, &non_admin),
        RotateJobToken::new(7)
            .grace(Duration::from_secs(86_401))
            .build_request(&ctx, &user()),
        RotateJobToken::new(7)
            .grace(Duration::from_millis(1500))
            .build_request(&ctx, &user()),
        RotateSelf::new()
            .grace(Duration::from_secs(86_401))
            .build_request(&ctx, &user()),
    ] {
        assert!(matches!(bad, Err(BuildError::InvalidInput { .. })), "{bad:?}");
    }
    assert!(matches!(
        RotateJobToken::new(-1).build_request(&ctx, &user()),
        Err(BuildError::NotCreated { .. })
    ));
    assert!(RotateJobToken::new(7)
        .grace(Duration::from_secs(86_400))
        .build_request(&ctx, &user())
        .is_ok());
}
