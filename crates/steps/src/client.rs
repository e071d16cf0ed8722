//! `Client`: one STEPS cloud, its transport and settings. The ways from a
//! client to a [`Session`](crate::Session) (`login`, `session_from_token`)
//! live in `session.rs`, so that this module does not depend on it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use steps_core::{
    Capabilities, CloudContext, Credential, Dialect, Login, LoginToken, Meta, Operation, Secret,
};
use steps_transport::{RetryPolicy, Transport, TransportBuilder, TransportError};

use crate::{Error, Result};

/// The base URL used when none is given: the local emulator's.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8787";

/// How close to its expiry a login token is renewed before a call, by
/// default: 30 s, to absorb clock skew between client and server. A policy
/// of the facade; the core's [`LoginToken::expiry`] takes the margin as an
/// argument.
pub const DEFAULT_EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// How long before its token expires a session that cannot renew it warns
/// (one tracing event at warn level), unless the client is told otherwise
/// ([`ClientBuilder::expiry_warning`]): a day, as the CLI warns.
pub const DEFAULT_EXPIRY_WARNING: Duration = Duration::from_secs(86_400);

/// How long a client that could not learn a server's capabilities (no
/// answer in time, the network failed, a 429 or a 5xx) waits before asking
/// again: 60 s. Until then [`Client::capabilities`] gives the same error
/// without asking.
pub const META_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What a client knows of its server's capabilities. Every create reads it,
/// so the read is a brief std lock; only asking takes the async lock, which
/// makes concurrent first uses share one request.
#[derive(Default)]
struct CapabilityCache {
    known: std::sync::RwLock<Option<Learned>>,
    asking: tokio::sync::Mutex<()>,
}

impl CapabilityCache {
    /// What is known and still current, if anything: the capabilities, or
    /// the failure to learn them.
    fn current(&self) -> Option<Result<Capabilities>> {
        let known = self.known.read().unwrap_or_else(|p| p.into_inner());
        let learned = known.as_ref().filter(|l| l.is_current())?;
        Some(learned.answer())
    }

    fn learn(&self, learned: Learned) {
        *self.known.write().unwrap_or_else(|p| p.into_inner()) = Some(learned);
    }
}

/// What a client learned of its server, and until when it holds.
struct Learned {
    /// The server's answer, or why there was none.
    answer: std::result::Result<Capabilities, Arc<Error>>,
    /// `None` for a server's own answer, kept for good.
    until: Option<tokio::time::Instant>,
}

impl Learned {
    fn answer(&self) -> Result<Capabilities> {
        match &self.answer {
            Ok(capabilities) => Ok(capabilities.clone()),
            Err(error) => Err(Error::shared(error.clone())),
        }
    }

    fn is_current(&self) -> bool {
        self.until.is_none_or(|until| tokio::time::Instant::now() < until)
    }
}

/// The longest the client waits to learn a server's capabilities: 5 s, so
/// that a server that does not answer `/api/meta` delays the first create
/// by at most this. No answer in time is no answer, not v1
/// ([`Client::capabilities`]).
pub const META_TIMEOUT: Duration = Duration::from_secs(5);

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
    pub(crate) dialect: Dialect,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) expiry_margin: Duration,
    /// How long before expiry a session that cannot renew its token warns.
    pub(crate) expiry_warning: Duration,
    /// Learned once per client (clones share it), on first use.
    capabilities: Arc<CapabilityCache>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`]: the cloud, how it is identified, the clock
/// and renewal margin, and the transport's settings, passed through
/// [`ClientBuilder::transport`] (timeouts, retries, body limit, TLS roots,
/// proxy) so that each knob has one surface.
///
/// ```
/// use std::time::Duration;
///
/// let client = steps::Client::builder()
///     .base_url("https://api.steps.example")
///     .transport(|t| t.request_timeout(Duration::from_secs(5)).without_webpki_roots())
///     .build();
/// # let _ = client;
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    dialect: Dialect,
    user_agent: Option<String>,
    transport: TransportBuilder,
    clock: Arc<dyn Clock>,
    expiry_margin: Duration,
    expiry_warning: Duration,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("dialect", &self.dialect)
            .field("user_agent", &self.user_agent)
            .field("transport", &self.transport)
            .field("expiry_margin", &self.expiry_margin)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The cloud's base URL, such as `https://api.steps.example/v1`
    /// (default: the local emulator at `http://127.0.0.1:8787` for
    /// [`Dialect::Steps`], the production cloud at
    /// [`quandela::DEFAULT_URL`](crate::quandela::DEFAULT_URL) for
    /// [`Dialect::Quandela`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Which wire API the cloud speaks (default [`Dialect::Steps`]).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The `User-Agent` (default `steps-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Changes the transport's settings: connect and request timeouts
    /// (10 s, 30 s), the retry policy (3 attempts where safe), the response
    /// body limit (4 MiB), extra or only private CA certificates, the proxy
    /// (from the environment). See [`TransportBuilder`].
    pub fn transport(mut self, settings: impl FnOnce(TransportBuilder) -> TransportBuilder) -> Self {
        self.transport = settings(self.transport);
        self
    }

    /// How close to expiry a login token is renewed before a call
    /// (default [`DEFAULT_EXPIRY_MARGIN`], 30 s).
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.expiry_margin = margin;
        self
    }

    /// How long before its token expires a session that cannot renew it
    /// (one given a token rather than a password) emits one tracing event
    /// at warn level (default [`DEFAULT_EXPIRY_WARNING`],
    /// a day; zero for none). [`Session::expires_in`](crate::Session::expires_in)
    /// says the same at any time.
    pub fn expiry_warning(mut self, window: Duration) -> Self {
        self.expiry_warning = window;
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
        let base_url = self.base_url.as_deref().unwrap_or(match self.dialect {
            Dialect::Quandela => steps_core::quandela::DEFAULT_URL,
            _ => DEFAULT_API_URL,
        });
        let mut ctx = CloudContext::new(base_url).map_err(|e| Error::config(e.to_string()))?;
        if let Some(user_agent) = &self.user_agent {
            ctx = ctx
                .with_user_agent(user_agent)
                .map_err(|e| Error::config(e.to_string()))?;
        }
        let transport = self
            .transport
            .build(ctx)
            .map_err(|e| Error::config(e.to_string()))?;
        Ok(Client {
            transport,
            dialect: self.dialect,
            clock: self.clock,
            expiry_margin: self.expiry_margin,
            expiry_warning: self.expiry_warning,
            capabilities: Arc::default(),
        })
    }
}

