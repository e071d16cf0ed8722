//! `POST /api/login`: email and password in, a `LoginToken` out; and the
//! rule for when a login token needs renewing.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Response;
use serde_core::Serialize;

use crate::wire::{self, wire_object};
use crate::{Access, BuildError, Credential, Effect, Extra, Operation, RequestParts, ResponseError, Secret};

/// A login token: authorises everything else a user does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoginToken {
    /// The token itself.
    pub token: Secret,
    /// The user's id, if the server sent it.
    pub user_id: Option<i64>,
    /// Whether the user is an admin, if the server sent it.
    pub is_admin: Option<bool>,
    /// When the token expires, if the server said.
    pub expires_at: Option<SystemTime>,
    /// Fields this version does not know.
    pub extra: Extra,
}

/// Where a token stands relative to its expiry, at a given `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// Valid for longer than the margin.
    Fresh,
    /// Still valid, but expires within the margin: renew before use.
    ExpiringSoon,
    /// Expired.
    Expired,
    /// The server did not say when it expires.
    Unknown,
}

impl LoginToken {
    /// A login token known only by its value (one given by the user, say).
    pub fn from_secret(token: Secret) -> Self {
        LoginToken {
            token,
            user_id: None,
            is_admin: None,
            expires_at: None,
            extra: Extra::default(),
        }
    }

    /// Where this token stands at `now`, counting it as expiring when less
    /// than `margin` remains. Pure: the caller reads the clock.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use steps_core::{Expiry, LoginToken, Secret};
    ///
    /// let mut token = LoginToken::from_secret(Secret::new("stl_x"));
    /// token.expires_at = Some(UNIX_EPOCH + Duration::from_secs(1_000));
    /// let at = |s| UNIX_EPOCH + Duration::from_secs(s);
    /// let margin = Duration::from_secs(30);
    /// assert_eq!(token.expiry(at(900), margin), Expiry::Fresh);
    /// assert_eq!(token.expiry(at(980), margin), Expiry::ExpiringSoon);
    /// assert_eq!(token.expiry(at(1_000), margin), Expiry::Expired);
    /// ```
    pub fn expiry(&self, now: SystemTime, margin: Duration) -> Expiry {
        let Some(expires_at) = self.expires_at else {
            return Expiry::Unknown;
        };
        match expires_at.duration_since(now) {
            Err(_) => Expiry::Expired,
            Ok(left) if left.is_zero() => Expiry::Expired,
            Ok(left) if left < margin => Expiry::ExpiringSoon,
            Ok(_) => Expiry::Fresh,
        }
    }
}

impl From<&LoginToken> for Credential {
    fn from(token: &LoginToken) -> Self {
        let credential = Credential::bearer(token.token.clone());
        match token.is_admin {
            Some(is_admin) => credential.with_admin(is_admin),
            None => credential,
        }
    }
}

/// `POST /api/login`: exchanges email and password for a [`LoginToken`].
#[derive(Clone, Debug)]
pub struct Login {
    email: String,
    password: Secret,
}

impl Login {
    /// Logs in with `email` and `password`.
    pub fn new(email: impl Into<String>, password: Secret) -> Self {
        Login {
            email: email.into(),
            password,
        }
    }
}

struct LoginBody<'a> {
    email: &'a str,
    password: &'a str,
}

/// As serde's derive writes it (the core builds no proc-macro).
impl Serialize for LoginBody<'_> {
    fn serialize<S: serde_core::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde_core::ser::SerializeStruct;
        let mut body = serializer.serialize_struct("LoginBody", 2)?;
        body.serialize_field("email", self.email)?;
        body.serialize_field("password", self.password)?;
        body.end()
    }
}

wire_object! {
    struct LoginWire {
        token: Secret,
        user_id: Option<i64>,
        is_admin: Option<bool>,
        expires_at: Option<u64>,
    }
}

impl Operation for Login {
    type Output = LoginToken;
    const NAME: &'static str = "login";
    const EFFECT: Effect = Effect::Login;
    /// Sends no token: the credential is ignored (pass
    /// [`Credential::none`](crate::Credential::none)).
    const ACCESS: Access = Access::Anonymous;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        let invalid = |reason: &str| BuildError::InvalidInput {
            operation: Self::NAME,
            reason: reason.to_owned(),
        };
        if self.email.is_empty() {
            return Err(invalid("the email is empty"));
        }
        if self.password.is_empty() {
            return Err(invalid("the password is empty"));
        }
        let body = LoginBody {
            email: &self.email,
            password: self.password.expose(),
        };
        Ok(RequestParts::post("/api/login").json(wire::to_json(Self::NAME, &body)?))
    }

    fn for_each_secret(&self, f: &mut dyn FnMut(&Secret)) {
        f(&self.password);
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<LoginToken, ResponseError> {
        let wire: LoginWire = wire::json_body(Self::NAME, &response)?;
        let expires_at = match wire.expires_at {
            Some(s) => Some(wire::unix_time(Self::NAME, response.status(), "expires_at", s)?),
            None => None,
        };
        Ok(LoginToken {
            token: wire.token,
            user_id: wire.user_id,
            is_admin: wire.is_admin,
            expires_at,
            extra: wire.extra,
        })
    }
}
