//! HubSpot-shaped payloads (a workflow's "Send a webhook" with the record's properties) mapped to
//! Meta events by a configurable table: which lifecycle or deal stage becomes which event,
//! where its value comes from, and which rules are active.
//!
//! Accepted shape: `{"objectId", "objectType"?, "portalId"?, "occurredAt"? (ms), "properties":
//! {name: value | {"value": value}}}`. The event id is `hubspot-{objectId}-{property}-{stage}`,
//! so a workflow that fires twice for the same stage change is deduplicated.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::event::IncomingEvent;
use super::normalize::FieldError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingRule {
    /// `lifecyclestage` or `dealstage` (any property works).
    pub property: String,
    /// The stage's internal value, compared case-insensitively.
    pub equals: String,
    pub event_name: String,
    /// Property holding the event's value (e.g. `amount`).
    #[serde(default)]
    pub value_property: Option<String>,
    #[serde(default)]
    pub default_value: Option<f64>,
    /// Property holding the currency (e.g. `deal_currency_code`); else the configured default.
    #[serde(default)]
    pub currency_property: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// The table and the parameter mapping (Meta user-data field → HubSpot properties, first
/// non-empty wins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    pub rules: Vec<MappingRule>,
    #[serde(default = "default_user_fields")]
    pub user_data: Vec<(String, Vec<String>)>,
}

fn default_user_fields() -> Vec<(String, Vec<String>)> {
    let f =
        |meta: &str, hs: &[&str]| (meta.to_string(), hs.iter().map(|s| s.to_string()).collect());
    vec![
        f("email", &["email", "hs_email"]),
        f("phone", &["mobilephone", "phone"]),
        f("first_name", &["firstname"]),
        f("last_name", &["lastname"]),
        f("city", &["city"]),
        f("state", &["state"]),
        f("zip", &["zip"]),
        f("country", &["country"]),
        f("gender", &["gender"]),
        f("date_of_birth", &["date_of_birth"]),
        f("external_id", &["hs_object_id"]),
    ]
}

impl Default for Mapping {
    fn default() -> Self {
        let rule =
            |property: &str, equals: &str, event: &str, value: Option<&str>, active: bool| {
                MappingRule {
                    property: property.into(),
                    equals: equals.into(),
                    event_name: event.into(),
                    value_property: value.map(str::to_string),
                    default_value: None,
                    currency_property: value.map(|_| "deal_currency_code".to_string()),
                    active,
                }
            };
        Self {
            rules: vec![
                rule("lifecyclestage", "lead", "Lead", None, true),
                rule(
                    "lifecyclestage",
                    "marketingqualifiedlead",
                    "Lead",
                    None,
                    false,
                ),
                rule(
                    "lifecyclestage",
                    "customer",
                    "Purchase",
                    Some("total_revenue"),
                    true,
                ),
                rule("dealstage", "appointmentscheduled", "Schedule", None, true),
                rule("dealstage", "closedwon", "Purchase", Some("amount"), true),
            ],
            user_data: default_user_fields(),
        }
    }
}

impl Mapping {
    /// From `DEBRIEF_CAPI_MAPPING`: JSON, or `@path` to a JSON file; the default table without it.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("DEBRIEF_CAPI_MAPPING")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            None => Ok(Self::default()),
            Some(v) => {
                let text = match v.strip_prefix('@') {
                    Some(path) => std::fs::read_to_string(path)
                        .map_err(|e| format!("DEBRIEF_CAPI_MAPPING {path}: {e}"))?,
                    None => v,
                };
                serde_json::from_str(&text).map_err(|e| format!("DEBRIEF_CAPI_MAPPING: {e}"))
            }
        }
    }
}

/// Whether a JSON object is a HubSpot payload rather than an event.
pub fn is_hubspot_payload(v: &Value) -> bool {
    v.get("properties").is_some_and(Value::is_object) && v.get("event_name").is_none()
}

