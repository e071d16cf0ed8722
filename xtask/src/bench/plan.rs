//! What `cargo xtask bench` runs: which clients, workloads, concurrencies
//! and rounds, for the quick run and for the full one.

/// A client of the end-to-end benchmark, each run in its own process.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Client {
    /// The `steps` facade (`steps-bench client facade`).
    Facade,
    /// The blocking facade, `steps::blocking`, one thread per concurrent
    /// call (`steps-bench client blocking`).
    Blocking,
    /// Raw hyper-util, the baseline (`steps-bench client hyper`).
    Hyper,
    /// reqwest (`steps-bench client reqwest`).
    Reqwest,
    /// Python requests (`python3 bench/python_requests.py`).
    PythonRequests,
    /// The Python binding `steps_cloud` (`bench/python_binding.py` in the
    /// virtual environment `cargo xtask python` makes), when it was built.
    PythonBinding,
}

impl Client {
    /// Its name in `steps-bench client KIND` and in the tables.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Client::Facade => "facade",
            Client::Blocking => "blocking",
            Client::Hyper => "hyper",
            Client::Reqwest => "reqwest",
            Client::PythonRequests => "python-requests",
            Client::PythonBinding => "python-binding",
        }
    }

    /// How many requests it makes in a workload of `n`: Python is an order
    /// of magnitude slower, so a tenth of the work (at least 200), at the
    /// same rate.
    pub(crate) fn requests(self, n: usize) -> usize {
        match self {
            Client::PythonRequests | Client::PythonBinding => (n / 10).max(200),
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
            cli_runs: 0,
            build_rounds: 2,
        }
    }

    /// The same plan without Python requests (python3 or the package is
    /// not installed).
    pub(crate) fn without_python(mut self) -> Plan {
        self.clients.retain(|c| *c != Client::PythonRequests);
        self
    }

    /// The same plan without the Python binding (`cargo xtask python` has
    /// not built it).
    pub(crate) fn without_binding(mut self) -> Plan {
        self.clients.retain(|c| *c != Client::PythonBinding);
        self
    }

    /// Whether Python requests is among the clients.
    pub(crate) fn has_python(&self) -> bool {
        self.clients.contains(&Client::PythonRequests)
    }
}

/// Every client, the baseline third.
fn all_clients() -> Vec<Client> {
    vec![
        Client::Facade,
        Client::Blocking,
        Client::Hyper,
        Client::Reqwest,
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
