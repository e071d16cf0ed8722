//! The command line, as clap derives it: the global options, where each
//! came from, and the top-level commands. Each group's arguments are in a
//! file of their own: `api.rs` (`--api`), `auth.rs` (login, auth), `exec.rs`, `tokens.rs`
//! (job-token, api-key), and `examples.rs` (each `--help`'s examples).

mod api;
mod auth;
mod emulator;
mod examples;
mod exec;
mod tokens;
mod values;

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;
use steps::Secret;

pub(crate) use self::api::Api;
pub(crate) use self::auth::{AuthCommand, LoginArgs};
pub(crate) use self::emulator::{CtlCommand, EmulatorCommand, EmulatorSubcommand, StateCommand};
pub(crate) use self::exec::{ExecArgs, EXEC_DURATION, EXEC_LABEL};
pub(crate) use self::tokens::{ApiKeyCommand, JobTokenCommand, TokenCommand};
pub(crate) use self::values::is_profile_name;
use self::values::{parse_profile, parse_secret, parse_timeout};
use crate::completion;
use crate::duration::parse_duration;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (also when standard output is closed early, as by `| head -1`)
  1  API or network error; the server does not offer what the command needs
     (a protocol v2 feature: `steps meta` lists them); `steps logout` could not
     revoke the token (it is forgotten all the same)
  2  usage error (bad arguments or input)
  3  not logged in, or not authorised (includes an unsafe credentials file)
  `steps exec` exits with its command's status (128+N for a command killed by signal N).

Environment:
  STEPS_API        the API the server speaks, steps or quandela (as --api)
  STEPS_API_URL    the API URL (as --api-url)
  STEPS_PROFILE    the profile (as --profile; else the one `steps auth switch`
                   chose, else default)
  STEPS_TOKEN      a login token to use instead of the stored one (as --token)
  STEPS_CONFIG_DIR where credentials.json is kept (as --config-dir)
  STEPS_INSECURE_STORAGE=1
                   keep login tokens in the credentials file, not the OS
                   credential store (as --insecure-storage)
  STEPS_EXPIRY_WARNING
                   warn when the login token expires within this (as
                   --expiry-warning; default 24h, 0 for never)
  STEPS_CA_CERT    a PEM file of CA certificates to trust (as --ca-cert)
  SSL_CERT_FILE    the same, as curl and OpenSSL read it, when neither is given
  STEPS_NATIVE_ROOTS=1
                   trust this system's certificate store (as --native-roots)
  STEPS_LOG        a log filter for stderr, as target=level,... (info, or
                   steps_transport=debug,steps=info); secrets are never logged
  XDG_CONFIG_HOME  else $XDG_CONFIG_HOME/steps, if absolute (else ~/.config/steps)
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                   a proxy, reached with CONNECT, as curl reads them
  NO_COLOR         no colour in logs (which are coloured only on a terminal)

Examples:
  steps login --email ada@example.com
  steps exec -- ./deploy.sh
  steps auth status";

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

/// Where a setting came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Its flag on the command line.
    Flag,
    /// Its environment variable.
    Env,
    /// The profile's API URL, remembered by `steps login --api-url`.
    Remembered,
    /// Nothing chose it: the default.
    #[default]
    Default,
}

impl Origin {
    /// Where the argument `id` of `matches` came from (flag, environment
    /// or default).
    pub(crate) fn of(matches: &clap::ArgMatches, id: &str) -> Origin {
        match matches.value_source(id) {
            Some(ValueSource::CommandLine) => Origin::Flag,
            Some(ValueSource::EnvVariable) => Origin::Env,
            _ => Origin::Default,
        }
    }

    /// Its name in JSON output.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Origin::Flag => "flag",
            Origin::Env => "env",
            Origin::Remembered => "profile",
            Origin::Default => "default",
        }
    }
}

/// Where the API URL, profile, token and CA options came from, filled in
/// from the parsed command line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Origins {
    pub(crate) api: Origin,
    pub(crate) api_url: Origin,
    pub(crate) profile: Origin,
    pub(crate) token: Origin,
    pub(crate) ca_cert: Origin,
}

impl Origins {
    /// Where each option of `matches` came from.
    pub(crate) fn of(matches: &ArgMatches) -> Origins {
        Origins {
            api: Origin::of(matches, "client_api"),
            api_url: Origin::of(matches, "api_url"),
            profile: Origin::of(matches, "profile"),
            token: Origin::of(matches, "token"),
            ca_cert: Origin::of(matches, "ca_cert"),
        }
    }
}

