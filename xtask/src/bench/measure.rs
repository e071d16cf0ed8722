//! Runs the benchmark's parts and returns what they measured as plain data,
//! each part in a module of its own: criterion medians and allocation counts
//! ([`codec`]), request rates, CPU time and peak RSS per client
//! ([`end_to_end`]), instructions per request ([`instructions`]), process
//! wall and CPU times ([`cli_latency`]), and build costs ([`build`]).
//! Nothing here formats a report.

use super::build::{self, BuildCost};
use super::cli_latency::{self, CliLatency};
use super::codec::{self, CodecCase};
use super::end_to_end::{self, WorkloadRun};
use super::instructions::{self, Instructions};
use super::plan::Plan;
use crate::shell::cargo;

/// Everything one `cargo xtask bench` run measured; a part the plan left
/// out is empty or `None`.
pub(crate) struct Measurements {
    /// The core codec, one case per operation, in the benchmark's order.
    pub(crate) codec: Vec<CodecCase>,
    /// The end-to-end workloads, in the plan's order.
    pub(crate) end_to_end: Vec<WorkloadRun>,
    /// Instructions per request.
    pub(crate) instructions: Instructions,
    /// The CLI against curl.
    pub(crate) cli: Option<CliLatency>,
    /// The clean builds.
    pub(crate) build: Option<BuildCost>,
}

/// Builds the release binaries, then runs each part of `plan` in turn.
pub(crate) fn run(plan: &Plan) -> Result<Measurements, String> {
    if !plan.workloads.is_empty() || plan.cli_runs > 0 {
        cargo(&[
            "build",
            "--release",
            "--locked",
            "-p",
            "steps-bench",
            "-p",
            "steps-cli",
            "-p",
            "steps-emulator",
        ])?;
    }
    Ok(Measurements {
        codec: match plan.criterion_args {
            Some(args) => codec::measure(args)?,
            None => Vec::new(),
        },
        end_to_end: end_to_end::measure(plan)?,
        instructions: instructions::measure(plan)?,
        cli: if plan.cli_runs > 0 {
            Some(cli_latency::measure(plan)?)
        } else {
            None
        },
        build: if plan.build_rounds > 0 {
            Some(build::measure(plan.build_rounds)?)
        } else {
            None
        },
    })
}
