//! Where the credentials file lives and what makes it unsafe to use: the
//! XDG rules, `--config-dir`, the directory's and the file's owner, mode
//! and type, a size bound, logout of an unsafe file, concurrent logins.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Fixture, Run, USER};

/// The uid of `nobody`, to give files away (only root can).
const OTHER_UID: u32 = 65_534;

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), None).unwrap();
}

/// `steps ARGS` as `role`, with `env` set and `unset` removed, in `cwd`.
fn run_in(
    f: &Fixture,
    role: &str,
    args: &[&str],
    env: &[(&str, &str)],
    unset: &[&str],
    cwd: &Path,
    stdin: &str,
) -> Run {
    let mut command = f.command(role);
    command.args(args).envs(env.iter().copied()).current_dir(cwd);
    for name in unset {
        command.env_remove(name);
    }
    f.finish(command, args, stdin)
}

fn password() -> String {
    format!("{}\n", USER.1)
}

const LOGIN: [&str; 4] = ["login", "--email", USER.0, "--password-stdin"];

#[test]
fn the_config_directory_follows_the_xdg_rules() {
    let f = Fixture::new("xdg");
    let cwd = f.dir.join("cwd");
    let home = f.dir.join("home");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let home_text = home.display().to_string();

    // A relative XDG_CONFIG_HOME is ignored: HOME's ~/.config is used.
    let run = run_in(
        &f,
        "user",
        &LOGIN,
        &[("XDG_CONFIG_HOME", "relative"), ("HOME", &home_text)],
        &[],
        &cwd,
        &password(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        home.join(".config/steps/credentials.json").is_file(),
        "{}",
        run.stdout
    );
    assert!(
        !cwd.join("relative").exists(),
        "a relative XDG_CONFIG_HOME was used"
    );

    // An empty HOME is no home: with no XDG_CONFIG_HOME either, there is
    // no config directory, and nothing is written to the working directory.
    let run = run_in(
        &f,
        "user",
        &LOGIN,
        &[("HOME", "")],
        &["XDG_CONFIG_HOME"],
        &cwd,
        &password(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--config-dir"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "something was written to the working directory"
    );
}

#[test]
fn config_dir_and_steps_config_dir_work_for_every_command() {
    let f = Fixture::new("config-dir");
    let dir = f.dir.join("explicit");
    let dir_text = dir.display().to_string();
    let env = [("STEPS_CONFIG_DIR", dir_text.as_str())];
    let run = run_in(&f, "user", &LOGIN, &env, &[], &f.dir, &password());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.join("credentials.json").is_file());
    assert!(!f.credentials("user").exists(), "XDG_CONFIG_HOME was used");
    for args in [
        &["whoami", "--config-dir", &dir_text][..],
        &["--config-dir", &dir_text, "job-token", "create"],
    ] {
        let run = f.run("user", args, "");
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let run = run_in(&f, "user", &["whoami"], &env, &[], &f.dir, "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = f.run("user", &["logout", "--config-dir", &dir_text], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run_in(&f, "user", &["whoami"], &env, &[], &f.dir, "").code, 3);
}

#[test]
fn an_unsafe_config_directory_is_refused_with_a_fix() {
    let f = Fixture::new("unsafe-dir");
    f.login("user", USER);
    let dir = f.credentials("user").parent().unwrap().to_owned();
    for mode in [0o770, 0o702, 0o777] {
        chmod(&dir, mode);
        let run = f.run("user", &["whoami"], "");
        assert_eq!(run.code, 3, "mode {mode:o}: {}", run.stderr);
        assert!(run.stderr.contains("chmod 700"), "{}", run.stderr);
        let run = f.run("user", &LOGIN, &password());
        assert_eq!(
            run.code, 3,
            "login into a mode {mode:o} directory: {}",
            run.stderr
        );
    }
    chmod(&dir, 0o700);
    assert_eq!(f.run("user", &["whoami"], "").code, 0);
    if running_as_root() {
        chown(&dir, OTHER_UID);
        let run = f.run("user", &["whoami"], "");
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(run.stderr.contains("owned by"), "{}", run.stderr);
        chown(&dir, 0);
    }
}

#[test]
fn an_unsafe_credentials_file_is_refused_before_it_is_read() {
    let f = Fixture::new("unsafe-file");
    f.login("user", USER);
    let path = f.credentials("user");
    let content = std::fs::read(&path).unwrap();

    // A symbolic link, even to a private file with a valid login.
    let elsewhere = f.dir.join("elsewhere.json");
    std::fs::rename(&path, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
    let run = f.run("user", &["whoami"], "");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    std::fs::remove_file(&path).unwrap();

    // Not a regular file: a FIFO would block a reader forever.
    let made = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let run = with_deadline(&f, &["whoami"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    std::fs::remove_file(&path).unwrap();

    // Larger than any credentials file (valid JSON, padded).
    let mut big = content.clone();
    big.splice(1..1, std::iter::repeat_n(b' ', 2 << 20));
    write_private(&path, &big);
    let run = f.run("user", &["whoami"], "");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("too large"), "{}", run.stderr);

    write_private(&path, &content);
    assert_eq!(f.run("user", &["whoami"], "").code, 0);
    if running_as_root() {
        chown(&path, OTHER_UID);
        let run = f.run("user", &["whoami"], "");
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(run.stderr.contains("owned by"), "{}", run.stderr);
    }
}

/// Runs `steps ARGS` as "user", killing it after ten seconds.
fn with_deadline(f: &Fixture, args: &[&str]) -> Run {
    let mut command = f.command("user");
    command
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("steps {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn write_private(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

#[test]
fn logout_removes_a_file_others_could_read_and_says_so() {
    let f = Fixture::new("logout-unsafe");
    f.login("user", USER);
    let path = f.credentials("user");
    chmod(&path, 0o644);
    let run = f.run("user", &["logout"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!path.exists(), "the unsafe file is still there");
    assert!(
        run.stderr.contains("removed") && run.stderr.contains("644"),
        "{}",
        run.stderr
    );
    let run = f.run("user", &["whoami"], "");
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn concurrent_logins_keep_each_others_entries() {
    let f = Fixture::new("concurrent");
    let port = f.emulator.base_url().rsplit(':').next().unwrap().to_owned();
    // Two names for the one emulator: two entries in the file.
    let urls = [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ];
    for round in 0..5 {
        let children: Vec<_> = urls
            .iter()
            .map(|url| {
                let mut command = f.command("user");
                command
                    .args(LOGIN)
                    .args(["--api-url", url])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                let mut child = command.spawn().unwrap();
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(password().as_bytes())
                    .unwrap();
                child
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let stored: Value = serde_json::from_slice(&std::fs::read(f.credentials("user")).unwrap()).unwrap();
        for url in &urls {
            let token = crate::login_entry(&stored, "default", url)["token"].as_str();
            assert!(token.is_some(), "round {round}: the login to {url} was lost");
            f.secrets.lock().unwrap().push(token.unwrap().to_owned());
        }
        std::fs::remove_file(f.credentials("user")).unwrap();
    }
}
