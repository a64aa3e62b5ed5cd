//! EventBridge Scheduler's target: sends the coach emails that were deferred to a coach's
//! `preferredNotificationTime` and are now due, each once.

use std::sync::Arc;

use debrief::pipeline::PipelineConfig;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    debrief::runtime::init_tracing();
    let pipeline = Arc::new(debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?);
    let pipeline = &pipeline;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let sent = pipeline.send_due_notifications(debrief::clock::unix_secs()).await.map_err(|e| Error::from(e.to_string()))?;
        Ok::<Value, Error>(json!({ "sent": sent }))
    }))
    .await
}
