//! The coach's review API for the ChatGPT Actions (`openapi/actions.yaml`). Every route needs
//! a coach key; the key says who the coach is.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::ApiError;
use super::auth::require;
use crate::analysis::Analyser;
use crate::domain::ProcessingStatus;
use crate::pipeline::Pipeline;
use crate::ports::{Mailer, Queue, Store};
use crate::repo::KeyScope;
use crate::review::{BulkUpdate, ReviewError, UpdateParticipant, View};

/// Every route of this API (method, path): the router is built from it and a test checks it
/// against the spec, both ways.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/workshop-data/{sessionId}"),
    ("GET", "/workshops"),
    ("PUT", "/participant-summary"),
    ("POST", "/bulk-update"),
];

fn ok<T: Serialize>(data: T) -> Response {
    (StatusCode::OK, Json(json!({"success": true, "data": data}))).into_response()
}

impl From<ReviewError> for ApiError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Pipeline(p) => p.into(),
            conflict @ ReviewError::Conflict(_) => ApiError::Conflict(conflict.to_string()),
        }
    }
}

/// JSON with errors that name the field (`participantUpdates[0].approvalStatus`).
fn parse_body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad("body", "the request body is empty"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() { "body".to_string() } else { path };
        ApiError::bad(field, e.into_inner().to_string())
    })
}

pub(super) fn number(q: &HashMap<String, String>, name: &str) -> Result<Option<usize>, ApiError> {
    match q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).map(Some).ok_or_else(|| ApiError::bad(name, "must be a whole number of 1 or more")),
    }
}

fn coach_matches(q: &HashMap<String, String>, coach_id: &str) -> Result<(), ApiError> {
    match q.get("coachId") {
        Some(c) if c != coach_id => Err(ApiError::NotFound("no such workshop session".into())),
        _ => Ok(()),
    }
}

pub async fn workshop_data<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(session_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Coach).await?;
    let coach_id = key.coach_id.unwrap_or_default();
    coach_matches(&q, &coach_id)?;
    let view = match q.get("view").map(String::as_str) {
        None | Some("") | Some("compact") => View::Compact,
        Some("full") => View::Full,
        Some(_) => return Err(ApiError::bad("view", "must be compact or full")),
    };
    let data = p
        .workshop_data(&coach_id, &session_id, view, q.get("participantId").map(String::as_str).filter(|s| !s.is_empty()), number(&q, "page")?.unwrap_or(1), number(&q, "pageSize")?)
        .await?;
    Ok(ok(data))
}

pub async fn list_workshops<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Coach).await?;
    let coach_id = key.coach_id.unwrap_or_default();
    if q.get("coachId").is_some_and(|c| *c != coach_id) {
        return Ok(ok(json!({"workshops": [], "nextCursor": null})));
    }
    let status = match q.get("status").map(String::as_str) {
        None | Some("") => None,
        Some("pending") => Some(ProcessingStatus::Pending),
        Some("processing") => Some(ProcessingStatus::Processing),
        Some("completed") => Some(ProcessingStatus::Completed),
        Some("failed") => Some(ProcessingStatus::Failed),
        Some(_) => return Err(ApiError::bad("status", "must be pending, processing, completed or failed")),
    };
    let limit = number(&q, "limit")?.unwrap_or(10);
    let cursor = q.get("cursor").map(String::as_str).filter(|c| !c.is_empty());
    match p.list_workshops(&coach_id, status, limit, cursor).await {
        Err(crate::pipeline::PipelineError::Repo(crate::repo::RepoError::Store(crate::ports::StoreError::BadCursor))) => {
            Err(ApiError::bad("cursor", "is not a cursor this API returned"))
        }
        other => Ok(ok(other?)),
    }
}

pub async fn update_participant<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Coach).await?;
    let req: UpdateParticipant = parse_body(&body)?;
    let if_match = headers.get("if-match").and_then(|v| v.to_str().ok()).and_then(|v| v.trim_matches('"').parse().ok());
    let updated = p.update_participant_summary(&key.coach_id.unwrap_or_default(), req, if_match).await?;
    let etag = format!("\"{}\"", updated.version);
    let mut resp = ok(updated);
    if let Ok(v) = etag.parse() {
        resp.headers_mut().insert("etag", v);
    }
    Ok(resp)
}

pub async fn bulk_update<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Coach).await?;
    let req: BulkUpdate = parse_body(&body)?;
    Ok(ok(p.bulk_update(&key.coach_id.unwrap_or_default(), req).await?))
}