/// The help heading of the options of the commands that talk to a STEPS
/// API, shown apart from each command's own (as gh shows "inherited
/// flags"); `steps emulator` takes none of them.
pub(crate) const CLIENT_OPTIONS: &str = "Client options";

/// Options every command takes: the client options, under their own
/// heading, and `-v`.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Which API the server speaks: steps, or quandela (the Quandela
    /// cloud's token API; default URL the production cloud's,
    /// api.cloud.quandela.com over HTTPS).
    /// Default: the one `steps login` remembered for the profile, else
    /// quandela for api.cloud.quandela.com, else steps.
    #[arg(id = "client_api", long = "api", global = true, env = "STEPS_API", value_name = "API",
          help_heading = CLIENT_OPTIONS)]
    pub(crate) api: Option<Api>,
    /// The STEPS API URL (default: the one `steps login --api-url`
    /// remembered for the profile, else http://127.0.0.1:8787).
    #[arg(long, global = true, env = "STEPS_API_URL", value_name = "URL", help_heading = CLIENT_OPTIONS)]
    pub(crate) api_url: Option<String>,
    /// Which of the stored identities to use (default: "default"); each
    /// profile has its own login per API URL and its own remembered URL.
    #[arg(long, global = true, env = "STEPS_PROFILE", value_name = "NAME", value_parser = parse_profile,
          add = ArgValueCompleter::new(completion::profiles), help_heading = CLIENT_OPTIONS)]
    pub(crate) profile: Option<String>,
    /// A login token to use instead of the stored one (prefer STEPS_TOKEN:
    /// flags are visible to other local users).
    #[arg(long, global = true, env = "STEPS_TOKEN", hide_env_values = true, value_parser = parse_secret,
          help_heading = CLIENT_OPTIONS)]
    pub(crate) token: Option<Secret>,
    /// Print JSON instead of tables.
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS)]
    pub(crate) json: bool,
    /// Timeout of each API call (90s, 15m, ...; from 1s to 1d).
    #[arg(long, global = true, value_parser = parse_timeout, default_value = "30s",
          help_heading = CLIENT_OPTIONS)]
    pub(crate) timeout: Duration,
    /// Where the credentials file is kept (default: $XDG_CONFIG_HOME/steps,
    /// else ~/.config/steps).
    #[arg(long, global = true, env = "STEPS_CONFIG_DIR", value_name = "DIR", help_heading = CLIENT_OPTIONS)]
    pub(crate) config_dir: Option<PathBuf>,
    /// Trust the CA certificates in this PEM file instead of the bundled
    /// Mozilla roots, as curl --cacert (default: $SSL_CERT_FILE, if set).
    #[arg(long, global = true, env = "STEPS_CA_CERT", value_name = "FILE", help_heading = CLIENT_OPTIONS)]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Trust this system's certificate store instead of the bundled
    /// Mozilla roots (with --ca-cert: both).
    #[arg(long, global = true, env = "STEPS_NATIVE_ROOTS", value_parser = BoolishValueParser::new(),
          help_heading = CLIENT_OPTIONS)]
    pub(crate) native_roots: bool,
    /// Warn on stderr when the stored login token expires within this
    /// window (a duration: 24h, 2 days; 0 for no warning).
    #[arg(long, global = true, env = "STEPS_EXPIRY_WARNING", value_name = "DURATION",
          value_parser = parse_duration, default_value = "24h", help_heading = CLIENT_OPTIONS)]
    pub(crate) expiry_warning: Duration,
    /// Print less: `create` and `rotate` print only the new secret on
    /// stdout (TOKEN=$(steps job-token create -q); over --json too); every
    /// command leaves out its notes on stderr (warnings and errors stay).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Log what happens to stderr (-v, -vv; STEPS_LOG chooses finely);
    /// secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Where the options above came from.
    #[arg(skip)]
    pub(crate) origins: Origins,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Log in and store the login token for this API URL and profile.
    Login(LoginArgs),
    /// Revoke the stored login token on the server, and forget it here.
    ///
    /// The token is revoked where the server offers that (protocol v2,
    /// feature "self"); elsewhere it is only forgotten here, and a note on
    /// stderr says that it stays valid until it expires. If the revocation
    /// fails (the server cannot be reached, say), the token is forgotten
    /// all the same, and steps says so and exits 1. --json reports
    /// "revoked" (true or false) and "revocation" ("revoked",
    /// "unsupported", "failed", "expired", "none"). A token in STEPS_TOKEN
    /// or --token is neither revoked nor forgotten.
    Logout,
    /// Show who the current token belongs to (and, for a job token or an
    /// API key, its id and label where the server says them).
    Whoami,
    /// Show the login in use, or print its token.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Run a command with a new job token in its environment, and delete
    /// the token when it ends.
    ///
    /// The token is in $STEPS_JOB_TOKEN (or the variable --env names);
    /// STEPS_TOKEN is not passed on. SIGINT, SIGTERM, SIGHUP and SIGQUIT
    /// are passed on to the command (a Ctrl-C typed at the terminal reaches
    /// it already), and the token is deleted when the command ends, however
    /// it ends. steps exits with the command's status (128+N when signal N
    /// killed it, 127 when it is not found). If the delete fails, steps
    /// says so with the token's id, and exits 1 if the command succeeded;
    /// the token then expires at the end of its --duration.
    #[command(override_usage = "steps exec [OPTIONS] -- <COMMAND>...")]
    Exec(ExecArgs),
    /// Manage job tokens.
    #[command(subcommand, name = "job-token")]
    JobToken(JobTokenCommand),
    /// Manage API keys (admin only).
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Show what the server offers: its protocol version and features.
    #[command(alias = "server-info")]
    Meta,
    /// Run a local STEPS cloud in the foreground, or drive a running one
    /// (`steps emulator ctl`).
    Emulator(EmulatorCommand),
    /// Show the whole token lifecycle against an in-process local cloud.
    Demo,
    /// Print shell completions (static; for completions that know your
    /// profiles and token ids, see README: `source <(COMPLETE=bash steps)`).
    #[command(alias = "completion")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the man pages, one per command (steps.1,
    /// steps-job-token-create.1, ...), into a directory.
    Man {
        /// Where (made if missing).
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
}

