//! `User` and `LoginToken`: an account and its login, which renews
//! itself, or a user given a token (`User.from_token`); `session.rs` makes
//! the calls as the user with it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use steps::steps_core::{Login, Operation, RevokeSelf, Whoami};
use steps::Secret;

use crate::context::{CloudContext, Context};
use crate::errors::{assertion, quandela_login_error, to_py};
use crate::identity::{identity_dict, unix_seconds, who_logged_in};
use crate::lock::lock;
use crate::redact::{masked, py_bool, quoted_or_none};
use crate::runtime::wait;

/// User(email: str, password: str)
///
/// An account. `LoginToken().create(context, user)` logs it in and sets
/// `login_token`, `user_id` (-1 until known) and `is_admin` (None until
/// known). The password is kept (to log in again when the login token
/// expires) and never shown: there is no attribute for it, and `repr`
/// leaves it out. `User.from_token(token)` is a user whose calls use a
/// token they already have.
#[pyclass(frozen, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct User {
    /// The email and password; None for a user made by `from_token`.
    credentials: Option<(String, Secret)>,
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
        User::with(Some((email, Secret::new(password))), None)
    }

    /// A user whose calls use `token`, a token they already have (beyond
    /// the reference): a Quandela cloud job token made on its website or
    /// `steps_cloud.perceval_token()`, or a STEPS login token. It has no
    /// email or password: `login_token` holds the token, used as it is and
    /// never renewed, and `LoginToken().create` cannot log it in. `repr`
    /// never shows the token.
    ///
    /// Raises ValueError for an empty token.
    #[staticmethod]
    fn from_token(py: Python<'_>, token: String) -> PyResult<User> {
        if token.is_empty() {
            return Err(pyo3::exceptions::PyValueError::new_err("the token is empty"));
        }
        let login = Py::new(py, LoginToken::given(Secret::new(token)))?;
        Ok(User::with(None, Some(login)))
    }

    /// The email the user logs in with; None for a user made by
    /// `from_token`.
    #[getter]
    fn email(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(email, _)| email.as_str())
    }

    /// The user's id: -1 until a login says.
    #[getter]
    fn get_user_id(&self) -> i64 {
        self.user_id()
    }

    #[setter]
    fn set_user_id(&self, user_id: i64) {
        lock(&self.state).user_id = user_id;
    }

    /// Whether the user is an admin: None until a login says.
    #[getter]
    pub(crate) fn get_is_admin(&self) -> Option<bool> {
        lock(&self.state).is_admin
    }

    #[setter]
    fn set_is_admin(&self, is_admin: Option<bool>) {
        lock(&self.state).is_admin = is_admin;
    }

    /// The user's login token, or None before `LoginToken().create`.
    #[getter]
    pub(crate) fn get_login_token(&self, py: Python<'_>) -> Option<Py<LoginToken>> {
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
            quoted_or_none(self.email()),
            py_bool(is_admin),
            py_bool(Some(logged_in)),
        )
    }
}

impl User {
    fn with(credentials: Option<(String, Secret)>, login_token: Option<Py<LoginToken>>) -> User {
        User {
            credentials,
            state: Mutex::new(UserState {
                user_id: -1,
                is_admin: None,
                login_token,
            }),
        }
    }

    /// The user's id: -1 until known.
    pub(crate) fn user_id(&self) -> i64 {
        lock(&self.state).user_id
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
    /// The login path, '/api/login': where the core's `Login` sends.
    #[classattr]
    #[pyo3(name = "ENDPOINT")]
    fn endpoint() -> PyResult<String> {
        let login = Login::new("-", Secret::new("-"));
        let parts = login
            .parts()
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(parts.path.into_owned())
    }

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
    /// (to this object), `user.user_id` and `user.is_admin` from the answer
    /// (from one `whoami` when the answer, which needs only the token, does
    /// not say them).
    /// With `api='quandela'`, where the server offers a login with email and
    /// password (the emulator does; the production cloud's published API
    /// does not), its login token is used on the cloud's logged-in paths.
    ///
    /// Raises AssertionError without a user or for a user made by
    /// `User.from_token` (no password); CloudError (a RuntimeError) if the
    /// login fails (a wrong password is UnauthorizedError, `status` 401).
    /// With `api='quandela'`, a server without a login (404) raises a
    /// NotFoundError saying to create a token on the Quandela cloud's
    /// website and use `User.from_token(token)`.
    #[pyo3(signature = (context, user = None))]
    fn create(
        slf: &Bound<'_, Self>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let user = user.ok_or_else(|| assertion("LoginToken.create: a user is needed to log in"))?;
        let ctx = context.get().inner.clone();
        let (email, password) = user.get().credentials.clone().ok_or_else(|| {
            assertion(
                "LoginToken.create: this user was made by User.from_token: it has no password to log in with",
            )
        })?;
        let client = ctx.client.clone();
        let known = password.clone();
        let may_ask = !ctx.is_quandela();
        let login = wait(py, async move {
            let session = client.login(email, password).await?;
            let token = session.token();
            // The spec requires only `token` in the answer: what it leaves
            // out of who logged in, one whoami says (best effort: when it
            // fails, they stay unknown and the server judges).
            let told = token
                .login_token()
                .is_some_and(|l| l.user_id.is_some() && l.is_admin.is_some());
            let asked = if may_ask && !told {
                session.whoami().await.ok()
            } else {
                None
            };
            Ok::<_, steps::Error>((session, token, asked))
        })?;
        let (session, token, asked) = login.map_err(|e| {
            if ctx.is_quandela() {
                quandela_login_error(py, e, &[known.expose()])
            } else {
                to_py(py, e, &[known.expose()])
            }
        })?;
        {
            let mut state = lock(&slf.get().state);
            state.token = Some(token.secret().clone());
            state.expires_at = token.expires_at().map(unix_seconds);
            state.session = Some(BoundSession {
                number: SESSIONS.fetch_add(1, Ordering::Relaxed),
                context: ctx,
                session,
            });
        }
        let replaced = {
            let mut user_state = lock(&user.get().state);
            let (user_id, is_admin) = who_logged_in(&token, asked.as_ref());
            if let Some(user_id) = user_id {
                user_state.user_id = user_id;
            }
            if is_admin.is_some() {
                user_state.is_admin = is_admin;
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
        context.get().inner.steps_only(py, Whoami::NAME)?;
        let (session, _, token) = self.session(&context.get().inner, Whoami::NAME)?;
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
        context.get().inner.steps_only(py, RevokeSelf::NAME)?;
        let (session, _, token) = self.session(&context.get().inner, RevokeSelf::NAME)?;
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
    /// A token given by hand: used as it is, never renewed.
    fn given(token: Secret) -> LoginToken {
        LoginToken {
            state: Mutex::new(LoginState {
                token: Some(token),
                ..LoginState::default()
            }),
        }
    }

    /// The session for calls on `ctx` with this token: the one that logged
    /// in, on its own context (it renews itself), with its number; else a
    /// session for the token alone.
    pub(crate) fn session(
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
    pub(crate) fn renewed(&self, number: u64, current: steps::SessionToken) {
        let mut state = lock(&self.state);
        if state.session.as_ref().is_some_and(|bound| bound.number == number) {
            state.expires_at = current.expires_at().map(unix_seconds);
            state.token = Some(current.secret().clone());
        }
    }
}

/// Numbers the sessions that log in, so that a call can tell whether the
/// session it used is still the token's.
static SESSIONS: AtomicU64 = AtomicU64::new(0);
