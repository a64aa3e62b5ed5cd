//! What Debrief writes in a portal, created idempotently by `debrief hubspot bootstrap`:
//! the contact properties in the `debrief` group, and the custom objects `workshop_sessions`
//! and `workshop_participants` with their properties and associations (session ↔ participant
//! record ↔ contact). Running it again creates nothing and says what existed.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api;
use crate::ports::{CrmApi, CrmError, CrmRequest, Item, Key, Store, StoreError};

pub const GROUP: &str = "debrief";
pub const SESSIONS: &str = "workshop_sessions";
pub const PARTICIPANTS: &str = "workshop_participants";
/// Unique id properties the sync upserts by.
pub const SESSION_ID_PROPERTY: &str = "debrief_session_id";
pub const PARTICIPANT_KEY_PROPERTY: &str = "debrief_participant_key";

fn prop(name: &str, label: &str, kind: &str, field: &str) -> Value {
    json!({"name": name, "label": label, "type": kind, "fieldType": field, "groupName": GROUP})
}

/// The contact properties, in the `debrief` group.
pub fn contact_properties() -> Vec<Value> {
    let levels = ["high", "medium", "low", "silent"].iter().enumerate().map(|(i, l)| json!({"label": l, "value": l, "displayOrder": i})).collect::<Vec<_>>();
    let mut engagement = prop("last_engagement_level", "Last engagement level", "enumeration", "select");
    engagement["options"] = json!(levels);
    let mut priority = prop("priority_follow_up", "Priority follow-up", "bool", "booleancheckbox");
    priority["options"] = json!([{"label": "Yes", "value": "true", "displayOrder": 0}, {"label": "No", "value": "false", "displayOrder": 1}]);
    vec![
        prop("workshop_summaries", "Workshop summaries (JSON)", "string", "textarea"),
        prop("last_workshop_date", "Last workshop date", "date", "date"),
        engagement,
        prop("total_workshops_attended", "Workshops attended", "number", "number"),
        priority,
        prop("urgency_indicators", "Urgency indicators", "string", "textarea"),
        prop("coach_notes", "Coach notes", "string", "textarea"),
        prop("last_follow_up_sent", "Last follow-up sent", "datetime", "date"),
        prop("follow_up_emails_count", "Follow-up emails sent", "number", "number"),
        prop("ai_lead_score", "AI lead score", "number", "number"),
        choice("ai_lead_fit", "AI lead fit", &["High", "Medium", "Low"]),
        choice("ai_next_best_action", "AI next best action", &["Call", "Email", "Nurture"]),
        prop("ai_last_scored", "AI last scored", "datetime", "date"),
        choice("ai_lead_priority", "AI lead priority", &["high", "medium", "low"]),
        prop("ai_score_reasoning", "AI score reasoning", "string", "textarea"),
        prop("webinar_engagement_score", "Webinar engagement score", "number", "number"),
        choice("webinar_tier", "Webinar tier", &["Hot", "Warm", "Cool", "Cold", "No-show"]),
        prop("last_webinar", "Last webinar", "string", "text"),
        prop("health_score", "Health score", "number", "number"),
        choice("health_zone", "Health zone", &["Purple", "Green", "Yellow", "Red"]),
        prop("churn_risk", "Churn risk", "number", "number"),
        prop("health_flags", "Health flags", "string", "text"),
    ]
}

/// An enumeration property with these values as its options.
fn choice(name: &str, label: &str, values: &[&str]) -> Value {
    let mut p = prop(name, label, "enumeration", "select");
    p["options"] = json!(values.iter().enumerate().map(|(i, v)| json!({"label": v, "value": v, "displayOrder": i})).collect::<Vec<_>>());
    p
}

fn object_prop(name: &str, label: &str, kind: &str, field: &str, unique: bool) -> Value {
    json!({"name": name, "label": label, "type": kind, "fieldType": field, "hasUniqueValue": unique})
}

/// A yes/no property (HubSpot's `bool` needs its two options spelled out).
fn object_flag(name: &str, label: &str) -> Value {
    let mut p = object_prop(name, label, "bool", "booleancheckbox", false);
    p["options"] = json!([{"label": "Yes", "value": "true", "displayOrder": 0}, {"label": "No", "value": "false", "displayOrder": 1}]);
    p
}

