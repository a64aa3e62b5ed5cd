//! Connecting a HubSpot portal: `GET /oauth/hubspot/start`, `GET /oauth/hubspot/callback`
//! (tokens stored encrypted) and `POST /v1/hubspot/bootstrap` (the schema, idempotently).

use std::sync::Arc;

use debrief::http::HubSpotService;
use debrief::hubspot::worker::CrmConnector;
use debrief::repo::Repo;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let sdk = debrief::adapters::aws::load_config().await;
    let store = debrief::runtime::aws_store_from(&sdk);
    let connector = CrmConnector::from_env_with(&sdk)?;
    lambda_http::run(debrief::http::hubspot_routes(Arc::new(HubSpotService { repo: Repo::new(store), connector: Arc::new(connector) }))).await
}
