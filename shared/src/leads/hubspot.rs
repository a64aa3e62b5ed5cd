//! Leads in and scores out, through the [`CrmApi`] port (so under the portal's shared rate
//! budget, with its retries): the contact, its company, open deals and recent engagements
//! read with batch and association endpoints (100 ids a call), and the `ai_*` properties
//! written back with batch updates. A batch HubSpot rejects as a whole (a validation 400 from
//! 2026-09 on) is written again record by record, so only the records HubSpot refuses fail,
//! each with HubSpot's message.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::Lead;
use super::score::LeadScore;
use crate::hubspot::api::{self, associated, batch_read};
use crate::ports::{CrmApi, CrmError, CrmRequest};

const BATCH: usize = 100;
const RECENT_DAYS: i64 = 90;

const CONTACT_PROPERTIES: &[&str] =
    &["industry", "numemployees", "annualrevenue", "city", "state", "country", "jobtitle", "lifecyclestage", "hubspot_owner_id", "budget", "email"];
const COMPANY_PROPERTIES: &[&str] = &["name", "industry", "numberofemployees", "annualrevenue", "city", "state", "country", "web_technologies"];
const DEAL_PROPERTIES: &[&str] = &["amount", "hs_is_closed", "dealstage"];
const ENGAGEMENTS: &[&str] = &["calls", "meetings", "emails"];

type Props = Map<String, Value>;

