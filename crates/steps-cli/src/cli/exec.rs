//! The arguments of `steps exec`, and what it uses when they are not
//! given.

use std::ffi::OsString;
use std::time::Duration;

use clap::Args;

use crate::duration::parse_duration;

/// The lifetime of `steps exec`'s job token when `--duration` is not
/// given: long enough for most jobs, short enough that a token whose
/// delete failed does not live on for long.
pub(crate) const EXEC_DURATION: Duration = Duration::from_secs(3600);

/// The label of `steps exec`'s job token when `--label` is not given.
pub(crate) const EXEC_LABEL: &str = "steps exec";

/// An `--env` name: a shell variable's (`[A-Za-z_][A-Za-z0-9_]*`), so that
/// the command's shell scripts can read it.
fn parse_env_name(value: &str) -> Result<String, String> {
    let mut chars = value.chars();
    let first = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(
            "an environment variable name is a letter or '_', then letters, digits or '_'".to_owned(),
        );
    }
    Ok(value.to_owned())
}

#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The job token's lifetime (90s, 15m, 1h, 7d; default 1h): if its
    /// delete fails, it lives this long.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) duration: Option<Duration>,
    /// The job token's label (default "steps exec").
    #[arg(long)]
    pub(crate) label: Option<String>,
    /// The environment variable that carries the job token.
    #[arg(long, value_name = "VAR", default_value = "STEPS_JOB_TOKEN", value_parser = parse_env_name)]
    pub(crate) env: String,
    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub(crate) command: Vec<OsString>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn variable_names_are_checked() {
        for good in ["STEPS_JOB_TOKEN", "PCVL_CLOUD_TOKEN", "_x", "a1"] {
            assert!(super::parse_env_name(good).is_ok(), "{good}");
        }
        for bad in ["", "1A", "A=B", "A B", "A-B", "Ä"] {
            assert!(super::parse_env_name(bad).is_err(), "{bad}");
        }
    }
}
