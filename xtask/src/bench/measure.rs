//! Runs the benchmark's parts and returns what they measured as plain data:
//! criterion medians and allocation counts, request rates, CPU time and peak
//! RSS per client, process wall and CPU times, build costs ([`super::build`]),
//! and the machine it ran on. Nothing here formats a report.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::build::{self, BuildCost};
use super::plan::{Client, Plan, Workload};
use crate::shell::{cargo, field, release, result_fields, root, target_dir, Server};

/// Everything one `cargo xtask bench` run measured; a part the plan left
/// out is empty or `None`.
pub(crate) struct Measurements {
    /// The core codec, one case per operation, in the benchmark's order.
    pub(crate) codec: Vec<CodecCase>,
    /// The end-to-end workloads, in the plan's order.
    pub(crate) end_to_end: Vec<WorkloadRun>,
    /// The CLI against curl.
    pub(crate) cli: Option<CliLatency>,
    /// The clean builds.
    pub(crate) build: Option<BuildCost>,
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
    /// User and system CPU time per request, in µs, one per round: what the
    /// client process itself reports (`getrusage(RUSAGE_SELF)`) for the
    /// timed requests, warm-up and start-up left out.
    pub(crate) cpu_us_per_req: Vec<f64>,
    /// User and system CPU time of the whole process, start-up and warm-up
    /// included, in ms, one per round (`getrusage(RUSAGE_CHILDREN)` here).
    pub(crate) process_cpu_ms: Vec<f64>,
    /// The highest peak RSS of its processes, in KiB.
    pub(crate) peak_rss_kib: f64,
}

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
    if !plan.workloads.is_empty() || plan.cli_runs > 0 {
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
    }
    Ok(Measurements {
        codec: match plan.criterion_args {
            Some(args) => codec(args)?,
            None => Vec::new(),
        },
        end_to_end: end_to_end(plan)?,
        cli: if plan.cli_runs > 0 {
            Some(cli_latency(plan)?)
        } else {
            None
        },
        build: if plan.build_rounds > 0 {
            Some(build::measure(plan.build_rounds)?)
        } else {
            None
        },
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
fn codec(criterion_args: &[&str]) -> Result<Vec<CodecCase>, String> {
    let mut args = vec!["bench", "--locked", "-p", "steps-core", "--bench", "codec", "--"];
    args.extend(criterion_args);
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
    if plan.workloads.is_empty() {
        return Ok(Vec::new());
    }
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
                    cpu_us_per_req: Vec::new(),
                    process_cpu_ms: Vec::new(),
                    peak_rss_kib: 0.0,
                })
                .collect(),
        };
        for _ in 0..plan.rounds {
            for client_run in &mut run.clients {
                let sample = one_client(client_run.client, workload, &server.url)?;
                client_run.req_per_s.push(sample.req_per_s);
                client_run.cpu_us_per_req.push(sample.cpu_us_per_req);
                client_run.process_cpu_ms.push(sample.process_cpu_ms);
                client_run.peak_rss_kib = client_run.peak_rss_kib.max(sample.peak_rss_kib);
            }
        }
        runs.push(run);
    }
    Ok(runs)
}

/// What one client process measured on one workload.
struct Sample {
    /// Requests per second.
    req_per_s: f64,
    /// CPU time per timed request, µs, as the process reported it.
    cpu_us_per_req: f64,
    /// CPU time of the whole process, ms.
    process_cpu_ms: f64,
    /// Peak RSS, KiB.
    peak_rss_kib: f64,
}

/// One client process on one workload. Any failed request fails the
/// benchmark.
fn one_client(client: Client, workload: &Workload, url: &str) -> Result<Sample, String> {
    let Workload { op, concurrency, .. } = *workload;
    let requests = client.requests(workload.requests);
    let n = requests.to_string();
    let concurrency = concurrency.to_string();
    let cpu = children_cpu_us();
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
    let process_cpu_ms = (children_cpu_us() - cpu) / 1000.0;
    let name = client.name();
    let text = String::from_utf8_lossy(&output.stdout);
    let result = result_fields(&text)
        .map_err(|e| format!("{name}: {e} {}", String::from_utf8_lossy(&output.stderr)))?;
    let errors = result.get("errors").copied().unwrap_or(0.0);
    if errors > 0.0 {
        return Err(format!("{name} {op} c{concurrency}: {errors} errors"));
    }
    Ok(Sample {
        req_per_s: field(&result, "req_per_s")?,
        cpu_us_per_req: field(&result, "cpu_us")? / requests as f64,
        process_cpu_ms,
        peak_rss_kib: field(&result, "peak_rss_kib")?,
    })
}

/// The user and system CPU time of every child process this one has waited
/// for, in µs: `getrusage(RUSAGE_CHILDREN)`, which std does not offer. The
/// difference across one child's run and wait is that child's CPU time (this
/// process waits for nothing else meanwhile).
#[allow(unsafe_code)]
pub(crate) fn children_cpu_us() -> f64 {
    // SAFETY: an all-zero `rusage` is valid (it holds only integers), and
    // getrusage writes nothing but the `rusage` it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) != 0 {
            return f64::NAN;
        }
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

/// `steps job-token get 1` against curl with the same headers, each a whole
/// process, against a release emulator on loopback, interleaved: wall time
/// and CPU time of each.
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

/// Available parallelism.
pub(crate) fn cores() -> usize {
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
