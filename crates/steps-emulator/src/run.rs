//! The foreground run that the `steps-emulator` binary and `steps
//! emulator` share: start, say where (the banner, or with `--json` one
//! JSON line; `banner.rs`), serve until Ctrl-C or SIGTERM, then shut down
//! and save.

use std::io::Write as _;

use crate::args::{EmulatorArgs, DEV_ACCOUNTS};
use crate::banner::{self, Listing, Started};
use crate::emulator::Emulator;

impl EmulatorArgs {
    /// Runs an emulator in the foreground: prints its base URL (and the
    /// seeded accounts when none were given, `--dev`'s with it), then
    /// serves until Ctrl-C or SIGTERM, letting in-flight requests finish.
    /// The first line printed ends with the base URL, for scripts that
    /// read it; with `--json` the first (and only) line on stdout is a
    /// JSON object instead (see [`EmulatorArgs::json`]). With `--dev`, a
    /// warning on stderr says that its passwords are well known.
    ///
    /// When standard output is a pipe whose reader has gone (`steps
    /// emulator | head -1`), it stops at once, quietly and successfully,
    /// as a command line tool does.
    ///
    /// # Errors
    ///
    /// The options break a rule of [`EmulatorArgs::check`] (before
    /// anything is bound), the configuration is invalid, the address
    /// cannot be bound, a state file gives one of `--dev`'s accounts
    /// another password, or standard output cannot be written (but for a
    /// closed pipe).
    pub async fn run(&self) -> Result<(), String> {
        let config = self.to_config()?;
        let listing = match &config.state_file {
            // Their passwords are in the file, not shown again.
            Some(path) if path.exists() => Listing::Saved,
            _ if config.accounts.is_empty() => Listing::Seeded,
            _ if self.dev => Listing::Dev,
            _ => Listing::Given,
        };
        let emulator = Emulator::start(config)
            .await
            .map_err(|e| format!("cannot start the emulator on {}: {e}", self.listen))?;
        if self.dev {
            if let Err(message) = dev_passwords_hold(&emulator) {
                // Dropped, not shut down: a shutdown would save the state
                // file, which is to be left as it is.
                drop(emulator);
                return Err(message);
            }
            // Nothing more can be done when stderr itself is closed.
            let _ = writeln!(std::io::stderr().lock(), "{}", banner::dev_warning());
        }
        let text = {
            let started = Started::of(&emulator);
            if self.json {
                // The well-known passwords of --dev. Not those typed with
                // --admin and --user: the harness that typed them knows
                // them, and stdout ends up in CI logs (`$CI_SECRET`).
                let known: Vec<(&str, &str)> = if self.dev {
                    DEV_ACCOUNTS
                        .iter()
                        .map(|(email, password, _)| (*email, *password))
                        .collect()
                } else {
                    Vec::new()
                };
                banner::json_line(&started, listing, &known)
            } else {
                banner::text(&started, listing)
            }
        };
        match print(&text) {
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

/// With `--dev`, whether its accounts have its passwords. A state file may
/// hold an account of the same email (the seeded `admin@steps.local` of an
/// earlier run without `--dev`, whose password was random), and a saved
/// account keeps its saved password: `--dev`'s would then be refused at
/// login, which the quickstart must not meet without a word.
fn dev_passwords_hold(emulator: &Emulator) -> Result<(), String> {
    for (email, password, _) in DEV_ACCOUNTS {
        let saved = emulator.accounts().iter().find(|a| a.email == email);
        if saved.is_some_and(|a| a.password != password) {
            return Err(format!(
                "the state file has an account {email} whose password is not --dev's (it was saved \
                 by a run without --dev); start without --dev, or with another --state file"
            ));
        }
    }
    Ok(())
}

/// Writes `text` in one write to a locked stdout, flushed, so that a
/// reader sees it at once.
fn print(text: &str) -> std::io::Result<()> {
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
