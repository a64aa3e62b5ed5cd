//! `POST /v1/workshops` (JSON or multipart), `GET /v1/workshops/{sessionId}` and
//! `POST /v1/workshops/{sessionId}/reanalyze`.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ApiError;
use super::auth::require;
use crate::analysis::Analyser;
use crate::pipeline::{IngestRequest, Pipeline};
use crate::ports::{Mailer, Queue, Store};
use crate::repo::KeyScope;

/// Room for the transcript limit plus the other fields and multipart framing.
fn body_limit(transcript_limit: usize) -> usize {
    transcript_limit + 256 * 1024
}

/// The request again around its read body, for axum's multipart reader. The extensions carry
/// the router's `DefaultBodyLimit::disable()`: [`read_body`] has already enforced our limit,
/// and axum's default 2 MB would otherwise refuse a large file.
pub(super) fn rebuilt(parts: &axum::http::request::Parts, bytes: Bytes) -> Request {
    let mut req = Request::new(Body::from(bytes));
    *req.headers_mut() = parts.headers.clone();
    *req.extensions_mut() = parts.extensions.clone();
    req
}

pub(super) async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let timed_out = std::error::Error::source(&e).is_some_and(|s| s.is::<super::serve::BodyTimedOut>());
        if timed_out { ApiError::RequestTimeout } else { ApiError::PayloadTooLarge(limit) }
    })
}

async fn from_multipart(parts: &axum::http::request::Parts, bytes: Bytes) -> Result<IngestRequest, ApiError> {
    let req = rebuilt(parts, bytes);
    let mut form = Multipart::from_request(req, &()).await.map_err(|e| ApiError::bad("body", format!("unreadable multipart form: {e}")))?;
    let mut out = IngestRequest::default();
    while let Some(field) = form.next_field().await.map_err(|e| ApiError::bad("body", format!("unreadable multipart form: {e}")))? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| ApiError::bad(name.clone(), format!("unreadable part: {e}")))?;
        // No lossy decoding: random bytes must not pass as a transcript of replacement characters.
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad(name.clone(), "is not valid UTF-8 text"))?;
        match name.as_str() {
            "transcript" | "file" => out.transcript = Some(text),
            "transcriptFormat" => out.transcript_format = Some(text),
            "workshopDate" => out.workshop_date = Some(text),
            "cohortName" => out.cohort_name = Some(text),
            "coachId" => out.coach_id = Some(text),
            "zoomMeetingId" => out.zoom_meeting_id = Some(text),
            "callbackUrl" => out.callback_url = Some(text),
            // JSON array or CSV, as a text field or a file part.
            "roster" => {
                out.roster = Some(match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(v @ serde_json::Value::Array(_)) => v,
                    _ => serde_json::Value::String(text),
                })
            }
            _ => {}
        }
    }
    Ok(out)
}

pub async fn ingest<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let key = require(&p.repo, &parts.headers, KeyScope::Ingest).await?;
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let is_json = content_type.starts_with("application/json");
    let is_form = content_type.starts_with("multipart/form-data");
    if !is_json && !is_form {
        return Err(ApiError::UnsupportedMediaType("send application/json or multipart/form-data".into()));
    }
    let bytes = read_body(body, body_limit(p.config.max_transcript_bytes)).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad("body", "the request body is empty"));
    }
    let req: IngestRequest = if is_json {
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad("body", format!("not valid JSON for a workshop: {e}")))?
    } else {
        from_multipart(&parts, bytes).await?
    };
    let idem = parts.headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let accepted = p.ingest(req, idem, key.coach_id.as_deref()).await?;
    Ok(accepted_response(&accepted))
}

/// The answer to an accepted ingest or re-analysis: 202, the body, and `Location`.
fn accepted_response(accepted: &crate::pipeline::IngestAccepted) -> Response {
    let mut body = serde_json::to_value(accepted).expect("serialises");
    body["success"] = json!(true);
    let mut resp = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(v) = accepted.status_url.parse() {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

pub async fn reanalyze<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    let idem = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let accepted = p.reanalyze(&session_id, idem, key.coach_id.as_deref()).await?;
    Ok(accepted_response(&accepted))
}

/// `GET /v1/workshops/{sessionId}/transcript?t=…`: the transcript as received, for the coach
/// who got the failure email. The signed token is the credential (read only, its own purpose,
/// it expires); a mail scanner that opens it changes nothing.
pub async fn transcript<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(session_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    use crate::review::links::{LinkError, LinkPurpose, secret, verify_for};
    let token = q.get("t").ok_or_else(|| ApiError::bad("t", "is required: open the link from the email"))?;
    let key = secret(p.repo.store()).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let claims = match verify_for(LinkPurpose::Transcript, &key, token, crate::clock::unix_secs()) {
        Ok(c) if c.session_id == session_id => c,
        Ok(_) | Err(LinkError::Invalid) => return Err(ApiError::Forbidden("this link is not valid".into())),
        Err(LinkError::Expired) => return Err(ApiError::Forbidden("this link has expired; ask your Debrief operator for the transcript".into())),
    };
    let body = p.kept_transcript(&claims.session_id).await?.ok_or_else(|| ApiError::NotFound("the transcript is no longer kept".into()))?;
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{session_id}.txt\"")),
        (header::CACHE_CONTROL, "no-store".to_string()),
        (header::HeaderName::from_static("x-robots-tag"), "noindex".to_string()),
    ];
    Ok((StatusCode::OK, headers, body).into_response())
}

pub async fn status<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = require(&p.repo, &headers, KeyScope::Ingest).await?;
    let status = p.status(&session_id, key.coach_id.as_deref()).await?;
    let mut body = serde_json::to_value(&status).expect("serialises");
    body["success"] = json!(true);
    Ok((StatusCode::OK, Json(body)).into_response())
}
