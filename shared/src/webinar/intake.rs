//! A webinar taken in, stored, listed and exported. The upload is parsed, scored, tiered and
//! drafted in one request (a 10 MB report takes well under a second, so there is no queue);
//! the result is a session with one participant per registrant, which the coach reviews with
//! the workshop review ([`crate::review`]): same routes, MCP tools, signed links, and the same
//! exactly-once send.
//!
//! Storing is all or nothing as a reader sees it: the participants are written first and the
//! session last, and nothing reads a participant whose session does not exist. The webinar's id
//! names its content (coach, files and fields), so a retried upload finds the stored webinar
//! and changes nothing, the coach's edits included. The coach is emailed the tiers and the Hot
//! attendees with their review links, once (the workshop's coach email and its send record).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::score::{Engagement, Tier, score_webinar};
use super::session::{WebinarFields, WebinarSession, cut};
use super::{draft, export, parse_attendee_report, parse_chat, text};
use crate::analysis::Analyser;
use crate::domain::{
    CoachProfile, EngagementLevel, ParticipantSummary, PriorityFlag, PriorityReason, ProcessingStatus,
    WorkshopSession,
};
use crate::error::InputError;
use crate::pipeline::{Pipeline, PipelineError};
use crate::ports::{Archive, Download, Mailer, Queue, Store};
use crate::repo::{RepoError, sha256_hex};

/// How long an export's download link works.
pub const EXPORT_LINK_TTL: Duration = Duration::from_secs(3600);

/// One uploaded file: its name (for error messages) and bytes.
#[derive(Debug, Clone, Default)]
pub struct UploadedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// `POST /v1/webinars`, or `debrief webinar report --webinar W.json`.
#[derive(Debug, Clone, Default)]
pub struct WebinarUpload {
    pub attendees: Option<UploadedFile>,
    pub chat: Option<UploadedFile>,
    pub fields: WebinarFields,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebinarAccepted {
    pub webinar_id: String,
    /// False when this upload was already stored (nothing was changed).
    pub created: bool,
    pub registrants: u32,
    pub tiers: BTreeMap<Tier, usize>,
    pub unmatched_chat: usize,
    pub status_url: String,
}

/// `GET /v1/webinars/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebinarOverview {
    pub webinar_id: String,
    pub coach_id: String,
    pub title: String,
    pub hosted_on: String,
    pub registrants: u32,
    #[serde(flatten)]
    pub webinar: WebinarSession,
    /// Drafts by review status (`pending`, `approved`, `sent`, …).
    pub review: BTreeMap<&'static str, usize>,
    pub review_completed_at: Option<String>,
}

/// One registrant as `GET /v1/webinars/{id}/attendees` lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeRow {
    pub participant_id: String,
    #[serde(flatten)]
    pub engagement: Engagement,
    pub email_subject: String,
    pub email_draft: String,
    pub edited: bool,
    pub status: &'static str,
    pub email_sent_at: Option<String>,
    /// Pass as `expectedVersion` when editing through the review API.
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendeePage {
    pub webinar_id: String,
    pub attendees: Vec<AttendeeRow>,
    pub total: usize,
    pub next_page: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttendeeOrder {
    #[default]
    Score,
    Name,
}

/// Where an export can be fetched.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebinarExport {
    pub webinar_id: String,
    pub rows: usize,
    /// A pre-signed link (S3) or, on this machine, the download route.
    pub download_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The file on this machine (embedded archive only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The file's text, read in place when it is UTF-8 (a 10 MB report is not copied).
fn decoded<'f>(field: &str, file: Option<&'f UploadedFile>) -> Result<Option<std::borrow::Cow<'f, str>>, InputError> {
    let Some(f) = file else { return Ok(None) };
    text::decode(&f.name, &f.bytes).map(Some).map_err(|e| InputError::field(field, e))
}

/// A registrant's id: stable for the same person in the same webinar, from their email (or
/// their name when a guest gave none), never the address itself.
fn attendee_id(e: &Engagement) -> String {
    let who = match &e.email {
        Some(m) => format!("email:{}", m.trim().to_lowercase()),
        None => format!("name:{}", e.name.trim().to_lowercase()),
    };
    format!("att-{}", &sha256_hex(&who)[..16])
}

