//! The HTTP API as one axum router: hosted by `lambda_http::run` in Lambda and by
//! `axum::serve` in `debrief serve`, with no second routing layer.

mod actions;
mod auth;
mod capi;
pub mod client_health;
pub mod health;
mod hubspot;
pub mod leads;
pub mod mcp;
mod oauth;
mod review_links;
pub mod serve;
mod error;
mod webinars;
mod calls;
mod workshops;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::analysis::Analyser;
use crate::pipeline::Pipeline;
use crate::ports::{Mailer, Queue, Store};

pub use actions::ROUTES as ACTION_ROUTES;
pub use auth::{ApiKey, api_key_from_headers};
pub use capi::CapiIntake;
pub use hubspot::HubSpotService;
pub use error::ApiError;

/// The coach's review API for ChatGPT Actions (see [`ACTION_ROUTES`]).
pub fn action_routes<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    finish(actions_only(pipeline))
}

fn actions_only<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    use axum::routing::put;
    let mut router = Router::new();
    for (method, path) in actions::ROUTES {
        let axum_path = path.replace("{sessionId}", "{session_id}");
        router = match (*method, *path) {
            ("GET", "/workshop-data/{sessionId}") => {
                router.route(&axum_path, get(actions::workshop_data::<S, Q, M, A>))
            }
            ("GET", "/workshops") => {
                router.route(&axum_path, get(actions::list_workshops::<S, Q, M, A>))
            }
            ("PUT", "/participant-summary") => {
                router.route(&axum_path, put(actions::update_participant::<S, Q, M, A>))
            }
            ("POST", "/bulk-update") => {
                router.route(&axum_path, post(actions::bulk_update::<S, Q, M, A>))
            }
            other => unreachable!("route {other:?} has no handler"),
        };
    }
    router.with_state(pipeline)
}

/// Every route: Make.com's, the coach's, the conversion intake and HubSpot's connection
/// (what `debrief serve` hosts).
/// `more`: further routes (lead scoring, health) inside the same JSON error envelope.
pub fn all_routes<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>, capi: Arc<CapiIntake<S>>, hubspot: Arc<HubSpotService<S>>, more: Router) -> Router
where
    S: Store + Clone,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    // The MCP server answers in JSON-RPC, so it stays outside the REST error envelope.
    let rest = workshops_only(pipeline.clone()).merge(webinars_only(pipeline.clone())).merge(calls_only(pipeline.clone())).merge(actions_only(pipeline.clone())).merge(capi_only(capi)).merge(hubspot_only(hubspot)).merge(more);
    finish(rest).merge(mcp::mcp_routes(pipeline))
}

/// Connecting HubSpot (the `hubspot-connect` function): OAuth start and callback, bootstrap.
pub fn hubspot_routes<S: Store + Clone>(hubspot: Arc<HubSpotService<S>>) -> Router {
    finish(hubspot_only(hubspot))
}

fn hubspot_only<S: Store + Clone>(hubspot: Arc<HubSpotService<S>>) -> Router {
    Router::new()
        .route("/oauth/hubspot/start", get(hubspot::start::<S>))
        .route("/oauth/hubspot/callback", get(hubspot::callback::<S>))
        .route("/v1/hubspot/bootstrap", post(hubspot::bootstrap::<S>))
        .with_state(hubspot)
}

/// Lead scoring: ICP import, the workflow action and webhook triggers, a contact's score.
pub fn leads_routes<S: Store + Clone, Q: Queue, M: Mailer>(leads: Arc<leads::LeadsService<S, Q, M>>) -> Router {
    finish(leads_router(leads))
}

/// The `leads-api` function: lead scoring's routes and `GET /v1/health`.
pub fn leads_routes_with_health<S: Store + Clone, Q: Queue, M: Mailer>(leads: Arc<leads::LeadsService<S, Q, M>>, health: Arc<health::HealthService<S, Q>>) -> Router {
    finish(leads_router(leads).merge(health_router(health)))
}

/// Client health (the `client-health` function): events, CSV import, a client, the summary,
/// the intervention queue and the recompute.
pub fn client_health_routes<S: Store + Clone, Q: Queue>(svc: Arc<client_health::ClientHealthService<S, Q>>) -> Router {
    finish(client_health_router(svc))
}

