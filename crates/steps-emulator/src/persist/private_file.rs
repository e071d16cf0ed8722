//! Reading the state file the way a credentials file is read (as
//! `steps-cli`'s `credentials/checks.rs` reads its own): it holds every
//! secret, and its accounts decide who is admin. It is opened without
//! following a symbolic link (a dangling one too) and without blocking on
//! a FIFO; what was opened (not the path, which could be swapped in
//! between) must be a regular file, owned by the effective user, with no
//! permission for group or others (0600 or stricter), and at most
//! [`MAX_STATE_BYTES`] long. Anything else is refused with a message that
//! names the file and the reason, and never quotes its content.
//!
//! Only Unix has owners and modes: elsewhere a symbolic link, a file that
//! is not a regular one and a file over the limit are refused.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

#[cfg(unix)]
use rustix::fs::{Mode, OFlags};

/// The largest state file read: 64 MiB, far more than the tokens of any
/// test run, small enough that a hostile file cannot exhaust memory.
pub(crate) const MAX_STATE_BYTES: u64 = 64 << 20;

/// Why a state file is not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Only Unix has owners and modes to judge.
#[cfg_attr(not(unix), allow(dead_code))]
enum Unsafe {
    /// Owned by another user: its uid, then ours.
    NotYours(u32, u32),
    /// Group or others have some permission on it (its mode).
    OthersMay(u32),
    /// A symbolic link, which someone could point anywhere, and which a
    /// save would replace with a file.
    SymbolicLink,
    /// A FIFO, device, socket or directory.
    NotRegular,
    /// Over [`MAX_STATE_BYTES`].
    TooLarge,
}

impl Unsafe {
    /// The refusal of the state file at `path`, for this reason.
    fn at(self, path: &Path) -> io::Error {
        let p = path.display();
        let (kind, why) = match self {
            Unsafe::NotYours(uid, me) => (
                io::ErrorKind::PermissionDenied,
                format!(
                    "it is owned by uid {uid}, not by you (uid {me}), and its accounts would decide who is admin"
                ),
            ),
            Unsafe::OthersMay(mode) => (
                io::ErrorKind::PermissionDenied,
                format!(
                    "other users may read or write it (mode {mode:o}), and it holds every secret; \
                     if it is yours and as you left it, run `chmod 600 {p}`"
                ),
            ),
            Unsafe::SymbolicLink => (
                io::ErrorKind::InvalidInput,
                "it is a symbolic link, which a save would replace with a file; give the path of the file itself"
                    .to_owned(),
            ),
            Unsafe::NotRegular => (
                io::ErrorKind::InvalidInput,
                "it is not a regular file (a FIFO, a device, a socket or a directory)".to_owned(),
            ),
            Unsafe::TooLarge => (
                io::ErrorKind::InvalidData,
                format!("it is larger than {} MiB, the most a state file may be", MAX_STATE_BYTES >> 20),
            ),
        };
        io::Error::new(kind, format!("refusing to use the state file {p}: {why}"))
    }
}

/// Any other failure to read the state file at `path`.
fn unreadable(path: &Path, error: &io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("cannot read the state file {}: {error}", path.display()),
    )
}

/// The verdict on what was opened: its type, owner and mode, against the
/// effective uid `me`.
#[cfg(unix)]
fn judge(regular: bool, uid: u32, mode: u32, me: u32) -> Result<(), Unsafe> {
    if !regular {
        Err(Unsafe::NotRegular)
    } else if uid != me {
        Err(Unsafe::NotYours(uid, me))
    } else if mode & 0o077 != 0 {
        Err(Unsafe::OthersMay(mode & 0o7777))
    } else {
        Ok(())
    }
}

