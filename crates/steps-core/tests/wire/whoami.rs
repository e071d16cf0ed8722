//! `whoami`: request and responses.

use steps_core::Whoami;

use crate::support::{check_operation, user};

#[test]
fn whoami() {
    check_operation(
        Whoami,
        user(),
        200,
        r#"{"user_id":2,"token_type":0,"is_admin":false,"expires_at":1700086400}"#,
        r#"{"user_id":2,"token_type":"login","is_admin":false}"#,
    );
}
