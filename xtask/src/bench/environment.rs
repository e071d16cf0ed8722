//! The machine a benchmark runs on and what it has: CPU, cores, memory,
//! kernel, its load when the run began, the toolchain, the versions of the
//! crates the results depend on, and the Python environment
//! ([`python_env`](super::python_env)).

use std::process::Command;

use super::python_env::PythonEnv;
use crate::shell::root;

/// The machine, toolchain and crate versions a run used.
pub(crate) struct Environment {
    /// The CPU's model name.
    pub(crate) cpu: String,
    /// Available parallelism.
    pub(crate) cores: usize,
    /// Total memory, as `23.5 GiB`.
    pub(crate) memory: String,
    /// The Linux kernel release.
    pub(crate) kernel: String,
    /// `rustc -V`.
    pub(crate) rustc: String,
    /// The versions in Cargo.lock of the crates the results depend on.
    pub(crate) crates: Vec<(&'static str, String)>,
    /// The load averages (1, 5, 15 minutes) when the run began, as
    /// `/proc/loadavg` gives them: a run on a busy machine says so.
    pub(crate) load: String,
    /// The Python clients' environment, when they run.
    pub(crate) python: Option<PythonEnv>,
}

/// Available parallelism.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The machine, toolchain, crate versions and Python requests.
pub(crate) fn environment() -> Environment {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_default();
    let crates = [
        "hyper",
        "hyper-util",
        "tokio",
        "rustls",
        "reqwest",
        "ureq",
        "serde_json",
        "criterion",
    ]
    .into_iter()
    .filter_map(|name| version_in_lock(&lock, name).map(|v| (name, v)))
    .collect();
    let load = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    Environment {
        cpu,
        cores: cores(),
        memory,
        kernel,
        rustc,
        crates,
        load,
        python: None,
    }
}

/// The version of `name` in the text of Cargo.lock (its first entry).
fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let marker = format!("name = \"{name}\"\nversion = \"");
    let at = lock.find(&marker)? + marker.len();
    Some(lock[at..].split('"').next()?.to_owned())
}
