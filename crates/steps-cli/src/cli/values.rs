//! The value parsers of the global options and of `auth switch`: each
//! checks its value before anything runs.

use std::time::Duration;

use steps::Secret;

use crate::duration::parse_duration;

/// A secret argument, held as a `Secret` so that the parsed command line's
/// `Debug` cannot show it.
pub(super) fn parse_secret(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

/// The longest `--timeout`: a day. Longer is surely a mistake, and a
/// deadline centuries away overflows the clock.
const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// A `--timeout`: a duration more than zero (every call would fail) and at
/// most [`MAX_TIMEOUT`].
pub(super) fn parse_timeout(value: &str) -> Result<Duration, String> {
    let timeout = parse_duration(value)?;
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err("the timeout must be more than zero and at most 1d".to_owned());
    }
    Ok(timeout)
}

/// A `--profile`: 1 to 64 letters, digits, `-`, `_` or `.`, so that it
/// reads well in messages and cannot be mistaken for a flag or a path.
pub(super) fn parse_profile(value: &str) -> Result<String, String> {
    if !is_profile_name(value) {
        return Err("a profile name is 1 to 64 letters, digits, '-', '_' or '.'".to_owned());
    }
    Ok(value.to_owned())
}

/// Whether `value` is a profile name `--profile` takes.
pub(crate) fn is_profile_name(value: &str) -> bool {
    let fits = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    !value.is_empty() && value.len() <= 64 && fits && !value.starts_with('-')
}

#[cfg(test)]
mod tests {
    #[test]
    fn profile_names_are_checked() {
        for good in ["default", "admin", "ci.prod-2", "A_b"] {
            assert!(super::parse_profile(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(super::parse_profile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_zero_timeout_is_refused() {
        assert!(super::parse_timeout("0").is_err());
        assert!(super::parse_timeout("0s").is_err());
        assert!(super::parse_timeout("30500568904943w").is_err());
        assert!(super::parse_timeout("25h").is_err());
        assert_eq!(super::parse_timeout("1s"), Ok(std::time::Duration::from_secs(1)));
        assert_eq!(super::parse_timeout("1d"), Ok(super::MAX_TIMEOUT));
    }
}
