//! The credentials file: login tokens per profile and API URL, and the
//! API URL each profile remembers, kept where only the user can read or
//! replace them, and replaced atomically.
//!
//! The file is `credentials.json` in the config directory: `--config-dir`
//! (or `STEPS_CONFIG_DIR`), else `$XDG_CONFIG_HOME/steps`, else
//! `~/.config/steps`. A relative `XDG_CONFIG_HOME` and an empty or relative
//! `HOME` are ignored, as the XDG Base Directory spec says.
//!
//! A login's token is kept in the operating system's credential store
//! when there is one that works (`os_store.rs`, feature `keyring`): the
//! file then records the store's entry instead of the token. Where none
//! works (a headless CI machine), or with `--insecure-storage`, the token
//! is in the file, as gh does.
//!
//! This module is [`Store`], what the commands call; the rest is one
//! concern per file: `format.rs` (what the file holds, formats 1 to 3),
//! `checks.rs` (owner, mode and no symbolic link, checked before a byte is
//! read), `lock.rs` (updates under a lock, replaced atomically) and
//! `os_store.rs` (the OS credential store; `os_store_off.rs` in a build
//! without it).

mod checks;
mod format;
mod lock;
mod logins;
// `os_store`: the `keyring` feature where keyring's store persists
// (`build.rs`).
#[cfg(os_store)]
mod os_store;
#[cfg(not(os_store))]
#[path = "os_store_off.rs"]
mod os_store;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use self::checks::{Refusal, Unsafe};
pub(crate) use self::format::{Credentials, Stored, DEFAULT_PROFILE};
pub(crate) use self::os_store::{OsStore, COMPLETING};
use crate::error::CliError;
use crate::hint;

/// The file's name in the config directory.
const FILE_NAME: &str = "credentials.json";

/// What `logout` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Removed {
    /// The profile's login for the URL was removed; the others are kept.
    /// When its token was in the OS credential store and could not be
    /// removed from there: why.
    Login(Option<String>),
    /// There was no such login.
    Nothing,
    /// The file was readable by others (its mode): it was removed whole,
    /// since every token in it may have been read.
    UnsafeFile(u32),
}

/// Where `steps login` kept a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kept {
    /// In the OS credential store, by this name.
    OsStore(&'static str),
    /// In the file, as `--insecure-storage` asked (or in a build without
    /// the OS credential store).
    File,
    /// In the file, because the OS credential store failed, for this
    /// reason.
    FellBack(String),
}

/// The credentials file of one config directory, and the OS credential
/// store its logins may keep their tokens in.
pub(crate) struct Store {
    dir: PathBuf,
    path: PathBuf,
    /// The command that removes an unsafe file (with the `--config-dir`
    /// given), for the refusal to say.
    logout: String,
    os_store: &'static OsStore,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The store in `config_dir` (`--config-dir`), else in the default
    /// directory from the environment.
    ///
    /// # Errors
    ///
    /// A usage error when no directory is given and the environment names
    /// none.
    pub(crate) fn locate(config_dir: Option<&Path>) -> Result<Store, CliError> {
        let config_dir = config_dir.filter(|d| !d.as_os_str().is_empty());
        let logout = hint::command(&hint::options(None, None, config_dir), "logout");
        let dir = match config_dir {
            Some(dir) => dir.to_owned(),
            None => default_dir(
                std::env::var_os("XDG_CONFIG_HOME"),
                std::env::var_os(if cfg!(windows) { "APPDATA" } else { "HOME" }),
            )
            .ok_or_else(|| {
                CliError::usage(
                    "cannot find a config directory: set HOME or XDG_CONFIG_HOME to an absolute path, \
                     or choose one with --config-dir (or STEPS_CONFIG_DIR)",
                )
            })?,
        };
        let path = dir.join(FILE_NAME);
        Ok(Store {
            dir,
            path,
            logout,
            os_store: OsStore::platform(),
        })
    }

    /// This store with its tokens in `os_store` (keyring's mock, in tests).
    #[cfg(test)]
    // Only the OS store's tests use it, built where the store is.
    #[cfg_attr(not(os_store), allow(dead_code))]
    pub(crate) fn with_os_store(mut self, os_store: &'static OsStore) -> Store {
        self.os_store = os_store;
        self
    }

    /// What the OS credential store is called, for messages.
    pub(crate) fn os_store_name(&self) -> &'static str {
        self.os_store.name()
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Everything in the file; nothing when there is no file.
    ///
    /// # Errors
    ///
    /// An unsafe directory or file (exit 3), an unreadable or invalid file.
    pub(crate) fn load_all(&self) -> Result<Credentials, CliError> {
        if !self.dir.exists() {
            return Ok(Credentials::default());
        }
        let _dir = checks::open_dir(&self.dir)?;
        Ok(self.read()?)
    }

