//! Turns [`Measurements`] into text: the Markdown tables (printed, and the
//! body of `docs/benchmarks.md`), the goals, each a `target <name>:
//! <measured> (goal <op> <value>) ok|short` line, and the whole document.
//! Nothing here runs anything.

use std::fmt::Write as _;
use std::time::Duration;

use super::measure::{Environment, Measurements};
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

/// Every goal, in one place, computed from what was measured:
///
/// | goal | measured | comparison | value |
/// |---|---|---|---|
/// | `core_vs_baseline.<op>` | steps-core ns / baseline ns | <= | 1.2 |
/// | `core_worst_ns_per_op (µs, <op>)` | the slowest operation, µs | <= | 2 |
/// | `facade_vs_hyper.<workload>` | median req/s, facade / hyper-util | >= | 0.95 |
/// | `facade_vs_reqwest.<workload>` | median req/s, facade / reqwest | >= | 1 |
/// | `facade_vs_python_requests.<workload>` | median req/s, facade / Python requests | >= | 10 |
/// | `cli_vs_curl` | median ms, `steps` / curl | <= | 2 |
///
/// A client that did not run (Python requests when it is not installed)
/// has no goal.
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
            1.2,
        ));
    }
    if let Some(slowest) = measured
        .codec
        .iter()
        .reduce(|a, b| if b.steps_ns > a.steps_ns { b } else { a })
    {
        goals.push(goal(
            format!("core_worst_ns_per_op (µs, {})", slowest.op),
            slowest.steps_ns / 1000.0,
            AtMost,
            2.0,
        ));
    }
    for run in &measured.end_to_end {
        let median_of = |client| run.client(client).map(|c| median(&c.req_per_s));
        let Some(facade) = median_of(Client::Facade) else {
            continue;
        };
        for (client, name, value) in [
            (Client::Hyper, "facade_vs_hyper", 0.95),
            (Client::Reqwest, "facade_vs_reqwest", 1.0),
            (Client::PythonRequests, "facade_vs_python_requests", 10.0),
        ] {
            if let Some(other) = median_of(client) {
                goals.push(goal(
                    format!("{name}.{}", run.workload.goal_suffix()),
                    facade / other,
                    AtLeast,
                    value,
                ));
            }
        }
    }
    goals.push(goal(
        "cli_vs_curl".to_owned(),
        median(&measured.cli.steps_ms) / median(&measured.cli.curl_ms),
        AtMost,
        2.0,
    ));
    goals
}

