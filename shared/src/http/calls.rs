//! Sales calls over HTTP (`openapi/calls.yaml`), with an ingest key (a key bound to a rep sees
//! only that rep's calls):
//! - `POST /v1/calls`: JSON, or multipart with the transcript as a file part and the other
//!   fields as text parts (`participants` as a JSON array); 202 with the status URL, the
//!   score and the meeting type (the call is analysed in the request).
//! - `GET /v1/calls/{id}`: the debrief and where the follow-up draft stands.
//! - `GET /v1/reps/{id}/stats?from=&to=`: the rep's trends over a period.
//!
//! The follow-up draft is reviewed with the review routes, the MCP tools and the signed links.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::ApiError;
use super::auth::require;
use super::workshops::{read_body, rebuilt};
use crate::analysis::Analyser;
use crate::calls::intake::CallUpload;
use crate::pipeline::{Pipeline, PipelineError};
use crate::ports::{Mailer, Queue, Store};
use crate::repo::KeyScope;

/// The fields of a JSON body or a multipart form, read into the upload; a field of the wrong
/// type or an unknown one is a 400 naming it.
fn upload_of(fields: Value) -> Result<CallUpload, ApiError> {
    serde_path_to_error::deserialize(fields).map_err(ApiError::unreadable)
}

async fn from_multipart(parts: &axum::http::request::Parts, bytes: Bytes) -> Result<Value, ApiError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| ApiError::bad("body", format!("unreadable multipart form: {e}"));
    let mut form = Multipart::from_request(rebuilt(parts, bytes), &()).await.map_err(|e| ApiError::bad("body", format!("unreadable multipart form: {e}")))?;
    let mut fields = Map::new();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| ApiError::bad(name.clone(), format!("unreadable part: {e}")))?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad(name.clone(), "is not valid UTF-8 text"))?;
        let value = match name.as_str() {
            "participants" => serde_json::from_str(&text).map_err(|_| ApiError::bad("participants", "is not a JSON array of {name, email, role}"))?,
            "file" => {
                fields.insert("transcript".into(), Value::String(text));
                continue;
            }
            _ => Value::String(text),
        };
        fields.insert(name, value);
    }
    Ok(Value::Object(fields))
}

pub async fn ingest<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let key = require(&p.repo, &parts.headers, KeyScope::Ingest).await?;
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let is_json = content_type.starts_with("application/json");
    if !is_json && !content_type.starts_with("multipart/form-data") {
        return Err(ApiError::UnsupportedMediaType("send application/json or multipart/form-data".into()));
    }
    let bytes = read_body(body, p.config.max_transcript_bytes + 256 * 1024).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad("body", "the request body is empty"));
    }
    let fields = if is_json {
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::bad("body", format!("not valid JSON: {e}")))?;
        if !v.is_object() {
            return Err(ApiError::bad("body", "must be a JSON object"));
        }
        v
    } else {
        from_multipart(&parts, bytes).await?
    };
    let accepted = p.ingest_call(upload_of(fields)?, key.coach_id.as_deref()).await?;
    let mut body = serde_json::to_value(&accepted).expect("serialises");
    body["success"] = json!(true);
    let mut resp = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(v) = accepted.status_url.parse() {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

fn not_found(what: &'static str) -> impl Fn(PipelineError) -> ApiError {
    move |e| match e {
        PipelineError::NotFound => ApiError::NotFound(format!("no such {what}")),
        other => other.into(),
    }
}

pub async fn view<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    let view = p.call_view(key.coach_id.as_deref(), &id).await.map_err(not_found("call"))?;
    Ok((StatusCode::OK, Json(json!({"success": true, "data": view}))).into_response())
}

pub async fn rep_stats<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(rep): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    if key.coach_id.as_deref().is_some_and(|c| c != rep) {
        return Err(ApiError::NotFound("no such rep".into()));
    }
    let date = |name: &'static str| -> Result<Option<String>, ApiError> {
        match q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            Some(v) if crate::clock::is_iso8601(v) => Ok(Some(v.get(..10).unwrap_or(v).to_string())),
            Some(_) => Err(ApiError::bad(name, "must be an ISO 8601 date (YYYY-MM-DD)")),
            None => Ok(None),
        }
    };
    let (from, to) = (date("from")?, date("to")?);
    let stats = p.rep_stats(&rep, from.as_deref(), to.as_deref()).await?;
    Ok((StatusCode::OK, Json(json!({"success": true, "data": stats}))).into_response())
}
