//! The subcommands as `--help` shows them: each one's name, arguments and
//! what it does, and the usage texts made from them.

use super::command::FUZZ_TARGETS;

/// One subcommand as `--help` shows it.
pub(super) struct Subcommand {
    /// Its name on the command line.
    pub(super) name: &'static str,
    /// Its arguments, in usage notation.
    pub(super) args: &'static str,
    /// What it does.
    about: &'static str,
}

/// Every subcommand, in the order `--help` lists them.
pub(super) const SUBCOMMANDS: [Subcommand; 8] = [
    Subcommand {
        name: "ci",
        args: "[--list]",
        about: "the checks CI runs (.ci/run runs this), in order: format check, clippy and rustdoc \
                with -D warnings, the tests with --locked, cargo package, schemathesis with seed 1, the Python \
                package (xtask python); --list prints them without running them",
    },
    Subcommand {
        name: "bench",
        args: "[--quick] [--build-cost]",
        about: "the core against a baseline, the stack against hyper-util, reqwest and Python \
                requests (throughput and CPU per request), the CLI against curl, and clean build \
                times; the full run writes docs/benchmarks.md, --quick (under 3 minutes) only \
                prints, --build-cost runs only the clean builds and prints them",
    },
    Subcommand {
        name: "load",
        args: "",
        about: "1,000 tasks make 100,000 mixed requests through the facade against one emulator",
    },
    Subcommand {
        name: "fuzz",
        args: "[--seconds N] [TARGET...]",
        about: "each cargo-fuzz target (or the named ones) for N seconds (default 60), from its \
                seeds and its growing corpus",
    },
    Subcommand {
        name: "schemathesis",
        args: "[--seed N] [--api steps|quandela]",
        about: "schemathesis, in a virtual environment of its own, against a fresh emulator in each \
                mode with its description: protocol v2 and docs/openapi.yaml, then quandela mode and \
                docs/quandela-openapi.yaml (--api runs one of them)",
    },
    Subcommand {
        name: "conformance",
        args: "--url URL (--admin E:P --user E:P --user E:P | --api quandela --token T [--other-token T] \
               [--admin-token T] [--login E:P] [--control URL])",
        about: "the conformance kit (tests/src/conformance/) against any server: a STEPS server with \
                three accounts, or with --api quandela one speaking docs/quandela.md, with a user's \
                job token, another user's, an admin's, the user's login, and a steps-emulator control \
                plane (what needs one not given is skipped)",
    },
    Subcommand {
        name: "man",
        args: "",
        about: "the `steps` man pages, one per command, into target/man (read one with `man -l target/man/steps.1`)",
    },
    Subcommand {
        name: "python",
        args: "[--release]",
        about: "the Python package steps-cloud (crates/steps-py): a virtual environment under the \
                target directory with maturin and pytest, fmt and clippy of the crate, maturin \
                develop (debug unless --release), its pytest suite against the emulator, then the \
                standard-library example in examples/python",
    },
];

impl Subcommand {
    /// `usage: cargo xtask NAME ARGS`.
    pub(super) fn usage(&self) -> String {
        let usage = format!("usage: cargo xtask {} {}", self.name, self.args);
        let usage = usage.trim_end().to_owned();
        if self.name == "fuzz" {
            format!("{usage}\nTARGET: {}", FUZZ_TARGETS.join(", "))
        } else {
            usage
        }
    }

    /// The usage line and what it does.
    pub(super) fn help(&self) -> String {
        format!("{}\n\n{}", self.usage(), self.about)
    }
}

/// The whole `cargo xtask --help` text.
pub(super) fn usage() -> String {
    let mut text = String::from("usage: cargo xtask SUBCOMMAND [OPTIONS]\n\nsubcommands:\n");
    for sub in &SUBCOMMANDS {
        text.push_str(&format!(
            "  {}\n      {}\n",
            format!("{} {}", sub.name, sub.args).trim_end(),
            sub.about
        ));
    }
    text.push_str(&format!("\nfuzz TARGET: {}", FUZZ_TARGETS.join(", ")));
    text
}
