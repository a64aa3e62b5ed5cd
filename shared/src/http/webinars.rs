//! Webinars over HTTP (`openapi/webinars.yaml`), for Make.com and the coach's tools, with an
//! ingest key (a key bound to a coach sees only that coach's webinars):
//! - `POST /v1/webinars`: multipart with `attendees` (the platform's report), `chat`
//!   (optional) and `webinar` (the fields, JSON); 201 with the tiers, or 200 when this very
//!   upload was stored before.
//! - `GET /v1/webinars/{id}`; `GET /v1/webinars/{id}/attendees?sort=score|name&tier=Hot`.
//! - `POST /v1/webinars/{id}/export` (the CSV stored, and a link to it) and
//!   `GET /v1/webinars/{id}/export.csv` (the CSV itself).
//!
//! The drafts are reviewed with the coach's review routes (`/workshop-data/{id}`,
//! `/participant-summary`, `/bulk-update`), the MCP tools and the signed links, as workshops are.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ApiError;
use super::actions::number;
use super::auth::require;
use super::workshops::{read_body, rebuilt};
use crate::analysis::Analyser;
use crate::pipeline::Pipeline;
use crate::ports::{Mailer, Queue, Store};
use crate::repo::KeyScope;
use crate::webinar::Tier;
use crate::webinar::intake::{AttendeeOrder, UploadedFile, WebinarUpload};

/// Two 10 MB files, the fields and the multipart framing.
const BODY_LIMIT: usize = 2 * crate::webinar::MAX_FILE_BYTES + 256 * 1024;

fn ok<T: serde::Serialize>(status: StatusCode, data: T) -> Response {
    (status, Json(json!({"success": true, "data": data}))).into_response()
}

async fn upload_from(parts: &axum::http::request::Parts, bytes: Bytes) -> Result<WebinarUpload, ApiError> {
    let req = rebuilt(parts, bytes);
    let unreadable = |e: axum::extract::multipart::MultipartError| ApiError::bad("body", format!("unreadable multipart form: {e}"));
    let mut form = Multipart::from_request(req, &()).await.map_err(|e| ApiError::bad("body", format!("unreadable multipart form: {e}")))?;
    let mut upload = WebinarUpload::default();
    let mut fields_seen = false;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|e| ApiError::bad(name.clone(), format!("unreadable part: {e}")))?;
        match name.as_str() {
            "attendees" | "chat" => {
                let file = UploadedFile { name: file_name.unwrap_or_else(|| name.clone()), bytes: bytes.to_vec() };
                if name == "attendees" { upload.attendees = Some(file) } else { upload.chat = Some(file) }
            }
            "webinar" => {
                let text = std::str::from_utf8(&bytes).map_err(|_| ApiError::bad("webinar", "is not valid UTF-8 JSON"))?;
                upload.fields = crate::webinar::WebinarFields::from_json(text).map_err(|e| ApiError::bad(e.field_name().to_string(), e.to_string()))?;
                fields_seen = true;
            }
            _ => {}
        }
    }
    if !fields_seen {
        return Err(ApiError::bad("webinar", "is required: a JSON part with at least coachId"));
    }
    Ok(upload)
}

pub async fn ingest<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let key = require(&p.repo, &parts.headers, KeyScope::Ingest).await?;
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if !content_type.starts_with("multipart/form-data") {
        return Err(ApiError::UnsupportedMediaType("send multipart/form-data with the parts attendees, chat and webinar".into()));
    }
    let bytes = read_body(body, BODY_LIMIT).await?;
    let upload = upload_from(&parts, bytes).await?;
    let accepted = p.ingest_webinar(upload, key.coach_id.as_deref()).await?;
    let status = if accepted.created { StatusCode::CREATED } else { StatusCode::OK };
    let mut resp = ok(status, &accepted);
    if let Ok(v) = accepted.status_url.parse() {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

pub async fn overview<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    Ok(ok(StatusCode::OK, p.webinar_overview(key.coach_id.as_deref(), &id).await.map_err(not_found)?))
}

fn not_found(e: crate::pipeline::PipelineError) -> ApiError {
    match e {
        crate::pipeline::PipelineError::NotFound => ApiError::NotFound("no such webinar".into()),
        other => other.into(),
    }
}

pub async fn attendees<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    let order = match q.get("sort").map(String::as_str) {
        None | Some("") | Some("score") => AttendeeOrder::Score,
        Some("name") => AttendeeOrder::Name,
        Some(_) => return Err(ApiError::bad("sort", "must be score or name")),
    };
    let tier = match q.get("tier").map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => None,
        Some("hot") => Some(Tier::Hot),
        Some("warm") => Some(Tier::Warm),
        Some("cool") => Some(Tier::Cool),
        Some("cold") => Some(Tier::Cold),
        Some("no-show") | Some("noshow") => Some(Tier::NoShow),
        Some(_) => return Err(ApiError::bad("tier", "must be Hot, Warm, Cool, Cold or No-show")),
    };
    let page = number(&q, "page")?.unwrap_or(1);
    let size = number(&q, "pageSize")?.unwrap_or(100);
    Ok(ok(StatusCode::OK, p.webinar_attendees(key.coach_id.as_deref(), &id, order, tier, page, size).await.map_err(not_found)?))
}

pub async fn export<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    Ok(ok(StatusCode::OK, p.export_webinar(key.coach_id.as_deref(), &id).await.map_err(not_found)?))
}

pub async fn export_csv<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    let (_, csv) = p.webinar_csv(key.coach_id.as_deref(), &id).await.map_err(not_found)?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8; header=present".to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{id}.csv\"")),
        (header::CACHE_CONTROL, "no-store".to_string()),
    ];
    Ok((StatusCode::OK, headers, csv).into_response())
}
