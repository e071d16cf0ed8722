//! `steps`: the command-line tool for STEPS cloud tokens.

mod app;
mod auth;
mod cleartext;
mod cli;
mod colour;
mod commands;
mod completion;
mod credentials;
mod demo;
mod duration;
mod emulator_ctl;
mod error;
mod exec;
mod hint;
mod logging;
mod login;
mod login_in_use;
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
use crate::cli::{AuthCommand, Cli, Command, EmulatorCommand, EmulatorSubcommand, Origin, Origins};
use crate::error::CliError;

fn main() -> ExitCode {
    // `COMPLETE=bash steps`, and the shell's requests for completions
    // (`completion.rs`): answered before anything else is read or printed.
    clap_complete::CompleteEnv::with_factory(cli::command).complete();
    let matches = cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    cli.global.origins = Origins::of(&matches);
    terminal::set_quiet(cli.global.quiet);
    if let Command::Emulator(EmulatorCommand { ctl: None, .. }) = cli.command {
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
        Command::Man { out_dir } => man::write(&out_dir),
        Command::Emulator(EmulatorCommand {
            ctl: Some(EmulatorSubcommand::Ctl(command)),
            ..
        }) => {
            let url = cli.global.api_url.as_deref().filter(|url| !url.is_empty());
            emulator_ctl::run(
                url.unwrap_or(emulator_ctl::DEFAULT_URL),
                cli.global.timeout,
                command,
            )
            .await
        }
        Command::Emulator(EmulatorCommand { args, ctl: None }) => {
            args.check().map_err(CliError::usage)?;
            args.run().await.map_err(CliError::local)
        }
        Command::Login(args) => login::run(&App::new(cli.global)?, args).await,
        Command::Logout => logout::run(&App::for_logout(cli.global)?).await,
        Command::Whoami => whoami::run(&App::new(cli.global)?).await,
        Command::Auth(AuthCommand::Status) => auth::status(&App::new(cli.global)?).await,
        Command::Auth(AuthCommand::Token) => auth::token(&App::new(cli.global)?),
        Command::Auth(AuthCommand::Switch { profile }) => auth::switch(&cli.global, &profile),
        Command::Auth(AuthCommand::Import {
            from: _,
            insecure_storage,
        }) => {
            let mut global = cli.global;
            // A Perceval token is the Quandela cloud's.
            global.api.get_or_insert(cli::Api::Quandela);
            login::import_perceval(&App::new(global)?, insecure_storage).await
        }
        Command::Exec(args) => exec::run(&App::new(cli.global)?, args).await,
        Command::Meta => meta::run(&App::new(cli.global)?).await,
        Command::JobToken(command) => App::new(cli.global)?.job_tokens(command).await,
        Command::ApiKey(command) => App::new(cli.global)?.api_keys(command).await,
    }
}