fn level(t: Tier) -> EngagementLevel {
    match t {
        Tier::Hot => EngagementLevel::High,
        Tier::Warm => EngagementLevel::Medium,
        Tier::Cool => EngagementLevel::Low,
        Tier::Cold | Tier::NoShow => EngagementLevel::Silent,
    }
}

/// What is stored of a registrant's chat: the first [`KEPT_LINES`] questions and lines, each
/// [`cut`], so that one very chatty registrant (or one pasted essay)
/// cannot push their record past the store's item limit. The counts behind the score stay.
fn kept(mut e: Engagement) -> Engagement {
    for lines in [&mut e.questions, &mut e.said] {
        lines.truncate(KEPT_LINES);
        lines.iter_mut().for_each(cut);
    }
    e
}

const KEPT_LINES: usize = 20;

/// The registrants as reviewable drafts; Hot attendees are the session's priority clients,
/// ranked by score.
pub fn drafts(session_id: &str, coach: &CoachProfile, webinar: &WebinarSession, engagements: Vec<Engagement>) -> Vec<ParticipantSummary> {
    let mut seen = std::collections::HashSet::new();
    let mut hot_rank = 0;
    engagements
        .into_iter()
        .map(|e| {
            let mut id = attendee_id(&e);
            // Two registrants with one key (the same guest name twice): keep both.
            let mut n = 1;
            while !seen.insert(id.clone()) {
                n += 1;
                id = format!("{}-{n}", attendee_id(&e));
            }
            let (subject, body) = draft::write(coach, webinar, &e);
            let e = kept(e);
            let priority = (e.tier == Tier::Hot).then(|| {
                hot_rank += 1;
                PriorityFlag {
                    rank: hot_rank,
                    score: u32::from(e.score),
                    reasons: vec![PriorityReason::HotLead],
                    explanation: format!("Hot lead: engagement score {}{}", e.score, e.questions.first().map(|q| format!("; asked \"{q}\"")).unwrap_or_default()),
                }
            });
            let mut p = ParticipantSummary::draft(session_id, &id, e.name.clone(), e.email.clone(), subject, body, draft::summary(&e));
            p.engagement_level = level(e.tier);
            p.priority = priority;
            p.webinar_engagement = Some(e);
            p
        })
        .collect()
}

impl<S: Store, Q: Queue, M: Mailer, A: Analyser> Pipeline<S, Q, M, A> {
    fn webinar_url(&self, id: &str) -> String {
        self.public_url(&format!("/v1/webinars/{id}"))
    }

