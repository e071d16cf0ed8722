//! The protocol's limits on what a client sends, and the checks that apply
//! them before anything is sent (the seed's preconditions on input).

use std::time::Duration;

use crate::BuildError;

/// The longest label the protocol accepts, in bytes.
pub const MAX_LABEL_BYTES: usize = 256;
/// The longest lifetime the protocol accepts: ten years (315,360,000 s).
pub const MAX_DURATION: Duration = Duration::from_secs(315_360_000);
/// The lifetime of a new token when none is given: 99,999 s, as in the
/// Python client.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(99_999);
/// The longest page a server returns. A larger `limit` is clamped to it
/// before sending: a documented client policy (docs/style.md), so that the
/// request says what the caller will get; the server clamps too.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// Checks a new token's label against the protocol: at most
/// [`MAX_LABEL_BYTES`] bytes, and no control characters (C0, DEL, C1),
/// which a terminal would act on when the label is shown.
pub(crate) fn check_label(operation: &'static str, label: Option<&str>) -> Result<(), BuildError> {
    match label {
        Some(label) if label.len() > MAX_LABEL_BYTES => Err(BuildError::InvalidInput {
            operation,
            reason: format!("the label is {} bytes, more than {MAX_LABEL_BYTES}", label.len()),
        }),
        Some(label) if label.chars().any(char::is_control) => Err(BuildError::InvalidInput {
            operation,
            reason: "the label has control characters, which the protocol does not allow".to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Checks a new token's lifetime against the protocol, returning it in the
/// wire's whole seconds.
pub(crate) fn check_duration(operation: &'static str, duration: Duration) -> Result<u64, BuildError> {
    let invalid = |reason: String| BuildError::InvalidInput { operation, reason };
    if duration.subsec_nanos() != 0 {
        return Err(invalid(
            "the duration must be a whole number of seconds".to_owned(),
        ));
    }
    if duration.is_zero() || duration > MAX_DURATION {
        return Err(invalid(format!(
            "the duration must be from 1 to {} seconds",
            MAX_DURATION.as_secs()
        )));
    }
    Ok(duration.as_secs())
}

/// Checks a page limit, clamping it to [`MAX_PAGE_LIMIT`].
pub(crate) fn check_page_limit(operation: &'static str, limit: u32) -> Result<u32, BuildError> {
    if limit == 0 {
        return Err(BuildError::InvalidInput {
            operation,
            reason: format!("the page limit must be from 1 to {MAX_PAGE_LIMIT}"),
        });
    }
    Ok(limit.min(MAX_PAGE_LIMIT))
}
