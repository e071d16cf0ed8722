//! The `steps-emulator` binary: a local STEPS cloud in the foreground.

use clap::Parser;

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
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STEPS_LOG")
                .unwrap_or_else(|_| "steps_emulator=info".into()),
        )
        .init();
    match cli.args.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("steps-emulator: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
