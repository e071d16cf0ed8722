//! Command-line options, shared by the `steps-emulator` binary and the
//! `steps emulator` command: what they mean ([`EmulatorArgs::to_config`])
//! and the rules between them that clap cannot state
//! ([`EmulatorArgs::check`]). The foreground run they both use is in
//! `run.rs`, what it prints in `banner.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::account::Account;
use crate::config::{
    Config, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_HTTP2_KEEP_ALIVE,
    DEFAULT_MAX_CONNECTIONS,
};
use crate::dialect::Api;
use crate::faults::FaultRule;
use crate::protocol::ProtocolVersion;

/// `--dev`'s accounts, as (email, password, is admin): the emails of the
/// accounts seeded without it, with passwords everyone knows, so that a
/// quickstart can name them instead of asking people to copy random ones.
pub(crate) const DEV_ACCOUNTS: [(&str, &str, bool); 2] = [
    ("admin@steps.local", "admin-password", true),
    ("user@steps.local", "user-password", false),
];

/// Whether `email` is one of `--dev`'s accounts.
fn dev_email(email: &str) -> bool {
    DEV_ACCOUNTS.iter().any(|(dev, _, _)| *dev == email)
}

/// Options of a local STEPS cloud.
#[derive(Clone, Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Start with two accounts of well-known passwords, for local
    /// development only: admin@steps.local / admin-password (an admin) and
    /// user@steps.local / user-password.
    ///
    /// They come first (user ids 1 and 2), then those of --admin, --user
    /// and --accounts, which may not reuse their emails. It listens on
    /// loopback only: a --listen address that is not a loopback one is
    /// refused before anything is bound. A warning on stderr says that the
    /// passwords are well known. With --api quandela a job token is minted
    /// for each account, these two included, and printed at start as
    /// without --dev (the tokens are random, not well known). With --state,
    /// an account of one of these emails that the file already holds keeps
    /// its saved password, so a file whose password for one of them is
    /// another is refused at start, and left as it is. The control plane
    /// is on, as with --control (`steps emulator ctl` drives it).
    #[arg(long)]
    pub dev: bool,
    /// An admin account, as EMAIL:PASSWORD (repeatable).
    #[arg(long, value_name = "EMAIL:PASSWORD", value_parser = parse_account)]
    pub admin: Vec<(String, String)>,
    /// A user account, as EMAIL:PASSWORD (repeatable).
    #[arg(long, value_name = "EMAIL:PASSWORD", value_parser = parse_account)]
    pub user: Vec<(String, String)>,
    /// A JSON file of accounts: `[{"email": .., "password": .., "is_admin": true}]`.
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
    /// Login token lifetime in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 86_400)]
    pub login_ttl: u64,
    /// PEM certificate chain, to serve HTTPS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key, to serve HTTPS (with --tls-cert).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A JSON file of fault rules (see the crate docs of `FaultRule`).
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// Stop the clock at start: nothing expires by itself (for test
    /// harnesses whose pace must not matter).
    #[arg(long)]
    pub frozen_clock: bool,
    /// The API to serve: steps (our protocol, docs/protocol.md) or
    /// quandela (the Quandela cloud's token API, docs/quandela.md: one job
    /// token minted per account, printed at start).
    #[arg(long, value_name = "steps|quandela", default_value_t = Api::Steps)]
    pub api: Api,
    /// The protocol version to serve, with --api steps: 2 (`GET /api/meta`
    /// and the v2 features: idempotency, self, own_tokens, rotation) or 1
    /// (none of them, as a server that never heard of v2).
    #[arg(long, value_name = "1|2", default_value_t = ProtocolVersion::V2)]
    pub protocol: ProtocolVersion,
    /// Seconds a connection may take over its TLS handshake or a request's
    /// headers, and may stay open with no request in flight.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_HEADER_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,
    /// Seconds a request's body may take to arrive once its headers have.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_BODY_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_read_timeout: u64,
    /// HTTP/2: seconds between pings, and how long a ping may go
    /// unanswered before the connection is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_HTTP2_KEEP_ALIVE.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub http2_keep_alive: u64,
    /// How many connections may be open at once; more are closed as they
    /// arrive.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = at_least_one)]
    pub max_connections: usize,
    /// Serve the control plane under /_steps/ (reset, clock, faults,
    /// request journal, state, accounts), to loopback peers only.
    #[arg(long)]
    pub control: bool,
    /// Keep the store in FILE: loaded at start if it exists, saved
    /// (mode 0600; it holds every secret) on Ctrl-C or SIGTERM. A link,
    /// another user's file, one others may read, one over 64 MiB, or a
    /// directory that cannot be written is refused at start.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// With --state, also save every N seconds.
    #[arg(long, value_name = "SECONDS", requires = "state",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub save_every: Option<u64>,
    /// Print one JSON line on stdout at start, before anything else, for
    /// a test harness to read, instead of the banner.
    ///
    /// The line is an object: "url", "api", "protocol" (null with --api
    /// quandela), "control_url" (null without --control or --dev),
    /// "accounts" (each with "email", "is_admin", and "password" only for
    /// --dev's well-known ones and the seeded ones the banner prints too;
    /// never one given with --admin or --user, nor a state file's or an
    /// --accounts file's), and "tokens" (with --api quandela,
    /// the job tokens minted at start: "email", "user_id", "token_id",
    /// "token"; empty otherwise). Nothing else is printed on stdout.
    // Not the id `json`: `steps emulator` has a global --json of its own,
    // which its command line copies into this command under that id.
    #[arg(id = "emulator_json", long = "json")]
    pub json: bool,
}

fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number, at least 1".to_owned()),
    }
}

fn parse_account(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((email, password)) if !email.is_empty() && !password.is_empty() => {
            Ok((email.to_owned(), password.to_owned()))
        }
        _ => Err("expected EMAIL:PASSWORD, both non-empty".to_owned()),
    }
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the {what} file {}: {e}", path.display()))
}

impl EmulatorArgs {
    /// The rules between options that clap cannot state: with `--dev`,
    /// `--listen` is a loopback address (its passwords are well known, so
    /// nobody else may reach it), and no `--admin` or `--user` reuses one
    /// of its emails. [`EmulatorArgs::to_config`] and
    /// [`EmulatorArgs::run`] check them too; a front end calls this first,
    /// before anything is bound, to report a usage error.
    ///
    /// # Errors
    ///
    /// Which rule is broken, and how to mend it.
    pub fn check(&self) -> Result<(), String> {
        if !self.dev {
            return Ok(());
        }
        // An IPv4 address mapped into IPv6 (`[::ffff:127.0.0.1]`) is
        // loopback too, as the control plane reads a peer.
        if !self.listen.ip().to_canonical().is_loopback() {
            return Err(format!(
                "--dev listens on loopback only, since its passwords are well known: {} is not a \
                 loopback address (use --listen 127.0.0.1:PORT or --listen [::1]:PORT)",
                self.listen
            ));
        }
        let taken = self
            .admin
            .iter()
            .chain(&self.user)
            .find(|(email, _)| dev_email(email));
        if let Some((email, _)) = taken {
            return Err(format!(
                "--dev already makes the account {email}: give --admin and --user other emails"
            ));
        }
        Ok(())
    }

    /// The emulator configuration these options describe.
    ///
    /// # Errors
    ///
    /// A rule of [`EmulatorArgs::check`] is broken, or a file cannot be
    /// read or parsed (or, with `--dev`, its accounts file reuses one of
    /// `--dev`'s emails).
    pub fn to_config(&self) -> Result<Config, String> {
        self.check()?;
        let mut config = Config::new()
            .listen(self.listen)
            .login_ttl(Duration::from_secs(self.login_ttl))
            .api(self.api)
            .protocol(self.protocol)
            .header_read_timeout(Duration::from_secs(self.header_read_timeout))
            .body_read_timeout(Duration::from_secs(self.body_read_timeout))
            .http2_keep_alive(Duration::from_secs(self.http2_keep_alive))
            .max_connections(self.max_connections)
            // A test service on loopback: its control plane (reset,
            // clock, faults, journal, state) is on, as with --control.
            .control(self.control || self.dev);
        if let Some(path) = &self.state {
            config = config.state_file(path);
        }
        if let Some(every) = self.save_every {
            config = config.save_every(Duration::from_secs(every));
        }
        if self.frozen_clock {
            config = config.frozen_clock();
        }
        if self.dev {
            // First, so that their user ids (1 and 2) are known too.
            for (email, password, is_admin) in DEV_ACCOUNTS {
                config = if is_admin {
                    config.admin(email, password)
                } else {
                    config.user(email, password)
                };
            }
        }
        for (email, password) in &self.admin {
            config = config.admin(email, password);
        }
        for (email, password) in &self.user {
            config = config.user(email, password);
        }
        if let Some(path) = &self.accounts {
            let accounts: Vec<Account> = serde_json::from_slice(&read(path, "accounts")?)
                .map_err(|e| format!("the accounts file {} is not valid: {e}", path.display()))?;
            if let Some(taken) = accounts.iter().find(|a| self.dev && dev_email(&a.email)) {
                return Err(format!(
                    "the accounts file {} has the account {}, which --dev already makes",
                    path.display(),
                    taken.email
                ));
            }
            config.accounts.extend(accounts);
        }
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            config = config.tls(read(cert, "TLS certificate")?, read(key, "TLS key")?);
        }
        if let Some(path) = &self.faults {
            let rules: Vec<FaultRule> = serde_json::from_slice(&read(path, "faults")?)
                .map_err(|e| format!("the faults file {} is not valid: {e}", path.display()))?;
            config = config.faults(rules);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
