//! `cargo xtask man`: the `steps` man pages, one per command, into
//! `target/man`. The `steps` binary renders them from its own command line
//! (its `man` command, with clap_mangen), so that xtask keeps no
//! dependencies.

use crate::shell::{cargo, target_dir};

/// Builds `steps` and has it write its pages.
pub(crate) fn run() -> Result<(), String> {
    let out_dir = target_dir().join("man");
    let out_dir = out_dir
        .to_str()
        .ok_or_else(|| format!("{} is not UTF-8", out_dir.display()))?;
    cargo(&[
        "run",
        "--quiet",
        "--locked",
        "-p",
        "steps-cli",
        "--bin",
        "steps",
        "--",
        "man",
        "--out-dir",
        out_dir,
    ])
}
