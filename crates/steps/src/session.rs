//! `Session`: a logged-in user. Holds the login token, renews it before it
//! expires and once after a 401, and runs every call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use steps_core::{BuildError, Credential, Expiry, Identity, Login, LoginToken, Operation, Secret, Whoami};

use crate::expiry::{left, needs_renewal, renewal_margin};
use tokio::sync::Mutex;

use crate::{Client, Error, Result, SessionToken};

/// A logged-in user. Cheap to clone; clones share the login token, so one
/// renewal serves them all.
///
/// A session made by [`Client::login`] keeps the email and password, and
/// logs in again (1) before a call, when its token expires within the
/// client's margin (30 s by default, but at most half the token's lifetime,
/// so that a short-lived token is not renewed before every call), and (2)
/// once, when a call is answered 401, repeating the call. Repeating is safe
/// for every operation, creates included: the protocol checks the token
/// before anything else, so a request answered 401 changed nothing.
///
/// Renewal is single-flight, failures included: calls that wait while a
/// login is under way share its result, so a burst of calls refused at once
/// sends one login, not one each (which could lock the account). If
/// renewing a token that is still valid fails, the call goes ahead with it.
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) client: Client,
    pub(crate) credentials: Option<(String, Secret)>,
    /// Read by every call, briefly and without awaiting: a blocking lock
    /// keeps 64 concurrent calls from queueing behind one another.
    pub(crate) current: RwLock<Current>,
    /// Held while logging in again, so that one renewal serves all; holds
    /// the error of the last login that failed.
    pub(crate) renewing: Mutex<Renewal>,
    /// Set by a logout or a revocation: calls fail from then on instead of
    /// logging in again.
    pub(crate) ended: std::sync::atomic::AtomicBool,
    /// Whether the expiry warning was given (`expiry.rs`): once a session.
    pub(crate) expiry_warned: std::sync::atomic::AtomicBool,
    /// Logins finished, successful or not. A call reads it before waiting
    /// for `renewing`: if it moved while the call waited and the token did
    /// not change, the login it waited for failed, and it shares the error.
    logins: AtomicU64,
}

/// The token in use, how many times it was renewed, and when it was
/// obtained (for its lifetime).
pub(crate) struct Current {
    pub(crate) token: SessionToken,
    /// `token` as calls are sent with it, made once per token: making it
    /// per call cloned the secret (an allocation, a copy and a zeroing on
    /// every call; `bench/findings.md`).
    pub(crate) credential: Arc<Credential>,
    pub(crate) generation: u64,
    obtained_at: SystemTime,
}

impl Current {
    fn new(token: SessionToken, obtained_at: SystemTime) -> Current {
        Current {
            credential: Arc::new(token.credential()),
            token,
            generation: 0,
            obtained_at,
        }
    }

