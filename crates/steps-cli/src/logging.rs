//! Logs on stderr: `-v`, `-vv`, or the filter in `STEPS_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::error::CliError;

/// The variable that holds a log filter.
const STEPS_LOG: &str = "STEPS_LOG";

/// Starts logging to stderr when asked: `STEPS_LOG` (when set and not
/// empty) is the filter, in `Targets` syntax (`info`,
/// `steps_transport=debug,steps=info`); else `-v` logs the SDK at debug
/// level and `-vv` at trace level; else nothing is logged. Secrets are never
/// logged at any level.
///
/// # Errors
///
/// A usage error (exit 2) for a `STEPS_LOG` that is not a filter.
pub(crate) fn init(verbose: u8) -> Result<(), CliError> {
    let from_env = std::env::var_os(STEPS_LOG).filter(|v| !v.is_empty());
    let targets = match from_env {
        Some(filter) => parse(&filter.to_string_lossy())?,
        None if verbose > 0 => verbose_targets(verbose),
        None => return Ok(()),
    };
    // Colour codes only for a person at a terminal who has not asked
    // for none (https://no-color.org): never in a log file or a pipe.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        // The builder's own default stops at INFO; `targets` filters.
        .with_max_level(LevelFilter::TRACE)
        .finish()
        .with(targets)
        .init();
    Ok(())
}

/// `STEPS_LOG`'s filter.
fn parse(filter: &str) -> Result<Targets, CliError> {
    filter.parse::<Targets>().map_err(|e| {
        CliError::usage(format!(
            "{STEPS_LOG}={filter:?} is not a log filter ({e}): write target=level,... \
             as in `steps_transport=debug,steps=info`, or one level such as `debug`"
        ))
    })
}

/// What `-v` (debug) and `-vv` (trace) log: the SDK and the CLI, and the
/// emulator's requests.
fn verbose_targets(verbose: u8) -> Targets {
    let level = if verbose > 1 {
        LevelFilter::TRACE
    } else {
        LevelFilter::DEBUG
    };
    Targets::new()
        .with_target("steps", level)
        .with_target("steps_transport", level)
        .with_target("steps_cli", level)
        .with_target("steps_emulator", LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_or_are_usage_errors() {
        for good in [
            "info",
            "steps_transport=debug,steps=info",
            "steps=trace",
            "warn,steps_cli=debug",
        ] {
            assert!(parse(good).is_ok(), "{good}");
        }
        for bad in ["steps=loud", "steps=debug=info", "debug,steps=nope"] {
            let error = parse(bad).err().unwrap_or_else(|| panic!("{bad} parsed"));
            assert_eq!(error.code, 2, "{bad}");
        }
    }
}