/// A workshop session record's properties: the seed's session fields.
pub fn session_object_properties() -> Vec<Value> {
    vec![
        object_prop(SESSION_ID_PROPERTY, "Debrief session id", "string", "text", true),
        object_prop("cohort_name", "Cohort", "string", "text", false),
        object_prop("workshop_date", "Workshop date", "date", "date", false),
        object_prop("coach_id", "Coach", "string", "text", false),
        object_prop("participant_count", "Participants", "number", "number", false),
        object_prop("priority_client_count", "Priority clients", "number", "number", false),
        object_prop("completed_at", "Analysis completed", "datetime", "date", false),
        object_prop("processing_status", "Processing status", "string", "text", false),
        object_flag("email_notification_sent", "Coach notified"),
        object_prop("review_completed_at", "Review completed", "datetime", "date", false),
    ]
}

/// A workshop participant record's properties: the seed's participant fields.
pub fn participant_object_properties() -> Vec<Value> {
    vec![
        object_prop(PARTICIPANT_KEY_PROPERTY, "Debrief participant key", "string", "text", true),
        object_prop(SESSION_ID_PROPERTY, "Debrief session id", "string", "text", false),
        object_prop("participant_name", "Name", "string", "text", false),
        object_prop("engagement_level", "Engagement", "string", "text", false),
        object_prop("speaking_time_percentage", "Speaking time %", "number", "number", false),
        object_prop("summary", "Summary", "string", "textarea", false),
        object_prop("wins", "Wins", "string", "textarea", false),
        object_prop("challenges", "Challenges", "string", "textarea", false),
        object_prop("action_items", "Action items", "string", "textarea", false),
        object_prop("urgency_indicators", "Urgency indicators", "string", "textarea", false),
        object_flag("urgency_flagged", "Urgency flagged"),
        object_prop("coach_recommendations", "Coach recommendations", "string", "textarea", false),
        object_prop("generated_email", "Generated email", "string", "textarea", false),
        object_prop("final_email", "Final email (as sent or approved)", "string", "textarea", false),
        object_prop("coach_edit_count", "Coach edits", "number", "number", false),
        object_prop("coach_review_status", "Coach review", "string", "text", false),
        object_flag("email_sent", "Follow-up sent"),
        object_prop("email_sent_at", "Follow-up sent at", "datetime", "date", false),
        object_prop("priority_rank", "Priority rank", "number", "number", false),
    ]
}

pub fn sessions_schema() -> Value {
    json!({
        "name": SESSIONS,
        "labels": {"singular": "Workshop session", "plural": "Workshop sessions"},
        "primaryDisplayProperty": "cohort_name",
        "requiredProperties": [SESSION_ID_PROPERTY],
        "searchableProperties": [SESSION_ID_PROPERTY, "cohort_name"],
        "properties": session_object_properties(),
        "associatedObjects": ["CONTACT"],
    })
}

pub fn participants_schema(sessions_type: &str) -> Value {
    json!({
        "name": PARTICIPANTS,
        "labels": {"singular": "Workshop participant", "plural": "Workshop participants"},
        "primaryDisplayProperty": "participant_name",
        "requiredProperties": [PARTICIPANT_KEY_PROPERTY],
        "searchableProperties": [PARTICIPANT_KEY_PROPERTY, "participant_name"],
        "properties": participant_object_properties(),
        "associatedObjects": ["CONTACT", sessions_type],
    })
}

