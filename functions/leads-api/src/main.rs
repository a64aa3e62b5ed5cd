//! Lead scoring over HTTP: `POST /v1/leads/icp`, the signed HubSpot workflow action and
//! webhook (each enqueues scoring jobs and answers at once), `GET /v1/leads/{contactId}/score`,
//! and the operator's `GET /v1/health`.

use std::sync::Arc;

use debrief::http::health::HealthService;
use debrief::http::leads::LeadsService;
use debrief::hubspot::worker::CrmConnector;
use debrief::leads::jobs::LeadJobs;
use debrief::leads::model::LeadModel;
use debrief::leads::scorer::{LeadScorer, LeadsConfig};
use debrief::repo::Repo;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let sdk = debrief::adapters::aws::load_config().await;
    let store = debrief::runtime::aws_store_from(&sdk);
    let queue = debrief::runtime::leads_queue(&sdk).ok_or("DEBRIEF_LEADS_QUEUE_URL is not set")?;
    let connector = Arc::new(CrmConnector::from_env_with(&sdk)?);
    let mailer = debrief::adapters::aws::SesMailer::from_config(&sdk, None);
    let jobs = Arc::new(LeadJobs { scorer: LeadScorer::new(store.clone(), LeadModel::from_env(), mailer, LeadsConfig::from_env()?), connector: connector.clone() });
    let mut queues = vec![("leads".to_string(), queue.clone())];
    queues.extend(debrief::runtime::crm_queue(&sdk).map(|q| ("crm".to_string(), q)));
    queues.extend(debrief::runtime::health_queue(&sdk).map(|q| ("health-events".to_string(), q)));
    let health = Arc::new(HealthService { repo: Repo::new(store.clone()), connector: connector.clone(), queues });
    let leads = Arc::new(LeadsService {
        repo: Repo::new(store),
        jobs,
        queue,
        client_secret: connector.config.client_secret.clone(),
        public_url: std::env::var("DEBRIEF_PUBLIC_URL").ok().filter(|v| !v.is_empty()),
    });
    lambda_http::run(debrief::http::leads_routes_with_health(leads, health)).await
}