    /// Parses, scores, drafts and stores an upload; a repeated upload answers the stored one.
    pub async fn ingest_webinar(&self, upload: WebinarUpload, allowed_coach: Option<&str>) -> Result<WebinarAccepted, PipelineError> {
        upload.fields.validate()?;
        let coach_id = InputError::required(&upload.fields.coach_id, "webinar.coachId")?.to_string();
        if coach_id.len() > 128 {
            return Err(InputError::field("webinar.coachId", "is longer than 128 bytes").into());
        }
        if allowed_coach.is_some_and(|c| c != coach_id) {
            return Err(PipelineError::UnknownCoach(coach_id));
        }
        let attendees_text = decoded("attendees", upload.attendees.as_ref())?
            .ok_or_else(|| InputError::field("attendees", "is required: the platform's attendee report (a file part named `attendees`)"))?;
        let chat_text = decoded("chat", upload.chat.as_ref())?;
        let file = |f: &Option<UploadedFile>, default: &str| f.as_ref().map(|f| f.name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| default.into());
        let report = parse_attendee_report(&file(&upload.attendees, "attendees.csv"), &attendees_text).map_err(|e| InputError::field("attendees", e))?;
        let messages = match &chat_text {
            Some(t) => parse_chat(&file(&upload.chat, "chat.txt"), t).map_err(|e| InputError::field("chat", e))?,
            None => Vec::new(),
        };
        let coach = self.repo.get_coach(&coach_id).await?.ok_or_else(|| PipelineError::UnknownCoach(coach_id.clone()))?;
        let fields_json = serde_json::to_string(&upload.fields).expect("JSON");
        let id = format!(
            "wb-{}",
            &sha256_hex(&format!("{coach_id}\0{}\0{}\0{fields_json}", sha256_hex(&attendees_text), sha256_hex(chat_text.as_deref().unwrap_or(""))))[..16]
        );
        if let Some(existing) = self.repo.get_session(&id).await? {
            // A retry after a crash may have missed the CRM message; writing the same scores
            // again is harmless.
            self.webinar_to_crm(&id).await;
            return Ok(self.accepted_webinar(&existing.value, false));
        }
        let scores = score_webinar(&report, &messages);
        let mut fields = upload.fields.clone();
        fields.coach_id = None;
        let (webinar, engagements) = WebinarSession::from_scores(fields, scores);
        let mut participants = drafts(&id, &coach, &webinar, engagements);
        if let Some(model) = self.analyser.model() {
            super::writer::ModelWriter::new(model).rewrite(&coach, &webinar, &mut participants, super::writer::model_drafts_from_env()).await;
        }
        let hosted_on = WebinarFields::get(&webinar.fields.hosted_on)
            .or(webinar.info.start.as_deref())
            .map(|d| d.get(..10).unwrap_or(d).to_string())
            .unwrap_or_else(crate::clock::today);
        let session = WorkshopSession {
            session_id: id.clone(),
            workshop_date: hosted_on,
            cohort_name: webinar.title().to_string(),
            coach_id: coach_id.clone(),
            participant_count: participants.len() as u32,
            processing_status: ProcessingStatus::Completed,
            completed_at: Some(crate::clock::now_rfc3339()),
            priority_client_ids: participants.iter().filter(|p| p.priority.is_some()).map(|p| p.participant_id.clone()).collect(),
            chat_gpt_session_url: coach.chat_gpt_url.clone(),
            email_notification_sent: false,
            review_completed_at: None,
            failure_reason: None,
            cost: None,
            webinar: Some(webinar),
            call: None,
            intervention: None,
        };
        // Participants first: until the session exists, nothing reads them.
        self.repo.put_participants(&participants).await?;
        crate::faults::crash_point("webinar:participants-stored");
        // The coach's email is owed from here: recorded as due before the session exists, so
        // that a crash before it is sent leaves it to the notify sweep, not lost.
        let prefs = &coach.notification_preferences;
        if prefs.email_on_completion {
            self.repo.put_notification_due(&id, prefs.due_at(crate::clock::unix_secs())).await?;
        }
        match self.repo.create_session(&session, 0).await {
            Ok(()) => {}
            // A concurrent upload of the same webinar stored it first: the same content.
            Err(RepoError::Store(crate::ports::StoreError::Conflict)) => {}
            Err(e) => return Err(e.into()),
        }
        crate::faults::crash_point("webinar:session-stored");
        tracing::info!(webinar_id = %id, registrants = participants.len(), "webinar stored");
        self.webinar_to_crm(&id).await;
        // The webinar is stored whatever happens here; the sweep retries a failed email.
        if let Err(e) = self.notify_coach(&id).await {
            tracing::warn!(webinar_id = %id, error = %e, "coach's webinar email not sent yet; the notify sweep retries");
        }
        Ok(self.accepted_webinar(&session, true))
    }

    /// Scores and tiers to the registrants' HubSpot contacts (when HubSpot is configured).
    async fn webinar_to_crm(&self, id: &str) {
        if let Err(e) = self.notify_crm(&crate::hubspot::sync::CrmMessage::WebinarScored { session_id: id.to_string() }).await {
            tracing::error!(webinar_id = %id, error = %e, "CRM sync of the webinar not queued; uploading it again retries");
        }
    }

    fn accepted_webinar(&self, s: &WorkshopSession, created: bool) -> WebinarAccepted {
        let w = s.webinar.as_ref();
        WebinarAccepted {
            webinar_id: s.session_id.clone(),
            created,
            registrants: s.participant_count,
            tiers: w.map(|w| w.tiers.clone()).unwrap_or_default(),
            unmatched_chat: w.map_or(0, |w| w.unmatched_chat_total),
            status_url: self.webinar_url(&s.session_id),
        }
    }

    /// The webinar if it exists and `allowed_coach` (when set) owns it.
    async fn own_webinar(&self, allowed_coach: Option<&str>, id: &str) -> Result<WorkshopSession, PipelineError> {
        match self.repo.get_session(id).await? {
            Some(s) if s.value.webinar.is_some() && allowed_coach.is_none_or(|c| c == s.value.coach_id) => Ok(s.value),
            _ => Err(PipelineError::NotFound),
        }
    }

