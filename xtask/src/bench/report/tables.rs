//! The Markdown tables, one section per part that ran: printed after a run,
//! and the body of `docs/benchmarks.md`.

use std::fmt::Write as _;

use super::stats::{median, range};
use crate::bench::build::{BuildCost, Crates};
use crate::bench::cli_latency::CliLatency;
use crate::bench::instructions::Instructions;
use crate::bench::measure::Measurements;
use crate::bench::plan::{Client, Plan};

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
    instructions(&mut report, measured);
    if let Some(cli) = &measured.cli {
        cli_latency(&mut report, plan, cli);
    }
    if let Some(build) = &measured.build {
        build_cost(&mut report, plan, build);
    }
    report
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
        "| operation | steps-core ns | baseline ns | ratio | ratio's play | allocs steps | allocs baseline |"
    );
    let _ = writeln!(report, "|---|---:|---:|---:|---:|---:|---:|");
    for case in &measured.codec {
        let noisy = if case.ratio_play() > 0.1 { " noisy" } else { "" };
        let _ = writeln!(
            report,
            "| {} | {:.0} | {:.0} | {:.2} | {:.2}{noisy} | {} | {} |",
            case.op,
            case.steps_ns,
            case.baseline_ns,
            case.ratio(),
            case.ratio_play(),
            case.steps_allocs,
            case.baseline_allocs
        );
    }
    let _ = writeln!(
        report,
        "\nThe ratio's play is how far the ratio may move within both medians' 95% confidence intervals; \
         over 0.1 it is marked noisy (another run may move the ratio by more than 0.1)."
    );
}

/// The end-to-end section.
fn end_to_end(report: &mut String, plan: &Plan, measured: &Measurements) {
    let _ = writeln!(report, "\n## End to end over loopback\n");
    let _ = writeln!(
        report,
        "Server: `steps-bench server`, a minimal fixed-response hyper server in its own process (the emulator's own cost would hide the clients' differences). \
         Each client runs in its own process (`steps-bench client KIND OP N CONCURRENCY URL`, `bench/python_requests.py OP N CONCURRENCY URL`, \
         `bench/python_binding.py` with the same arguments), interleaved A B C D A B C D ..., {} rounds; concurrency 1 is one keep-alive connection, \
         64 is 64 tasks (threads for `blocking`, `reqwest-blocking`, `ureq` and Python) sharing one client. Both Python clients run in the bench's own \
         environment on one interpreter, the binding as a release wheel, with one harness (`bench/harness.py`): a plain loop at concurrency 1, \
         a thread pool at 64. Python makes a tenth of the requests.\n",
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
            "Python clients: skipped (no python3, or the bench's Python environment could not be made).\n"
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

/// The instructions section.
fn instructions(report: &mut String, measured: &Measurements) {
    let counts = match &measured.instructions {
        Instructions::Skipped(why) => {
            let _ = writeln!(report, "\n## Instructions per request\n\nSkipped: {why}.");
            return;
        }
        Instructions::Counted(counts) if counts.is_empty() => return,
        Instructions::Counted(counts) => counts,
    };
    let _ = writeln!(report, "\n## Instructions per request\n");
    let _ = writeln!(
        report,
        "Each client process under valgrind's callgrind against `steps-bench server`, twice, with a small and a large request count; \
         the difference of the totals over the difference of the counts, so that start-up and warm-up cancel out. \
         User-space instructions of every thread of the client process: the same for the same binary and inputs whatever else the machine does \
         (the kernel's work is not in them). Python clients at concurrency 1 only.\n"
    );
    let _ = writeln!(
        report,
        "| workload | client | instructions/req | ratio to hyper-util |\n|---|---|---:|---:|"
    );
    for count in counts {
        let hyper = measured
            .instructions
            .get(Client::Hyper, count.workload.op, count.workload.concurrency)
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            report,
            "| {} c{} | {} | {:.0} | {:.2} |",
            count.workload.op,
            count.workload.concurrency,
            count.client.name(),
            count.per_request,
            count.per_request / hyper
        );
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
         Each subject counts itself. The `steps` binary is built once a run, with its default features (`keyring`: \
         the OS credential store) and without.\n",
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
        ("`steps` (steps-cli, default features)", &build.cli),
        (
            "`steps` without `keyring` (`--no-default-features`)",
            &build.cli_without_keyring,
        ),
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
    let names = |crates: &Crates| -> Vec<String> {
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
    let (cli, without) = (names(&build.cli.crates), names(&build.cli_without_keyring.crates));
    let _ = writeln!(
        report,
        "\nThe OS credential store costs the `steps` binary {:+.1} s of clean build and {:+} crates: {}.",
        median(&build.cli.seconds) - median(&build.cli_without_keyring.seconds),
        cli.len() as i64 - without.len() as i64,
        list(&only(&cli, &without))
    );
}
