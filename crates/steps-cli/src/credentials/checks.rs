//! The checks before the credentials file is trusted: the config directory
//! is the user's and writable by no one else; the file is opened without
//! following a symbolic link and is a regular file, the user's, readable by
//! no one else, and read only up to a size bound. A failed check is a
//! refusal (exit 3) that names the command that fixes it.
//!
//! Only Unix has owners and modes: elsewhere the directory is only checked
//! to be one, and the file is opened as it is.

use std::fs;
use std::io::Read;
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::Path;

#[cfg(unix)]
use rustix::fs::{Mode, OFlags};

use crate::error::CliError;
use crate::hint;

/// The largest credentials file read: far more than any number of logins
/// needs, and small enough that a hostile file cannot exhaust memory.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Why a directory or file is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only Unix has owners and modes to judge.
#[cfg_attr(not(unix), allow(dead_code))]
pub(super) enum Unsafe {
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
        self.at_with(path, &hint::command("", "logout"))
    }

    /// [`Unsafe::at`], with `logout` as the command that removes the file
    /// (`hint::command`'s, with the `--config-dir` given).
    pub(super) fn at_with(self, path: &Path, logout: &str) -> Refusal {
        let p = path.display();
        let message = match self {
            Unsafe::NotYours(uid) => format!(
                "refusing to use {p}: it is owned by uid {uid}, not by you; \
                 choose a directory of yours with --config-dir (or STEPS_CONFIG_DIR)"
            ),
            Unsafe::OthersMayRead(mode) => format!(
                "refusing to use {p}: other users can read it (mode {mode:o}); \
                 run `chmod 600 {p}` and check who may have read it, or {logout} to remove it"
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
pub(super) enum Refusal {
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

/// The config directory, open: checked, and what is locked and synced.
#[cfg(unix)]
pub(super) type Dir = fs::File;

/// The config directory, checked to be one: there is nothing to hold.
#[cfg(not(unix))]
#[derive(Debug)]
pub(super) struct Dir;

/// The effective uid: who must own the directory and the file.
#[cfg(unix)]
fn me() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The verdict on a directory's owner and mode.
#[cfg(unix)]
fn judge_dir(uid: u32, mode: u32, me: u32) -> Result<(), Unsafe> {
    if uid != me {
        Err(Unsafe::NotYours(uid))
    } else if mode & 0o022 != 0 {
        Err(Unsafe::OthersMayWrite(mode & 0o7777))
    } else {
        Ok(())
    }
}

/// The verdict on a file's type, owner and mode.
#[cfg(unix)]
fn judge_file(regular: bool, uid: u32, mode: u32, me: u32) -> Result<(), Unsafe> {
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

/// Creates `dir` (and its missing parents) with mode 0700, so that it is
/// private from the start rather than after a `chmod`.
#[cfg(unix)]
pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Opens the config directory (following a link to it: a dotfiles
/// manager's link is the user's own) and checks it.
#[cfg(unix)]
pub(super) fn open_dir(dir: &Path) -> Result<Dir, CliError> {
    let fd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        CliError::local(format!(
            "cannot open {}: {}",
            dir.display(),
            std::io::Error::from(e)
        ))
    })?;
    let dir_file = fs::File::from(fd);
    let meta = dir_file
        .metadata()
        .map_err(|e| CliError::local(format!("{}: {e}", dir.display())))?;
    judge_dir(meta.uid(), meta.mode(), me()).map_err(|why| CliError::from(why.at(dir)))?;
    Ok(dir_file)
}

#[cfg(not(unix))]
pub(super) fn open_dir(dir: &Path) -> Result<Dir, CliError> {
    if dir.is_dir() {
        Ok(Dir)
    } else {
        Err(CliError::local(format!("{} is not a directory", dir.display())))
    }
}

/// Opens the file without following a symbolic link or blocking on a
/// FIFO, and checks what was opened (not the path, which could be
/// swapped in between); `None` when there is none.
#[cfg(unix)]
fn open_private_file(path: &Path) -> Result<Option<fs::File>, Refusal> {
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
            return Err(Refusal::Other(CliError::local(format!(
                "cannot open {}: {e}",
                path.display()
            ))));
        }
    };
    let file = fs::File::from(fd);
    let meta = file
        .metadata()
        .map_err(|e| Refusal::Other(CliError::local(format!("{}: {e}", path.display()))))?;
    judge_file(meta.file_type().is_file(), meta.uid(), meta.mode(), me()).map_err(|why| why.at(path))?;
    Ok(Some(file))
}

#[cfg(not(unix))]
fn open_private_file(path: &Path) -> Result<Option<fs::File>, Refusal> {
    match fs::File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Refusal::Other(CliError::local(format!(
            "cannot open {}: {e}",
            path.display()
        )))),
    }
}

/// The file's bytes, checked before the first is read and at most
/// [`MAX_FILE_BYTES`] of them; `None` when there is no file.
pub(super) fn read_private_file(path: &Path) -> Result<Option<Vec<u8>>, Refusal> {
    let Some(file) = open_private_file(path)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::Other(CliError::local(format!("cannot read {}: {e}", path.display()))))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Unsafe::TooLarge.at(path));
    }
    Ok(Some(bytes))
}

/// Whether the file exists and others may read it: such a file is
/// refused by every command but `logout`, which removes it.
pub(super) fn others_may_read(path: &Path) -> bool {
    matches!(
        open_private_file(path),
        Err(Refusal::Unsafe(Unsafe::OthersMayRead(_), _))
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

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
}
