//! The end-to-end part of the benchmark: every workload of the plan against
//! `steps-bench server`, every client in its own process, interleaved round
//! by round; request rates, CPU time per request and peak RSS.

use std::process::Command;

use super::plan::{Client, Plan, Workload};
use crate::shell::{children_cpu_us, field, release, result_fields, Server};

/// One end-to-end workload and every client's samples.
pub(crate) struct WorkloadRun {
    /// The workload.
    pub(crate) workload: Workload,
    /// One entry per client, in the plan's order.
    pub(crate) clients: Vec<ClientRun>,
}

impl WorkloadRun {
    /// The samples of `client`, if it ran.
    pub(crate) fn client(&self, client: Client) -> Option<&ClientRun> {
        self.clients.iter().find(|run| run.client == client)
    }
}

/// One client's samples in one workload.
pub(crate) struct ClientRun {
    /// The client.
    pub(crate) client: Client,
    /// Requests per second, one per round.
    pub(crate) req_per_s: Vec<f64>,
    /// User and system CPU time per request, in µs, one per round: what the
    /// client process itself reports (`getrusage(RUSAGE_SELF)`) for the
    /// timed requests, warm-up and start-up left out.
    pub(crate) cpu_us_per_req: Vec<f64>,
    /// User and system CPU time of the whole process, start-up and warm-up
    /// included, in ms, one per round (`getrusage(RUSAGE_CHILDREN)` here).
    pub(crate) process_cpu_ms: Vec<f64>,
    /// The highest peak RSS of its processes, in KiB.
    pub(crate) peak_rss_kib: f64,
}

/// Every workload against `steps-bench server`, every client in its own
/// process, interleaved round by round.
pub(crate) fn measure(plan: &Plan) -> Result<Vec<WorkloadRun>, String> {
    if plan.workloads.is_empty() {
        return Ok(Vec::new());
    }
    let server = Server::start({
        let mut c = Command::new(release("steps-bench"));
        c.arg("server");
        c
    })?;
    let mut runs = Vec::new();
    for workload in &plan.workloads {
        let mut run = WorkloadRun {
            workload: *workload,
            clients: plan
                .clients
                .iter()
                .map(|client| ClientRun {
                    client: *client,
                    req_per_s: Vec::new(),
                    cpu_us_per_req: Vec::new(),
                    process_cpu_ms: Vec::new(),
                    peak_rss_kib: 0.0,
                })
                .collect(),
        };
        for _ in 0..plan.rounds {
            for client_run in &mut run.clients {
                let sample = one_client(client_run.client, workload, &server.url)?;
                client_run.req_per_s.push(sample.req_per_s);
                client_run.cpu_us_per_req.push(sample.cpu_us_per_req);
                client_run.process_cpu_ms.push(sample.process_cpu_ms);
                client_run.peak_rss_kib = client_run.peak_rss_kib.max(sample.peak_rss_kib);
            }
        }
        runs.push(run);
    }
    Ok(runs)
}

/// What one client process measured on one workload.
struct Sample {
    /// Requests per second.
    req_per_s: f64,
    /// CPU time per timed request, µs, as the process reported it.
    cpu_us_per_req: f64,
    /// CPU time of the whole process, ms.
    process_cpu_ms: f64,
    /// Peak RSS, KiB.
    peak_rss_kib: f64,
}

/// One client process on one workload. Any failed request fails the
/// benchmark.
fn one_client(client: Client, workload: &Workload, url: &str) -> Result<Sample, String> {
    let Workload { op, concurrency, .. } = *workload;
    let requests = client.requests(workload.requests);
    let cpu = children_cpu_us();
    let output = client
        .command(op, requests, concurrency, url)
        .output()
        .map_err(|e| e.to_string())?;
    let process_cpu_ms = (children_cpu_us() - cpu) / 1000.0;
    let name = client.name();
    let text = String::from_utf8_lossy(&output.stdout);
    let result = result_fields(&text)
        .map_err(|e| format!("{name}: {e} {}", String::from_utf8_lossy(&output.stderr)))?;
    let errors = result.get("errors").copied().unwrap_or(0.0);
    if errors > 0.0 {
        return Err(format!("{name} {op} c{concurrency}: {errors} errors"));
    }
    Ok(Sample {
        req_per_s: field(&result, "req_per_s")?,
        cpu_us_per_req: field(&result, "cpu_us")? / requests as f64,
        process_cpu_ms,
        peak_rss_kib: field(&result, "peak_rss_kib")?,
    })
}
