//! The report of a small made-up run, every part measured: the document byte
//! for byte, and the goals of the runs that leave parts out.

use std::time::Duration;

use super::{document, goals, tables};
use crate::bench::build::{Build, BuildCost, Crates};
use crate::bench::cli_latency::CliLatency;
use crate::bench::codec::CodecCase;
use crate::bench::end_to_end::{ClientRun, WorkloadRun};
use crate::bench::environment::Environment;
use crate::bench::instructions::{InstructionCount, Instructions};
use crate::bench::measure::Measurements;
use crate::bench::plan::{Client, Plan};

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
    // Intervals of ±1% (play 0.02), and ±8% for a noisy case (play 0.16).
    let case =
        |op: &str, steps_ns: f64, baseline_ns: f64, steps_allocs, baseline_allocs, spread: f64| CodecCase {
            op: op.to_owned(),
            steps_ns,
            baseline_ns,
            steps_interval: (steps_ns * (1.0 - spread), steps_ns * (1.0 + spread)),
            baseline_interval: (baseline_ns * (1.0 - spread), baseline_ns * (1.0 + spread)),
            steps_allocs,
            baseline_allocs,
        };
    let crates = |linked: &[&str], build_time: &[&str]| Crates {
        linked: linked.iter().map(|c| c.to_string()).collect(),
        build_time: build_time.iter().map(|c| c.to_string()).collect(),
    };
    Measurements {
        codec: vec![
            case("login", 654.2, 812.0, 11.0, 13.0, 0.01),
            case("job_token.list", 3707.0, 3494.0, 25.0, 24.0, 0.08),
        ],
        instructions: Instructions::Counted(vec![
            InstructionCount {
                workload: plan.workloads[0],
                client: Client::Facade,
                per_request: 41_600.0,
            },
            InstructionCount {
                workload: plan.workloads[0],
                client: Client::Hyper,
                per_request: 39_000.0,
            },
        ]),
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
            cli: Build {
                seconds: vec![120.0],
                crates: crates(&["keyring v3.6.3", "steps-cli v0.1.0"], &["syn v3.0.10"]),
            },
            cli_without_keyring: Build {
                seconds: vec![100.5],
                crates: crates(&["steps-cli v0.1.0"], &["syn v3.0.10"]),
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
        load: "0.08 0.20 0.31".to_owned(),
        python: None,
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
- Load when the run began (1, 5, 15 min): 0.08 0.20 0.31
- Toolchain: rustc 1.95.0
- Crates: hyper 1.12.0, tokio 1.54.1

## Core codec: build the request and parse a typical response

`cargo bench -p steps-core --bench codec -- --warm-up-time 1 --measurement-time 3` (criterion medians)

| operation | steps-core ns | baseline ns | ratio | ratio's play | allocs steps | allocs baseline |
|---|---:|---:|---:|---:|---:|---:|
| login | 654 | 812 | 0.81 | 0.03 | 11 | 13 |
| job_token.list | 3707 | 3494 | 1.06 | 0.34 noisy | 25 | 24 |

The ratio's play is how far the ratio may move within both medians' 95% confidence intervals; over 0.1 it is marked noisy (another run may move the ratio by more than 0.1).

## End to end over loopback

Server: `steps-bench server`, a minimal fixed-response hyper server in its own process (the emulator's own cost would hide the clients' differences). Each client runs in its own process (`steps-bench client KIND OP N CONCURRENCY URL`, `bench/python_requests.py OP N CONCURRENCY URL`, `bench/python_binding.py` with the same arguments), interleaved A B C D A B C D ..., 5 rounds; concurrency 1 is one keep-alive connection, 64 is 64 tasks (threads for `blocking`, `reqwest-blocking`, `ureq` and Python) sharing one client. Both Python clients run in the bench's own environment on one interpreter, the binding as a release wheel, with one harness (`bench/harness.py`): a plain loop at concurrency 1, a thread pool at 64. Python makes a tenth of the requests.

CPU µs/req is the user and system CPU time of the client process (every thread) while its timed requests ran, as the process itself reads it (`getrusage(RUSAGE_SELF)`), divided by the requests; process CPU ms is the whole process, start-up and warm-up included (`getrusage(RUSAGE_CHILDREN)` in xtask). The server's CPU is in neither. Medians over the rounds.

Python clients: skipped (no python3, or the bench's Python environment could not be made).

| workload | client | median req/s | min–max | ratio to hyper-util | CPU µs/req | min–max | CPU ratio to hyper-util | process CPU ms | peak RSS KiB |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
| get ×20000 c1 | facade | 10000 | 9000–11000 | 1.00 | 31.0 | 30.0–33.0 | 1.11 | 622 | 6276 |
| get ×20000 c1 | hyper | 10000 | 10000–12000 | 1.00 | 28.0 | 27.0–29.0 | 1.00 | 562 | 5180 |
| get ×20000 c1 | reqwest | 9000 | 8000–9500 | 0.90 | 41.0 | 40.0–42.0 | 1.46 | 822 | 5756 |

## Instructions per request

Each client process under valgrind's callgrind against `steps-bench server`, twice, with a small and a large request count; the difference of the totals over the difference of the counts, so that start-up and warm-up cancel out. User-space instructions of every thread of the client process: the same for the same binary and inputs whatever else the machine does (the kernel's work is not in them). Python clients at concurrency 1 only.

| workload | client | instructions/req | ratio to hyper-util |
|---|---|---:|---:|
| get c1 | facade | 41600 | 1.07 |
| get c1 | hyper | 39000 | 1.00 |

## CLI latency: one `steps job-token get 1` process against `curl`

Against `steps-emulator` on loopback, 20 runs each, interleaved; wall time and CPU time (user and system, `getrusage(RUSAGE_CHILDREN)`) of the whole process.

| command | median ms | min–max ms | median CPU ms | min–max CPU ms |
|---|---:|---:|---:|---:|
| steps job-token get 1 | 2.50 | 2.00–3.00 | 1.15 | 1.00–1.30 |
| curl (same headers) | 6.50 | 6.00–7.00 | 4.50 | 4.00–5.00 |

## Build cost

Clean release builds, each in a fresh target directory of its own (2 cores), interleaved, rounds: 3. `facade-app` and `hyper-app` (`bench/build-cost/`) are the same program, a whoami against a URL, on the facade (`steps::blocking`) and on bare hyper-util and hyper-rustls with the workspace's features; both build the versions in the workspace's Cargo.lock. Crates: linked are the normal dependencies without proc-macros and what only they need (`cargo tree -e normal,no-proc-macro`); build-time are the proc-macros, build-dependencies and what only they need (the rest of `cargo tree -e normal,build`). Each subject counts itself. The `steps` binary is built once a run, with its default features (`keyring`: the OS credential store) and without.

| build | median s | runs s | crates | linked | build-time (proc-macros) |
|---|---:|---:|---:|---:|---:|
| `cargo build --release -p steps-core` | 8.4 | 8.2, 8.6 | 4 | 2 | 2 (1) |
| facade-app (steps) | 51.0 | 50.0, 52.0 | 3 | 2 | 1 (0) |
| hyper-app (hyper-util) | 47.0 | 46.0, 48.0 | 3 | 2 | 1 (0) |
| `steps` (steps-cli, default features) | 120.0 | 120.0 | 3 | 2 | 1 (0) |
| `steps` without `keyring` (`--no-default-features`) | 100.5 | 100.5 | 2 | 1 | 1 (0) |

steps-core links `bytes v1.12.2`, `http v1.5.0`; builds for compile time `serde_derive v1.0.229 (proc-macro)`, `syn v3.0.10`.

Only in facade-app: `steps v0.1.0`. Only in hyper-app: `hyper v1.12.0`.

The OS credential store costs the `steps` binary +19.5 s of clean build and +1 crates: `keyring v3.6.3`.

## Goals

```
target core_vs_baseline.login: 0.806 (goal <= 1) ok
target core_vs_baseline.job_token.list: 1.061 (goal <= 1) short [noisy]
target facade_instr_vs_hyper.get.c1: 1.067 (goal <= 1.05) short
target facade_vs_hyper.get.c1: 1.000 (goal >= 0.97) ok [noisy]
target facade_cpu_vs_hyper.get.c1: 1.107 (goal <= 1.1) short [noisy]
target facade_vs_reqwest.get.c1: 1.111 (goal >= 1) ok [noisy]
target facade_cpu_vs_reqwest.get.c1: 0.756 (goal <= 0.8) ok [noisy]
target cli_vs_curl: 0.385 (goal <= 0.5) ok [noisy]
target cli_cpu_vs_curl: 0.256 (goal <= 0.5) ok [noisy]
target build_facade_vs_hyper: 1.085 (goal <= 1.1) ok [noisy]
target core_build_seconds: 8.400 (goal <= 10) ok [noisy]
target core_build_crates: 2.000 (goal <= 12) ok
```

## Profile findings
";
    assert_eq!(doc, expected);
}

/// The Python goals come when the Python clients ran: at concurrency 1,
/// the binding's CPU per request against the facade's, and requests'
/// against the binding's.
#[test]
fn python_goal_only_when_measured() {
    let plan = Plan::quick();
    let mut measured = measured(&plan);
    let names = |m: &Measurements| goals(m).into_iter().map(|g| g.name).collect::<Vec<_>>();
    assert!(!names(&measured).iter().any(|n| n.contains("python")));
    measured.end_to_end[0]
        .clients
        .push(client(Client::PythonBinding, &[5000.0], &[60.0], 20000.0));
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
        [
            "target python_binding_cpu_vs_facade.get.c1: 1.935 (goal <= 2) ok [noisy]",
            "target python_requests_cpu_vs_binding.get.c1: 13.333 (goal >= 5) ok [noisy]"
        ]
    );
}

/// `--build-cost` prints the build cost section and its goals alone.
#[test]
fn build_cost_alone() {
    let plan = Plan::build_cost();
    let mut measured = measured(&Plan::quick());
    measured.codec.clear();
    measured.end_to_end.clear();
    measured.instructions = Instructions::Counted(Vec::new());
    measured.cli = None;
    let tables = tables(&plan, &measured);
    assert!(tables.starts_with("\n## Build cost\n"), "{tables}");
    let names: Vec<String> = goals(&measured).into_iter().map(|g| g.name).collect();
    assert_eq!(
        names,
        ["build_facade_vs_hyper", "core_build_seconds", "core_build_crates"]
    );
}
