//! What `cargo xtask bench` runs: which clients, workloads, concurrencies
//! and rounds, for the quick run and for the full one.

use std::process::Command;

use super::python_env::bench_python;
use crate::shell::{release, root};

/// A client of the end-to-end benchmark, each run in its own process.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Client {
    /// The `steps` facade (`steps-bench client facade`).
    Facade,
    /// The blocking facade, `steps::blocking`, one thread per concurrent
    /// call (`steps-bench client blocking`).
    Blocking,
    /// `reqwest::blocking`, the same way (`steps-bench client reqwest-blocking`).
    ReqwestBlocking,
    /// ureq, blocking all the way down (`steps-bench client ureq`).
    Ureq,
    /// Raw hyper-util, the baseline (`steps-bench client hyper`).
    Hyper,
    /// reqwest (`steps-bench client reqwest`).
    Reqwest,
    /// Python requests (`python3 bench/python_requests.py`).
    PythonRequests,
    /// The Python binding `steps_cloud` (`bench/python_binding.py`), a
    /// release build installed in the bench's own virtual environment.
    PythonBinding,
}

impl Client {
    /// Its name in `steps-bench client KIND` and in the tables.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Client::Facade => "facade",
            Client::Blocking => "blocking",
            Client::ReqwestBlocking => "reqwest-blocking",
            Client::Ureq => "ureq",
            Client::Hyper => "hyper",
            Client::Reqwest => "reqwest",
            Client::PythonRequests => "python-requests",
            Client::PythonBinding => "python-binding",
        }
    }

    /// Whether it is a Python client.
    pub(crate) fn is_python(self) -> bool {
        matches!(self, Client::PythonRequests | Client::PythonBinding)
    }

    /// The process that makes `n` requests of `op` from `concurrency`
    /// tasks or threads against `url`.
    pub(crate) fn command(self, op: &str, n: usize, concurrency: usize, url: &str) -> Command {
        let (n, concurrency) = (n.to_string(), concurrency.to_string());
        let mut command = match self {
            Client::PythonRequests | Client::PythonBinding => {
                let script = match self {
                    Client::PythonRequests => "bench/python_requests.py",
                    _ => "bench/python_binding.py",
                };
                let mut command = Command::new(bench_python());
                command.arg(root().join(script));
                command
            }
            _ => {
                let mut command = Command::new(release("steps-bench"));
                command.args(["client", self.name()]);
                command
            }
        };
        command.args([op, &n, &concurrency, url]);
        command
    }

    /// How many requests it makes in a workload of `n`: Python is an order
    /// of magnitude slower, so a tenth of the work (at least 200), at the
    /// same rate.
    pub(crate) fn requests(self, n: usize) -> usize {
        match self {
            _ if self.is_python() => (n / 10).max(200),
            _ => n,
        }
    }
}

/// One end-to-end workload: one operation, `requests` times, at one
/// concurrency.
#[derive(Clone, Copy)]
pub(crate) struct Workload {
    /// `get` or `create`, as the clients take it.
    pub(crate) op: &'static str,
    /// Requests per client process (see [`Client::requests`]).
    pub(crate) requests: usize,
    /// 1 is one keep-alive connection; 64 is 64 tasks sharing one client.
    pub(crate) concurrency: usize,
}

impl Workload {
    /// Its label in the table: `get ×20000 c1`.
    pub(crate) fn label(&self) -> String {
        format!("{} ×{} c{}", self.op, self.requests, self.concurrency)
    }

    /// Its suffix in goal names: `get.c1`.
    pub(crate) fn goal_suffix(&self) -> String {
        format!("{}.c{}", self.op, self.concurrency)
    }
}

/// How much work each part of the benchmark does. A part with nothing to
/// do (no criterion arguments, no workloads, no runs) is not measured.
pub(crate) struct Plan {
    /// Whether the run writes `docs/benchmarks.md` (the full run does).
    pub(crate) writes_doc: bool,
    /// Criterion's arguments for the core codec benchmark, if it runs.
    pub(crate) criterion_args: Option<&'static [&'static str]>,
    /// The end-to-end clients, in the order each round runs them.
    pub(crate) clients: Vec<Client>,
    /// The end-to-end workloads, in order.
    pub(crate) workloads: Vec<Workload>,
    /// Rounds of every client per workload, interleaved.
    pub(crate) rounds: usize,
    /// Whether instructions per request are counted (callgrind), and at
    /// which concurrencies.
    pub(crate) instruction_concurrencies: &'static [usize],
    /// Runs of `steps` and of `curl` each, interleaved.
    pub(crate) cli_runs: usize,
    /// Clean builds of each build-cost subject (steps-core, the facade app,
    /// the hyper-util app), interleaved.
    pub(crate) build_rounds: usize,
}

impl Plan {
    /// `cargo xtask bench --quick`: under 3 minutes, printed only.
    pub(crate) fn quick() -> Plan {
        Plan {
            writes_doc: false,
            criterion_args: Some(&["--warm-up-time", "0.2", "--measurement-time", "0.6"]),
            clients: all_clients(),
            workloads: workloads(4_000, 4_000),
            rounds: 3,
            instruction_concurrencies: &[1],
            cli_runs: 10,
            build_rounds: 1,
        }
    }

    /// `cargo xtask bench`: the run that writes `docs/benchmarks.md`.
    pub(crate) fn full() -> Plan {
        Plan {
            writes_doc: true,
            criterion_args: Some(&["--warm-up-time", "1", "--measurement-time", "3"]),
            clients: all_clients(),
            // As many creates as gets: 5,000 creates at c64 took 100 ms,
            // short enough for one scheduler hiccup on this 2-core VM to
            // move a round's CPU per request by 40% (bench/findings.md).
            workloads: workloads(20_000, 20_000),
            rounds: 5,
            instruction_concurrencies: &[1, 64],
            cli_runs: 20,
            build_rounds: 3,
        }
    }

    /// `cargo xtask bench --build-cost`: the build cost alone, printed only.
    pub(crate) fn build_cost() -> Plan {
        Plan {
            writes_doc: false,
            criterion_args: None,
            clients: Vec::new(),
            workloads: Vec::new(),
            rounds: 0,
            instruction_concurrencies: &[],
            cli_runs: 0,
            build_rounds: 2,
        }
    }

    /// The same plan without the Python clients (no python3, or the
    /// bench's environment could not be made).
    pub(crate) fn without_python(mut self) -> Plan {
        self.clients.retain(|c| !c.is_python());
        self
    }

    /// Whether the Python clients are among the clients.
    pub(crate) fn has_python(&self) -> bool {
        self.clients.iter().any(|c| c.is_python())
    }
}

/// Every client, the baseline third.
fn all_clients() -> Vec<Client> {
    vec![
        Client::Facade,
        Client::Blocking,
        Client::Hyper,
        Client::Reqwest,
        Client::ReqwestBlocking,
        Client::Ureq,
        Client::PythonRequests,
        Client::PythonBinding,
    ]
}

/// Gets then creates, each at concurrency 1 then 64.
fn workloads(gets: usize, creates: usize) -> Vec<Workload> {
    let mut workloads = Vec::new();
    for (op, requests) in [("get", gets), ("create", creates)] {
        for concurrency in [1, 64] {
            workloads.push(Workload {
                op,
                requests,
                concurrency,
            });
        }
    }
    workloads
}