/// The client-health routes, to merge into a router that is finished elsewhere.
pub fn client_health_router<S: Store + Clone, Q: Queue>(svc: Arc<client_health::ClientHealthService<S, Q>>) -> Router {
    Router::new()
        .route("/v1/health/events", post(client_health::event::<S, Q>))
        .route("/v1/health/clients", post(client_health::import_clients::<S, Q>))
        .route("/v1/health/clients/{id}", get(client_health::client::<S, Q>))
        .route("/v1/health/summary", get(client_health::summary::<S, Q>))
        .route("/v1/health/interventions", get(client_health::interventions::<S, Q>))
        .route("/v1/health/recompute", post(client_health::recompute::<S, Q>))
        // The CSV import's limit is its own (5 MB).
        .layer(axum::extract::DefaultBodyLimit::max(client_health::MAX_CSV_BYTES + 1))
        .with_state(svc)
}

/// `GET /v1/health`, to merge into a router that is finished elsewhere.
pub fn health_router<S: Store + Clone, Q: Queue>(health: Arc<health::HealthService<S, Q>>) -> Router {
    Router::new().route("/v1/health", get(health::health::<S, Q>)).with_state(health)
}

/// The lead-scoring routes, to merge into a router that is finished elsewhere.
pub fn leads_router<S: Store + Clone, Q: Queue, M: Mailer>(leads: Arc<leads::LeadsService<S, Q, M>>) -> Router {
    Router::new()
        .route("/v1/leads/icp", post(leads::import_icp::<S, Q, M>))
        .route("/v1/leads/hubspot/action", post(leads::workflow_action::<S, Q, M>))
        .route("/v1/leads/webhook", post(leads::webhook::<S, Q, M>))
        .route("/v1/leads/{contact_id}/score", get(leads::score::<S, Q, M>))
        .with_state(leads)
}

/// `POST /v1/capi/events` alone (the `capi-ingest` function).
pub fn capi_routes<S: Store>(capi: Arc<CapiIntake<S>>) -> Router {
    finish(capi_only(capi))
}

fn capi_only<S: Store>(capi: Arc<CapiIntake<S>>) -> Router {
    Router::new()
        .route("/v1/capi/events", post(capi::events::<S>))
        .with_state(capi)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// What every public router ends with: the JSON 404 and the JSON envelope on every error.
fn finish(router: Router) -> Router {
    router.fallback(not_found).layer(axum::middleware::map_response(error::json_errors))
}

/// Webinars (the `webinars` function): upload, overview, attendees by score, export.
pub fn webinar_routes<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    finish(webinars_only(pipeline))
}

fn webinars_only<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    Router::new()
        .route("/v1/webinars", post(webinars::ingest::<S, Q, M, A>))
        .route("/v1/webinars/{id}", get(webinars::overview::<S, Q, M, A>))
        .route("/v1/webinars/{id}/attendees", get(webinars::attendees::<S, Q, M, A>))
        .route("/v1/webinars/{id}/export", post(webinars::export::<S, Q, M, A>))
        .route("/v1/webinars/{id}/export.csv", get(webinars::export_csv::<S, Q, M, A>))
        // Bodies are limited by the handlers (`read_body`), per route.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(pipeline)
}

/// Sales calls (the `calls` function): upload and debrief, the rep's trends.
pub fn call_routes<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    finish(calls_only(pipeline))
}

fn calls_only<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    Router::new()
        .route("/v1/calls", post(calls::ingest::<S, Q, M, A>))
        .route("/v1/calls/{id}", get(calls::view::<S, Q, M, A>))
        .route("/v1/reps/{id}/stats", get(calls::rep_stats::<S, Q, M, A>))
        // Bodies are limited by the handlers (`read_body`), per route.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(pipeline)
}

/// The Make.com-facing routes: `POST /v1/workshops` and `GET /v1/workshops/{sessionId}`.
pub fn workshop_routes<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    finish(workshops_only(pipeline))
}

fn workshops_only<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    Router::new()
        .route("/v1/workshops", post(workshops::ingest::<S, Q, M, A>))
        .route(
            "/v1/workshops/{session_id}",
            get(workshops::status::<S, Q, M, A>),
        )
        .route("/v1/workshops/{session_id}/reanalyze", post(workshops::reanalyze::<S, Q, M, A>))
        .route("/v1/workshops/{session_id}/transcript", get(workshops::transcript::<S, Q, M, A>))
        // Bodies are limited by the handlers (`read_body`), per route.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(pipeline)
}