/// The Markdown tables, one section per part, as printed after a run.
pub(crate) fn tables(plan: &Plan, measured: &Measurements) -> String {
    let mut report = String::new();
    codec(&mut report, plan, measured);
    end_to_end(&mut report, plan, measured);
    cli_latency(&mut report, plan, measured);
    build_cost(&mut report, measured);
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
fn codec(report: &mut String, plan: &Plan, measured: &Measurements) {
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
         Each client runs in its own process (`steps-bench client KIND OP N CONCURRENCY URL`, `python3 bench/python_requests.py OP N CONCURRENCY URL`), \
         interleaved A B C D A B C D ..., {} rounds; concurrency 1 is one keep-alive connection, 64 is 64 tasks (threads for Python) sharing one client.\n",
        plan.rounds
    );
    if !plan.has_python() {
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
    for run in &measured.end_to_end {
        let hyper = run
            .client(Client::Hyper)
            .map_or(f64::NAN, |c| median(&c.req_per_s));
        for client in &run.clients {
            let (min, max) = range(&client.req_per_s);
            let median = median(&client.req_per_s);
            let _ = writeln!(
                report,
                "| {} | {} | {median:.0} | {min:.0}–{max:.0} | {:.2} | {:.0} |",
                run.workload.label(),
                client.client.name(),
                median / hyper,
                client.peak_rss_kib
            );
        }
    }
}

/// The CLI latency section.
fn cli_latency(report: &mut String, plan: &Plan, measured: &Measurements) {
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
    for (name, values) in [
        ("steps job-token get 1", &measured.cli.steps_ms),
        ("curl (same headers)", &measured.cli.curl_ms),
    ] {
        let (min, max) = range(values);
        let _ = writeln!(report, "| {name} | {:.2} | {min:.2}–{max:.2} |", median(values));
    }
}

/// The build cost section.
fn build_cost(report: &mut String, measured: &Measurements) {
    let build = &measured.build;
    let _ = writeln!(report, "\n## Build cost of embedding the core\n");
    let _ = writeln!(
        report,
        "`cargo build --release -p steps-core` from clean (its own target directory, {} cores): **{:.1} s**, {} crates (normal edges, proc-macros included):\n\n{}",
        build.cores,
        build.seconds,
        build.crates.len(),
        build
            .crates
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
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

    use super::super::measure::{
        BuildCost, CliLatency, ClientRun, CodecCase, Environment, Measurements, WorkloadRun,
    };
    use super::super::plan::{Client, Plan};
    use super::{document, goals, tables};

    /// A small run, every part measured.
    fn measured(plan: &Plan) -> Measurements {
        let case = |op: &str, steps_ns, baseline_ns, steps_allocs, baseline_allocs| CodecCase {
            op: op.to_owned(),
            steps_ns,
            baseline_ns,
            steps_allocs,
            baseline_allocs,
        };
        let client = |client, req_per_s: &[f64], peak_rss_kib| ClientRun {
            client,
            req_per_s: req_per_s.to_vec(),
            peak_rss_kib,
        };
        Measurements {
            codec: vec![
                case("login", 654.2, 812.0, 11.0, 13.0),
                case("job_token.list", 3707.0, 3494.0, 25.0, 24.0),
            ],
            end_to_end: vec![WorkloadRun {
                workload: plan.workloads[0],
                clients: vec![
                    client(Client::Facade, &[10000.0, 11000.0, 9000.0], 6276.0),
                    client(Client::Hyper, &[10000.0, 10000.0, 12000.0], 5180.0),
                    client(Client::Reqwest, &[8000.0, 9500.0, 9000.0], 5756.0),
                ],
            }],
            cli: CliLatency {
                steps_ms: vec![2.0, 2.4, 2.6, 3.0],
                curl_ms: vec![6.0, 7.0, 6.5],
            },
            build: BuildCost {
                seconds: 8.2,
                cores: 2,
                crates: vec!["bytes v1.12.2".to_owned(), "http v1.5.0".to_owned()],
            },
        }
    }

    /// The document of the full run, byte for byte as the bench wrote it
    /// before measuring and reporting were split.
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

Server: `steps-bench server`, a minimal fixed-response hyper server in its own process (the emulator's own cost would hide the clients' differences). Each client runs in its own process (`steps-bench client KIND OP N CONCURRENCY URL`, `python3 bench/python_requests.py OP N CONCURRENCY URL`), interleaved A B C D A B C D ..., 5 rounds; concurrency 1 is one keep-alive connection, 64 is 64 tasks (threads for Python) sharing one client.

Python requests: skipped (python3 or the requests package is not installed).

| workload | client | median req/s | min–max | ratio to hyper-util | peak RSS KiB |
|---|---|---:|---:|---:|---:|
| get ×20000 c1 | facade | 10000 | 9000–11000 | 1.00 | 6276 |
| get ×20000 c1 | hyper | 10000 | 10000–12000 | 1.00 | 5180 |
| get ×20000 c1 | reqwest | 9000 | 8000–9500 | 0.90 | 5756 |

## CLI latency: one `steps job-token get 1` process against `curl`

Against `steps-emulator` on loopback, 20 runs each, interleaved; wall time of the whole process.

| command | median ms | min–max ms |
|---|---:|---:|
| steps job-token get 1 | 2.50 | 2.00–3.00 |
| curl (same headers) | 6.50 | 6.00–7.00 |

## Build cost of embedding the core

`cargo build --release -p steps-core` from clean (its own target directory, 2 cores): **8.2 s**, 2 crates (normal edges, proc-macros included):

`bytes v1.12.2`, `http v1.5.0`

## Goals

```
target core_vs_baseline.login: 0.806 (goal <= 1.2) ok
target core_vs_baseline.job_token.list: 1.061 (goal <= 1.2) ok
target core_worst_ns_per_op (µs, job_token.list): 3.707 (goal <= 2) short
target facade_vs_hyper.get.c1: 1.000 (goal >= 0.95) ok
target facade_vs_reqwest.get.c1: 1.111 (goal >= 1) ok
target cli_vs_curl: 0.385 (goal <= 2) ok
```

## Profile findings
";
        assert_eq!(doc, expected);
    }

    /// Python requests has a goal per workload when it ran.
    #[test]
    fn python_goal_only_when_measured() {
        let plan = Plan::quick();
        let mut measured = measured(&plan);
        let names = |m: &Measurements| goals(m).into_iter().map(|g| g.name).collect::<Vec<_>>();
        assert!(!names(&measured).iter().any(|n| n.contains("python")));
        measured.end_to_end[0].clients.push(ClientRun {
            client: Client::PythonRequests,
            req_per_s: vec![1000.0],
            peak_rss_kib: 30000.0,
        });
        let goals = goals(&measured);
        let python = goals
            .iter()
            .find(|g| g.name == "facade_vs_python_requests.get.c1")
            .expect("a Python goal");
        assert_eq!(
            python.line(),
            "target facade_vs_python_requests.get.c1: 10.000 (goal >= 10) ok"
        );
    }
}
