//! Runs the benchmark's parts and returns what they measured as plain data:
//! criterion medians and allocation counts, request rates and peak RSS per
//! client, process wall times, build time, and the machine it ran on.
//! Nothing here formats a report.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::plan::{Client, Plan, Workload};
use crate::shell::{cargo, cargo_bin, field, release, result_fields, root, target_dir, Server};

/// Everything one `cargo xtask bench` run measured.
pub(crate) struct Measurements {
    /// The core codec, one case per operation, in the benchmark's order.
    pub(crate) codec: Vec<CodecCase>,
    /// The end-to-end workloads, in the plan's order.
    pub(crate) end_to_end: Vec<WorkloadRun>,
    /// The CLI against curl.
    pub(crate) cli: CliLatency,
    /// The clean build of the core.
    pub(crate) build: BuildCost,
}

/// One operation of the core codec benchmark: build its request and parse a
/// typical response.
pub(crate) struct CodecCase {
    /// The operation's dotted name (`job_token.create`).
    pub(crate) op: String,
    /// Criterion's median for steps-core, in ns.
    pub(crate) steps_ns: f64,
    /// Criterion's median for the hand-written baseline, in ns.
    pub(crate) baseline_ns: f64,
    /// Allocations per call, steps-core.
    pub(crate) steps_allocs: f64,
    /// Allocations per call, baseline.
    pub(crate) baseline_allocs: f64,
}

impl CodecCase {
    /// steps-core's time over the baseline's.
    pub(crate) fn ratio(&self) -> f64 {
        self.steps_ns / self.baseline_ns
    }
}

/// One end-to-end workload and every client's samples.
pub(crate) struct WorkloadRun {
    /// The workload.
    pub(crate) workload: Workload,
    /// One entry per client, in the plan's order.
    pub(crate) clients: Vec<ClientRun>,
}

impl WorkloadRun {
    /// The samples of `client`, if it ran.
    pub(crate) fn client(&self, client: Client) -> Option<&ClientRun> {
        self.clients.iter().find(|run| run.client == client)
    }
}

/// One client's samples in one workload.
pub(crate) struct ClientRun {
    /// The client.
    pub(crate) client: Client,
    /// Requests per second, one per round.
    pub(crate) req_per_s: Vec<f64>,
    /// The highest peak RSS of its processes, in KiB.
    pub(crate) peak_rss_kib: f64,
}

/// Wall times of whole processes, in ms, one per run.
pub(crate) struct CliLatency {
    /// `steps job-token get 1`.
    pub(crate) steps_ms: Vec<f64>,
    /// curl with the same headers.
    pub(crate) curl_ms: Vec<f64>,
}

/// The cost of embedding the core.
pub(crate) struct BuildCost {
    /// `cargo build --release -p steps-core` from clean, in seconds.
    pub(crate) seconds: f64,
    /// The cores it had.
    pub(crate) cores: usize,
    /// The crates it built (normal edges, proc-macros included), sorted.
    pub(crate) crates: Vec<String>,
}

