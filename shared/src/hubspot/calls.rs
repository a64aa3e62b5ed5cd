//! A sales call to HubSpot, once: a call engagement with the debrief as its body, associated
//! with the buyer's contact (found by email) and their open deal, and one task per seller
//! action item with its due date — batched, through the shared rate budget and retries.
//!
//! Once per call, also across crashes and redeliveries: what was created is recorded in the
//! store (`SESSION#{id}` / `HUBSPOT_CALL`) after each write; before writing, an attempt that
//! started earlier and may have created records without recording them looks for them first
//! (a search on the exact title, or subject, which carries the call id), so a redelivery
//! finds and reuses them instead of creating them again.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api::{self, associated, batch_read};
use super::sync::{CrmSync, SyncError, split};
use crate::calls::debrief::{Debrief, name};
use crate::calls::intake::{BUYER_ID, CallSession};
use crate::calls::signals::Side;
use crate::ports::store::{Item, Key};
use crate::ports::{CrmApi, CrmRequest, Store, StoreError};

/// When a call goes to HubSpot (`DEBRIEF_HUBSPOT_LOG_CALLS`): `completion` (the default: as
/// soon as it is analysed) or `approval` (when the rep approves the follow-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCallsOn {
    Completion,
    Approval,
}

impl LogCallsOn {
    pub fn from_env() -> Self {
        match std::env::var("DEBRIEF_HUBSPOT_LOG_CALLS").as_deref().map(str::trim) {
            Ok("approval") => Self::Approval,
            _ => Self::Completion,
        }
    }
}

/// What was created in HubSpot for one call.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Logged {
    /// An attempt began: records may exist that are not listed here.
    started: bool,
    call: Option<String>,
    /// Task ids by action item index.
    tasks: Vec<(usize, String)>,
    associated: bool,
}

fn record_key(session_id: &str) -> Key {
    Key::new(format!("SESSION#{session_id}"), "HUBSPOT_CALL")
}

fn call_title(session_id: &str, call: &CallSession) -> String {
    format!("{} [{session_id}]", call.title.clone().unwrap_or_else(|| format!("Sales call with {}", call.buyer)))
}

fn task_subject(session_id: &str, i: usize, quote: &str) -> String {
    let what: String = quote.chars().take(120).collect();
    format!("{what} [{session_id} #{}]", i + 1)
}

/// The debrief as the call's body (HubSpot shows it as rich text).
fn body(d: &Debrief) -> String {
    let esc = crate::pipeline::html_escape;
    let m = &d.metrics;
    let mut lines = vec![
        format!("<b>{} call — score {:.1}/10</b>", esc(&name(&d.meeting_type)), d.score),
        format!("Talk ratio: seller {:.0} %, buyer {:.0} %; seller questions: {}; longest monologue: {:.0} s", m.seller_talk_percent, m.buyer_talk_percent, m.seller_questions, m.seller_longest_monologue_seconds),
    ];
    for b in &d.buying_signals {
        lines.push(format!("Buying signal ({}) at {}: \"{}\"", esc(&name(&b.kind)), b.said.at, esc(&b.said.quote)));
    }
    for o in &d.objections {
        let state = if o.addressed.is_some() { "answered" } else { "open" };
        lines.push(format!("Objection ({}, {state}) at {}: \"{}\"", esc(&name(&o.kind)), o.said.at, esc(&o.said.quote)));
    }
    for a in &d.action_items {
        let owner = a.owner.map_or("unassigned".to_string(), |s| name(&s));
        let due = a.due_date.clone().or_else(|| a.due_said.clone()).unwrap_or_else(|| "no date".into());
        lines.push(format!("Action ({owner}, {}): \"{}\"", esc(&due), esc(&a.said.quote)));
    }
    for p in &d.to_improve {
        lines.push(format!("To improve: {}", esc(&p.text)));
    }
    lines.join("<br>")
}

/// A date (`YYYY-MM-DD`) as HubSpot's timestamp: that day, 09:00 UTC.
fn timestamp(date: &str) -> String {
    format!("{}T09:00:00.000Z", date.get(..10).unwrap_or(date))
}

impl<S: Store, C: CrmApi> CrmSync<S, C> {
    async fn logged(&self, session_id: &str) -> Result<(Logged, Option<u64>), SyncError> {
        Ok(match self.repo.store().get(&record_key(session_id)).await? {
            Some(item) => (serde_json::from_str(&item.body).unwrap_or_default(), Some(item.version)),
            None => (Logged::default(), None),
        })
    }

    async fn save(&self, session_id: &str, logged: &Logged, version: Option<u64>) -> Result<u64, SyncError> {
        let item = Item::new(record_key(session_id), serde_json::to_string(logged).expect("JSON"));
        Ok(match version {
            Some(v) => self.repo.store().update(&item, v).await?,
            None => {
                self.repo.store().put_new(&item).await?;
                1
            }
        })
    }

    /// Ids of `object` records whose `property` is exactly `value`.
    async fn find_exact(&self, object: &str, property: &str, value: &str) -> Result<Option<String>, SyncError> {
        let body = json!({"filterGroups": [{"filters": [{"propertyName": property, "operator": "EQ", "value": value}]}], "properties": [property], "limit": 1});
        let r = self.api.call(&CrmRequest::post(api::objects(object) + "/search", body)).await?;
        Ok(r.body["results"].as_array().and_then(|a| a.first()).and_then(|x| x["id"].as_str()).map(str::to_string))
    }

