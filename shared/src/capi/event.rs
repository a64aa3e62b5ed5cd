//! One conversion event: as it arrives ([`IncomingEvent`]) and as Meta receives it
//! ([`MetaEvent`], the only form Debrief stores). [`prepare`] turns one into the other; the
//! intake, `debrief capi preview` and the batch sender all go through it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::normalize::{FieldError, NormalizeContext, RawUserData, UserData, hash_user_data_lenient};
use crate::repo::sha256_hex;

/// Meta's standard events Debrief's customers send; any other name is sent as a custom event.
pub const STANDARD_EVENTS: &[&str] = &[
    "Purchase",
    "Lead",
    "CompleteRegistration",
    "Schedule",
    "ViewContent",
    "AddToCart",
];

pub const ACTION_SOURCES: &[&str] = &[
    "email",
    "website",
    "app",
    "phone_call",
    "chat",
    "physical_store",
    "system_generated",
    "business_messaging",
    "other",
];

/// Meta rejects a whole request if one event in it is older than this (seconds).
pub const MAX_AGE_SECS: i64 = 7 * 24 * 3600;
/// … except `physical_store` events, which may be up to 62 days old.
pub const MAX_AGE_PHYSICAL_STORE_SECS: i64 = 62 * 24 * 3600;
/// Clock skew tolerated for events stamped in the future.
pub const MAX_FUTURE_SECS: i64 = 10 * 60;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingEvent {
    pub event_name: Option<String>,
    /// Unix seconds, Unix milliseconds (values above 10^11), or an RFC 3339 string; default now.
    pub event_time: Option<Value>,
    pub event_id: Option<String>,
    /// Ids from the source system, used to derive `event_id` when it is absent.
    pub source_id: Option<String>,
    pub action_source: Option<String>,
    pub event_source_url: Option<String>,
    #[serde(default)]
    pub user_data: RawUserData,
    pub custom_data: Option<Map<String, Value>>,
    /// One of the configured pixels; default the first.
    pub pixel_id: Option<String>,
}

/// The event object exactly as it goes into the Graph API's `data` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaEvent {
    pub event_name: String,
    pub event_time: i64,
    pub event_id: String,
    pub action_source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source_url: Option<String>,
    pub user_data: UserData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Map<String, Value>>,
}

impl MetaEvent {
    pub fn max_age_secs(&self) -> i64 {
        if self.action_source == "physical_store" {
            MAX_AGE_PHYSICAL_STORE_SECS
        } else {
            MAX_AGE_SECS
        }
    }

    /// Whether Meta would still accept the event at `now`.
    pub fn within_window(&self, now: i64) -> bool {
        now.checked_sub(self.event_time).is_some_and(|age| age <= self.max_age_secs())
    }

    /// Stable identity for deduplication: (event_id, event_name).
    pub fn dedup_hash(&self) -> String {
        sha256_hex(&format!("{}\n{}", self.event_name, self.event_id))[..32].to_string()
    }
}

/// Settings `prepare` needs, read once at start-up.
#[derive(Debug, Clone)]
pub struct PrepareConfig {
    pub default_currency: String,
    pub normalize: NormalizeContext,
}

impl Default for PrepareConfig {
    fn default() -> Self {
        Self {
            default_currency: "AED".into(),
            normalize: NormalizeContext {
                default_calling_code: Some("971".into()),
            },
        }
    }
}

fn event_time(v: Option<&Value>, now: i64) -> Result<i64, FieldError> {
    let bad = || FieldError::new("event_time", "use Unix seconds or an RFC 3339 date-time");
    let t = match v {
        None | Some(Value::Null) => now,
        Some(Value::Number(n)) => {
            let n = n.as_f64().ok_or_else(bad)?;
            // Milliseconds are common from JavaScript-based tools; Meta wants seconds.
            if n > 1e11 {
                (n / 1000.0) as i64
            } else {
                n as i64
            }
        }
        Some(Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(n) if n > 100_000_000_000 => n / 1000,
            Ok(n) => n,
            Err(_) => time::OffsetDateTime::parse(
                s.trim(),
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|_| bad())?
            .unix_timestamp(),
        },
        Some(_) => return Err(bad()),
    };
    Ok(t)
}

/// Validates, normalises and hashes one event. `now` is Unix seconds.
pub fn prepare(
    e: &IncomingEvent,
    cfg: &PrepareConfig,
    now: i64,
    scratch: &mut String,
) -> Result<MetaEvent, FieldError> {
    let mut warnings = Vec::new();
    prepare_with_warnings(e, cfg, now, scratch, &mut warnings)
}

