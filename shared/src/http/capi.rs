//! `POST /v1/capi/events[?mode=test]`: conversion events from Make.com and HubSpot workflows.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ApiError;
use super::auth::require;
use crate::capi::{CapiConfig, IntakeError, Mode, accept};
use crate::ports::Store;
use crate::repo::{KeyScope, Repo};

/// What the intake route needs: the store (through the repo, for keys) and the settings.
pub struct CapiIntake<S> {
    pub repo: Repo<S>,
    pub config: CapiConfig,
}

/// 1,000 events of a few hundred bytes each, with room to spare.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub async fn events<S: Store>(
    State(svc): State<Arc<CapiIntake<S>>>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    require(&svc.repo, &parts.headers, KeyScope::Capi).await?;
    let mode = match parts
        .uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("mode=")))
    {
        None => Mode::Live,
        Some(m) => Mode::parse(m).ok_or_else(|| ApiError::bad("mode", "use live or test"))?,
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType(
            "send application/json".into(),
        ));
    }
    let bytes = axum::body::to_bytes(Body::new(body), BODY_LIMIT)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(BODY_LIMIT))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad("body", format!("not valid JSON: {e}")))?;
    let now = crate::clock::unix_secs();
    let report = accept(svc.repo.store(), &svc.config, &value, mode, now)
        .await
        .map_err(|e| match e {
            IntakeError::Input(f) => ApiError::bad(f.field, f.message),
            IntakeError::Store(s) => ApiError::Unavailable(s.to_string()),
        })?;
    if report.accepted_events.is_empty()
        && report.duplicates.is_empty()
        && report.skipped.is_empty()
    {
        // Nothing usable: a client error, with every index's reason beside it.
        let first = report
            .rejected
            .first()
            .expect("a non-empty body yields at least one result");
        let message = if report.rejected.len() == 1 {
            first.message.clone()
        } else {
            format!(
                "all {} events were rejected; the first: {}",
                report.rejected.len(),
                first.message
            )
        };
        let error = json!({"code": "invalid_request", "message": message, "field": first.field});
        return Ok((
            StatusCode::BAD_REQUEST,
            Json(json!({"success": false, "error": error, "data": report})),
        )
            .into_response());
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"success": true, "data": report})),
    )
        .into_response())
}
