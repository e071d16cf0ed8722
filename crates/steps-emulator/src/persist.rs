//! `--state FILE`: the saved state on disk. Read once at start; written
//! atomically (a temporary file in the same directory, synced, then
//! renamed over the old one, and the directory synced) with mode 0600,
//! since it holds every secret. A file that cannot be read as a state this
//! emulator understands stops the start and is left as it was.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::store::saved::Document;

/// The saved state at `path`, or `None` when there is no file.
///
/// # Errors
///
/// The file cannot be read, or is not a state this emulator reads (a
/// corrupt file, or one written by a newer version); the error names the
/// file and says it was left untouched.
pub(crate) fn load(path: &Path) -> io::Result<Option<Document>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(io::Error::new(
                error.kind(),
                format!("cannot read the state file {}: {error}", path.display()),
            ))
        }
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

/// Writes `doc` to `path`, atomically, readable by its owner only.
///
/// # Errors
///
/// The directory cannot be written, or the disk is full; the old file, if
/// any, is then unchanged.
pub(crate) fn save(path: &Path, doc: &Document) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temporary = dir.join(format!(".{name}.{suffix}.tmp"));
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
