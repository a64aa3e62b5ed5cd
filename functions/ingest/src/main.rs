//! `POST /v1/workshops` behind API Gateway: validate, store, fan out one message per participant.

use std::sync::Arc;

use debrief::pipeline::PipelineConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let pipeline = Arc::new(debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?);
    lambda_http::run(debrief::http::workshop_routes(pipeline)).await
}
