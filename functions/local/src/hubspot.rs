//! `debrief hubspot`: the schema bootstrap, the dry run's request log, a token key.

use debrief::adapters::hubspot::dry_run_partition;
use debrief::hubspot::worker::CrmConnector;
use debrief::hubspot::{HubSpotConfig, TokenCipher, schema};
use debrief::ports::Store;
use debrief::repo::Repo;

use crate::admin::{RepoAny, Target, with_repo};

#[derive(clap::Args)]
pub struct HubSpotArgs {
    #[command(subcommand)]
    command: HubSpotCommand,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum HubSpotCommand {
    /// Creates (idempotently) the contact properties and custom objects Debrief writes, and
    /// prints what it created and what existed.
    Bootstrap,
    /// Prints a one-time link (valid 15 minutes) that starts connecting a HubSpot portal: open
    /// it in a browser signed in to HubSpot. Only such a link (or an admin key) can start it.
    Connect {
        /// Allow the new portal to replace one that is connected already.
        #[arg(long)]
        replace: bool,
        /// The deployment's public base URL (default: DEBRIEF_PUBLIC_URL, else http://127.0.0.1:8080).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// The requests the dry run recorded instead of sending (method, path, body), oldest
    /// first; the last 50 unless `--last N` says otherwise.
    Log {
        #[arg(long, default_value = "dry-run")]
        portal: String,
        #[arg(long, default_value_t = 50)]
        last: usize,
    },
    /// Prints a new random key for DEBRIEF_TOKEN_KEY (AES-256, base64).
    Key,
}

pub async fn run(args: HubSpotArgs) -> Result<(), String> {
    if let HubSpotCommand::Key = args.command {
        println!("{}", TokenCipher::generate_key());
        return Ok(());
    }
    let connector = CrmConnector::new(HubSpotConfig::from_env())?;
    with_repo(&args.target, |repo| async move {
        match repo {
            RepoAny::Embedded(r) => on_store(r, &args.command, &connector).await,
            RepoAny::Aws(r) => on_store(r, &args.command, &connector).await,
        }
    })
    .await
}

async fn on_store<S: Store + Clone>(repo: Repo<S>, command: &HubSpotCommand, connector: &CrmConnector) -> Result<(), String> {
    let store = repo.store().clone();
    match command {
        HubSpotCommand::Key => unreachable!("handled without a store"),
        HubSpotCommand::Bootstrap => {
            let (portal, api) = connector.connect(&store).await.map_err(|e| e.to_string())?;
            let report = schema::bootstrap(&store, &api, &portal).await.map_err(|e| e.to_string())?;
            println!("portal {portal}");
            for c in &report.created {
                println!("created  {c}");
            }
            for e in &report.existed {
                println!("existed  {e}");
            }
        }
        HubSpotCommand::Connect { replace, base_url } => {
            let grant = debrief::hubspot::oauth::StartGrant { replace: *replace };
            let ticket = debrief::hubspot::oauth::new_start_ticket(&store, grant, std::time::Duration::from_secs(15 * 60))
                .await
                .map_err(|e| e.to_string())?;
            let base = base_url
                .clone()
                .or_else(|| std::env::var("DEBRIEF_PUBLIC_URL").ok().filter(|u| !u.is_empty()))
                .unwrap_or_else(|| "http://127.0.0.1:8080".into());
            println!("{}/oauth/hubspot/start?ticket={ticket}", base.trim_end_matches('/'));
            eprintln!("Open this link within 15 minutes; it works once.");
        }
        HubSpotCommand::Log { portal, last } => crate::admin::print_last(&store, &dry_run_partition(portal), *last).await?,
    }
    Ok(())
}
