//! The `health-events` queue's consumer: each batch grouped by client, each client's events
//! applied and the client rescored in one write. Unreadable or expired events go to the DLQ
//! with the reason; the rest of a failed client's messages are reported in
//! `batchItemFailures` and come back.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use debrief::health::HealthConfig;
use debrief::health::events::apply_batch;
use debrief::health::records::HealthRecords;
use debrief::repo::Repo;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    debrief::runtime::init_tracing();
    let sdk = debrief::adapters::aws::load_config().await;
    let config = HealthConfig::from_env()?;
    let queue = debrief::runtime::health_queue(&sdk).ok_or("DEBRIEF_HEALTH_QUEUE_URL is not set")?;
    let records = HealthRecords::new(Repo::new(debrief::runtime::aws_store_from(&sdk)));
    let (records, config, queue) = (&records, &config, &queue);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let batch = debrief::lambda_sqs::records(event.payload).into_iter().map(|(id, body, _)| (id, body)).collect();
        Ok::<SqsBatchResponse, Error>(debrief::lambda_sqs::failures(apply_batch(records, config, queue, batch).await))
    }))
    .await
}
