//! The default with no Meta token: every request that would be sent is recorded in the store
//! (method, path, body without the token) and answered as Meta would.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::adapters::request_log::RequestLog;
use crate::ports::{AdsError, ConversionsApi, EventsReceipt, EventsRequest, Store};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DryRunRequest {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub recorded_at: i64,
}

pub struct DryRunConversions<S> {
    log: RequestLog<S>,
    version: String,
}

/// Where dry-run requests are kept: one partition per pixel, oldest first.
pub fn dry_run_partition(pixel_id: &str) -> String {
    format!("CAPIDRYRUN#{pixel_id}")
}

impl<S: Store> DryRunConversions<S> {
    pub fn new(store: S, version: impl Into<String>) -> Self {
        Self { log: RequestLog::new(store), version: version.into() }
    }

    pub fn store(&self) -> &S {
        self.log.store()
    }
}

impl<S: Store> ConversionsApi for DryRunConversions<S> {
    async fn send(&self, request: EventsRequest<'_>) -> Result<EventsReceipt, AdsError> {
        let mut body = serde_json::json!({ "data": request.data });
        if let Some(code) = request.test_event_code {
            body["test_event_code"] = Value::String(code.to_string());
        }
        let record = DryRunRequest {
            method: "POST".into(),
            path: format!("/{}/{}/events", self.version, request.pixel_id),
            body,
            recorded_at: crate::clock::unix_secs(),
        };
        let n = self
            .log
            .record(&dry_run_partition(request.pixel_id), serde_json::to_string(&record).expect("JSON"))
            .await
            .map_err(|e| AdsError::Transient(e.to_string()))?;
        Ok(EventsReceipt {
            events_received: request.data.len() as u64,
            fbtrace_id: Some(format!("dry-run-{n}")),
            messages: vec!["dry run: not sent".into()],
        })
    }
}
