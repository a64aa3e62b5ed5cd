//! Sales calls behind API Gateway: `POST /v1/calls` (read by the sales-call profile, stored
//! with the follow-up draft to the buyer), the debrief, and a rep's trends. The draft is
//! reviewed through the `actions` and `mcp` functions.

use std::sync::Arc;

use debrief::pipeline::PipelineConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let pipeline = Arc::new(debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?);
    lambda_http::run(debrief::http::call_routes(pipeline)).await
}
