//! `cargo xtask fuzz [--seconds N] [TARGET...]`: the cargo-fuzz targets in
//! `fuzz/` (listed in [`FUZZ_TARGETS`](crate::flags::command::FUZZ_TARGETS)), one
//! after the other.

use std::process::Command;

use crate::flags;
use crate::shell::{cargo, cargo_bin, root};

/// Runs the chosen fuzz targets one after the other, each for the chosen
/// number of seconds, from its seeds and its growing corpus; installs
/// cargo-fuzz first if it is missing. To use both cores, run one
/// `cargo xtask fuzz TARGET` per target at the same time. cargo-fuzz needs
/// nightly flags; `RUSTC_BOOTSTRAP=1` lets this stable toolchain accept them.
pub(crate) fn run(flags: flags::Fuzz) -> Result<(), String> {
    let flags::Fuzz { seconds, targets } = flags;
    let installed = Command::new(cargo_bin())
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
        let status = Command::new(cargo_bin())
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