    /// Logs the call, once (see the module comment).
    pub async fn call_logged(&self, session_id: &str) -> Result<(), SyncError> {
        let session = self.repo.get_session(session_id).await?.ok_or(SyncError::NotFound)?.value;
        let Some(call) = &session.call else { return Err(SyncError::NotFound) };
        let (mut logged, mut version) = self.logged(session_id).await?;
        if logged.associated {
            return Ok(());
        }
        let retry = logged.started;
        if !retry {
            logged.started = true;
            version = Some(self.save(session_id, &logged, version).await?);
        }
        let mut errors = Vec::new();
        // The buyer's contact (by email) and their open deal, if HubSpot knows them.
        let buyer = self.repo.get_participant(session_id, BUYER_ID).await?.ok_or(SyncError::NotFound)?.value;
        let contact = self.contacts_by_email(&[&buyer], &mut errors).await?.get(BUYER_ID).cloned();
        let deal = match &contact {
            Some(c) => {
                let deals = associated(&self.api, "contacts", "deals", std::slice::from_ref(c)).await?.remove(c).unwrap_or_default();
                let props = batch_read(&self.api, "deals", &deals, &["hs_is_closed", "dealstage"]).await?;
                deals.into_iter().find(|d| props.get(d).is_some_and(|p| p.get("hs_is_closed").and_then(Value::as_str) != Some("true")))
            }
            None => None,
        };

        // The call engagement.
        let title = call_title(session_id, call);
        if logged.call.is_none() && retry {
            logged.call = self.find_exact("calls", "hs_call_title", &title).await?;
        }
        if logged.call.is_none() {
            let input = json!({"properties": {
                "hs_timestamp": timestamp(&session.workshop_date),
                "hs_call_title": title,
                "hs_call_body": body(&call.debrief),
                "hs_call_direction": "OUTBOUND",
                "hs_call_status": "COMPLETED",
            }});
            let r = self.api.call(&CrmRequest::post(api::objects("calls") + "/batch/create", json!({"inputs": [input]}))).await?;
            let (results, errs) = split(&r.body);
            errors.extend(errs);
            logged.call = results.first().and_then(|c| c["id"].as_str()).map(str::to_string);
            version = Some(self.save(session_id, &logged, version).await?);
            crate::faults::crash_point("hubspot:call-created");
        }

        // One task per seller action item, due when a date was said.
        let items: Vec<(usize, &crate::calls::debrief::ActionItem)> = call.debrief.action_items.iter().enumerate().filter(|(_, a)| a.owner == Some(Side::Seller)).collect();
        let mut missing = Vec::new();
        for (i, a) in &items {
            if logged.tasks.iter().any(|(j, _)| j == i) {
                continue;
            }
            let subject = task_subject(session_id, *i, &a.said.quote);
            match if retry { self.find_exact("tasks", "hs_task_subject", &subject).await? } else { None } {
                Some(id) => logged.tasks.push((*i, id)),
                None => missing.push((*i, subject, *a)),
            }
        }
        if !missing.is_empty() {
            let inputs: Vec<Value> = missing
                .iter()
                .map(|(_, subject, a)| {
                    json!({"properties": {
                        "hs_timestamp": timestamp(a.due_date.as_deref().unwrap_or(&session.workshop_date)),
                        "hs_task_subject": subject,
                        "hs_task_body": format!("From the call of {} with {}: \"{}\"{}", session.workshop_date, call.buyer, a.said.quote, a.due_said.as_ref().map(|d| format!(" (said: {d})")).unwrap_or_default()),
                        "hs_task_status": "NOT_STARTED",
                        "hs_task_priority": "MEDIUM",
                        "hs_task_type": "TODO",
                    }})
                })
                .collect();
            let r = self.api.call(&CrmRequest::post(api::objects("tasks") + "/batch/create", json!({"inputs": inputs}))).await?;
            let (results, errs) = split(&r.body);
            errors.extend(errs);
            // Results come back in input order; match by subject to be safe.
            for t in results {
                let subject = t["properties"]["hs_task_subject"].as_str().unwrap_or_default();
                if let (Some(id), Some((i, ..))) = (t["id"].as_str(), missing.iter().find(|(_, s, _)| s == subject)) {
                    logged.tasks.push((*i, id.to_string()));
                }
            }
            version = Some(self.save(session_id, &logged, version).await?);
            crate::faults::crash_point("hubspot:tasks-created");
        }

        // Associations are idempotent: made (again) on every attempt that gets here.
        for (to, target) in [("contacts", &contact), ("deals", &deal)] {
            let Some(target) = target else { continue };
            let calls: Vec<(String, String)> = logged.call.iter().map(|c| (c.clone(), target.clone())).collect();
            let tasks: Vec<(String, String)> = logged.tasks.iter().map(|(_, t)| (t.clone(), target.clone())).collect();
            for (from, pairs) in [("calls", calls), ("tasks", tasks)] {
                if !pairs.is_empty() {
                    self.associate(from, to, &pairs, &mut errors).await?;
                }
            }
        }
        if !errors.is_empty() {
            return Err(SyncError::Validation(errors));
        }
        logged.associated = true;
        match self.save(session_id, &logged, version).await {
            Ok(_) | Err(SyncError::Repo(crate::repo::RepoError::Store(StoreError::Conflict))) => {}
            Err(e) => return Err(e),
        }
        tracing::info!(session_id, tasks = logged.tasks.len(), deal = deal.is_some(), contact = contact.is_some(), "call logged to HubSpot");
        Ok(())
    }
}
