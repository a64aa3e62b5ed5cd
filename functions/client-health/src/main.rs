//! Client health behind API Gateway: events in (checked and queued for the `health-events`
//! function), the CSV import, a client's score and history, the summary, the intervention
//! queue and the recompute. Interventions' drafts are reviewed through the `actions` and `mcp`
//! functions.

use std::sync::Arc;

use debrief::health::HealthConfig;
use debrief::http::client_health::ClientHealthService;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let sdk = debrief::adapters::aws::load_config().await;
    let events = debrief::runtime::health_queue(&sdk).ok_or("DEBRIEF_HEALTH_QUEUE_URL is not set")?;
    let service = ClientHealthService::new(debrief::runtime::aws_store_from(&sdk), HealthConfig::from_env()?, events);
    lambda_http::run(debrief::http::client_health_routes(Arc::new(service))).await
}
