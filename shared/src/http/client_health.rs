//! Client health over HTTP (`openapi/health.yaml`):
//! - `POST /v1/health/events` (ingest key): one event from Make.com or a booking system,
//!   checked and queued (202); the queue's consumer rescores the client within seconds
//!   ([`crate::health::events`]). An `eventId` the client already holds answers 200 with
//!   `duplicate: true` and changes nothing (a redelivery still queued is recognised when applied).
//! - `POST /v1/health/clients` (ingest key, `text/csv`): clients for studios without HubSpot
//!   ([`crate::health::import`]); the new ones are scored at once.
//! - `GET /v1/health/clients/{id}` (coach key): the score with its dimensions, churn terms,
//!   flags and history, and the client's interventions with their outcomes.
//! - `GET /v1/health/summary` (coach key): zones, average, week over week, revenue at risk.
//! - `GET /v1/health/interventions` (coach key): the priority queue.
//! - `POST /v1/health/recompute` (admin key): the day's recompute (the schedule's job).
//!
//! A key bound to a coach sees only that coach's clients.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::ApiError;
use super::auth::require;
use crate::health::interventions::outcome;
use crate::health::records::HealthRecords;
use crate::health::{Day, HealthConfig, HealthEvent, import, score_client};
use crate::ports::{Queue, Store};
use crate::repo::{KeyScope, Repo};

pub struct ClientHealthService<S, Q> {
    pub repo: Repo<S>,
    pub records: HealthRecords<S>,
    pub config: HealthConfig,
    /// The events' queue (`health-events`).
    pub events: Q,
}

impl<S: Store + Clone, Q: Queue> ClientHealthService<S, Q> {
    pub fn new(store: S, config: HealthConfig, events: Q) -> Self {
        Self { repo: Repo::new(store.clone()), records: HealthRecords::new(Repo::new(store)), config, events }
    }
}

/// Up to 5 MB of CSV (about 50,000 clients).
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;

/// The API's success envelope.
fn ok(status: StatusCode, data: impl serde::Serialize) -> Response {
    (status, Json(json!({"success": true, "data": data}))).into_response()
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(bytes)).map_err(ApiError::unreadable)
}

pub async fn event<S: Store + Clone, Q: Queue>(State(svc): State<Arc<ClientHealthService<S, Q>>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let key = require(&svc.repo, &headers, KeyScope::Ingest).await?;
    let e: HealthEvent = json_body(&body)?;
    let day = e.check(&svc.config, Day::today(&svc.config.tz)).map_err(|errors| {
        let first = &errors[0];
        ApiError::bad(first.field.clone(), first.message.clone())
    })?;
    let client = svc.records.get(&e.client_id).await?.map(|(c, _)| c);
    if let Some(bound) = key.coach_id.as_deref() {
        let owner = client.as_ref().map_or(e.coach_id.as_deref(), |c| c.coach_id.as_deref());
        if owner != Some(bound) {
            return Err(ApiError::Forbidden("this key is bound to another coach".into()));
        }
    }
    if let Some(c) = client.filter(|c| c.has_event(&e.event_id)) {
        return Ok(ok(StatusCode::OK, json!({ "eventId": e.event_id, "duplicate": true, "score": score_client(&c, c.score_day(day), &svc.config) })));
    }
    svc.events.send_batch(&[crate::health::events::message(&e)]).await.map_err(|err| ApiError::Unavailable(format!("the event was not queued; send it again ({err})")))?;
    Ok(ok(StatusCode::ACCEPTED, json!({ "eventId": e.event_id, "duplicate": false, "queued": true })))
}

