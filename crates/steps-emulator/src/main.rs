//! The `steps-emulator` binary: a local STEPS cloud in the foreground.

use clap::{CommandFactory, Parser};

/// A local, in-memory STEPS cloud implementing docs/protocol.md.
#[derive(Parser)]
#[command(name = "steps-emulator", version)]
struct Cli {
    #[command(flatten)]
    args: steps_emulator::EmulatorArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Err(message) = cli.args.check() {
        // A usage error like clap's own (exit 2, with the usage line),
        // before anything is bound.
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, message)
            .exit();
    }
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // `STEPS_LOG` takes `target=level` pairs, comma-separated (tracing's
    // `Targets` syntax); anything it cannot parse keeps the default.
    let targets = std::env::var("STEPS_LOG")
        .ok()
        .and_then(|spec| spec.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_target("steps_emulator", LevelFilter::INFO));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // The builder's own default stops at INFO; `targets` filters.
        .with_max_level(LevelFilter::TRACE)
        .finish()
        .with(targets)
        .init();
    match cli.args.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("steps-emulator: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
