//! Webinars behind API Gateway: `POST /v1/webinars` (parse, score, tier, draft, store, email
//! the coach), the overview, the attendees by score and the CSV export (to S3, with a
//! pre-signed link). The drafts are reviewed through the `actions` and `mcp` functions.

use std::sync::Arc;

use debrief::pipeline::PipelineConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    debrief::runtime::keep_freed_memory();
    let pipeline = Arc::new(debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?);
    lambda_http::run(debrief::http::webinar_routes(pipeline)).await
}
