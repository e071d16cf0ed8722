//! The seed's preconditions: checked before any request is built.

use std::time::Duration;

use steps_core::{
    BuildError, CreateApiKey, CreateJobToken, Credential, DeleteApiKey, DeleteJobToken, ListApiKeys,
    ListJobTokens, Login, Operation, ReadApiKey, ReadJobToken, Secret, Whoami,
};

use crate::support::{ctx, user};

fn build_error<O: Operation>(op: O, credential: Credential) -> BuildError {
    op.build_request(&ctx(), &credential)
        .expect_err("the build must fail")
}

fn builds<O: Operation>(op: O, credential: Credential) -> bool {
    op.build_request(&ctx(), &credential).is_ok()
}

#[test]
fn every_authenticated_operation_needs_a_token() {
    let none = Credential::none;
    let errors = [
        build_error(Whoami, none()),
        build_error(CreateJobToken::new(), none()),
        build_error(ReadJobToken::new(1), none()),
        build_error(DeleteJobToken::new(1), none()),
        build_error(ListJobTokens::new(), none()),
        build_error(CreateApiKey::new(), none()),
        build_error(ReadApiKey::new(1), none()),
        build_error(DeleteApiKey::new(1), none()),
        build_error(ListApiKeys::new(), none()),
    ];
    for error in errors {
        assert!(matches!(error, BuildError::NotLoggedIn { .. }), "{error:?}");
    }
    // Login is anonymous: it builds with no credential, and sends none even
    // when given one.
    let login = Login::new("ada@example.com", Secret::new("pw"));
    assert!(builds(login.clone(), none()));
    let request = login.build_request(&ctx(), &user()).expect("builds");
    assert!(request.headers().get("authorization").is_none());
}

#[test]
fn admin_operations_fail_for_a_known_non_admin_and_build_otherwise() {
    let non_admin = || user().with_admin(false);
    let errors = [
        build_error(ListJobTokens::new(), non_admin()),
        build_error(CreateApiKey::new(), non_admin()),
        build_error(ReadApiKey::new(1), non_admin()),
        build_error(DeleteApiKey::new(1), non_admin()),
        build_error(ListApiKeys::new(), non_admin()),
    ];
    for error in errors {
        assert!(matches!(error, BuildError::AdminRequired { .. }), "{error:?}");
    }
    // A non-admin still creates, reads and deletes their own job tokens.
    assert!(builds(CreateJobToken::new(), non_admin()));
    assert!(builds(ReadJobToken::new(1), non_admin()));
    assert!(builds(DeleteJobToken::new(1), non_admin()));
    assert!(builds(Whoami, non_admin()));
    assert!(builds(ListApiKeys::new(), user().with_admin(true)));
}

#[test]
fn reading_or_deleting_a_token_never_created_fails() {
    for error in [
        build_error(ReadJobToken::new(-1), user()),
        build_error(DeleteJobToken::new(-1), user()),
        build_error(ReadApiKey::new(-1), user()),
        build_error(DeleteApiKey::new(-1), user()),
    ] {
        assert!(
            matches!(error, BuildError::NotCreated { id: -1, .. }),
            "{error:?}"
        );
    }
}

#[test]
fn invalid_input_is_refused_with_a_reason() {
    let cases = [
        build_error(Login::new("", Secret::new("pw")), Credential::none()),
        build_error(Login::new("a@example.com", Secret::new("")), Credential::none()),
        build_error(CreateJobToken::new().label("x".repeat(257)), user()),
        build_error(CreateJobToken::new().label("a\u{1b}]52;c;AAAA\u{7}"), user()),
        build_error(CreateApiKey::new().label("row\u{1b}[1A\u{1b}[2K"), user()),
        build_error(CreateJobToken::new().label("c1 \u{9b}31m"), user()),
        build_error(CreateJobToken::new().label("del \u{7f}"), user()),
        build_error(CreateJobToken::new().label("tab\there"), user()),
        build_error(CreateJobToken::new().duration(Duration::ZERO), user()),
        build_error(
            CreateJobToken::new().duration(Duration::from_secs(315_360_001)),
            user(),
        ),
        build_error(CreateApiKey::new().duration(Duration::from_millis(1500)), user()),
        build_error(ListJobTokens::new().limit(0), user()),
        build_error(ListJobTokens::new().after(-1), user()),
        build_error(Whoami, Credential::bearer(Secret::new("bad\ntoken"))),
        build_error(Whoami, Credential::bearer(Secret::new(""))),
    ];
    for error in cases {
        assert!(matches!(error, BuildError::InvalidInput { .. }), "{error:?}");
        assert!(!error.to_string().contains("bad\ntoken"));
    }
    // The limits themselves are accepted.
    let edge = CreateJobToken::new()
        .label("x".repeat(256))
        .duration(Duration::from_secs(315_360_000));
    assert!(builds(edge, user()));
}

#[test]
fn the_page_limit_is_clamped_to_the_server_maximum() {
    let request = ListJobTokens::new()
        .limit(5000)
        .build_request(&ctx(), &user())
        .expect("builds");
    assert_eq!(request.uri().query(), Some("limit=1000"));
}

#[test]
fn paths_go_below_the_base_url_prefix() {
    for (base, expected) in [
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787/api/whoami"),
        ("http://127.0.0.1:8787/", "http://127.0.0.1:8787/api/whoami"),
        ("https://h.invalid/a/b/", "https://h.invalid/a/b/api/whoami"),
    ] {
        let ctx = steps_core::CloudContext::new(base).expect("valid base");
        let request = Whoami.build_request(&ctx, &user()).expect("builds");
        assert_eq!(request.uri().to_string(), expected);
    }
}

#[test]
fn invalid_base_urls_and_headers_fail_at_construction() {
    use steps_core::{CloudContext, ContextError};
    for base in [
        "",
        "api.steps.invalid",
        "ftp://h.invalid",
        "https://user:pw@h.invalid",
        "https://h.invalid/?x=1",
        "https://h.invalid/#x",
        "/api",
    ] {
        assert!(
            matches!(CloudContext::new(base), Err(ContextError::InvalidBaseUrl { .. })),
            "{base:?} must be refused"
        );
    }
    let ctx = CloudContext::new("https://h.invalid").expect("valid");
    for reserved in ["Authorization", "Idempotency-Key", "Proxy-Authorization"] {
        assert!(matches!(
            ctx.clone().with_header(reserved, "x"),
            Err(ContextError::ReservedHeader { .. })
        ));
    }
    assert!(matches!(
        ctx.clone().with_header("bad header", "x"),
        Err(ContextError::InvalidHeader { .. })
    ));
    assert!(matches!(
        ctx.clone().with_user_agent("bad\nagent"),
        Err(ContextError::InvalidUserAgent)
    ));
    let with_key = ctx
        .clone()
        .with_header("x-gateway-key", "gw_TEST_value")
        .expect("valid");
    let debug = format!("{with_key:?}");
    assert!(
        debug.contains("x-gateway-key") && !debug.contains("gw_TEST_value"),
        "{debug}"
    );
    let with_tenant = ctx.with_header("x-tenant", "blue").expect("valid header");
    let request = Whoami.build_request(&with_tenant, &user()).expect("builds");
    assert_eq!(request.headers()["x-tenant"], "blue");
}
