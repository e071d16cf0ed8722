//! Running programs for the subcommands: cargo from the workspace root, each
//! command echoed first; servers that die with their handle; where the
//! workspace, its target directory and its release binaries are; the CPU
//! time the programs run took.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    // `cargo xtask` (cargo run) sets CARGO_MANIFEST_DIR at run time; prefer
    // it to the compile-time value, which belongs to whichever checkout
    // built this binary when several share one target directory.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("..")
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else `target/` at the root.
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// A release binary of the workspace.
pub(crate) fn release(name: &str) -> PathBuf {
    target_dir().join("release").join(name)
}

/// The cargo that runs xtask (`CARGO`), else `cargo` from the `PATH`.
pub(crate) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// A cargo command line as a shell would take it:
/// `RUSTDOCFLAGS="-D warnings" cargo doc --workspace`.
pub(crate) fn cargo_line(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut line = String::new();
    for (name, value) in env {
        line.push_str(&format!("{name}={value:?} "));
    }
    line.push_str("cargo");
    for arg in args {
        line.push(' ');
        line.push_str(arg);
    }
    line
}

/// Runs cargo with `args` in the workspace root; fails on a non-zero exit.
pub(crate) fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env(args, &[])
}

/// [`cargo`] with extra environment variables.
pub(crate) fn cargo_with_env(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let line = cargo_line(args, env);
    eprintln!("$ {line}");
    let status = Command::new(cargo_bin())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// Runs `command`; fails on a non-zero exit.
pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("{command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// A server process, killed when dropped.
pub(crate) struct Server {
    /// The process.
    child: Child,
    /// The URL it printed.
    pub(crate) url: String,
}

impl Server {
    /// Starts `command` and waits for a stdout line containing `http://`;
    /// the URL in it becomes [`Server::url`].
    pub(crate) fn start(mut command: Command) -> Result<Server, String> {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut server = Server {
            child,
            url: String::new(),
        };
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = lines
                .next()
                .ok_or("the server exited before printing its URL")?
                .map_err(|e| e.to_string())?;
            if let Some(at) = line.find("http://") {
                server.url = line[at..].split_whitespace().next().unwrap_or("").to_owned();
                // Keep draining its output so it never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return Ok(server);
            }
        }
    }

    /// Its process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `key=value` fields of the `result …` line that `steps-bench` and the
/// Python client print.
pub(crate) fn result_fields(output: &str) -> Result<BTreeMap<String, f64>, String> {
    let line = output
        .lines()
        .find(|l| l.starts_with("result "))
        .ok_or_else(|| format!("no result line in {output:?}"))?;
    Ok(line
        .split_whitespace()
        .skip(1)
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k.to_owned(), v)))
        .collect())
}

/// One field of [`result_fields`], which must be there.
pub(crate) fn field(fields: &BTreeMap<String, f64>, name: &str) -> Result<f64, String> {
    fields
        .get(name)
        .copied()
        .ok_or_else(|| format!("no {name} in the result line"))
}

/// The user and system CPU time of every child process this one has waited
/// for, in µs: `getrusage(RUSAGE_CHILDREN)`, which std does not offer. The
/// difference across one child's run and wait is that child's CPU time (this
/// process waits for nothing else meanwhile).
#[allow(unsafe_code)]
pub(crate) fn children_cpu_us() -> f64 {
    // SAFETY: an all-zero `rusage` is valid (it holds only integers), and
    // getrusage writes nothing but the `rusage` it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) != 0 {
            return f64::NAN;
        }
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(usage.ru_utime) + us(usage.ru_stime)
}
