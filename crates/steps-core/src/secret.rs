//! `Secret`: a password or token string that never prints itself.

use std::fmt;

use serde_core::{Deserialize, Deserializer};
use zeroize::Zeroize;

/// A password, login token, job token or API key.
///
/// `Debug` and `Display` print a fixed redaction, so a secret cannot reach a
/// log line, an error message or a panic by accident. The value is read only
/// through [`Secret::expose`], which makes every place that needs the real
/// string easy to find in review.
///
/// `Secret` deliberately implements neither `PartialEq` (a naive comparison
/// leaks timing, and tests should compare `expose()` explicitly) nor
/// `Serialize` (request bodies are built from `expose()` at the one place the
/// protocol sends the value).
///
/// The bytes a `Secret` holds are overwritten with zeros when it is dropped
/// (with the `zeroize` crate, as the AWS SDK does for its credentials), so a
/// token does not linger in freed memory for a later core dump or heap
/// read. Copies outside it are not covered: the HTTP buffers a response
/// arrived in, the `Authorization` header value of a request, and whatever
/// is made from [`Secret::expose`].
///
/// ```
/// use steps_core::Secret;
///
/// let password = Secret::new("hunter2");
/// assert_eq!(format!("{password:?}"), "Secret(<redacted>)");
/// assert_eq!(password.to_string(), "<redacted>");
/// assert_eq!(password.expose(), "hunter2");
/// ```
#[derive(Clone)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a secret string.
    pub fn new(value: impl Into<String>) -> Self {
        let mut value: String = value.into();
        if value.capacity() == value.len() {
            // No reallocation: the buffer becomes the secret's own.
            return Secret(value.into_boxed_str());
        }
        // Shrinking would free the old buffer unzeroed: copy, then zero it.
        let secret = Secret(Box::from(value.as_str()));
        value.zeroize();
        secret
    }

    /// Returns the secret value. Call this only where the value must leave
    /// the process (a request header or body, or the one time a new secret is
    /// shown to its owner).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

// Written out, not derived: a fixed redaction, never the value.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}
