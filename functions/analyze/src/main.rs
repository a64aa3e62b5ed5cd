//! The analysis queue's consumer: one message = one participant; the last one finishes the
//! session. Failed records are reported in `batchItemFailures`.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use debrief::pipeline::{PipelineConfig, worker::sqs_batch};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    debrief::runtime::init_tracing();
    let pipeline = debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?;
    let pipeline = &pipeline;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(sqs_batch(pipeline, event.payload).await)
    }))
    .await
}
