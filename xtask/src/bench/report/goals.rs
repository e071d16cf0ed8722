//! The goals: each a `target <name>: <measured> (goal <op> <value>) ok|short`
//! line, computed from what was measured.

use super::stats::median;
use crate::bench::measure::Measurements;
use crate::bench::plan::Client;

/// How a measured value must compare with its goal.
#[derive(Clone, Copy)]
pub(crate) enum Comparison {
    /// `>=`: higher is better.
    AtLeast,
    /// `<=`: lower is better.
    AtMost,
}

/// One goal and what was measured against it.
pub(crate) struct Goal {
    /// Its name, e.g. `facade_vs_hyper.get.c1`.
    pub(crate) name: String,
    /// The measured value, usually a ratio.
    pub(crate) measured: f64,
    /// How `measured` must compare with `goal`.
    pub(crate) comparison: Comparison,
    /// The goal value.
    pub(crate) goal: f64,
    /// Whether the measure drifts from run to run on this machine (time,
    /// throughput: marked `[noisy]`), unlike an instruction count.
    pub(crate) noisy: bool,
}

impl Goal {
    /// Whether the measured value meets the goal.
    pub(crate) fn met(&self) -> bool {
        // A ratio over nothing, or of a count that went wrong, meets nothing.
        if !(self.measured.is_finite() && self.measured > 0.0) {
            return false;
        }
        match self.comparison {
            Comparison::AtLeast => self.measured >= self.goal,
            Comparison::AtMost => self.measured <= self.goal,
        }
    }

    /// `target <name>: <measured> (goal <op> <value>) ok|short`.
    pub(crate) fn line(&self) -> String {
        let op = match self.comparison {
            Comparison::AtLeast => ">=",
            Comparison::AtMost => "<=",
        };
        let verdict = if self.met() { "ok" } else { "short" };
        let noisy = if self.noisy { " [noisy]" } else { "" };
        format!(
            "target {}: {:.3} (goal {op} {}) {verdict}{noisy}",
            self.name, self.measured, self.goal
        )
    }
}

