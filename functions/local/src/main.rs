//! `debrief`: the local product and the operator's tools.

mod analyze;
mod sample;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "debrief", version, about = "Turns coaching workshops into CRM-ready follow-up.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a transcript: every participant's stats, signals, summary and email.
    Analyze(analyze::Args),
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr as JSON so that stdout stays the command's output.
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DEBRIEF_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("debrief: error: {e}");
            ExitCode::FAILURE
        }
    }
}
