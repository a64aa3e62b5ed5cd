//! Lead scoring over HTTP:
//! - `POST /v1/leads/icp` (admin key): an ICP CSV as `text/csv` or a multipart `file` field;
//!   the profiles are embedded and saved as a new revision.
//! - `POST /v1/leads/hubspot/action` (a HubSpot custom workflow action, signed) and
//!   `POST /v1/leads/webhook` (Make.com with an ingest key, or HubSpot webhook subscriptions,
//!   signed): each enqueues scoring jobs and answers at once.
//! - `GET /v1/leads/{contactId}/score` (admin key): the stored score and all its factors.
//!
//! Signed requests are checked against the app's client secret (`X-HubSpot-Signature-v3`,
//! five-minute window) and each accepted signature is recorded, so a replay is refused.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::ApiError;
use super::auth::require;
use crate::hubspot::signature::{self, SignatureError};
use crate::leads::jobs::{LeadJobs, enqueue, is_contact_id};
use crate::leads::profiles::{self, ProfileError};
use crate::leads::scorer::stored_score;
use crate::ports::{Mailer, Queue, Store};
use crate::repo::{Claim, KeyScope, Repo};

/// The largest ICP file accepted over HTTP.
pub const MAX_ICP_BYTES: usize = 20 * 1024 * 1024;

pub struct LeadsService<S, Q, M> {
    pub repo: Repo<S>,
    pub jobs: Arc<LeadJobs<S, M>>,
    pub queue: Q,
    /// The HubSpot app's client secret: what signs workflow-action and webhook requests.
    pub client_secret: Option<String>,
    /// `DEBRIEF_PUBLIC_URL`: the origin HubSpot calls (signatures cover the full URL).
    pub public_url: Option<String>,
}

impl From<ProfileError> for ApiError {
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::Input(i) => ApiError::bad(i.field_name().to_string(), i.to_string()),
            other => ApiError::Unavailable(other.to_string()),
        }
    }
}

impl<S: Store + Clone, Q: Queue, M: Mailer> LeadsService<S, Q, M> {
    /// The full URL HubSpot signed: the public origin (or `https://` + `Host`) and the path.
    fn signed_uri(&self, headers: &HeaderMap, uri: &Uri) -> String {
        let origin = self.public_url.clone().unwrap_or_else(|| format!("https://{}", headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost")));
        format!("{}{}", origin.trim_end_matches('/'), uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
    }

    /// A valid, fresh, first-seen HubSpot signature, or the reason it is refused.
    async fn check_signature(&self, method: &Method, headers: &HeaderMap, uri: &Uri, body: &[u8]) -> Result<(), ApiError> {
        let Some(secret) = self.client_secret.as_deref() else {
            return Err(ApiError::Unauthorized("signed HubSpot requests need the app's client secret (DEBRIEF_HUBSPOT_CLIENT_SECRET)".into()));
        };
        let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
        let sig = get("x-hubspot-signature-v3");
        signature::verify(secret, method.as_str(), &self.signed_uri(headers, uri), body, sig, get("x-hubspot-request-timestamp"), crate::clock::unix_millis()).map_err(
            |e| match e {
                SignatureError::Missing => ApiError::Unauthorized(e.to_string()),
                SignatureError::Stale | SignatureError::Forged => ApiError::Unauthorized(e.to_string()),
            },
        )?;
        let window = Duration::from_millis(signature::MAX_AGE_MS as u64 * 2);
        match self.repo.claim_idempotency("hubspot-signature", sig.unwrap_or_default(), "seen", window).await? {
            Claim::New => Ok(()),
            Claim::Existing(_) => Err(ApiError::Unauthorized("this signed request was already received (replay)".into())),
        }
    }

    async fn accept(&self, ids: Vec<String>, trigger: &str) -> Result<Value, ApiError> {
        let valid: Vec<String> = ids.into_iter().filter(|id| is_contact_id(id)).collect();
        let jobs = enqueue(&self.queue, &valid, trigger).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
        Ok(json!({"accepted": valid.len(), "jobs": jobs}))
    }
}

/// `POST /v1/leads/icp`.
pub async fn import_icp<S: Store + Clone, Q: Queue, M: Mailer>(State(svc): State<Arc<LeadsService<S, Q, M>>>, request: Request) -> Result<Response, ApiError> {
    require(&svc.repo, request.headers(), KeyScope::Admin).await?;
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let csv: String = if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &()).await.map_err(|e| ApiError::bad("body", format!("unreadable multipart form: {e}")))?;
        let mut file = None;
        while let Some(field) = form.next_field().await.map_err(|e| ApiError::bad("file", format!("unreadable multipart form: {e}")))? {
            if field.name() == Some("file") {
                let bytes = field.bytes().await.map_err(|e| ApiError::bad("file", format!("unreadable file: {e}")))?;
                if bytes.len() > MAX_ICP_BYTES {
                    return Err(ApiError::PayloadTooLarge(MAX_ICP_BYTES));
                }
                file = Some(String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad("file", "the CSV is not UTF-8"))?);
            }
        }
        file.ok_or_else(|| ApiError::bad("file", "a multipart field `file` with the ICP CSV is required"))?
    } else if content_type.starts_with("text/csv") || content_type.starts_with("text/plain") {
        let bytes = axum::body::to_bytes(request.into_body(), MAX_ICP_BYTES).await.map_err(|_| ApiError::PayloadTooLarge(MAX_ICP_BYTES))?;
        String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad("body", "the CSV is not UTF-8"))?
    } else {
        return Err(ApiError::UnsupportedMediaType("send text/csv or multipart/form-data with a `file` field".into()));
    };
    if csv.trim().is_empty() {
        return Err(ApiError::bad("file", "the CSV is empty"));
    }
    let summary = profiles::import(svc.repo.store(), &svc.jobs.scorer.model, &csv).await?;
    Ok((StatusCode::OK, Json(summary)).into_response())
}

