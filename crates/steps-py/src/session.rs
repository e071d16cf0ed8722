//! `UserSession`: the Rust session a call made as a user goes through (the
//! one their login token logged in with), checked first as the Python
//! client checked (a user, with a login token, an admin where the core
//! says the operation needs one); after the call, the login token follows
//! a renewal.

use pyo3::prelude::*;
use steps::steps_core::Operation;
use steps::Secret;

use crate::bound::needs_admin;
use crate::context::CloudContext;
use crate::errors::{assertion, to_py};
use crate::runtime::wait;
use crate::user::{LoginToken, User};

/// The session to make calls as `user` on `context`, and what to do after.
pub(crate) struct UserSession {
    session: steps::Session,
    /// The session's number, when it is the one that logged in.
    number: Option<u64>,
    /// The token it calls with (scrubbed from error messages).
    token: Secret,
    login: Py<LoginToken>,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSession")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl UserSession {
    /// The session to send `O` as `user`, checked as the Python client
    /// checked: a user with a login token, not known to be a non-admin
    /// where `O` needs an admin.
    ///
    /// Raises AssertionError when a check fails.
    pub(crate) fn to_send<O: Operation>(
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
    ) -> PyResult<UserSession> {
        let operation = O::NAME;
        let user = user.ok_or_else(|| {
            assertion(format!(
                "{operation}: no user given (a user with a login token is needed)"
            ))
        })?;
        if needs_admin::<O>() {
            UserSession::require_admin(user, operation)?;
        }
        UserSession::of(py, context, user, operation)
    }

    /// The session of `user`'s login token for calls on `context`.
    ///
    /// Raises AssertionError when the user has no login token.
    fn of(
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: &Bound<'_, User>,
        operation: &str,
    ) -> PyResult<UserSession> {
        let login = user.get().get_login_token(py).ok_or_else(|| {
            assertion(format!(
                "{operation}: the user has no login token (log in first: LoginToken().create(context, user))"
            ))
        })?;
        let (session, number, token) = login.get().session(&context.get().inner, operation)?;
        Ok(UserSession {
            session,
            number,
            token,
            login,
        })
    }

    /// Raises AssertionError when `user` is known not to be an admin, as
    /// the Python client did for admin operations.
    fn require_admin(user: &Bound<'_, User>, operation: &str) -> PyResult<()> {
        if user.get().get_is_admin() == Some(false) {
            return Err(assertion(format!(
                "{operation}: this operation needs an admin account, and the user is not an admin"
            )));
        }
        Ok(())
    }

    /// Runs `call` with the session, the GIL released; then lets the login
    /// token follow a renewal.
    pub(crate) fn run<T, F, Fut>(&self, py: Python<'_>, call: F) -> PyResult<T>
    where
        F: FnOnce(steps::Session) -> Fut + Send,
        Fut: std::future::Future<Output = steps::Result<T>> + Send,
        T: Send,
    {
        self.run_carrying(py, None, call)
    }

    /// As [`Self::run`], for a call that carries another secret than the
    /// session's (a token to revoke), scrubbed from its errors too.
    pub(crate) fn run_carrying<T, F, Fut>(
        &self,
        py: Python<'_>,
        carried: Option<&Secret>,
        call: F,
    ) -> PyResult<T>
    where
        F: FnOnce(steps::Session) -> Fut + Send,
        Fut: std::future::Future<Output = steps::Result<T>> + Send,
        T: Send,
    {
        let session = self.session.clone();
        let (result, current) = wait(py, async move {
            let result = call(session.clone()).await;
            (result, session.token())
        })?;
        let carried = carried.map_or("", Secret::expose);
        let result =
            result.map_err(|e| to_py(py, e, &[self.token.expose(), current.secret().expose(), carried]));
        if let Some(number) = self.number {
            self.login.get().renewed(number, current);
        }
        result
    }
}
