//! `cargo xtask`: project chores, as plain Rust with no dependencies.
//!
//! - `cargo xtask ci`: format check, clippy with `-D warnings`, rustdoc
//!   with `-D warnings`, and the README's test command, as `.ci/run` runs
//!   them (without the schemathesis step).
//! - `cargo xtask bench [--quick]`: the benchmarks (see `bench.rs`).
//! - `cargo xtask load`: 1,000 tasks, 100,000 mixed requests through the
//!   facade against one emulator (see `bench.rs`).
//! - `cargo xtask fuzz [--seconds N] [TARGET...]`: each cargo-fuzz target in
//!   `fuzz/` (or the named ones) for N seconds (default 60), from its seeds
//!   and its growing corpus.
//! - `cargo xtask schemathesis`: schemathesis, in a Python virtual
//!   environment of its own, against a fresh emulator and `docs/openapi.yaml`.
//! - `cargo xtask conformance --url URL --admin E:P --user E:P --user E:P`:
//!   the conformance kit (`tests/src/conformance.rs`) against any server.

mod bench;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench::run(args.iter().any(|a| a == "--quick")),
        Some("load") => bench::load(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("schemathesis") => schemathesis(&args[1..]),
        Some("conformance") => {
            let mut command = vec![
                "run",
                "--quiet",
                "--locked",
                "-p",
                "steps-tests",
                "--bin",
                "steps-conformance",
                "--",
            ];
            command.extend(args[1..].iter().map(String::as_str));
            cargo(&command)
        }
        _ => {
            eprintln!("usage: cargo xtask ci | cargo xtask bench [--quick] | cargo xtask load | cargo xtask fuzz [--seconds N] [TARGET...] | cargo xtask schemathesis [--seed N] | cargo xtask conformance --url URL --admin E:P --user E:P --user E:P");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The checks CI runs, in the order that fails fastest.
fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo_with_env(
        &["doc", "--no-deps", "--workspace", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    cargo(&["test", "--workspace", "--locked"])
}

/// The cargo-fuzz targets in `fuzz/fuzz_targets`.
const FUZZ_TARGETS: [&str; 2] = ["parse_responses", "emulator_request"];

/// Runs the named fuzz targets (all of them when none is named) one after
/// the other, each for `--seconds N` (default 60). To use both cores, run
/// one `cargo xtask fuzz TARGET` per target at the same time. cargo-fuzz
/// needs nightly flags; `RUSTC_BOOTSTRAP=1` lets this stable toolchain
/// accept them.
fn fuzz(args: &[String]) -> Result<(), String> {
    const USAGE: &str = "usage: cargo xtask fuzz [--seconds N] [TARGET...]";
    let mut seconds: u64 = 60;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let n = args.next().ok_or(USAGE)?;
                seconds = n.parse().map_err(|_| "--seconds takes a whole number")?;
            }
            target if FUZZ_TARGETS.contains(&target) => targets.push(target),
            other => return Err(format!("unknown fuzz target or flag {other:?}; {USAGE}")),
        }
    }
    if targets.is_empty() {
        targets.extend(FUZZ_TARGETS);
    }
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let installed = Command::new(&cargo_bin)
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        cargo(&["install", "cargo-fuzz", "--locked"])?;
    }
    let dir = root().join("fuzz");
    for target in targets {
        let corpus = format!("corpus/{target}");
        std::fs::create_dir_all(dir.join(&corpus)).map_err(|e| e.to_string())?;
        eprintln!("$ cargo fuzz run {target} for {seconds} s");
        let status = Command::new(&cargo_bin)
            .args(["fuzz", "run", target, &corpus, &format!("seeds/{target}"), "--"])
            .arg(format!("-max_total_time={seconds}"))
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!(
                "fuzz target {target} found a failure: see fuzz/artifacts/{target}"
            ));
        }
    }
    Ok(())
}

/// Makes a virtual environment under `target/`, installs schemathesis,
/// starts an emulator, logs in as its admin, and runs schemathesis with that
/// token against `docs/openapi.yaml`. Fails on any schemathesis failure.
fn schemathesis(args: &[String]) -> Result<(), String> {
    let seed = match args {
        [] => None,
        [flag, n] if flag == "--seed" => Some(n.clone()),
        _ => return Err("usage: cargo xtask schemathesis [--seed N]".into()),
    };
    let venv = target_dir().join("schemathesis-venv");
    let st = venv.join("bin/st");
    if !st.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "schemathesis"]))?;
    }
    cargo(&["build", "--locked", "-p", "steps-emulator"])?;
    let mut emulator = Command::new(target_dir().join("debug/steps-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--admin",
            "st-admin@example.com:st-admin-pw",
            "--user",
            "st-user@example.com:st-user-pw",
            // Nothing expires because the run is slow: schemathesis may
            // create a one-second token and read it back seconds later,
            // which the protocol answers 404 once it has expired.
            "--frozen-clock",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let result = (|| {
        let stdout = emulator.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .map_err(|e| e.to_string())?;
        let url = line
            .split_whitespace()
            .last()
            .ok_or("the emulator printed no URL")?
            .to_owned();
        let login = format!(
            "import json,urllib.request as u;r=u.urlopen(u.Request('{url}/api/login',data=json.dumps({{'email':'st-admin@example.com','password':'st-admin-pw'}}).encode(),headers={{'content-type':'application/json'}}));print(json.load(r)['token'])"
        );
        let output = Command::new("python3")
            .args(["-c", &login])
            .output()
            .map_err(|e| e.to_string())?;
        let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if token.is_empty() {
            return Err("could not log in to the emulator".to_owned());
        }
        let mut st_run = Command::new(&st);
        st_run.arg("run");
        if let Some(seed) = &seed {
            st_run.args(["--seed", seed]);
        }
        // Not `run`: its error would print the command, token and all.
        let status = st_run
            .arg(root().join("docs/openapi.yaml"))
            .args(["--url", &url, "--max-examples", "100", "--header"])
            .arg(format!("Authorization: Bearer {token}"))
            .status()
            .map_err(|e| format!("cannot run schemathesis: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("schemathesis found failures (above; {status})"))
        }
    })();
    let _ = emulator.kill();
    let _ = emulator.wait();
    result
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("{command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else `target/` at the root.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The workspace root.
fn root() -> PathBuf {
    // `cargo xtask` (cargo run) sets CARGO_MANIFEST_DIR at run time; prefer
    // it to the compile-time value, which belongs to whichever checkout
    // built this binary when several share one target directory.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("..")
}

/// Runs cargo with `args` in the workspace root; fails on a non-zero exit.
fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env(args, &[])
}

/// [`cargo`] with extra environment variables.
fn cargo_with_env(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}
