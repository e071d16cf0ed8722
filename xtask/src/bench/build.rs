//! The build cost part of `cargo xtask bench` (alone: `--build-cost`):
//! clean release builds, each in a fresh target directory, of steps-core, of
//! one small application written twice, `bench/build-cost/facade-app` on
//! the facade and `bench/build-cost/hyper-app` on bare hyper-util and
//! hyper-rustls, and of the `steps` binary with and without its default
//! `keyring` feature (the OS credential store); their wall times, and the
//! crates each compiles. Returns plain data; [`super::report`] renders it.
//! The CLI is built once a run, not once a round: it is the longest build,
//! and what it shows is the difference the feature makes.
//!
//! The two applications are not workspace members (the root Cargo.toml
//! excludes them), so that the workspace's own builds never compile them.
//! Each gets a copy of the workspace's Cargo.lock before it is built, so
//! that both build the versions the workspace does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::environment::cores;
use crate::shell::{cargo_bin, root};

/// What the clean builds cost.
pub(crate) struct BuildCost {
    /// The cores the builds had.
    pub(crate) cores: usize,
    /// `cargo build --release -p steps-core`.
    pub(crate) core: Build,
    /// `bench/build-cost/facade-app`, on the facade.
    pub(crate) facade_app: Build,
    /// `bench/build-cost/hyper-app`, on bare hyper-util.
    pub(crate) hyper_app: Build,
    /// `cargo build --release -p steps-cli`: the `steps` binary, with its
    /// default features (the OS credential store).
    pub(crate) cli: Build,
    /// The same with `--no-default-features`.
    pub(crate) cli_without_keyring: Build,
}

/// One subject's clean builds.
pub(crate) struct Build {
    /// The wall time of each clean build, in seconds, in the order run.
    pub(crate) seconds: Vec<f64>,
    /// The crates it compiles.
    pub(crate) crates: Crates,
}

/// The crates one build compiles, as `cargo tree` names them (`name
/// vX.Y.Z`, a path for local ones), each list sorted, the subject itself
/// included.
pub(crate) struct Crates {
    /// The crates linked into the result: normal dependencies, without
    /// proc-macros and what only they need (`cargo tree -e
    /// normal,no-proc-macro`).
    pub(crate) linked: Vec<String>,
    /// The crates compiled only to run during the build: proc-macros,
    /// build-dependencies, and what only they need (`cargo tree -e
    /// normal,build`, less [`Crates::linked`]).
    pub(crate) build_time: Vec<String>,
}

impl Crates {
    /// Every crate the build compiles.
    pub(crate) fn total(&self) -> usize {
        self.linked.len() + self.build_time.len()
    }

    /// How many of [`Crates::build_time`] are proc-macros.
    pub(crate) fn proc_macros(&self) -> usize {
        self.build_time
            .iter()
            .filter(|c| c.ends_with("(proc-macro)"))
            .count()
    }
}

/// One thing built from clean: a manifest, and a package in it.
struct Subject {
    /// Its name in target directory names.
    name: &'static str,
    /// The Cargo.toml to build.
    manifest: PathBuf,
    /// `-p PACKAGE`, for a workspace member.
    package: Option<&'static str>,
    /// More arguments of every cargo command on it (`--no-default-features`).
    args: &'static [&'static str],
    /// Built in the first round only.
    once: bool,
}

impl Subject {
    /// steps-core, in the workspace.
    fn core() -> Subject {
        Subject {
            name: "steps-core",
            manifest: root().join("Cargo.toml"),
            package: Some("steps-core"),
            args: &[],
            once: false,
        }
    }

