//! `job_token.*`: requests and responses.

use std::time::Duration;

use steps_core::{CreateJobToken, DeleteJobToken, ListJobTokens, ReadJobToken};

use crate::support::{check_operation, user, JOB_SECRET};

const RECORD: &str = r#""token_id":7,"user_id":2,"label":"nightly build","duration":3600,"created_at":1700000000,"expires_at":1700003600"#;
const WRONG_RECORD: &str = r#"{"token_id":"7","user_id":2,"label":null,"duration":-5,"created_at":1700000000,"expires_at":1700003600}"#;

#[test]
fn create() {
    check_operation(
        CreateJobToken::new()
            .label("nightly build")
            .duration(Duration::from_secs(3600)),
        user(),
        201,
        &format!(r#"{{{RECORD},"token":"{JOB_SECRET}"}}"#),
        WRONG_RECORD,
    );
}

#[test]
fn read() {
    check_operation(
        ReadJobToken::new(7),
        user(),
        200,
        &format!("{{{RECORD}}}"),
        WRONG_RECORD,
    );
}

#[test]
fn delete() {
    check_operation(DeleteJobToken::new(7), user(), 204, "", WRONG_RECORD);
}

#[test]
fn list() {
    check_operation(
        ListJobTokens::new().limit(2).after(6),
        user(),
        200,
        &format!(
            r#"{{"job_tokens":[{{{RECORD}}},{{"token_id":9,"user_id":3,"label":null,"duration":99999,"created_at":1700000100,"expires_at":1700100099}}],"next_after":9}}"#
        ),
        &format!(r#"{{"job_tokens":[{{{RECORD}}},{WRONG_RECORD}],"next_after":9}}"#),
    );
}
