//! EventBridge Scheduler's target: sends pending conversion events to Meta, per pixel, in
//! requests of at most 1,000. Input `{"mode": "live" | "test"}`.

use debrief::capi::{CapiConfig, conversions_from_env, scheduled_send};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    debrief::runtime::init_tracing();
    let config = CapiConfig::from_env()?;
    let store = debrief::runtime::aws_store().await;
    let api = conversions_from_env(store.clone(), &config);
    let (store, api, config) = (&store, &api, &config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        scheduled_send(store, api, config, &event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
