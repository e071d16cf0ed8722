//! `cargo xtask ci`: the checks CI runs, listed once, here. `.ci/run`
//! installs the toolchain's components and runs this; run locally, it does
//! exactly what CI does.

use crate::flags;
use crate::shell::{cargo_line, cargo_with_env};

/// One check.
enum Check {
    /// `cargo ARGS`, with extra environment variables, from the root.
    Cargo {
        /// The variables, as (name, value).
        env: &'static [(&'static str, &'static str)],
        /// The arguments after `cargo`.
        args: &'static [&'static str],
    },
    /// `cargo xtask schemathesis --seed N`, run in this process.
    Schemathesis {
        /// The fixed seed, so that a CI failure can be replayed.
        seed: u64,
    },
}

/// The checks, in the order that fails fastest.
const CHECKS: [Check; 7] = [
    Check::Cargo {
        env: &[],
        args: &["fmt", "--all", "--check"],
    },
    Check::Cargo {
        env: &[],
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    },
    // Rustdoc: broken intra-doc links and bad doc markup fail the build.
    Check::Cargo {
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        args: &["doc", "--no-deps", "--workspace", "--locked"],
    },
    // The README's test command, locked. insta fails on any snapshot
    // mismatch when CI=true.
    Check::Cargo {
        env: &[],
        args: &["test", "--workspace", "--locked"],
    },
    // The published crates package: every file a crate needs is inside
    // it (a README or a source included from outside is not). No network
    // beyond the registry index; `--no-verify` skips building the packages.
    Check::Cargo {
        env: &[],
        args: &[
            "package",
            "--workspace",
            "--no-verify",
            "--locked",
            "--allow-dirty",
        ],
    },
    // OpenAPI conformance: schemathesis (from PyPI, in a virtual environment
    // under target/) against a fresh emulator. About a minute.
    Check::Schemathesis { seed: 1 },
    // The Python package (crates/steps-py, outside the workspace): its fmt
    // and clippy, a debug build with maturin and its pytest suite, in a
    // virtual environment under the target directory; then the
    // standard-library example examples/python against the emulator binary.
    Check::Cargo {
        env: &[],
        args: &["--locked", "xtask", "python"],
    },
];

impl Check {
    /// The command line, as printed before the check runs.
    fn command_line(&self) -> String {
        match self {
            Check::Cargo { env, args } => cargo_line(args, env),
            Check::Schemathesis { seed } => format!("cargo xtask schemathesis --seed {seed}"),
        }
    }

    /// Runs the check; fails when it fails.
    fn run(&self) -> Result<(), String> {
        match self {
            // Echoes its own command line.
            Check::Cargo { env, args } => cargo_with_env(args, env),
            Check::Schemathesis { seed } => {
                eprintln!("$ {}", self.command_line());
                crate::schemathesis::run(flags::Schemathesis {
                    seed: Some(*seed),
                    api: None,
                })
            }
        }
    }
}

/// Runs every check in order and stops at the first that fails; with
/// `--list`, prints their command lines instead.
pub(crate) fn run(flags: flags::Ci) -> Result<(), String> {
    if flags.list {
        for check in &CHECKS {
            println!("{}", check.command_line());
        }
        return Ok(());
    }
    let count = CHECKS.len();
    for (i, check) in CHECKS.iter().enumerate() {
        eprintln!("\nxtask ci: check {} of {count}", i + 1);
        check
            .run()
            .map_err(|e| format!("check {} of {count} failed: {e}", i + 1))?;
    }
    eprintln!("\nxtask ci: all {count} checks passed");
    Ok(())
}
