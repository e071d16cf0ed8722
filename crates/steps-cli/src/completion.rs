//! Dynamic shell completions (clap_complete's `CompleteEnv`): the shell
//! asks the binary itself, so that completions know the stored profiles
//! and, where the stored login can list them within [`ID_BUDGET`], the ids
//! of job tokens and API keys. Installed once per shell:
//!
//! ```sh
//! echo 'source <(COMPLETE=bash steps)' >> ~/.bashrc
//! echo 'source <(COMPLETE=zsh steps)' >> ~/.zshrc
//! echo 'COMPLETE=fish steps | source' >> ~/.config/fish/config.fish
//! ```
//!
//! A completer sees only the word being completed, not the options typed
//! before it: profiles come from the credentials file the environment
//! points at (`STEPS_CONFIG_DIR`, `XDG_CONFIG_HOME`, `HOME`), and ids from
//! `steps <noun> list --json` run as the environment configures it
//! (`STEPS_API_URL`, `STEPS_PROFILE`, the stored login).

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap_complete::engine::CompletionCandidate;
use steps::{ApiKey, JobToken, Resource};

use crate::credentials::{Store, COMPLETING};
use crate::terminal;

/// How long completing an id may take: a listing is a network call, and a
/// shell that waits longer feels broken.
const ID_BUDGET: Duration = Duration::from_secs(1);

/// The stored profiles that start with what is typed.
pub(crate) fn profiles(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let config_dir = std::env::var_os("STEPS_CONFIG_DIR").map(std::path::PathBuf::from);
    let Ok(store) = Store::locate(config_dir.as_deref()) else {
        return Vec::new();
    };
    let Ok(credentials) = store.load_all() else {
        return Vec::new();
    };
    credentials
        .profiles
        .keys()
        .filter(|name| crate::cli::is_profile_name(name) && name.starts_with(typed.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

/// The ids of the job tokens or API keys (whichever the command line being
/// completed names) that start with what is typed, with their labels; none
/// when the listing fails or takes over [`ID_BUDGET`].
pub(crate) fn token_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    // The line being completed follows `--` in this process's arguments.
    // The field names the core declares; a Quandela listing's is `id`.
    let (noun, id_field) = if std::env::args().any(|arg| arg == "api-key") {
        ("api-key", ApiKey::ID_FIELD)
    } else {
        ("job-token", JobToken::ID_FIELD)
    };
    let Some(listing) = list(noun) else {
        return Vec::new();
    };
    listing
        .iter()
        .filter_map(|token| {
            let id = token
                .get(id_field)
                .or_else(|| token.get("id"))?
                .as_i64()?
                .to_string();
            // Labels are anyone's text: made printable, as every label a
            // table shows.
            let label = token
                .get("label")
                .and_then(|l| l.as_str())
                .map(|l| terminal::printable(l).into_owned().into());
            id.starts_with(typed.as_ref())
                .then(|| CompletionCandidate::new(id).help(label))
        })
        .collect()
}

/// `steps NOUN list --json`'s answer, if it comes within [`ID_BUDGET`].
/// Its output is read as it comes (a long listing would fill the pipe and
/// stall the child), and the child is killed at the deadline.
fn list(noun: &str) -> Option<Vec<serde_json::Value>> {
    let exe = std::env::current_exe().ok()?;
    let mut child = Command::new(exe)
        .args([noun, "list", "--json", "--timeout", "1s"])
        // Not a completion request itself, and no prompt of the store.
        .env_remove("COMPLETE")
        .env(COMPLETING, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let started = Instant::now();
    let succeeded = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.success(),
            Ok(None) if started.elapsed() < ID_BUDGET => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break false;
            }
        }
    };
    // The pipe is closed once the child has exited (or been killed).
    let out = reader.join().ok()?.ok()?;
    if !succeeded {
        return None;
    }
    serde_json::from_slice(&out).ok()
}
