//! The `crm-sync` consumer: which portal and adapter a message goes to, and what happens when
//! HubSpot says no (retry later, or the dead-letter queue with HubSpot's message kept).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::json;

use super::oauth::{connection_key, default_portal_key};
use super::sync::{CrmMessage, CrmSync, SyncError};
use super::{HubSpotConfig, TokenCipher, TokenKeys};
use crate::adapters::hubspot::{ConfiguredCrm, Credentials, DryRunCrm, HubSpotHttp};
use crate::ports::{Queue, Store};
use crate::repo::Repo;

/// Builds the adapter for a portal: a private app's token, the stored OAuth connection, or
/// (neither) the dry run.
pub struct CrmConnector {
    pub config: HubSpotConfig,
    keys: Option<Arc<TokenKeys>>,
    http: OnceLock<reqwest::Client>,
}

/// Where the dry run records when no portal is connected.
pub const DRY_RUN_PORTAL: &str = "dry-run";

impl CrmConnector {
    /// With a local token key (`DEBRIEF_TOKEN_KEY`), if configured.
    pub fn new(config: HubSpotConfig) -> Result<Self, String> {
        let cipher = config.token_key.as_deref().map(TokenCipher::from_base64).transpose().map_err(|e| format!("DEBRIEF_TOKEN_KEY: {e}"))?;
        Ok(Self { config, keys: cipher.map(|c| Arc::new(TokenKeys::Local(c))), http: OnceLock::new() })
    }

    /// With KMS data keys when `DEBRIEF_TOKEN_KMS_KEY_ID` is set (AWS), else as [`Self::new`].
    pub fn from_env_with(sdk: &aws_config::SdkConfig) -> Result<Self, String> {
        Self::with_kms_if_set(HubSpotConfig::from_env(), sdk)
    }

    /// KMS data keys when `config` names a KMS key, else a local key.
    pub fn with_kms_if_set(config: HubSpotConfig, sdk: &aws_config::SdkConfig) -> Result<Self, String> {
        match config.kms_key_id.clone() {
            Some(key_id) => {
                let kms = crate::adapters::aws::KmsDataKeys::from_config(sdk, key_id);
                Ok(Self { config, keys: Some(Arc::new(TokenKeys::kms(kms))), http: OnceLock::new() })
            }
            None => Self::new(config),
        }
    }

    pub fn with_keys(mut self, keys: TokenKeys) -> Self {
        self.keys = Some(Arc::new(keys));
        self
    }

    pub fn keys(&self) -> Option<&TokenKeys> {
        self.keys.as_deref()
    }

    pub fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| crate::net::client_builder().timeout(self.config.timeout).build().expect("an HTTP client with rustls builds"))
    }

    /// The portal and the adapter that writes to it.
    pub async fn connect<S: Store + Clone>(&self, store: &S) -> Result<(String, ConfiguredCrm<S>), crate::ports::StoreError> {
        if let Some(token) = &self.config.private_app_token {
            let portal = self.config.portal_id.clone().unwrap_or_else(|| "private-app".into());
            return Ok((portal.clone(), ConfiguredCrm::Http(HubSpotHttp::new(self.http().clone(), self.config.clone(), store.clone(), Credentials::PrivateApp(token.clone()), portal))));
        }
        if let Some(keys) = &self.keys {
            let portal = match &self.config.portal_id {
                Some(p) => Some(p.clone()),
                None => store.get(&default_portal_key()).await?.and_then(|i| serde_json::from_str::<serde_json::Value>(&i.body).ok()).and_then(|v| v["portalId"].as_str().map(str::to_string)),
            };
            if let Some(portal) = portal
                && store.get(&connection_key(&portal)).await?.is_some()
            {
                return Ok((portal.clone(), ConfiguredCrm::Http(HubSpotHttp::new(self.http().clone(), self.config.clone(), store.clone(), Credentials::OAuth(keys.clone()), portal))));
            }
        }
        Ok((DRY_RUN_PORTAL.into(), ConfiguredCrm::DryRun(DryRunCrm::new(store.clone(), DRY_RUN_PORTAL))))
    }
}

/// Handles one queue message. `Ok` means acknowledge it: done, or dead-lettered because no
/// retry can help (HubSpot's message is in the dead letter). `Err` means try again later.
pub async fn handle_message<S: Store + Clone, Q: Queue>(store: &S, queue: &Q, connector: &CrmConnector, body: &str) -> Result<(), SyncError> {
    let message: CrmMessage = match serde_json::from_str(body) {
        Ok(m) => m,
        Err(e) => {
            let _ = queue.dead_letter(&json!({"message": body, "error": format!("unreadable message: {e}")}).to_string()).await;
            return Ok(());
        }
    };
    let (portal, api) = connector.connect(store).await?;
    let sync = CrmSync { repo: Repo::new(store.clone()), api, portal, create_missing_contacts: connector.config.create_missing_contacts };
    let result = sync.handle(&message).await;
    crate::ops::record_run(store, "crm-sync", result.is_ok()).await;
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.is_permanent() => {
            tracing::error!(error = %e.kind(), "CRM write rejected; message dead-lettered with HubSpot's words");
            queue
                .dead_letter(&json!({"message": message, "error": e.to_string()}).to_string())
                .await
                .map_err(|q| SyncError::Crm(crate::ports::CrmError::Transient(q.to_string())))?;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e.kind(), "CRM write will be retried");
            Err(e)
        }
    }
}

/// Lambda's SQS batch for `crm-sync`: failed records reported in `batchItemFailures`.
pub async fn sqs_batch<S: Store + Clone, Q: Queue>(
    store: &S,
    queue: &Q,
    connector: &CrmConnector,
    event: aws_lambda_events::event::sqs::SqsEvent,
) -> aws_lambda_events::event::sqs::SqsBatchResponse {
    let mut failed = Vec::new();
    // One at a time: messages of a batch may touch the same contacts.
    for (id, body, _) in crate::lambda_sqs::records(event) {
        if handle_message(store, queue, connector, &body).await.is_err() {
            failed.push(id);
        }
    }
    crate::lambda_sqs::failures(failed)
}

/// The local stand-in for the `crm-sync` function: leases messages until `stop`.
pub async fn run<S: Store + Clone, Q: Queue>(store: S, queue: &Q, connector: &CrmConnector, lease: Duration, stop: tokio::sync::watch::Receiver<bool>) {
    crate::lambda_sqs::consume_locally(queue, lease, stop, |body| {
        let store = store.clone();
        async move { handle_message(&store, queue, connector, &body).await.is_ok() }
    })
    .await
}
