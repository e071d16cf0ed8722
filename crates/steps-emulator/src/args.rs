//! Command-line options, shared by the `steps-emulator` binary and the
//! `steps emulator` command, and the foreground run they both use.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::{Account, Config, Emulator, FaultRule};

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
            .login_ttl(Duration::from_secs(self.login_ttl));
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
    /// SIGTERM, letting in-flight requests finish.
    ///
    /// # Errors
    ///
    /// The configuration is invalid or the address cannot be bound.
    pub async fn run(&self) -> Result<(), String> {
        let config = self.to_config()?;
        let seeded = config.accounts.is_empty();
        let emulator = Emulator::start(config)
            .await
            .map_err(|e| format!("cannot start the emulator on {}: {e}", self.listen))?;
        println!("steps-emulator listening on {}", emulator.base_url());
        if seeded {
            println!("seeded accounts (passwords are new each start):");
            for account in emulator.accounts() {
                let role = if account.is_admin { "admin" } else { "user" };
                println!("  {role:<5}  {}  {}", account.email, account.password);
            }
        }
        wait_for_stop_signal().await;
        eprintln!("stopping: waiting for in-flight requests");
        emulator.shutdown().await;
        Ok(())
    }
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
