//! `Config`: how to run an emulator (address, accounts, TLS, faults,
//! deadlines, clock, API and protocol, control plane, saved state), its
//! builder methods, and the defaults they start from.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::account::Account;
use crate::dialect::Api;
use crate::faults::FaultRule;
use crate::protocol::ProtocolVersion;

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
    /// moves only with
    /// [`Emulator::advance_clock`](crate::Emulator::advance_clock), so that
    /// nothing expires because a test ran slowly. Default false: the system
    /// clock.
    pub frozen_clock: bool,
    /// The API served: our protocol (the default) or the Quandela
    /// cloud's token API (`docs/quandela.md`).
    pub api: Api,
    /// The protocol version served, with [`Api::Steps`]. Default
    /// [`ProtocolVersion::V2`].
    pub protocol: ProtocolVersion,
    /// Whether the control plane (`/_steps/`: reset, clock, faults,
    /// journal, state, accounts) is served, to loopback peers only.
    /// Default false.
    pub control: bool,
    /// A saved state: loaded at start if the file exists, saved on
    /// [`Emulator::shutdown`](crate::Emulator::shutdown) (and every
    /// [`Config::save_every`]). It holds every secret, so it is read as a
    /// credentials file is: a symbolic link, a file that is not a regular
    /// one, another user's, one that others may read or write (0600 or
    /// stricter only), one over 64 MiB, and a path whose directory is
    /// missing or cannot be written are refused at start
    /// (`docs/emulator.md`). Default none: the store dies with the
    /// emulator.
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
            api: Api::default(),
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

    /// Serves this API (see [`Config::api`]).
    pub fn api(mut self, api: Api) -> Self {
        self.api = api;
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