fn text(props: &Props, name: &str) -> Option<String> {
    props.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn location(p: &Props) -> Option<String> {
    let parts: Vec<String> = ["city", "state", "country"].iter().filter_map(|k| text(p, k)).collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The leads for `contact_ids` (a contact HubSpot does not know is left out), with
/// `now_ms` deciding what "recent" is.
pub async fn collect<C: CrmApi>(api: &C, contact_ids: &[String], now_ms: i64) -> Result<Vec<Lead>, CrmError> {
    let contacts = batch_read(api, "contacts", contact_ids, CONTACT_PROPERTIES).await?;
    let ids: Vec<String> = contact_ids.iter().filter(|id| contacts.contains_key(*id)).cloned().collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let company_of = associated(api, "contacts", "companies", &ids).await?;
    let company_ids: Vec<String> = {
        let mut v: Vec<String> = company_of.values().filter_map(|c| c.first().cloned()).collect();
        v.sort();
        v.dedup();
        v
    };
    let companies = if company_ids.is_empty() { HashMap::new() } else { batch_read(api, "companies", &company_ids, COMPANY_PROPERTIES).await? };
    let deals_of = associated(api, "contacts", "deals", &ids).await?;
    let deal_ids: Vec<String> = deals_of.values().flatten().cloned().collect();
    let deals = if deal_ids.is_empty() { HashMap::new() } else { batch_read(api, "deals", &deal_ids, DEAL_PROPERTIES).await? };
    let mut recent: HashMap<String, u32> = HashMap::new();
    let since = now_ms - RECENT_DAYS * 86_400_000;
    for kind in ENGAGEMENTS {
        let of = associated(api, "contacts", kind, &ids).await?;
        let all: Vec<String> = of.values().flatten().cloned().collect();
        if all.is_empty() {
            continue;
        }
        let records = batch_read(api, kind, &all, &["hs_timestamp"]).await?;
        for (contact, engagement_ids) in &of {
            let n = engagement_ids.iter().filter(|e| records.get(*e).and_then(|p| text(p, "hs_timestamp")).and_then(|t| timestamp_ms(&t)).is_some_and(|t| t >= since)).count();
            *recent.entry(contact.clone()).or_default() += n as u32;
        }
    }
    let empty = Props::new();
    Ok(ids
        .iter()
        .map(|id| {
            let c = &contacts[id];
            let company = company_of.get(id).and_then(|v| v.first()).and_then(|cid| companies.get(cid)).unwrap_or(&empty);
            let open: Vec<&Props> = deals_of.get(id).into_iter().flatten().filter_map(|d| deals.get(d)).filter(|d| text(d, "hs_is_closed").as_deref() != Some("true")).collect();
            Lead {
                contact_id: id.clone(),
                owner_id: text(c, "hubspot_owner_id"),
                industry: text(company, "industry").or_else(|| text(c, "industry")),
                company_size: text(company, "numberofemployees").or_else(|| text(c, "numemployees")),
                revenue_range: text(company, "annualrevenue").or_else(|| text(c, "annualrevenue")),
                geographic_location: location(company).or_else(|| location(c)),
                technology_stack: text(company, "web_technologies").map(|t| t.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).unwrap_or_default(),
                budget_range: text(c, "budget"),
                job_title: text(c, "jobtitle"),
                lifecycle_stage: text(c, "lifecyclestage"),
                open_deals: open.len() as u32,
                open_deal_amount: open.iter().filter_map(|d| text(d, "amount")).filter_map(|a| a.parse::<f64>().ok()).sum(),
                recent_engagements: recent.get(id).copied().unwrap_or(0),
            }
        })
        .collect())
}

/// HubSpot writes timestamps as ISO 8601 or as epoch milliseconds.
fn timestamp_ms(t: &str) -> Option<i64> {
    if let Ok(ms) = t.parse::<i64>() {
        return Some(ms);
    }
    let parsed = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()?;
    Some((parsed.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The properties a score writes.
pub fn properties(score: &LeadScore) -> Value {
    // HubSpot's textarea holds 65,536 characters; the reasoning is far shorter, but keep the
    // write valid whatever a model returns.
    let reasoning: String = score.reasoning.chars().take(65_000).collect();
    json!({
        "ai_lead_score": score.score,
        "ai_lead_fit": format!("{:?}", score.fit_level),
        "ai_next_best_action": format!("{:?}", score.next_action),
        "ai_last_scored": score.scored_at,
        "ai_lead_priority": score.priority.name(),
        "ai_score_reasoning": reasoning,
    })
}

/// Writes `scores` with batch updates. `Ok` holds the records HubSpot refused for good, each
/// with its message (they are not retried); `Err` is a failure worth retrying.
pub async fn write_back<C: CrmApi>(api: &C, scores: &[&LeadScore]) -> Result<Vec<(String, String)>, CrmError> {
    let mut refused = Vec::new();
    for chunk in scores.chunks(BATCH) {
        let inputs: Vec<Value> = chunk.iter().map(|s| json!({"id": s.contact_id, "properties": properties(s)})).collect();
        match api.call(&CrmRequest::post(api::objects("contacts") + "/batch/update", json!({"inputs": inputs}))).await {
            Ok(r) => {
                let body = &r.body;
                for e in body["errors"].as_array().into_iter().flatten() {
                    let message = e["message"].as_str().unwrap_or("rejected").to_string();
                    let ids: Vec<String> = e["context"]["ids"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default();
                    if ids.is_empty() {
                        refused.push((String::new(), message));
                    } else {
                        refused.extend(ids.into_iter().map(|id| (id, message.clone())));
                    }
                }
            }
            // A batch refused as a whole: record by record, to find the ones HubSpot refuses.
            Err(CrmError::Rejected { status: 400, message }) if chunk.len() > 1 => {
                tracing::warn!(records = chunk.len(), "batch update refused as a whole; writing record by record");
                let _ = message;
                for s in chunk {
                    let one = json!({"inputs": [{"id": s.contact_id, "properties": properties(s)}]});
                    match api.call(&CrmRequest::post(api::objects("contacts") + "/batch/update", one)).await {
                        Ok(_) => {}
                        Err(CrmError::Rejected { status: 400, message }) => refused.push((s.contact_id.clone(), message)),
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(CrmError::Rejected { status: 400, message }) => refused.push((chunk[0].contact_id.clone(), message)),
            Err(e) => return Err(e),
        }
    }
    Ok(refused)
}

/// The owner's email, if HubSpot knows it.
pub async fn owner_email<C: CrmApi>(api: &C, owner_id: &str) -> Result<Option<String>, CrmError> {
    if owner_id.is_empty() || !owner_id.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let r = api.call(&CrmRequest::get(format!("{}/{owner_id}", api::owners()))).await?;
    Ok((r.status == 200).then(|| r.body["email"].as_str().map(str::to_string)).flatten())
}
