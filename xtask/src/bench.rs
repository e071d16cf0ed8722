//! `cargo xtask bench [--quick] [--build-cost]`: the core against a
//! hand-written baseline, the stack against raw hyper-util, reqwest, ureq
//! and Python requests (throughput, CPU time and instructions per request,
//! peak RSS), the Python package as a release wheel, the CLI
//! against curl (wall and CPU time), and the build cost of the core and of an
//! application on the facade against the same on hyper-util. Prints a table
//! and one `target <name>: <ratio> (goal <goal>) ok|short` line per goal;
//! the full run also writes `docs/benchmarks.md`, `--quick` and
//! `--build-cost` (the build cost alone) only print.
//!
//! In three steps: [`plan`] says what to run, [`measure`] runs it into plain
//! data, one module per part ([`codec`], [`end_to_end`], [`cli_latency`] and
//! [`build`] for the build cost), and [`report`] renders the data (the
//! tables, the goals and the document). [`environment`] is the machine it
//! ran on and what it has.

mod build;
mod cli_latency;
mod codec;
mod end_to_end;
mod environment;
mod instructions;
mod measure;
mod plan;
mod python_env;
mod report;

use std::time::Instant;

use crate::flags;
use crate::shell::root;
use plan::Plan;

/// Plans, measures, then prints (and for the full run writes) the report.
pub(crate) fn run(flags: flags::Bench) -> Result<(), String> {
    let started = Instant::now();
    let mut environment = environment::environment();
    let plan = if flags.build_cost {
        Plan::build_cost()
    } else if flags.quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    let plan = if plan.has_python() {
        match python_env::prepare() {
            Ok(python) => {
                environment.python = Some(python);
                plan
            }
            Err(why) => {
                eprintln!("xtask bench: no Python environment ({why}); skipping the Python clients");
                plan.without_python()
            }
        }
    } else {
        plan
    };

    let measured = measure::run(&plan)?;

    let tables = report::tables(&plan, &measured);
    let goals = report::goals(&measured);
    println!("{tables}");
    if plan.writes_doc {
        // The profile findings are written by hand and kept with the bench.
        let findings = std::fs::read_to_string(root().join("bench/findings.md")).unwrap_or_default();
        let doc = report::document(&environment, started.elapsed(), &tables, &goals, &findings);
        std::fs::write(root().join("docs/benchmarks.md"), doc).map_err(|e| e.to_string())?;
        eprintln!("wrote docs/benchmarks.md");
    }
    for goal in &goals {
        println!("{}", goal.line());
    }
    Ok(())
}