/// Opens the file without following a symbolic link or blocking on a
/// FIFO, and checks what was opened; `None` when there is none.
#[cfg(unix)]
fn open(path: &Path) -> io::Result<Option<File>> {
    use std::os::unix::fs::MetadataExt;

    // O_NONBLOCK only makes the open of a FIFO return at once; a regular
    // file reads the same with it.
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Ok(None),
        Err(errno) => {
            // ELOOP on Linux, EMLINK on FreeBSD: ask the file system.
            if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(Unsafe::SymbolicLink.at(path));
            }
            return Err(unreadable(path, &io::Error::from(errno)));
        }
    };
    let file = File::from(fd);
    let meta = file.metadata().map_err(|e| unreadable(path, &e))?;
    let me = rustix::process::geteuid().as_raw();
    judge(meta.file_type().is_file(), meta.uid(), meta.mode(), me).map_err(|why| why.at(path))?;
    Ok(Some(file))
}

#[cfg(not(unix))]
fn open(path: &Path) -> io::Result<Option<File>> {
    match fs::symlink_metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Ok(meta) if meta.file_type().is_symlink() => return Err(Unsafe::SymbolicLink.at(path)),
        _ => {}
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(unreadable(path, &error)),
    };
    let meta = file.metadata().map_err(|e| unreadable(path, &e))?;
    if !meta.file_type().is_file() {
        return Err(Unsafe::NotRegular.at(path));
    }
    Ok(Some(file))
}

/// The state file's bytes, checked before the first is read and at most
/// [`MAX_STATE_BYTES`] of them; `None` when there is no file.
///
/// # Errors
///
/// The file is refused (see the module docs) or cannot be read; the error
/// names it.
pub(super) fn read(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let Some(file) = open(path)? else {
        return Ok(None);
    };
    let length = file.metadata().map_err(|e| unreadable(path, &e))?.len();
    if length > MAX_STATE_BYTES {
        return Err(Unsafe::TooLarge.at(path));
    }
    let mut bytes = Vec::new();
    // A file that grows while it is read is still read up to the limit.
    file.take(MAX_STATE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(path, &e))?;
    if bytes.len() as u64 > MAX_STATE_BYTES {
        return Err(Unsafe::TooLarge.at(path));
    }
    Ok(Some(bytes))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn owners_modes_and_types_are_judged() {
        assert_eq!(judge(true, 1000, 0o100600, 1000), Ok(()));
        assert_eq!(judge(true, 1000, 0o100400, 1000), Ok(()));
        assert_eq!(judge(true, 0, 0o100600, 0), Ok(()));
        for mode in [
            0o100644, 0o100640, 0o100604, 0o100620, 0o100602, 0o100601, 0o100610,
        ] {
            assert_eq!(
                judge(true, 1000, mode, 1000),
                Err(Unsafe::OthersMay(mode & 0o7777)),
                "{mode:o}"
            );
        }
        // Planted by another user, even with a private mode.
        assert_eq!(
            judge(true, 1001, 0o100600, 1000),
            Err(Unsafe::NotYours(1001, 1000))
        );
        assert_eq!(judge(true, 0, 0o100600, 1000), Err(Unsafe::NotYours(0, 1000)));
        assert_eq!(judge(false, 1000, 0o010600, 1000), Err(Unsafe::NotRegular));
        assert_eq!(judge(false, 1000, 0o040700, 1000), Err(Unsafe::NotRegular));
    }

    #[test]
    fn a_refusal_names_the_file_and_the_reason() {
        let path = Path::new("/somewhere/state.json");
        for (why, says) in [
            (
                Unsafe::NotYours(1001, 1000),
                "owned by uid 1001, not by you (uid 1000)",
            ),
            (
                Unsafe::OthersMay(0o644),
                "other users may read or write it (mode 644)",
            ),
            (Unsafe::SymbolicLink, "symbolic link"),
            (Unsafe::NotRegular, "not a regular file"),
            (Unsafe::TooLarge, "larger than 64 MiB"),
        ] {
            let message = why.at(path).to_string();
            assert!(
                message.starts_with("refusing to use the state file /somewhere/state.json: "),
                "{message}"
            );
            assert!(message.contains(says), "{message}");
        }
    }
}