/// `POST /v1/leads/hubspot/action`: HubSpot's custom workflow action.
pub async fn workflow_action<S: Store + Clone, Q: Queue, M: Mailer>(
    State(svc): State<Arc<LeadsService<S, Q, M>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    svc.check_signature(&method, &headers, &uri, &body).await?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad("body", format!("not JSON: {e}")))?;
    let id = id_of(&v["object"]["objectId"]).ok_or_else(|| ApiError::bad("object.objectId", "the workflow action's object id is required"))?;
    if !is_contact_id(&id) {
        return Err(ApiError::bad("object.objectId", "not a HubSpot record id"));
    }
    svc.accept(vec![id], "workflow-action").await?;
    // The action completes at once; the score lands in the contact's properties shortly.
    Ok(Json(json!({"outputFields": {"hs_execution_state": "SUCCESS", "debrief_status": "queued"}})).into_response())
}

/// A HubSpot record id as HubSpot sends it: a number or a string.
fn id_of(x: &Value) -> Option<String> {
    match x {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// `POST /v1/leads/webhook`: `{"contactIds": [...]}` with an ingest key (Make.com), or
/// HubSpot's signed array of subscription events (contact creation, property change).
pub async fn webhook<S: Store + Clone, Q: Queue, M: Mailer>(
    State(svc): State<Arc<LeadsService<S, Q, M>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if headers.contains_key("x-hubspot-signature-v3") {
        svc.check_signature(&method, &headers, &uri, &body).await?;
    } else {
        require(&svc.repo, &headers, KeyScope::Ingest).await?;
    }
    let v: Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad("body", format!("not JSON: {e}")))?;
    let ids: Vec<String> = match &v {
        Value::Array(events) => events
            .iter()
            .filter(|e| e["subscriptionType"].as_str().is_none_or(|t| t.starts_with("contact.") || t.starts_with("object.")))
            .filter_map(|e| id_of(&e["objectId"]))
            .collect(),
        Value::Object(o) => match o.get("contactIds") {
            Some(Value::Array(a)) => a.iter().filter_map(id_of).collect(),
            _ => return Err(ApiError::bad("contactIds", "a list of HubSpot contact ids is required")),
        },
        _ => return Err(ApiError::bad("body", "expected {\"contactIds\": [...]} or HubSpot's event array")),
    };
    if let Some(bad) = ids.iter().find(|id| !is_contact_id(id)) {
        return Err(ApiError::bad("contactIds", format!("`{}` is not a HubSpot contact id", bad.chars().take(40).collect::<String>())));
    }
    let answer = svc.accept(ids, "webhook").await?;
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// `GET /v1/leads/{contactId}/score`.
pub async fn score<S: Store + Clone, Q: Queue, M: Mailer>(
    State(svc): State<Arc<LeadsService<S, Q, M>>>,
    Path(contact_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require(&svc.repo, &headers, KeyScope::Admin).await?;
    if !is_contact_id(&contact_id) {
        return Err(ApiError::bad("contactId", "not a HubSpot contact id"));
    }
    match stored_score(svc.repo.store(), &contact_id).await.map_err(|e| ApiError::Unavailable(e.to_string()))? {
        Some(s) => Ok(Json(s).into_response()),
        None => Err(ApiError::NotFound(format!("contact {contact_id} has not been scored"))),
    }
}
