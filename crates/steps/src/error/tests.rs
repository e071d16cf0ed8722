//! The messages and source chains of `Error`, pinned.
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use steps_core::{CreateJobToken, ListJobTokens, Login, Operation, RotateSelf, Whoami};

use super::*;

// The operations' names, from the core: the messages say them, and no name
// is written here twice.
const CREATE: &str = <CreateJobToken as Operation>::NAME;
const ROTATE_SELF: &str = <RotateSelf as Operation>::NAME;
const WHOAMI: &str = <Whoami as Operation>::NAME;
const LOGIN: &str = <Login as Operation>::NAME;
const LIST: &str = <ListJobTokens as Operation>::NAME;

fn io(operation: &'static str) -> TransportError {
    TransportError::Io {
        operation,
        source: Box::new(std::io::Error::other("reset by peer")),
    }
}

/// The messages and source chains the thiserror derive gave, which the
/// written-out impls keep: `Display` names the operation, the cause is
/// only a `source()`, and transparent wrappers add no link.
#[test]
fn messages_and_sources_are_those_of_the_derive() {
    let unknown = Error::from(TransportError::OutcomeUnknown {
        operation: CREATE,
        effect: steps_core::Effect::Create,
        cause: Box::new(io(CREATE)),
    });
    assert_eq!(
        unknown.to_string(),
        format!("{CREATE}: outcome unknown: the token may have been created")
    );
    let cause = unknown.source().expect("the transport's error");
    // The cause itself, not its box (the derive gave the box).
    assert!(cause.is::<TransportError>());
    assert_eq!(
        cause.to_string(),
        format!("{CREATE}: the connection failed during the request")
    );
    assert_eq!(
        cause.source().expect("the I/O error").to_string(),
        "reset by peer"
    );

    let rotated = Error::from(TransportError::OutcomeUnknown {
        operation: ROTATE_SELF,
        effect: steps_core::Effect::Rotate,
        cause: Box::new(TransportError::Timeout {
            operation: ROTATE_SELF,
            after: Duration::from_secs(30),
        }),
    });
    assert_eq!(
        rotated.to_string(),
        format!("{ROTATE_SELF}: outcome unknown: the token may have been rotated")
    );
    assert_eq!(
        rotated.source().expect("a cause").to_string(),
        format!("{ROTATE_SELF}: timed out after 30s")
    );

    // Transparent: the transport's message, and its source directly.
    let lost = Error::from(io(WHOAMI));
    assert_eq!(
        lost.to_string(),
        format!("{WHOAMI}: the connection failed during the request")
    );
    assert_eq!(lost.source().expect("the I/O error").to_string(), "reset by peer");
    let shared = Error::shared(Arc::new(Error::from(io(LOGIN))));
    assert_eq!(
        shared.to_string(),
        format!("{LOGIN}: the connection failed during the request")
    );
    assert_eq!(
        shared.source().expect("the I/O error").to_string(),
        "reset by peer"
    );

    let too_large = Error::from(TransportError::BodyTooLarge {
        operation: LIST,
        limit: 4096,
    });
    assert_eq!(
        too_large.to_string(),
        format!("{LIST}: the response body is larger than 4096 bytes")
    );
    assert!(too_large.source().is_none());

    let unsupported = Error::unsupported(steps_core::Feature::Rotation);
    assert_eq!(
        unsupported.to_string(),
        "the server does not offer protocol feature \"rotation\", which this call needs"
    );
    assert!(unsupported.source().is_none());
    assert!(Error::blocking_in_async()
        .to_string()
        .starts_with("a steps::blocking call was made inside an async runtime"));
    let config = Error {
        repr: Repr::Config("the base URL has no host".to_owned()),
    };
    assert_eq!(
        config.to_string(),
        "invalid configuration: the base URL has no host"
    );
}
