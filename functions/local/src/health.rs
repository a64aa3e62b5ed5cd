//! `debrief health`: the operator's daily checks (the same answer as `GET /v1/health`); exits
//! non-zero when something needs attention, so a cron job or CI can act on it.

use std::sync::Arc;

use debrief::http::health::HealthService;
use debrief::hubspot::HubSpotConfig;
use debrief::hubspot::worker::CrmConnector;
use debrief::pipeline::{Pipeline, PipelineConfig};
use debrief::ports::{Queue, Store};
use debrief::repo::Repo;

#[derive(clap::Args)]
pub struct Args {
    /// Folder of the embedded store (default: DEBRIEF_DATA_DIR or ./data).
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
    /// The AWS deployment's table and queues (DEBRIEF_TABLE, DEBRIEF_*_QUEUE_URL).
    #[arg(long)]
    aws: bool,
}

async fn check<S: Store + Clone, Q: Queue + Clone, M, A>(p: &Pipeline<S, Q, M, A>, connector: CrmConnector) -> Result<(), String> {
    let svc = HealthService { repo: Repo::new(p.repo.store().clone()), connector: Arc::new(connector), queues: p.named_queues() };
    let h = svc.check().await?;
    println!("{}", serde_json::to_string_pretty(&h).expect("JSON"));
    if h.status == "ok" { Ok(()) } else { Err("health: attention needed (see above)".into()) }
}

pub async fn run(args: Args) -> Result<(), String> {
    let connector = CrmConnector::new(HubSpotConfig::from_env())?;
    if args.aws {
        let p = debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?;
        let sdk = debrief::adapters::aws::load_config().await;
        check(&p, CrmConnector::from_env_with(&sdk)?).await
    } else {
        let p = debrief::runtime::embedded_pipeline(&crate::serve::paths(args.data_dir.as_ref()), PipelineConfig::from_env())?;
        check(&p, connector).await
    }
}
