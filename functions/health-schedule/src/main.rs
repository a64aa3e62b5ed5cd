//! EventBridge Scheduler's target, hourly in the studio's zone: the day's client-health
//! recompute once `DEBRIEF_HEALTH_RECOMPUTE_AT` has passed (a rerun skips the clients already
//! scored) and the changed scores to HubSpot (a message to crm-sync), then each coach's digest
//! at their preferred time, once a day.

use debrief::health::HealthConfig;
use debrief::health::records::HealthRecords;
use debrief::hubspot::sync::CrmMessage;
use debrief::pipeline::PipelineConfig;
use debrief::repo::Repo;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    debrief::runtime::init_tracing();
    let config = HealthConfig::from_env()?;
    let recompute_at = debrief::health::records::recompute_at_from_env()?;
    let pipeline = debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?;
    let records = HealthRecords::new(Repo::new(pipeline.repo.store().clone()));
    let (pipeline, records, config) = (&pipeline, &records, &config);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let mut done = None;
        let (report, digests) = records
            .on_schedule(&pipeline.mailer, config, debrief::clock::unix_secs(), recompute_at, &mut done, &pipeline.config.sender_email, pipeline.config.links_base.as_deref())
            .await
            .map_err(Error::from)?;
        if let Some(r) = &report {
            // The changed scores to HubSpot, through crm-sync.
            let day = r.day.map(|d| d.to_string()).unwrap_or_default();
            pipeline.notify_crm(&CrmMessage::HealthChanged { day }).await.map_err(Error::from)?;
        }
        Ok::<Value, Error>(json!({ "recompute": report, "digests": digests }))
    }))
    .await
}
