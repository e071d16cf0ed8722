//! The credentials file: login tokens per profile and API URL, and the
//! API URL each profile remembers, kept where only the user can read or
//! replace them, and replaced atomically.
//!
//! The file is `credentials.json` in the config directory: `--config-dir`
//! (or `STEPS_CONFIG_DIR`), else `$XDG_CONFIG_HOME/steps`, else
//! `~/.config/steps`. A relative `XDG_CONFIG_HOME` and an empty or relative
//! `HOME` are ignored, as the XDG Base Directory spec says.
//!
//! Format 2 holds profiles (`--profile`, `STEPS_PROFILE`): each has its
//! logins, one per API URL, and the URL `steps login --api-url` made its
//! default. Format 1 (one login per API URL) is still read: its logins
//! become the `default` profile's, and the next update writes format 2.
//!
//! On Unix the directory must be the user's and writable by no one else,
//! and the file is opened without following a symbolic link and checked
//! (a regular file, the user's, readable by no one else) before a byte of
//! it is read, up to a size bound; anything else is refused with the
//! command that fixes it. Updates hold an exclusive lock on the directory
//! (so concurrent logins keep each other's entries), write a temporary file
//! with an unpredictable name and mode 0600 from the start, rename it over
//! the old file and fsync the directory, so neither a crash nor a race
//! leaves a readable, half-written or lost secret.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The file's name in the config directory.
const FILE_NAME: &str = "credentials.json";

/// The format this version writes; it reads this one and format 1.
const FORMAT: u32 = 2;

/// The profile used when none is named.
pub(crate) const DEFAULT_PROFILE: &str = "default";

/// The largest credentials file read: far more than any number of logins
/// needs, and small enough that a hostile file cannot exhaust memory.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// How long an update waits for another `steps` to finish its own.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// What is stored for one login: one profile at one API URL.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) expires_at: Option<u64>,
}

/// One profile: a login per API URL, and the API URL it uses when none
/// is given.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct Profile {
    /// Remembered by `steps login --api-url URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api_url: Option<String>,
    #[serde(default)]
    pub(crate) logins: BTreeMap<String, Stored>,
}

/// What the file holds: the profiles, by name.
#[derive(Default)]
pub(crate) struct Credentials {
    pub(crate) profiles: BTreeMap<String, Profile>,
}

impl Credentials {
    /// The API URL `profile` uses when none is given, and the profile that
    /// remembered it: its own, else the default profile's (so that a new
    /// profile starts on the URL the user logged in to first).
    pub(crate) fn remembered_url(&self, profile: &str) -> Option<(&str, &str)> {
        [profile, DEFAULT_PROFILE].into_iter().find_map(|name| {
            let (name, entry) = self.profiles.get_key_value(name)?;
            Some((entry.api_url.as_deref()?, name.as_str()))
        })
    }

    /// The login of `profile` for `api_url`, if any.
    pub(crate) fn login(&self, profile: &str, api_url: &str) -> Option<&Stored> {
        self.profiles.get(profile)?.logins.get(api_url)
    }
}

/// The file as it is written: format 2, or format 1's `credentials`.
#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    /// Format 1: the logins by API URL, which are the `default` profile's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    credentials: BTreeMap<String, Stored>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

impl File {
    /// What the file says, format 1's logins moved to the default profile
    /// (an entry format 2 already has for the same URL wins).
    fn into_credentials(self) -> Credentials {
        let mut profiles = self.profiles;
        if !self.credentials.is_empty() {
            let default = profiles.entry(DEFAULT_PROFILE.to_owned()).or_default();
            for (url, stored) in self.credentials {
                default.logins.entry(url).or_insert(stored);
            }
        }
        Credentials { profiles }
    }

    fn from_credentials(credentials: &Credentials) -> File {
        File {
            version: FORMAT,
            credentials: BTreeMap::new(),
            profiles: credentials.profiles.clone(),
        }
    }
}

/// What `logout` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removed {
    /// The profile's login for the URL was removed; the others are kept.
    Login,
    /// There was no such login.
    Nothing,
    /// The file was readable by others (its mode): it was removed whole,
    /// since every token in it may have been read.
    UnsafeFile(u32),
}

/// The credentials file of one config directory.
#[derive(Debug)]
pub(crate) struct Store {
    dir: PathBuf,
    path: PathBuf,
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
        let dir = match config_dir.filter(|d| !d.as_os_str().is_empty()) {
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
        Ok(Store { dir, path })
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
        let _dir = open_dir(&self.dir)?;
        Ok(self.read()?)
    }

