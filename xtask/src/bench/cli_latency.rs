//! The CLI part of the benchmark: one `steps job-token get 1` process
//! against curl with the same headers, wall and CPU time of each.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::plan::Plan;
use crate::shell::{children_cpu_us, release, Server};

/// Wall and CPU (user and system) times of whole processes, in ms, one per
/// run.
pub(crate) struct CliLatency {
    /// `steps job-token get 1`, wall time.
    pub(crate) steps_ms: Vec<f64>,
    /// curl with the same headers, wall time.
    pub(crate) curl_ms: Vec<f64>,
    /// `steps job-token get 1`, CPU time.
    pub(crate) steps_cpu_ms: Vec<f64>,
    /// curl, CPU time.
    pub(crate) curl_cpu_ms: Vec<f64>,
}

/// `steps job-token get 1` against curl with the same headers, each a whole
/// process, against a release emulator on loopback, interleaved: wall time
/// and CPU time of each.
pub(crate) fn measure(plan: &Plan) -> Result<CliLatency, String> {
    let emulator = Server::start({
        let mut c = Command::new(release("steps-emulator"));
        c.args([
            "--listen",
            "127.0.0.1:0",
            "--user",
            "bench@example.com:bench-password",
        ]);
        c
    })?;
    let url = &emulator.url;
    let home = std::env::temp_dir().join(format!("steps-bench-{}", std::process::id()));
    let steps = |args: &[&str], stdin: &str| -> Result<String, String> {
        let mut child = Command::new(release("steps"))
            .args(args)
            .env("XDG_CONFIG_HOME", &home)
            .env("STEPS_API_URL", url)
            .env_remove("STEPS_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let _ = child.stdin.take().map(|mut s| s.write_all(stdin.as_bytes()));
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(format!(
                "steps {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    steps(
        &["login", "--email", "bench@example.com", "--password-stdin"],
        "bench-password\n",
    )?;
    steps(&["job-token", "create", "--label", "bench"], "")?;
    let credentials =
        std::fs::read_to_string(home.join("steps/credentials.json")).map_err(|e| e.to_string())?;
    let token = credentials
        .split("\"token\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no token in the credentials file")?
        .to_owned();
    // (wall ms, CPU ms)
    let time = |command: &mut Command| -> Result<(f64, f64), String> {
        let cpu = children_cpu_us();
        let started = Instant::now();
        let status = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        if !status.success() {
            return Err(format!("{command:?} failed"));
        }
        Ok((wall, (children_cpu_us() - cpu) / 1000.0))
    };
    let mut latency = CliLatency {
        steps_ms: Vec::new(),
        curl_ms: Vec::new(),
        steps_cpu_ms: Vec::new(),
        curl_cpu_ms: Vec::new(),
    };
    for _ in 0..plan.cli_runs {
        let (wall, cpu) = time(
            Command::new(release("steps"))
                .args(["job-token", "get", "1"])
                .env("XDG_CONFIG_HOME", &home)
                .env("STEPS_API_URL", url),
        )?;
        latency.steps_ms.push(wall);
        latency.steps_cpu_ms.push(cpu);
        let (wall, cpu) = time(Command::new("curl").args([
            "-sf",
            "-H",
            "accept: application/json",
            "-H",
            "user-agent: steps-rs/0.1.0",
            "-H",
            &format!("authorization: Bearer {token}"),
            &format!("{url}/api/job_token/1"),
        ]))?;
        latency.curl_ms.push(wall);
        latency.curl_cpu_ms.push(cpu);
    }
    let _ = std::fs::remove_dir_all(&home);
    Ok(latency)
}