fn prop<'a>(props: &'a Map<String, Value>, name: &str) -> Option<String> {
    let v: &'a Value = props.get(name)?;
    let v = v.get("value").unwrap_or(v);
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `Ok(None)` when no active rule matches: the payload is acknowledged and skipped.
pub fn to_event(
    payload: &Value,
    mapping: &Mapping,
) -> Result<Option<(IncomingEvent, String)>, FieldError> {
    let props = payload
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| FieldError::new("properties", "must be an object"))?;
    let Some(rule) = mapping.rules.iter().find(|r| {
        r.active && prop(props, &r.property).is_some_and(|v| v.eq_ignore_ascii_case(&r.equals))
    }) else {
        return Ok(None);
    };
    let object_id = payload
        .get("objectId")
        .and_then(|v| {
            v.as_u64()
                .map(|n| n.to_string())
                .or_else(|| v.as_str().map(str::to_string))
        })
        .or_else(|| prop(props, "hs_object_id"));
    let mut user = Map::new();
    for (meta, names) in &mapping.user_data {
        if let Some(v) = names.iter().find_map(|n| prop(props, n)) {
            user.insert(meta.clone(), Value::String(v));
        }
    }
    if !user.contains_key("external_id")
        && let Some(id) = &object_id
    {
        user.insert("external_id".into(), Value::String(id.clone()));
    }
    let mut custom = Map::new();
    let value = rule
        .value_property
        .as_deref()
        .and_then(|p| prop(props, p))
        .and_then(|v| v.parse::<f64>().ok())
        .or(rule.default_value);
    if let Some(v) = value {
        custom.insert("value".into(), json!(v));
        if let Some(c) = rule
            .currency_property
            .as_deref()
            .and_then(|p| prop(props, p))
        {
            custom.insert("currency".into(), Value::String(c));
        }
    }
    let event_id = object_id.as_ref().map(|id| {
        format!(
            "hubspot-{id}-{}-{}",
            rule.property,
            rule.equals.to_ascii_lowercase()
        )
    });
    let event = json!({
        "event_name": rule.event_name,
        "event_time": payload.get("occurredAt").cloned(),
        "event_id": event_id,
        "action_source": "system_generated",
        "user_data": user,
        "custom_data": if custom.is_empty() { Value::Null } else { Value::Object(custom) },
        "pixel_id": payload.get("pixel_id").cloned(),
    });
    let event: IncomingEvent =
        serde_json::from_value(event).map_err(|e| FieldError::new("properties", e.to_string()))?;
    Ok(Some((event, format!("{}={}", rule.property, rule.equals))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_won_deal_becomes_a_purchase_with_its_amount() {
        let p = json!({"objectId": 981, "properties": {"dealstage": {"value": "closedwon"}, "amount": "2500", "email": "Buyer@Example.com", "deal_currency_code": "usd"}});
        assert!(is_hubspot_payload(&p));
        let (e, rule) = to_event(&p, &Mapping::default()).unwrap().unwrap();
        assert_eq!(rule, "dealstage=closedwon");
        assert_eq!(e.event_name.as_deref(), Some("Purchase"));
        assert_eq!(
            e.event_id.as_deref(),
            Some("hubspot-981-dealstage-closedwon")
        );
        let c = e.custom_data.unwrap();
        assert_eq!(c["value"], 2500.0);
        assert_eq!(c["currency"], "usd");
    }

    #[test]
    fn inactive_and_unmapped_stages_are_skipped() {
        let m = Mapping::default();
        let p = json!({"objectId": 1, "properties": {"lifecyclestage": "marketingqualifiedlead", "email": "a@b.co"}});
        assert!(to_event(&p, &m).unwrap().is_none());
        let p =
            json!({"objectId": 1, "properties": {"dealstage": "closedlost", "email": "a@b.co"}});
        assert!(to_event(&p, &m).unwrap().is_none());
    }
}
