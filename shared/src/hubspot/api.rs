//! HubSpot's REST paths, all in one place. HubSpot's API is date-versioned since 2026-03-30
//! (`/api-name/YYYY-MM/resource`); the numeric paths (`/crm/v3/…`, `/crm/v4/…`) stop being
//! supported in September 2027. Debrief calls version [`CRM_VERSION`], in which every CRM
//! create and update is checked against the portal's validation rules (a violation is a 400
//! that [`crate::adapters::hubspot::HubSpotHttp`] turns into a per-record rejection, never a
//! retry). OAuth's latest date version is [`OAUTH_VERSION`].
//!
//! Moving to a later version is a change of these constants and of nothing else; the stand-in
//! (`tests/src/hubspot_stand_in.rs`) answers only these paths, so a call that bypasses this
//! module fails its test.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::sync::split;
use crate::ports::{CrmApi, CrmError, CrmRequest};

/// Ids a batch call takes at most.
const BATCH: usize = 100;

/// The CRM objects, properties, associations and schemas APIs.
pub const CRM_VERSION: &str = "2026-09";
/// The OAuth token and introspection endpoints (2026-03 is their latest date version).
pub const OAUTH_VERSION: &str = "2026-03";

/// `/crm/objects/2026-09/{object_type}` (contacts, companies, deals, custom objects…).
pub fn objects(object_type: &str) -> String {
    format!("/crm/objects/{CRM_VERSION}/{object_type}")
}

/// `/crm/properties/2026-09/{object_type}`.
pub fn properties(object_type: &str) -> String {
    format!("/crm/properties/{CRM_VERSION}/{object_type}")
}

/// `/crm/associations/2026-09/{from}/{to}` (batch read, batch associate default).
pub fn associations(from: &str, to: &str) -> String {
    format!("/crm/associations/{CRM_VERSION}/{from}/{to}")
}

/// `/crm/owners/2026-09` (a contact owner's email, for the high-band alert).
pub fn owners() -> String {
    format!("/crm/owners/{CRM_VERSION}")
}

/// `/crm-object-schemas/2026-09/schemas` (custom object definitions).
pub fn schemas() -> String {
    format!("/crm-object-schemas/{CRM_VERSION}/schemas")
}

/// `/oauth/2026-03/token` (code exchange and refresh).
pub fn oauth_token() -> String {
    format!("/oauth/{OAUTH_VERSION}/token")
}

/// `/oauth/2026-03/token/introspect`.
pub fn oauth_introspect() -> String {
    format!("/oauth/{OAUTH_VERSION}/token/introspect")
}

/// Records by id (batch read, 100 a call): id → the properties asked for.
pub(crate) async fn batch_read<C: CrmApi>(api: &C, object: &str, ids: &[String], properties: &[&str]) -> Result<HashMap<String, Map<String, Value>>, CrmError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(BATCH) {
        let inputs: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
        let r = api.call(&CrmRequest::post(objects(object) + "/batch/read", json!({"properties": properties, "inputs": inputs}))).await?;
        for record in split(&r.body).0 {
            if let Some(id) = record["id"].as_str() {
                out.insert(id.to_string(), record["properties"].as_object().cloned().unwrap_or_default());
            }
        }
    }
    Ok(out)
}

/// The ids associated with each of `ids` (`from` → `to`; batch read, 100 a call).
pub(crate) async fn associated<C: CrmApi>(api: &C, from: &str, to: &str, ids: &[String]) -> Result<HashMap<String, Vec<String>>, CrmError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(BATCH) {
        let inputs: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
        let r = api.call(&CrmRequest::post(associations(from, to) + "/batch/read", json!({"inputs": inputs}))).await?;
        for row in split(&r.body).0 {
            let Some(id) = row["from"]["id"].as_str().map(str::to_string).or_else(|| row["from"]["id"].as_u64().map(|n| n.to_string())) else { continue };
            let targets = row["to"].as_array().map(|t| t.iter().filter_map(|x| x["toObjectId"].as_str().map(str::to_string).or_else(|| x["toObjectId"].as_u64().map(|n| n.to_string()))).collect()).unwrap_or_default();
            out.insert(id, targets);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_date_based_pattern() {
        assert_eq!(objects("contacts") + "/batch/update", "/crm/objects/2026-09/contacts/batch/update");
        assert_eq!(properties("contacts"), "/crm/properties/2026-09/contacts");
        assert_eq!(associations("contacts", "companies") + "/batch/read", "/crm/associations/2026-09/contacts/companies/batch/read");
        assert_eq!(schemas(), "/crm-object-schemas/2026-09/schemas");
        assert_eq!(oauth_token(), "/oauth/2026-03/token");
        for p in [objects("x"), properties("x"), associations("a", "b"), schemas(), oauth_token(), oauth_introspect()] {
            assert!(!p.contains("/v3/") && !p.contains("/v4/"), "{p}");
        }
    }
}
