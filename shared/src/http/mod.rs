//! The HTTP API as one axum router: hosted by `lambda_http::run` in Lambda and by
//! `axum::serve` in `debrief serve`, with no second routing layer.

mod auth;
mod error;
mod workshops;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::analysis::Analyser;
use crate::pipeline::Pipeline;
use crate::ports::{Mailer, Queue, Store};

pub use auth::{ApiKey, api_key_from_headers};
pub use error::ApiError;

/// The Make.com-facing routes: `POST /v1/workshops` and `GET /v1/workshops/{sessionId}`.
pub fn workshop_routes<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    Router::new()
        .route("/v1/workshops", post(workshops::ingest::<S, Q, M, A>))
        .route("/v1/workshops/{session_id}", get(workshops::status::<S, Q, M, A>))
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .with_state(pipeline)
}
