//! `cargo xtask python`: the Python package `steps-cloud` (crates/steps-py),
//! built and tested in a virtual environment of its own, and the
//! standard-library example `examples/python` (docs/emulator.md) run
//! against the emulator binary. The crate is outside the workspace (no
//! workspace build links pyo3), so its format and lint checks run here.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::flags;
use crate::shell::{cargo, cargo_bin, root, run as run_command, target_dir};

/// maturin, as the package index gives it.
pub(crate) const MATURIN: &str = "maturin>=1.9.4,<2";

/// What the virtual environment gets from the package index.
const TOOLS: [&str; 2] = [MATURIN, "pytest>=7"];

/// Creates `<target dir>/python-venv` (once), installs maturin and pytest
/// there, checks the crate's format and lints, builds the package into
/// the environment with `maturin develop`, builds the emulator binary, runs
/// the pytest suite in `crates/steps-py/tests/`, then the unittest suite in
/// `examples/python/` (standard library only: the control plane driven
/// over HTTP), both against that binary.
pub(crate) fn run(flags: flags::Python) -> Result<(), String> {
    let target = absolute_target_dir()?;
    let venv = target.join("python-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        step(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    if !venv.join("bin/maturin").exists() || !venv.join("bin/pytest").exists() {
        step(
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .args(TOOLS),
        )?;
    }
    let crate_dir = root().join("crates/steps-py");
    let manifest = crate_dir.join("Cargo.toml");
    let manifest = manifest.to_str().ok_or("the checkout's path is not UTF-8")?;
    // The same interpreter for clippy as for maturin, so that pyo3's build
    // configuration (and what it compiled) is shared.
    let pyo3_python = [("PYO3_PYTHON", python.as_os_str().to_owned())];
    cargo(&["fmt", "--manifest-path", manifest, "--check"])?;
    cargo_env(
        &target,
        &[
            "clippy",
            "--manifest-path",
            manifest,
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &pyo3_python,
    )?;
    let mut develop = Command::new(venv.join("bin/maturin"));
    develop
        .args(["develop", "--locked", "--quiet", "--manifest-path", manifest])
        .env("VIRTUAL_ENV", &venv)
        .env("PATH", with_venv_path(&venv))
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO", cargo_bin())
        .current_dir(&crate_dir);
    if flags.release {
        develop.arg("--release");
    }
    step(&mut develop)?;
    cargo_env(
        &target,
        &[
            "build",
            "--locked",
            "-p",
            "steps-emulator",
            "--bin",
            "steps-emulator",
        ],
        &[],
    )?;
    let emulator = target.join("debug/steps-emulator");
    step(
        Command::new(&python)
            .args(["-m", "pytest", "-p", "no:cacheprovider", "-q"])
            .arg(crate_dir.join("tests"))
            .env("STEPS_EMULATOR_BIN", &emulator)
            // Nothing written into the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(root()),
    )?;
    // The example needs nothing from the environment but its interpreter.
    step(
        Command::new(&python)
            .args(["-m", "unittest", "discover", "-s", "examples/python", "-v"])
            .env("STEPS_EMULATOR", &emulator)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(root()),
    )
}

/// Echoes `command`, then runs it; fails on a non-zero exit.
pub(crate) fn step(command: &mut Command) -> Result<(), String> {
    let mut line = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    eprintln!("$ {line}");
    run_command(command)
}

/// `cargo ARGS` from the root with extra environment variables (paths
/// among them, which `shell::cargo_with_env` does not take).
fn cargo_env(target: &Path, args: &[&str], env: &[(&str, OsString)]) -> Result<(), String> {
    step(
        Command::new(cargo_bin())
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .env("CARGO_TARGET_DIR", target)
            .current_dir(root()),
    )
}

/// The target directory as an absolute path: a relative `CARGO_TARGET_DIR`
/// is relative to where cargo was run, and the commands here run elsewhere.
pub(crate) fn absolute_target_dir() -> Result<PathBuf, String> {
    let target = target_dir();
    if target.is_absolute() {
        return Ok(target);
    }
    let here = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    Ok(here.join(target))
}

/// `PATH` with the environment's `bin` first, as `activate` makes it.
pub(crate) fn with_venv_path(venv: &Path) -> OsString {
    let mut paths = vec![venv.join("bin")];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path).collect::<Vec<PathBuf>>());
    }
    std::env::join_paths(paths).unwrap_or_else(|_| venv.join("bin").into_os_string())
}
