//! Every subcommand and flag of `cargo xtask`, declared once: the usage text
//! (`cargo xtask --help`, `cargo xtask SUBCOMMAND --help`, and every usage
//! error) and the parser that turns the command line into a typed
//! [`Command`]. No other module reads the command line.
//!
//! [`command`] declares what a command line parses into, [`usage`] the
//! subcommands as `--help` shows them, and [`parse`](mod@parse) reads the
//! arguments.

pub(crate) mod command;
mod parse;
mod usage;

pub(crate) use command::{Api, Bench, Ci, Command, Conformance, ConformanceApi, Fuzz, Python, Schemathesis};
pub(crate) use parse::parse;
