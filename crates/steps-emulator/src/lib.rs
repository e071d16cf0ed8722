//! steps-emulator: a local, in-memory STEPS cloud that serves
//! `docs/protocol.md` over real TCP (HTTP/1.1 and HTTP/2, optionally TLS),
//! with deterministic fault injection.
//!
//! It shares no code with `steps-core`: its wire types come from its own
//! reading of the spec, so end-to-end tests check two readings against each
//! other.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use steps_emulator::{Config, Emulator};
//!
//! let emulator = Emulator::start(Config::new().admin("root@example.com", "admin-pw")).await?;
//! println!("a STEPS cloud at {}", emulator.base_url());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! It serves protocol v2 unless told otherwise ([`Config::protocol`]):
//! `GET /api/meta` and every v2 feature: `idempotency` (creates and
//! rotations accept an `Idempotency-Key` and replay their answer to a
//! re-send), `self` (`DELETE /api/token/self`, `POST
//! /api/token/self/rotate`, whoami naming the job token or API key),
//! `own_tokens` (users list their own job tokens; `user_id` and `label`
//! filters) and `rotation` (new secrets with a grace period, on the
//! emulator's clock). In v1 mode every v2 path is 404, the header and the
//! filters are ignored, and a user's list is 403, as on a server that has
//! never heard of v2.
//!
//! For tests: [`Emulator::advance_clock`] moves time forward so tokens
//! (and remembered idempotency keys) expire without sleeping, [`Config::frozen_clock`] stops time so that
//! nothing expires because a test ran slowly, [`Emulator::set_faults`]
//! injects failures, and connections that send nothing are closed after
//! [`Config::header_read_timeout`].
//!
//! A long-running emulator holds what is live and little else: expired
//! login tokens, job tokens, API keys and idempotency keys are purged as
//! requests come in,
//! idle connections (HTTP/1.1 or HTTP/2) and request bodies that do not
//! arrive are closed after their deadlines, silent HTTP/2 peers after a
//! ping goes unanswered, and at most [`Config::max_connections`]
//! connections are open at once.
//!
//! # Features
//!
//! - `cli` (default): `EmulatorArgs`, the options and foreground run
//!   shared by the `steps-emulator` binary and `steps emulator`, and the
//!   binary itself; it brings clap and tracing-subscriber. A library user
//!   that only starts emulators in tests can leave it off.
//! - `fuzzing`: `steps_emulator::fuzzing`, the request handler without a
//!   socket, for `fuzz/`.

#![forbid(unsafe_code)]

mod api;
#[cfg(feature = "cli")]
mod args;
mod body;
mod clock;
mod control;
mod faults;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod handlers;
mod idempotency;
mod journal;
mod limits;
mod persist;
mod protocol;
mod render;
mod routes;
mod secret;
mod server;
mod state;
mod store;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[cfg(feature = "cli")]
pub use args::EmulatorArgs;
pub use faults::{Fault, FaultRule, When, MAX_LARGE_BODY};
pub use protocol::{ProtocolVersion, UnknownProtocol};

/// The default login token lifetime: 86,400 s.
pub const DEFAULT_LOGIN_TTL: Duration = Duration::from_secs(86_400);

/// The default of [`Config::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default of [`Config::body_read_timeout`].
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default of [`Config::http2_keep_alive`].
pub const DEFAULT_HTTP2_KEEP_ALIVE: Duration = Duration::from_secs(20);

/// The default of [`Config::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// An account the emulator knows.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Account {
    /// The email to log in with.
    pub email: String,
    /// The password to log in with.
    pub password: String,
    /// Whether the account is an admin.
    #[serde(default)]
    pub is_admin: bool,
}

impl Account {
    /// A user account (not an admin).
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Account {
            email: email.into(),
            password: password.into(),
            is_admin: false,
        }
    }

    /// An admin account.
    pub fn admin(email: impl Into<String>, password: impl Into<String>) -> Self {
        Account {
            is_admin: true,
            ..Account::new(email, password)
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("is_admin", &self.is_admin)
            .finish()
    }
}

