//! The coach's review API behind API Gateway, called by a ChatGPT custom GPT's Actions.

use std::sync::Arc;

use debrief::pipeline::PipelineConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let pipeline = Arc::new(debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?);
    lambda_http::run(debrief::http::action_routes(pipeline)).await
}
