//! The arguments of `steps emulator`: the emulator's own options (from
//! `steps-emulator`, which its `steps-emulator` binary shares), or `ctl`,
//! which drives a running emulator's control plane.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::duration::parse_duration;

/// `steps emulator [OPTIONS]`, or `steps emulator ctl ...`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct EmulatorCommand {
    #[command(flatten)]
    pub(crate) args: steps_emulator::EmulatorArgs,
    #[command(subcommand)]
    pub(crate) ctl: Option<EmulatorSubcommand>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EmulatorSubcommand {
    /// Drive a running emulator's control plane: reset, clock, faults,
    /// journal, state export and import.
    ///
    /// The emulator must run with --control (or --dev), on loopback; point
    /// at it with --api-url or STEPS_API_URL (default
    /// http://127.0.0.1:8787). Each prints the emulator's JSON answer.
    #[command(subcommand)]
    Ctl(CtlCommand),
}

/// What `steps emulator ctl` does.
#[derive(Debug, Subcommand)]
pub(crate) enum CtlCommand {
    /// Put the emulator back as it started: its first accounts, no tokens,
    /// its clock, no faults, an empty journal.
    Reset,
    /// Show the emulator's clock, or move it forward by ADVANCE (90s, 2h,
    /// 1 day), so that tokens expire without waiting.
    Clock {
        /// How far to move the clock forward.
        #[arg(value_parser = parse_duration)]
        advance: Option<Duration>,
    },
    /// Replace the fault rules in force with those in FILE (a JSON array,
    /// as `--faults FILE` takes; `[]` for none).
    Faults {
        /// The rules.
        file: PathBuf,
    },
    /// Show the last requests the emulator answered, oldest first.
    Journal {
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Export or import the emulator's whole state (every secret in it).
    #[command(subcommand)]
    State(StateCommand),
}

/// `steps emulator ctl state ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum StateCommand {
    /// Write the state to FILE (mode 0600: it holds every secret).
    Export {
        /// Where.
        file: PathBuf,
    },
    /// Replace the emulator's store and clock with the state in FILE.
    Import {
        /// The saved state.
        file: PathBuf,
    },
}