/// How to run an emulator. The defaults suit tests: an ephemeral port on
/// 127.0.0.1, plain HTTP, no faults, and (with no accounts given) one admin
/// and one user with random passwords.
///
/// Start from [`Config::new`] and change it with the builder methods, or
/// by setting its fields.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The accounts; empty means seed one admin and one user.
    pub accounts: Vec<Account>,
    /// How long a login token lives.
    pub login_ttl: Duration,
    /// PEM certificate chain and private key, to serve HTTPS.
    pub tls: Option<TlsFiles>,
    /// Fault rules in force from the start.
    pub faults: Vec<FaultRule>,
    /// How long a connection may take over its TLS handshake, and over a
    /// request's headers (idle keep-alive time counts, as with most
    /// servers); a slower connection is closed, so a client that opens a
    /// socket and sends nothing cannot hold it for ever. An HTTP/2
    /// connection likewise is closed once it has had no request in flight
    /// for this long, from its first byte on (a client that sends the
    /// preface and goes silent). Default 30 s.
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive once its headers have;
    /// a request whose body is late (a `Content-Length` and no body) is
    /// ended by closing its connection (its stream, over HTTP/2) without
    /// an answer. Default 30 s.
    pub body_read_timeout: Duration,
    /// HTTP/2: how often the server pings each connection; a connection
    /// whose peer does not answer a ping within the same time is closed (a
    /// peer that vanished while its request was being handled). Default
    /// 20 s.
    pub http2_keep_alive: Duration,
    /// How many connections may be open at once; beyond it a new
    /// connection is closed as soon as it is accepted, with a warning in
    /// the log (at most one a second). Default 1024.
    pub max_connections: usize,
    /// Whether the clock stands still at the moment the emulator starts and
    /// moves only with [`Emulator::advance_clock`], so that nothing expires
    /// because a test ran slowly. Default false: the system clock.
    pub frozen_clock: bool,
    /// The protocol version served. Default [`ProtocolVersion::V2`].
    pub protocol: ProtocolVersion,
    /// Whether the control plane (`/_steps/`: reset, clock, faults,
    /// journal, state, accounts) is served, to loopback peers only.
    /// Default false.
    pub control: bool,
    /// A saved state: loaded at start if the file exists, saved on
    /// [`Emulator::shutdown`] (and every [`Config::save_every`]). Default
    /// none: the store dies with the emulator.
    pub state_file: Option<PathBuf>,
    /// How often the state is also saved while running, with a
    /// [`Config::state_file`]. Default none: only on shutdown.
    pub save_every: Option<Duration>,
}

/// A PEM certificate chain and private key.
#[derive(Clone)]
pub struct TlsFiles {
    /// The certificate chain, PEM.
    pub cert_pem: Vec<u8>,
    /// The private key, PEM.
    pub key_pem: Vec<u8>,
}

impl fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsFiles { .. }")
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            accounts: Vec::new(),
            login_ttl: DEFAULT_LOGIN_TTL,
            tls: None,
            faults: Vec::new(),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            http2_keep_alive: DEFAULT_HTTP2_KEEP_ALIVE,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            frozen_clock: false,
            protocol: ProtocolVersion::default(),
            control: false,
            state_file: None,
            save_every: None,
        }
    }
}

impl Config {
    /// The defaults.
    pub fn new() -> Self {
        Config::default()
    }

    /// Listens on `addr`.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Adds an admin account.
    pub fn admin(self, email: &str, password: &str) -> Self {
        self.account(Account::admin(email, password))
    }

    /// Adds a user account.
    pub fn user(self, email: &str, password: &str) -> Self {
        self.account(Account::new(email, password))
    }

    /// Adds an account.
    pub fn account(mut self, account: Account) -> Self {
        self.accounts.push(account);
        self
    }