    /// The stored login of `profile` for `api_url`, if any.
    ///
    /// # Errors
    ///
    /// As [`Store::load_all`].
    pub(crate) fn load(&self, profile: &str, api_url: &str) -> Result<Option<Stored>, CliError> {
        Ok(self.load_all()?.login(profile, api_url).cloned())
    }

    /// Whether the file exists and others may read it: such a file is
    /// refused by every command but `logout`, which removes it.
    pub(crate) fn others_may_read(&self) -> bool {
        matches!(
            open_private_file(&self.path),
            Err(Refusal::Unsafe(Unsafe::OthersMayRead(_), _))
        )
    }

    /// Changes the file under the directory's lock: reads it, lets
    /// `change` edit what it holds, and writes it back whole.
    ///
    /// # Errors
    ///
    /// As [`Store::load_all`], and a failed write or a lock not had in time.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut Credentials) -> T) -> Result<T, CliError> {
        create_private_dir(&self.dir).map_err(|e| self.write_failed(&self.dir, e))?;
        let dir = open_dir(&self.dir)?;
        let _lock = self.lock(&dir)?;
        let mut credentials = self.read()?;
        let result = change(&mut credentials);
        self.write(&dir, &File::from_credentials(&credentials))?;
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
        let dir = open_dir(&self.dir)?;
        let _lock = self.lock(&dir)?;
        let mut credentials = match self.read() {
            Ok(credentials) => credentials,
            Err(Refusal::Unsafe(Unsafe::OthersMayRead(mode), _)) => {
                fs::remove_file(&self.path).map_err(|e| self.write_failed(&self.path, e))?;
                sync_dir(&dir).map_err(|e| self.write_failed(&self.dir, e))?;
                return Ok(Removed::UnsafeFile(mode));
            }
            Err(refusal) => return Err(refusal.into()),
        };
        let Some(entry) = credentials.profiles.get_mut(profile) else {
            return Ok(Removed::Nothing);
        };
        if entry.logins.remove(api_url).is_none() {
            return Ok(Removed::Nothing);
        }
        if entry.logins.is_empty() {
            credentials.profiles.remove(profile);
        }
        self.write(&dir, &File::from_credentials(&credentials))?;
        Ok(Removed::Login)
    }

    /// Reads and parses the file, checked first; a missing file is empty.
    fn read(&self) -> Result<Credentials, Refusal> {
        let Some(file) = open_private_file(&self.path)? else {
            return Ok(Credentials::default());
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Refusal::Other(CliError::api(format!("cannot read {}: {e}", self.path.display())))
            })?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(Unsafe::TooLarge.at(&self.path));
        }
        let file: File = serde_json::from_slice(&bytes).map_err(|_| {
            Refusal::Other(CliError::usage(format!(
                "{} is not a valid credentials file: remove it and log in again",
                self.path.display()
            )))
        })?;
        if file.version > FORMAT {
            return Err(Refusal::Other(CliError::usage(format!(
                "{} is in format {}, which a newer steps wrote: upgrade steps",
                self.path.display(),
                file.version
            ))));
        }
        Ok(file.into_credentials())
    }

    /// Writes `file` to a new temporary file and renames it over the old
    /// one, then makes the rename durable.
    fn write(&self, dir: &Dir, file: &File) -> Result<(), CliError> {
        let json = serde_json::to_vec_pretty(file).map_err(|e| CliError::api(e.to_string()))?;
        // Mode 0600 from creation, O_EXCL, an unpredictable name; dropped
        // (and so removed) on any failure before the rename, by its creator
        // only.
        let name = random_name().map_err(|e| self.write_failed(&self.dir, e))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(&name)
            .rand_bytes(0)
            .tempfile_in(&self.dir)
            .map_err(|e| self.write_failed(&self.dir, e))?;
        tmp.write_all(&json)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.write_failed(tmp.path(), e))?;
        tmp.persist(&self.path)
            .map_err(|e| self.write_failed(&self.path, e.error))?;
        sync_dir(dir).map_err(|e| self.write_failed(&self.dir, e))
    }

    /// Holds the directory's exclusive lock until the guard is dropped,
    /// waiting up to [`LOCK_TIMEOUT`] for another `steps` to finish.
    fn lock<'a>(&self, dir: &'a Dir) -> Result<Lock<'a>, CliError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match try_lock(dir) {
                Ok(true) => return Ok(Lock(dir)),
                Ok(false) if started.elapsed() < LOCK_TIMEOUT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Ok(false) => {
                    return Err(CliError::api(format!(
                        "another `steps` has been updating {} for {} s: try again when it is done",
                        self.path.display(),
                        LOCK_TIMEOUT.as_secs()
                    )))
                }
                Err(e) => return Err(CliError::api(format!("cannot lock {}: {e}", self.dir.display()))),
            }
        }
    }

    fn write_failed(&self, what: &Path, e: std::io::Error) -> CliError {
        CliError::api(format!(
            "cannot update {} ({}: {e})",
            self.path.display(),
            what.display()
        ))
    }
}

