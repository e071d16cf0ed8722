//! `cargo xtask bench [--quick]`: the core against a hand-written baseline,
//! the stack against raw hyper-util, reqwest and Python requests, the CLI
//! against curl, and the build cost of the core. Prints a table and one
//! `target <name>: <ratio> (goal <goal>) ok|short` line per goal; without
//! `--quick`, also writes `docs/benchmarks.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, root, target_dir};

/// How much work each part does.
struct Plan {
    quick: bool,
    gets: usize,
    creates: usize,
    rounds: usize,
    cli_runs: usize,
    criterion_args: &'static [&'static str],
}

/// One goal and what was measured against it.
struct Target {
    name: String,
    measured: f64,
    goal: String,
    ok: bool,
}

impl Target {
    /// `target <name>: <measured> (goal <goal>) ok|short`.
    fn line(&self) -> String {
        let verdict = if self.ok { "ok" } else { "short" };
        format!(
            "target {}: {:.3} (goal {}) {verdict}",
            self.name, self.measured, self.goal
        )
    }

    fn at_least(name: String, measured: f64, goal: f64) -> Target {
        Target {
            name,
            measured,
            goal: format!(">= {goal}"),
            ok: measured >= goal,
        }
    }

    fn at_most(name: String, measured: f64, goal: f64) -> Target {
        Target {
            name,
            measured,
            goal: format!("<= {goal}"),
            ok: measured <= goal,
        }
    }
}

