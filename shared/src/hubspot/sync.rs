//! The `crm-sync` queue's work: a completed session, or a coach's edit or send, written to
//! HubSpot with batch endpoints (≤ 100 inputs a call).
//!
//! Calls for a completed session of N participants (C of them with a contact):
//! 1 session upsert + ⌈N/100⌉ participant upserts + ⌈C/100⌉ contact reads + at most ⌈C/100⌉
//! contact updates + ⌈C/100⌉ participant→contact and ⌈N/100⌉ session→participant association
//! batches (plus ⌈E/100⌉ reads by email, and creates if configured, for participants whose id
//! is not a HubSpot contact id). 250 participants: 1 + 3 + 3 + 3 + 3 + 3 = 16 calls, not 250.
//!
//! Redelivery is harmless: upserts are keyed by unique properties, associations are
//! idempotent in HubSpot, and contact updates are computed from what the contact holds — a
//! session already in `workshop_summaries` is not appended again, so its counter is not
//! incremented again, and a follow-up counts only when its time is newer than
//! `last_follow_up_sent`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::api;
use super::schema::{self, ObjectTypes, PARTICIPANT_KEY_PROPERTY, SESSION_ID_PROPERTY};
use crate::domain::{ParticipantSummary, WorkshopSession};
use crate::ports::{CrmApi, CrmError, CrmRequest, Store, StoreError};
use crate::repo::{Repo, RepoError};

/// HubSpot's batch maximum.
pub const BATCH: usize = 100;
/// HubSpot's text property limit, with room to spare.
const MAX_TEXT: usize = 60_000;

/// A message on the `crm-sync` queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CrmMessage {
    #[serde(rename_all = "camelCase")]
    SessionCompleted { session_id: String },
    #[serde(rename_all = "camelCase")]
    ParticipantUpdated { session_id: String, participant_id: String },
    /// A webinar was scored: each registrant's contact gets `webinar_engagement_score`,
    /// `webinar_tier` and `last_webinar`.
    #[serde(rename_all = "camelCase")]
    WebinarScored { session_id: String },
    /// A sales call to log: the call engagement with its debrief, the seller's tasks.
    #[serde(rename_all = "camelCase")]
    CallLogged { session_id: String },
    /// The day's client-health results: each client whose score, zone, churn risk or flags
    /// changed since last written gets them on their contact (`health_score`, `health_zone`,
    /// `churn_risk`, `health_flags`).
    #[serde(rename_all = "camelCase")]
    HealthChanged { day: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Crm(#[from] CrmError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("no such session or participant")]
    NotFound,
    #[error("HubSpot rejected part of the write: {}", .0.join("; "))]
    Validation(Vec<String>),
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        Self::Repo(e.into())
    }
}

impl SyncError {
    /// What went wrong, in words safe for logs: HubSpot's own messages can quote property
    /// values (addresses, names), so they go to the dead letter, not to the log.
    pub fn kind(&self) -> String {
        match self {
            Self::Crm(CrmError::DailyLimit(_)) => "daily limit".into(),
            Self::Crm(CrmError::Unauthorized(_)) => "unauthorized".into(),
            Self::Crm(CrmError::MissingScopes(_)) => "missing scope".into(),
            Self::Crm(CrmError::Transient(_)) => "HubSpot unavailable".into(),
            Self::Crm(CrmError::Rejected { status, .. }) => format!("rejected with HTTP {status}"),
            Self::Repo(_) => "store unavailable".into(),
            Self::NotFound => "session or participant not found".into(),
            Self::Validation(m) => format!("{} input(s) failed HubSpot's validation", m.len()),
        }
    }

    /// Retrying cannot help: the message goes to the dead-letter queue with HubSpot's words.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Validation(_) | Self::NotFound | Self::Crm(CrmError::Rejected { .. } | CrmError::MissingScopes(_)))
    }
}

pub struct CrmSync<S, C> {
    pub repo: Repo<S>,
    pub api: C,
    pub portal: String,
    pub create_missing_contacts: bool,
}

