//! The coach's review as an MCP server (`POST /mcp`) behind API Gateway: ChatGPT, Claude and
//! any MCP client. Stateless, so any instance answers any request.

use std::sync::Arc;

use debrief::pipeline::PipelineConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    debrief::runtime::init_tracing();
    let pipeline = Arc::new(debrief::runtime::aws_pipeline(PipelineConfig::from_env(), false).await?);
    lambda_http::run(debrief::http::mcp::mcp_routes(pipeline)).await
}
