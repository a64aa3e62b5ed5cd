//! `GET /v1/health` (admin key): the operator's daily checks (see [`crate::ops`]).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use super::auth::require;
use crate::adapters::hubspot::ConfiguredCrm;
use crate::hubspot::worker::CrmConnector;
use crate::ops::{Health, job_health, portal_health, queue_health};
use crate::ports::{Queue, Store};
use crate::repo::{KeyScope, Repo};

/// The jobs whose runs are counted.
pub const JOBS: [&str; 3] = ["crm-sync", "lead-score", "lead-sweep"];

pub struct HealthService<S, Q> {
    pub repo: Repo<S>,
    pub connector: Arc<CrmConnector>,
    /// Each queue by name.
    pub queues: Vec<(String, Q)>,
}

impl<S: Store + Clone, Q: Queue> HealthService<S, Q> {
    pub async fn check(&self) -> Result<Health, String> {
        let store = self.repo.store();
        let (portal, api) = self.connector.connect(store).await.map_err(|e| e.to_string())?;
        let credentials = match &api {
            ConfiguredCrm::DryRun(_) => "dry run",
            ConfiguredCrm::Http(_) if self.connector.config.private_app_token.is_some() => "static token",
            ConfiguredCrm::Http(_) => "oauth",
        };
        let hubspot = vec![portal_health(&portal, credentials, &api).await];
        let mut queues = Vec::new();
        for (name, q) in &self.queues {
            queues.push(queue_health(name, q).await);
        }
        let mut jobs = Vec::new();
        for job in JOBS {
            jobs.push(job_health(store, job).await.map_err(|e| e.to_string())?);
        }
        Ok(Health::new(hubspot, queues, jobs))
    }
}

pub async fn health<S: Store + Clone, Q: Queue>(State(svc): State<Arc<HealthService<S, Q>>>, headers: HeaderMap) -> Result<Response, ApiError> {
    require(&svc.repo, &headers, KeyScope::Admin).await?;
    let h = svc.check().await.map_err(ApiError::Unavailable)?;
    Ok(Json(h).into_response())
}
