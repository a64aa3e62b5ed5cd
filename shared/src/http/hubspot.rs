//! Connecting HubSpot: `GET /oauth/hubspot/start` (redirect to HubSpot's consent page),
//! `GET /oauth/hubspot/callback` (state checked, code exchanged, tokens stored encrypted), and
//! `POST /v1/hubspot/bootstrap` (the schema, idempotently; an ingestion key).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::ApiError;
use super::auth::require;
use crate::hubspot::oauth::{self, OAuthError};
use crate::hubspot::schema::{self, BootstrapError};
use crate::hubspot::worker::CrmConnector;
use crate::ports::{CrmError, Store};
use crate::repo::{KeyScope, Repo};

pub struct HubSpotService<S> {
    pub repo: Repo<S>,
    /// Shared with the crm-sync worker in `debrief serve`.
    pub connector: Arc<CrmConnector>,
}

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        match e {
            OAuthError::BadState => ApiError::bad("state", e.to_string()),
            OAuthError::NoStartCredential => ApiError::Unauthorized(e.to_string()),
            OAuthError::WouldReplace { .. } => ApiError::Conflict(e.to_string()),
            OAuthError::MissingScopes(_) | OAuthError::Refused(_) => ApiError::bad("code", e.to_string()),
            OAuthError::NotConfigured(_) | OAuthError::Unavailable(_) => ApiError::Unavailable(e.to_string()),
            OAuthError::Store(s) => ApiError::Unavailable(s.to_string()),
        }
    }
}

#[derive(Deserialize)]
pub struct Start {
    ticket: Option<String>,
    #[serde(default)]
    replace: bool,
}

/// An operator's start only: a one-time ticket (`debrief hubspot connect` prints the link),
/// or an admin key in `Authorization` (then `?replace=true` may replace a connected portal).
pub async fn start<S: Store>(State(svc): State<Arc<HubSpotService<S>>>, Query(q): Query<Start>, headers: HeaderMap) -> Result<Response, ApiError> {
    if !svc.connector.config.oauth_ready() {
        return Err(ApiError::Unavailable(
            "HubSpot OAuth is not configured (DEBRIEF_HUBSPOT_CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URI, DEBRIEF_TOKEN_KEY)".into(),
        ));
    }
    let grant = match q.ticket.as_deref().filter(|t| !t.is_empty()) {
        Some(ticket) => oauth::redeem_start_ticket(svc.repo.store(), ticket).await?,
        None if super::api_key_from_headers(&headers).is_some() => {
            require(&svc.repo, &headers, KeyScope::Admin).await?;
            oauth::StartGrant { replace: q.replace }
        }
        None => return Err(OAuthError::NoStartCredential.into()),
    };
    let url = oauth::authorize_url(svc.repo.store(), &svc.connector.config, grant).await?;
    Ok((StatusCode::FOUND, [(header::LOCATION, url), (header::CACHE_CONTROL, "no-store".into())]).into_response())
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub async fn callback<S: Store>(State(svc): State<Arc<HubSpotService<S>>>, Query(q): Query<Callback>) -> Result<Response, ApiError> {
    if let Some(e) = q.error {
        return Err(ApiError::bad("error", format!("HubSpot did not grant access: {}", q.error_description.unwrap_or(e))));
    }
    let state = q.state.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::bad("state", "is required"))?;
    let code = q.code.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::bad("code", "is required"))?;
    let keys = svc.connector.keys().ok_or_else(|| ApiError::Unavailable("no token key: set DEBRIEF_TOKEN_KEY or DEBRIEF_TOKEN_KMS_KEY_ID".into()))?;
    if !svc.connector.config.oauth_ready() {
        return Err(ApiError::Unavailable("HubSpot OAuth is not configured".into()));
    }
    let portal = oauth::complete(svc.repo.store(), svc.connector.http(), &svc.connector.config, keys, &code, &state).await?;
    Ok((StatusCode::OK, Json(json!({"success": true, "data": {"portalId": portal, "message": "HubSpot is connected. Run the bootstrap next."}}))).into_response())
}

pub async fn bootstrap<S: Store + Clone>(State(svc): State<Arc<HubSpotService<S>>>, headers: HeaderMap) -> Result<Response, ApiError> {
    require(&svc.repo, &headers, KeyScope::Admin).await?;
    let store = svc.repo.store();
    let (portal, api) = svc.connector.connect(store).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let report = schema::bootstrap(store, &api, &portal).await.map_err(|e| match e {
        BootstrapError::Crm(CrmError::MissingScopes(m)) => ApiError::Forbidden(format!("the HubSpot app lacks a scope: {m}")),
        BootstrapError::Crm(CrmError::Unauthorized(m)) => ApiError::Forbidden(format!("HubSpot refused the credentials: {m}")),
        other => ApiError::Unavailable(other.to_string()),
    })?;
    Ok((StatusCode::OK, Json(json!({"success": true, "data": {"portalId": portal, "created": report.created, "existed": report.existed}}))).into_response())
}
