//! The coach's review, behind the ChatGPT Actions: read a session, edit one participant,
//! approve and send in bulk. Every call is scoped to the calling coach: another coach's
//! session or participant is "not found".
//!
//! Sending is exactly once per participant: a send record (`Repo::begin_send`) is claimed
//! with a lease before the email goes out, marked sent when the provider accepted it, and
//! `emailSentAt` recorded; a repeated or concurrent call finds one or the other and sends
//! nothing. A failed send gives the claim back, so the coach can retry it; a claim left by a
//! crash is taken over once its lease has run out.

pub mod links;

use serde::{Deserialize, Serialize};

use crate::analysis::Analyser;
use crate::domain::{CoachReviewStatus, ParticipantSummary, ProcessingStatus, WorkshopSession};
use crate::error::InputError;
use crate::pipeline::{Pipeline, PipelineError, html_escape};
use crate::ports::store::StoreError;
use crate::ports::{Email, Mailer, Queue, Store};
use crate::repo::{RepoError, SendTurn, Versioned};

/// ChatGPT reads at most about 100,000 characters of a response; pages stay under this.
pub const MAX_RESPONSE_CHARS: usize = 90_000;
/// The longest summary or email text a coach may save, in characters (single and bulk edits).
const MAX_TEXT_CHARS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    #[default]
    Compact,
    Full,
}