/// A temporary file's name, `.credentials.<128 random bits>.tmp`: no
/// one can guess it to plant a file or a link there first.
fn random_name() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(".credentials.{hex}.tmp"))
}

/// The directory's lock; released when dropped (and when the process
/// ends, whatever way it ends).
struct Lock<'a>(&'a Dir);

impl Drop for Lock<'_> {
    fn drop(&mut self) {
        unlock(self.0);
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

/// Why a directory or file is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only Unix has owners and modes to judge.
#[cfg_attr(not(unix), allow(dead_code))]
enum Unsafe {
    /// Owned by another user (this uid).
    NotYours(u32),
    /// The file can be read by others (its mode).
    OthersMayRead(u32),
    /// The directory can be written by others (its mode).
    OthersMayWrite(u32),
    /// A symbolic link, which someone could point anywhere.
    SymbolicLink,
    /// A FIFO, device, socket or directory.
    NotRegular,
    /// Over [`MAX_FILE_BYTES`].
    TooLarge,
}

impl Unsafe {
    /// The refusal of `path` for this reason, with the fix.
    fn at(self, path: &Path) -> Refusal {
        let p = path.display();
        let message = match self {
            Unsafe::NotYours(uid) => format!(
                "refusing to use {p}: it is owned by uid {uid}, not by you; \
                 choose a directory of yours with --config-dir (or STEPS_CONFIG_DIR)"
            ),
            Unsafe::OthersMayRead(mode) => format!(
                "refusing to use {p}: other users can read it (mode {mode:o}); \
                 run `chmod 600 {p}` and check who may have read it, or `steps logout` to remove it"
            ),
            Unsafe::OthersMayWrite(mode) => format!(
                "refusing to use {p}: other users can write to it (mode {mode:o}) and so replace \
                 the credentials in it; run `chmod 700 {p}`"
            ),
            Unsafe::SymbolicLink => format!(
                "refusing to use {p}: it is a symbolic link; replace it with the file itself, \
                 or point --config-dir (or STEPS_CONFIG_DIR) where the file is"
            ),
            Unsafe::NotRegular => {
                format!("refusing to use {p}: it is not a regular file; remove it and log in again")
            }
            Unsafe::TooLarge => format!(
                "refusing to use {p}: it is too large for a credentials file (over {} bytes); \
                 remove it and log in again",
                MAX_FILE_BYTES
            ),
        };
        Refusal::Unsafe(self, CliError::auth(message))
    }
}

/// A failure to read the credentials, keeping the reason of a safety
/// refusal (`logout` removes a file others could read).
#[derive(Debug)]
enum Refusal {
    /// Refused for safety (exit 3), with the message that says why.
    Unsafe(Unsafe, CliError),
    /// Any other failure.
    Other(CliError),
}

impl From<Refusal> for CliError {
    fn from(refusal: Refusal) -> CliError {
        match refusal {
            Refusal::Unsafe(_, error) | Refusal::Other(error) => error,
        }
    }
}

#[cfg(unix)]
use unix::{create_private_dir, open_dir, open_private_file, sync_dir, try_lock, unlock, Dir};

#[cfg(unix)]
mod unix {
    use std::fs;
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    use std::path::Path;

    use rustix::fs::{FlockOperation, Mode, OFlags};

    use super::{Refusal, Unsafe};
    use crate::error::CliError;

    /// The config directory, open: checked, and what is locked and synced.
    pub(super) type Dir = fs::File;

    /// The effective uid: who must own the directory and the file.
    fn me() -> u32 {
        rustix::process::geteuid().as_raw()
    }

    /// The verdict on a directory's owner and mode.
    pub(super) fn judge_dir(uid: u32, mode: u32, me: u32) -> Result<(), Unsafe> {
        if uid != me {
            Err(Unsafe::NotYours(uid))
        } else if mode & 0o022 != 0 {
            Err(Unsafe::OthersMayWrite(mode & 0o7777))
        } else {
            Ok(())
        }
    }

    /// The verdict on a file's type, owner and mode.
    pub(super) fn judge_file(regular: bool, uid: u32, mode: u32, me: u32) -> Result<(), Unsafe> {
        if !regular {
            Err(Unsafe::NotRegular)
        } else if uid != me {
            Err(Unsafe::NotYours(uid))
        } else if mode & 0o077 != 0 {
            Err(Unsafe::OthersMayRead(mode & 0o7777))
        } else {
            Ok(())
        }
    }

    /// Creates `dir` (and its missing parents) with mode 0700.
    pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }

    /// Opens the config directory (following a link to it: a dotfiles
    /// manager's link is the user's own) and checks it.
    pub(super) fn open_dir(dir: &Path) -> Result<fs::File, CliError> {
        let fd = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| {
            CliError::api(format!(
                "cannot open {}: {}",
                dir.display(),
                std::io::Error::from(e)
            ))
        })?;
        let dir_file = fs::File::from(fd);
        let meta = dir_file
            .metadata()
            .map_err(|e| CliError::api(format!("{}: {e}", dir.display())))?;
        judge_dir(meta.uid(), meta.mode(), me()).map_err(|why| CliError::from(why.at(dir)))?;
        Ok(dir_file)
    }

    /// Opens the file without following a symbolic link or blocking on a
    /// FIFO, and checks what was opened; `None` when there is none.
    pub(super) fn open_private_file(path: &Path) -> Result<Option<fs::File>, Refusal> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => {
                // ELOOP on Linux, EMLINK on FreeBSD: ask the file system.
                if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Err(Unsafe::SymbolicLink.at(path));
                }
                let e = std::io::Error::from(e);
                return Err(Refusal::Other(CliError::api(format!(
                    "cannot open {}: {e}",
                    path.display()
                ))));
            }
        };
        let file = fs::File::from(fd);
        let meta = file
            .metadata()
            .map_err(|e| Refusal::Other(CliError::api(format!("{}: {e}", path.display()))))?;
        judge_file(meta.file_type().is_file(), meta.uid(), meta.mode(), me()).map_err(|why| why.at(path))?;
        Ok(Some(file))
    }

    /// Makes a rename in `dir` durable.
    pub(super) fn sync_dir(dir: &fs::File) -> std::io::Result<()> {
        dir.sync_all()
    }

    /// Takes the exclusive lock on `dir` if it is free: `Ok(false)` when
    /// another process holds it.
    pub(super) fn try_lock(dir: &fs::File) -> std::io::Result<bool> {
        match rustix::fs::flock(dir, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) fn unlock(dir: &fs::File) {
        let _ = rustix::fs::flock(dir, FlockOperation::Unlock);
    }
}

