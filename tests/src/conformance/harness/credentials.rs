//! What the quandela profile is given: job tokens of two users and of an
//! admin, and, where the server offers `/api/login`, the user's email and
//! password. Only the user's job token is required; the checks that need
//! what was not given are reported skipped.

/// The quandela profile's credentials (`docs/quandela.md`).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct QuandelaCredentials {
    /// A job token of a user (required): most checks run with it.
    pub user: String,
    /// A job token of another, non-admin user: the checks that a user may
    /// not act on another's tokens (403), and that labels are unique per
    /// user only.
    pub other: Option<String>,
    /// A job token of an admin: the checks of `user_id` delegation.
    pub admin: Option<String>,
    /// The user's email and password, for `POST /api/login` (the user of
    /// [`QuandelaCredentials::user`]): the logged-in family's checks.
    pub login: Option<(String, String)>,
    /// The base URL of a steps-emulator control plane (`…/_steps`,
    /// `docs/quandela.md`): the kit records usage with `POST
    /// /_steps/usage` to check the report's sums, and, when
    /// [`Options::advance_clock`](crate::conformance::Options::advance_clock)
    /// is not given, moves the clock with `POST /_steps/clock`.
    pub control: Option<String>,
}

impl QuandelaCredentials {
    /// Credentials with the user's job token only.
    pub fn new(user_job_token: impl Into<String>) -> Self {
        QuandelaCredentials {
            user: user_job_token.into(),
            ..QuandelaCredentials::default()
        }
    }

    /// Sets [`QuandelaCredentials::other`].
    pub fn other(mut self, job_token: impl Into<String>) -> Self {
        self.other = Some(job_token.into());
        self
    }

    /// Sets [`QuandelaCredentials::admin`].
    pub fn admin(mut self, job_token: impl Into<String>) -> Self {
        self.admin = Some(job_token.into());
        self
    }

    /// Sets [`QuandelaCredentials::login`].
    pub fn login(mut self, email: impl Into<String>, password: impl Into<String>) -> Self {
        self.login = Some((email.into(), password.into()));
        self
    }

    /// Sets [`QuandelaCredentials::control`].
    pub fn control(mut self, control_url: impl Into<String>) -> Self {
        self.control = Some(control_url.into());
        self
    }
}

impl std::fmt::Debug for QuandelaCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets are not shown.
        f.debug_struct("QuandelaCredentials")
            .field("other", &self.other.is_some())
            .field("admin", &self.admin.is_some())
            .field("login", &self.login.as_ref().map(|(email, _)| email))
            .field("control", &self.control)
            .finish_non_exhaustive()
    }
}
