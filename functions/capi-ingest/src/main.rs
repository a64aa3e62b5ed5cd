//! `POST /v1/capi/events` behind API Gateway: validate, normalise, hash, store pending.

use std::sync::Arc;

use debrief::capi::CapiConfig;
use debrief::http::CapiIntake;
use debrief::repo::Repo;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let config = CapiConfig::from_env()?;
    let store = debrief::runtime::aws_store().await;
    lambda_http::run(debrief::http::capi_routes(Arc::new(CapiIntake {
        repo: Repo::new(store),
        config,
    })))
    .await
}