#[cfg(not(unix))]
use portable::{create_private_dir, open_dir, open_private_file, sync_dir, try_lock, unlock, Dir};

/// Elsewhere the file is only read and replaced atomically: no owner or
/// mode to check, and no lock.
#[cfg(not(unix))]
mod portable {
    use std::fs;
    use std::path::Path;

    use super::Refusal;
    use crate::error::CliError;

    pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
        fs::create_dir_all(dir)
    }

    /// Nothing to hold: the directory is only checked to exist.
    #[derive(Debug)]
    pub(super) struct Dir;

    pub(super) fn open_dir(dir: &Path) -> Result<Dir, CliError> {
        if dir.is_dir() {
            Ok(Dir)
        } else {
            Err(CliError::api(format!("{} is not a directory", dir.display())))
        }
    }

    pub(super) fn open_private_file(path: &Path) -> Result<Option<fs::File>, Refusal> {
        match fs::File::open(path) {
            Ok(file) => Ok(Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Refusal::Other(CliError::api(format!(
                "cannot open {}: {e}",
                path.display()
            )))),
        }
    }

    pub(super) fn sync_dir(_dir: &Dir) -> std::io::Result<()> {
        Ok(())
    }

    pub(super) fn try_lock(_dir: &Dir) -> std::io::Result<bool> {
        Ok(true)
    }

    pub(super) fn unlock(_dir: &Dir) {}
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_default_directory_follows_the_xdg_rules() {
        let dir =
            |xdg: Option<&str>, home: Option<&str>| default_dir(xdg.map(Into::into), home.map(Into::into));
        let home_config = "/home/ada/.config/steps";
        assert_eq!(
            dir(Some("/xdg"), Some("/home/ada")),
            Some(PathBuf::from("/xdg/steps"))
        );
        assert_eq!(
            dir(Some("relative"), Some("/home/ada")),
            Some(PathBuf::from(home_config))
        );
        assert_eq!(dir(Some(""), Some("/home/ada")), Some(PathBuf::from(home_config)));
        assert_eq!(dir(None, Some("/home/ada")), Some(PathBuf::from(home_config)));
        assert_eq!(dir(None, Some("")), None);
        assert_eq!(dir(Some("relative"), Some("also/relative")), None);
        assert_eq!(dir(None, None), None);
    }
}

