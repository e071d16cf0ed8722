//! `Credential`: the token a request is sent with, and `Access`: what an
//! operation requires of it. The credential is passed to
//! [`Operation::build_request`](crate::Operation::build_request) rather than
//! held by the operation, so that one operation value can be sent by anyone
//! and sent again after a renewed login. (A login token becomes one through
//! `From<&LoginToken>`, in `login.rs`.)

use crate::{BuildError, Secret};

/// Who may call an operation: what [`Operation::build_request`](crate::Operation::build_request) checks the
/// [`Credential`] against before it builds anything.
///
/// The server has the last word (it answers 401 and 403); these checks are
/// the seed's preconditions, which fail early and send nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// No token is sent, even if the credential holds one (login).
    Anonymous,
    /// Any valid token: a login token, job token or API key (whoami).
    AnyToken,
    /// A user's login token (creating, reading and deleting job tokens).
    LoginToken,
    /// An admin's login token (listing job tokens, everything on API keys).
    /// A credential known not to be an admin's fails with
    /// [`BuildError::AdminRequired`]; one whose admin status is unknown is
    /// sent, and the server decides.
    Admin,
}

/// The token a request is sent with, and whether its holder is known to be
/// an admin.
///
/// ```
/// use steps_core::{Credential, Secret};
///
/// let credential = Credential::bearer(Secret::new("stl_example")).with_admin(false);
/// assert_eq!(credential.is_admin(), Some(false));
/// assert!(!format!("{credential:?}").contains("stl_example"));
/// ```
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

    /// No token: for [`Access::Anonymous`] operations (login). Every other
    /// operation fails to build with [`BuildError::NotLoggedIn`].
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

    /// The token to send for an operation that needs `access`: `None` for
    /// an anonymous one, else the token, or the precondition that failed.
    pub(crate) fn authorize(
        &self,
        operation: &'static str,
        access: Access,
    ) -> Result<Option<&Secret>, BuildError> {
        if access == Access::Anonymous {
            return Ok(None);
        }
        let token = self.token.as_ref().ok_or(BuildError::NotLoggedIn { operation })?;
        if access == Access::Admin && self.is_admin == Some(false) {
            return Err(BuildError::AdminRequired { operation });
        }
        Ok(Some(token))
    }
}
