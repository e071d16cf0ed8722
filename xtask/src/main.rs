//! `cargo xtask`: project chores, as plain Rust with one dependency (libc,
//! for the CPU time `getrusage` gives the benchmark).
//! `cargo xtask --help` lists the subcommands; [`flags`] declares them and
//! their options, one module per subcommand runs it, and this file only
//! dispatches.
//!
//! - `ci`: the checks CI runs (`.ci/run` runs `cargo xtask ci`).
//! - `bench`: the benchmarks; the full run writes `docs/benchmarks.md`.
//! - `load`: the load test against one emulator.
//! - `fuzz`: the cargo-fuzz targets in `fuzz/`.
//! - `schemathesis`: OpenAPI conformance against a fresh emulator.
//! - `conformance`: the conformance kit against any server.
//! - `python`: the Python package (crates/steps-py), built and tested.
//! - `man`: the `steps` man pages.

mod bench;
mod ci;
mod conformance;
mod flags;
mod fuzz;
mod load;
mod man;
mod python;
mod schemathesis;
mod shell;

use std::process::ExitCode;

use flags::Command;

fn main() -> ExitCode {
    let command = match flags::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("xtask: {usage}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help(text) => {
            println!("{text}");
            Ok(())
        }
        Command::Ci(flags) => ci::run(flags),
        Command::Bench(flags) => bench::run(flags),
        Command::Load => load::run(),
        Command::Fuzz(flags) => fuzz::run(flags),
        Command::Schemathesis(flags) => schemathesis::run(flags),
        Command::Conformance(flags) => conformance::run(flags),
        Command::Python(flags) => python::run(flags),
        Command::Man => man::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
