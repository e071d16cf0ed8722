//! `Account`: an account the emulator knows, as a test suite gives it.

use std::fmt;

/// An account the emulator knows.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Account {
    /// The email to log in with.
    pub email: String,
    /// The password to log in with.
    pub password: String,
    /// Whether the account is an admin.
    #[serde(default)]
    pub is_admin: bool,
}

impl Account {
    /// A user account (not an admin).
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Account {
            email: email.into(),
            password: password.into(),
            is_admin: false,
        }
    }

    /// An admin account.
    pub fn admin(email: impl Into<String>, password: impl Into<String>) -> Self {
        Account {
            is_admin: true,
            ..Account::new(email, password)
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("is_admin", &self.is_admin)
            .finish()
    }
}