/// Every goal, in one place, computed from what was measured (medians over
/// the rounds; CPU is user and system time per request as each client
/// process reports it for its timed requests; instructions are callgrind's
/// per request). Time and throughput drift on this 2-core VM, so their
/// lines say `[noisy]`; instruction counts at concurrency 1 do not.
///
/// | goal | measured | comparison | value | noisy |
/// |---|---|---|---|---|
/// | `core_vs_baseline.<op>` | steps-core ns / baseline ns | <= | 1 | when criterion's 95% intervals leave the ratio more than 0.1 of play |
/// | `facade_instr_vs_hyper.<workload>` | instructions per request, facade / hyper-util | <= | 1.05 | at c64 (thread interleaving) |
/// | `python_binding_instr_vs_facade.<workload at c1>` | instructions per request, Python binding / facade | <= | 2 | no |
/// | `facade_vs_hyper.<workload>` | req/s, facade / hyper-util | >= | 0.97 | yes |
/// | `facade_cpu_vs_hyper.<workload>` | CPU per request, facade / hyper-util | <= | 1.1 | yes |
/// | `facade_vs_reqwest.<workload>` | req/s, facade / reqwest | >= | 1 | yes |
/// | `facade_cpu_vs_reqwest.<workload>` | CPU per request, facade / reqwest | <= | 0.8 | yes |
/// | `blocking_cpu_vs_hyper.<workload>` | CPU per request, blocking facade / hyper-util | <= | 1.3 | yes |
/// | `blocking_vs_hyper.<workload at c64>` | req/s, blocking facade / hyper-util | >= | 0.85 | yes |
/// | `blocking_cpu_vs_ureq.<workload>` | CPU per request, blocking facade / ureq | <= | 1 | yes |
/// | `blocking_cpu_vs_reqwest_blocking.<workload>` | CPU per request, blocking facade / reqwest::blocking | <= | 1 | yes |
/// | `python_binding_cpu_vs_facade.<workload at c1>` | CPU per request, Python binding / facade | <= | 2 | yes |
/// | `python_requests_cpu_vs_binding.<workload at c1>` | CPU per request, Python requests / Python binding | >= | 5 | yes |
/// | `facade_vs_python_requests.<workload at c64>` | req/s, facade / Python requests | >= | 10 | yes |
/// | `cli_vs_curl` | wall ms, `steps` / curl | <= | 0.5 | yes |
/// | `cli_cpu_vs_curl` | CPU ms, `steps` / curl | <= | 0.5 | yes |
/// | `build_facade_vs_hyper` | clean build s, facade app / hyper-util app | <= | 1.1 | yes |
/// | `core_build_seconds` | clean build of steps-core, s | <= | 10 | yes |
/// | `core_build_crates` | crates linked into steps-core (proc-macros and their dependencies apart) | <= | 12 | no |
///
/// A part or a client that did not run (valgrind or Python missing) has
/// no goal.
pub(crate) fn goals(measured: &Measurements) -> Vec<Goal> {
    use Comparison::{AtLeast, AtMost};
    let goal = |name: String, measured: f64, comparison: Comparison, goal: f64, noisy: bool| Goal {
        name,
        measured,
        comparison,
        goal,
        noisy,
    };
    let mut goals = Vec::new();
    for case in &measured.codec {
        goals.push(goal(
            format!("core_vs_baseline.{}", case.op),
            case.ratio(),
            AtMost,
            1.0,
            case.ratio_play() > 0.1,
        ));
    }
    for run in &measured.end_to_end {
        let workload = run.workload;
        let suffix = workload.goal_suffix();
        let at_c1 = workload.concurrency == 1;
        let instr = |client| {
            measured
                .instructions
                .get(client, workload.op, workload.concurrency)
        };
        // At concurrency 64 how tokio's workers take turns moves the count
        // a little even under callgrind, which runs one thread at a time.
        let instr_noisy = !at_c1;
        if let (Some(facade), Some(hyper)) = (instr(Client::Facade), instr(Client::Hyper)) {
            goals.push(goal(
                format!("facade_instr_vs_hyper.{suffix}"),
                facade / hyper,
                AtMost,
                1.05,
                instr_noisy,
            ));
        }
        if let (Some(binding), Some(facade)) = (instr(Client::PythonBinding), instr(Client::Facade)) {
            goals.push(goal(
                format!("python_binding_instr_vs_facade.{suffix}"),
                binding / facade,
                AtMost,
                2.0,
                false,
            ));
        }
        let rate = |client| run.client(client).map(|c| median(&c.req_per_s));
        let cpu = |client| run.client(client).map(|c| median(&c.cpu_us_per_req));
        // (name, the client, against which, by rate (else CPU), comparison,
        // value, whether it applies to this workload)
        let ratios: &[(&str, Client, Client, bool, Comparison, f64, bool)] = &[
            (
                "facade_vs_hyper",
                Client::Facade,
                Client::Hyper,
                true,
                AtLeast,
                0.97,
                true,
            ),
            (
                "facade_cpu_vs_hyper",
                Client::Facade,
                Client::Hyper,
                false,
                AtMost,
                1.1,
                true,
            ),
            (
                "facade_vs_reqwest",
                Client::Facade,
                Client::Reqwest,
                true,
                AtLeast,
                1.0,
                true,
            ),
            (
                "facade_cpu_vs_reqwest",
                Client::Facade,
                Client::Reqwest,
                false,
                AtMost,
                0.8,
                true,
            ),
            (
                "blocking_cpu_vs_hyper",
                Client::Blocking,
                Client::Hyper,
                false,
                AtMost,
                1.3,
                true,
            ),
            (
                "blocking_vs_hyper",
                Client::Blocking,
                Client::Hyper,
                true,
                AtLeast,
                0.85,
                !at_c1,
            ),
            (
                "blocking_cpu_vs_ureq",
                Client::Blocking,
                Client::Ureq,
                false,
                AtMost,
                1.0,
                true,
            ),
            (
                "blocking_cpu_vs_reqwest_blocking",
                Client::Blocking,
                Client::ReqwestBlocking,
                false,
                AtMost,
                1.0,
                true,
            ),
            // At concurrency 1 every client waits a loopback round trip per
            // request, so there the rate measures the loopback; CPU per
            // request measures the client.
            (
                "python_binding_cpu_vs_facade",
                Client::PythonBinding,
                Client::Facade,
                false,
                AtMost,
                2.0,
                at_c1,
            ),
            (
                "python_requests_cpu_vs_binding",
                Client::PythonRequests,
                Client::PythonBinding,
                false,
                AtLeast,
                5.0,
                at_c1,
            ),
            (
                "facade_vs_python_requests",
                Client::Facade,
                Client::PythonRequests,
                true,
                AtLeast,
                10.0,
                !at_c1,
            ),
        ];
        for &(name, client, against, by_rate, comparison, value, applies) in ratios {
            if !applies {
                continue;
            }
            let pick = |c| if by_rate { rate(c) } else { cpu(c) };
            if let (Some(a), Some(b)) = (pick(client), pick(against)) {
                goals.push(goal(format!("{name}.{suffix}"), a / b, comparison, value, true));
            }
        }
    }
    if let Some(cli) = &measured.cli {
        goals.push(goal(
            "cli_vs_curl".to_owned(),
            median(&cli.steps_ms) / median(&cli.curl_ms),
            AtMost,
            0.5,
            true,
        ));
        goals.push(goal(
            "cli_cpu_vs_curl".to_owned(),
            median(&cli.steps_cpu_ms) / median(&cli.curl_cpu_ms),
            AtMost,
            0.5,
            true,
        ));
    }
    if let Some(build) = &measured.build {
        goals.push(goal(
            "build_facade_vs_hyper".to_owned(),
            median(&build.facade_app.seconds) / median(&build.hyper_app.seconds),
            AtMost,
            1.1,
            true,
        ));
        goals.push(goal(
            "core_build_seconds".to_owned(),
            median(&build.core.seconds),
            AtMost,
            10.0,
            true,
        ));
        goals.push(goal(
            "core_build_crates".to_owned(),
            build.core.crates.linked.len() as f64,
            AtMost,
            12.0,
            false,
        ));
    }
    goals
}
