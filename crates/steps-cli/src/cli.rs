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

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  API or network error
  2  usage error (bad arguments or input)
  3  not logged in, or not authorised (includes an unsafe credentials file)

Environment:
  STEPS_API_URL   the API URL (as --api-url)
  STEPS_TOKEN     a login token to use instead of the stored one (as --token)
  XDG_CONFIG_HOME where credentials.json is kept (default ~/.config)
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                  a proxy, reached with CONNECT, as curl reads them";

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
    /// Timeout of each API call (90s, 15m, ...).
    #[arg(long, global = true, value_parser = parse_duration, default_value = "30s")]
    pub(crate) timeout: Duration,
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
    /// Where to store the credentials (default: the config directory).
    #[arg(long, value_name = "FILE", hide = true)]
    pub(crate) credentials_file: Option<PathBuf>,
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
}
