//! `--state FILE` (`Config::state_file`) is opened the way a credentials
//! file is (issue 24): a symbolic link (dangling too), a FIFO, a directory,
//! a file others may read or write, and a file over 64 MiB are refused at
//! start, as is a file owned by another user (when the tests run as root,
//! which can give a file away; `persist`'s unit tests judge owners
//! everywhere) and a file whose directory is missing or cannot be
//! written; each refusal names the file and the reason, quotes none of its
//! content, and leaves the path as it was.

use std::os::unix::fs::{symlink, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use steps_emulator::Emulator;

use crate::support::{config, Conn, ADMIN};

/// A valid state file at `path`, as the emulator saves it (mode 0600),
/// with a login token in it; the token.
async fn saved_state(path: &Path) -> String {
    let emulator = Emulator::start(config().state_file(path)).await.expect("starts");
    let token = Conn::open(emulator.local_addr()).await.login(ADMIN).await;
    emulator.shutdown_and_save().await.expect("saved");
    token
}

/// The start's error, which must come within 5 s: a FIFO must not hang
/// it. The start runs on a thread of its own, so that a read blocked in
/// the kernel cannot stop the test from failing; a FIFO it blocks on is
/// then opened for writing and closed, which ends the read.
fn refused(path: &Path) -> String {
    let (sender, receiver) = mpsc::channel();
    let owned = path.to_owned();
    let starter = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let started = runtime.block_on(Emulator::start(config().state_file(&owned)));
        let _ = sender.send(started.map(drop).map_err(|e| e.to_string()));
    });
    let started = match receiver.recv_timeout(Duration::from_secs(5)) {
        Ok(started) => started,
        Err(_) => {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
                drop(std::fs::OpenOptions::new().write(true).open(path));
            }
            let _ = starter.join();
            panic!("the start hung on {}", path.display());
        }
    };
    let _ = starter.join();
    let message = started.expect_err("the start is refused");
    assert!(
        message.contains(&path.display().to_string()),
        "the file is named: {message}"
    );
    message
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test]
async fn a_state_file_others_may_read_write_or_own_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("state.json");
    let token = saved_state(&path).await;
    let saved = std::fs::read(&path).expect("saved");
    for mode in [0o644, 0o640, 0o604, 0o620, 0o602] {
        set_mode(&path, mode);
        let message = refused(&path);
        assert!(
            message.contains("other users") && message.contains(&format!("{mode:o}")),
            "{mode:o}: {message}"
        );
        assert!(!message.contains(&token), "no content quoted: {message}");
        assert_eq!(std::fs::read(&path).expect("still there"), saved, "untouched");
    }
    // 0600 and stricter load.
    for mode in [0o600, 0o400] {
        set_mode(&path, mode);
        let emulator = Emulator::start(config().state_file(&path))
            .await
            .unwrap_or_else(|e| panic!("{mode:o} loads: {e}"));
        drop(emulator);
    }
    // Planted by another user, even with a private mode (only root can
    // give a file away, so elsewhere the unit tests judge owners).
    set_mode(&path, 0o600);
    if std::os::unix::fs::chown(&path, Some(65534), None).is_ok() {
        let message = refused(&path);
        assert!(message.contains("owned by uid 65534"), "{message}");
    }
}

#[tokio::test]
async fn a_symlinked_state_path_is_refused_at_start_even_dangling() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = dir.path().join("real.json");
    saved_state(&target).await;
    let link = dir.path().join("state.json");
    symlink(&target, &link).expect("a symbolic link");
    let message = refused(&link);
    assert!(message.contains("symbolic link"), "{message}");
    // Dangling: the save would have replaced the link with a file.
    let dangling = dir.path().join("dangling.json");
    symlink(dir.path().join("nothing-here.json"), &dangling).expect("a symbolic link");
    let message = refused(&dangling);
    assert!(message.contains("symbolic link"), "{message}");
    for path in [&link, &dangling] {
        let kind = std::fs::symlink_metadata(path).expect("still there").file_type();
        assert!(kind.is_symlink(), "{} is still a link", path.display());
    }
    assert!(!dir.path().join("nothing-here.json").exists());
}

#[tokio::test]
async fn a_fifo_a_directory_or_a_huge_file_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fifo = dir.path().join("fifo.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("runs mkfifo");
    assert!(made.success());
    set_mode(&fifo, 0o600);
    let message = refused(&fifo);
    assert!(message.contains("not a regular file"), "{message}");

    let directory = dir.path().join("dir.json");
    std::fs::create_dir(&directory).expect("a directory");
    set_mode(&directory, 0o700);
    let message = refused(&directory);
    assert!(message.contains("not a regular file"), "{message}");

    // Sparse: 64 MiB and one byte of nothing.
    let huge = dir.path().join("huge.json");
    let file = std::fs::File::create(&huge).expect("created");
    file.set_len((64 << 20) + 1).expect("sized");
    set_mode(&huge, 0o600);
    let message = refused(&huge);
    assert!(message.contains("64 MiB"), "{message}");
}

#[tokio::test]
async fn a_state_file_that_could_not_be_saved_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing: PathBuf = dir.path().join("no-such-dir").join("state.json");
    let message = refused(&missing);
    assert!(message.contains("directory"), "{message}");
    assert!(!missing.parent().expect("a parent").exists(), "nothing created");

    // A directory that cannot be written (root writes anywhere).
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("a directory");
    set_mode(&locked, 0o500);
    let root = std::fs::File::create(locked.join("probe")).is_ok();
    if !root {
        let message = refused(&locked.join("state.json"));
        assert!(message.contains("directory"), "{message}");
        assert_eq!(
            std::fs::read_dir(&locked).expect("listed").count(),
            0,
            "nothing left behind"
        );
    }
    set_mode(&locked, 0o700);
}
