//! `steps __man --out-dir DIR`: the man pages, one per command
//! (`steps.1`, `steps-job-token-create.1`, ...), rendered from the command
//! line's own definition by clap_mangen. `cargo xtask man` runs it; it is
//! read before clap parses anything, so that no help, completion or man
//! page lists it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cli;
use crate::error::CliError;
use crate::terminal;

/// The name that asks for the man pages.
const NAME: &str = "__man";

/// Runs `steps __man --out-dir DIR` when `args` (the whole command line)
/// is that; `None` for any other command line.
pub(crate) fn run_if_asked(args: impl IntoIterator<Item = OsString>) -> Option<Result<(), CliError>> {
    let mut args = args.into_iter().skip(1);
    if args.next()? != NAME {
        return None;
    }
    let rest: Vec<OsString> = args.collect();
    Some(match rest.as_slice() {
        [flag, dir] if flag == "--out-dir" => write(&PathBuf::from(dir)),
        _ => Err(CliError::usage(format!("usage: steps {NAME} --out-dir DIR"))),
    })
}

/// Writes every page into `out_dir`, made if missing; hidden commands
/// (this one) have none.
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