    pub async fn webinar_overview(&self, allowed_coach: Option<&str>, id: &str) -> Result<WebinarOverview, PipelineError> {
        let s = self.own_webinar(allowed_coach, id).await?;
        let mut review = BTreeMap::new();
        for p in self.repo.list_participants(id).await? {
            *review.entry(export::status(&p.value)).or_insert(0) += 1;
        }
        let webinar = s.webinar.expect("checked by own_webinar");
        Ok(WebinarOverview {
            webinar_id: s.session_id,
            coach_id: s.coach_id,
            title: s.cohort_name,
            hosted_on: s.workshop_date,
            registrants: s.participant_count,
            webinar,
            review,
            review_completed_at: s.review_completed_at,
        })
    }

    pub async fn webinar_attendees(
        &self,
        allowed_coach: Option<&str>,
        id: &str,
        order: AttendeeOrder,
        tier: Option<Tier>,
        page: usize,
        page_size: usize,
    ) -> Result<AttendeePage, PipelineError> {
        self.own_webinar(allowed_coach, id).await?;
        let all = self.repo.list_participants(id).await?;
        let mut rows: Vec<_> = all.into_iter().filter(|v| v.value.webinar_engagement.as_ref().is_some_and(|e| tier.is_none_or(|t| t == e.tier))).collect();
        match order {
            AttendeeOrder::Score => rows.sort_by(|a, b| ParticipantSummary::by_score(&a.value, &b.value)),
            AttendeeOrder::Name => rows.sort_by(|a, b| a.value.participant_name.cmp(&b.value.participant_name)),
        }
        let total = rows.len();
        let size = page_size.clamp(1, 500);
        let page = page.max(1);
        let start = (page - 1).saturating_mul(size).min(total);
        let attendees = rows[start..(start + size).min(total)]
            .iter()
            .map(|v| {
                let p = &v.value;
                AttendeeRow {
                    participant_id: p.participant_id.clone(),
                    engagement: p.webinar_engagement.clone().expect("filtered"),
                    email_subject: p.generated_email_subject.clone(),
                    email_draft: p.final_email_content.clone().unwrap_or_else(|| p.generated_email.clone()),
                    edited: p.coach_edit_count > 0,
                    status: export::status(p),
                    email_sent_at: p.email_sent_at.clone(),
                    version: v.version,
                }
            })
            .collect();
        Ok(AttendeePage { webinar_id: id.to_string(), attendees, total, next_page: (start + size < total).then_some(page + 1) })
    }

    /// The export's CSV, as the coach's review stands now.
    pub async fn webinar_csv(&self, allowed_coach: Option<&str>, id: &str) -> Result<(usize, Vec<u8>), PipelineError> {
        self.own_webinar(allowed_coach, id).await?;
        let mut ps: Vec<ParticipantSummary> = self.repo.list_participants(id).await?.into_iter().map(|v| v.value).collect();
        ps.sort_by(ParticipantSummary::by_score);
        Ok((ps.len(), export::to_csv(&ps)))
    }

    /// Writes the export to the archive (S3 or files) and says where to fetch it: a pre-signed
    /// link valid for [`EXPORT_LINK_TTL`], or on this machine the file and the download route.
    pub async fn export_webinar(&self, allowed_coach: Option<&str>, id: &str) -> Result<WebinarExport, PipelineError> {
        let (rows, csv) = self.webinar_csv(allowed_coach, id).await?;
        let archive = self.archive.as_ref().ok_or_else(|| PipelineError::Message("no archive is configured for exports (DEBRIEF_TRANSCRIPT_BUCKET)".into()))?;
        let digest = sha256_hex(&String::from_utf8_lossy(&csv));
        let key = format!("exports/{id}/{}.csv", &digest[..16]);
        archive.put(&key, &csv).await?;
        let route = format!("{}/export.csv", self.webinar_url(id));
        Ok(match archive.download(&key, EXPORT_LINK_TTL).await? {
            Download::Url { url, expires_at } => WebinarExport { webinar_id: id.into(), rows, download_url: url, expires_at: Some(expires_at), path: None },
            Download::File(path) => WebinarExport { webinar_id: id.into(), rows, download_url: route, expires_at: None, path: Some(path.display().to_string()) },
        })
    }
}
