//! `SessionToken`: the token a session sends, and what the session knows it
//! to be. A session made by a login holds a login token; one given a token
//! holds it as given until the server says what it is; a job token or API
//! key that rotated itself holds its new secret as what it is.

use std::time::{Duration, SystemTime};

use steps_core::{Credential, Expiry, LoginToken, Secret, TokenType};

/// The token a [`Session`](crate::Session) sends.
///
/// ```
/// use steps::{Secret, SessionToken, TokenType};
///
/// let given = SessionToken::Given(Secret::new("stj_example"));
/// assert_eq!(given.token_type(), None);
/// assert_eq!(given.secret().expose(), "stj_example");
/// assert!(given.login_token().is_none());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SessionToken {
    /// A login token, from [`Client::login`](crate::Client::login) or a
    /// renewal.
    Login(LoginToken),
    /// A token given to the session
    /// ([`Client::session_from_token`](crate::Client::session_from_token)),
    /// of a type the session has not asked the server about (whoami says).
    Given(Secret),
    /// A job token's new secret, after the token rotated itself.
    JobToken(Secret),
    /// An API key's new secret, after the key rotated itself.
    ApiKey(Secret),
}

impl SessionToken {
    /// The secret sent with every call.
    pub fn secret(&self) -> &Secret {
        match self {
            SessionToken::Login(token) => &token.token,
            SessionToken::Given(secret) | SessionToken::JobToken(secret) | SessionToken::ApiKey(secret) => {
                secret
            }
        }
    }

    /// What the token is, where the session knows.
    pub fn token_type(&self) -> Option<TokenType> {
        match self {
            SessionToken::Login(_) => Some(TokenType::Login),
            SessionToken::JobToken(_) => Some(TokenType::Job),
            SessionToken::ApiKey(_) => Some(TokenType::ApiKey),
            SessionToken::Given(_) => None,
        }
    }

    /// The login token, for a session that logged in.
    pub fn login_token(&self) -> Option<&LoginToken> {
        match self {
            SessionToken::Login(token) => Some(token),
            _ => None,
        }
    }

    /// When it expires, where the server said (at login).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.login_token().and_then(|token| token.expires_at)
    }

    /// Where it stands at `now`, renewed `margin` early; unknown unless the
    /// server said when it expires.
    pub(crate) fn expiry(&self, now: SystemTime, margin: Duration) -> Expiry {
        match self {
            SessionToken::Login(token) => token.expiry(now, margin),
            _ => Expiry::Unknown,
        }
    }

    /// The credential calls are sent with: with the admin flag a login
    /// answered, if it did.
    pub(crate) fn credential(&self) -> Credential {
        match self {
            SessionToken::Login(token) => Credential::from(token),
            other => Credential::bearer(other.secret().clone()),
        }
    }
}