/// The machine, toolchain and crate versions a run used.
pub(crate) struct Environment {
    /// The CPU's model name.
    pub(crate) cpu: String,
    /// Available parallelism.
    pub(crate) cores: usize,
    /// Total memory, as `23.5 GiB`.
    pub(crate) memory: String,
    /// The Linux kernel release.
    pub(crate) kernel: String,
    /// `rustc -V`.
    pub(crate) rustc: String,
    /// The versions in Cargo.lock of the crates the results depend on.
    pub(crate) crates: Vec<(&'static str, String)>,
    /// The version of Python requests, if python3 has it.
    pub(crate) python_requests: Option<String>,
}

/// Builds the release binaries, then runs each part of `plan` in turn.
pub(crate) fn run(plan: &Plan) -> Result<Measurements, String> {
    cargo(&[
        "build",
        "--release",
        "--locked",
        "-p",
        "steps-bench",
        "-p",
        "steps-cli",
        "-p",
        "steps-emulator",
    ])?;
    Ok(Measurements {
        codec: codec(plan)?,
        end_to_end: end_to_end(plan)?,
        cli: cli_latency(plan)?,
        build: build_cost()?,
    })
}

/// Criterion's median estimate (ns) for `group/function`.
fn criterion_median(group: &str, function: &str) -> Result<f64, String> {
    let path = target_dir()
        .join("criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let at = text.find("\"median\"").ok_or("no median in estimates")?;
    let rest = &text[at..];
    let at = rest.find("\"point_estimate\":").ok_or("no point estimate")? + "\"point_estimate\":".len();
    let number: String = rest[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number
        .parse()
        .map_err(|_| format!("bad estimate in {}", path.display()))
}

/// `cargo bench -p steps-core --bench codec`, then its criterion medians and
/// the allocation counts it writes to `target/criterion/allocs.txt`.
fn codec(plan: &Plan) -> Result<Vec<CodecCase>, String> {
    let mut args = vec!["bench", "--locked", "-p", "steps-core", "--bench", "codec", "--"];
    args.extend(plan.criterion_args);
    cargo(&args)?;
    let allocs =
        std::fs::read_to_string(target_dir().join("criterion/allocs.txt")).map_err(|e| e.to_string())?;
    let mut cases = Vec::new();
    for line in allocs.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [op, steps_allocs, baseline_allocs] = parts[..] else {
            continue;
        };
        let count = |text: &str| {
            text.parse::<f64>()
                .map_err(|_| format!("bad allocation count {text:?} in allocs.txt"))
        };
        let group = op.replace('.', "_");
        cases.push(CodecCase {
            op: op.to_owned(),
            steps_ns: criterion_median(&group, "steps")?,
            baseline_ns: criterion_median(&group, "baseline")?,
            steps_allocs: count(steps_allocs)?,
            baseline_allocs: count(baseline_allocs)?,
        });
    }
    Ok(cases)
}

/// The version of Python requests, if python3 has it.
fn python_requests() -> Option<String> {
    let output = Command::new("python3")
        .args(["-c", "import requests; print(requests.__version__)"])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Every workload against `steps-bench server`, every client in its own
/// process, interleaved round by round.
fn end_to_end(plan: &Plan) -> Result<Vec<WorkloadRun>, String> {
    let server = Server::start({
        let mut c = Command::new(release("steps-bench"));
        c.arg("server");
        c
    })?;
    let mut runs = Vec::new();
    for workload in &plan.workloads {
        let mut run = WorkloadRun {
            workload: *workload,
            clients: plan
                .clients
                .iter()
                .map(|client| ClientRun {
                    client: *client,
                    req_per_s: Vec::new(),
                    peak_rss_kib: 0.0,
                })
                .collect(),
        };
        for _ in 0..plan.rounds {
            for client_run in &mut run.clients {
                let (rate, rss) = one_client(client_run.client, workload, &server.url)?;
                client_run.req_per_s.push(rate);
                client_run.peak_rss_kib = client_run.peak_rss_kib.max(rss);
            }
        }
        runs.push(run);
    }
    Ok(runs)
}

/// One client process on one workload: its request rate and peak RSS (KiB).
/// Any failed request fails the benchmark.
fn one_client(client: Client, workload: &Workload, url: &str) -> Result<(f64, f64), String> {
    let Workload { op, concurrency, .. } = *workload;
    let n = client.requests(workload.requests).to_string();
    let concurrency = concurrency.to_string();
    let output = match client {
        Client::PythonRequests => Command::new("python3")
            .arg(root().join("bench/python_requests.py"))
            .args([op, &n, &concurrency, url])
            .output(),
        Client::PythonBinding => Command::new(binding_python())
            .arg(root().join("bench/python_binding.py"))
            .args([op, &n, &concurrency, url])
            .output(),
        _ => Command::new(release("steps-bench"))
            .args(["client", client.name(), op, &n, &concurrency, url])
            .output(),
    }
    .map_err(|e| e.to_string())?;
    let name = client.name();
    let text = String::from_utf8_lossy(&output.stdout);
    let result = result_fields(&text)
        .map_err(|e| format!("{name}: {e} {}", String::from_utf8_lossy(&output.stderr)))?;
    let errors = result.get("errors").copied().unwrap_or(0.0);
    if errors > 0.0 {
        return Err(format!("{name} {op} c{concurrency}: {errors} errors"));
    }
    Ok((field(&result, "req_per_s")?, field(&result, "peak_rss_kib")?))
}

/// `steps job-token get 1` against curl with the same headers, each a whole
/// process, against a release emulator on loopback, interleaved.
fn cli_latency(plan: &Plan) -> Result<CliLatency, String> {
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
    let time = |command: &mut Command| -> Result<f64, String> {
        let started = Instant::now();
        let status = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("{command:?} failed"));
        }
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    };
    let mut latency = CliLatency {
        steps_ms: Vec::new(),
        curl_ms: Vec::new(),
    };
    for _ in 0..plan.cli_runs {
        latency.steps_ms.push(time(
            Command::new(release("steps"))
                .args(["job-token", "get", "1"])
                .env("XDG_CONFIG_HOME", &home)
                .env("STEPS_API_URL", url),
        )?);
        latency.curl_ms.push(time(Command::new("curl").args([
            "-sf",
            "-H",
            "accept: application/json",
            "-H",
            "user-agent: steps-rs/0.1.0",
            "-H",
            &format!("authorization: Bearer {token}"),
            &format!("{url}/api/job_token/1"),
        ]))?);
    }
    let _ = std::fs::remove_dir_all(&home);
    Ok(latency)
}

