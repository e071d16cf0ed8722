//! Turns [`Measurements`](super::measure::Measurements) into text: the
//! Markdown tables ([`tables`](mod@tables), printed, and the body of
//! `docs/benchmarks.md`), the goals ([`goals`](mod@goals)), each a `target
//! <name>: <measured> (goal <op> <value>) ok|short` line, and the whole
//! document. Nothing here runs anything.

mod goals;
mod stats;
mod tables;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::time::Duration;

use super::environment::Environment;
pub(crate) use goals::{goals, Goal};
pub(crate) use tables::tables;

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
        load,
        python,
    } = environment;
    let crates: Vec<String> = crates
        .iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    let python = python
        .as_ref()
        .map(|p| {
            format!(
                "\n- Python {}: requests {}, steps_cloud {}, in the bench's own environment",
                p.python, p.requests, p.binding
            )
        })
        .unwrap_or_default();
    format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench` (the full run; `cargo xtask bench --quick` prints a shorter run without writing this file). \
         Release builds. Took {:.0} s.\n\n- Machine: {cpu}, {cores} cores, {memory}, Linux {kernel}\n- Load when the run began (1, 5, 15 min): {load}\n- Toolchain: {rustc}\n- Crates: {}{python}\n",
        took.as_secs_f64(),
        crates.join(", "),
    )
}
