//! `--state FILE`: the saved state on disk. Checked and read once at
//! start: the file, if there is one, is read as a credentials file is
//! (`private_file.rs`: no symbolic link, a regular file of the user's with
//! mode 0600 or stricter, at most 64 MiB), and a save must be possible (a
//! temporary file is made and removed where a save makes its own), so that
//! a state that could not be saved is refused at start rather than lost at
//! shutdown. Written atomically (a temporary file in the same directory,
//! synced, then renamed over the old one, and the directory synced) with
//! mode 0600, since it holds every secret. A file that cannot be read as a
//! state this emulator understands stops the start and is left as it was.

mod private_file;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::store::saved::Document;

/// The saved state at `path`, or `None` when there is no file, once it is
/// known that a save to `path` can succeed.
///
/// # Errors
///
/// The file is refused (a symbolic link, dangling or not; not a regular
/// file; another user's; readable or writable by others; over 64 MiB),
/// cannot be read, or is not a state this emulator reads (a corrupt file,
/// or one written by a newer version); or its directory is missing or
/// cannot be written. The error names the file, and the file is left as
/// it was.
pub(crate) fn load(path: &Path) -> io::Result<Option<Document>> {
    let bytes = private_file::read(path)?;
    check_savable(path)?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    Document::parse(&bytes).map(Some).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the state file {} cannot be loaded ({e}); it was left as it is: move it away to start afresh",
                path.display()
            ),
        )
    })
}

/// Whether a save to `path` can succeed: creates, and removes, an empty
/// temporary file where [`save`] creates its own.
fn check_savable(path: &Path) -> io::Result<()> {
    let (dir, temporary) = temporary_beside(path)?;
    match write_private(&temporary, b"") {
        Ok(()) => {
            let _ = fs::remove_file(&temporary);
            Ok(())
        }
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!(
                "refusing to use the state file {}: it could not be saved, since no file can be created in its directory {} ({error}); the directory must exist and be writable",
                path.display(),
                dir.display()
            ),
        )),
    }
}

/// The directory of `path`, and a new temporary file's path in it
/// (`.NAME.RANDOM.tmp`).
fn temporary_beside(path: &Path) -> io::Result<(PathBuf, PathBuf)> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temporary = dir.join(format!(".{name}.{suffix}.tmp"));
    Ok((dir, temporary))
}

/// Writes `doc` to `path`, atomically, readable by its owner only.
///
/// # Errors
///
/// The directory cannot be written, or the disk is full; the old file, if
/// any, is then unchanged.
pub(crate) fn save(path: &Path, doc: &Document) -> io::Result<()> {
    let (dir, temporary) = temporary_beside(path)?;
    let written = write_private(&temporary, &doc.to_bytes()).and_then(|()| fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(io::Error::new(
            error.kind(),
            format!("cannot save the state to {}: {error}", path.display()),
        ));
    }
    // The rename is durable once the directory is.
    if let Ok(dir) = File::open(&dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Creates `path` (which must not exist) with mode 0600, writes `bytes`
/// and syncs them.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