/// As [`prepare`]; a user-data field or custom-data key that cannot be sent is left out with
/// its reason in `warnings` instead of rejecting the event.
pub fn prepare_with_warnings(
    e: &IncomingEvent,
    cfg: &PrepareConfig,
    now: i64,
    scratch: &mut String,
    warnings: &mut Vec<FieldError>,
) -> Result<MetaEvent, FieldError> {
    let event_name = e
        .event_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| FieldError::new("event_name", "is required"))?;
    if event_name.len() > 50
        || !event_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ' || c == '-')
    {
        return Err(FieldError::new(
            "event_name",
            "use a standard event or a custom name of at most 50 letters, digits, spaces, - or _",
        ));
    }
    let action_source = e
        .action_source
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("system_generated");
    if !ACTION_SOURCES.contains(&action_source) {
        return Err(FieldError::new(
            "action_source",
            format!("must be one of {}", ACTION_SOURCES.join(", ")),
        ));
    }
    let event_source_url = e
        .event_source_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(u) = &event_source_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        return Err(FieldError::new(
            "event_source_url",
            "must be an http(s) URL",
        ));
    }
    if action_source == "website" {
        if event_source_url.is_none() {
            return Err(FieldError::new(
                "event_source_url",
                "is required when action_source is website",
            ));
        }
        if e.user_data
            .client_user_agent
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            return Err(FieldError::new(
                "user_data.client_user_agent",
                "is required when action_source is website",
            ));
        }
    }
    let event_time = event_time(e.event_time.as_ref(), now)?;
    let max_age = if action_source == "physical_store" {
        MAX_AGE_PHYSICAL_STORE_SECS
    } else {
        MAX_AGE_SECS
    };
    // Checked arithmetic: an event_time near i64::MIN must not wrap into "recent".
    if now.checked_sub(event_time).is_none_or(|age| age > max_age) {
        return Err(FieldError::new(
            "event_time",
            format!(
                "is older than Meta accepts ({} days for {action_source} events); Meta would fail the whole batch",
                max_age / 86400
            ),
        ));
    }
    if event_time.checked_sub(now).is_none_or(|ahead| ahead > MAX_FUTURE_SECS) {
        return Err(FieldError::new("event_time", "is in the future"));
    }
    let user_data = hash_user_data_lenient(&e.user_data, &cfg.normalize, scratch, warnings);
    if !user_data.is_matchable() {
        // Nothing left to match on because a field was unusable: that field is the reason.
        if let Some(first) = warnings.iter().find(|w| w.field.starts_with("user_data.")) {
            return Err(FieldError::new(first.field.clone(), format!("{} (and the event has no other match key)", first.message)));
        }
        return Err(FieldError::new(
            "user_data",
            "Meta cannot match this event: send an email, phone, external_id, fbp/fbc, client_ip_address with client_user_agent, or name with zip/city/date of birth",
        ));
    }
    let custom_data = custom_data(e.custom_data.as_ref(), event_name, &cfg.default_currency, warnings)?;
    let event_id = match e.event_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) if id.len() > 200 => return Err(FieldError::new("event_id", "is longer than 200 characters")),
        Some(id) => id.to_string(),
        None => derive_event_id(event_name, e, &user_data, event_time)
            .ok_or_else(|| FieldError::new("event_id", "is required (or give source_id, custom_data.order_id or user_data.external_id to derive it)"))?,
    };
    Ok(MetaEvent {
        event_name: event_name.to_string(),
        event_time,
        event_id,
        action_source: action_source.to_string(),
        event_source_url,
        user_data,
        custom_data,
    })
}

/// `event_id` when the sender gave none, from the first source id present:
/// `source_id`, else `custom_data.order_id`, else the hashed external id with the event time.
/// The same source event always gets the same id, so Meta and Debrief deduplicate it.
pub fn derive_event_id(
    event_name: &str,
    e: &IncomingEvent,
    user: &UserData,
    event_time: i64,
) -> Option<String> {
    let source = if let Some(s) = e
        .source_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        format!("source:{s}")
    } else if let Some(o) = e
        .custom_data
        .as_ref()
        .and_then(|c| c.get("order_id"))
        .and_then(scalar_text)
    {
        format!("order:{o}")
    } else if let Some(x) = user.external_id.first() {
        format!("external:{}:{event_time}", x.as_str())
    } else {
        return None;
    };
    Some(format!(
        "dbr-{}",
        &sha256_hex(&format!("{event_name}\n{source}"))[..32]
    ))
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `custom_data` keys Meta defines (its standard parameters). Anything else could hold
/// personal data in clear — stored, then sent — so it is dropped with a warning.
pub const CUSTOM_DATA_KEYS: &[&str] = &[
    "content_category",
    "content_ids",
    "content_name",
    "content_type",
    "contents",
    "currency",
    "delivery_category",
    "num_items",
    "order_id",
    "predicted_ltv",
    "search_string",
    "status",
    "value",
];

