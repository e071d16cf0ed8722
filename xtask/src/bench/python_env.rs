//! The bench's own Python environment, `<target>/bench-python-venv`: the
//! package built as its users get it (a release wheel, `maturin build
//! --release`, installed with pip) beside Python requests, one interpreter
//! for both Python clients. `cargo xtask python` keeps its own environment
//! with the debug build the tests use; the bench never measures that one.

use std::path::PathBuf;
use std::process::Command;

use crate::python::{absolute_target_dir, step, with_venv_path, MATURIN};
use crate::shell::{cargo_bin, root, target_dir};

/// The interpreter of the bench's environment.
pub(crate) fn bench_python() -> PathBuf {
    target_dir().join("bench-python-venv/bin/python")
}

/// What the Python clients run on.
pub(crate) struct PythonEnv {
    /// The version of Python requests.
    pub(crate) requests: String,
    /// The binding's wheel and build, as `steps_cloud-0.1.0-….whl (release)`.
    pub(crate) binding: String,
    /// `python --version`.
    pub(crate) python: String,
}

/// Makes the environment (once), builds the release wheel, installs it
/// (again, so that it is the checkout's), and reads back what it runs.
///
/// # Errors
///
/// No python3, no package index, or the build failed: the caller skips
/// the Python clients and says why.
pub(crate) fn prepare() -> Result<PythonEnv, String> {
    let target = absolute_target_dir()?;
    let venv = target.join("bench-python-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        step(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    if !venv.join("bin/maturin").exists() || query(&python, "import requests").is_err() {
        step(
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .args([MATURIN, "requests>=2.31,<3"]),
        )?;
    }
    let crate_dir = root().join("crates/steps-py");
    let wheels = target.join("bench-wheels");
    let _ = std::fs::remove_dir_all(&wheels);
    step(
        Command::new(venv.join("bin/maturin"))
            .args(["build", "--release", "--locked", "--quiet", "--out"])
            .arg(&wheels)
            .arg("--interpreter")
            .arg(&python)
            .env("VIRTUAL_ENV", &venv)
            .env("PATH", with_venv_path(&venv))
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO", cargo_bin())
            .current_dir(&crate_dir),
    )?;
    let wheel = std::fs::read_dir(&wheels)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "whl"))
        .ok_or("maturin built no wheel")?;
    step(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--force-reinstall",
                "--no-deps",
            ])
            .arg(&wheel),
    )?;
    let build = query(&python, "import steps_cloud; print(steps_cloud.__build__)")?;
    if build != "release" {
        return Err(format!(
            "the installed steps_cloud is a {build} build, not a release one"
        ));
    }
    let name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(PythonEnv {
        requests: query(&python, "import requests; print(requests.__version__)")?,
        binding: format!("{name} ({build})"),
        python: query(&python, "import platform; print(platform.python_version())")?,
    })
}

/// What `python -c CODE` prints, trimmed.
fn query(python: &std::path::Path, code: &str) -> Result<String, String> {
    let output = Command::new(python)
        .args(["-c", code])
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
