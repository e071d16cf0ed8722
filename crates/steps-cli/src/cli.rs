//! The command line, as clap derives it.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, Parser, Subcommand};
use steps::{IdempotencyKey, Secret};

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

/// A `--profile`: 1 to 64 letters, digits, `-`, `_` or `.`, so that it
/// reads well in messages and cannot be mistaken for a flag or a path.
fn parse_profile(value: &str) -> Result<String, String> {
    let fits = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if value.is_empty() || value.len() > 64 || !fits || value.starts_with('-') {
        return Err("a profile name is 1 to 64 letters, digits, '-', '_' or '.'".to_owned());
    }
    Ok(value.to_owned())
}

/// An `--idempotency-key`: what the protocol accepts, checked before
/// anything is sent.
fn parse_idempotency_key(value: &str) -> Result<IdempotencyKey, String> {
    IdempotencyKey::new(value).map_err(|e| e.to_string())
}

/// A `--grace`: a duration the protocol accepts, from zero to a day
/// (`MAX_ROTATION_GRACE`), checked before anything is sent.
fn parse_grace(value: &str) -> Result<Duration, String> {
    let grace = parse_duration(value)?;
    if grace > steps::steps_core::MAX_ROTATION_GRACE {
        return Err("the grace period is at most 1d".to_owned());
    }
    Ok(grace)
}

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

/// The lifetime of `steps exec`'s job token when `--duration` is not
/// given: long enough for most jobs, short enough that a token whose
/// delete failed does not live on for long.
pub(crate) const EXEC_DURATION: Duration = Duration::from_secs(3600);

/// The label of `steps exec`'s job token when `--label` is not given.
pub(crate) const EXEC_LABEL: &str = "steps exec";

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
  STEPS_API_URL    the API URL (as --api-url)
  STEPS_PROFILE    the profile (as --profile)
  STEPS_TOKEN      a login token to use instead of the stored one (as --token)
  STEPS_CONFIG_DIR where credentials.json is kept (as --config-dir)
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