/// One participant in the compact view: what a coach needs to decide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactParticipant {
    pub participant_id: String,
    pub participant_name: String,
    pub engagement_level: crate::domain::EngagementLevel,
    pub speaking_time_percentage: f64,
    pub priority_rank: Option<u32>,
    pub priority_reason: Option<String>,
    pub summary: String,
    pub email_subject: String,
    pub email_draft: String,
    pub coach_review_status: CoachReviewStatus,
    pub email_sent_at: Option<String>,
    pub version: u64,
    /// Webinars only: the registrant's tier and engagement score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<crate::webinar::Tier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement_score: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionedSummary {
    #[serde(flatten)]
    pub summary: ParticipantSummary,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParticipantView {
    Compact(CompactParticipant),
    Full(Box<VersionedSummary>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopData {
    pub workshop_session: WorkshopSession,
    /// Every priority client of the session (not only this page's), most urgent first.
    pub priority_clients: Vec<PriorityClient>,
    pub view: View,
    /// Priority clients first (by rank), then everyone else by name (a webinar's by score).
    pub participants: Vec<ParticipantView>,
    pub page: usize,
    pub page_size: usize,
    pub total_participants: usize,
    /// The next page's number, when there is one.
    pub next_page: Option<usize>,
}

/// A participant flagged for urgent follow-up, and why, in the words the coach reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityClient {
    pub participant_id: String,
    pub participant_name: String,
    pub priority_rank: u32,
    pub priority_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopListItem {
    pub session_id: String,
    /// `workshop`, `webinar` or `call`: all are reviewed the same way.
    pub kind: String,
    pub workshop_date: String,
    pub cohort_name: String,
    pub participant_count: u32,
    pub processing_status: ProcessingStatus,
    pub priority_client_count: usize,
    pub completed_at: Option<String>,
    pub review_completed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopList {
    pub workshops: Vec<WorkshopListItem>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    Reviewed,
    Approved,
    Customized,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateParticipant {
    pub participant_id: Option<String>,
    pub session_id: Option<String>,
    pub updated_summary: Option<String>,
    pub updated_email: Option<String>,
    pub review_status: Option<ReviewStatus>,
    /// The `version` read with the participant; a newer stored version is a conflict.
    pub expected_version: Option<u64>,
    pub coach_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Approved,
    SendImmediately,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantUpdate {
    pub participant_id: String,
    pub final_summary: Option<String>,
    pub final_email: Option<String>,
    pub approval_status: ApprovalStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkUpdate {
    pub session_id: Option<String>,
    #[serde(default)]
    pub participant_updates: Vec<ParticipantUpdate>,
    #[serde(default)]
    pub workshop_complete: bool,
    pub coach_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemOutcome {
    Approved,
    Sent,
    AlreadySent,
    SendInProgress,
    SendFailed,
    NotFound,
    /// Other edits of this participant kept winning the race; nothing was changed, call again.
    Busy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    pub participant_id: String,
    pub outcome: ItemOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    pub processed_count: usize,
    pub emails_queued: usize,
    pub results: Vec<ItemResult>,
    pub next_steps: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("the participant changed since you read it (now version {0}); read it again with getWorkshopData and reapply your edit")]
    Conflict(u64),
}

impl From<RepoError> for ReviewError {
    fn from(e: RepoError) -> Self {
        Self::Pipeline(e.into())
    }
}

fn compact(p: &ParticipantSummary, version: u64) -> CompactParticipant {
    let summary: String = p.generated_summary.chars().take(600).collect();
    CompactParticipant {
        participant_id: p.participant_id.clone(),
        participant_name: p.participant_name.clone(),
        engagement_level: p.engagement_level,
        speaking_time_percentage: p.speaking_time_percentage,
        priority_rank: p.priority.as_ref().map(|f| f.rank),
        priority_reason: p.priority.as_ref().map(|f| f.explanation.clone()),
        summary,
        email_subject: p.generated_email_subject.clone(),
        email_draft: p.final_email_content.clone().unwrap_or_else(|| p.generated_email.clone()),
        coach_review_status: p.coach_review_status,
        email_sent_at: p.email_sent_at.clone(),
        version,
        tier: p.webinar_engagement.as_ref().map(|e| e.tier),
        engagement_score: p.webinar_engagement.as_ref().map(|e| e.score),
    }
}

fn check_coach(given: Option<&str>, coach_id: &str) -> Result<(), PipelineError> {
    match given {
        Some(c) if c != coach_id => Err(PipelineError::NotFound),
        _ => Ok(()),
    }
}

fn check_text(field: &str, v: Option<&str>) -> Result<(), PipelineError> {
    if v.is_some_and(|s| s.chars().count() > MAX_TEXT_CHARS) {
        return Err(InputError::field(field, format!("is longer than {MAX_TEXT_CHARS} characters")).into());
    }
    Ok(())
}

fn required<'a>(v: &'a Option<String>, field: &str) -> Result<&'a str, PipelineError> {
    Ok(InputError::required(v, field)?)
}

impl<S: Store, Q: Queue, M: Mailer, A: Analyser> Pipeline<S, Q, M, A> {
    async fn own_session(&self, coach_id: &str, session_id: &str) -> Result<Versioned<WorkshopSession>, PipelineError> {
        match self.repo.get_session(session_id).await? {
            Some(s) if s.value.coach_id == coach_id => Ok(s),
            _ => Err(PipelineError::NotFound),
        }
    }

    pub async fn workshop_data(
        &self,
        coach_id: &str,
        session_id: &str,
        view: View,
        participant_id: Option<&str>,
        page: usize,
        page_size: Option<usize>,
    ) -> Result<WorkshopData, PipelineError> {
        let session = self.own_session(coach_id, session_id).await?.value;
        let mut all = self.repo.list_participants(session_id).await?;
        let mut priority_clients: Vec<PriorityClient> = all
            .iter()
            .filter_map(|v| {
                let flag = v.value.priority.as_ref()?;
                Some(PriorityClient {
                    participant_id: v.value.participant_id.clone(),
                    participant_name: v.value.participant_name.clone(),
                    priority_rank: flag.rank,
                    priority_reason: flag.explanation.clone(),
                })
            })
            .collect();
        priority_clients.sort_by_key(|c| c.priority_rank);
        if let Some(pid) = participant_id {
            all.retain(|p| p.value.participant_id == pid);
            if all.is_empty() {
                return Err(PipelineError::NotFound);
            }
        }
        // A webinar's registrants follow by engagement score (a workshop's all score 0).
        all.sort_by(|a, b| {
            let rank = |p: &ParticipantSummary| p.priority.as_ref().map_or(u32::MAX, |f| f.rank);
            rank(&a.value).cmp(&rank(&b.value)).then_with(|| ParticipantSummary::by_score(&a.value, &b.value))
        });
        let default_size = if view == View::Compact { 50 } else { 10 };
        let size = page_size.unwrap_or(default_size).clamp(1, 100);
        let page = page.max(1);
        let total = all.len();
        let start = (page - 1).saturating_mul(size).min(total);
        let mut items: Vec<ParticipantView> = all[start..(start + size).min(total)]
            .iter()
            .map(|v| match view {
                View::Compact => ParticipantView::Compact(compact(&v.value, v.version)),
                View::Full => ParticipantView::Full(Box::new(VersionedSummary { summary: v.value.clone(), version: v.version })),
            })
            .collect();
        // Keep the answer inside ChatGPT's limit: trim the page, and point to the rest.
        let session_chars = serde_json::to_string(&session).map(|s| s.len()).unwrap_or(0)
            + serde_json::to_string(&priority_clients).map(|s| s.len()).unwrap_or(0)
            + 400;
        let mut used = session_chars;
        let mut fit = 0;
        for it in &items {
            let n = serde_json::to_string(it).map(|s| s.chars().count()).unwrap_or(0);
            if used + n > MAX_RESPONSE_CHARS && fit > 0 {
                break;
            }
            used += n;
            fit += 1;
        }
        items.truncate(fit);
        let shown_until = start + items.len();
        let next_page = (shown_until < total).then(|| {
            // With a trimmed page, the next page starts where this one stopped.
            if items.len() < size { shown_until / items.len().max(1) + 1 } else { page + 1 }
        });
        let page_size = if items.len() < size && next_page.is_some() { items.len().max(1) } else { size };
        Ok(WorkshopData { workshop_session: session, priority_clients, view, participants: items, page, page_size, total_participants: total, next_page })
    }

    pub async fn list_workshops(
        &self,
        coach_id: &str,
        status: Option<ProcessingStatus>,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<WorkshopList, PipelineError> {
        let limit = limit.clamp(1, 50);
        let mut workshops = Vec::new();
        let mut cursor = cursor.map(str::to_owned);
        // Filtering by status may need more than one page of the index.
        loop {
            // Ask only for what is still missing, so a page never holds more than `limit` and
            // the cursor points right after the last item returned.
            let (sessions, next) = self.repo.list_sessions(coach_id, limit - workshops.len(), cursor.as_deref()).await?;
            for s in sessions {
                if status.is_some_and(|st| st != s.processing_status) {
                    continue;
                }
                workshops.push(WorkshopListItem {
                    kind: if s.webinar.is_some() {
                        "webinar"
                    } else if s.call.is_some() {
                        "call"
                    } else if s.intervention.is_some() {
                        "intervention"
                    } else {
                        "workshop"
                    }
                    .into(),
                    session_id: s.session_id,
                    workshop_date: s.workshop_date,
                    cohort_name: s.cohort_name,
                    participant_count: s.participant_count,
                    processing_status: s.processing_status,
                    priority_client_count: s.priority_client_ids.len(),
                    completed_at: s.completed_at,
                    review_completed_at: s.review_completed_at,
                });
            }
            cursor = next;
            if workshops.len() >= limit || cursor.is_none() {
                break;
            }
        }
        Ok(WorkshopList { workshops, next_cursor: cursor })
    }

    pub async fn update_participant_summary(
        &self,
        coach_id: &str,
        req: UpdateParticipant,
        if_match: Option<u64>,
    ) -> Result<VersionedSummary, ReviewError> {
        check_coach(req.coach_id.as_deref(), coach_id)?;
        let session_id = required(&req.session_id, "sessionId")?;
        let participant_id = required(&req.participant_id, "participantId")?;
        let status = req.review_status.ok_or_else(|| PipelineError::from(InputError::field("reviewStatus", "is required: reviewed, approved or customized")))?;
        let expected = req.expected_version.or(if_match).ok_or_else(|| {
            PipelineError::from(InputError::field("expectedVersion", "is required: pass the version read with getWorkshopData"))
        })?;
        check_text("updatedSummary", req.updated_summary.as_deref())?;
        check_text("updatedEmail", req.updated_email.as_deref())?;
        self.own_session(coach_id, session_id).await?;
        let current = self.repo.get_participant(session_id, participant_id).await?.ok_or(PipelineError::NotFound)?;
        if current.version != expected {
            return Err(ReviewError::Conflict(current.version));
        }
        let mut p = current.value;
        p.coach_edit(req.updated_summary, req.updated_email);
        p.coach_review_status = match status {
            ReviewStatus::Reviewed => CoachReviewStatus::Reviewed,
            ReviewStatus::Approved => CoachReviewStatus::Approved,
            ReviewStatus::Customized => CoachReviewStatus::Customized,
        };
        match self.repo.update_participant(&p, expected).await {
            Ok(version) => {
                self.crm_changed(session_id, participant_id).await;
                Ok(VersionedSummary { summary: p, version })
            }
            Err(RepoError::Store(StoreError::Conflict)) => {
                let now = self.repo.get_participant(session_id, participant_id).await?.map_or(expected + 1, |v| v.version);
                Err(ReviewError::Conflict(now))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The edit is saved whatever happens here; a failed notice is logged and the CRM catches
    /// up with the participant's next change.
    async fn crm_changed(&self, session_id: &str, participant_id: &str) {
        let m = crate::hubspot::sync::CrmMessage::ParticipantUpdated { session_id: session_id.into(), participant_id: participant_id.into() };
        if let Err(e) = self.notify_crm(&m).await {
            tracing::error!(session_id, error = %e, "CRM sync not queued");
        }
    }

    /// Applies an edit with retries on conflict (bulk approval has no version to check):
    /// jittered, growing pauses let many concurrent editors of one participant all land.
    /// `Ok(None)`: no such participant; `Err(Busy)` when it kept losing.
    async fn apply(
        &self,
        session_id: &str,
        participant_id: &str,
        f: impl Fn(&mut ParticipantSummary),
    ) -> Result<Option<ParticipantSummary>, ApplyError> {
        for attempt in 0..12u32 {
            let Some(current) = self.repo.get_participant(session_id, participant_id).await? else { return Ok(None) };
            let mut p = current.value;
            f(&mut p);
            match self.repo.update_participant(&p, current.version).await {
                Ok(_) => {
                    self.crm_changed(session_id, participant_id).await;
                    return Ok(Some(p));
                }
                Err(RepoError::Store(StoreError::Conflict)) => {
                    let cap_ms = 5u64 << attempt.min(7);
                    tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(1..=cap_ms))).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApplyError::Busy)
    }

    pub async fn bulk_update(&self, coach_id: &str, req: BulkUpdate) -> Result<BulkResult, PipelineError> {
        check_coach(req.coach_id.as_deref(), coach_id)?;
        let session_id = required(&req.session_id, "sessionId")?.to_string();
        if req.participant_updates.len() > 500 {
            return Err(InputError::field("participantUpdates", "at most 500 at a time").into());
        }
        // Every item is checked before any is applied: a bad item changes nothing.
        for (i, u) in req.participant_updates.iter().enumerate() {
            let field = |name: &str| format!("participantUpdates[{i}].{name}");
            if u.participant_id.trim().is_empty() || u.participant_id.len() > 128 {
                return Err(InputError::field(field("participantId"), "must be a participant id from getWorkshopData").into());
            }
            check_text(&field("finalSummary"), u.final_summary.as_deref())?;
            check_text(&field("finalEmail"), u.final_email.as_deref())?;
        }
        let session = self.own_session(coach_id, &session_id).await?;
        let coach = self.repo.get_coach(coach_id).await?.ok_or_else(|| PipelineError::UnknownCoach(coach_id.into()))?;
        let mut results = Vec::new();
        let mut sent = 0;
        for u in &req.participant_updates {
            let outcome = |outcome| ItemResult { participant_id: u.participant_id.clone(), outcome, email_sent_at: None, error: None };
            let edited = self
                .apply(&session_id, &u.participant_id, |p| {
                    p.coach_edit(u.final_summary.clone(), u.final_email.clone());
                    p.coach_review_status = CoachReviewStatus::Approved;
                })
                .await;
            let p = match edited {
                Ok(Some(p)) => p,
                Ok(None) => {
                    results.push(outcome(ItemOutcome::NotFound));
                    continue;
                }
                Err(ApplyError::Busy) => {
                    results.push(ItemResult { error: Some("other edits of this participant kept arriving; call again".into()), ..outcome(ItemOutcome::Busy) });
                    continue;
                }
                Err(ApplyError::Pipeline(e)) => return Err(e),
            };
            let mut item = ItemResult { email_sent_at: p.email_sent_at.clone(), ..outcome(ItemOutcome::Approved) };
            if u.approval_status == ApprovalStatus::SendImmediately {
                item = self.send_once(&session_id, &coach, p).await?;
                if item.outcome == ItemOutcome::Sent {
                    sent += 1;
                }
            }
            results.push(item);
        }
        if req.workshop_complete {
            let mut s = session.value.clone();
            if s.review_completed_at.is_none() {
                s.review_completed_at = Some(crate::clock::now_rfc3339());
                // A concurrent completion wins just as well.
                let _ = self.repo.update_session(&s, session.version).await;
            }
        }
        let failed = results.iter().filter(|r| matches!(r.outcome, ItemOutcome::SendFailed | ItemOutcome::Busy)).count();
        let next_steps = if failed > 0 {
            format!("{failed} participant(s) could not be completed (see each result's error); call bulkUpdateWorkshop again for those participants to retry.")
        } else if req.workshop_complete {
            "The review is complete. Follow-ups that were sent are recorded with emailSentAt.".into()
        } else {
            "Review the remaining participants, then approve or send their emails.".into()
        };
        Ok(BulkResult { processed_count: results.iter().filter(|r| r.outcome != ItemOutcome::NotFound).count(), emails_queued: sent, results, next_steps })
    }

    async fn send_once(
        &self,
        session_id: &str,
        coach: &crate::domain::CoachProfile,
        p: ParticipantSummary,
    ) -> Result<ItemResult, PipelineError> {
        let mut item = ItemResult { participant_id: p.participant_id.clone(), outcome: ItemOutcome::AlreadySent, email_sent_at: p.email_sent_at.clone(), error: None };
        if p.email_sent_at.is_some() {
            return Ok(item);
        }
        let Some(to) = p.email.clone().filter(|e| e.contains('@')) else {
            item.outcome = ItemOutcome::SendFailed;
            item.error = Some("the roster has no email address for this participant".into());
            return Ok(item);
        };
        let claim_key = format!("participant-email#{session_id}#{}", p.participant_id);
        let lease = match self.repo.begin_send("mail", &claim_key, self.config.send_lease).await? {
            SendTurn::Go(lease) => lease,
            SendTurn::InProgress => {
                item.outcome = ItemOutcome::SendInProgress;
                return Ok(item);
            }
            SendTurn::Done => {
                // Sent, and a crash came before `emailSentAt` was written: write it now.
                let stamp = crate::clock::now_rfc3339();
                self.stamp_sent(session_id, &p.participant_id, &stamp).await?;
                item.email_sent_at = Some(stamp);
                return Ok(item);
            }
        };
        let body = p.final_email_content.clone().unwrap_or_else(|| p.generated_email.clone());
        let subject = if p.generated_email_subject.is_empty() { "Following up on our session".to_string() } else { p.generated_email_subject.clone() };
        let email = Email {
            from: coach.email_address.clone(),
            to: vec![to],
            reply_to: Some(coach.email_address.clone()),
            subject,
            html: format!("<div style=\"white-space: pre-wrap; font-family: inherit;\">{}</div>", html_escape(&body)),
            text: body,
            tags: vec![("kind".into(), "participant-follow-up".into()), ("session".into(), session_id.into())],
        };
        match self.mailer.send(&email).await {
            Ok(_) => {
                crate::faults::crash_point("review:email-sent");
                self.repo.send_done(&lease).await?;
                let at = crate::clock::now_rfc3339();
                self.stamp_sent(session_id, &p.participant_id, &at).await?;
                item.outcome = ItemOutcome::Sent;
                item.email_sent_at = Some(at);
            }
            Err(e) => {
                self.repo.send_failed(&lease).await?;
                item.outcome = ItemOutcome::SendFailed;
                item.error = Some(e.to_string());
            }
        }
        Ok(item)
    }

    /// Records `emailSentAt` (the first one stands).
    async fn stamp_sent(&self, session_id: &str, participant_id: &str, at: &str) -> Result<(), PipelineError> {
        let stamp = at.to_string();
        match self.apply(session_id, participant_id, move |q| {
            q.email_sent_at.get_or_insert_with(|| stamp.clone());
        })
        .await
        {
            Ok(_) => Ok(()),
            Err(ApplyError::Busy) => Err(PipelineError::Message("too many concurrent edits; try again".into())),
            Err(ApplyError::Pipeline(e)) => Err(e),
        }
    }
}

/// Why an edit did not land.
enum ApplyError {
    Busy,
    Pipeline(PipelineError),
}

impl From<RepoError> for ApplyError {
    fn from(e: RepoError) -> Self {
        Self::Pipeline(e.into())
    }
}
