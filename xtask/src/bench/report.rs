//! Turns [`Measurements`] into text: the Markdown tables (printed, and the
//! body of `docs/benchmarks.md`), the goals, each a `target <name>:
//! <measured> (goal <op> <value>) ok|short` line, and the whole document.
//! Nothing here runs anything.

use std::fmt::Write as _;
use std::time::Duration;

use super::build::BuildCost;
use super::measure::{CliLatency, Environment, Measurements};
use super::plan::{Client, Plan};

/// How a measured value must compare with its goal.
#[derive(Clone, Copy)]
pub(crate) enum Comparison {
    /// `>=`: higher is better.
    AtLeast,
    /// `<=`: lower is better.
    AtMost,
}

/// One goal and what was measured against it.
pub(crate) struct Goal {
    /// Its name, e.g. `facade_vs_hyper.get.c1`.
    pub(crate) name: String,
    /// The measured value, usually a ratio.
    pub(crate) measured: f64,
    /// How `measured` must compare with `goal`.
    pub(crate) comparison: Comparison,
    /// The goal value.
    pub(crate) goal: f64,
}

impl Goal {
    /// Whether the measured value meets the goal.
    pub(crate) fn met(&self) -> bool {
        match self.comparison {
            Comparison::AtLeast => self.measured >= self.goal,
            Comparison::AtMost => self.measured <= self.goal,
        }
    }

    /// `target <name>: <measured> (goal <op> <value>) ok|short`.
    pub(crate) fn line(&self) -> String {
        let op = match self.comparison {
            Comparison::AtLeast => ">=",
            Comparison::AtMost => "<=",
        };
        let verdict = if self.met() { "ok" } else { "short" };
        format!(
            "target {}: {:.3} (goal {op} {}) {verdict}",
            self.name, self.measured, self.goal
        )
    }
}

/// Every goal, in one place, computed from what was measured (medians over
/// the rounds; CPU is user and system time per request as each client
/// process reports it for its timed requests):
///
/// | goal | measured | comparison | value |
/// |---|---|---|---|
/// | `core_vs_baseline.<op>` | steps-core ns / baseline ns | <= | 1 |
/// | `facade_vs_hyper.<workload>` | req/s, facade / hyper-util | >= | 0.97 |
/// | `facade_cpu_vs_hyper.<workload>` | CPU per request, facade / hyper-util | <= | 1.1 |
/// | `facade_vs_reqwest.<workload>` | req/s, facade / reqwest | >= | 1 |
/// | `facade_cpu_vs_reqwest.<workload>` | CPU per request, facade / reqwest | <= | 0.8 |
/// | `python_requests_cpu_vs_facade.<workload at c1>` | CPU per request, Python requests / facade | >= | 25 |
/// | `facade_vs_python_requests.<workload at c64>` | req/s, facade / Python requests | >= | 10 |
/// | `cli_vs_curl` | wall ms, `steps` / curl | <= | 0.5 |
/// | `cli_cpu_vs_curl` | CPU ms, `steps` / curl | <= | 0.5 |
/// | `build_facade_vs_hyper` | clean build s, facade app / hyper-util app | <= | 1.1 |
/// | `core_build_seconds` | clean build of steps-core, s | <= | 10 |
/// | `core_build_crates` | crates linked into steps-core (proc-macros and their dependencies apart) | <= | 12 |
///
/// A part or a client that did not run (Python requests when it is not
/// installed) has no goal.
pub(crate) fn goals(measured: &Measurements) -> Vec<Goal> {
    use Comparison::{AtLeast, AtMost};
    let goal = |name: String, measured: f64, comparison: Comparison, goal: f64| Goal {
        name,
        measured,
        comparison,
        goal,
    };
    let mut goals = Vec::new();
    for case in &measured.codec {
        goals.push(goal(
            format!("core_vs_baseline.{}", case.op),
            case.ratio(),
            AtMost,
            1.0,
        ));
    }
    for run in &measured.end_to_end {
        let rate = |client| run.client(client).map(|c| median(&c.req_per_s));
        let cpu = |client| run.client(client).map(|c| median(&c.cpu_us_per_req));
        let (Some(facade_rate), Some(facade_cpu)) = (rate(Client::Facade), cpu(Client::Facade)) else {
            continue;
        };
        let suffix = run.workload.goal_suffix();
        let mut push = |name: &str, measured: f64, comparison, value| {
            goals.push(goal(format!("{name}.{suffix}"), measured, comparison, value));
        };
        if let (Some(rate), Some(cpu)) = (rate(Client::Hyper), cpu(Client::Hyper)) {
            push("facade_vs_hyper", facade_rate / rate, AtLeast, 0.97);
            push("facade_cpu_vs_hyper", facade_cpu / cpu, AtMost, 1.1);
        }
        if let (Some(rate), Some(cpu)) = (rate(Client::Reqwest), cpu(Client::Reqwest)) {
            push("facade_vs_reqwest", facade_rate / rate, AtLeast, 1.0);
            push("facade_cpu_vs_reqwest", facade_cpu / cpu, AtMost, 0.8);
        }
        if let (Some(rate), Some(cpu)) = (rate(Client::PythonRequests), cpu(Client::PythonRequests)) {
            // At concurrency 1 every client waits a loopback round trip per
            // request, so there the rate measures the loopback; CPU per
            // request measures the client.
            if run.workload.concurrency == 1 {
                push("python_requests_cpu_vs_facade", cpu / facade_cpu, AtLeast, 25.0);
            } else {
                push("facade_vs_python_requests", facade_rate / rate, AtLeast, 10.0);
            }
        }
    }
    if let Some(cli) = &measured.cli {
        goals.push(goal(
            "cli_vs_curl".to_owned(),
            median(&cli.steps_ms) / median(&cli.curl_ms),
            AtMost,
            0.5,
        ));
        goals.push(goal(
            "cli_cpu_vs_curl".to_owned(),
            median(&cli.steps_cpu_ms) / median(&cli.curl_cpu_ms),
            AtMost,
            0.5,
        ));
    }
    if let Some(build) = &measured.build {
        goals.push(goal(
            "build_facade_vs_hyper".to_owned(),
            median(&build.facade_app.seconds) / median(&build.hyper_app.seconds),
            AtMost,
            1.1,
        ));
        goals.push(goal(
            "core_build_seconds".to_owned(),
            median(&build.core.seconds),
            AtMost,
            10.0,
        ));
        goals.push(goal(
            "core_build_crates".to_owned(),
            build.core.crates.linked.len() as f64,
            AtMost,
            12.0,
        ));
    }
    goals
}