    /// The `steps` binary, with `args` (its features), once a run.
    fn cli(name: &'static str, args: &'static [&'static str]) -> Subject {
        Subject {
            name,
            manifest: root().join("Cargo.toml"),
            package: Some("steps-cli"),
            args,
            once: true,
        }
    }

    /// One of the applications in `bench/build-cost`.
    fn app(name: &'static str) -> Subject {
        Subject {
            name,
            manifest: root().join("bench/build-cost").join(name).join("Cargo.toml"),
            package: None,
            args: &[],
            once: false,
        }
    }

    /// A cargo command on this subject: `cargo SUB --manifest-path M [-p P]`.
    fn cargo(&self, sub: &str) -> Command {
        let mut command = Command::new(cargo_bin());
        command
            .arg(sub)
            .arg("--manifest-path")
            .arg(&self.manifest)
            .current_dir(root());
        if let Some(package) = self.package {
            command.args(["-p", package]);
        }
        command.args(self.args);
        command
    }
}

/// `rounds` clean builds of each subject, interleaved (core, facade app,
/// hyper app, core, ...), and the crates of each.
pub(crate) fn measure(rounds: usize) -> Result<BuildCost, String> {
    let subjects = [
        Subject::core(),
        Subject::app("facade-app"),
        Subject::app("hyper-app"),
        Subject::cli("steps-cli", &[]),
        Subject::cli("steps-cli-no-keyring", &["--no-default-features"]),
    ];
    let lock = root().join("Cargo.lock");
    let mut crates = Vec::new();
    for subject in &subjects {
        if subject.package.is_none() {
            let app_lock = subject.manifest.with_file_name("Cargo.lock");
            std::fs::copy(&lock, &app_lock).map_err(|e| format!("{}: {e}", app_lock.display()))?;
        }
        // Also trims an application's copy of the lock to what it uses, so
        // that the builds below can be --locked.
        crates.push(crates_of(subject)?);
    }
    let scratch = std::env::temp_dir().join(format!("steps-build-cost-{}", std::process::id()));
    let mut seconds = vec![Vec::new(); subjects.len()];
    for round in 0..rounds {
        for (subject, seconds) in subjects.iter().zip(&mut seconds) {
            if subject.once && round > 0 {
                continue;
            }
            let dir = scratch.join(format!("{}-{round}", subject.name));
            let result = clean_build(subject, &dir);
            let _ = std::fs::remove_dir_all(&dir);
            seconds.push(result?);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let mut builds = seconds
        .into_iter()
        .zip(crates)
        .map(|(seconds, crates)| Build { seconds, crates });
    let mut next = || builds.next().ok_or("a build is missing");
    Ok(BuildCost {
        cores: cores(),
        core: next()?,
        facade_app: next()?,
        hyper_app: next()?,
        cli: next()?,
        cli_without_keyring: next()?,
    })
}

/// `cargo build --release --locked` of `subject` into the empty target
/// directory `dir`: its wall time in seconds.
fn clean_build(subject: &Subject, dir: &Path) -> Result<f64, String> {
    eprintln!(
        "$ cargo build --release --locked --manifest-path {}{}{} --target-dir {}",
        subject.manifest.display(),
        subject.package.map(|p| format!(" -p {p}")).unwrap_or_default(),
        subject.args.iter().map(|a| format!(" {a}")).collect::<String>(),
        dir.display()
    );
    let _ = std::fs::remove_dir_all(dir);
    let mut command = subject.cargo("build");
    command
        .args(["--release", "--locked", "--target-dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let output = command.output().map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "the clean build of {} failed:\n{}",
            subject.name,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(seconds)
}

/// The crates a build of `subject` compiles, from `cargo tree`.
fn crates_of(subject: &Subject) -> Result<Crates, String> {
    let linked = tree(subject, "normal,no-proc-macro")?;
    let build_time = tree(subject, "normal,build")?
        .into_iter()
        .filter(|c| linked.binary_search(c).is_err())
        .collect();
    Ok(Crates { linked, build_time })
}

/// A `cargo tree` line without the checkout's path that a path dependency
/// shows (`steps v0.1.0 (/home/me/steps/crates/steps)` → `steps v0.1.0`):
/// the report names crates, not the machine that ran it.
fn without_path(line: &str) -> &str {
    match line.find(" (/") {
        Some(at) => &line[..at],
        None => line,
    }
}

/// `cargo tree -e EDGES --prefix none`, deduplicated and sorted: offline
/// first (every crate is usually in the local registry already), then
/// online.
fn tree(subject: &Subject, edges: &str) -> Result<Vec<String>, String> {
    let mut last_error = String::new();
    for offline in [true, false] {
        let mut command = subject.cargo("tree");
        command.args(["-e", edges, "--prefix", "none"]);
        if offline {
            command.arg("--offline");
        }
        let output = command.output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            last_error = String::from_utf8_lossy(&output.stderr).into_owned();
            continue;
        }
        let mut crates: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| without_path(l.trim_end_matches(" (*)")).to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        crates.sort();
        crates.dedup();
        return Ok(crates);
    }
    Err(format!("cargo tree of {}: {last_error}", subject.name))
}

#[cfg(test)]
mod tests {
    use super::without_path;

    #[test]
    fn crate_names_leave_the_checkout_path_out() {
        assert_eq!(
            without_path("steps v0.1.0 (/work/main/crates/steps)"),
            "steps v0.1.0"
        );
        assert_eq!(
            without_path("serde_derive v1.0.229 (proc-macro)"),
            "serde_derive v1.0.229 (proc-macro)"
        );
        assert_eq!(without_path("bytes v1.12.2"), "bytes v1.12.2");
    }
}
