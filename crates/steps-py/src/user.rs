//! `User` and `LoginToken`: an account, its login, and the Rust session
//! that every call made as that user goes through.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use steps::Secret;

use crate::context::{CloudContext, Context};
use crate::errors::{assertion, to_py};
use crate::identity::{identity_dict, unix_seconds};
use crate::redact::{masked, quoted};
use crate::runtime::wait;

/// Locks `mutex`, whatever a thread that panicked holding it left.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// User(email: str, password: str)
///
/// An account. `LoginToken().create(context, user)` logs it in and sets
/// `login_token`, `user_id` (-1 until known) and `is_admin` (None until
/// known). The password is kept (to log in again when the login token
/// expires) and never shown: there is no attribute for it, and `repr`
/// leaves it out.
#[pyclass(frozen, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct User {
    email: String,
    password: Secret,
    state: Mutex<UserState>,
}

#[derive(Debug)]
struct UserState {
    user_id: i64,
    is_admin: Option<bool>,
    login_token: Option<Py<LoginToken>>,
}

#[pymethods]
impl User {
    #[new]
    fn new(email: String, password: String) -> Self {
        User {
            email,
            password: Secret::new(password),
            state: Mutex::new(UserState {
                user_id: -1,
                is_admin: None,
                login_token: None,
            }),
        }
    }

    /// The email the user logs in with.
    #[getter]
    fn email(&self) -> &str {
        &self.email
    }

    /// The user's id: -1 until a login says.
    #[getter]
    fn get_user_id(&self) -> i64 {
        lock(&self.state).user_id
    }

    #[setter]
    fn set_user_id(&self, user_id: i64) {
        lock(&self.state).user_id = user_id;
    }

    /// Whether the user is an admin: None until a login says.
    #[getter]
    fn get_is_admin(&self) -> Option<bool> {
        lock(&self.state).is_admin
    }

    #[setter]
    fn set_is_admin(&self, is_admin: Option<bool>) {
        lock(&self.state).is_admin = is_admin;
    }

    /// The user's login token, or None before `LoginToken().create`.
    #[getter]
    fn get_login_token(&self, py: Python<'_>) -> Option<Py<LoginToken>> {
        lock(&self.state).login_token.as_ref().map(|t| t.clone_ref(py))
    }

    #[setter]
    fn set_login_token(&self, login_token: Option<Py<LoginToken>>) {
        let replaced = std::mem::replace(&mut lock(&self.state).login_token, login_token);
        // Dropped after the lock is released.
        drop(replaced);
    }

    fn __repr__(&self) -> String {
        let (user_id, is_admin, logged_in) = {
            let state = lock(&self.state);
            (
                state.user_id,
                state.is_admin,
                state
                    .login_token
                    .as_ref()
                    .is_some_and(|t| lock(&t.get().state).token.is_some()),
            )
        };
        format!(
            "User(email={}, user_id={user_id}, is_admin={}, logged_in={})",
            quoted(&self.email),
            py_bool(is_admin),
            py_bool(Some(logged_in)),
        )
    }
}

/// `None`, `True` or `False`.
pub(crate) fn py_bool(value: Option<bool>) -> &'static str {
    match value {
        None => "None",
        Some(true) => "True",
        Some(false) => "False",
    }
}

/// LoginToken()
///
/// A user's login token. `create(context, user)` logs the user in. The
/// token is renewed with the user's password when it nears expiry (or is
/// refused), and `token` follows the renewal.
#[pyclass(frozen, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct LoginToken {
    state: Mutex<LoginState>,
}

#[derive(Debug, Default)]
struct LoginState {
    token: Option<Secret>,
    /// Unix seconds, when the server said.
    expires_at: Option<i64>,
    /// The session that logged in, on the context it logged in to; gone
    /// when `token` is set by hand.
    session: Option<BoundSession>,
}

#[derive(Debug)]
struct BoundSession {
    number: u64,
    context: Arc<Context>,
    session: steps::Session,
}

#[pymethods]
impl LoginToken {
    /// The login path, '/api/login'.
    #[classattr]
    const ENDPOINT: &'static str = "/api/login";

    #[new]
    fn new() -> Self {
        LoginToken {
            state: Mutex::new(LoginState::default()),
        }
    }

    /// The token string, or None before `create`.
    #[getter]
    fn get_token(&self) -> Option<String> {
        lock(&self.state).token.as_ref().map(|t| t.expose().to_owned())
    }

    /// Sets a token obtained elsewhere; it is used as it is, never renewed.
    #[setter]
    fn set_token(&self, token: Option<String>) {
        let mut state = lock(&self.state);
        state.token = token.filter(|t| !t.is_empty()).map(Secret::new);
        state.expires_at = None;
        state.session = None;
    }

    /// When the token expires (Unix seconds), or None when not known.
    #[getter]
    fn expires_at(&self) -> Option<i64> {
        lock(&self.state).expires_at
    }

