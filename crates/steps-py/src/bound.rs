//! `BoundResource`: what the binding needs of a token resource beyond what the
//! core's `Resource` declares (the Python class's name, the SDK's
//! collection, the unknown fields); and what follows from the core's
//! facts for both kinds: who may call, the default lifetime, the names of
//! the fields every token has, and the compile-time checks that
//! `token_class!` makes of the Python names against the core.

use std::time::Duration;

use steps::steps_core::{Access, Operation, DEFAULT_DURATION};
use steps::{Extra, Resource, Session, Tokens};

/// A token resource as the binding sees it: the core's `Resource` (its
/// name, path, id and secret fields, who may call, the accessors) and
/// what the Python class adds. Implemented by `token_class!` for each
/// class it defines.
pub(crate) trait BoundResource: Resource + Send + Sync + Sized + 'static {
    /// The Python class's name (`JobToken`).
    const CLASS: &'static str;

    /// The SDK's collection of this kind, as seen by `session`.
    fn tokens(session: &Session) -> Tokens<'_, Self>;

    /// Fields the server sent that this version does not know.
    fn extra(&self) -> &Extra;
}

/// Whether the client checks before sending that the caller is not known
/// to be a non-admin: for operations the core says need an admin.
pub(crate) const fn needs_admin<O: Operation>() -> bool {
    matches!(O::ACCESS, Access::Admin)
}

/// Whole seconds as the Python attributes hold them.
pub(crate) const fn seconds(duration: Duration) -> i64 {
    let secs = duration.as_secs();
    if secs > i64::MAX as u64 {
        i64::MAX
    } else {
        secs as i64
    }
}

/// The lifetime of a token made without one: the constructors' default.
pub(crate) const DEFAULT_SECONDS: i64 = seconds(DEFAULT_DURATION);

/// The fields every token record has besides its id and secret (which
/// differ by resource: `Resource::ID_FIELD`, `Resource::SECRET_FIELD`), as
/// the protocol and the Python client name them: the keys of `read`'s and
/// `whoami`'s dicts and the keyword arguments the constructors know.
pub(crate) mod field {
    /// The owner's user id.
    pub(crate) const USER_ID: &str = "user_id";
    /// The label.
    pub(crate) const LABEL: &str = "label";
    /// The lifetime, in seconds.
    pub(crate) const DURATION: &str = "duration";
    /// When it was created (Unix seconds).
    pub(crate) const CREATED_AT: &str = "created_at";
    /// When it expires (Unix seconds).
    pub(crate) const EXPIRES_AT: &str = "expires_at";
    /// When its secret was last rotated (Unix seconds).
    pub(crate) const ROTATED_AT: &str = "rotated_at";
}

/// Whether `a` and `b` are the same string, at compile time.
pub(crate) const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether the text signature `signature` gives the parameter `name` the
/// default `value` (`duration=99999`), at compile time.
pub(crate) const fn has_default(signature: &str, name: &str, value: i64) -> bool {
    let (text, name) = (signature.as_bytes(), name.as_bytes());
    let mut start = 0;
    while start + name.len() < text.len() {
        let mut i = 0;
        while i < name.len() && text[start + i] == name[i] {
            i += 1;
        }
        let follows_a_separator = start == 0 || matches!(text[start - 1], b'(' | b' ');
        if i == name.len() && follows_a_separator && text[start + i] == b'=' {
            let (mut at, mut number, mut digits) = (start + i + 1, 0i64, 0);
            while at < text.len() && text[at].is_ascii_digit() {
                number = number * 10 + (text[at] - b'0') as i64;
                at += 1;
                digits += 1;
            }
            return digits > 0 && number == value;
        }
        start += 1;
    }
    false
}
