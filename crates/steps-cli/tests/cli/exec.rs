//! `steps exec`: the command gets a job token the API accepts, exits with
//! its own status, and the token is deleted when it ends: on exit, when
//! `steps` is sent SIGTERM (which it passes on), and the failure of the
//! delete is said with the token's id. The secret reaches neither of
//! `steps`'s own streams.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::{Fixture, Run, USER};
use steps::steps_core::{DeleteJobToken, Operation, RevokeSelf};

/// A shell command that saves the job token to the file `$0` (whole: moved
/// into place) and then becomes `$@` (exec: signals reach it directly).
const SAVE_TOKEN: &str = r#"printf %s "$STEPS_JOB_TOKEN" > "$0.tmp" && mv "$0.tmp" "$0" && exec "$@""#;

/// The saved token, now one of the secrets no stderr may hold.
fn saved_token(f: &Fixture, path: &Path) -> String {
    let token = std::fs::read_to_string(path).expect("the command saved its token");
    assert!(token.starts_with("stj_"), "not a job token");
    f.secrets.lock().unwrap().push(token.clone());
    token
}

/// `whoami --json` with `token`, as someone with no login.
fn whoami_with(f: &Fixture, token: &str) -> Run {
    f.run_with_env("nobody", &["whoami", "--json"], "", &[("STEPS_TOKEN", token)])
}

fn token_file(f: &Fixture, name: &str) -> PathBuf {
    f.dir.join(name)
}