pub(crate) fn run(quick: bool) -> Result<(), String> {
    let plan = if quick {
        Plan {
            quick,
            gets: 4_000,
            creates: 1_000,
            rounds: 3,
            cli_runs: 10,
            criterion_args: &["--warm-up-time", "0.2", "--measurement-time", "0.6"],
        }
    } else {
        Plan {
            quick,
            gets: 20_000,
            creates: 5_000,
            rounds: 5,
            cli_runs: 20,
            criterion_args: &["--warm-up-time", "1", "--measurement-time", "3"],
        }
    };
    let started = Instant::now();
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
    let mut report = String::new();
    let mut targets = Vec::new();

    codec(&plan, &mut report, &mut targets)?;
    end_to_end(&plan, &mut report, &mut targets)?;
    cli_latency(&plan, &mut report, &mut targets)?;
    build_cost(&mut report)?;

    println!("{report}");
    let _ = writeln!(report, "\n## Goals\n\n```");
    for t in &targets {
        let _ = writeln!(report, "{}", t.line());
    }
    let _ = writeln!(report, "```");
    if !plan.quick {
        // The profile findings are written by hand and kept with the bench.
        let findings = std::fs::read_to_string(root().join("bench/findings.md")).unwrap_or_default();
        let doc = format!("{}\n{report}\n{findings}", header(started.elapsed())?);
        std::fs::write(root().join("docs/benchmarks.md"), doc).map_err(|e| e.to_string())?;
        eprintln!("wrote docs/benchmarks.md");
    }
    for t in &targets {
        println!("{}", t.line());
    }
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
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

fn codec(plan: &Plan, report: &mut String, targets: &mut Vec<Target>) -> Result<(), String> {
    let mut args = vec!["bench", "--locked", "-p", "steps-core", "--bench", "codec", "--"];
    args.extend(plan.criterion_args);
    cargo(&args)?;
    let allocs =
        std::fs::read_to_string(target_dir().join("criterion/allocs.txt")).map_err(|e| e.to_string())?;
    let _ = writeln!(
        report,
        "## Core codec: build the request and parse a typical response\n"
    );
    let _ = writeln!(
        report,
        "`cargo bench -p steps-core --bench codec -- {}` (criterion medians)\n",
        plan.criterion_args.join(" ")
    );
    let _ = writeln!(
        report,
        "| operation | steps-core ns | baseline ns | ratio | allocs steps | allocs baseline |"
    );
    let _ = writeln!(report, "|---|---:|---:|---:|---:|---:|");
    let mut worst_ns: f64 = 0.0;
    let mut worst_ratio: (f64, String) = (0.0, String::new());
    for line in allocs.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [op, steps_allocs, baseline_allocs] = parts[..] else {
            continue;
        };
        let group = op.replace('.', "_");
        let steps = criterion_median(&group, "steps")?;
        let baseline = criterion_median(&group, "baseline")?;
        let ratio = steps / baseline;
        let _ = writeln!(
            report,
            "| {op} | {steps:.0} | {baseline:.0} | {ratio:.2} | {steps_allocs} | {baseline_allocs} |"
        );
        worst_ns = worst_ns.max(steps);
        if ratio > worst_ratio.0 {
            worst_ratio = (ratio, op.to_owned());
        }
        targets.push(Target::at_most(format!("core_vs_baseline.{op}"), ratio, 1.2));
    }
    targets.push(Target::at_most(
        format!("core_worst_ns_per_op (µs, {})", worst_ratio.1),
        worst_ns / 1000.0,
        2.0,
    ));
    Ok(())
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` and waits for a stdout line containing `http`; returns
/// the URL in it.
fn start_server(mut command: Command) -> Result<(Guard, String), String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let guard = Guard(child);
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .ok_or("the server exited before printing its URL")?
            .map_err(|e| e.to_string())?;
        if let Some(at) = line.find("http://") {
            let url = line[at..].split_whitespace().next().unwrap_or("").to_owned();
            // Keep draining its output so it never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return Ok((guard, url));
        }
    }
}

fn release(name: &str) -> PathBuf {
    target_dir().join("release").join(name)
}

/// `key=value` fields of a client's `result` line.
fn parse_result(output: &str) -> Result<BTreeMap<String, f64>, String> {
    let line = output
        .lines()
        .find(|l| l.starts_with("result "))
        .ok_or_else(|| format!("no result line in {output:?}"))?;
    Ok(line
        .split_whitespace()
        .skip(1)
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k.to_owned(), v)))
        .collect())
}

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

fn end_to_end(plan: &Plan, report: &mut String, targets: &mut Vec<Target>) -> Result<(), String> {
    let (_server, url) = start_server({
        let mut c = Command::new(release("steps-bench"));
        c.arg("server");
        c
    })?;
    let python = python_requests();
    let mut clients = vec!["facade", "hyper", "reqwest"];
    if python.is_some() {
        clients.push("python-requests");
    }
    let _ = writeln!(report, "\n## End to end over loopback\n");
    let _ = writeln!(
        report,
        "Server: `steps-bench server`, a minimal fixed-response hyper server in its own process (the emulator's own cost would hide the clients' differences). \
         Each client runs in its own process (`steps-bench client KIND OP N CONCURRENCY URL`, `python3 bench/python_requests.py OP N CONCURRENCY URL`), \
         interleaved A B C D A B C D ..., {} rounds; concurrency 1 is one keep-alive connection, 64 is 64 tasks (threads for Python) sharing one client.\n",
        plan.rounds
    );
    if python.is_none() {
        let _ = writeln!(
            report,
            "Python requests: skipped (python3 or the requests package is not installed).\n"
        );
    }
    let _ = writeln!(
        report,
        "| workload | client | median req/s | min–max | ratio to hyper-util | peak RSS KiB |"
    );
    let _ = writeln!(report, "|---|---|---:|---:|---:|---:|");
    for (op, n) in [("get", plan.gets), ("create", plan.creates)] {
        for concurrency in [1, 64] {
            let mut rates: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            let mut rss: BTreeMap<&str, f64> = BTreeMap::new();
            for _ in 0..plan.rounds {
                for client in &clients {
                    // Python is an order of magnitude slower: a tenth of the work, same rate.
                    let n = if *client == "python-requests" {
                        (n / 10).max(200)
                    } else {
                        n
                    };
                    let output = if *client == "python-requests" {
                        Command::new("python3")
                            .arg(root().join("bench/python_requests.py"))
                            .args([op, &n.to_string(), &concurrency.to_string(), &url])
                            .output()
                    } else {
                        Command::new(release("steps-bench"))
                            .args([
                                "client",
                                client,
                                op,
                                &n.to_string(),
                                &concurrency.to_string(),
                                &url,
                            ])
                            .output()
                    }
                    .map_err(|e| e.to_string())?;
                    let text = String::from_utf8_lossy(&output.stdout);
                    let result = parse_result(&text)
                        .map_err(|e| format!("{client}: {e} {}", String::from_utf8_lossy(&output.stderr)))?;
                    if result.get("errors").copied().unwrap_or(0.0) > 0.0 {
                        return Err(format!(
                            "{client} {op} c{concurrency}: {} errors",
                            result["errors"]
                        ));
                    }
                    rates.entry(client).or_default().push(result["req_per_s"]);
                    let peak = rss.entry(client).or_default();
                    *peak = peak.max(result["peak_rss_kib"]);
                }
            }
            let medians: BTreeMap<&str, f64> =
                rates.iter().map(|(k, v)| (*k, median(&mut v.clone()))).collect();
            for client in &clients {
                let values = &rates[client];
                let (min, max) = values
                    .iter()
                    .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
                let _ = writeln!(
                    report,
                    "| {op} ×{n} c{concurrency} | {client} | {:.0} | {min:.0}–{max:.0} | {:.2} | {:.0} |",
                    medians[client],
                    medians[client] / medians["hyper"],
                    rss[client]
                );
            }
            let facade = medians["facade"];
            let workload = format!("{op}.c{concurrency}");
            targets.push(Target::at_least(
                format!("facade_vs_hyper.{workload}"),
                facade / medians["hyper"],
                0.95,
            ));
            targets.push(Target::at_least(
                format!("facade_vs_reqwest.{workload}"),
                facade / medians["reqwest"],
                1.0,
            ));
            if let Some(python) = medians.get("python-requests") {
                targets.push(Target::at_least(
                    format!("facade_vs_python_requests.{workload}"),
                    facade / python,
                    10.0,
                ));
            }
        }
    }
    Ok(())
}

fn cli_latency(plan: &Plan, report: &mut String, targets: &mut Vec<Target>) -> Result<(), String> {
    let (_emulator, url) = start_server({
        let mut c = Command::new(release("steps-emulator"));
        c.args([
            "--listen",
            "127.0.0.1:0",
            "--user",
            "bench@example.com:bench-password",
        ]);
        c
    })?;
    let home = std::env::temp_dir().join(format!("steps-bench-{}", std::process::id()));
    let steps = |args: &[&str], stdin: &str| -> Result<String, String> {
        let mut child = Command::new(release("steps"))
            .args(args)
            .env("XDG_CONFIG_HOME", &home)
            .env("STEPS_API_URL", &url)
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
    let (mut cli, mut curl) = (Vec::new(), Vec::new());
    for _ in 0..plan.cli_runs {
        cli.push(time(
            Command::new(release("steps"))
                .args(["job-token", "get", "1"])
                .env("XDG_CONFIG_HOME", &home)
                .env("STEPS_API_URL", &url),
        )?);
        curl.push(time(Command::new("curl").args([
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
    let (cli_median, curl_median) = (median(&mut cli), median(&mut curl));
    let _ = writeln!(
        report,
        "\n## CLI latency: one `steps job-token get 1` process against `curl`\n"
    );
    let _ = writeln!(
        report,
        "Against `steps-emulator` on loopback, {} runs each, interleaved; wall time of the whole process.\n",
        plan.cli_runs
    );
    let _ = writeln!(report, "| command | median ms | min–max ms |\n|---|---:|---:|");
    for (name, values) in [("steps job-token get 1", &cli), ("curl (same headers)", &curl)] {
        let (min, max) = values
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let _ = writeln!(
            report,
            "| {name} | {:.2} | {min:.2}–{max:.2} |",
            median(&mut values.clone())
        );
    }
    targets.push(Target::at_most(
        "cli_vs_curl".to_owned(),
        cli_median / curl_median,
        2.0,
    ));
    Ok(())
}

fn build_cost(report: &mut String) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("steps-core-build-{}", std::process::id()));
    let started = Instant::now();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
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
    let tree = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
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
    let _ = writeln!(report, "\n## Build cost of embedding the core\n");
    let _ = writeln!(
        report,
        "`cargo build --release -p steps-core` from clean (its own target directory, {} cores): **{:.1} s**, {} crates (normal edges, proc-macros included):\n\n{}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        elapsed.as_secs_f64(),
        crates.len(),
        crates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

fn header(took: Duration) -> Result<String, String> {
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
    let versions: Vec<String> = [
        "hyper",
        "hyper-util",
        "tokio",
        "rustls",
        "reqwest",
        "serde_json",
        "criterion",
    ]
    .iter()
    .filter_map(|name| version_in_lock(&lock, name).map(|v| format!("{name} {v}")))
    .collect();
    let python = python_requests()
        .map(|v| format!(", Python requests {v}"))
        .unwrap_or_default();
    Ok(format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench` (the full run; `cargo xtask bench --quick` prints a shorter run without writing this file). \
         Release builds. Took {:.0} s.\n\n- Machine: {cpu}, {} cores, {memory}, Linux {kernel}\n- Toolchain: {rustc}\n- Crates: {}{python}\n",
        took.as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        versions.join(", "),
    ))
}

fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let marker = format!("name = \"{name}\"\nversion = \"");
    let at = lock.find(&marker)? + marker.len();
    Some(lock[at..].split('"').next()?.to_owned())
}

/// `cargo xtask load`: 1,000 concurrent tasks make 100,000 mixed requests
/// through the facade against one release-built emulator in its own
/// process; prints errors, p50/p99 latency and both processes' peak RSS.
pub(crate) fn load() -> Result<(), String> {
    cargo(&[
        "build",
        "--release",
        "--locked",
        "-p",
        "steps-bench",
        "-p",
        "steps-emulator",
    ])?;
    let (admin, user) = (
        "load-admin@example.com:load-admin-pw",
        "load-user@example.com:load-user-pw",
    );
    let (emulator, url) = start_server({
        let mut c = Command::new(release("steps-emulator"));
        c.args(["--listen", "127.0.0.1:0", "--admin", admin, "--user", user]);
        c
    })?;
    let command = format!("steps-bench load {url} 1000 100000 {admin} {user}");
    let output = Command::new(release("steps-bench"))
        .args(["load", &url, "1000", "100000", admin, user])
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    let result =
        parse_result(&text).map_err(|e| format!("{e} {}", String::from_utf8_lossy(&output.stderr)))?;
    let status = std::fs::read_to_string(format!("/proc/{}/status", emulator.0.id())).unwrap_or_default();
    let emulator_rss = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    drop(emulator);
    println!("load test: {command}");
    println!(
        "requests {} | errors {} | p50 {} ms | p99 {} ms | {} req/s over {} s | client peak RSS {} KiB | emulator peak RSS {emulator_rss} KiB",
        result["requests"], result["errors"], result["p50_ms"], result["p99_ms"], result["req_per_s"], result["elapsed_s"], result["peak_rss_kib"]
    );
    if result["errors"] > 0.0 {
        return Err(format!("{} requests failed (goal: zero)", result["errors"]));
    }
    Ok(())
}