/// Successes and validation failures of one batch answer (200, 201 or 207 Multi-Status).
pub(crate) fn split(body: &Value) -> (Vec<Value>, Vec<String>) {
    let results = body["results"].as_array().cloned().unwrap_or_default();
    let errors = body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|x| x["category"].as_str() != Some("OBJECT_NOT_FOUND"))
                .map(|x| x["message"].as_str().unwrap_or("batch input failed").to_string())
                .collect()
        })
        .unwrap_or_default();
    (results, errors)
}

fn is_contact_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

fn findings(f: &[crate::domain::Finding]) -> String {
    f.iter().map(|x| format!("• {}", x.text)).collect::<Vec<_>>().join("\n")
}

fn participant_properties(p: &ParticipantSummary) -> Value {
    json!({
        SESSION_ID_PROPERTY: p.session_id,
        "participant_name": p.participant_name,
        "engagement_level": serde_json::to_value(p.engagement_level).unwrap_or(Value::Null),
        "speaking_time_percentage": p.speaking_time_percentage,
        "summary": p.generated_summary,
        "wins": findings(&p.wins),
        "challenges": findings(&p.challenges),
        "action_items": findings(&p.action_items),
        "urgency_indicators": findings(&p.urgency_indicators),
        "urgency_flagged": !p.urgency_indicators.is_empty(),
        "coach_recommendations": p.coach_recommendations.iter().map(|r| format!("• {r}")).collect::<Vec<_>>().join("\n"),
        "generated_email": clip(&p.generated_email),
        "final_email": clip(p.final_email_content.as_deref().unwrap_or_default()),
        "coach_edit_count": p.coach_edit_count,
        "coach_review_status": serde_json::to_value(p.coach_review_status).unwrap_or(Value::Null),
        "email_sent": p.email_sent_at.is_some(),
        "email_sent_at": p.email_sent_at.clone().unwrap_or_default(),
        "priority_rank": p.priority.as_ref().map(|r| r.rank),
    })
}

/// A text property's value within HubSpot's limit.
fn clip(text: &str) -> String {
    if text.len() <= MAX_TEXT {
        return text.to_string();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

fn participant_key(p: &ParticipantSummary) -> String {
    format!("{}:{}", p.session_id, p.participant_id)
}

/// Appends `session`'s entry to a contact's `workshop_summaries` unless it is there; keeps every
/// earlier entry (shortening the oldest summaries' text if the property would overflow).
pub fn append_summary(current: Option<&str>, entry: Value) -> Option<String> {
    let mut list: Vec<Value> = match current.map(str::trim).filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(a)) => a,
            // Whatever was there stays, as the first entry.
            _ => vec![json!({"legacy": text})],
        },
    };
    if list.iter().any(|e| e["sessionId"] == entry["sessionId"]) {
        return None;
    }
    list.push(entry);
    let mut text = serde_json::to_string(&list).expect("JSON");
    let mut i = 0;
    while text.len() > MAX_TEXT && i < list.len() {
        if let Some(s) = list[i]["summary"].as_str()
            && s.len() > 80
        {
            let cut: String = s.chars().take(77).collect();
            list[i]["summary"] = json!(format!("{cut}…"));
            text = serde_json::to_string(&list).expect("JSON");
        }
        i += 1;
    }
    Some(text)
}

impl<S: Store, C: CrmApi> CrmSync<S, C> {
    async fn types(&self) -> Result<ObjectTypes, SyncError> {
        Ok(schema::object_types(self.repo.store(), &self.portal).await?.unwrap_or(ObjectTypes {
            // Before a bootstrap (the dry run): HubSpot also accepts the objects' names.
            sessions: schema::SESSIONS.into(),
            participants: schema::PARTICIPANTS.into(),
        }))
    }

    pub async fn handle(&self, message: &CrmMessage) -> Result<(), SyncError> {
        match message {
            CrmMessage::SessionCompleted { session_id } => self.session_completed(session_id).await,
            CrmMessage::ParticipantUpdated { session_id, participant_id } => self.participant_updated(session_id, participant_id).await,
            CrmMessage::WebinarScored { session_id } => self.webinar_scored(session_id).await,
            CrmMessage::HealthChanged { .. } => self.health_changed().await,
            CrmMessage::CallLogged { session_id } => self.call_logged(session_id).await,
        }
    }

