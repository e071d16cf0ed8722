//! [`PathFamily`]: which paths a call goes to, by its credential.

/// Which family of paths a call goes to, by the credential it is sent
/// with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathFamily {
    /// A job token's calls: `/api/tokens…` (the default: what the cloud's
    /// users and Perceval hold).
    #[default]
    JobToken,
    /// A logged-in user's calls (a login token from `/api/login`):
    /// `/api/auth/tokens…`.
    LoginToken,
}

impl PathFamily {
    /// Refuses an operation the logged-in family has no path for
    /// (`docs/quandela.md`, A3): it takes a job token only.
    pub(crate) fn job_token_only(self, operation: &'static str) -> Result<(), crate::BuildError> {
        match self {
            PathFamily::JobToken => Ok(()),
            PathFamily::LoginToken => Err(crate::BuildError::InvalidInput {
                operation,
                reason: "the cloud offers this to a job token only, not to a logged-in user's token"
                    .to_owned(),
            }),
        }
    }

    /// The collection's path.
    pub(crate) const fn base(self) -> &'static str {
        match self {
            PathFamily::JobToken => "/api/tokens",
            PathFamily::LoginToken => "/api/auth/tokens",
        }
    }
}
