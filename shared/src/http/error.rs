//! One JSON error shape for every route: `{success: false, error: {code, message, field?}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::pipeline::PipelineError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { field: String, message: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body was not received in time")]
    RequestTimeout,
    /// The detail is logged, never sent.
    #[error("a service Debrief depends on is unavailable; try again shortly")]
    Unavailable(String),
}

impl ApiError {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest { field: field.into(), message: message.into() }
    }

    /// A body that did not read as its type: a 400 naming the field (its path, or the unknown
    /// or missing field serde names in its message) with serde's words, short of its
    /// "expected …" and position.
    pub fn unreadable(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let named = inner.strip_prefix("unknown field `").or_else(|| inner.strip_prefix("missing field `"));
        let field = match named {
            Some(rest) => rest.split('`').next().unwrap_or("body").to_string(),
            None if path == "." => "body".into(),
            None => path,
        };
        let message = inner.split(", expected").next().unwrap_or(&inner);
        Self::bad(field, message.split(" at line ").next().unwrap_or(message).to_string())
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "invalid_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RequestTimeout => "request_timeout",
            Self::Unavailable(_) => "unavailable",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Unavailable(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let mut error = json!({"code": self.code(), "message": self.to_string()});
        if let Self::BadRequest { field, .. } = &self {
            error["field"] = json!(field);
        }
        let mut resp = (self.status_code(), axum::Json(json!({"success": false, "error": error}))).into_response();
        if matches!(self, Self::Unauthorized(_)) {
            resp.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// Puts every error answer in the JSON envelope, including those axum writes itself: a path
/// it cannot decode (400), a body over a route's limit (413), an unsupported method (405,
/// with its `Allow` header kept), a JSON body of the wrong shape (422 → 400).
pub async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).trim().to_string()).unwrap_or_default();
    let err = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = parts.headers.get(axum::http::header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("");
            let message = if allow.is_empty() { "this route does not take that method".to_string() } else { format!("this route takes {allow}") };
            json!({"code": "method_not_allowed", "message": message})
        }
        StatusCode::PAYLOAD_TOO_LARGE => json!({"code": "payload_too_large", "message": "the request body is larger than this route accepts"}),
        StatusCode::NOT_FOUND => json!({"code": "not_found", "message": "no such route"}),
        s if s.is_client_error() => {
            let field = if text.to_ascii_lowercase().contains("path") { "path" } else { "body" };
            let message = if text.is_empty() { "the request could not be read".to_string() } else { text };
            json!({"code": "invalid_request", "message": message, "field": field})
        }
        _ => json!({"code": "unavailable", "message": "a service Debrief depends on is unavailable; try again shortly"}),
    };
    // Axum answers a JSON body of the wrong shape with 422; the API's input errors are 400s.
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status };
    let mut out = (status, axum::Json(json!({"success": false, "error": err}))).into_response();
    if let Some(allow) = parts.headers.get(axum::http::header::ALLOW) {
        out.headers_mut().insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}

impl From<PipelineError> for ApiError {
    fn from(e: PipelineError) -> Self {
        match e {
            PipelineError::Input(i) => Self::bad(i.field_name().to_string(), i.to_string()),
            PipelineError::UnknownCoach(_) => Self::bad("coachId", e.to_string()),
            PipelineError::NotFound => Self::NotFound("no such workshop session".into()),
            PipelineError::TooLarge(_, max) => Self::PayloadTooLarge(max),
            PipelineError::CannotReanalyze(why) => Self::Conflict(why),
            // Limits are checked at the edge; an item still too large for the store is the
            // request's size, not an outage.
            PipelineError::Repo(crate::repo::RepoError::Store(crate::ports::StoreError::TooLarge(_))) => {
                Self::bad("body", "the request holds more than Debrief can store for one item; shorten its longest field")
            }
            other => Self::Unavailable(other.to_string()),
        }
    }
}

impl From<crate::repo::RepoError> for ApiError {
    fn from(e: crate::repo::RepoError) -> Self {
        Self::Unavailable(e.to_string())
    }
}
