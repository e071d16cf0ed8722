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
}

impl Goal {
    /// Whether the measured value meets the goal.
    pub(crate) fn met(&self) -> bool {
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
        format!(
            "target {}: {:.3} (goal {op} {}) {verdict}",
            self.name, self.measured, self.goal
        )
    }
}

/// Every goal, in one place, computed from what was measured (medians over
/// the rounds; CPU is user and system time per request as each client
/// process reports it for its timed requests):
///
/// | goal | measured | comparison | value |
/// |---|---|---|---|
/// | `core_vs_baseline.<op>` | steps-core ns / baseline ns | <= | 1 |
/// | `facade_vs_hyper.<workload>` | req/s, facade / hyper-util | >= | 0.97 |
/// | `facade_cpu_vs_hyper.<workload>` | CPU per request, facade / hyper-util | <= | 1.1 |
/// | `facade_vs_reqwest.<workload>` | req/s, facade / reqwest | >= | 1 |
/// | `facade_cpu_vs_reqwest.<workload>` | CPU per request, facade / reqwest | <= | 0.8 |
/// | `python_requests_cpu_vs_facade.<workload at c1>` | CPU per request, Python requests / facade | >= | 25 |
/// | `facade_vs_python_requests.<workload at c64>` | req/s, facade / Python requests | >= | 10 |
/// | `cli_vs_curl` | wall ms, `steps` / curl | <= | 0.5 |
/// | `cli_cpu_vs_curl` | CPU ms, `steps` / curl | <= | 0.5 |
/// | `build_facade_vs_hyper` | clean build s, facade app / hyper-util app | <= | 1.1 |
/// | `core_build_seconds` | clean build of steps-core, s | <= | 10 |
/// | `core_build_crates` | crates linked into steps-core (proc-macros and their dependencies apart) | <= | 12 |
///
/// A part or a client that did not run (Python requests when it is not
/// installed) has no goal.
pub(crate) fn goals(measured: &Measurements) -> Vec<Goal> {
    use Comparison::{AtLeast, AtMost};
    let goal = |name: String, measured: f64, comparison: Comparison, goal: f64| Goal {
        name,
        measured,
        comparison,
        goal,
    };
    let mut goals = Vec::new();
    for case in &measured.codec {
        goals.push(goal(
            format!("core_vs_baseline.{}", case.op),
            case.ratio(),
            AtMost,
            1.0,
        ));
    }
    for run in &measured.end_to_end {
        let rate = |client| run.client(client).map(|c| median(&c.req_per_s));
        let cpu = |client| run.client(client).map(|c| median(&c.cpu_us_per_req));
        let (Some(facade_rate), Some(facade_cpu)) = (rate(Client::Facade), cpu(Client::Facade)) else {
            continue;
        };
        let suffix = run.workload.goal_suffix();
        let mut push = |name: &str, measured: f64, comparison, value| {
            goals.push(goal(format!("{name}.{suffix}"), measured, comparison, value));
        };
        if let (Some(rate), Some(cpu)) = (rate(Client::Hyper), cpu(Client::Hyper)) {
            push("facade_vs_hyper", facade_rate / rate, AtLeast, 0.97);
            push("facade_cpu_vs_hyper", facade_cpu / cpu, AtMost, 1.1);
        }
        if let (Some(rate), Some(cpu)) = (rate(Client::Reqwest), cpu(Client::Reqwest)) {
            push("facade_vs_reqwest", facade_rate / rate, AtLeast, 1.0);
            push("facade_cpu_vs_reqwest", facade_cpu / cpu, AtMost, 0.8);
        }
        if let (Some(rate), Some(cpu)) = (rate(Client::PythonRequests), cpu(Client::PythonRequests)) {
            // At concurrency 1 every client waits a loopback round trip per
            // request, so there the rate measures the loopback; CPU per
            // request measures the client.
            if run.workload.concurrency == 1 {
                push("python_requests_cpu_vs_facade", cpu / facade_cpu, AtLeast, 25.0);
            } else {
                push("facade_vs_python_requests", facade_rate / rate, AtLeast, 10.0);
            }
        }
    }
    if let Some(cli) = &measured.cli {
        goals.push(goal(
            "cli_vs_curl".to_owned(),
            median(&cli.steps_ms) / median(&cli.curl_ms),
            AtMost,
            0.5,
        ));
        goals.push(goal(
            "cli_cpu_vs_curl".to_owned(),
            median(&cli.steps_cpu_ms) / median(&cli.curl_cpu_ms),
            AtMost,
            0.5,
        ));
    }
    if let Some(build) = &measured.build {
        goals.push(goal(
            "build_facade_vs_hyper".to_owned(),
            median(&build.facade_app.seconds) / median(&build.hyper_app.seconds),
            AtMost,
            1.1,
        ));
        goals.push(goal(
            "core_build_seconds".to_owned(),
            median(&build.core.seconds),
            AtMost,
            10.0,
        ));
        goals.push(goal(
            "core_build_crates".to_owned(),
            build.core.crates.linked.len() as f64,
            AtMost,
            12.0,
        ));
    }
    goals
}
