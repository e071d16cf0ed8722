//! `Credential`: the token a request is sent with, passed to
//! [`Operation::build_request`](crate::Operation::build_request) rather than
//! held by the operation, so that one operation value can be sent by anyone
//! and sent again after a renewed login.

use crate::{Access, BuildError, LoginToken, Secret};

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

impl From<&LoginToken> for Credential {
    fn from(token: &LoginToken) -> Self {
        Credential {
            token: Some(token.token.clone()),
            is_admin: token.is_admin,
        }
    }
}
