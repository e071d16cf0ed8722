//! The caller: `User` (the seed's account object) and `TokenType`.

use crate::{Credential, Login, LoginToken, Secret};

/// The three kinds of token, with the seed's numbering (sent as
/// `token_type` by `whoami`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
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
        let credential = match &self.login_token {
            Some(token) => Credential::bearer(token.token.clone()),
            None => Credential::none(),
        };
        match self.is_admin {
            Some(is_admin) => credential.with_admin(is_admin),
            None => credential,
        }
    }
}
