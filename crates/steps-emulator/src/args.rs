//! Command-line options, shared by the `steps-emulator` binary and the
//! `steps emulator` command, and the foreground run they both use.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::account::Account;
use crate::config::{
    Config, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_HTTP2_KEEP_ALIVE,
    DEFAULT_MAX_CONNECTIONS,
};
use crate::dialect::Api;
use crate::emulator::Emulator;
use crate::faults::FaultRule;
use crate::protocol::ProtocolVersion;

/// Options of a local STEPS cloud.
#[derive(Clone, Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
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
    /// The emulator configuration these options describe.
    ///
    /// # Errors
    ///
    /// A file cannot be read or parsed.
    pub fn to_config(&self) -> Result<Config, String> {
        let mut config = Config::new()
            .listen(self.listen)
            .login_ttl(Duration::from_secs(self.login_ttl))
            .api(self.api)
            .protocol(self.protocol)
            .header_read_timeout(Duration::from_secs(self.header_read_timeout))
            .body_read_timeout(Duration::from_secs(self.body_read_timeout))
            .http2_keep_alive(Duration::from_secs(self.http2_keep_alive))
            .max_connections(self.max_connections)
            .control(self.control);
        if let Some(path) = &self.state {
            config = config.state_file(path);
        }
        if let Some(every) = self.save_every {
            config = config.save_every(Duration::from_secs(every));
        }
        if self.frozen_clock {
            config = config.frozen_clock();
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

    /// Runs an emulator in the foreground: prints its base URL (and the
    /// seeded accounts when none were given), then serves until Ctrl-C or
    /// SIGTERM, letting in-flight requests finish. The first line printed
    /// ends with the base URL, for scripts that read it.
    ///
    /// When standard output is a pipe whose reader has gone (`steps
    /// emulator | head -1`), it stops at once, quietly and successfully,
    /// as a command line tool does.
    ///
    /// # Errors
    ///
    /// The configuration is invalid, the address cannot be bound, or
    /// standard output cannot be written (but for a closed pipe).
    pub async fn run(&self) -> Result<(), String> {
        let config = self.to_config()?;
        let listing = match &config.state_file {
            // Their passwords are in the file, not shown again.
            Some(path) if path.exists() => {
                Some(("accounts (from the state file; passwords not shown):", false))
            }
            _ if config.accounts.is_empty() => {
                Some(("seeded accounts (passwords are new each start):", true))
            }
            _ => None,
        };
        let emulator = Emulator::start(config)
            .await
            .map_err(|e| format!("cannot start the emulator on {}: {e}", self.listen))?;
        match print_banner(&emulator, listing) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                emulator.shutdown().await;
                return Ok(());
            }
            Err(error) => {
                emulator.shutdown().await;
                return Err(format!("cannot write to standard output: {error}"));
            }
        }
        wait_for_stop_signal().await;
        // Nothing more can be done when stderr itself is closed.
        let _ = writeln!(
            std::io::stderr().lock(),
            "stopping: waiting for in-flight requests"
        );
        emulator.shutdown_and_save().await.map_err(|e| e.to_string())
    }
}

/// Prints the base URL, the API (or protocol) served, the control
/// plane's URL, the accounts under the heading `listing` (seeded ones, or
/// a state file's), and in quandela mode the job tokens minted at start,
/// in one write to a locked stdout, flushed, so that a reader sees it at
/// once.
fn print_banner(emulator: &Emulator, listing: Option<(&str, bool)>) -> std::io::Result<()> {
    let protocol = emulator.protocol();
    let features: Vec<&str> = protocol.features().iter().map(|f| f.name()).collect();
    let served = match emulator.api() {
        Api::Steps if features.is_empty() => format!("protocol {protocol}"),
        Api::Steps => format!("protocol {protocol}, features: {}", features.join(", ")),
        api => format!("api {api}"),
    };
    let mut text = format!("steps-emulator listening on {}\n{served}\n", emulator.base_url());
    if let Some(control) = emulator.control_url() {
        let _ = writeln!(text, "control plane at {control}/ (loopback only)");
    }
    if let Some((heading, with_passwords)) = listing {
        text.push_str(heading);
        text.push('\n');
        for account in emulator.accounts() {
            let role = if account.is_admin { "admin" } else { "user" };
            if with_passwords {
                let _ = writeln!(text, "  {role:<5}  {}  {}", account.email, account.password);
            } else {
                let _ = writeln!(text, "  {role:<5}  {}", account.email);
            }
        }
    }
    let minted = emulator.minted_tokens();
    if !minted.is_empty() {
        text.push_str("job tokens (minted at start; secrets, for /api/tokens):\n");
        for token in &minted {
            let _ = writeln!(text, "  {}  {}  {}", token.token_id, token.email, token.token);
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    fn config(args: &[&str]) -> Result<Config, String> {
        let line = std::iter::once("steps-emulator").chain(args.iter().copied());
        Cli::try_parse_from(line)
            .map_err(|e| e.to_string())?
            .args
            .to_config()
    }

    #[test]
    fn every_setting_of_config_is_a_flag() {
        let defaults = config(&[]).expect("the defaults parse");
        assert_eq!(defaults.protocol, ProtocolVersion::V2);
        assert_eq!(defaults.api, Api::Steps);
        assert_eq!(config(&["--api", "quandela"]).map(|c| c.api), Ok(Api::Quandela));
        assert_eq!(defaults.header_read_timeout, DEFAULT_HEADER_READ_TIMEOUT);
        assert_eq!(defaults.body_read_timeout, DEFAULT_BODY_READ_TIMEOUT);
        assert_eq!(defaults.http2_keep_alive, DEFAULT_HTTP2_KEEP_ALIVE);
        assert_eq!(defaults.max_connections, DEFAULT_MAX_CONNECTIONS);

        let set = config(&[
            "--protocol",
            "1",
            "--header-read-timeout",
            "5",
            "--body-read-timeout",
            "6",
            "--http2-keep-alive",
            "7",
            "--max-connections",
            "8",
        ])
        .expect("valid flags");
        assert_eq!(set.protocol, ProtocolVersion::V1);
        assert_eq!(set.header_read_timeout, Duration::from_secs(5));
        assert_eq!(set.body_read_timeout, Duration::from_secs(6));
        assert_eq!(set.http2_keep_alive, Duration::from_secs(7));
        assert_eq!(set.max_connections, 8);
        assert!(!defaults.control && defaults.state_file.is_none() && defaults.save_every.is_none());
        let kept = config(&["--control", "--state", "s.json", "--save-every", "9"]).expect("valid flags");
        assert!(kept.control);
        assert_eq!(kept.state_file, Some(PathBuf::from("s.json")));
        assert_eq!(kept.save_every, Some(Duration::from_secs(9)));
        assert_eq!(
            config(&["--protocol", "2"]).map(|c| c.protocol),
            Ok(ProtocolVersion::V2)
        );

        for bad in [
            ["--protocol", "3"],
            ["--protocol", "v2"],
            ["--protocol", ""],
            ["--api", "perceval"],
            ["--api", ""],
            ["--max-connections", "0"],
            ["--body-read-timeout", "0"],
            ["--http2-keep-alive", "-1"],
            ["--header-read-timeout", "1.5"],
            ["--save-every", "10"],
        ] {
            assert!(config(&bad).is_err(), "{bad:?} was accepted");
        }
    }
}
