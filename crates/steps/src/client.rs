//! `Client`: one STEPS cloud, its transport and settings; the way in to a
//! [`Session`].

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use steps_core::{CloudContext, Login, LoginToken, Secret, DEFAULT_EXPIRY_MARGIN};
use steps_transport::{Proxy, RetryPolicy, Transport, TransportBuilder};

use crate::{Error, Result, Session};

/// The base URL used when none is given: the local emulator's.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8787";

/// Reads the current time. The SDK reads the clock only through this, so
/// tests can fix it.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A client for one STEPS cloud. Cheap to clone; clones share a connection
/// pool. Make one per cloud and keep it.
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Transport,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) expiry_margin: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`].
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    user_agent: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_body: Option<usize>,
    extra_ca_pem: Vec<Vec<u8>>,
    proxy: Option<Proxy>,
    clock: Arc<dyn Clock>,
    expiry_margin: Duration,
}

impl ClientBuilder {
    /// The cloud's base URL, such as `https://api.steps.example/v1`
    /// (default: the local emulator at `http://127.0.0.1:8787`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The `User-Agent` (default `steps-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The timeout of a whole call, retries included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The retry policy (default: up to 3 attempts where safe).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body accepted (default 1 MiB).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// Trusts this PEM CA certificate too, for private clouds.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_ca_pem.push(pem.into());
        self
    }

    /// Where to find a proxy (default: `HTTPS_PROXY`, `HTTP_PROXY`,
    /// `NO_PROXY`).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// How close to expiry a login token is renewed before a call
    /// (default 30 s).
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.expiry_margin = margin;
        self
    }

    /// The clock used for expiry decisions (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Makes the client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config): the base URL, user
    /// agent or a CA certificate is invalid.
    pub fn build(self) -> Result<Client> {
        let mut ctx = CloudContext::new(&self.base_url).map_err(|e| Error::config(e.to_string()))?;
        if let Some(user_agent) = &self.user_agent {
            ctx = ctx
                .with_user_agent(user_agent)
                .map_err(|e| Error::config(e.to_string()))?;
        }
        let mut transport: TransportBuilder = Transport::builder(ctx);
        if let Some(timeout) = self.connect_timeout {
            transport = transport.connect_timeout(timeout);
        }
        if let Some(timeout) = self.request_timeout {
            transport = transport.request_timeout(timeout);
        }
        if let Some(retry) = self.retry {
            transport = transport.retry_policy(retry);
        }
        if let Some(bytes) = self.max_body {
            transport = transport.max_response_body(bytes);
        }
        for pem in self.extra_ca_pem {
            transport = transport.add_root_certificate_pem(pem);
        }
        if let Some(proxy) = self.proxy {
            transport = transport.proxy(proxy);
        }
        let transport = transport.build().map_err(|e| Error::config(e.to_string()))?;
        Ok(Client {
            transport,
            clock: self.clock,
            expiry_margin: self.expiry_margin,
        })
    }
}

impl Client {
    /// Settings for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            base_url: DEFAULT_API_URL.to_owned(),
            user_agent: None,
            connect_timeout: None,
            request_timeout: None,
            retry: None,
            max_body: None,
            extra_ca_pem: Vec::new(),
            proxy: None,
            clock: Arc::new(SystemClock),
            expiry_margin: DEFAULT_EXPIRY_MARGIN,
        }
    }

    /// A client for the cloud at `STEPS_API_URL` (default: the local
    /// emulator), with default settings. See [`Client::session_from_env`]
    /// for `STEPS_TOKEN`.
    ///
    /// # Errors
    ///
    /// `STEPS_API_URL` is not a valid base URL.
    pub fn from_env() -> Result<Client> {
        let mut builder = Client::builder();
        if let Ok(url) = std::env::var("STEPS_API_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The base URL of the cloud.
    pub fn base_url(&self) -> String {
        self.transport.context().base_url()
    }

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
        Ok(Session::new(self.clone(), token, Some((email, password))))
    }

    /// A session for an existing login token (from `steps login`, say). It
    /// cannot log in again by itself.
    pub fn session_from_token(&self, token: impl Into<Secret>) -> Session {
        Session::new(self.clone(), LoginToken::from_secret(token.into()), None)
    }

    /// A session for the token in `STEPS_TOKEN`, if it is set.
    pub fn session_from_env(&self) -> Option<Session> {
        let token = std::env::var("STEPS_TOKEN").ok().filter(|t| !t.is_empty())?;
        Some(self.session_from_token(token))
    }

    pub(crate) async fn login_token(&self, email: &str, password: &Secret) -> Result<LoginToken> {
        Ok(self
            .transport
            .execute(&Login::new(email, password.clone()))
            .await?)
    }
}