    /// Sets the login token lifetime.
    pub fn login_ttl(mut self, ttl: Duration) -> Self {
        self.login_ttl = ttl;
        self
    }

    /// Serves HTTPS with this PEM certificate chain and key.
    pub fn tls(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.tls = Some(TlsFiles {
            cert_pem: cert_pem.into(),
            key_pem: key_pem.into(),
        });
        self
    }

    /// Starts with these fault rules.
    pub fn faults(mut self, rules: Vec<FaultRule>) -> Self {
        self.faults = rules;
        self
    }

    /// Freezes the clock (see [`Config::frozen_clock`]).
    pub fn frozen_clock(mut self) -> Self {
        self.frozen_clock = true;
        self
    }

    /// Sets [`Config::header_read_timeout`].
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`Config::body_read_timeout`].
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Sets [`Config::http2_keep_alive`].
    pub fn http2_keep_alive(mut self, interval: Duration) -> Self {
        self.http2_keep_alive = interval;
        self
    }

    /// Sets [`Config::max_connections`].
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Serves this protocol version (see [`Config::protocol`]).
    pub fn protocol(mut self, version: ProtocolVersion) -> Self {
        self.protocol = version;
        self
    }

    /// Serves the control plane (see [`Config::control`]).
    pub fn control(mut self, on: bool) -> Self {
        self.control = on;
        self
    }

    /// Keeps the store in `path` (see [`Config::state_file`]).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Saves the state this often too (see [`Config::save_every`]).
    pub fn save_every(mut self, every: Duration) -> Self {
        self.save_every = Some(every);
        self
    }
}

