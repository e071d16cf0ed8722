//! `login`: request and responses.

use steps_core::{Credential, Login, Secret};

use crate::support::{check_operation, LOGIN_TOKEN, PASSWORD};

#[test]
fn login() {
    check_operation(
        Login::new("ada@example.com", Secret::new(PASSWORD)),
        Credential::none(),
        200,
        &format!(r#"{{"token":"{LOGIN_TOKEN}","user_id":2,"is_admin":false,"expires_at":1700086400}}"#),
        r#"{"token":12345,"user_id":"two","is_admin":"no"}"#,
    );
}
