//! `debrief clients`: client health on the embedded store (or the AWS table with --aws):
//! import a CSV, run the day's recompute, show a client, and measure the churn model on
//! generated histories.

use debrief::health::records::HealthRecords;
use debrief::health::simulate;
use debrief::health::{Day, HealthConfig, import};
use debrief::pipeline::PipelineConfig;
use debrief::ports::Store;
use debrief::repo::Repo;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// Folder of the embedded store (default: DEBRIEF_DATA_DIR or ./data).
    #[arg(long, global = true)]
    data_dir: Option<std::path::PathBuf>,
    /// The AWS deployment's table (DEBRIEF_TABLE).
    #[arg(long, global = true)]
    aws: bool,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Adds or updates clients from a CSV (see the README for its columns) and scores them.
    Import { file: std::path::PathBuf },
    /// The day's recompute of every client (today in the health zone unless --day); safe to rerun.
    Recompute {
        #[arg(long)]
        day: Option<String>,
    },
    /// A client's stored record and current score, as JSON.
    Show { client_id: String },
    /// Measures the churn model on generated histories (precision and recall of "leaves within
    /// 30 days" at a risk threshold).
    Eval {
        #[arg(long, default_value_t = 2000)]
        clients: usize,
        #[arg(long, default_value_t = 150)]
        days: i32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 50)]
        threshold: u8,
    },
}

async fn on<S: Store + Clone>(store: S, command: Command, config: &HealthConfig) -> Result<(), String> {
    let records = HealthRecords::new(Repo::new(store));
    let today = Day::today(&config.tz);
    match command {
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let clients = import::read_clients(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let created = records.upsert_facts(&clients).await.map_err(|e| e.to_string())?;
            let report = records.recompute_all(today, config).await.map_err(|e| e.to_string())?;
            println!("{} clients ({created} new); {} scored, {} interventions", clients.len(), report.scored, report.interventions);
        }
        Command::Recompute { day } => {
            let day = match day {
                Some(d) => Day::parse(&d).ok_or("--day: a date (YYYY-MM-DD)")?,
                None => today,
            };
            let report = records.recompute_all(day, config).await.map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string(&report).expect("JSON"));
        }
        Command::Show { client_id } => {
            let (c, _) = records.get(&client_id).await.map_err(|e| e.to_string())?.ok_or(format!("no client {client_id}"))?;
            let score = debrief::health::score_client(&c, today.max(c.history.last().map_or(today, |p| p.day)), config);
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "client": c, "score": score })).expect("JSON"));
        }
        Command::Eval { .. } => unreachable!("handled without a store"),
    }
    Ok(())
}

pub async fn run(args: Args) -> Result<(), String> {
    let config = HealthConfig::from_env()?;
    if let Command::Eval { clients, days, seed, threshold } = args.command {
        if days < 75 {
            return Err("--days: at least 75 (45 to warm up and judge, 30 to see who leaves)".into());
        }
        let start = Day::parse("2026-01-01").expect("a date");
        let histories = simulate::generate(clients, seed, start, days);
        let (m, _, interventions) = simulate::run(&histories, start, days, threshold, &config);
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "measure": m, "interventions": interventions.len(), "clients": clients, "days": days, "seed": seed })).expect("JSON"));
        return Ok(());
    }
    if args.aws {
        let sdk = debrief::adapters::aws::load_config().await;
        on(debrief::runtime::aws_store_from(&sdk), args.command, &config).await
    } else {
        let p = debrief::runtime::embedded_pipeline(&crate::serve::paths(args.data_dir.as_ref()), PipelineConfig::from_env())?;
        on(p.repo.store().clone(), args.command, &config).await
    }
}
