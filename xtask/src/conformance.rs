//! `cargo xtask conformance --url URL --admin E:P --user E:P --user E:P`,
//! or `--api quandela --url URL --token T [--other-token T] [--admin-token
//! T] [--login E:P] [--control URL]`: the conformance kit
//! (`tests/src/conformance/`) against any server, through the
//! `steps-conformance` binary.

use std::process::Command;

use crate::flags::{self, ConformanceApi};
use crate::shell::{cargo_bin, cargo_line, root};

/// The flags whose values are secrets, shown as `<redacted>` when the
/// command line is echoed.
const SECRET_FLAGS: [&str; 4] = ["--token", "--other-token", "--admin-token", "--login"];

/// Builds and runs `steps-conformance` with the given server and
/// credentials.
pub(crate) fn run(flags: flags::Conformance) -> Result<(), String> {
    let mut args = vec![
        "run",
        "--quiet",
        "--locked",
        "-p",
        "steps-tests",
        "--bin",
        "steps-conformance",
        "--",
        "--url",
        &flags.url,
    ];
    match &flags.api {
        ConformanceApi::Steps {
            admin,
            users: [user, other],
        } => {
            args.extend(["--admin", admin, "--user", user, "--user", other]);
        }
        ConformanceApi::Quandela {
            token,
            other_token,
            admin_token,
            login,
            control,
        } => {
            args.extend(["--api", "quandela", "--token", token]);
            for (flag, value) in [
                ("--other-token", other_token),
                ("--admin-token", admin_token),
                ("--login", login),
                ("--control", control),
            ] {
                if let Some(value) = value {
                    args.extend([flag, value.as_str()]);
                }
            }
        }
    }
    let shown: Vec<&str> = args
        .iter()
        .enumerate()
        .map(|(i, arg)| match i.checked_sub(1).map(|at| args[at]) {
            Some(flag) if SECRET_FLAGS.contains(&flag) => "<redacted>",
            _ => arg,
        })
        .collect();
    let line = cargo_line(&shown, &[]);
    eprintln!("$ {line}");
    let status = Command::new(cargo_bin())
        .args(&args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}