/// The command line: [`Cli`]'s, with the examples in each subcommand's
/// `--help`, and without the client options in `steps emulator --help`.
pub(crate) fn command() -> clap::Command {
    let command = examples::add(Cli::command());
    let emulator_longs: Vec<String> = command
        .find_subcommand("emulator")
        .map(|emulator| {
            emulator
                .get_arguments()
                .filter_map(|arg| arg.get_long().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // Building copies each global option into every subcommand that has
    // none of that name: the emulator gets hidden copies of its own (the
    // same definitions), so that its help lists none, and
    // `client_options_given` refuses them.
    let client: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|arg| arg.get_help_heading() == Some(CLIENT_OPTIONS))
        .map(|arg| {
            // A client option whose flag the emulator has too (`--api`)
            // is copied under another flag, so that the emulator's own is
            // its own.
            match arg
                .get_long()
                .filter(|long| emulator_longs.iter().any(|l| l == long))
            {
                Some(long) => {
                    // Built once a run: the name lives as long as the
                    // command line.
                    let renamed: &'static str = Box::leak(format!("client-{long}").into_boxed_str());
                    arg.clone().long(renamed).hide(true)
                }
                None => arg.clone().hide(true),
            }
        })
        .collect();
    command.mut_subcommand("emulator", |emulator| emulator.args(client))
}

/// The client options given on the command line (`--api-url`, ...), for a
/// command that takes none: `steps emulator`.
pub(crate) fn client_options_given(matches: &ArgMatches) -> Vec<String> {
    let command = Cli::command();
    command
        .get_arguments()
        .filter(|arg| arg.get_help_heading() == Some(CLIENT_OPTIONS))
        .filter(|arg| matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine))
        .filter_map(|arg| arg.get_long().map(|long| format!("--{long}")))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        // `Cli::command()` alone is not the command line: `command()`
        // gives the emulator its own `--api` (both have one).
        super::command().debug_assert();
    }

    /// Every subcommand a person runs has examples in its `--help`.
    #[test]
    fn every_subcommand_has_examples() {
        fn check(command: &clap::Command, path: &str) {
            for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
                let path = format!("{path} {}", sub.get_name()).trim().to_owned();
                assert!(
                    sub.get_after_help()
                        .is_some_and(|h| h.to_string().starts_with("Examples:")),
                    "`steps {path} --help` has no examples"
                );
                check(sub, &path);
            }
        }
        check(&super::command(), "");
    }
}
