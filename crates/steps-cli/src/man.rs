//! `steps man --out-dir DIR`: the man pages, one per command (`steps.1`,
//! `steps-job-token-create.1`, ...), rendered from the command line's own
//! definition by clap_mangen, so that an installed `steps` can write its
//! own; `cargo xtask man` runs it.

use std::path::Path;

use crate::cli;
use crate::error::CliError;
use crate::terminal;

/// Writes every page into `out_dir`, made if missing; hidden commands
/// have none.
pub(crate) fn write(out_dir: &Path) -> Result<(), CliError> {
    let failed = |e: std::io::Error| {
        CliError::local(format!(
            "cannot write the man pages to {}: {e}",
            out_dir.display()
        ))
    };
    std::fs::create_dir_all(out_dir).map_err(failed)?;
    clap_mangen::generate_to(cli::command(), out_dir).map_err(failed)?;
    terminal::note(&format!(
        "man pages written to {} (read one with `man -l {}/steps.1`)",
        out_dir.display(),
        out_dir.display()
    ));
    Ok(())
}
