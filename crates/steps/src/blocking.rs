//! `steps::blocking`: the facade for programs that are not async. The same
//! `Client`, `Session` and token builders (the builders are the async
//! facade's own, `crate::Call` and `crate::Listing` over this `Session`,
//! which gives them a blocking `send`), with the same behaviour (retries,
//! renewal, timeouts, redaction, protocol v2), each call run to completion
//! on the calling thread, as a blocking client such as ureq does.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! # fn main() -> steps::Result<()> {
//! let client = steps::blocking::Client::builder().base_url("http://127.0.0.1:8787").build()?;
//! let session = client.login("ada@example.com", "correct horse")?;
//! let job = session
//!     .job_tokens()
//!     .create()
//!     .label("nightly")
//!     .duration(Duration::from_secs(3600))
//!     .send()?;
//! println!("new job token {}", job.token_id);
//! session.job_tokens().delete(job.token_id).send()?;
//! # Ok(()) }
//! ```
//!
//! On a plain thread a call runs on a current-thread runtime that the
//! thread keeps ([`block_on`]), and the client keeps one connection per
//! thread (made on its first call, reused by the next): no hand-off to
//! another thread, and nothing running between calls. Inside
//! `tokio::task::spawn_blocking` or `tokio::task::block_in_place`, where a
//! runtime is already current, the call is a task of a runtime the client
//! owns and the calling thread waits for its result on a channel, as
//! `reqwest::blocking` does. Calling it from async code (a
//! `#[tokio::main]` function, a task) would block that runtime's thread:
//! every call checks first and fails with
//! [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync)
//! instead; use the async facade there. The check reads tokio's
//! cooperative budget, which async code has and a thread that may block
//! has not. Async code wrapped in `tokio::task::coop::unconstrained` has
//! none either, and neither has another executor's thread: there the call
//! is not refused, it blocks that thread until it is done. It cannot
//! deadlock, since the call then runs on the client's own runtime.
//!
//! Behind the default feature `blocking` (it adds tokio's multi-threaded
//! runtime): `default-features = false` leaves it out.

use std::sync::Arc;
use std::time::Duration;

use steps_core::{ApiKey, Capabilities, Identity, JobToken, List, LoginToken, Operation, Resource, Secret};

use crate::{Call, Listing, Result};

mod pages;
mod quandela;
mod runtime;

pub use pages::Pages;
pub use runtime::block_on;
use runtime::Runtime;

/// A blocking client for one STEPS cloud: [`crate::Client`] for programs
/// that are not async. Cheap to clone; clones share the runtime and the
/// connection pool.
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<Runtime>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Client").field(&self.inner).finish()
    }
}

/// Settings of a blocking [`Client`]: those of [`crate::ClientBuilder`].
#[must_use]
#[derive(Debug)]
pub struct ClientBuilder {
    inner: crate::ClientBuilder,
}

impl ClientBuilder {
    /// See [`crate::ClientBuilder::base_url`].
    pub fn base_url(self, url: impl Into<String>) -> Self {
        ClientBuilder {
            inner: self.inner.base_url(url),
        }
    }

    /// See [`crate::ClientBuilder::dialect`].
    pub fn dialect(self, dialect: crate::Dialect) -> Self {
        ClientBuilder {
            inner: self.inner.dialect(dialect),
        }
    }

    /// See [`crate::ClientBuilder::user_agent`].
    pub fn user_agent(self, user_agent: impl Into<String>) -> Self {
        ClientBuilder {
            inner: self.inner.user_agent(user_agent),
        }
    }

    /// See [`crate::ClientBuilder::transport`].
    pub fn transport(
        self,
        settings: impl FnOnce(crate::TransportBuilder) -> crate::TransportBuilder,
    ) -> Self {
        ClientBuilder {
            inner: self.inner.transport(settings),
        }
    }

    /// See [`crate::ClientBuilder::expiry_margin`].
    pub fn expiry_margin(self, margin: Duration) -> Self {
        ClientBuilder {
            inner: self.inner.expiry_margin(margin),
        }
    }

    /// See [`crate::ClientBuilder::clock`].
    pub fn clock(self, clock: Arc<dyn crate::Clock>) -> Self {
        ClientBuilder {
            inner: self.inner.clock(clock),
        }
    }

    /// Makes the client and its runtime.
    ///
    /// # Errors
    ///
    /// As [`crate::ClientBuilder::build`], or the runtime cannot start.
    pub fn build(self) -> Result<Client> {
        let runtime = Runtime::new()?;
        // Calls run on their caller's thread (`blocking/runtime.rs`), so each
        // thread keeps its own connections.
        let inner = runtime.entered(|| self.inner.transport(|t| t.pool_per_thread(true)).build())?;
        Ok(Client {
            inner,
            runtime: Arc::new(runtime),
        })
    }
}