    /// Logs `user` in on `context`: sets `self.token`, and `user.login_token`
    /// (to this object), `user.user_id` and `user.is_admin` from the answer.
    ///
    /// Raises AssertionError without a user, CloudError (a RuntimeError) if
    /// the login fails (a wrong password is `status` 401).
    #[pyo3(signature = (context, user = None))]
    fn create(
        slf: &Bound<'_, Self>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let user = user.ok_or_else(|| assertion("LoginToken.create: a user is needed to log in"))?;
        let ctx = context.get().inner.clone();
        let (email, password) = (user.get().email.clone(), user.get().password.clone());
        let client = ctx.client.clone();
        let known = password.clone();
        let login = wait(py, async move {
            let session = client.login(email, password).await?;
            let token = session.login_token().await;
            Ok::<_, steps::Error>((session, token))
        })?;
        let (session, token) = login.map_err(|e| to_py(py, e, &[known.expose()]))?;
        {
            let mut state = lock(&slf.get().state);
            state.token = Some(token.token.clone());
            state.expires_at = token.expires_at.map(unix_seconds);
            state.session = Some(BoundSession {
                number: SESSIONS.fetch_add(1, Ordering::Relaxed),
                context: ctx,
                session,
            });
        }
        let replaced = {
            let mut user_state = lock(&user.get().state);
            if let Some(user_id) = token.user_id {
                user_state.user_id = user_id;
            }
            if token.is_admin.is_some() {
                user_state.is_admin = token.is_admin;
            }
            user_state.login_token.replace(slf.clone().unbind())
        };
        // Dropped after the lock is released.
        drop(replaced);
        Ok(())
    }

    /// Who holds this token (beyond the reference): a dict with `user_id`,
    /// `token_type` (a TokenType), `is_admin` and `expires_at`.
    ///
    /// Raises AssertionError before `create`, CloudError if the call fails.
    fn whoami<'py>(
        &self,
        py: Python<'py>,
        context: &Bound<'py, CloudContext>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (session, _, token) = self.session(&context.get().inner, "whoami")?;
        let identity =
            wait(py, async move { session.whoami().await })?.map_err(|e| to_py(py, e, &[token.expose()]))?;
        identity_dict(py, &identity)
    }

    /// Revokes this login token on the server: a real logout (beyond the
    /// reference; protocol v2, feature 'self'). `token` is None afterwards.
    ///
    /// Raises AssertionError before `create`; CloudError if it fails, with
    /// `kind` 'unsupported' when the server does not offer it (then nothing
    /// was sent and the token stays).
    fn revoke_self(&self, py: Python<'_>, context: &Bound<'_, CloudContext>) -> PyResult<()> {
        let (session, _, token) = self.session(&context.get().inner, "token.revoke_self")?;
        wait(py, async move { session.revoke_self().await })?.map_err(|e| to_py(py, e, &[token.expose()]))?;
        let mut state = lock(&self.state);
        state.token = None;
        state.expires_at = None;
        state.session = None;
        Ok(())
    }

    fn __repr__(&self) -> String {
        let state = lock(&self.state);
        format!(
            "LoginToken(token={}, expires_at={})",
            masked(state.token.as_ref().map(Secret::expose)),
            state
                .expires_at
                .map_or_else(|| "None".to_owned(), |at| at.to_string())
        )
    }
}

impl LoginToken {
    /// The session for calls on `ctx` with this token: the one that logged
    /// in, on its own context (it renews itself), with its number; else a
    /// session for the token alone.
    fn session(
        &self,
        ctx: &Arc<Context>,
        operation: &str,
    ) -> PyResult<(steps::Session, Option<u64>, Secret)> {
        let state = lock(&self.state);
        let Some(token) = &state.token else {
            return Err(assertion(format!(
                "{operation}: the user has no login token (log in first: LoginToken().create(context, user))"
            )));
        };
        Ok(match &state.session {
            Some(bound) if Arc::ptr_eq(&bound.context, ctx) => {
                (bound.session.clone(), Some(bound.number), token.clone())
            }
            _ => (ctx.client.session_from_token(token.clone()), None, token.clone()),
        })
    }

    /// After a call through the session numbered `number`: `token` follows
    /// a renewal, unless the token was replaced meanwhile.
    fn renewed(&self, number: u64, current: steps::LoginToken) {
        let mut state = lock(&self.state);
        if state.session.as_ref().is_some_and(|bound| bound.number == number) {
            state.token = Some(current.token);
            state.expires_at = current.expires_at.map(unix_seconds);
        }
    }
}

/// Numbers the sessions that log in, so that a call can tell whether the
/// session it used is still the token's.
static SESSIONS: AtomicU64 = AtomicU64::new(0);

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
    /// The session of `user`'s login token for calls on `context`.
    ///
    /// Raises AssertionError when the user has no login token.
    pub(crate) fn of(
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: &Bound<'_, User>,
        operation: &str,
    ) -> PyResult<UserSession> {
        let login = lock(&user.get().state)
            .login_token
            .as_ref()
            .map(|t| t.clone_ref(py))
            .ok_or_else(|| {
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
    pub(crate) fn require_admin(user: &Bound<'_, User>, operation: &str) -> PyResult<()> {
        if lock(&user.get().state).is_admin == Some(false) {
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
        let session = self.session.clone();
        let (result, current) = wait(py, async move {
            let result = call(session.clone()).await;
            (result, session.login_token().await)
        })?;
        let result = result.map_err(|e| to_py(py, e, &[self.token.expose(), current.token.expose()]));
        if let Some(number) = self.number {
            self.login.get().renewed(number, current);
        }
        result
    }
}
