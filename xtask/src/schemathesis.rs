//! `cargo xtask schemathesis [--seed N]`: schemathesis, in a Python virtual
//! environment of its own, against a fresh emulator serving protocol v2 and
//! `docs/openapi.yaml`.

use std::process::{Command, Stdio};

use crate::flags;
use crate::shell::{cargo, root, run as run_command, target_dir};

/// A schemathesis hook that gives every request its own idempotency key,
/// just before it is sent (in every phase).
/// Hypothesis repeats the values it draws, so generated keys would be
/// reused across unrelated requests; the protocol answers a reused key with
/// 422 (another body or path) or with a replay (of a token that may since
/// have been deleted), which schemathesis, knowing nothing of idempotency,
/// reports as a valid request refused, or a created resource not found. In
/// a positive case, a valid key keeps up to 200 of its characters and gets
/// a unique suffix; an invalid one is left as it is, to be refused. Replays, 422 and 409 are
/// the conformance kit's to check (`tests/src/conformance/`).
const HOOKS: &str = r#"import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    # A negative case is left alone: changing it would make schemathesis
    # revalidate it as positive (and send a header it meant to leave out).
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    headers = case.headers or {}
    for name, key in list(headers.items()):
        valid = isinstance(key, str) and 1 <= len(key) <= 255 and all("!" <= c <= "~" for c in key)
        if name.lower() == "idempotency-key" and valid:
            headers[name] = f"{key[:200]}-{uuid.uuid4().hex}"
"#;

/// Makes a virtual environment under `target/`, installs schemathesis,
/// starts an emulator, logs in as its admin, and runs schemathesis with that
/// token against `docs/openapi.yaml`. Fails on any schemathesis failure.
pub(crate) fn run(flags: flags::Schemathesis) -> Result<(), String> {
    let venv = target_dir().join("schemathesis-venv");
    let st = venv.join("bin/st");
    if !st.exists() {
        run_command(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run_command(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "schemathesis"]))?;
    }
    cargo(&["build", "--locked", "-p", "steps-emulator"])?;
    let mut emulator = Command::new(target_dir().join("debug/steps-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--admin",
            "st-admin@example.com:st-admin-pw",
            "--user",
            "st-user@example.com:st-user-pw",
            // Nothing expires because the run is slow: schemathesis may
            // create a one-second token and read it back seconds later,
            // which the protocol answers 404 once it has expired.
            "--frozen-clock",
            // docs/openapi.yaml describes v2 (a superset of v1): meta,
            // idempotency, self, own_tokens and rotation.
            "--protocol",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let result = (|| {
        let stdout = emulator.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .map_err(|e| e.to_string())?;
        let url = line
            .split_whitespace()
            .last()
            .ok_or("the emulator printed no URL")?
            .to_owned();
        let login = format!(
            "import json,urllib.request as u;r=u.urlopen(u.Request('{url}/api/login',data=json.dumps({{'email':'st-admin@example.com','password':'st-admin-pw'}}).encode(),headers={{'content-type':'application/json'}}));print(json.load(r)['token'])"
        );
        let output = Command::new("python3")
            .args(["-c", &login])
            .output()
            .map_err(|e| e.to_string())?;
        let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if token.is_empty() {
            return Err("could not log in to the emulator".to_owned());
        }
        let hooks = venv.join("idempotency_hooks.py");
        std::fs::write(&hooks, HOOKS).map_err(|e| format!("cannot write {}: {e}", hooks.display()))?;
        let mut st_run = Command::new(&st);
        st_run.env("SCHEMATHESIS_HOOKS", &hooks).arg("run");
        if let Some(seed) = flags.seed {
            st_run.args(["--seed", &seed.to_string()]);
        }
        // Not `run_command`: its error would print the command, token and all.
        let status = st_run
            .arg(root().join("docs/openapi.yaml"))
            .args(["--url", &url, "--max-examples", "100"])
            // Not the emulator's control plane (off here, and not the
            // protocol), nor what a token does to itself: revoking the run's
            // one admin token would turn every later case into a 401. The
            // conformance kit checks /api/token/self, caller by caller.
            .args(["--exclude-tag", "control"])
            .args(["--exclude-operation-id", "token.revoke_self"])
            .args(["--exclude-operation-id", "token.rotate_self"])
            .arg("--header")
            .arg(format!("Authorization: Bearer {token}"))
            .status()
            .map_err(|e| format!("cannot run schemathesis: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("schemathesis found failures (above; {status})"))
        }
    })();
    let _ = emulator.kill();
    let _ = emulator.wait();
    result
}