/// Where the API URL, profile and token options came from, filled in from
/// the parsed command line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Origins {
    pub(crate) api_url: Origin,
    pub(crate) profile: Origin,
    pub(crate) token: Origin,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The STEPS API URL (default: the one `steps login --api-url`
    /// remembered for the profile, else http://127.0.0.1:8787).
    #[arg(long, global = true, env = "STEPS_API_URL", value_name = "URL")]
    pub(crate) api_url: Option<String>,
    /// Which of the stored identities to use (default: "default"); each
    /// profile has its own login per API URL and its own remembered URL.
    #[arg(long, global = true, env = "STEPS_PROFILE", value_name = "NAME", value_parser = parse_profile)]
    pub(crate) profile: Option<String>,
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
    /// Run a local STEPS cloud in the foreground.
    Emulator(steps_emulator::EmulatorArgs),
    /// Show the whole token lifecycle against an in-process local cloud.
    Demo,
    /// Print shell completions.
    #[command(alias = "completion")]
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
pub(crate) enum AuthCommand {
    /// Show the API URL in use and why, where the token comes from, who it
    /// belongs to and how long it has left, and the stored profiles. Exit
    /// 0 when the token is usable, 3 when not logged in or refused, 1 when
    /// the server cannot be reached.
    Status,
    /// Print the login token in use (the stored one, or STEPS_TOKEN), and
    /// nothing else, for scripts.
    Token,
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

/// What `job-token` and `api-key` have in common.
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
        /// Make the create safe to repeat: a server that offers idempotent
        /// creates (protocol v2) answers a repeat with this key with the
        /// same token instead of a new one. 1 to 255 visible ASCII
        /// characters. A v1 server is not sent the key (it would create
        /// again).
        #[arg(long, value_name = "KEY", value_parser = parse_idempotency_key)]
        idempotency_key: Option<IdempotencyKey>,
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
    /// Give one a new secret, printed this once; its id, label and
    /// lifetime stay. The old secret keeps working for --grace, then is
    /// refused. Protocol v2, feature "rotation".
    Rotate {
        /// Its id.
        id: i64,
        /// How long the old secret keeps working, so that what uses it can
        /// be switched over (0s to 1d; default 0: refused at once).
        #[arg(long, value_parser = parse_grace)]
        grace: Option<Duration>,
        /// Make the rotation safe to repeat: a server that offers
        /// idempotent requests answers a repeat with this key with the
        /// same new secret instead of rotating again. 1 to 255 visible
        /// ASCII characters. A server without them is not sent the key.
        #[arg(long, value_name = "KEY", value_parser = parse_idempotency_key)]
        idempotency_key: Option<IdempotencyKey>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum JobTokenCommand {
    #[command(flatten)]
    Common(TokenCommand),
    /// List job tokens, following every page: an admin sees everyone's; a
    /// user sees their own where the server offers that (protocol v2,
    /// feature "own_tokens"; a v1 server lists for admins only).
    List {
        /// Only the job tokens with exactly this label (protocol v2,
        /// feature "own_tokens").
        #[arg(long)]
        label: Option<String>,
        /// Only this user's job tokens: anyone's for an admin, your own id
        /// otherwise (protocol v2, feature "own_tokens").
        #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(0..))]
        user: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ApiKeyCommand {
    #[command(flatten)]
    Common(TokenCommand),
    /// List all, following every page.
    List,
}

/// Examples for each subcommand's `--help`, by its path: declared here,
/// once, and added by [`command`].
const EXAMPLES: &[(&str, &str)] = &[
    (
        "login",
        "steps login --email ada@example.com\n\
         printf '%s\\n' \"$PASSWORD\" | steps login --email ada@example.com --password-stdin\n\
         steps login --api-url https://steps.example.com --email ada@example.com  # remembers the URL\n\
         steps login --profile admin --email root@example.com",
    ),
    (
        "logout",
        "steps logout\nsteps logout --profile admin\nsteps logout --json | jq .revoked",
    ),
    (
        "whoami",
        "steps whoami\nsteps --json whoami\nSTEPS_TOKEN=\"$STEPS_JOB_TOKEN\" steps whoami  # a job token's id and label",
    ),
    ("auth", "steps auth status\nsteps auth token"),
    (
        "auth status",
        "steps auth status\nsteps auth status --json | jq .expires_in\nsteps --profile admin auth status",
    ),
    (
        "auth token",
        "steps auth token\n\
         steps --profile admin auth token | docker secret create steps_token -\n\
         curl -H \"Authorization: Bearer $(steps auth token)\" https://steps.example.com/api/whoami",
    ),
    (
        "exec",
        "steps exec -- ./deploy.sh --fast\n\
         steps exec --duration 4h --label nightly -- make release\n\
         steps exec --env PCVL_CLOUD_TOKEN -- python run_job.py",
    ),
    (
        "job-token",
        "steps job-token create --label nightly --duration 1h\n\
         steps job-token rotate 42 --grace 10m\n\
         steps job-token list --json",
    ),
    (
        "job-token create",
        "steps job-token create --label nightly --duration 1h\n\
         steps job-token create --idempotency-key \"deploy-$BUILD_ID\" --json",
    ),
    (
        "job-token get",
        "steps job-token get 42\nsteps job-token get 42 --json",
    ),
    ("job-token delete", "steps job-token delete 42"),
    (
        "job-token rotate",
        "steps job-token rotate 42\n\
         steps job-token rotate 42 --grace 10m --json\n\
         steps job-token rotate 42 --grace 1h --idempotency-key \"rotate-42-$BUILD_ID\"",
    ),
    (
        "job-token list",
        "steps job-token list\n\
         steps job-token list --json | jq '.[].token_id'\n\
         steps job-token list --label nightly\n\
         steps job-token list --user 2 --json",
    ),
    (
        "api-key",
        "steps api-key create --label worker --duration 7d\n\
         steps api-key rotate 7 --grace 1h\n\
         steps api-key list",
    ),
    (
        "api-key create",
        "steps api-key create --label worker --duration 7d\n\
         steps api-key create --label worker --idempotency-key worker-2026-11 --json",
    ),
    ("api-key get", "steps api-key get 7\nsteps api-key get 7 --json"),
    ("api-key delete", "steps api-key delete 7"),
    (
        "api-key rotate",
        "steps api-key rotate 7 --grace 1h\nsteps api-key rotate 7 --grace 1h --idempotency-key rotate-7-2026-11 --json",
    ),
    ("api-key list", "steps api-key list\nsteps api-key list --json"),
    ("meta", "steps meta\nsteps meta --json"),
    (
        "emulator",
        "steps emulator\nsteps emulator --listen 127.0.0.1:9000 --admin root@example.com:TEST-password",
    ),
    ("demo", "steps demo\nsteps demo --json"),
    (
        "completions",
        "steps completions bash > ~/.local/share/bash-completion/completions/steps\n\
         steps completions zsh > \"${fpath[1]}/_steps\"",
    ),
];

/// The command line: [`Cli`]'s, with the [`EXAMPLES`] in each
/// subcommand's `--help`.
pub(crate) fn command() -> clap::Command {
    let mut command = Cli::command();
    for (path, examples) in EXAMPLES {
        let text: String = examples.lines().map(|l| format!("\n  {l}")).collect();
        command = with_subcommand(command, &path.split(' ').collect::<Vec<_>>(), |c| {
            c.after_help(format!("Examples:{text}"))
        });
    }
    command
}

/// `command` with the subcommand at `path` changed by `change`.
fn with_subcommand(
    command: clap::Command,
    path: &[&str],
    change: impl FnOnce(clap::Command) -> clap::Command,
) -> clap::Command {
    match path {
        [] => change(command),
        [first, rest @ ..] => {
            let first = first.to_string();
            command.mut_subcommand(first, |sub| with_subcommand(sub, rest, change))
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
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

    #[test]
    fn profile_and_variable_names_are_checked() {
        for good in ["default", "admin", "ci.prod-2", "A_b"] {
            assert!(super::parse_profile(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(super::parse_profile(bad).is_err(), "{bad}");
        }
        for good in ["STEPS_JOB_TOKEN", "PCVL_CLOUD_TOKEN", "_x", "a1"] {
            assert!(super::parse_env_name(good).is_ok(), "{good}");
        }
        for bad in ["", "1A", "A=B", "A B", "A-B", "Ä"] {
            assert!(super::parse_env_name(bad).is_err(), "{bad}");
        }
        assert!(super::parse_idempotency_key("deploy-42").is_ok());
        assert!(super::parse_idempotency_key("has space").is_err());
        assert!(super::parse_idempotency_key("").is_err());
    }

    #[test]
    fn a_grace_is_at_most_a_day() {
        assert_eq!(super::parse_grace("0"), Ok(std::time::Duration::ZERO));
        assert_eq!(super::parse_grace("10m"), Ok(std::time::Duration::from_secs(600)));
        assert_eq!(
            super::parse_grace("1d"),
            Ok(std::time::Duration::from_secs(86_400))
        );
        for bad in ["1d1s", "2d", "-1s", "x", "", "30500568904943w"] {
            assert!(super::parse_grace(bad).is_err(), "{bad}");
        }
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