impl Client {
    /// Settings for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            inner: crate::Client::builder(),
        }
    }

    /// See [`crate::Client::from_env`].
    ///
    /// # Errors
    ///
    /// `STEPS_API_URL` is not a valid base URL, or the runtime cannot start.
    pub fn from_env() -> Result<Client> {
        let mut builder = Client::builder();
        if let Ok(url) = std::env::var("STEPS_API_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The base URL of the cloud.
    pub fn base_url(&self) -> String {
        self.inner.base_url()
    }

    /// The async client underneath, to use the same settings, login and
    /// transport from async code. Its connections are kept per thread (a
    /// blocking call runs on its caller's thread), so async code on a
    /// multi-thread runtime has a pool per worker thread.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// See [`crate::Client::login`].
    ///
    /// # Errors
    ///
    /// As [`crate::Client::login`], or
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync).
    pub fn login(&self, email: impl Into<String>, password: impl Into<Secret>) -> Result<Session> {
        let (inner, email, password) = (self.inner.clone(), email.into(), password.into());
        let session = self
            .runtime
            .run(async move { inner.login(email, password).await })?;
        Ok(self.session(session))
    }

    /// See [`crate::Client::session_from_token`].
    pub fn session_from_token(&self, token: impl Into<Secret>) -> Session {
        self.session(self.inner.session_from_token(token))
    }

    /// See [`crate::Client::session_from_env`].
    pub fn session_from_env(&self) -> Option<Session> {
        self.inner.session_from_env().map(|s| self.session(s))
    }

    /// See [`crate::Client::capabilities`].
    ///
    /// # Errors
    ///
    /// As [`crate::Client::capabilities`], or
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync).
    pub fn capabilities(&self) -> Result<Capabilities> {
        let inner = self.inner.clone();
        self.runtime.run(async move { inner.capabilities().await })
    }

    fn session(&self, inner: crate::Session) -> Session {
        Session {
            inner,
            runtime: self.runtime.clone(),
        }
    }
}

/// A logged-in user: [`crate::Session`] for programs that are not async.
#[derive(Clone)]
pub struct Session {
    inner: crate::Session,
    runtime: Arc<Runtime>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Session").field(&self.inner).finish()
    }
}

impl Session {
    /// See [`crate::Session::send`].
    ///
    /// # Errors
    ///
    /// As [`crate::Session::send`], or
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync).
    pub fn send<O>(&self, op: O) -> Result<O::Output>
    where
        O: Operation + Send + Sync + 'static,
        O::Output: Send + 'static,
    {
        let inner = self.inner.clone();
        self.runtime.run(async move { inner.send(op).await })
    }

    /// See [`crate::Session::whoami`].
    ///
    /// # Errors
    ///
    /// As [`crate::Session::whoami`].
    pub fn whoami(&self) -> Result<Identity> {
        let inner = self.inner.clone();
        self.runtime.run(async move { inner.whoami().await })
    }

    /// See [`crate::Session::login_token`].
    pub fn login_token(&self) -> Option<LoginToken> {
        self.inner.login_token()
    }

    /// See [`crate::Session::token`].
    pub fn token(&self) -> crate::SessionToken {
        self.inner.token()
    }

    /// See [`crate::Session::is_admin`].
    pub fn is_admin(&self) -> Option<bool> {
        self.inner.is_admin()
    }

    /// See [`crate::Session::logout`].
    ///
    /// # Errors
    ///
    /// As [`crate::Session::logout`].
    pub fn logout(&self) -> Result<bool> {
        let inner = self.inner.clone();
        self.runtime.run(async move { inner.logout().await })
    }

    /// See [`crate::Session::revoke_self`].
    ///
    /// # Errors
    ///
    /// As [`crate::Session::revoke_self`].
    pub fn revoke_self(&self) -> Result<()> {
        let inner = self.inner.clone();
        self.runtime.run(async move { inner.revoke_self().await })
    }

    /// See [`crate::Session::rotate_self`].
    ///
    /// # Errors
    ///
    /// As [`crate::Session::rotate_self`].
    pub fn rotate_self(&self, grace: Option<Duration>) -> Result<steps_core::RotatedSelf> {
        let inner = self.inner.clone();
        self.runtime.run(async move { inner.rotate_self(grace).await })
    }

    /// The async session underneath, for code that has a runtime of its own.
    pub fn as_async(&self) -> &crate::Session {
        &self.inner
    }

    /// See [`crate::Session::job_tokens`].
    pub fn job_tokens(&self) -> Tokens<'_, JobToken> {
        Tokens::new(self)
    }

    /// See [`crate::Session::api_keys`].
    pub fn api_keys(&self) -> Tokens<'_, ApiKey> {
        Tokens::new(self)
    }
}

impl<O> Call<'_, O, Session>
where
    O: Operation + Send + Sync + 'static,
    O::Output: Send + 'static,
{
    /// Sends the call, blocking until it is done ([`Session::send`]).
    ///
    /// # Errors
    ///
    /// As the method that made the call says, or
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync).
    pub fn send(self) -> Result<O::Output> {
        self.session.send(self.op)
    }
}

impl<R: Resource + Send + Sync + 'static> Listing<'_, R, Session> {
    /// Every page, collected.
    ///
    /// # Errors
    ///
    /// As [`crate::Listing::send`], or
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync).
    pub fn send(self) -> Result<Vec<R>> {
        let pages = crate::Pages::new(self.session.inner.clone(), self.op);
        self.session.runtime.run(pages.collect_all())
    }

    /// The pages, fetched one at a time as the iterator is advanced.
    pub fn pages(self) -> Pages<List<R>> {
        Pages::new(self.session.inner.clone(), self.session.runtime.clone(), self.op)
    }
}

/// The tokens of one resource, as seen by a blocking session
/// ([`Session::job_tokens`], [`Session::api_keys`]): the async facade's
/// builders, sent with a blocking `send`.
pub type Tokens<'a, R> = crate::Tokens<'a, R, Session>;
