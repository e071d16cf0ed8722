//! The machine a benchmark runs on and what it has: CPU, cores, memory,
//! kernel, toolchain, the versions of the crates the results depend on,
//! Python requests, and the Python binding `cargo xtask python` builds.

use std::path::PathBuf;
use std::process::Command;

use crate::shell::{root, target_dir};

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
    /// The version of Python requests, if python3 has it.
    pub(crate) python_requests: Option<String>,
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
        "serde_json",
        "criterion",
    ]
    .into_iter()
    .filter_map(|name| version_in_lock(&lock, name).map(|v| (name, v)))
    .collect();
    Environment {
        cpu,
        cores: cores(),
        memory,
        kernel,
        rustc,
        crates,
        python_requests: python_requests(),
    }
}

/// The version of Python requests, if python3 has it.
fn python_requests() -> Option<String> {
    let output = Command::new("python3")
        .args(["-c", "import requests; print(requests.__version__)"])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The version of `name` in the text of Cargo.lock (its first entry).
fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let marker = format!("name = \"{name}\"\nversion = \"");
    let at = lock.find(&marker)? + marker.len();
    Some(lock[at..].split('"').next()?.to_owned())
}

/// The interpreter of the virtual environment `cargo xtask python` makes.
pub(crate) fn binding_python() -> PathBuf {
    target_dir().join("python-venv/bin/python")
}

/// Whether the Python binding is built: its interpreter imports it.
pub(crate) fn has_binding() -> bool {
    Command::new(binding_python())
        .args(["-c", "import steps_cloud"])
        .output()
        .is_ok_and(|o| o.status.success())
}
