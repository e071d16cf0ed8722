//! The arguments of the commands about the login itself: `steps login`
//! and `steps auth` (`logout` and `whoami` take none of their own).

use clap::builder::BoolishValueParser;
use clap::{ArgGroup, Args, Subcommand};

/// `--email` or `--with-token`, one of the two: a group, so that the
/// usage line shows both ways to log in.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("how").required(true).args(["email", "with_token"])))]
pub(crate) struct LoginArgs {
    /// The account's email; the password is prompted for without echo.
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// Read the password from standard input instead of prompting.
    #[arg(long, requires = "email")]
    pub(crate) password_stdin: bool,
    /// Read an existing login token from standard input.
    #[arg(long)]
    pub(crate) with_token: bool,
    /// Keep the token in the credentials file (mode 0600) instead of the
    /// OS credential store (the macOS Keychain, the Windows Credential
    /// Manager, the Secret Service), which is used by default where one
    /// works.
    #[arg(long, env = "STEPS_INSECURE_STORAGE", value_parser = BoolishValueParser::new())]
    pub(crate) insecure_storage: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Show the API URL in use and why, where the token comes from, who it
    /// belongs to and how long it has left, and the stored profiles. Exit
    /// 0 when the token is usable, 3 when not logged in or refused, 1 when
    /// the server cannot be reached.
    Status,
    /// Print the login token in use (the stored one, or STEPS_TOKEN), and
    /// nothing else, for scripts.
    Token,
    /// Make PROFILE the one used when neither --profile nor STEPS_PROFILE
    /// names one (as `gh auth switch`); `default` goes back to the default.
    /// The profile must have been logged in to.
    Switch {
        /// The profile.
        #[arg(value_parser = super::values::parse_profile,
              add = clap_complete::engine::ArgValueCompleter::new(crate::completion::profiles))]
        profile: String,
    },
    /// Store, as the profile's login, the token another tool uses (never
    /// printing it): --from perceval takes Perceval's (PCVL_CLOUD_TOKEN,
    /// else remote.token in its config.json), for the Quandela cloud
    /// (--api quandela is implied).
    Import {
        /// The tool whose token to take.
        #[arg(long, value_enum)]
        from: ImportFrom,
        /// Keep the token in the credentials file (mode 0600) instead of
        /// the OS credential store.
        #[arg(long, env = "STEPS_INSECURE_STORAGE", value_parser = BoolishValueParser::new())]
        insecure_storage: bool,
    },
}

/// The tools `steps auth import` takes a token from.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ImportFrom {
    /// Perceval (Quandela's Python framework).
    Perceval,
}
