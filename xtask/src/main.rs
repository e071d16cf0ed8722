//! `cargo xtask`: project chores, as plain Rust with no dependencies.
//!
//! - `cargo xtask ci`: format check, clippy with `-D warnings`, and the
//!   README's test command, exactly as `.ci/run` runs them.
//! - `cargo xtask bench [--quick]`: the benchmarks (see `bench.rs`).
//! - `cargo xtask load`: 1,000 tasks, 100,000 mixed requests through the
//!   facade against one emulator (see `bench.rs`).
//! - `cargo xtask conformance --url URL --admin E:P --user E:P --user E:P`:
//!   the conformance kit (`tests/src/conformance.rs`) against any server.

mod bench;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench::run(args.iter().any(|a| a == "--quick")),
        Some("load") => bench::load(),
        Some("conformance") => {
            let mut command = vec![
                "run",
                "--quiet",
                "--locked",
                "-p",
                "steps-tests",
                "--bin",
                "steps-conformance",
                "--",
            ];
            command.extend(args[1..].iter().map(String::as_str));
            cargo(&command)
        }
        _ => {
            eprintln!("usage: cargo xtask ci | cargo xtask bench [--quick] | cargo xtask load | cargo xtask conformance --url URL --admin E:P --user E:P --user E:P");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The checks CI runs, in the order that fails fastest.
fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--locked"])
}

/// The workspace root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cargo(args: &[&str]) -> Result<(), String> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}