#[test]
fn the_command_gets_a_job_token_and_its_status_is_steps_status() {
    let f = Fixture::new("exec");
    f.login("user", USER);
    let file = token_file(&f, "token-1");
    let steps = env!("CARGO_BIN_EXE_steps");
    // The command is `steps whoami` with the job token as its STEPS_TOKEN.
    let file_text = file.display().to_string();
    let run = f.run(
        "user",
        &[
            "exec",
            "--label",
            "ci",
            "--",
            "sh",
            "-c",
            SAVE_TOKEN,
            &file_text,
            "sh",
            "-c",
            r#"STEPS_TOKEN="$STEPS_JOB_TOKEN" exec "$0" whoami --json"#,
            steps,
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token = saved_token(&f, &file);
    assert!(!run.stdout.contains(&token), "the secret reached stdout");
    assert_eq!(run.stderr, "");
    let me = run.json();
    assert_eq!(
        (me["token_type"].as_i64(), me["user_id"].as_i64()),
        (Some(1), Some(2)),
        "{me}"
    );
    // Deleted once the command ended.
    let after = whoami_with(&f, &token);
    assert_eq!(after.code, 3, "the job token still works: {}", after.stdout);

    // Its exit status, and 128+N for a signal.
    assert_eq!(f.run("user", &["exec", "--", "sh", "-c", "exit 7"], "").code, 7);
    assert_eq!(
        f.run("user", &["exec", "--", "sh", "-c", "kill -TERM $$"], "")
            .code,
        128 + 15
    );

    // --env names the variable; the login token is not passed on, even from
    // STEPS_TOKEN.
    let login = f.stored_token("user");
    let run = f.run_with_env(
        "nobody",
        &[
            "exec",
            "--env",
            "PCVL_CLOUD_TOKEN",
            "--",
            "sh",
            "-c",
            r#"test -n "$PCVL_CLOUD_TOKEN" && test -z "${STEPS_JOB_TOKEN+x}" && test -z "${STEPS_TOKEN+x}""#,
        ],
        "",
        &[("STEPS_TOKEN", &login)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // No job token is left behind by any of these.
    f.login("admin", crate::ADMIN);
    assert_eq!(
        f.ok("admin", &["job-token", "list", "--json"]).json(),
        serde_json::json!([])
    );

    // A command that cannot be found: 127, and the token is deleted too.
    let run = f.run("user", &["exec", "--", "steps-no-such-command"], "");
    assert_eq!(run.code, 127, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot run steps-no-such-command"),
        "{}",
        run.stderr
    );
    assert_eq!(
        f.ok("admin", &["job-token", "list", "--json"]).json(),
        serde_json::json!([])
    );

    // Usage errors: no command, a bad variable name, a zero duration.
    for args in [
        &["exec"][..],
        &["exec", "--env", "1X", "--", "true"],
        &["exec", "--env", "A=B", "--", "true"],
        &["exec", "--duration", "0", "--", "true"],
    ] {
        let run = f.run("user", args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    // Not logged in: nothing runs.
    let marker = f.dir.join("ran");
    let run = f.run(
        "nobody",
        &["exec", "--", "touch", &marker.display().to_string()],
        "",
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(!marker.exists(), "the command ran without a token");
}

#[test]
fn sigterm_reaches_the_command_and_the_token_is_deleted() {
    let f = Fixture::new("exec-term");
    f.login("user", USER);
    let file = token_file(&f, "token-term");
    let mut command = f.command("user");
    command
        .args(["exec", "--", "sh", "-c", SAVE_TOKEN])
        .arg(&file)
        .args(["sleep", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = command.spawn().unwrap();
    while !file.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the command never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the command was not stopped"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    f.stderrs.lock().unwrap().push(stderr.clone());
    // `sleep` died of the SIGTERM that steps passed on.
    assert_eq!(output.status.code(), Some(128 + 15), "{stderr}");
    let token = saved_token(&f, &file);
    assert!(!stdout.contains(&token) && !stderr.contains(&token));
    assert_eq!(
        whoami_with(&f, &token).code,
        3,
        "the job token outlived the command"
    );
}

#[test]
fn a_failed_delete_is_said_with_the_token_id() {
    let f = Fixture::new("exec-delete");
    f.login("user", USER);
    // A refused delete alone is made up for: the token revokes itself
    // (protocol v2, feature `self`).
    let rules = serde_json::from_value(
        serde_json::json!([{"operation": DeleteJobToken::NAME, "fault": {"kind": "status", "status": 403}}]),
    )
    .unwrap();
    f.emulator.set_faults(rules);
    let run = f.run("user", &["exec", "--", "true"], "");
    assert_eq!(run.code, 0, "the token revoked itself: {}", run.stderr);
    assert_eq!(f.emulator.token_counts(), (0, 0), "no token outlived the command");
    // Both refused: said, with the id.
    let rules = serde_json::from_value(
        serde_json::json!([{"operation": DeleteJobToken::NAME, "fault": {"kind": "status", "status": 403}},
            {"operation": RevokeSelf::NAME, "fault": {"kind": "status", "status": 503}}]),
    )
    .unwrap();
    f.emulator.set_faults(rules);
    let run = f.run("user", &["exec", "--", "true"], "");
    assert_eq!(
        run.code, 1,
        "a successful command, a failed delete: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("could not delete job token 2") && run.stderr.contains(" job-token delete 2`"),
        "{}",
        run.stderr
    );
    // A failed command keeps its own status.
    let run = f.run("user", &["exec", "--", "sh", "-c", "exit 5"], "");
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not delete job token 3"),
        "{}",
        run.stderr
    );
}

/// `steps exec -- sh -c SAVE_TOKEN file COMMAND...` under `setsid --ctty`
/// on a pseudo-terminal of its own, so that it is that terminal's
/// foreground group (`setsid` becomes `steps`: same process). Returns it
/// once the command has saved its token, with the terminal's master side
/// (kept open until `steps` has ended).
#[cfg(target_os = "linux")]
fn exec_on_a_terminal(
    f: &Fixture,
    file: &Path,
    command: &[&str],
) -> (std::process::Child, std::os::fd::OwnedFd, Instant) {
    use rustix::fs::{open, Mode, OFlags};
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};

    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let terminal = open(name.as_c_str(), OFlags::RDWR | OFlags::NOCTTY, Mode::empty()).unwrap();
    let steps = f.command("user");
    let mut setsid = std::process::Command::new("setsid");
    setsid
        .arg("--ctty")
        .arg(steps.get_program())
        .args(steps.get_args())
        .args(["exec", "--", "sh", "-c", SAVE_TOKEN])
        .arg(file)
        .args(command)
        .stdin(Stdio::from(terminal))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in steps.get_envs() {
        match value {
            Some(value) => setsid.env(key, value),
            None => setsid.env_remove(key),
        };
    }
    let started = Instant::now();
    let child = setsid.spawn().unwrap();
    while !file.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the command never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, master, started)
}

/// Issue 24, item 5: a SIGINT sent with kill(2) to a `steps exec` that is
/// its terminal's foreground group reaches the command (only the
/// terminal's own Ctrl-C, which reached the command already, is kept
/// back); `steps` exits 130 and deletes the token.
#[cfg(target_os = "linux")]
#[test]
fn a_sigint_sent_with_kill_reaches_the_command_in_the_foreground() {
    let f = Fixture::new("exec-int");
    f.login("user", USER);
    let file = token_file(&f, "token-int");
    let (child, master, started) = exec_on_a_terminal(&f, &file, &["sleep", "30"]);
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let output = child.wait_with_output().unwrap();
    drop(master);
    let stderr = String::from_utf8(output.stderr).unwrap();
    f.stderrs.lock().unwrap().push(stderr.clone());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the command was not stopped: {stderr}"
    );
    // `sleep` died of the SIGINT that steps passed on.
    assert_eq!(output.status.code(), Some(128 + 2), "{stderr}");
    let token = saved_token(&f, &file);
    assert!(!stderr.contains(&token));
    assert_eq!(
        whoami_with(&f, &token).code,
        3,
        "the job token outlived the command"
    );

    // A Ctrl-C typed at the terminal reaches the command from the
    // terminal; a command that then cleans up and exits 0 still ends
    // `steps` with 130, and the token is deleted.
    let file = token_file(&f, "token-ctrl-c");
    let seen = f.dir.join("interrupted");
    let (child, master, started) = exec_on_a_terminal(
        &f,
        &file,
        &[
            "sh",
            "-c",
            r#"trap 'echo INT >> "$0"; exit 0' INT; echo READY > "$0"; while :; do sleep 0.1; done"#,
            &seen.display().to_string(),
        ],
    );
    // The token file exists before `sh` has set its trap: a Ctrl-C typed
    // before then kills it without the trap (CI saw that once).
    while !std::fs::read_to_string(&seen).is_ok_and(|s| s.starts_with("READY")) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the trap was never set"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    rustix::io::write(&master, b"\x03").unwrap();
    let output = child.wait_with_output().unwrap();
    drop(master);
    let stderr = String::from_utf8(output.stderr).unwrap();
    f.stderrs.lock().unwrap().push(stderr.clone());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the command was not stopped: {stderr}"
    );
    assert_eq!(output.status.code(), Some(128 + 2), "{stderr}");
    assert!(
        std::fs::read_to_string(&seen).is_ok_and(|s| s.lines().any(|line| line == "INT")),
        "the command never saw the Ctrl-C"
    );
    let token = saved_token(&f, &file);
    assert_eq!(
        whoami_with(&f, &token).code,
        3,
        "the job token outlived the command"
    );
}
