//! The default with no HubSpot credentials: every request is recorded in the store (method,
//! path, body) and answered the way HubSpot would for an empty portal, so the sync runs to the
//! end and `debrief hubspot log` shows exactly what would have been sent.

use serde_json::{Value, json};

use crate::adapters::request_log::RequestLog;
use crate::ports::{CrmApi, CrmError, CrmRequest, CrmResponse, Store};
use crate::repo::sha256_hex;

pub struct DryRunCrm<S> {
    log: RequestLog<S>,
    portal: String,
}

pub fn dry_run_partition(portal: &str) -> String {
    format!("HUBSPOTLOG#{portal}")
}

impl<S: Store> DryRunCrm<S> {
    pub fn new(store: S, portal: impl Into<String>) -> Self {
        Self { log: RequestLog::new(store), portal: portal.into() }
    }
}

fn answer(request: &CrmRequest) -> CrmResponse {
    let body = request.body.clone().unwrap_or(Value::Null);
    if request.method == "GET" {
        return if request.path.ends_with("/schemas") || request.path.starts_with("/crm/v3/properties/") && request.path.matches('/').count() == 4 {
            CrmResponse { status: 200, body: json!({"results": []}) }
        } else {
            CrmResponse { status: 404, body: json!({"status": "error", "message": "not found (dry run)"}) }
        };
    }
    if let Some(inputs) = body["inputs"].as_array() {
        let results: Vec<Value> = inputs
            .iter()
            .map(|i| {
                let id = i["id"].as_str().filter(|s| s.bytes().all(|b| b.is_ascii_digit())).map(str::to_string).unwrap_or_else(|| {
                    // A stable fake id, so repeated dry runs read the same.
                    let h = sha256_hex(&i.to_string());
                    u64::from_str_radix(&h[..12], 16).unwrap_or(0).to_string()
                });
                json!({"id": id, "properties": i.get("properties").cloned().unwrap_or(json!({}))})
            })
            .collect();
        return CrmResponse { status: 200, body: json!({"status": "COMPLETE", "results": results}) };
    }
    let mut created = body;
    if request.path.ends_with("/schemas")
        && let Some(name) = created["name"].as_str().map(str::to_string)
    {
        created["objectTypeId"] = json!(format!("2-dry-{name}"));
        created["fullyQualifiedName"] = json!(format!("p0_{name}"));
    }
    CrmResponse { status: 201, body: created }
}

impl<S: Store> CrmApi for DryRunCrm<S> {
    async fn call(&self, request: &CrmRequest) -> Result<CrmResponse, CrmError> {
        self.log
            .record(&dry_run_partition(&self.portal), serde_json::to_string(request).expect("JSON"))
            .await
            .map_err(|e| CrmError::Transient(e.to_string()))?;
        Ok(answer(request))
    }
}
