//! `steps`: the command-line tool for STEPS cloud tokens.

mod cleartext;
mod cli;
mod commands;
mod credentials;
mod demo;
mod duration;
mod error;
mod output;
mod terminal;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::commands::{App, Kind};
use crate::error::CliError;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    if matches.value_source("token") == Some(ValueSource::CommandLine) {
        // As gh and vault do, prefer the environment: any local user can
        // read a process's arguments.
        terminal::error_line(
            "warning: --token is visible to other users of this machine; set STEPS_TOKEN instead",
        );
    }
    if cli.global.verbose > 0 {
        use tracing_subscriber::filter::{LevelFilter, Targets};
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let level = if cli.global.verbose > 1 {
            LevelFilter::TRACE
        } else {
            LevelFilter::DEBUG
        };
        let targets = Targets::new()
            .with_target("steps", level)
            .with_target("steps_transport", level)
            .with_target("steps_cli", level)
            .with_target("steps_emulator", LevelFilter::INFO);
        // Colour codes only for a person at a terminal who has not asked
        // for none (https://no-color.org): never in a log file or a pipe.
        let colour =
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(colour)
            // The builder's own default stops at INFO; `targets` filters.
            .with_max_level(LevelFilter::TRACE)
            .finish()
            .with(targets)
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(CliError::api(format!("cannot start the async runtime: {e}"))),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error),
    }
}

/// Says what failed, made printable (it may quote a server), and exits
/// with its code; a closed stdout says nothing.
fn fail(error: CliError) -> ExitCode {
    if !error.message.is_empty() {
        terminal::error_line(&error.message);
    }
    ExitCode::from(error.code)
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "steps", &mut script);
            terminal::write(&script)
        }
        Command::Demo => demo::run(cli.global.json).await,
        Command::Emulator(args) => args.run().await.map_err(CliError::api),
        Command::Login(args) => App::new(cli.global)?.login(args).await,
        Command::Logout => App::new(cli.global)?.logout(),
        Command::Whoami => App::new(cli.global)?.whoami().await,
        Command::JobToken(command) => App::new(cli.global)?.tokens(Kind::JobToken, command).await,
        Command::ApiKey(command) => App::new(cli.global)?.tokens(Kind::ApiKey, command).await,
    }
}
