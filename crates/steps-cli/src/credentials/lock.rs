//! How the credentials file is updated: under an exclusive lock on the
//! config directory (so that concurrent logins keep each other's entries),
//! through a temporary file with an unpredictable name and mode 0600 from
//! the start, renamed over the old file, with the directory then synced; so
//! neither a crash nor a race leaves a readable, half-written or lost
//! secret.
//!
//! Only Unix has `flock` and a directory to sync: elsewhere the file is
//! only replaced atomically.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

#[cfg(unix)]
use rustix::fs::FlockOperation;

use super::checks::Dir;
use crate::error::CliError;

/// How long an update waits for another `steps` to finish its own.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The directory's lock; released when dropped (and when the process
/// ends, whatever way it ends).
pub(super) struct Lock<'a>(&'a Dir);

impl Drop for Lock<'_> {
    fn drop(&mut self) {
        unlock(self.0);
    }
}

/// Holds `dir`'s exclusive lock until the guard is dropped, waiting up to
/// [`LOCK_TIMEOUT`] for another `steps` to finish; `dir_path` and `file`
/// (the credentials file) are for the messages.
pub(super) fn lock<'a>(dir: &'a Dir, dir_path: &Path, file: &Path) -> Result<Lock<'a>, CliError> {
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
                return Err(CliError::local(format!(
                    "another `steps` has been updating {} for {} s: try again when it is done",
                    file.display(),
                    LOCK_TIMEOUT.as_secs()
                )))
            }
            Err(e) => {
                return Err(CliError::local(format!(
                    "cannot lock {}: {e}",
                    dir_path.display()
                )))
            }
        }
    }
}

/// Writes `bytes` to a new temporary file in `dir` (open at `dir_path`)
/// and renames it over `file`, then makes the rename durable. Call it
/// under [`lock`].
pub(super) fn replace(dir: &Dir, dir_path: &Path, file: &Path, bytes: &[u8]) -> Result<(), CliError> {
    // Mode 0600 from creation, O_EXCL, an unpredictable name; dropped
    // (and so removed) on any failure before the rename, by its creator
    // only.
    let name = random_name().map_err(|e| update_failed(file, dir_path, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&name)
        .rand_bytes(0)
        .tempfile_in(dir_path)
        .map_err(|e| update_failed(file, dir_path, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| update_failed(file, tmp.path(), e))?;
    tmp.persist(file)
        .map_err(|e| update_failed(file, file, e.error))?;
    sync_dir(dir).map_err(|e| update_failed(file, dir_path, e))
}

/// The error of an update of `file` that failed at `what` (the file, the
/// directory, or the temporary file).
pub(super) fn update_failed(file: &Path, what: &Path, e: std::io::Error) -> CliError {
    CliError::local(format!(
        "cannot update {} ({}: {e})",
        file.display(),
        what.display()
    ))
}

/// A temporary file's name, `.credentials.<128 random bits>.tmp`: no
/// one can guess it to plant a file or a link there first.
fn random_name() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(".credentials.{hex}.tmp"))
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
pub(super) fn sync_dir(dir: &Dir) -> std::io::Result<()> {
    dir.sync_all()
}

#[cfg(not(unix))]
pub(super) fn sync_dir(_dir: &Dir) -> std::io::Result<()> {
    Ok(())
}

/// Takes the exclusive lock on `dir` if it is free: `Ok(false)` when
/// another process holds it.
#[cfg(unix)]
fn try_lock(dir: &Dir) -> std::io::Result<bool> {
    match rustix::fs::flock(dir, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(unix))]
fn try_lock(_dir: &Dir) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(unix)]
fn unlock(dir: &Dir) {
    let _ = rustix::fs::flock(dir, FlockOperation::Unlock);
}

#[cfg(not(unix))]
fn unlock(_dir: &Dir) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_random() {
        let (a, b) = (random_name().unwrap(), random_name().unwrap());
        assert_ne!(a, b);
        assert!(
            a.starts_with(".credentials.") && a.ends_with(".tmp") && a.len() == 13 + 32 + 4,
            "{a}"
        );
    }
}
