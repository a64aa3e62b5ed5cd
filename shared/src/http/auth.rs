//! API keys: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. Keys are looked up by their
//! SHA-256; the presented key is never logged.

use axum::http::HeaderMap;

use super::ApiError;
use crate::ports::Store;
use crate::repo::{ApiKeyRecord, KeyScope, Repo};

pub type ApiKey = ApiKeyRecord;

pub fn api_key_from_headers(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        // The scheme is case-insensitive (RFC 9110 §11.1).
        if let Some((scheme, k)) = v.split_once(' ').filter(|(s, _)| s.eq_ignore_ascii_case("bearer")) {
            let _ = scheme;
            return Some(k.trim().to_string()).filter(|k| !k.is_empty());
        }
    }
    headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string()).filter(|k| !k.is_empty())
}

/// The key's record if it is valid and of `scope`.
pub async fn require<S: Store>(repo: &Repo<S>, headers: &HeaderMap, scope: KeyScope) -> Result<ApiKey, ApiError> {
    let presented = api_key_from_headers(headers)
        .ok_or_else(|| ApiError::Unauthorized("an API key is required (Authorization: Bearer <key> or X-Api-Key)".into()))?;
    let record = repo.find_api_key(&presented).await?.ok_or_else(|| ApiError::Unauthorized("the API key is not valid".into()))?;
    if record.scope != scope {
        return Err(ApiError::Forbidden(format!("this key is for {} use, not {}", record.scope.name(), scope.name())));
    }
    Ok(record)
}