#[cfg(all(test, unix))]
mod unix_tests {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

    use super::unix::{judge_dir, judge_file};
    use super::*;

    fn stored(token: &str) -> Stored {
        Stored {
            token: token.into(),
            email: Some("a@b".into()),
            expires_at: None,
        }
    }

    /// Stores `stored` as the default profile's login for `url`.
    fn put(store: &Store, url: &str, stored: Stored) -> Result<(), CliError> {
        store.update(|c| {
            c.profiles
                .entry(DEFAULT_PROFILE.to_owned())
                .or_default()
                .logins
                .insert(url.to_owned(), stored);
        })
    }

    /// A fresh directory for one test, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("steps-cred-test-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            Scratch(dir)
        }

        fn store(&self) -> Store {
            Store::locate(Some(&self.0.join("steps"))).unwrap()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_file_is_private_from_the_start_and_others_readable_files_are_refused() {
        let scratch = Scratch::new("private");
        let store = scratch.store();
        put(&store, "http://x", stored("stl_TEST")).unwrap();
        put(&store, "http://y", stored("stl_TEST")).unwrap();
        let path = store.path().to_owned();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            store.load(DEFAULT_PROFILE, "http://x").unwrap().map(|s| s.token),
            Some("stl_TEST".into())
        );
        assert_eq!(store.remove(DEFAULT_PROFILE, "http://x").unwrap(), Removed::Login);
        assert_eq!(
            store.remove(DEFAULT_PROFILE, "http://x").unwrap(),
            Removed::Nothing
        );
        assert!(store.load(DEFAULT_PROFILE, "http://x").unwrap().is_none());
        assert!(store.load(DEFAULT_PROFILE, "http://y").unwrap().is_some());
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let error = store.load(DEFAULT_PROFILE, "http://y").err().expect("refused");
        assert_eq!(error.code, 3);
        assert!(error.message.contains("chmod 600"), "{}", error.message);
        let error = put(&store, "http://z", stored("stl_TEST")).expect_err("refused");
        assert_eq!(error.code, 3);
        // Logout removes it whole, and says why.
        assert_eq!(
            store.remove(DEFAULT_PROFILE, "http://nothing-here").unwrap(),
            Removed::UnsafeFile(0o640)
        );
        assert!(!path.exists());
    }

    #[test]
    fn owners_and_modes_are_judged() {
        assert_eq!(judge_dir(1000, 0o40700, 1000), Ok(()));
        assert_eq!(judge_dir(1000, 0o40755, 1000), Ok(()));
        assert_eq!(judge_dir(1000, 0o40770, 1000), Err(Unsafe::OthersMayWrite(0o770)));
        assert_eq!(
            judge_dir(1000, 0o41777, 1000),
            Err(Unsafe::OthersMayWrite(0o1777))
        );
        assert_eq!(judge_dir(0, 0o40700, 1000), Err(Unsafe::NotYours(0)));
        assert_eq!(judge_file(true, 1000, 0o100600, 1000), Ok(()));
        assert_eq!(judge_file(true, 1000, 0o100400, 1000), Ok(()));
        assert_eq!(
            judge_file(true, 1000, 0o100604, 1000),
            Err(Unsafe::OthersMayRead(0o604))
        );
        assert_eq!(
            judge_file(true, 1000, 0o100620, 1000),
            Err(Unsafe::OthersMayRead(0o620))
        );
        assert_eq!(
            judge_file(true, 1001, 0o100600, 1000),
            Err(Unsafe::NotYours(1001))
        );
        assert_eq!(judge_file(false, 1000, 0o10600, 1000), Err(Unsafe::NotRegular));
    }

    #[test]
    fn concurrent_stores_keep_each_others_entries() {
        let scratch = Scratch::new("concurrent");
        let store = Arc::new(scratch.store());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for i in 0..10 {
                        put(&store, &format!("http://host-{t}-{i}"), stored("stl_TEST")).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        for t in 0..8 {
            for i in 0..10 {
                assert!(
                    store
                        .load(DEFAULT_PROFILE, &format!("http://host-{t}-{i}"))
                        .unwrap()
                        .is_some(),
                    "{t}-{i} was lost"
                );
            }
        }
        assert_eq!(
            fs::read_dir(scratch.0.join("steps")).unwrap().count(),
            1,
            "a temporary file was left"
        );
    }

    #[test]
    fn temporary_names_are_random() {
        let (a, b) = (random_name().unwrap(), random_name().unwrap());
        assert_ne!(a, b);
        assert!(
            a.starts_with(".credentials.") && a.ends_with(".tmp") && a.len() == 13 + 32 + 4,
            "{a}"
        );
    }

    #[test]
    fn a_file_at_a_guessable_temporary_name_is_neither_an_obstacle_nor_removed() {
        let scratch = Scratch::new("planted");
        let store = scratch.store();
        put(&store, "http://x", stored("stl_TEST")).unwrap();
        // The name the temporary file once had: anyone who can guess it
        // could make every login fail, and a failed login removed it.
        let planted = scratch
            .0
            .join("steps")
            .join(format!(".credentials.json.{}.tmp", std::process::id()));
        fs::write(&planted, "not yours").unwrap();
        put(&store, "http://y", stored("stl_TEST")).unwrap();
        assert_eq!(fs::read_to_string(&planted).unwrap(), "not yours");
    }
}