    /// Whether the file exists and others may read it: such a file is
    /// refused by every command but `logout`, which removes it.
    pub(crate) fn others_may_read(&self) -> bool {
        checks::others_may_read(&self.path)
    }

    /// Changes the file under the directory's lock: reads it, lets
    /// `change` edit what it holds, and writes it back whole.
    ///
    /// # Errors
    ///
    /// As [`Store::load_all`], and a failed write or a lock not had in time.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut Credentials) -> T) -> Result<T, CliError> {
        checks::create_private_dir(&self.dir).map_err(|e| lock::update_failed(&self.path, &self.dir, e))?;
        let dir = checks::open_dir(&self.dir)?;
        let _lock = lock::lock(&dir, &self.dir, &self.path)?;
        let mut credentials = self.read()?;
        let result = change(&mut credentials);
        self.write(&dir, &credentials)?;
        Ok(result)
    }

    /// Forgets the login of `profile` for `api_url`, and the profile when
    /// it has no login left. A file that others could read is removed
    /// whole (its tokens may have been read, so every login in it is
    /// forgotten), which [`Removed::UnsafeFile`] reports.
    ///
    /// # Errors
    ///
    /// As [`Store::update`], but for a file others can read.
    pub(crate) fn remove(&self, profile: &str, api_url: &str) -> Result<Removed, CliError> {
        if !self.dir.exists() {
            return Ok(Removed::Nothing);
        }
        // The OS credential store's entries are removed once the lock is
        // released: the store may take its time (a prompt at a terminal),
        // which another command waiting for the lock must not pay for.
        let (removed, forgotten) = self.remove_locked(profile, api_url)?;
        Ok(match removed {
            Removed::Login(_) => {
                Removed::Login(forgotten.first().and_then(|login| self.forget_entries(login)))
            }
            other => {
                for login in &forgotten {
                    let _ = self.forget_entries(login);
                }
                other
            }
        })
    }

    /// [`Store::remove`] under the lock: what was done, and the logins the
    /// file no longer names, whose entries are to be removed.
    fn remove_locked(&self, profile: &str, api_url: &str) -> Result<(Removed, Vec<Stored>), CliError> {
        let dir = checks::open_dir(&self.dir)?;
        let _lock = lock::lock(&dir, &self.dir, &self.path)?;
        let mut credentials = match self.read() {
            Ok(credentials) => credentials,
            Err(Refusal::Unsafe(Unsafe::OthersMayRead(mode), _)) => {
                // Its tokens kept in the OS credential store were never in
                // it: they are removed from there too, not orphaned.
                let logins = self.logins_of_unsafe_file();
                fs::remove_file(&self.path).map_err(|e| lock::update_failed(&self.path, &self.path, e))?;
                lock::sync_dir(&dir).map_err(|e| lock::update_failed(&self.path, &self.dir, e))?;
                return Ok((Removed::UnsafeFile(mode), logins));
            }
            Err(refusal) => return Err(refusal.into()),
        };
        let Some(entry) = credentials.profiles.get_mut(profile) else {
            return Ok((Removed::Nothing, Vec::new()));
        };
        let Some(removed) = entry.logins.remove(api_url) else {
            return Ok((Removed::Nothing, Vec::new()));
        };
        if entry.logins.is_empty() {
            credentials.profiles.remove(profile);
        }
        self.write(&dir, &credentials)?;
        Ok((Removed::Login(None), vec![removed]))
    }

    /// Reads and parses the file, checked first; a missing file is empty.
    fn read(&self) -> Result<Credentials, Refusal> {
        let read = checks::read_private_file(&self.path).map_err(|refusal| match refusal {
            Refusal::Unsafe(why, _) => why.at_with(&self.path, &self.logout),
            other => other,
        });
        let Some(bytes) = read? else {
            return Ok(Credentials::default());
        };
        format::decode(&bytes, &self.path).map_err(Refusal::Other)
    }

    /// Writes `credentials` in the current format over the file, which the
    /// caller holds the lock of.
    fn write(&self, dir: &checks::Dir, credentials: &Credentials) -> Result<(), CliError> {
        let bytes = format::encode(credentials)?;
        lock::replace(dir, &self.dir, &self.path, &bytes)
    }
}

/// The default config directory: `$XDG_CONFIG_HOME/steps` when that is
/// absolute, else `$HOME/.config/steps` when `HOME` is absolute (on
/// Windows, `%APPDATA%\steps`). Relative and empty values are ignored, as
/// the XDG spec says: they would put secrets wherever the command was run.
fn default_dir(xdg_config_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let absolute = |value: Option<OsString>| value.map(PathBuf::from).filter(|p| p.is_absolute());
    let base = absolute(xdg_config_home)
        .or_else(|| absolute(home).map(|home| if cfg!(windows) { home } else { home.join(".config") }))?;
    Some(base.join("steps"))
}

#[cfg(all(test, unix))]
mod tests;