fn custom_data(
    c: Option<&Map<String, Value>>,
    event_name: &str,
    default_currency: &str,
    warnings: &mut Vec<FieldError>,
) -> Result<Option<Map<String, Value>>, FieldError> {
    let mut out = Map::new();
    for (k, v) in c.into_iter().flatten() {
        if CUSTOM_DATA_KEYS.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        } else {
            warnings.push(FieldError::new(format!("custom_data.{k}"), "is not one of Meta's standard parameters; left out (it may hold personal data)"));
        }
    }
    if let Some(v) = out.get("value").cloned() {
        let n = match &v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            Value::Null => None,
            _ => None,
        }
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| FieldError::new("custom_data.value", "must be a number of at least 0"))?;
        out.insert("value".into(), serde_json::json!(n));
    }
    if out.contains_key("value") || event_name == "Purchase" {
        let currency = match out.get("currency") {
            None | Some(Value::Null) => default_currency.to_string(),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(_) => {
                return Err(FieldError::new(
                    "custom_data.currency",
                    "must be an ISO 4217 code such as AED",
                ));
            }
        };
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(FieldError::new(
                "custom_data.currency",
                "must be an ISO 4217 code such as AED",
            ));
        }
        out.insert(
            "currency".into(),
            Value::String(currency.to_ascii_uppercase()),
        );
    }
    if event_name == "Purchase" && !out.contains_key("value") {
        return Err(FieldError::new(
            "custom_data.value",
            "is required for Purchase events",
        ));
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn ev(v: Value) -> IncomingEvent {
        serde_json::from_value(v).unwrap()
    }

    fn prep(v: Value) -> Result<MetaEvent, FieldError> {
        prepare(&ev(v), &PrepareConfig::default(), NOW, &mut String::new())
    }

    #[test]
    fn defaults_and_shapes() {
        let e = prep(json!({"event_name": "Purchase", "event_id": "o-1", "user_data": {"email": "A@B.co"}, "custom_data": {"value": "120.5"}})).unwrap();
        assert_eq!(e.event_time, NOW);
        assert_eq!(e.action_source, "system_generated");
        assert_eq!(e.custom_data.as_ref().unwrap()["currency"], "AED");
        assert_eq!(e.custom_data.as_ref().unwrap()["value"], 120.5);
        let out = serde_json::to_value(&e).unwrap();
        assert_eq!(out["user_data"]["em"][0].as_str().unwrap().len(), 64);
        assert!(out.get("event_source_url").is_none());
    }

    #[test]
    fn extreme_event_times_are_refused_not_wrapped() {
        for t in [i64::MIN, i64::MIN + 1, i64::MAX, -1] {
            let e = prep(json!({"event_name": "Lead", "event_id": "1", "event_time": t, "user_data": {"email": "a@b.co"}}));
            assert_eq!(e.err().map(|e| e.field), Some("event_time".to_string()), "{t}");
        }
    }

    #[test]
    fn rejections_name_the_field() {
        let field = |v: Value| prep(v).unwrap_err().field;
        assert_eq!(
            field(json!({"event_id": "x", "user_data": {"email": "a@b.co"}})),
            "event_name"
        );
        assert_eq!(
            field(json!({"event_name": "Lead", "user_data": {"email": "a@b.co"}})),
            "event_id"
        );
        assert_eq!(
            field(
                json!({"event_name": "Lead", "event_id": "1", "action_source": "website", "user_data": {"email": "a@b.co"}})
            ),
            "event_source_url"
        );
        assert_eq!(
            field(
                json!({"event_name": "Lead", "event_id": "1", "action_source": "website", "event_source_url": "https://x.co", "user_data": {"email": "a@b.co"}})
            ),
            "user_data.client_user_agent"
        );
        assert_eq!(
            field(
                json!({"event_name": "Lead", "event_id": "1", "event_time": NOW - 8 * 86400, "user_data": {"email": "a@b.co"}})
            ),
            "event_time"
        );
        assert_eq!(
            field(json!({"event_name": "Lead", "event_id": "1", "user_data": {"gender": "f"}})),
            "user_data"
        );
        assert_eq!(
            field(
                json!({"event_name": "Purchase", "event_id": "1", "user_data": {"email": "a@b.co"}})
            ),
            "custom_data.value"
        );
    }

    #[test]
    fn physical_store_events_may_be_older() {
        let e = prep(
            json!({"event_name": "Purchase", "event_id": "1", "action_source": "physical_store", "event_time": NOW - 30 * 86400,
            "user_data": {"phone": "+971501234567"}, "custom_data": {"value": 1}}),
        );
        assert!(e.is_ok());
    }

    #[test]
    fn derived_event_ids_are_stable_and_distinct() {
        let a = prep(
            json!({"event_name": "Lead", "source_id": "deal-1", "user_data": {"email": "a@b.co"}}),
        )
        .unwrap();
        let b = prep(json!({"event_name": "Lead", "source_id": "deal-1", "event_time": NOW - 60, "user_data": {"email": "a@b.co"}})).unwrap();
        let c = prep(
            json!({"event_name": "Lead", "source_id": "deal-2", "user_data": {"email": "a@b.co"}}),
        )
        .unwrap();
        assert_eq!(a.event_id, b.event_id);
        assert_ne!(a.event_id, c.event_id);
        assert!(a.event_id.starts_with("dbr-"));
    }

    #[test]
    fn event_time_forms() {
        let t = |v: Value| {
            prep(json!({"event_name": "Lead", "event_id": "1", "event_time": v, "user_data": {"email": "a@b.co"}})).unwrap().event_time
        };
        assert_eq!(t(json!(NOW - 5)), NOW - 5);
        assert_eq!(t(json!((NOW - 5) * 1000)), NOW - 5);
        assert_eq!(t(json!("2027-01-15T08:00:00Z")), NOW);
    }
}
