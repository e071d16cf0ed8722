//! The credentials file: login tokens per profile and API URL, and the
//! API URL each profile remembers, kept where only the user can read or
//! replace them, and replaced atomically.
//!
//! The file is `credentials.json` in the config directory: `--config-dir`
//! (or `STEPS_CONFIG_DIR`), else `$XDG_CONFIG_HOME/steps`, else
//! `~/.config/steps`. A relative `XDG_CONFIG_HOME` and an empty or relative
//! `HOME` are ignored, as the XDG Base Directory spec says.
//!
//! This module is [`Store`], what the commands call; the rest is one
//! concern per file: `format.rs` (what the file holds, formats 1 and 2),
//! `checks.rs` (owner, mode and no symbolic link, checked before a byte is
//! read) and `lock.rs` (updates under a lock, replaced atomically).

mod checks;
mod format;
mod lock;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use self::checks::{Refusal, Unsafe};
pub(crate) use self::format::{Credentials, Stored, DEFAULT_PROFILE};
use crate::error::CliError;
use crate::hint;

/// The file's name in the config directory.
const FILE_NAME: &str = "credentials.json";

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
    /// The command that removes an unsafe file (with the `--config-dir`
    /// given), for the refusal to say.
    logout: String,
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
        Ok(Store { dir, path, logout })
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
        let dir = checks::open_dir(&self.dir)?;
        let _lock = lock::lock(&dir, &self.dir, &self.path)?;
        let mut credentials = match self.read() {
            Ok(credentials) => credentials,
            Err(Refusal::Unsafe(Unsafe::OthersMayRead(mode), _)) => {
                fs::remove_file(&self.path).map_err(|e| lock::update_failed(&self.path, &self.path, e))?;
                lock::sync_dir(&dir).map_err(|e| lock::update_failed(&self.path, &self.dir, e))?;
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
        self.write(&dir, &credentials)?;
        Ok(Removed::Login)
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
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

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
