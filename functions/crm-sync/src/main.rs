//! The `crm-sync` queue's consumer: completed sessions and coach edits written to HubSpot in
//! batches, under the portal's shared rate limit. Permanent rejections go to the DLQ with
//! HubSpot's message; the rest are reported in `batchItemFailures` and retried.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use debrief::hubspot::worker::{CrmConnector, sqs_batch};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    debrief::runtime::init_tracing();
    let sdk = debrief::adapters::aws::load_config().await;
    let store = debrief::runtime::aws_store_from(&sdk);
    let queue = debrief::runtime::crm_queue(&sdk).ok_or("DEBRIEF_CRM_QUEUE_URL is not set")?;
    let connector = CrmConnector::from_env_with(&sdk)?;
    let (store, queue, connector) = (&store, &queue, &connector);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(sqs_batch(store, queue, connector, event.payload).await)
    }))
    .await
}
