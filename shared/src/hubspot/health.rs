//! Client health's pull from HubSpot: the studio's clients are the contacts that carry a
//! package value, read with the business's properties (names mapped in config) by the CRM
//! search, which returns the properties with each page: one call per 100 clients, ⌈N/100⌉ for
//! a full pull. An incremental pull asks only for contacts modified since the last one.
//! HubSpot's search stops at 10,000 results a query, so a larger pull continues in windows
//! by contact id.
//!
//! Deals and engagements come as HubSpot's own roll-ups on the contact, read in the same
//! pages: the last call, sales email or meeting logged (`notes_last_contacted`), the client's
//! last reply (`hs_sales_email_last_replied`) and meeting (`hs_latest_meeting_activity`), the
//! number of deals (`num_associated_deals`) and their revenue (`total_revenue`). Reading the
//! deal and engagement objects themselves would cost a search page per 100 of each and an
//! association read per 1,000, several times the ⌈N/100⌉ a day's pull is allowed.

use serde_json::{Value, json};

use super::api;
use crate::health::{ClientRecord, CrmActivity, Day};
use crate::ports::{CrmApi, CrmError, CrmRequest};

/// The contact properties client health reads (`DEBRIEF_HEALTH_HUBSPOT_PROPERTIES`, e.g.
/// `package_value=membership_value,coach=assigned_trainer`; the defaults are the names here).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthProperties {
    pub package_value: String,
    pub package_sessions: String,
    pub sessions_remaining: String,
    pub renewal_date: String,
    pub outstanding_balance: String,
    pub last_session: String,
    /// Holds the coach's id as Debrief knows it.
    pub coach: String,
    /// HubSpot's roll-ups of the contact's engagements and deals ([`CrmActivity`]).
    pub last_contacted: String,
    pub last_replied: String,
    pub last_meeting: String,
    pub deals: String,
    pub revenue: String,
    /// The zone a date-time is put on its day in (`DEBRIEF_HEALTH_TIME_ZONE`).
    pub tz: jiff::tz::TimeZone,
}

impl Default for HealthProperties {
    fn default() -> Self {
        Self {
            package_value: "package_value".into(),
            package_sessions: "package_sessions".into(),
            sessions_remaining: "sessions_remaining".into(),
            renewal_date: "renewal_date".into(),
            outstanding_balance: "outstanding_balance".into(),
            last_session: "last_session_date".into(),
            coach: "assigned_coach".into(),
            last_contacted: "notes_last_contacted".into(),
            last_replied: "hs_sales_email_last_replied".into(),
            last_meeting: "hs_latest_meeting_activity".into(),
            deals: "num_associated_deals".into(),
            revenue: "total_revenue".into(),
            tz: crate::health::HealthConfig::default().tz,
        }
    }
}

impl HealthProperties {
    pub fn from_env() -> Result<Self, String> {
        let mut p = Self { tz: crate::health::HealthConfig::from_env()?.tz, ..Self::default() };
        let Ok(v) = std::env::var("DEBRIEF_HEALTH_HUBSPOT_PROPERTIES") else { return Ok(p) };
        for pair in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (field, name) = pair.split_once('=').ok_or(format!("DEBRIEF_HEALTH_HUBSPOT_PROPERTIES: `{pair}` is not field=property"))?;
            let slot = match field.trim() {
                "package_value" => &mut p.package_value,
                "package_sessions" => &mut p.package_sessions,
                "sessions_remaining" => &mut p.sessions_remaining,
                "renewal_date" => &mut p.renewal_date,
                "outstanding_balance" => &mut p.outstanding_balance,
                "last_session" => &mut p.last_session,
                "coach" => &mut p.coach,
                "last_contacted" => &mut p.last_contacted,
                "last_replied" => &mut p.last_replied,
                "last_meeting" => &mut p.last_meeting,
                "deals" => &mut p.deals,
                "revenue" => &mut p.revenue,
                other => return Err(format!("DEBRIEF_HEALTH_HUBSPOT_PROPERTIES: no field `{other}`")),
            };
            *slot = name.trim().to_string();
        }
        Ok(p)
    }

    fn names(&self) -> Vec<&str> {
        vec![
            "email",
            "firstname",
            "lastname",
            &self.package_value,
            &self.package_sessions,
            &self.sessions_remaining,
            &self.renewal_date,
            &self.outstanding_balance,
            &self.last_session,
            &self.coach,
            &self.last_contacted,
            &self.last_replied,
            &self.last_meeting,
            &self.deals,
            &self.revenue,
        ]
    }

    /// A contact as a client; `None` without a package value (not a client).
    fn client(&self, id: &str, p: &Value) -> Option<ClientRecord> {
        let text = |name: &str| p[name].as_str().map(str::trim).filter(|v| !v.is_empty());
        let number = |name: &str| text(name).and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0);
        // HubSpot dates are `YYYY-MM-DD`, date-times ISO 8601 (UTC) or, from some roll-ups,
        // milliseconds since 1970; a date-time is put on its day in the studio's zone.
        let day = |name: &str| {
            text(name).and_then(|v| match v.parse::<i64>() {
                Ok(ms) => jiff::Timestamp::from_millisecond(ms).ok().map(|t| Day::at(t, &self.tz)),
                Err(_) => Day::of(v, &self.tz),
            })
        };
        let package_value = number(&self.package_value)?;
        let name = [text("firstname"), text("lastname")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        Some(ClientRecord {
            client_id: format!("hs-{id}"),
            name: if name.is_empty() { text("email").unwrap_or(id).to_string() } else { name },
            email: text("email").map(str::to_lowercase),
            coach_id: text(&self.coach).map(str::to_string),
            hubspot_contact_id: Some(id.to_string()),
            package_value,
            package_sessions: number(&self.package_sessions).map(|v| v as u32),
            sessions_remaining: number(&self.sessions_remaining).map(|v| v as u32),
            renewal_date: day(&self.renewal_date),
            outstanding_balance: number(&self.outstanding_balance).unwrap_or(0.0),
            last_session: day(&self.last_session),
            crm: {
                let crm = CrmActivity {
                    last_contacted: day(&self.last_contacted),
                    last_replied: day(&self.last_replied),
                    last_meeting: day(&self.last_meeting),
                    deals: number(&self.deals).map_or(0, |v| v as u32),
                    revenue: number(&self.revenue).unwrap_or(0.0),
                };
                (crm != CrmActivity::default()).then_some(crm)
            },
            ..Default::default()
        })
    }
}

