//! `debrief leads`: import ideal-client profiles, score contacts now, explain a score.

use std::path::PathBuf;

use debrief::hubspot::HubSpotConfig;
use debrief::hubspot::worker::CrmConnector;
use debrief::leads::model::LeadModel;
use debrief::leads::scorer::{LeadScorer, LeadsConfig, stored_score};
use debrief::leads::{jobs::LeadJobs, profiles};
use debrief::ports::{Mailer, Store};
use debrief::repo::Repo;

use crate::admin::{RepoAny, Target, with_repo};

#[derive(clap::Args)]
pub struct LeadsArgs {
    #[command(subcommand)]
    command: LeadsCommand,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum LeadsCommand {
    /// Ideal-client profiles: `debrief leads icp import FILE`.
    Icp {
        #[command(subcommand)]
        command: IcpCommand,
    },
    /// Scores HubSpot contacts now (read, score, write back) and prints what happened.
    Score { contact_ids: Vec<String> },
    /// Prints a contact's stored score and every factor behind it.
    Explain {
        contact_id: String,
        /// The whole record as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
enum IcpCommand {
    /// Imports a CSV (re-import replaces by id) and embeds what is new or changed.
    Import { file: PathBuf },
}

pub async fn run(args: LeadsArgs) -> Result<(), String> {
    let paths = args.target.paths();
    let aws = args.target.is_aws();
    with_repo(&args.target, |repo| async move {
        match repo {
            RepoAny::Embedded(r) => on_store(r, &args.command, debrief::adapters::embedded::OutboxMailer::new(&paths.outbox)).await,
            RepoAny::Aws(r) => {
                let _ = aws;
                let sdk = debrief::adapters::aws::load_config().await;
                on_store(r, &args.command, debrief::adapters::aws::SesMailer::from_config(&sdk, None)).await
            }
        }
    })
    .await
}

async fn on_store<S: Store + Clone, M: Mailer>(repo: Repo<S>, command: &LeadsCommand, mailer: M) -> Result<(), String> {
    let store = repo.store().clone();
    match command {
        LeadsCommand::Icp { command: IcpCommand::Import { file } } => {
            let csv = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let model = LeadModel::from_env();
            let s = profiles::import(&store, &model, &csv).await.map_err(|e| format!("{}: {e}", file.display()))?;
            println!(
                "imported {} profiles ({} in the set, {} active ideal clients); embedded {} with {} ({} dimensions); revision {}",
                s.imported, s.total, s.active_ideal_clients, s.embedded, s.embedding_model, s.dimensions, s.revision
            );
            if s.embedding_model == debrief::leads::BUILTIN_EMBEDDING_MODEL {
                println!("(no model configured: the built-in hashed embedding keeps scoring working offline)");
            }
        }
        LeadsCommand::Score { contact_ids } => {
            if contact_ids.is_empty() {
                return Err("name at least one contact id".into());
            }
            let jobs = LeadJobs {
                scorer: LeadScorer::new(store.clone(), LeadModel::from_env(), mailer, LeadsConfig::from_env()?),
                connector: std::sync::Arc::new(CrmConnector::new(HubSpotConfig::from_env())?),
            };
            let outcome = jobs.run(contact_ids).await.map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&outcome).expect("JSON"));
        }
        LeadsCommand::Explain { contact_id, json } => {
            let s = stored_score(&store, contact_id).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("contact {contact_id} has not been scored"))?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&s).expect("JSON"));
                return Ok(());
            }
            let sc = &s.score;
            println!("contact {}: score {} ({:?} fit, {} priority), next action {:?}", sc.contact_id, sc.score, sc.fit_level, sc.priority.name(), sc.next_action);
            println!("source: {:?}{}", sc.source, sc.model.as_deref().map(|m| format!(" ({m})")).unwrap_or_default());
            if let Some(r) = &sc.fallback_reason {
                println!("fallback: {r}");
            }
            println!("scored at {}{}", sc.scored_at, if s.written { ", written to HubSpot" } else { ", not yet written to HubSpot" });
            println!("\nreasoning: {}", sc.reasoning);
            let f = &sc.factors;
            println!("\nnearest ideal clients ({}; calibrated with floor {} and ceiling {}{}):", f.embedding_model, f.calibration.floor, f.calibration.ceiling, if f.calibration.known { "" } else { ", generic" });
            for n in &f.nearest {
                println!("  {:<24} raw {:.3}  calibrated {:.2}", n.profile_id, n.similarity, n.calibrated);
            }
            if let Some(n) = &f.negative_example {
                println!("closer negative example: {} ({}) raw {:.3}", n.profile_id, n.kind, n.similarity);
            }
            println!("\nfields against the nearest profile:");
            for m in &f.fields {
                println!("  {:<20} {:<8} lead {:?}  profile {:?}", m.field, format!("{:?}", m.outcome).to_lowercase(), m.lead, m.profile);
            }
            println!("\ndefault score {} =", f.default_score.score);
            for p in &f.default_score.parts {
                println!("  {:<28} weight {:>5.1} × value {:.2} = {:>6.2} points", p.name, p.weight, p.value, p.points);
            }
            println!("open deals {}, engagements in 90 days {}", f.open_deals, f.recent_engagements);
        }
    }
    Ok(())
}