/// Adds to an object made by an earlier bootstrap the properties this version writes (in a
/// `debrief` group on that object; HubSpot requires a group for each property).
async fn add_missing_properties<C: CrmApi>(api: &C, object_type: &str, object_name: &str, wanted: Vec<Value>, report: &mut BootstrapReport) -> Result<(), BootstrapError> {
    let existing = names(&api.call(&CrmRequest::get(api::properties(object_type))).await?.body);
    let missing: Vec<Value> = wanted
        .into_iter()
        .filter(|p| !existing.iter().any(|n| p["name"] == n.as_str()))
        .map(|mut p| {
            p["groupName"] = json!(GROUP);
            p
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if api.call(&CrmRequest::get(format!("{}/groups/{GROUP}", api::properties(object_type)))).await?.status == 404 {
        api.call(&CrmRequest::post(api::properties(object_type) + "/groups", json!({"name": GROUP, "label": "Debrief", "displayOrder": -1}))).await?;
    }
    api.call(&CrmRequest::post(api::properties(object_type) + "/batch/create", json!({"inputs": missing}))).await?;
    report.created.extend(missing.iter().map(|p| format!("{object_name} property {}", p["name"].as_str().unwrap_or_default())));
    Ok(())
}

/// The object type ids the sync writes to, saved by the bootstrap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectTypes {
    pub sessions: String,
    pub participants: String,
}

pub fn object_types_key(portal: &str) -> Key {
    Key::new(format!("HUBSPOT#{portal}"), "SCHEMA")
}

pub async fn object_types<S: Store>(store: &S, portal: &str) -> Result<Option<ObjectTypes>, StoreError> {
    Ok(store.get(&object_types_key(portal)).await?.and_then(|i| serde_json::from_str(&i.body).ok()))
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct BootstrapReport {
    pub created: Vec<String>,
    pub existed: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Crm(#[from] CrmError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unexpected answer from HubSpot: {0}")]
    Unexpected(String),
}

fn names(body: &Value) -> Vec<String> {
    body["results"].as_array().map(|r| r.iter().filter_map(|p| p["name"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

pub async fn bootstrap<S: Store, C: CrmApi>(store: &S, api: &C, portal: &str) -> Result<BootstrapReport, BootstrapError> {
    let mut report = BootstrapReport::default();
    let group = api.call(&CrmRequest::get(format!("{}/groups/{GROUP}", api::properties("contacts")))).await?;
    if group.status == 404 {
        api.call(&CrmRequest::post(api::properties("contacts") + "/groups", json!({"name": GROUP, "label": "Debrief", "displayOrder": -1}))).await?;
        report.created.push(format!("contact property group {GROUP}"));
    } else {
        report.existed.push(format!("contact property group {GROUP}"));
    }
    let existing = names(&api.call(&CrmRequest::get(api::properties("contacts"))).await?.body);
    let (have, missing): (Vec<Value>, Vec<Value>) = contact_properties().into_iter().partition(|p| existing.iter().any(|n| p["name"] == n.as_str()));
    report.existed.extend(have.iter().map(|p| format!("contact property {}", p["name"].as_str().unwrap_or_default())));
    if !missing.is_empty() {
        api.call(&CrmRequest::post(api::properties("contacts") + "/batch/create", json!({"inputs": missing}))).await?;
        report.created.extend(missing.iter().map(|p| format!("contact property {}", p["name"].as_str().unwrap_or_default())));
    }
    let schemas = api.call(&CrmRequest::get(api::schemas())).await?.body;
    let find = |name: &str| {
        schemas["results"].as_array().and_then(|r| r.iter().find(|s| s["name"] == name)).and_then(|s| s["objectTypeId"].as_str().map(str::to_string))
    };
    let sessions = match find(SESSIONS) {
        Some(id) => {
            report.existed.push(format!("custom object {SESSIONS}"));
            add_missing_properties(api, &id, SESSIONS, session_object_properties(), &mut report).await?;
            id
        }
        None => {
            let created = api.call(&CrmRequest::post(api::schemas(), sessions_schema())).await?.body;
            report.created.push(format!("custom object {SESSIONS} (associated with contacts)"));
            created["objectTypeId"].as_str().map(str::to_string).ok_or_else(|| BootstrapError::Unexpected("no objectTypeId for workshop_sessions".into()))?
        }
    };
    let participants = match find(PARTICIPANTS) {
        Some(id) => {
            report.existed.push(format!("custom object {PARTICIPANTS}"));
            add_missing_properties(api, &id, PARTICIPANTS, participant_object_properties(), &mut report).await?;
            id
        }
        None => {
            let created = api.call(&CrmRequest::post(api::schemas(), participants_schema(&sessions))).await?.body;
            report.created.push(format!("custom object {PARTICIPANTS} (associated with contacts and {SESSIONS})"));
            created["objectTypeId"].as_str().map(str::to_string).ok_or_else(|| BootstrapError::Unexpected("no objectTypeId for workshop_participants".into()))?
        }
    };
    let types = ObjectTypes { sessions, participants };
    store.put_all(&[Item::new(object_types_key(portal), serde_json::to_string(&types).expect("JSON"))]).await?;
    Ok(report)
}