#[cfg(all(test, unix))]
mod format_tests {
    use super::*;

    #[test]
    fn format_1_logins_become_the_default_profiles() {
        let v1 = r#"{"version": 1, "credentials": {"http://a": {"token": "stl_TEST_a", "email": "a@b"}}}"#;
        let file: File = serde_json::from_str(v1).unwrap();
        let credentials = file.into_credentials();
        let login = credentials.login(DEFAULT_PROFILE, "http://a").expect("migrated");
        assert_eq!(login.token, "stl_TEST_a");
        let written = serde_json::to_value(File::from_credentials(&credentials)).unwrap();
        assert_eq!(written["version"], 2);
        assert!(written.get("credentials").is_none(), "{written}");
        assert_eq!(
            written["profiles"]["default"]["logins"]["http://a"]["token"],
            "stl_TEST_a"
        );
        assert!(written["profiles"]["default"].get("api_url").is_none());
    }

    #[test]
    fn format_2_keeps_profiles_and_remembered_urls() {
        let v2 = r#"{"version": 2, "profiles": {
            "admin": {"api_url": "http://b", "logins": {"http://b": {"token": "stl_TEST_b"}}},
            "default": {"logins": {}}}}"#;
        let credentials = serde_json::from_str::<File>(v2).unwrap().into_credentials();
        assert_eq!(credentials.profiles["admin"].api_url.as_deref(), Some("http://b"));
        assert!(credentials.login("admin", "http://b").is_some());
        assert!(credentials.login("default", "http://b").is_none());
        assert!(credentials.login("nobody", "http://b").is_none());
        assert_eq!(credentials.remembered_url("admin"), Some(("http://b", "admin")));
        assert_eq!(credentials.remembered_url("default"), None);
        assert_eq!(credentials.remembered_url("other"), None);
    }

    #[test]
    fn a_profile_without_a_url_takes_the_default_profiles() {
        let mut credentials = Credentials::default();
        credentials
            .profiles
            .entry(DEFAULT_PROFILE.to_owned())
            .or_default()
            .api_url = Some("http://a".into());
        credentials.profiles.entry("admin".to_owned()).or_default();
        assert_eq!(credentials.remembered_url("admin"), Some(("http://a", "default")));
        assert_eq!(credentials.remembered_url("new"), Some(("http://a", "default")));
    }
}