pub async fn import_clients<S: Store + Clone, Q: Queue>(State(svc): State<Arc<ClientHealthService<S, Q>>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let key = require(&svc.repo, &headers, KeyScope::Ingest).await?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if !content_type.starts_with("text/csv") {
        return Err(ApiError::UnsupportedMediaType("send the clients as text/csv".into()));
    }
    if body.len() > MAX_CSV_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_CSV_BYTES));
    }
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad("body", "is not UTF-8 text"))?;
    let mut clients = import::read_clients(text).map_err(|e| ApiError::bad(e.field, e.message))?;
    if let Some(bound) = key.coach_id.as_deref() {
        for c in &mut clients {
            match c.coach_id.as_deref() {
                None => c.coach_id = Some(bound.to_string()),
                Some(other) if other != bound => return Err(ApiError::Forbidden(format!("client {} belongs to another coach; this key is bound to one", c.client_id))),
                Some(_) => {}
            }
        }
    }
    let created = svc.records.upsert_facts(&clients).await?;
    let report = svc.records.recompute_all(Day::today(&svc.config.tz), &svc.config).await?;
    Ok(ok(StatusCode::OK, json!({ "imported": clients.len(), "created": created, "scored": report.scored, "interventions": report.interventions })))
}

pub async fn client<S: Store + Clone, Q: Queue>(State(svc): State<Arc<ClientHealthService<S, Q>>>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let key = require(&svc.repo, &headers, KeyScope::Coach).await?;
    let not_found = || ApiError::NotFound(format!("no client {id}"));
    let (c, _) = svc.records.get(&id).await?.ok_or_else(not_found)?;
    if key.coach_id.as_deref().is_some_and(|b| c.coach_id.as_deref() != Some(b)) {
        return Err(not_found());
    }
    // The score as of today, from what is stored (the stored history is not changed).
    let today = c.score_day(Day::today(&svc.config.tz));
    let score = score_client(&c, today, &svc.config);
    let interventions: Vec<_> = svc
        .records
        .interventions_of_client(&c)
        .await?
        .into_iter()
        .map(|iv| {
            let (after7, after30) = outcome(&iv, &c);
            json!({ "intervention": iv, "change7": after7, "change30": after30 })
        })
        .collect();
    Ok(ok(StatusCode::OK, json!({
        "clientId": c.client_id,
        "name": c.name,
        "coachId": c.coach_id,
        "packageValue": c.package_value,
        "currency": svc.config.currency,
        "sessionsRemaining": c.sessions_remaining,
        "renewalDate": c.renewal_date,
        "crm": c.crm,
        "score": score,
        "history": c.history,
        "interventions": interventions,
    })))
}

pub async fn summary<S: Store + Clone, Q: Queue>(State(svc): State<Arc<ClientHealthService<S, Q>>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let key = require(&svc.repo, &headers, KeyScope::Coach).await?;
    Ok(ok(StatusCode::OK, svc.records.summary(key.coach_id.as_deref(), &svc.config).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueQuery {
    coach_id: Option<String>,
}

pub async fn interventions<S: Store + Clone, Q: Queue>(State(svc): State<Arc<ClientHealthService<S, Q>>>, headers: HeaderMap, Query(q): Query<QueueQuery>) -> Result<Response, ApiError> {
    let key = require(&svc.repo, &headers, KeyScope::Coach).await?;
    let coach = match (key.coach_id.as_deref(), q.coach_id.as_deref()) {
        (Some(bound), Some(asked)) if bound != asked => return Err(ApiError::Forbidden("this key is bound to another coach".into())),
        (Some(bound), _) => Some(bound.to_string()),
        (None, asked) => asked.map(str::to_string),
    };
    let queue = svc.records.interventions(coach.as_deref()).await?;
    let today = Day::today(&svc.config.tz);
    let overdue = queue.iter().filter(|iv| iv.is_overdue(today)).count();
    Ok(ok(StatusCode::OK, json!({ "interventions": queue, "overdue": overdue })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecomputeQuery {
    day: Option<String>,
}

pub async fn recompute<S: Store + Clone, Q: Queue>(State(svc): State<Arc<ClientHealthService<S, Q>>>, headers: HeaderMap, Query(q): Query<RecomputeQuery>) -> Result<Response, ApiError> {
    require(&svc.repo, &headers, KeyScope::Admin).await?;
    let day = match q.day.as_deref() {
        Some(d) => Day::parse(d).ok_or_else(|| ApiError::bad("day", "a date (YYYY-MM-DD)"))?,
        None => Day::today(&svc.config.tz),
    };
    Ok(ok(StatusCode::OK, svc.records.recompute_all(day, &svc.config).await?))
}