    async fn upsert(&self, object_type: &str, inputs: Vec<Value>, errors: &mut Vec<String>) -> Result<Vec<Value>, SyncError> {
        let mut out = Vec::new();
        for chunk in inputs.chunks(BATCH) {
            let r = self.api.call(&CrmRequest::post(api::objects(object_type) + "/batch/upsert", json!({"inputs": chunk}))).await?;
            let (results, errs) = split(&r.body);
            out.extend(results);
            errors.extend(errs);
        }
        Ok(out)
    }

    pub(crate) async fn associate(&self, from: &str, to: &str, pairs: &[(String, String)], errors: &mut Vec<String>) -> Result<(), SyncError> {
        for chunk in pairs.chunks(BATCH) {
            let inputs: Vec<Value> = chunk.iter().map(|(f, t)| json!({"from": {"id": f}, "to": {"id": t}})).collect();
            let r = self.api.call(&CrmRequest::post(api::associations(from, to) + "/batch/associate/default", json!({"inputs": inputs}))).await?;
            errors.extend(split(&r.body).1);
        }
        Ok(())
    }

    /// Contact properties by id (batch read).
    async fn read_contacts(&self, ids: &[String], properties: &[&str]) -> Result<HashMap<String, Map<String, Value>>, SyncError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(BATCH) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
            let r = self.api.call(&CrmRequest::post(api::objects("contacts") + "/batch/read", json!({"properties": properties, "inputs": inputs}))).await?;
            for c in split(&r.body).0 {
                if let Some(id) = c["id"].as_str() {
                    out.insert(id.to_string(), c["properties"].as_object().cloned().unwrap_or_default());
                }
            }
        }
        Ok(out)
    }

    /// Contact ids for participants whose id is not one: found by email, or created if allowed.
    pub(crate) async fn contacts_by_email(&self, people: &[&ParticipantSummary], errors: &mut Vec<String>) -> Result<HashMap<String, String>, SyncError> {
        let with_email: Vec<(&ParticipantSummary, String)> =
            people.iter().filter_map(|p| p.email.as_ref().map(|e| (*p, e.trim().to_ascii_lowercase()))).collect();
        let found = self.contact_ids_by_email(&with_email.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>()).await?;
        let mut out = HashMap::new();
        let mut to_create = Vec::new();
        for (p, email) in &with_email {
            match found.get(email) {
                Some(id) => {
                    out.insert(p.participant_id.clone(), id.clone());
                }
                None if self.create_missing_contacts => to_create.push((*p, email.clone())),
                None => {}
            }
        }
        for chunk in to_create.chunks(BATCH) {
            let inputs: Vec<Value> = chunk
                .iter()
                .map(|(p, email)| {
                    let mut names = p.participant_name.splitn(2, ' ');
                    json!({"properties": {"email": email, "firstname": names.next().unwrap_or_default(), "lastname": names.next().unwrap_or_default()}})
                })
                .collect();
            let r = self.api.call(&CrmRequest::post(api::objects("contacts") + "/batch/create", json!({"inputs": inputs}))).await?;
            let (results, errs) = split(&r.body);
            errors.extend(errs);
            for c in results {
                if let (Some(id), Some(email)) = (c["id"].as_str(), c["properties"]["email"].as_str())
                    && let Some((p, _)) = chunk.iter().find(|(_, e)| e.eq_ignore_ascii_case(email))
                {
                    out.insert(p.participant_id.clone(), id.to_string());
                }
            }
        }
        Ok(out)
    }

    pub async fn session_completed(&self, session_id: &str) -> Result<(), SyncError> {
        let session: WorkshopSession = self.repo.get_session(session_id).await?.ok_or(SyncError::NotFound)?.value;
        let participants: Vec<ParticipantSummary> = self.repo.list_participants(session_id).await?.into_iter().map(|v| v.value).collect();
        let types = self.types().await?;
        let mut errors = Vec::new();

        let session_input = json!({"idProperty": SESSION_ID_PROPERTY, "id": session.session_id, "properties": {
            "cohort_name": session.cohort_name,
            "workshop_date": session.workshop_date.get(..10).unwrap_or(&session.workshop_date),
            "coach_id": session.coach_id,
            "participant_count": participants.len(),
            "priority_client_count": session.priority_client_ids.len(),
            "completed_at": session.completed_at.clone().unwrap_or_default(),
            "processing_status": serde_json::to_value(session.processing_status).unwrap_or(Value::Null),
            "email_notification_sent": session.email_notification_sent,
            "review_completed_at": session.review_completed_at.clone().unwrap_or_default(),
        }});
        let session_record = self.upsert(&types.sessions, vec![session_input], &mut errors).await?.first().and_then(|r| r["id"].as_str().map(str::to_string));

        let inputs: Vec<Value> = participants
            .iter()
            .map(|p| json!({"idProperty": PARTICIPANT_KEY_PROPERTY, "id": participant_key(p), "properties": participant_properties(p)}))
            .collect();
        let records = self.upsert(&types.participants, inputs, &mut errors).await?;
        // Results come back in input order; match by key to be safe.
        let mut record_of: HashMap<String, String> = HashMap::new();
        for (r, p) in records.iter().zip(&participants) {
            let key = r["properties"][PARTICIPANT_KEY_PROPERTY].as_str().map(str::to_string).unwrap_or_else(|| participant_key(p));
            if let Some(id) = r["id"].as_str() {
                record_of.insert(key, id.to_string());
            }
        }

        let mut contact_of: HashMap<String, String> =
            participants.iter().filter(|p| is_contact_id(&p.participant_id)).map(|p| (p.participant_id.clone(), p.participant_id.clone())).collect();
        let others: Vec<&ParticipantSummary> = participants.iter().filter(|p| !is_contact_id(&p.participant_id)).collect();
        if !others.is_empty() {
            contact_of.extend(self.contacts_by_email(&others, &mut errors).await?);
        }

        let contact_ids: Vec<String> = participants.iter().filter_map(|p| contact_of.get(&p.participant_id).cloned()).collect();
        let current = self.read_contacts(&contact_ids, &["workshop_summaries", "total_workshops_attended", "last_workshop_date"]).await?;
        let date = session.workshop_date.get(..10).unwrap_or(&session.workshop_date).to_string();
        let mut updates = Vec::new();
        for p in &participants {
            let Some(contact) = contact_of.get(&p.participant_id) else { continue };
            let Some(props) = current.get(contact) else { continue };
            let entry = json!({"sessionId": session.session_id, "date": date, "cohort": session.cohort_name,
                "engagement": serde_json::to_value(p.engagement_level).unwrap_or(Value::Null), "summary": p.generated_summary});
            let Some(summaries) = append_summary(props.get("workshop_summaries").and_then(Value::as_str), entry) else { continue };
            let total = count_property(props, "total_workshops_attended") + 1;
            let mut properties = json!({
                "workshop_summaries": summaries,
                "total_workshops_attended": total,
                "last_engagement_level": serde_json::to_value(p.engagement_level).unwrap_or(Value::Null),
                "priority_follow_up": if p.priority.is_some() { "true" } else { "false" },
                "urgency_indicators": p.urgency_indicators.iter().map(|f| f.text.clone()).collect::<Vec<_>>().join("; "),
            });
            if props.get("last_workshop_date").and_then(Value::as_str).is_none_or(|d| d.get(..10).unwrap_or(d) <= date.as_str()) {
                properties["last_workshop_date"] = json!(date);
            }
            updates.push(json!({"id": contact, "properties": properties}));
        }
        for chunk in updates.chunks(BATCH) {
            let r = self.api.call(&CrmRequest::post(api::objects("contacts") + "/batch/update", json!({"inputs": chunk}))).await?;
            errors.extend(split(&r.body).1);
        }

        let to_contacts: Vec<(String, String)> = participants
            .iter()
            .filter_map(|p| Some((record_of.get(&participant_key(p))?.clone(), contact_of.get(&p.participant_id)?.clone())))
            .collect();
        self.associate(&types.participants, "contacts", &to_contacts, &mut errors).await?;
        if let Some(s) = &session_record {
            let to_records: Vec<(String, String)> = participants.iter().filter_map(|p| Some((s.clone(), record_of.get(&participant_key(p))?.clone()))).collect();
            self.associate(&types.sessions, &types.participants, &to_records, &mut errors).await?;
        }
        tracing::info!(session_id, participants = participants.len(), contacts_updated = updates.len(), "session written to HubSpot");
        if errors.is_empty() { Ok(()) } else { Err(SyncError::Validation(errors)) }
    }

    /// Registrants' contacts (found by email, created if configured) get the webinar's score,
    /// tier and title, in batch updates: ⌈E/100⌉ reads and ⌈E/100⌉ updates for E registrants
    /// with an email. Writing the same values again is harmless, so a redelivery is too.
    /// Contact ids by lower-cased email, a batch read per 100 emails (emails HubSpot does not
    /// know are absent).
    async fn contact_ids_by_email(&self, emails: &[String]) -> Result<HashMap<String, String>, SyncError> {
        let mut found = HashMap::new();
        for chunk in emails.chunks(BATCH) {
            let inputs: Vec<Value> = chunk.iter().map(|e| json!({"id": e})).collect();
            let r = self
                .api
                .call(&CrmRequest::post(api::objects("contacts") + "/batch/read", json!({"idProperty": "email", "properties": ["email"], "inputs": inputs})))
                .await?;
            for c in split(&r.body).0 {
                if let (Some(id), Some(email)) = (c["id"].as_str(), c["properties"]["email"].as_str()) {
                    found.insert(email.to_ascii_lowercase(), id.to_string());
                }
            }
        }
        Ok(found)
    }

    /// Writes each changed client's health to their contact: found by the id recorded from a
    /// previous write, else by email (one batch read per 100), then one batch update per 100;
    /// what was written is recorded on the client, so an unchanged client costs no call and a
    /// redelivery writes nothing new. A client with neither a contact id nor a known email is
    /// skipped.
    pub async fn health_changed(&self) -> Result<(), SyncError> {
        use crate::health::records::{all_clients, mark_written};
        let mut changed = Vec::new();
        for (c, _) in all_clients(&self.repo).await? {
            let Some(last) = c.history.last() else { continue };
            let flags: Vec<&str> = last.flags.iter().map(crate::health::Flag::kind).collect();
            let props = json!({"health_score": last.total, "health_zone": last.zone.name(), "churn_risk": last.churn_risk, "health_flags": flags.join(";")});
            let written = props.to_string();
            if c.crm_written.as_deref() != Some(written.as_str()) {
                changed.push((c, props, written));
            }
        }
        let emails: Vec<String> = changed.iter().filter(|(c, _, _)| c.hubspot_contact_id.is_none()).filter_map(|(c, _, _)| c.email.as_ref().map(|e| e.trim().to_ascii_lowercase())).collect();
        let by_email = self.contact_ids_by_email(&emails).await?;
        let targets: Vec<(String, &crate::health::ClientRecord, &Value, &String)> = changed
            .iter()
            .filter_map(|(c, props, written)| {
                let id = c.hubspot_contact_id.clone().or_else(|| c.email.as_ref().and_then(|e| by_email.get(&e.trim().to_ascii_lowercase()).cloned()))?;
                Some((id, c, props, written))
            })
            .collect();
        let mut errors = Vec::new();
        for chunk in targets.chunks(BATCH) {
            let inputs: Vec<Value> = chunk.iter().map(|(id, _, props, _)| json!({"id": id, "properties": props})).collect();
            let r = self.api.call(&CrmRequest::post(api::objects("contacts") + "/batch/update", json!({"inputs": inputs}))).await?;
            let (_, refused) = split(&r.body);
            let failed = !refused.is_empty();
            errors.extend(refused);
            if !failed {
                for (id, c, _, written) in chunk {
                    mark_written(&self.repo, &c.client_id, written, id).await?;
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(SyncError::Validation(errors)) }
    }

    pub async fn webinar_scored(&self, session_id: &str) -> Result<(), SyncError> {
        let session: WorkshopSession = self.repo.get_session(session_id).await?.ok_or(SyncError::NotFound)?.value;
        let Some(webinar) = &session.webinar else { return Err(SyncError::NotFound) };
        let last = format!("{} ({})", webinar.title(), session.workshop_date.get(..10).unwrap_or(&session.workshop_date));
        let participants: Vec<ParticipantSummary> = self.repo.list_participants(session_id).await?.into_iter().map(|v| v.value).collect();
        let scored: Vec<&ParticipantSummary> = participants.iter().filter(|p| p.webinar_engagement.is_some() && p.email.is_some()).collect();
        let mut errors = Vec::new();
        let contacts = self.contacts_by_email(&scored, &mut errors).await?;
        let inputs: Vec<Value> = scored
            .iter()
            .filter_map(|p| {
                let e = p.webinar_engagement.as_ref()?;
                let id = contacts.get(&p.participant_id)?;
                Some(json!({"id": id, "properties": {"webinar_engagement_score": e.score, "webinar_tier": e.tier.name(), "last_webinar": last}}))
            })
            .collect();
        for chunk in inputs.chunks(BATCH) {
            let r = self.api.call(&CrmRequest::post(api::objects("contacts") + "/batch/update", json!({"inputs": chunk}))).await?;
            errors.extend(split(&r.body).1);
        }
        if errors.is_empty() { Ok(()) } else { Err(SyncError::Validation(errors)) }
    }

    pub async fn participant_updated(&self, session_id: &str, participant_id: &str) -> Result<(), SyncError> {
        let p = self.repo.get_participant(session_id, participant_id).await?.ok_or(SyncError::NotFound)?.value;
        if session_id.starts_with("cl-") {
            // A sales call's buyer is no workshop participant: the call itself is what HubSpot
            // gets, on approval when so configured.
            let approved = p.email_sent_at.is_some() || matches!(p.coach_review_status, crate::domain::CoachReviewStatus::Approved);
            if approved && super::calls::LogCallsOn::from_env() == super::calls::LogCallsOn::Approval {
                return self.call_logged(session_id).await;
            }
            return Ok(());
        }
        if p.webinar_engagement.is_some() {
            // A webinar registrant is not a workshop participant record; their contact holds
            // the webinar's score and tier, which an edit of the draft does not change.
            return Ok(());
        }
        let types = self.types().await?;
        let mut errors = Vec::new();
        let input = json!({"idProperty": PARTICIPANT_KEY_PROPERTY, "id": participant_key(&p), "properties": participant_properties(&p)});
        self.upsert(&types.participants, vec![input], &mut errors).await?;
        if let Some(sent) = &p.email_sent_at
            && is_contact_id(&p.participant_id)
        {
            let current = self.read_contacts(std::slice::from_ref(&p.participant_id), &["last_follow_up_sent", "follow_up_emails_count"]).await?;
            if let Some(props) = current.get(&p.participant_id) {
                let last = props.get("last_follow_up_sent").and_then(Value::as_str).unwrap_or_default();
                let newer = match (time_of(sent), time_of(last)) {
                    (Some(s), Some(l)) => s > l,
                    (Some(_), None) => true,
                    _ => false,
                };
                if newer {
                    let count = count_property(props, "follow_up_emails_count") + 1;
                    let r = self
                        .api
                        .call(&CrmRequest::post(
                            api::objects("contacts") + "/batch/update",
                            json!({"inputs": [{"id": p.participant_id, "properties": {"last_follow_up_sent": sent, "follow_up_emails_count": count}}]}),
                        ))
                        .await?;
                    errors.extend(split(&r.body).1);
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(SyncError::Validation(errors)) }
    }
}

/// A number property as HubSpot returns it (a string, sometimes a number); 0 when unset.
fn count_property(props: &Map<String, Value>, name: &str) -> i64 {
    props.get(name).and_then(|v| v.as_str().and_then(|s| s.parse::<f64>().ok()).or(v.as_f64())).unwrap_or(0.0) as i64
}

/// RFC 3339 or HubSpot's milliseconds, as Unix milliseconds.
fn time_of(s: &str) -> Option<i128> {
    if s.is_empty() {
        return None;
    }
    if let Ok(ms) = s.parse::<i128>() {
        return Some(ms);
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok().map(|t| t.unix_timestamp_nanos() / 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_append_once_and_keep_what_was_there() {
        let e1 = json!({"sessionId": "s1", "summary": "first"});
        let one = append_summary(None, e1.clone()).unwrap();
        assert!(append_summary(Some(&one), e1).is_none(), "the same session is not appended twice");
        let two = append_summary(Some(&one), json!({"sessionId": "s2", "summary": "second"})).unwrap();
        let v: Vec<Value> = serde_json::from_str(&two).unwrap();
        assert_eq!(v.len(), 2);
        let legacy = append_summary(Some("notes typed by hand"), json!({"sessionId": "s3"})).unwrap();
        assert!(legacy.contains("notes typed by hand"));
    }
}
