//! The command line, as clap derives it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use steps::Secret;

use crate::duration::parse_duration;

/// A secret argument, held as a `Secret` so that the parsed command line's
/// `Debug` cannot show it.
fn parse_secret(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

/// The longest `--timeout`: a day. Longer is surely a mistake, and a
/// deadline centuries away overflows the clock.
const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// A `--timeout`: a duration more than zero (every call would fail) and at
/// most [`MAX_TIMEOUT`].
fn parse_timeout(value: &str) -> Result<Duration, String> {
    let timeout = parse_duration(value)?;
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err("the timeout must be more than zero and at most 1d".to_owned());
    }
    Ok(timeout)
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success (also when standard output is closed early, as by `| head -1`)
  1  API or network error
  2  usage error (bad arguments or input)
  3  not logged in, or not authorised (includes an unsafe credentials file)

Environment:
  STEPS_API_URL    the API URL (as --api-url)
  STEPS_TOKEN      a login token to use instead of the stored one (as --token)
  STEPS_CONFIG_DIR where credentials.json is kept (as --config-dir)
  XDG_CONFIG_HOME  else $XDG_CONFIG_HOME/steps, if absolute (else ~/.config/steps)
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                   a proxy, reached with CONNECT, as curl reads them
  NO_COLOR         no colour in -v logs (which are coloured only on a terminal)";

/// Manage STEPS cloud tokens: log in, create and revoke job tokens and API
/// keys, or run a local STEPS cloud.
#[derive(Debug, Parser)]
#[command(name = "steps", version, after_help = EXIT_CODES, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The STEPS API URL.
    #[arg(long, global = true, env = "STEPS_API_URL", default_value = steps::DEFAULT_API_URL)]
    pub(crate) api_url: String,
    /// A login token to use instead of the stored one (prefer STEPS_TOKEN:
    /// flags are visible to other local users).
    #[arg(long, global = true, env = "STEPS_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub(crate) token: Option<Secret>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Timeout of each API call (90s, 15m, ...; from 1s to 1d).
    #[arg(long, global = true, value_parser = parse_timeout, default_value = "30s")]
    pub(crate) timeout: Duration,
    /// Where the credentials file is kept (default: $XDG_CONFIG_HOME/steps,
    /// else ~/.config/steps).
    #[arg(long, global = true, env = "STEPS_CONFIG_DIR", value_name = "DIR")]
    pub(crate) config_dir: Option<PathBuf>,
    /// Log what happens to stderr (-v, -vv); secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Log in and store the login token for this API URL.
    Login(LoginArgs),
    /// Forget the stored login token for this API URL.
    Logout,
    /// Show who the current token belongs to.
    Whoami,
    /// Manage job tokens.
    #[command(subcommand, name = "job-token")]
    JobToken(TokenCommand),
    /// Manage API keys (admin only).
    #[command(subcommand, name = "api-key")]
    ApiKey(TokenCommand),
    /// Run a local STEPS cloud in the foreground.
    Emulator(steps_emulator::EmulatorArgs),
    /// Show the whole token lifecycle against an in-process local cloud.
    Demo,
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// The account's email; the password is prompted for without echo.
    #[arg(long, required_unless_present = "with_token", conflicts_with = "with_token")]
    pub(crate) email: Option<String>,
    /// Read the password from standard input instead of prompting.
    #[arg(long, requires = "email")]
    pub(crate) password_stdin: bool,
    /// Read an existing login token from standard input.
    #[arg(long)]
    pub(crate) with_token: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create one; its secret is printed this once.
    Create {
        /// A label.
        #[arg(long)]
        label: Option<String>,
        /// Lifetime (90s, 15m, 1h, 7d; default 99999s).
        #[arg(long, value_parser = parse_duration)]
        duration: Option<Duration>,
    },
    /// Show one (without its secret).
    Get {
        /// Its id.
        id: i64,
    },
    /// Delete (revoke) one.
    Delete {
        /// Its id.
        id: i64,
    },
    /// List all (admin only), following every page.
    List,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn a_zero_timeout_is_refused() {
        assert!(super::parse_timeout("0").is_err());
        assert!(super::parse_timeout("0s").is_err());
        assert!(super::parse_timeout("30500568904943w").is_err());
        assert!(super::parse_timeout("25h").is_err());
        assert_eq!(super::parse_timeout("1s"), Ok(std::time::Duration::from_secs(1)));
        assert_eq!(super::parse_timeout("1d"), Ok(super::MAX_TIMEOUT));
    }
}
