//! The credentials file: login tokens per API URL, kept where only the
//! user can read them, and replaced atomically.
//!
//! The file is created with mode 0600 from the start (never written first
//! and restricted after), written to a temporary file in the same directory
//! and renamed over the old one, so neither a crash nor a race leaves a
//! readable or half-written secret. A file that others can read is refused,
//! with the command that fixes it.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// What is stored for one API URL.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) expires_at: Option<u64>,
}

#[derive(Default, Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    credentials: BTreeMap<String, Stored>,
}

/// The default path: `$XDG_CONFIG_HOME/steps/credentials.json`, else
/// `~/.config/steps/credentials.json` (`%APPDATA%\steps` on Windows).
pub(crate) fn default_path() -> Result<PathBuf, CliError> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            if cfg!(windows) {
                std::env::var_os("APPDATA").map(PathBuf::from)
            } else {
                std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config"))
            }
        })
        .ok_or_else(|| CliError::usage("cannot find a config directory: set XDG_CONFIG_HOME or HOME"))?;
    Ok(base.join("steps").join("credentials.json"))
}

/// Reads the file; a missing file is empty.
fn read(path: &Path) -> Result<File, CliError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(File {
                version: 1,
                ..File::default()
            })
        }
        Err(e) => return Err(CliError::api(format!("cannot read {}: {e}", path.display()))),
    };
    check_private(path)?;
    serde_json::from_slice(&bytes).map_err(|_| {
        CliError::usage(format!(
            "{} is not a valid credentials file: remove it and log in again",
            path.display()
        ))
    })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|e| CliError::api(format!("{}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CliError::auth(format!(
            "refusing to use {}: other users can read it (mode {:o}); run `chmod 600 {}` and check who may have read it",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), CliError> {
    Ok(())
}

/// Writes the file atomically with mode 0600.
fn write(path: &Path, file: &File) -> Result<(), CliError> {
    let dir = path
        .parent()
        .ok_or_else(|| CliError::usage("the credentials path has no directory"))?;
    let failed = |e: std::io::Error| CliError::api(format!("cannot write {}: {e}", path.display()));
    create_private_dir(dir).map_err(failed)?;
    let json = serde_json::to_vec_pretty(file).map_err(|e| CliError::api(e.to_string()))?;
    let tmp = dir.join(format!(".credentials.json.{}.tmp", std::process::id()));
    let result = (|| {
        let mut out = create_private_file(&tmp)?;
        out.write_all(&json)?;
        out.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(failed)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// The stored login for `api_url`, if any.
pub(crate) fn load(path: &Path, api_url: &str) -> Result<Option<Stored>, CliError> {
    Ok(read(path)?.credentials.get(api_url).cloned())
}

/// Stores the login for `api_url`, keeping the others.
pub(crate) fn store(path: &Path, api_url: &str, stored: Stored) -> Result<(), CliError> {
    let mut file = read(path)?;
    file.version = 1;
    file.credentials.insert(api_url.to_owned(), stored);
    write(path, &file)
}

/// Forgets the login for `api_url`; returns whether there was one.
pub(crate) fn remove(path: &Path, api_url: &str) -> Result<bool, CliError> {
    let mut file = read(path)?;
    let removed = file.credentials.remove(api_url).is_some();
    if removed {
        write(path, &file)?;
    }
    Ok(removed)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_file_is_private_from_the_start_and_others_readable_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("steps-cred-test-{}", std::process::id()));
        let path = dir.join("steps").join("credentials.json");
        let stored = Stored {
            token: "stl_TEST".into(),
            email: Some("a@b".into()),
            expires_at: None,
        };
        store(&path, "http://x", stored.clone()).unwrap();
        store(&path, "http://y", stored).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            load(&path, "http://x").unwrap().map(|s| s.token),
            Some("stl_TEST".into())
        );
        assert!(remove(&path, "http://x").unwrap());
        assert!(load(&path, "http://x").unwrap().is_none());
        assert!(load(&path, "http://y").unwrap().is_some());
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = load(&path, "http://y").err().expect("refused");
        assert_eq!(error.code, 3);
        assert!(error.message.contains("chmod 600"), "{}", error.message);
        fs::remove_dir_all(&dir).unwrap();
    }
}
