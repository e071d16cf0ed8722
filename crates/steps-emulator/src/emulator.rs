//! `Emulator`: a running emulator, from `start` (the store loaded or
//! seeded, the socket bound, the accept loop and the periodic saver
//! spawned) to `shutdown`, and what tests ask of it while it runs.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::account::Account;
use crate::config::Config;
use crate::dialect::Api;
use crate::faults::FaultRule;
use crate::protocol::ProtocolVersion;
use crate::quandela::{JobUsage, MintedToken};
use crate::store::entries::UsageEntry;
use crate::{clock, faults, persist, secret, server, state, store};

/// A running emulator. Dropping it stops accepting connections; call
/// [`Emulator::shutdown`] to also wait for in-flight requests.
pub struct Emulator {
    base_url: String,
    local_addr: SocketAddr,
    accounts: Vec<Account>,
    minted: Vec<MintedToken>,
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
    /// file is refused (a symbolic link, not a regular file, another
    /// user's, readable or writable by others, over 64 MiB, or in a
    /// directory that is missing or cannot be written) or cannot be
    /// loaded (a corrupt file, or one of a newer version): it is left as
    /// it was; or the OS's random source fails.
    ///
    /// With [`Api::Quandela`], it mints one job token per account first
    /// ([`Emulator::minted_tokens`]).
    pub async fn start(config: Config) -> std::io::Result<Emulator> {
        let loaded = match &config.state_file {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let (mut store, clock) = match &loaded {
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
        let (minted, initial_tokens) = match config.api {
            Api::Quandela => {
                let minted = store.mint_startup_tokens(clock.now())?;
                let ids = minted.iter().map(|m| m.id).collect();
                let initial = store.quandela_doc(Some(&ids));
                (minted, initial)
            }
            Api::Steps => (Vec::new(), None),
        };
        let minted = minted
            .into_iter()
            .map(|m| MintedToken {
                email: m.email,
                user_id: m.user_id,
                token_id: m.id,
                token: m.secret,
            })
            .collect();
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
            Some(files) => Some(server::tls::acceptor(&files.cert_pem, &files.key_pem)?),
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
            .with_api(config.api)
            .with_initial_tokens(initial_tokens)
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
            minted,
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

    /// The API it serves.
    pub fn api(&self) -> Api {
        self.state.api()
    }

    /// The accounts it knows, in user id order (the first has id 1).
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// With [`Api::Quandela`], the job token it minted for each account at
    /// start, in user id order, as its banner prints them (one kept from
    /// a saved state, if valid, instead). A reset brings them back as they
    /// were. Empty with [`Api::Steps`].
    pub fn minted_tokens(&self) -> Vec<MintedToken> {
        self.minted.clone()
    }

    /// Entries jobs run with a quandela job token, for
    /// `quandela.usage.report` to sum, as the control plane's `POST
    /// /_steps/usage` does.
    ///
    /// # Errors
    ///
    /// `token_id` names no token, `platform_name` is empty, or a credit
    /// is negative or not finite: nothing is recorded.
    pub fn record_usage(&self, usage: JobUsage) -> Result<(), String> {
        let record = UsageEntry {
            token_id: usage.token_id,
            platform_name: usage.platform_name,
            nb_jobs: usage.nb_jobs,
            duration_seconds: usage.duration_seconds,
            credits: usage.credits,
            free_credits: usage.free_credits,
            at: usage.at.unwrap_or_else(|| self.state.now()),
        };
        self.state.record_usage(record).map_err(str::to_owned)
    }

    /// Moves the emulator's clock forward, so that tokens expire without
    /// waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.state.advance_clock(by);
    }

    /// Goes back to the start, as the control plane's `POST /_steps/reset`
    /// does (`docs/emulator.md`): the accounts it started with (and, in
    /// quandela mode, the tokens minted then), no other token, the clock
    /// where it started, no faults, an empty journal. A request in flight
    /// from before gets 401.
    pub fn reset(&self) {
        self.state.reset();
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
        || secret::mint(secret::TokenType::Login).map(|t| t["stl_".len().."stl_".len() + 16].to_owned());
    Ok(vec![
        Account::admin("admin@steps.local", password()?),
        Account::new("user@steps.local", password()?),
    ])
}
