//! Lead scoring's worker: scoring jobs from the leads queue (failed records reported in
//! `batchItemFailures`; refused ones dead-lettered with the reason) and, on the EventBridge
//! schedule, the rescoring sweep that queues changed contacts.

use std::sync::Arc;

use debrief::hubspot::worker::CrmConnector;
use debrief::leads::jobs::LeadJobs;
use debrief::leads::model::LeadModel;
use debrief::leads::scorer::{LeadScorer, LeadsConfig};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    debrief::runtime::init_tracing();
    let sdk = debrief::adapters::aws::load_config().await;
    let store = debrief::runtime::aws_store_from(&sdk);
    let queue = debrief::runtime::leads_queue(&sdk).ok_or("DEBRIEF_LEADS_QUEUE_URL is not set")?;
    let mailer = debrief::adapters::aws::SesMailer::from_config(&sdk, std::env::var("DEBRIEF_SES_CONFIGURATION_SET").ok().filter(|v| !v.is_empty()));
    let scorer = LeadScorer::new(store, LeadModel::from_env(), mailer, LeadsConfig::from_env()?);
    let jobs = LeadJobs { scorer, connector: Arc::new(CrmConnector::from_env_with(&sdk)?) };
    let (jobs, queue) = (&jobs, &queue);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move { jobs.lambda_event(queue, event.payload).await.map_err(Error::from) })).await
}
