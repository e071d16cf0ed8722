//! `cargo xtask load`: 1,000 concurrent tasks make 100,000 mixed requests
//! through the facade (`steps-bench load`) against one release-built
//! emulator in its own process. Measures into a [`LoadRun`], then prints it.

use std::collections::BTreeMap;
use std::process::Command;

use crate::shell::{cargo, field, release, result_fields, Server};

/// The emulator's accounts, as `EMAIL:PASSWORD`.
const ADMIN: &str = "load-admin@example.com:load-admin-pw";
/// The ordinary account.
const USER: &str = "load-user@example.com:load-user-pw";
/// Concurrent tasks.
const TASKS: &str = "1000";
/// Requests in all.
const REQUESTS: &str = "100000";

/// What one load test measured.
struct LoadRun {
    /// The load client's command line, URL included.
    command: String,
    /// The fields of the load client's `result` line: requests, errors,
    /// p50_ms, p99_ms, req_per_s, elapsed_s, peak_rss_kib.
    result: BTreeMap<String, f64>,
    /// The emulator's peak RSS in KiB (`VmHWM`), or `unknown`.
    emulator_rss_kib: String,
}

/// Runs the load test and prints errors, p50/p99 latency and both
/// processes' peak RSS; fails if any request failed.
pub(crate) fn run() -> Result<(), String> {
    let measured = measure()?;
    for line in measured.report()? {
        println!("{line}");
    }
    let errors = field(&measured.result, "errors")?;
    if errors > 0.0 {
        return Err(format!("{errors} requests failed (goal: zero)"));
    }
    Ok(())
}

/// Builds the binaries, starts the emulator and runs the load client.
fn measure() -> Result<LoadRun, String> {
    cargo(&[
        "build",
        "--release",
        "--locked",
        "-p",
        "steps-bench",
        "-p",
        "steps-emulator",
    ])?;
    let emulator = Server::start({
        let mut c = Command::new(release("steps-emulator"));
        c.args(["--listen", "127.0.0.1:0", "--admin", ADMIN, "--user", USER]);
        c
    })?;
    let url = emulator.url.clone();
    let args = ["load", &url, TASKS, REQUESTS, ADMIN, USER];
    let output = Command::new(release("steps-bench"))
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    let result =
        result_fields(&text).map_err(|e| format!("{e} {}", String::from_utf8_lossy(&output.stderr)))?;
    let status = std::fs::read_to_string(format!("/proc/{}/status", emulator.id())).unwrap_or_default();
    let emulator_rss_kib = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    Ok(LoadRun {
        command: format!("steps-bench {}", args.join(" ")),
        result,
        emulator_rss_kib,
    })
}

impl LoadRun {
    /// The two lines `cargo xtask load` prints.
    fn report(&self) -> Result<[String; 2], String> {
        let get = |name| field(&self.result, name);
        Ok([
            format!("load test: {}", self.command),
            format!(
                "requests {} | errors {} | p50 {} ms | p99 {} ms | {} req/s over {} s | client peak RSS {} KiB | emulator peak RSS {} KiB",
                get("requests")?,
                get("errors")?,
                get("p50_ms")?,
                get("p99_ms")?,
                get("req_per_s")?,
                get("elapsed_s")?,
                get("peak_rss_kib")?,
                self.emulator_rss_kib
            ),
        ])
    }
}