/// `cargo build --release -p steps-core` in a target directory of its own,
/// timed, and the crates `cargo tree` says it builds.
fn build_cost() -> Result<BuildCost, String> {
    let dir = std::env::temp_dir().join(format!("steps-core-build-{}", std::process::id()));
    let started = Instant::now();
    let status = Command::new(cargo_bin())
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "steps-core",
            "--target-dir",
        ])
        .arg(&dir)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() {
        return Err("the clean build of steps-core failed".into());
    }
    let tree = Command::new(cargo_bin())
        .args([
            "tree",
            "--locked",
            "-p",
            "steps-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(root())
        .output()
        .map_err(|e| e.to_string())?;
    let mut crates: Vec<String> = String::from_utf8_lossy(&tree.stdout)
        .lines()
        .map(|l| l.trim_end_matches(" (*)").to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    crates.sort();
    crates.dedup();
    Ok(BuildCost {
        seconds: elapsed.as_secs_f64(),
        cores: cores(),
        crates,
    })
}

/// Available parallelism.
fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The machine, toolchain, crate versions and Python requests.
pub(crate) fn environment() -> Environment {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_default();
    let crates = [
        "hyper",
        "hyper-util",
        "tokio",
        "rustls",
        "reqwest",
        "serde_json",
        "criterion",
    ]
    .into_iter()
    .filter_map(|name| version_in_lock(&lock, name).map(|v| (name, v)))
    .collect();
    Environment {
        cpu,
        cores: cores(),
        memory,
        kernel,
        rustc,
        crates,
        python_requests: python_requests(),
    }
}

/// The version of `name` in the text of Cargo.lock (its first entry).
fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let marker = format!("name = \"{name}\"\nversion = \"");
    let at = lock.find(&marker)? + marker.len();
    Some(lock[at..].split('"').next()?.to_owned())
}

/// The interpreter of the virtual environment `cargo xtask python` makes.
pub(crate) fn binding_python() -> std::path::PathBuf {
    crate::shell::target_dir().join("python-venv/bin/python")
}

/// Whether the Python binding is built: its interpreter imports it.
pub(crate) fn has_binding() -> bool {
    Command::new(binding_python())
        .args(["-c", "import steps_cloud"])
        .output()
        .is_ok_and(|o| o.status.success())
}
