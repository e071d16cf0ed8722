//! `api_key.*`: requests and responses.

use std::time::Duration;

use steps_core::{CreateApiKey, DeleteApiKey, ListApiKeys, ReadApiKey};

use crate::support::{check_operation, user, API_SECRET};

const RECORD: &str = r#""api_key_id":7,"user_id":2,"label":"gpu worker","duration":3600,"created_at":1700000000,"expires_at":1700003600"#;
const WRONG_RECORD: &str = r#"{"api_key_id":"7","user_id":2,"label":null,"duration":-5,"created_at":1700000000,"expires_at":1700003600}"#;

#[test]
fn create() {
    check_operation(
        CreateApiKey::new()
            .label("gpu worker")
            .duration(Duration::from_secs(3600)),
        user(),
        201,
        &format!(r#"{{{RECORD},"api_key":"{API_SECRET}"}}"#),
        WRONG_RECORD,
    );
}

#[test]
fn read() {
    check_operation(
        ReadApiKey::new(7),
        user(),
        200,
        &format!("{{{RECORD}}}"),
        WRONG_RECORD,
    );
}

#[test]
fn delete() {
    check_operation(DeleteApiKey::new(7), user(), 204, "", WRONG_RECORD);
}

#[test]
fn list() {
    check_operation(
        ListApiKeys::new().limit(2).after(6),
        user(),
        200,
        &format!(
            r#"{{"api_keys":[{{{RECORD}}},{{"api_key_id":9,"user_id":3,"label":null,"duration":99999,"created_at":1700000100,"expires_at":1700100099}}],"next_after":9}}"#
        ),
        &format!(r#"{{"api_keys":[{{{RECORD}}},{WRONG_RECORD}],"next_after":9}}"#),
    );
}
