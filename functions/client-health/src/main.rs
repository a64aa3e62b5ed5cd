//! Client health behind API Gateway: events in (the client rescored in the request), the CSV
//! import, a client's score and history, the summary, the intervention queue and the
//! recompute. Interventions' drafts are reviewed through the `actions` and `mcp` functions.

use std::sync::Arc;

use debrief::health::HealthConfig;
use debrief::http::client_health::ClientHealthService;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let service = ClientHealthService::new(debrief::runtime::aws_store().await, HealthConfig::from_env()?);
    lambda_http::run(debrief::http::client_health_routes(Arc::new(service))).await
}
