//! EventBridge Scheduler's target, hourly in the studio's zone: the clients from HubSpot
//! (when `DEBRIEF_HEALTH_HUBSPOT_PULL=1`: a full pull on the day's first run, then the
//! changed contacts), the day's client-health
//! recompute once `DEBRIEF_HEALTH_RECOMPUTE_AT` has passed (a rerun skips the clients already
//! scored) and the changed scores to HubSpot (a message to crm-sync), then each coach's digest
//! at their preferred time, once a day.

use debrief::health::{Day, HealthConfig};
use debrief::hubspot::health::{HealthProperties, sync_clients};
use debrief::hubspot::worker::CrmConnector;
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
    // The clients from HubSpot when `DEBRIEF_HEALTH_HUBSPOT_PULL=1`: a full pull on the day's
    // first run, then the contacts changed since the last.
    let pull = std::env::var("DEBRIEF_HEALTH_HUBSPOT_PULL").is_ok_and(|v| v == "1").then(HealthProperties::from_env).transpose()?;
    let sdk = debrief::adapters::aws::load_config().await;
    let connector = CrmConnector::from_env_with(&sdk)?;
    let (pipeline, records, config, pull, connector) = (&pipeline, &records, &config, &pull, &connector);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let mut pulled = None;
        if let Some(props) = pull {
            let (_, api) = connector.connect(pipeline.repo.store()).await.map_err(Error::from)?;
            let now = debrief::clock::unix_secs();
            pulled = Some(sync_clients(records, &api, props, Day::today(&config.tz), now * 1000).await.map_err(Error::from)?);
        }
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
        Ok::<Value, Error>(json!({ "pulled": pulled, "recompute": report, "digests": digests }))
    }))
    .await
}
