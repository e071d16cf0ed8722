//! Protocol v2: `meta`, and creates with an `Idempotency-Key`. The v1
//! snapshots are untouched; these are new files, named `v2.*`.

use std::time::Duration;

use steps_core::{CreateApiKey, CreateJobToken, Credential, IdempotencyKey, Meta};

use crate::support::{check_operation_v2, user, v2_create_cases, API_SECRET, JOB_SECRET};

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