impl Client {
    /// Settings for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            base_url: None,
            dialect: Dialect::default(),
            user_agent: None,
            transport: TransportBuilder::default(),
            clock: Arc::new(SystemClock),
            expiry_margin: DEFAULT_EXPIRY_MARGIN,
            expiry_warning: DEFAULT_EXPIRY_WARNING,
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

    /// Which wire API the cloud speaks.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The base URL of the cloud.
    pub fn base_url(&self) -> String {
        self.transport.context().base_url()
    }

    /// Where `token` stands now by this client's clock and renewal margin.
    pub fn expiry_of(&self, token: &LoginToken) -> steps_core::Expiry {
        token.expiry(self.clock.now(), self.expiry_margin)
    }

    /// What the server offers (protocol v2's `GET /api/meta`), asked when
    /// first needed (one attempt, never retried) and remembered.
    ///
    /// A server's own answer is remembered for good: the meta object (v2),
    /// or anything else it says (a 404, another 4xx but 429, a redirect, a
    /// 2xx of another shape), which means protocol v1 and is `Ok`.
    ///
    /// # Errors
    ///
    /// No usable answer: the network failed, no answer came in
    /// [`META_TIMEOUT`], or the server or a gateway answered 429 or 5xx.
    /// That says nothing about the protocol, so it is not taken for v1: the
    /// error is given again without asking until [`META_RETRY_AFTER`] has
    /// passed, and then the server is asked again (`docs/protocol.md`,
    /// "Discovery").
    pub async fn capabilities(&self) -> Result<Capabilities> {
        if self.dialect == Dialect::Quandela {
            // The Quandela cloud has no `/api/meta` and none of our
            // protocol's features: nothing to ask.
            return Ok(Capabilities::v1());
        }
        if let Some(known) = self.capabilities.current() {
            return known;
        }
        let _asking = self.capabilities.asking.lock().await;
        if let Some(known) = self.capabilities.current() {
            // Another call learned it while this one waited.
            return known;
        }
        let anonymous = Credential::none();
        let never = RetryPolicy::never();
        let asked = self.transport.execute_with(&Meta, &anonymous, &never);
        let answer = match tokio::time::timeout(META_TIMEOUT, asked).await {
            Ok(Ok(capabilities)) => Ok(capabilities),
            Ok(Err(error)) => Err(Error::from(error)),
            Err(_) => Err(Error::from(TransportError::Timeout {
                operation: <Meta as Operation>::NAME,
                after: META_TIMEOUT,
            })),
        };
        let learned = match answer {
            Ok(capabilities) => Learned {
                answer: Ok(capabilities),
                until: None,
            },
            Err(error) => {
                tracing::debug!(%error, "no capabilities: asking again later");
                Learned {
                    answer: Err(Arc::new(error)),
                    until: Some(tokio::time::Instant::now() + META_RETRY_AFTER),
                }
            }
        };
        let known = learned.answer();
        self.capabilities.learn(learned);
        known
    }

    pub(crate) async fn login_token(&self, email: &str, password: &Secret) -> Result<LoginToken> {
        let login = Login::new(email, password.clone());
        Ok(self.transport.execute(&login, &Credential::none()).await?)
    }
}