/// The Markdown tables, one section per part that ran, as printed after a
/// run.
pub(crate) fn tables(plan: &Plan, measured: &Measurements) -> String {
    let mut report = String::new();
    if let Some(criterion_args) = plan.criterion_args {
        codec(&mut report, criterion_args, measured);
    }
    if !measured.end_to_end.is_empty() {
        end_to_end(&mut report, plan, measured);
    }
    if let Some(cli) = &measured.cli {
        cli_latency(&mut report, plan, cli);
    }
    if let Some(build) = &measured.build {
        build_cost(&mut report, plan, build);
    }
    report
}

/// The whole of `docs/benchmarks.md`: the header, the tables, the goals and
/// the hand-written findings.
pub(crate) fn document(
    environment: &Environment,
    took: Duration,
    tables: &str,
    goals: &[Goal],
    findings: &str,
) -> String {
    let mut goal_lines = String::new();
    for goal in goals {
        let _ = writeln!(goal_lines, "{}", goal.line());
    }
    format!(
        "{}\n{tables}\n## Goals\n\n```\n{goal_lines}```\n\n{findings}",
        header(environment, took)
    )
}

/// The document's title, how it was written, and the machine.
fn header(environment: &Environment, took: Duration) -> String {
    let Environment {
        cpu,
        cores,
        memory,
        kernel,
        rustc,
        crates,
        python_requests,
    } = environment;
    let crates: Vec<String> = crates
        .iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    let python = python_requests
        .as_ref()
        .map(|v| format!(", Python requests {v}"))
        .unwrap_or_default();
    format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench` (the full run; `cargo xtask bench --quick` prints a shorter run without writing this file). \
         Release builds. Took {:.0} s.\n\n- Machine: {cpu}, {cores} cores, {memory}, Linux {kernel}\n- Toolchain: {rustc}\n- Crates: {}{python}\n",
        took.as_secs_f64(),
        crates.join(", "),
    )
}

/// The core codec section.
fn codec(report: &mut String, criterion_args: &[&str], measured: &Measurements) {
    let _ = writeln!(
        report,
        "## Core codec: build the request and parse a typical response\n"
    );
    let _ = writeln!(
        report,
        "`cargo bench -p steps-core --bench codec -- {}` (criterion medians)\n",
        criterion_args.join(" ")
    );
    let _ = writeln!(
        report,
        "| operation | steps-core ns | baseline ns | ratio | allocs steps | allocs baseline |"
    );
    let _ = writeln!(report, "|---|---:|---:|---:|---:|---:|");
    for case in &measured.codec {
        let _ = writeln!(
            report,
            "| {} | {:.0} | {:.0} | {:.2} | {} | {} |",
            case.op,
            case.steps_ns,
            case.baseline_ns,
            case.ratio(),
            case.steps_allocs,
            case.baseline_allocs
        );
    }
}

/// The end-to-end section.
fn end_to_end(report: &mut String, plan: &Plan, measured: &Measurements) {
    let _ = writeln!(report, "\n## End to end over loopback\n");
    let _ = writeln!(
        report,
        "Server: `steps-bench server`, a minimal fixed-response hyper server in its own process (the emulator's own cost would hide the clients' differences). \
         Each client runs in its own process (`steps-bench client KIND OP N CONCURRENCY URL`, `python3 bench/python_requests.py OP N CONCURRENCY URL`, \
         `bench/python_binding.py` with the same arguments), interleaved A B C D A B C D ..., {} rounds; concurrency 1 is one keep-alive connection, \
         64 is 64 tasks (threads for `blocking` and Python) sharing one client. Python makes a tenth of the requests.\n",
        plan.rounds
    );
    let _ = writeln!(
        report,
        "CPU µs/req is the user and system CPU time of the client process (every thread) while its timed requests ran, as the process itself reads it \
         (`getrusage(RUSAGE_SELF)`), divided by the requests; process CPU ms is the whole process, start-up and warm-up included \
         (`getrusage(RUSAGE_CHILDREN)` in xtask). The server's CPU is in neither. Medians over the rounds.\n"
    );
    if !plan.has_python() {
        let _ = writeln!(
            report,
            "Python requests: skipped (python3 or the requests package is not installed).\n"
        );
    }
    let _ = writeln!(
        report,
        "| workload | client | median req/s | min–max | ratio to hyper-util | CPU µs/req | min–max | CPU ratio to hyper-util | process CPU ms | peak RSS KiB |"
    );
    let _ = writeln!(report, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for run in &measured.end_to_end {
        let (hyper_rate, hyper_cpu) = run.client(Client::Hyper).map_or((f64::NAN, f64::NAN), |c| {
            (median(&c.req_per_s), median(&c.cpu_us_per_req))
        });
        for client in &run.clients {
            let (min, max) = range(&client.req_per_s);
            let (cpu_min, cpu_max) = range(&client.cpu_us_per_req);
            let rate = median(&client.req_per_s);
            let cpu = median(&client.cpu_us_per_req);
            let _ = writeln!(
                report,
                "| {} | {} | {rate:.0} | {min:.0}–{max:.0} | {:.2} | {cpu:.1} | {cpu_min:.1}–{cpu_max:.1} | {:.2} | {:.0} | {:.0} |",
                run.workload.label(),
                client.client.name(),
                rate / hyper_rate,
                cpu / hyper_cpu,
                median(&client.process_cpu_ms),
                client.peak_rss_kib
            );
        }
    }
}

/// The CLI latency section.
fn cli_latency(report: &mut String, plan: &Plan, cli: &CliLatency) {
    let _ = writeln!(
        report,
        "\n## CLI latency: one `steps job-token get 1` process against `curl`\n"
    );
    let _ = writeln!(
        report,
        "Against `steps-emulator` on loopback, {} runs each, interleaved; wall time and CPU time (user and system, `getrusage(RUSAGE_CHILDREN)`) of the whole process.\n",
        plan.cli_runs
    );
    let _ = writeln!(
        report,
        "| command | median ms | min–max ms | median CPU ms | min–max CPU ms |\n|---|---:|---:|---:|---:|"
    );
    for (name, wall, cpu) in [
        ("steps job-token get 1", &cli.steps_ms, &cli.steps_cpu_ms),
        ("curl (same headers)", &cli.curl_ms, &cli.curl_cpu_ms),
    ] {
        let (min, max) = range(wall);
        let (cpu_min, cpu_max) = range(cpu);
        let _ = writeln!(
            report,
            "| {name} | {:.2} | {min:.2}–{max:.2} | {:.2} | {cpu_min:.2}–{cpu_max:.2} |",
            median(wall),
            median(cpu)
        );
    }
}

/// The build cost section.
fn build_cost(report: &mut String, plan: &Plan, build: &BuildCost) {
    let _ = writeln!(report, "\n## Build cost\n");
    let _ = writeln!(
        report,
        "Clean release builds, each in a fresh target directory of its own ({} cores), interleaved, rounds: {}. \
         `facade-app` and `hyper-app` (`bench/build-cost/`) are the same program, a whoami against a URL, on the facade \
         (`steps::blocking`) and on bare hyper-util and hyper-rustls with the workspace's features; both build the versions in the workspace's Cargo.lock. \
         Crates: linked are the normal dependencies without proc-macros and what only they need (`cargo tree -e normal,no-proc-macro`); \
         build-time are the proc-macros, build-dependencies and what only they need (the rest of `cargo tree -e normal,build`). \
         Each subject counts itself.\n",
        build.cores, plan.build_rounds
    );
    let _ = writeln!(
        report,
        "| build | median s | runs s | crates | linked | build-time (proc-macros) |\n|---|---:|---:|---:|---:|---:|"
    );
    for (name, subject) in [
        ("`cargo build --release -p steps-core`", &build.core),
        ("facade-app (steps)", &build.facade_app),
        ("hyper-app (hyper-util)", &build.hyper_app),
    ] {
        let runs: Vec<String> = subject.seconds.iter().map(|s| format!("{s:.1}")).collect();
        let crates = &subject.crates;
        let _ = writeln!(
            report,
            "| {name} | {:.1} | {} | {} | {} | {} ({}) |",
            median(&subject.seconds),
            runs.join(", "),
            crates.total(),
            crates.linked.len(),
            crates.build_time.len(),
            crates.proc_macros()
        );
    }
    let list = |crates: &[String]| {
        if crates.is_empty() {
            return "nothing".to_owned();
        }
        crates
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let core = &build.core.crates;
    let _ = writeln!(
        report,
        "\nsteps-core links {}; builds for compile time {}.",
        list(&core.linked),
        list(&core.build_time)
    );
    let names = |crates: &super::build::Crates| -> Vec<String> {
        crates.linked.iter().chain(&crates.build_time).cloned().collect()
    };
    let (facade, hyper) = (names(&build.facade_app.crates), names(&build.hyper_app.crates));
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        let mut only: Vec<String> = a.iter().filter(|c| !b.contains(c)).cloned().collect();
        only.sort();
        only
    };
    let _ = writeln!(
        report,
        "\nOnly in facade-app: {}. Only in hyper-app: {}.",
        list(&only(&facade, &hyper)),
        list(&only(&hyper, &facade))
    );
}

/// The median of `values` (NaN when empty).
fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
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

/// The smallest and the largest of `values`.
fn range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::build::{Build, BuildCost, Crates};
    use super::super::measure::{CliLatency, ClientRun, CodecCase, Environment, Measurements, WorkloadRun};
    use super::super::plan::{Client, Plan};
    use super::{document, goals, tables};

    /// A client's samples: rates, CPU µs per request, peak RSS.
    fn client(client: Client, req_per_s: &[f64], cpu_us_per_req: &[f64], peak_rss_kib: f64) -> ClientRun {
        ClientRun {
            client,
            req_per_s: req_per_s.to_vec(),
            cpu_us_per_req: cpu_us_per_req.to_vec(),
            process_cpu_ms: cpu_us_per_req.iter().map(|us| us * 20.0 + 2.0).collect(),
            peak_rss_kib,
        }
    }

    /// A small run, every part measured.
    fn measured(plan: &Plan) -> Measurements {
        let case = |op: &str, steps_ns, baseline_ns, steps_allocs, baseline_allocs| CodecCase {
            op: op.to_owned(),
            steps_ns,
            baseline_ns,
            steps_allocs,
            baseline_allocs,
        };
        let crates = |linked: &[&str], build_time: &[&str]| Crates {
            linked: linked.iter().map(|c| c.to_string()).collect(),
            build_time: build_time.iter().map(|c| c.to_string()).collect(),
        };
        Measurements {
            codec: vec![
                case("login", 654.2, 812.0, 11.0, 13.0),
                case("job_token.list", 3707.0, 3494.0, 25.0, 24.0),
            ],
            end_to_end: vec![WorkloadRun {
                workload: plan.workloads[0],
                clients: vec![
                    client(
                        Client::Facade,
                        &[10000.0, 11000.0, 9000.0],
                        &[30.0, 33.0, 31.0],
                        6276.0,
                    ),
                    client(
                        Client::Hyper,
                        &[10000.0, 10000.0, 12000.0],
                        &[28.0, 27.0, 29.0],
                        5180.0,
                    ),
                    client(
                        Client::Reqwest,
                        &[8000.0, 9500.0, 9000.0],
                        &[40.0, 42.0, 41.0],
                        5756.0,
                    ),
                ],
            }],
            cli: Some(CliLatency {
                steps_ms: vec![2.0, 2.4, 2.6, 3.0],
                curl_ms: vec![6.0, 7.0, 6.5],
                steps_cpu_ms: vec![1.0, 1.2, 1.1, 1.3],
                curl_cpu_ms: vec![4.0, 4.5, 5.0],
            }),
            build: Some(BuildCost {
                cores: 2,
                core: Build {
                    seconds: vec![8.2, 8.6],
                    crates: crates(
                        &["bytes v1.12.2", "http v1.5.0"],
                        &["serde_derive v1.0.229 (proc-macro)", "syn v3.0.10"],
                    ),
                },
                facade_app: Build {
                    seconds: vec![50.0, 52.0],
                    crates: crates(&["bytes v1.12.2", "steps v0.1.0"], &["syn v3.0.10"]),
                },
                hyper_app: Build {
                    seconds: vec![46.0, 48.0],
                    crates: crates(&["bytes v1.12.2", "hyper v1.12.0"], &["syn v3.0.10"]),
                },
            }),
        }
    }

    /// The document of the full run, byte for byte.
    #[test]
    fn document_format() {
        let plan = Plan::full().without_python();
        let measured = measured(&plan);
        let environment = Environment {
            cpu: "AMD EPYC".to_owned(),
            cores: 2,
            memory: "23.5 GiB".to_owned(),
            kernel: "6.18".to_owned(),
            rustc: "rustc 1.95.0".to_owned(),
            crates: vec![("hyper", "1.12.0".to_owned()), ("tokio", "1.54.1".to_owned())],
            python_requests: None,
        };
        let tables = tables(&plan, &measured);
        let goals = goals(&measured);
        let doc = document(
            &environment,
            Duration::from_secs(217),
            &tables,
            &goals,
            "## Profile findings\n",
        );
        let expected = "# Benchmarks

Written by `cargo xtask bench` (the full run; `cargo xtask bench --quick` prints a shorter run without writing this file). Release builds. Took 217 s.

- Machine: AMD EPYC, 2 cores, 23.5 GiB, Linux 6.18
- Toolchain: rustc 1.95.0
- Crates: hyper 1.12.0, tokio 1.54.1

## Core codec: build the request and parse a typical response

`cargo bench -p steps-core --bench codec -- --warm-up-time 1 --measurement-time 3` (criterion medians)

| operation | steps-core ns | baseline ns | ratio | allocs steps | allocs baseline |
|---|---:|---:|---:|---:|---:|
| login | 654 | 812 | 0.81 | 11 | 13 |
| job_token.list | 3707 | 3494 | 1.06 | 25 | 24 |

## End to end over loopback

Server: `steps-bench server`, a minimal fixed-response hyper server in its own process (the emulator's own cost would hide the clients' differences). \
Each client runs in its own process (`steps-bench client KIND OP N CONCURRENCY URL`, `python3 bench/python_requests.py OP N CONCURRENCY URL`, \
`bench/python_binding.py` with the same arguments), interleaved A B C D A B C D ..., 5 rounds; concurrency 1 is one keep-alive connection, \
64 is 64 tasks (threads for `blocking` and Python) sharing one client. Python makes a tenth of the requests.

CPU µs/req is the user and system CPU time of the client process (every thread) while its timed requests ran, as the process itself reads it \
(`getrusage(RUSAGE_SELF)`), divided by the requests; process CPU ms is the whole process, start-up and warm-up included \
(`getrusage(RUSAGE_CHILDREN)` in xtask). The server's CPU is in neither. Medians over the rounds.

Python requests: skipped (python3 or the requests package is not installed).

| workload | client | median req/s | min–max | ratio to hyper-util | CPU µs/req | min–max | CPU ratio to hyper-util | process CPU ms | peak RSS KiB |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
| get ×20000 c1 | facade | 10000 | 9000–11000 | 1.00 | 31.0 | 30.0–33.0 | 1.11 | 622 | 6276 |
| get ×20000 c1 | hyper | 10000 | 10000–12000 | 1.00 | 28.0 | 27.0–29.0 | 1.00 | 562 | 5180 |
| get ×20000 c1 | reqwest | 9000 | 8000–9500 | 0.90 | 41.0 | 40.0–42.0 | 1.46 | 822 | 5756 |

## CLI latency: one `steps job-token get 1` process against `curl`

Against `steps-emulator` on loopback, 20 runs each, interleaved; wall time and CPU time (user and system, `getrusage(RUSAGE_CHILDREN)`) of the whole process.

| command | median ms | min–max ms | median CPU ms | min–max CPU ms |
|---|---:|---:|---:|---:|
| steps job-token get 1 | 2.50 | 2.00–3.00 | 1.15 | 1.00–1.30 |
| curl (same headers) | 6.50 | 6.00–7.00 | 4.50 | 4.00–5.00 |

## Build cost

Clean release builds, each in a fresh target directory of its own (2 cores), interleaved, rounds: 3. \
`facade-app` and `hyper-app` (`bench/build-cost/`) are the same program, a whoami against a URL, on the facade \
(`steps::blocking`) and on bare hyper-util and hyper-rustls with the workspace's features; both build the versions in the workspace's Cargo.lock. \
Crates: linked are the normal dependencies without proc-macros and what only they need (`cargo tree -e normal,no-proc-macro`); \
build-time are the proc-macros, build-dependencies and what only they need (the rest of `cargo tree -e normal,build`). \
Each subject counts itself.

| build | median s | runs s | crates | linked | build-time (proc-macros) |
|---|---:|---:|---:|---:|---:|
| `cargo build --release -p steps-core` | 8.4 | 8.2, 8.6 | 4 | 2 | 2 (1) |
| facade-app (steps) | 51.0 | 50.0, 52.0 | 3 | 2 | 1 (0) |
| hyper-app (hyper-util) | 47.0 | 46.0, 48.0 | 3 | 2 | 1 (0) |

steps-core links `bytes v1.12.2`, `http v1.5.0`; builds for compile time `serde_derive v1.0.229 (proc-macro)`, `syn v3.0.10`.

Only in facade-app: `steps v0.1.0`. Only in hyper-app: `hyper v1.12.0`.

## Goals

```
target core_vs_baseline.login: 0.806 (goal <= 1) ok
target core_vs_baseline.job_token.list: 1.061 (goal <= 1) short
target facade_vs_hyper.get.c1: 1.000 (goal >= 0.97) ok
target facade_cpu_vs_hyper.get.c1: 1.107 (goal <= 1.1) short
target facade_vs_reqwest.get.c1: 1.111 (goal >= 1) ok
target facade_cpu_vs_reqwest.get.c1: 0.756 (goal <= 0.8) ok
target cli_vs_curl: 0.385 (goal <= 0.5) ok
target cli_cpu_vs_curl: 0.256 (goal <= 0.5) ok
target build_facade_vs_hyper: 1.085 (goal <= 1.1) ok
target core_build_seconds: 8.400 (goal <= 10) ok
target core_build_crates: 2.000 (goal <= 12) ok
```

## Profile findings
";
        assert_eq!(doc, expected);
    }

    /// Python requests has a goal per workload when it ran: CPU per request
    /// at concurrency 1, throughput above it.
    #[test]
    fn python_goal_only_when_measured() {
        let plan = Plan::quick();
        let mut measured = measured(&plan);
        let names = |m: &Measurements| goals(m).into_iter().map(|g| g.name).collect::<Vec<_>>();
        assert!(!names(&measured).iter().any(|n| n.contains("python")));
        measured.end_to_end[0]
            .clients
            .push(client(Client::PythonRequests, &[1000.0], &[800.0], 30000.0));
        let goals = goals(&measured);
        let python: Vec<String> = goals
            .iter()
            .filter(|g| g.name.contains("python"))
            .map(|g| g.line())
            .collect();
        assert_eq!(
            python,
            ["target python_requests_cpu_vs_facade.get.c1: 25.806 (goal >= 25) ok"]
        );
    }

    /// `--build-cost` prints the build cost section and its goals alone.
    #[test]
    fn build_cost_alone() {
        let plan = Plan::build_cost();
        let mut measured = measured(&Plan::quick());
        measured.codec.clear();
        measured.end_to_end.clear();
        measured.cli = None;
        let tables = tables(&plan, &measured);
        assert!(tables.starts_with("\n## Build cost\n"), "{tables}");
        let names: Vec<String> = goals(&measured).into_iter().map(|g| g.name).collect();
        assert_eq!(
            names,
            ["build_facade_vs_hyper", "core_build_seconds", "core_build_crates"]
        );
    }
}
