//! The caller: `User` (the seed's account object), `Credential` (the token
//! an operation is sent with) and `TokenType`.

use crate::{BuildError, Login, LoginToken, Secret};

/// The three kinds of token, with the seed's numbering (sent as
/// `token_type` by `whoami`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TokenType {
    /// A login token, from `POST /api/login`.
    Login = 0,
    /// A job token, made by a user for a job.
    Job = 1,
    /// An API key, made by an admin for a worker.
    ApiKey = 2,
}

impl TokenType {
    /// The protocol's number for this type.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The type with the protocol's number `code`, if this version knows it.
    pub fn from_code(code: u64) -> Option<TokenType> {
        match code {
            0 => Some(TokenType::Login),
            1 => Some(TokenType::Job),
            2 => Some(TokenType::ApiKey),
            _ => None,
        }
    }
}

/// An account: email and password, and what logging in taught us.
///
/// ```
/// use steps_core::{User, Secret};
///
/// let user = User::new("ada@example.com", Secret::new("correct horse"));
/// assert!(user.login_token.is_none());
/// assert!(!format!("{user:?}").contains("correct horse"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct User {
    /// The email the user logs in with.
    pub email: String,
    /// The password the user logs in with.
    pub password: Secret,
    /// The user's id, once known from logging in.
    pub user_id: Option<i64>,
    /// Whether the user is an admin, once known from logging in.
    pub is_admin: Option<bool>,
    /// The login token, once logged in.
    pub login_token: Option<LoginToken>,
}

impl User {
    /// A user who has not logged in yet.
    pub fn new(email: impl Into<String>, password: Secret) -> Self {
        User {
            email: email.into(),
            password,
            user_id: None,
            is_admin: None,
            login_token: None,
        }
    }

    /// The operation that logs this user in.
    pub fn login(&self) -> Login {
        Login::new(self.email.clone(), self.password.clone())
    }

    /// Records a login: keeps the token, and the user id and admin flag
    /// when the server sent them.
    pub fn logged_in(&mut self, token: LoginToken) {
        if token.user_id.is_some() {
            self.user_id = token.user_id;
        }
        if token.is_admin.is_some() {
            self.is_admin = token.is_admin;
        }
        self.login_token = Some(token);
    }

    /// The credential for operations made as this user.
    pub fn credential(&self) -> Credential {
        Credential {
            token: self.login_token.as_ref().map(|t| t.token.clone()),
            is_admin: self.is_admin,
        }
    }
}

/// The token an operation is sent with, and whether its holder is known to
/// be an admin. Operations own one, so they borrow nothing.
#[derive(Clone, Debug, Default)]
pub struct Credential {
    token: Option<Secret>,
    is_admin: Option<bool>,
}

impl Credential {
    /// A credential with this token; whether it belongs to an admin is
    /// unknown (the server decides).
    pub fn bearer(token: Secret) -> Self {
        Credential {
            token: Some(token),
            is_admin: None,
        }
    }

    /// No token: every operation that needs one fails to build with
    /// [`BuildError::NotLoggedIn`].
    pub fn none() -> Self {
        Credential::default()
    }

    /// Records whether the holder is an admin, so that admin-only operations
    /// fail before sending when they are known not to be.
    pub fn with_admin(mut self, is_admin: bool) -> Self {
        self.is_admin = Some(is_admin);
        self
    }

    /// The token, if there is one.
    pub fn token(&self) -> Option<&Secret> {
        self.token.as_ref()
    }

    /// Whether the holder is an admin, if known.
    pub fn is_admin(&self) -> Option<bool> {
        self.is_admin
    }

    /// The token, or [`BuildError::NotLoggedIn`].
    pub(crate) fn require_token(&self, operation: &'static str) -> Result<&Secret, BuildError> {
        self.token.as_ref().ok_or(BuildError::NotLoggedIn { operation })
    }

    /// The token of a caller not known to be a non-admin, or the build error.
    pub(crate) fn require_admin(&self, operation: &'static str) -> Result<&Secret, BuildError> {
        let token = self.require_token(operation)?;
        if self.is_admin == Some(false) {
            return Err(BuildError::AdminRequired { operation });
        }
        Ok(token)
    }
}

impl From<&LoginToken> for Credential {
    fn from(token: &LoginToken) -> Self {
        Credential {
            token: Some(token.token.clone()),
            is_admin: token.is_admin,
        }
    }
}
