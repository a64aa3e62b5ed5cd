//! `debrief`: the local product and the operator's tools.

mod admin;
mod analyze;
mod capi;
mod clients;
mod demo;
mod eval;
mod health;
mod hubspot;
mod leads;
mod reanalyze;
mod sample;
mod serve;
mod webinar;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "debrief",
    version,
    about = "Turns coaching workshops into CRM-ready follow-up."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a transcript: every participant's stats, signals, summary and email.
    Analyze(analyze::Args),
    /// Every HTTP route and every worker in one process (embedded adapters unless --aws).
    Serve(serve::Args),
    /// Ingest the bundled sample through real HTTP against a server started here, and wait.
    Demo(demo::Args),
    /// API keys: create (printed once, stored as a hash), list, revoke.
    Keys(admin::KeysArgs),
    /// Coach profiles: add or replace one from a CoachProfile JSON file.
    Coaches(admin::CoachesArgs),
    /// HubSpot: schema bootstrap, the dry run's request log, a token key.
    Hubspot(hubspot::HubSpotArgs),
    /// Webinars: `debrief webinar report --attendees A.csv --chat C.txt` scores and tiers everyone.
    Webinar(webinar::Args),
    /// Client health: import clients, run the day's recompute, show one, measure the churn model.
    Clients(clients::Args),
    /// The operator's daily checks: HubSpot tokens, queue and dead-letter depths, job error rates.
    Health(health::Args),
    /// Lead scoring: import ideal-client profiles, score contacts, explain a score.
    Leads(leads::LeadsArgs),
    /// Meta Conversions API: preview, send, status, dry-run requests.
    Capi(capi::CapiArgs),
    /// Measures the analyser on a labelled set: `debrief eval signals FILE`.
    Eval(eval::Args),
    /// Analyses a session's kept transcript again, as a new session (a revision).
    Reanalyze(reanalyze::Args),
    /// Prints the coach review API's routes (METHOD PATH), as the spec must list them.
    Routes,
}

#[tokio::main]
async fn main() -> ExitCode {
    debrief::runtime::init_tracing();
    debrief::runtime::keep_freed_memory();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_) | Command::Demo(_)) {
        debrief::runtime::exit_quietly_on_closed_stdout();
    }
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Keys(args) => admin::keys(args).await,
        Command::Coaches(args) => admin::coaches(args).await,
        Command::Capi(args) => capi::run(args).await,
        Command::Eval(args) => eval::run(args).await,
        Command::Reanalyze(args) => reanalyze::run(args).await,
        Command::Hubspot(args) => hubspot::run(args).await,
        Command::Leads(args) => leads::run(args).await,
        Command::Health(args) => health::run(args).await,
        Command::Clients(args) => clients::run(args).await,
        Command::Webinar(args) => webinar::run(args).await,
        Command::Routes => {
            for (method, path) in debrief::http::ACTION_ROUTES {
                println!("{method} {path}");
            }
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("debrief: error: {e}");
            ExitCode::FAILURE
        }
    }
}
