//! `cargo xtask schemathesis [--seed N]`: schemathesis, in a Python virtual
//! environment of its own, against a fresh emulator and `docs/openapi.yaml`.

use std::process::{Command, Stdio};

use crate::flags;
use crate::shell::{cargo, root, run as run_command, target_dir};

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
        let mut st_run = Command::new(&st);
        st_run.arg("run");
        if let Some(seed) = flags.seed {
            st_run.args(["--seed", &seed.to_string()]);
        }
        // Not `run_command`: its error would print the command, token and all.
        let status = st_run
            .arg(root().join("docs/openapi.yaml"))
            .args(["--url", &url, "--max-examples", "100", "--header"])
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
