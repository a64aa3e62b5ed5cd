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

/// Bodies up to this size are logged whole; larger ones as a summary.
const MAX_LOGGED_BODY_BYTES: usize = 64 * 1024;

/// Per event: name, id, time, source and which user-data fields it carries (no values).
fn summary(request: &EventsRequest<'_>, bytes: usize) -> Value {
    let events: Vec<Value> = request
        .data
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).unwrap_or(Value::Null);
            let fields: Vec<&String> = v["user_data"].as_object().map(|o| o.keys().collect()).unwrap_or_default();
            serde_json::json!({
                "event_name": v["event_name"], "event_id": v["event_id"], "event_time": v["event_time"],
                "action_source": v["action_source"], "user_data_fields": fields,
            })
        })
        .collect();
    serde_json::json!({"summary": true, "bytes": bytes, "events": events.len(), "test_event_code": request.test_event_code, "data": events})
}

impl<S: Store> ConversionsApi for DryRunConversions<S> {
    async fn send(&self, request: EventsRequest<'_>) -> Result<EventsReceipt, AdsError> {
        let mut body = serde_json::json!({ "data": request.data });
        if let Some(code) = request.test_event_code {
            body["test_event_code"] = Value::String(code.to_string());
        }
        let full = serde_json::to_string(&body).expect("JSON");
        // A full batch with user data passes the store's item limit: log what was in it.
        let body = if full.len() > MAX_LOGGED_BODY_BYTES { summary(&request, full.len()) } else { body };
        let record = DryRunRequest {
            method: "POST".into(),
            path: format!("/{}/{}/events", self.version, request.pixel_id),
            body,
            recorded_at: crate::clock::unix_secs(),
        };
        // The log is for the operator; failing to write it never holds a send back.
        let n = match self.log.record(&dry_run_partition(request.pixel_id), serde_json::to_string(&record).expect("JSON")).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(pixel = request.pixel_id, error = %e, "dry-run request not logged");
                0
            }
        };
        Ok(EventsReceipt {
            events_received: request.data.len() as u64,
            fbtrace_id: Some(format!("dry-run-{n}")),
            messages: vec!["dry run: not sent".into()],
        })
    }
}
