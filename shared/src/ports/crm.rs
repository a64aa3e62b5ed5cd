//! CRM: HubSpot's REST API as requests (method, path, JSON body). The sync logic builds the
//! requests; adapters send them ([`crate::adapters::hubspot::HubSpotHttp`]: auth, the shared
//! rate limit, retries) or record them ([`crate::adapters::hubspot::DryRunCrm`]).

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmRequest {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl CrmRequest {
    pub fn get(path: impl Into<String>) -> Self {
        Self { method: "GET".into(), path: path.into(), body: None }
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Self { method: "POST".into(), path: path.into(), body: Some(body) }
    }
}

/// A 2xx answer (207 Multi-Status included: the caller splits it) or a 404.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmResponse {
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrmError {
    /// HubSpot's daily limit (429 with `policyName` DAILY): nothing more today.
    #[error("HubSpot's daily API limit is reached: {0}")]
    DailyLimit(String),
    /// Still 401 after one refresh, or no usable credentials.
    #[error("HubSpot refused the credentials: {0}")]
    Unauthorized(String),
    /// The app lacks a scope (403 MISSING_SCOPES).
    #[error("HubSpot says a scope is missing: {0}")]
    MissingScopes(String),
    /// 5xx, 429 and network failures that outlasted the retries.
    #[error("HubSpot is unavailable: {0}")]
    Transient(String),
    /// A 4xx HubSpot will not accept however often it is sent; its message is kept.
    #[error("HubSpot rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
}

pub trait CrmApi: Send + Sync + 'static {
    fn call(&self, request: &CrmRequest) -> impl Future<Output = Result<CrmResponse, CrmError>> + Send;
}