/// What a pull read.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Pulled {
    pub clients: Vec<ClientRecord>,
    /// HubSpot calls made.
    pub calls: usize,
}

/// HubSpot's search returns at most this many results a query.
const SEARCH_LIMIT: usize = 10_000;

/// The clients HubSpot holds (all of them, or those modified at or after `since_ms`).
pub async fn pull_clients<C: CrmApi>(api: &C, props: &HealthProperties, since_ms: Option<i64>) -> Result<Pulled, CrmError> {
    pull_in_windows(api, props, since_ms, SEARCH_LIMIT).await
}

/// [`pull_clients`] with windows of `window` results (HubSpot's limit; smaller in tests).
pub async fn pull_in_windows<C: CrmApi>(api: &C, props: &HealthProperties, since_ms: Option<i64>, window: usize) -> Result<Pulled, CrmError> {
    let mut out = Pulled::default();
    // Windows of at most 10,000 by ascending contact id.
    let mut above: Option<String> = None;
    loop {
        let mut filters = vec![json!({"propertyName": props.package_value, "operator": "HAS_PROPERTY"})];
        if let Some(since) = since_ms {
            filters.push(json!({"propertyName": "lastmodifieddate", "operator": "GTE", "value": since.to_string()}));
        }
        if let Some(id) = &above {
            filters.push(json!({"propertyName": "hs_object_id", "operator": "GT", "value": id}));
        }
        let mut after: Option<String> = None;
        let mut in_window = 0;
        let mut last_id = None;
        loop {
            let mut body = json!({
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                "properties": props.names(),
                "limit": 100
            });
            if let Some(a) = &after {
                body["after"] = json!(a);
            }
            let r = api.call(&CrmRequest::post(api::objects("contacts") + "/search", body)).await?;
            out.calls += 1;
            for c in r.body["results"].as_array().into_iter().flatten() {
                let Some(id) = c["id"].as_str() else { continue };
                in_window += 1;
                last_id = Some(id.to_string());
                out.clients.extend(props.client(id, &c["properties"]));
            }
            match r.body["paging"]["next"]["after"].as_str().map(str::to_string).or_else(|| r.body["paging"]["next"]["after"].as_u64().map(|n| n.to_string())) {
                Some(a) if in_window < window => after = Some(a),
                Some(_) => break,
                None => return Ok(out),
            }
        }
        // The window is full: the next one starts after its last contact.
        match last_id {
            Some(id) => above = Some(id),
            None => return Ok(out),
        }
    }
}

/// When the clients were last pulled (`HEALTHPULL`/`STATE`).
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PullState {
    last_ms: i64,
    /// The day of the last full pull.
    last_full: Option<Day>,
}

fn pull_state_key() -> crate::ports::Key {
    crate::ports::Key::new("HEALTHPULL", "STATE")
}

/// What [`sync_clients`] did.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullReport {
    pub full: bool,
    pub clients: usize,
    pub new_clients: usize,
    pub calls: usize,
}

/// Brings the clients' facts from HubSpot into the store: a full pull on the first run of a
/// day (`today`), else the contacts modified since the last pull (less a minute, for clocks
/// that disagree). Activity and history are kept; the state is written only after the facts,
/// so a pull that dies is done again.
pub async fn sync_clients<S: crate::ports::Store, C: CrmApi>(records: &crate::health::records::HealthRecords<S>, api: &C, props: &HealthProperties, today: Day, now_ms: i64) -> Result<PullReport, String> {
    let store = records.repo().store();
    let state: PullState = store.get(&pull_state_key()).await.map_err(|e| e.to_string())?.and_then(|i| serde_json::from_str(&i.body).ok()).unwrap_or_default();
    let full = state.last_full != Some(today);
    let since = (!full).then_some(state.last_ms - 60_000);
    let pulled = pull_clients(api, props, since).await.map_err(|e| e.to_string())?;
    let new_clients = records.upsert_facts(&pulled.clients).await.map_err(|e| e.to_string())?;
    let next = PullState { last_ms: now_ms, last_full: if full { Some(today) } else { state.last_full } };
    store.put_all(&[crate::ports::Item::new(pull_state_key(), serde_json::to_string(&next).expect("JSON"))]).await.map_err(|e| e.to_string())?;
    Ok(PullReport { full, clients: pulled.clients.len(), new_clients, calls: pulled.calls })
}
