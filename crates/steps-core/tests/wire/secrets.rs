//! No public type's `Debug` or `Display` shows a password or token.

use bytes::Bytes;
use steps_core::{
    CreateApiKey, CreateJobToken, Credential, Login, LoginToken, Operation, ReadJobToken, Secret, User,
    Whoami,
};

use crate::support::{ctx, ALL_SECRETS, API_SECRET, JOB_SECRET, LOGIN_TOKEN, PASSWORD};

fn assert_hidden(what: &str, rendered: String) {
    for secret in ALL_SECRETS {
        assert!(!rendered.contains(secret), "{what} shows a secret: {rendered}");
    }
}

fn ok(body: String) -> http::Response<Bytes> {
    http::Response::builder()
        .status(201)
        .body(Bytes::from(body))
        .expect("valid")
}

#[test]
fn debug_and_display_of_every_type_holding_a_secret_redact_it() {
    let secret = Secret::new(PASSWORD);
    assert_hidden("Secret Debug", format!("{secret:?}"));
    assert_hidden("Secret Display", format!("{secret}"));

    let login_op = Login::new("ada@example.com", Secret::new(PASSWORD));
    assert_hidden("Login", format!("{login_op:?}"));
    let token = login_op
        .parse_response(ok(format!(r#"{{"token":"{LOGIN_TOKEN}","is_admin":true}}"#)))
        .expect("parses");
    assert_eq!(token.token.expose(), LOGIN_TOKEN);
    assert_hidden("LoginToken", format!("{token:?}"));

    let mut user = User::new("ada@example.com", Secret::new(PASSWORD));
    user.logged_in(token.clone());
    assert_hidden("User", format!("{user:?}"));
    let credential = user.credential();
    assert_hidden("Credential", format!("{credential:?}"));
    assert_hidden(
        "Credential from LoginToken",
        format!("{:?}", Credential::from(&token)),
    );
    assert_hidden(
        "LoginToken::from_secret",
        format!("{:?}", LoginToken::from_secret(Secret::new(LOGIN_TOKEN))),
    );
    // Operations hold no credential; the request they build carries it in
    // a sensitive header, which `Debug` of the request still shows, so it
    // is never logged (the transport logs method and path only).
    let request = Whoami.build_request(&ctx(), &credential).expect("builds");
    assert!(request.headers()["authorization"].is_sensitive());
    assert_hidden("Whoami", format!("{Whoami:?}"));
    assert_hidden("ReadJobToken", format!("{:?}", ReadJobToken::new(3)));

    let create = CreateJobToken::new();
    assert_hidden("CreateJobToken", format!("{create:?}"));
    let job = create
        .parse_response(ok(format!(
            r#"{{"token_id":1,"user_id":1,"label":null,"duration":5,"created_at":1,"expires_at":6,"token":"{JOB_SECRET}"}}"#
        )))
        .expect("parses");
    assert_eq!(job.token.as_ref().map(Secret::expose), Some(JOB_SECRET));
    assert_hidden("JobToken", format!("{job:?}"));

    let create_key = CreateApiKey::new();
    let key = create_key
        .parse_response(ok(format!(
            r#"{{"api_key_id":1,"user_id":1,"label":"w","duration":5,"created_at":1,"expires_at":6,"api_key":"{API_SECRET}"}}"#
        )))
        .expect("parses");
    assert_eq!(key.token().map(Secret::expose), Some(API_SECRET));
    assert_hidden("ApiKey", format!("{key:?}"));
}

#[test]
fn errors_never_quote_a_mistyped_secret() {
    // A server that sends a secret where an integer belongs must not have
    // it copied into the error.
    let op = CreateJobToken::new();
    let error = op
        .parse_response(ok(format!(
            r#"{{"token_id":"{JOB_SECRET}","user_id":1,"duration":5,"created_at":1,"expires_at":6,"token":"{JOB_SECRET}"}}"#
        )))
        .expect_err("mistyped");
    assert_hidden("DecodeError Debug", format!("{error:?}"));
    assert_hidden("DecodeError Display", error.to_string());
    assert!(error.to_string().contains("token_id"), "{error}");
}

#[test]
fn a_create_response_without_its_secret_is_an_error() {
    let op = CreateJobToken::new();
    let error = op
        .parse_response(ok(
            r#"{"token_id":1,"user_id":1,"duration":5,"created_at":1,"expires_at":6}"#.to_owned(),
        ))
        .expect_err("no secret");
    assert!(error.to_string().contains("missing field `token`"), "{error}");
}