/// A running emulator. Dropping it stops accepting connections; call
/// [`Emulator::shutdown`] to also wait for in-flight requests.
pub struct Emulator {
    base_url: String,
    local_addr: SocketAddr,
    accounts: Vec<Account>,
    state: Arc<state::State>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    state_file: Option<PathBuf>,
    saver: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds and starts serving on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// The address cannot be bound, the TLS files are invalid, the state
    /// file cannot be loaded (a corrupt file, or one of a newer version:
    /// it is left as it was), or the OS's random source fails.
    pub async fn start(config: Config) -> std::io::Result<Emulator> {
        let loaded = match &config.state_file {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let (store, clock) = match &loaded {
            Some(doc) => {
                let mut store = store::Store::import(doc).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("the state file cannot be loaded ({e}); it was left as it is"),
                    )
                })?;
                // The lifetime given now applies to new logins.
                store.set_login_ttl(config.login_ttl.as_secs());
                // Accounts given now join those saved, under new ids.
                for account in &config.accounts {
                    let _ = store.add_account(&account.email, &account.password, account.is_admin);
                }
                if store.account_docs().is_empty() {
                    for account in seeded_accounts()? {
                        let _ = store.add_account(&account.email, &account.password, account.is_admin);
                    }
                }
                (store, clock::Clock::at(doc.reading()))
            }
            None => {
                let accounts = if config.accounts.is_empty() {
                    seeded_accounts()?
                } else {
                    config.accounts.clone()
                };
                (
                    store::Store::new(&accounts, config.login_ttl.as_secs()),
                    clock::start(config.frozen_clock),
                )
            }
        };
        let accounts: Vec<Account> = store
            .account_docs()
            .into_iter()
            .map(|a| Account {
                email: a.email,
                password: a.password,
                is_admin: a.is_admin,
            })
            .collect();
        let tls = match &config.tls {
            Some(files) => Some(server::tls_acceptor(&files.cert_pem, &files.key_pem)?),
            None => None,
        };
        let listener = TcpListener::bind(config.listen).await?;
        let local_addr = listener.local_addr()?;
        let state = Arc::new(
            state::State::new(
                store,
                clock,
                faults::FaultSet::new(config.faults),
                config.body_read_timeout,
                config.protocol,
            )
            .with_control(config.control),
        );
        let saver = match (&config.state_file, config.save_every) {
            (Some(path), Some(every)) if !every.is_zero() => Some(tokio::spawn(save_periodically(
                state.clone(),
                path.clone(),
                every,
            ))),
            _ => None,
        };
        let (stop, stopped) = watch::channel(false);
        let limits = server::Limits {
            header_read_timeout: config.header_read_timeout,
            http2_keep_alive: config.http2_keep_alive,
            max_connections: config.max_connections,
        };
        let task = tokio::spawn(server::serve(
            listener,
            tls.clone(),
            limits,
            state.clone(),
            stopped,
        ));
        Ok(Emulator {
            base_url: server::base_url(local_addr, tls.is_some()),
            local_addr,
            accounts,
            state,
            stop,
            task: Some(task),
            state_file: config.state_file,
            saver,
        })
    }

    /// The control plane's base URL (`{base_url}/_steps`), when it is
    /// served.
    pub fn control_url(&self) -> Option<String> {
        self.state.control().then(|| format!("{}/_steps", self.base_url))
    }

    /// Saves the state to [`Config::state_file`] now, if there is one.
    ///
    /// # Errors
    ///
    /// The file cannot be written (the old one is then unchanged).
    pub fn save_state(&self) -> std::io::Result<()> {
        match &self.state_file {
            Some(path) => self.state.save(path),
            None => Ok(()),
        }
    }

    /// The base URL clients use, such as `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The protocol version it serves.
    pub fn protocol(&self) -> ProtocolVersion {
        self.state.protocol()
    }

    /// The accounts it knows, in user id order (the first has id 1).
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Moves the emulator's clock forward, so that tokens expire without
    /// waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.state.advance_clock(by);
    }

    /// Replaces the fault rules in force (their counts start again).
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.state.set_faults(rules);
    }

    /// How many requests reached the operation `name` (`job_token.create`,
    /// `meta`, ...), faulted ones included.
    pub fn requests_seen(&self, operation: &str) -> u64 {
        self.state.requests_seen(operation)
    }

    /// How many live job tokens and API keys the store holds: unexpired
    /// (by the emulator's clock) and undeleted.
    pub fn token_counts(&self) -> (usize, usize) {
        self.state.token_counts()
    }

    /// Stops accepting connections, waits for in-flight requests to
    /// finish (up to 10 s), then saves the state to
    /// [`Config::state_file`], if there is one (a failure is logged; call
    /// [`Emulator::save_state`] first to handle it).
    pub async fn shutdown(self) {
        if let Err(error) = self.shutdown_and_save().await {
            tracing::error!(%error, "the state was not saved");
        }
    }

    /// [`Emulator::shutdown`], returning whether the state was saved.
    ///
    /// # Errors
    ///
    /// The state file could not be written (the old one is unchanged).
    pub async fn shutdown_and_save(mut self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        if let Some(saver) = self.saver.take() {
            saver.abort();
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.save_state()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(saver) = self.saver.take() {
            saver.abort();
        }
    }
}

/// Saves the state every `every`, until aborted.
async fn save_periodically(state: Arc<state::State>, path: PathBuf, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let (state, path) = (state.clone(), path.clone());
        let saved = tokio::task::spawn_blocking(move || state.save(&path)).await;
        match saved {
            Ok(Ok(())) => tracing::debug!("state saved"),
            Ok(Err(error)) => tracing::error!(%error, "the state was not saved"),
            Err(_) => tracing::error!("the state was not saved: the saving task failed"),
        }
    }
}

/// One admin and one user with fresh random passwords.
fn seeded_accounts() -> std::io::Result<Vec<Account>> {
    let password =
        || secret::mint(secret::TokenKind::Login).map(|t| t["stl_".len().."stl_".len() + 16].to_owned());
    Ok(vec![
        Account::admin("admin@steps.local", password()?),
        Account::new("user@steps.local", password()?),
    ])
}
