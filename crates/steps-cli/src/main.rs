//! `steps`: the command-line tool for STEPS cloud tokens.

mod app;
mod auth;
mod cleartext;
mod cli;
mod commands;
mod credentials;
mod demo;
mod duration;
mod error;
mod exec;
mod hint;
mod logging;
mod login;
mod logout;
mod man;
mod meta;
mod output;
mod perceval_token;
mod probe;
mod quandela;
mod terminal;
mod trust;
mod whoami;

use std::process::ExitCode;

use clap::FromArgMatches;

use crate::app::App;
use crate::cli::{AuthCommand, Cli, Command, Origin, Origins};
use crate::error::CliError;

fn main() -> ExitCode {
    // Not a clap subcommand, so that no help, completion or man page
    // shows it.
    if let Some(result) = man::run_if_asked(std::env::args_os()) {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(error),
        };
    }
    let matches = cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    cli.global.origins = Origins::of(&matches);
    if let Command::Emulator(_) = cli.command {
        // Hidden from its --help; refused rather than ignored.
        let given = cli::client_options_given(&matches);
        if !given.is_empty() {
            return fail(CliError::usage(format!(
                "steps emulator takes only its own options: {} {} for the commands that talk to a \
                 STEPS API (see `steps emulator --help`)",
                given.join(", "),
                if given.len() == 1 { "is" } else { "are" }
            )));
        }
    }
    if cli.global.origins.token == Origin::Flag {
        // As gh and vault do, prefer the environment: any local user can
        // read a process's arguments.
        terminal::error_line(
            "warning: --token is visible to other users of this machine; set STEPS_TOKEN instead",
        );
    }
    if let Err(error) = logging::init(cli.global.verbose) {
        return fail(error);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(CliError::local(format!("cannot start the async runtime: {e}"))),
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
            clap_complete::generate(shell, &mut cli::command(), "steps", &mut script);
            terminal::write(&script)
        }
        Command::Demo => demo::run(cli.global.json).await,
        Command::Emulator(args) => args.run().await.map_err(CliError::local),
        Command::Login(args) => login::run(&App::new(cli.global)?, args).await,
        Command::Logout => logout::run(&App::for_logout(cli.global)?).await,
        Command::Whoami => whoami::run(&App::new(cli.global)?).await,
        Command::Auth(AuthCommand::Status) => auth::status(&App::new(cli.global)?).await,
        Command::Auth(AuthCommand::Token) => auth::token(&App::new(cli.global)?),
        Command::Auth(AuthCommand::Import { from: _ }) => {
            let mut global = cli.global;
            // A Perceval token is the Quandela cloud's.
            global.api.get_or_insert(cli::Api::Quandela);
            login::import_perceval(&App::new(global)?).await
        }
        Command::Exec(args) => exec::run(&App::new(cli.global)?, args).await,
        Command::Meta => meta::run(&App::new(cli.global)?).await,
        Command::JobToken(command) => App::new(cli.global)?.job_tokens(command).await,
        Command::ApiKey(command) => App::new(cli.global)?.api_keys(command).await,
    }
}