    /// Puts `token` in use, its credential with it, one generation on.
    pub(crate) fn replace(&mut self, token: SessionToken) {
        self.credential = Arc::new(token.credential());
        self.token = token;
        self.generation += 1;
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("base_url", &self.inner.client.base_url())
            .field("renews_itself", &self.inner.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Logs in with email and password. The session keeps them, to log in
    /// again when its token nears expiry or is refused.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized) for a
    /// wrong email or password, or a network error.
    pub async fn login(&self, email: impl Into<String>, password: impl Into<Secret>) -> Result<Session> {
        let email = email.into();
        let password = password.into();
        let token = self.login_token(&email, &password).await?;
        Ok(Session::new(
            self.clone(),
            SessionToken::Login(token),
            Some((email, password)),
        ))
    }

    /// A session for an existing login token (from `steps login`, say). It
    /// cannot log in again by itself.
    pub fn session_from_token(&self, token: impl Into<Secret>) -> Session {
        Session::new(self.clone(), SessionToken::Given(token.into()), None)
    }

    /// A session for a login token got earlier (a user's, from a login:
    /// the CLI's stored one), held as one: on the Quandela cloud its calls
    /// go to the logged-in family (`/api/auth/tokens…`). It cannot log in
    /// again by itself.
    pub fn session_from_login_token(&self, token: impl Into<Secret>) -> Session {
        Session::new(
            self.clone(),
            SessionToken::Login(LoginToken::from_secret(token.into())),
            None,
        )
    }

    /// A session for a login token saved earlier with what the server said
    /// of it at login (its expiry, user and role: the CLI stores them). Like
    /// [`Client::session_from_login_token`], it cannot log in again by
    /// itself; unlike it, it knows when its token expires:
    /// [`Session::expires_in`] says, and a tracing event at warn level is
    /// emitted once when the token enters the client's warning window
    /// ([`ClientBuilder::expiry_warning`](crate::ClientBuilder::expiry_warning)).
    pub fn session_from_saved_login(&self, token: LoginToken) -> Session {
        Session::new(self.clone(), SessionToken::Login(token), None)
    }

    /// A session for the token in `STEPS_TOKEN`, if it is set.
    pub fn session_from_env(&self) -> Option<Session> {
        let token = std::env::var("STEPS_TOKEN").ok().filter(|t| !t.is_empty())?;
        Some(self.session_from_token(token))
    }
}

/// What the last logins of a session did: the error of the last one, if it
/// failed, and how long to wait before another after it was refused.
#[derive(Default)]
pub(crate) struct Renewal {
    last_failure: Option<Arc<Error>>,
    /// Refusals in a row (wrong password, rate limit).
    refusals: u32,
    /// Until when a refused login is not tried again.
    retry_at: Option<tokio::time::Instant>,
}

/// The wait after the first refused login; it doubles with each refusal
/// in a row, up to [`MAX_LOGIN_BACKOFF`].
const FIRST_LOGIN_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between refused logins.
const MAX_LOGIN_BACKOFF: Duration = Duration::from_secs(60);

impl Renewal {
    /// The refusal to share, while backing off from it.
    fn backing_off(&self) -> Option<Arc<Error>> {
        let until = self.retry_at?;
        (tokio::time::Instant::now() < until)
            .then(|| self.last_failure.clone())
            .flatten()
    }

    /// Records a failed login. A refusal (the server said no: 401, 403,
    /// 429) starts or lengthens the back-off; a network failure does not.
    fn failed(&mut self, error: Arc<Error>) {
        let refused = matches!(
            error.kind(),
            crate::ErrorKind::Unauthorized | crate::ErrorKind::Forbidden | crate::ErrorKind::RateLimited
        );
        if refused {
            self.refusals += 1;
            let wait = FIRST_LOGIN_BACKOFF
                .saturating_mul(1 << self.refusals.saturating_sub(1).min(16))
                .min(MAX_LOGIN_BACKOFF);
            self.retry_at = Some(tokio::time::Instant::now() + wait);
        } else {
            self.retry_at = None;
        }
        self.last_failure = Some(error);
    }
}

impl Session {
    pub(crate) fn new(client: Client, token: SessionToken, credentials: Option<(String, Secret)>) -> Session {
        Session {
            inner: Arc::new(Inner {
                credentials,
                current: RwLock::new(Current::new(token, client.clock.now())),
                renewing: Mutex::new(Renewal::default()),
                logins: AtomicU64::new(0),
                ended: std::sync::atomic::AtomicBool::new(false),
                expiry_warned: std::sync::atomic::AtomicBool::new(false),
                client,
            }),
        }
    }

    /// The client this session belongs to.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The token in use now, and what it is. Its `Debug` is redacted;
    /// read the value with `token.secret().expose()`.
    pub fn token(&self) -> SessionToken {
        self.current().token.clone()
    }

    /// The login token in use now (to store it, say), for a session that
    /// logged in; `None` for a session given a token or holding a job
    /// token's or API key's secret. Its `Debug` is redacted; read the value
    /// with `token.token.expose()`.
    pub fn login_token(&self) -> Option<LoginToken> {
        self.current().token.login_token().cloned()
    }

    /// Whether the user is an admin, if the server said at login.
    pub fn is_admin(&self) -> Option<bool> {
        self.current()
            .token
            .login_token()
            .and_then(|token| token.is_admin)
    }

    /// Who holds this session's token.
    ///
    /// # Errors
    ///
    /// The token is refused (401) and cannot be renewed, or a network error.
    pub async fn whoami(&self) -> Result<Identity> {
        self.send(Whoami).await
    }

    /// The credential to call with, renewed first if it is about to expire.
    pub(crate) async fn credential(&self) -> Result<(Arc<Credential>, u64)> {
        let (expiry, generation, still_valid) = {
            let current = self.current();
            let client = &self.inner.client;
            let margin = renewal_margin(
                client.expiry_margin,
                current.token.expires_at(),
                current.obtained_at,
            );
            let now = client.clock.now();
            let expiry = current.token.expiry(now, margin);
            self.warn_if_expiring(current.token.expires_at(), now);
            let credential = current.credential.clone();
            if !needs_renewal(expiry, self.inner.credentials.is_some()) {
                return Ok((credential, current.generation));
            }
            (expiry, current.generation, credential)
        };
        tracing::debug!(?expiry, "renewing the login token before the call");
        match self.renew(generation).await {
            Err(error) if expiry == Expiry::ExpiringSoon => {
                tracing::warn!(
                    kind = ?error.kind(),
                    "renewing the login token failed; using it until it expires"
                );
                Ok((still_valid, generation))
            }
            result => result,
        }
    }

    /// Logs in again, unless another task already renewed the token since
    /// `seen` (then its token is used), or a login this call waited for
    /// failed (then its error is returned: one failed login, not one per
    /// waiting call).
    pub(crate) async fn renew(&self, seen: u64) -> Result<(Arc<Credential>, u64)> {
        let logins_before = self.inner.logins.load(Ordering::Acquire);
        let mut renewal = self.inner.renewing.lock().await;
        if self.inner.ended.load(Ordering::Acquire) {
            // Logged out while this call was in flight: no new login.
            return Err(Error::from(BuildError::NotLoggedIn {
                operation: <Login as Operation>::NAME,
            }));
        }
        {
            let current = self.current();
            if current.generation != seen {
                return Ok((current.credential.clone(), current.generation));
            }
        }
        if self.inner.logins.load(Ordering::Acquire) != logins_before {
            if let Some(error) = renewal.last_failure.as_ref() {
                return Err(Error::shared(error.clone()));
            }
        }
        if let Some(error) = renewal.backing_off() {
            // Refused a moment ago: a burst of calls one after another
            // shares that refusal instead of each sending a login (which
            // could lock the account).
            return Err(Error::shared(error));
        }
        let Some((email, password)) = &self.inner.credentials else {
            let current = self.current();
            return Ok((current.credential.clone(), current.generation));
        };
        let login = self.inner.client.login_token(email, password).await;
        self.inner.logins.fetch_add(1, Ordering::AcqRel);
        match login {
            Ok(token) => {
                *renewal = Renewal::default();
                {
                    let mut current = self.inner.current.write().unwrap_or_else(|p| p.into_inner());
                    // Checked under the lock a logout reads the token
                    // under, after it marks the session ended: a logout
                    // either reads this token (and revokes it), or ended
                    // the session first, and then the token is revoked
                    // here instead of installed.
                    if !self.inner.ended.load(Ordering::Acquire) {
                        current.replace(SessionToken::Login(token));
                        current.obtained_at = self.inner.client.clock.now();
                        return Ok((current.credential.clone(), current.generation));
                    }
                }
                // Not holding up the calls that wait for this renewal: they
                // are told the session ended either way.
                drop(renewal);
                self.revoke_unused(&token.token).await;
                Err(Error::from(BuildError::NotLoggedIn {
                    operation: <Login as Operation>::NAME,
                }))
            }
            Err(error) => {
                let error = Arc::new(error);
                renewal.failed(error.clone());
                Err(Error::shared(error))
            }
        }
    }

    /// The token in use now. The lock is never held across an await.
    pub(crate) fn current(&self) -> std::sync::RwLockReadGuard<'_, Current> {
        self.inner.current.read().unwrap_or_else(|p| p.into_inner())
    }
}

impl Session {
    /// How long the token in use has left, by the client's clock:
    /// `Some(Duration::ZERO)` once it has expired, `None` when its expiry
    /// is not known (a token given to [`Client::session_from_token`], which
    /// the server's answers never dated).
    ///
    /// A session made by [`Client::login`] renews its token before it
    /// expires, so its `expires_in` starts again after each renewal.
    ///
    /// [`Client::session_from_token`]: crate::Client::session_from_token
    /// [`Client::login`]: crate::Client::login
    pub fn expires_in(&self) -> Option<Duration> {
        let expires_at = self.current().token.expires_at()?;
        Some(left(expires_at, self.inner.client.clock.now()))
    }

    /// Called before each call with the token's expiry and the time: warns,
    /// once per session, when a session that cannot log in again holds a
    /// token that expires within the client's warning window. A session
    /// that can renews its token instead, and says nothing.
    pub(crate) fn warn_if_expiring(&self, expires_at: Option<SystemTime>, now: SystemTime) {
        let inner = &self.inner;
        if inner.credentials.is_some() || inner.expiry_warned.load(Ordering::Relaxed) {
            return;
        }
        let Some(expires_at) = expires_at else {
            return;
        };
        let left = left(expires_at, now);
        if left < inner.client.expiry_warning && !inner.expiry_warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                expires_in_secs = left.as_secs(),
                base_url = %inner.client.base_url(),
                "the session's token expires soon (or has expired), and the session cannot renew it: log in again"
            );
        }
    }
}
