//! Instructions per request: each client process run under valgrind's
//! callgrind twice, with a small and a large request count, against
//! `steps-bench server`; the difference of the two totals over the
//! difference of the counts. Start-up, warm-up and tear-down are the same
//! in both runs and cancel out. callgrind counts the user-space
//! instructions of every thread of the process, the same for the same
//! binary and inputs whatever else the machine does, so these are the goal
//! lines that do not drift (CPU time on this 2-core VM is bimodal:
//! `bench/findings.md`). The kernel's work (syscalls, wakeups) is not in
//! them; CPU time, which has it, stays in the end-to-end table.

use std::path::Path;
use std::process::Command;

use super::plan::{Client, Plan, Workload};
use crate::shell::{release, result_fields, target_dir, Server};

/// Requests in the small and the large run of a Rust client.
const RUST_COUNTS: (usize, usize) = (200, 1_200);
/// The same for a Python client, ten times slower under callgrind too.
const PYTHON_COUNTS: (usize, usize) = (100, 400);

/// One client's instructions per request in one workload.
pub(crate) struct InstructionCount {
    /// The workload.
    pub(crate) workload: Workload,
    /// The client.
    pub(crate) client: Client,
    /// User-space instructions per request, every thread.
    pub(crate) per_request: f64,
}

/// What the instruction counting gave.
pub(crate) enum Instructions {
    /// Not counted, and why (no valgrind).
    Skipped(String),
    /// Counted, in the plan's order.
    Counted(Vec<InstructionCount>),
}

impl Instructions {
    /// The count of `client` in the workload `op` at `concurrency`.
    pub(crate) fn get(&self, client: Client, op: &str, concurrency: usize) -> Option<f64> {
        match self {
            Instructions::Skipped(_) => None,
            Instructions::Counted(counts) => counts
                .iter()
                .find(|c| c.client == client && c.workload.op == op && c.workload.concurrency == concurrency)
                .map(|c| c.per_request),
        }
    }
}

/// Counts every client of the plan (Python ones at concurrency 1 only) on
/// every workload at the plan's instruction concurrencies.
pub(crate) fn measure(plan: &Plan) -> Result<Instructions, String> {
    let workloads: Vec<Workload> = plan
        .workloads
        .iter()
        .filter(|w| plan.instruction_concurrencies.contains(&w.concurrency))
        .copied()
        .collect();
    if workloads.is_empty() {
        return Ok(Instructions::Counted(Vec::new()));
    }
    let available = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        return Ok(Instructions::Skipped(
            "valgrind is not installed; the instruction goals are skipped".to_owned(),
        ));
    }
    let server = Server::start({
        let mut c = Command::new(release("steps-bench"));
        c.arg("server");
        c
    })?;
    // In the project's target directory, not a shared /tmp where another
    // user could put a link at a name known in advance.
    let out = target_dir().join("bench-callgrind.out");
    let mut counts = Vec::new();
    for workload in workloads {
        for &client in &plan.clients {
            if client.is_python() && workload.concurrency != 1 {
                continue;
            }
            let (small, large) = if client.is_python() {
                PYTHON_COUNTS
            } else {
                RUST_COUNTS
            };
            let total = |n| instructions(client, &workload, n, &server.url, &out);
            let per_request = (total(large)? - total(small)?) / (large - small) as f64;
            if !(per_request.is_finite() && per_request > 0.0) {
                return Err(format!(
                    "{} {}: {per_request} instructions per request",
                    client.name(),
                    workload.goal_suffix()
                ));
            }
            eprintln!(
                "instructions {} {}: {per_request:.0} per request",
                workload.goal_suffix(),
                client.name()
            );
            counts.push(InstructionCount {
                workload,
                client,
                per_request,
            });
        }
    }
    let _ = std::fs::remove_file(&out);
    Ok(Instructions::Counted(counts))
}

/// The total instructions of one client process making `n` requests.
fn instructions(client: Client, workload: &Workload, n: usize, url: &str, out: &Path) -> Result<f64, String> {
    let inner = client.command(workload.op, n, workload.concurrency, url);
    // Never an earlier run's totals.
    let _ = std::fs::remove_file(out);
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--quiet"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(inner.get_program())
        .args(inner.get_args())
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "{} under callgrind failed ({}): {}",
            client.name(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let result = result_fields(&text).map_err(|e| {
        format!(
            "{} under callgrind: {e} {}",
            client.name(),
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    if result.get("errors").copied() != Some(0.0) {
        return Err(format!("{} under callgrind: requests failed", client.name()));
    }
    let profile = std::fs::read_to_string(out).map_err(|e| format!("{}: {e}", out.display()))?;
    total(&profile).ok_or_else(|| format!("no totals in {}", out.display()))
}

/// The `totals:` (or `summary:`) line of a callgrind profile: instructions
/// executed, every thread.
fn total(profile: &str) -> Option<f64> {
    profile
        .lines()
        .rev()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::total;

    #[test]
    fn the_total_is_read_from_a_profile() {
        let profile = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 1234567\n\nfn=(1) main\n3 5\ntotals: 1234567\n";
        assert_eq!(total(profile), Some(1_234_567.0));
        assert_eq!(total("events: Ir\nsummary: 42\n"), Some(42.0));
        assert_eq!(total("events: Ir\n"), None);
    }
}
