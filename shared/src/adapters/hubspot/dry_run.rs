//! The default with no HubSpot credentials: every request is recorded in the store (method,
//! path, body) and answered the way HubSpot would for an empty portal, so the sync runs to the
//! end and `debrief hubspot log` shows exactly what would have been sent. The schema it was
//! asked to create (property group, properties, custom objects) is remembered per portal, so a
//! second `debrief hubspot bootstrap` reports "existed", as against a real portal.

use serde_json::{Value, json};

use crate::hubspot::api;
use crate::adapters::request_log::RequestLog;
use crate::ports::{CrmApi, CrmError, CrmRequest, CrmResponse, Item, Key, Store};
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

/// What the dry run's portal holds of the schema it was asked to create.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct DryPortal {
    groups: Vec<String>,
    properties: Vec<Value>,
    schemas: Vec<Value>,
}

/// Contact groups are remembered by name (as stored before custom objects had groups), others
/// as `objectType/name`.
fn group_key(object_type: &str, group: &str) -> String {
    if object_type == "contacts" { group.to_string() } else { format!("{object_type}/{group}") }
}

fn portal_key(portal: &str) -> Key {
    Key::new(format!("HUBSPOTDRY#{portal}"), "SCHEMA")
}

impl DryPortal {
    /// Answers a schema read; `None` for any other request.
    fn read(&self, request: &CrmRequest) -> Option<CrmResponse> {
        let path = request.path.as_str();
        if request.method != "GET" {
            return None;
        }
        if path.ends_with("/schemas") {
            return Some(CrmResponse { status: 200, body: json!({"results": self.schemas}) });
        }
        let rest = path.strip_prefix(&api::properties(""))?;
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [object_type, "groups", group] => Some(if self.groups.contains(&group_key(object_type, group)) {
                CrmResponse { status: 200, body: json!({"name": group}) }
            } else {
                CrmResponse { status: 404, body: json!({"status": "error", "message": "not found (dry run)"}) }
            }),
            ["contacts"] => Some(CrmResponse { status: 200, body: json!({"results": self.properties}) }),
            [object_type] => {
                let props = self.schemas.iter().find(|s| s["objectTypeId"] == *object_type).map(|s| s["properties"].clone()).unwrap_or(json!([]));
                Some(CrmResponse { status: 200, body: json!({"results": props}) })
            }
            _ => None,
        }
    }

    /// Remembers what a create request (answered by `response`) made; whether it changed.
    fn remember(&mut self, request: &CrmRequest, response: &CrmResponse) -> bool {
        if request.method != "POST" {
            return false;
        }
        let body = request.body.clone().unwrap_or(Value::Null);
        let inputs = || body["inputs"].as_array().cloned().unwrap_or_default();
        if request.path == api::schemas() {
            self.schemas.push(response.body.clone());
            return true;
        }
        let Some(rest) = request.path.strip_prefix(&api::properties("")) else { return false };
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [object_type, "groups"] => body["name"].as_str().map(|g| self.groups.push(group_key(object_type, g))).is_some(),
            ["contacts", "batch", "create"] => {
                self.properties.extend(inputs());
                true
            }
            [object_type, "batch", "create"] => {
                let Some(schema) = self.schemas.iter_mut().find(|s| s["objectTypeId"] == *object_type) else { return false };
                match schema["properties"].as_array_mut() {
                    Some(props) => props.extend(inputs()),
                    None => schema["properties"] = json!(inputs()),
                }
                true
            }
            _ => false,
        }
    }
}

fn answer(request: &CrmRequest) -> CrmResponse {
    let body = request.body.clone().unwrap_or(Value::Null);
    if request.method == "GET" {
        return CrmResponse { status: 404, body: json!({"status": "error", "message": "not found (dry run)"}) };
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
        let schema_call = request.path.starts_with(&api::schemas()) || request.path.starts_with(&api::properties(""));
        if !schema_call {
            return Ok(answer(request));
        }
        let store = self.log.store();
        let key = portal_key(&self.portal);
        let transient = |e: crate::ports::StoreError| CrmError::Transient(e.to_string());
        let mut portal: DryPortal = store.get(&key).await.map_err(transient)?.and_then(|i| serde_json::from_str(&i.body).ok()).unwrap_or_default();
        if let Some(read) = portal.read(request) {
            return Ok(read);
        }
        let response = answer(request);
        if portal.remember(request, &response) {
            store.put_all(&[Item::new(key, serde_json::to_string(&portal).expect("JSON"))]).await.map_err(transient)?;
        }
        Ok(response)
    }
}
