//! A call in (`POST /v1/calls`): parsed, read by the sales profile, and stored as a session —
//! the same record as a workshop's — whose one participant is the buyer, holding the follow-up
//! draft. So the draft is reviewed, edited, approved and sent exactly once by the workshop
//! review (API, MCP tools, signed links), not a copy of it. The debrief is kept on the session.
//!
//! The built-in analyser takes milliseconds (README, "Sales calls"), so the call is analysed
//! in the request and the answer already says `completed`; the status URL is the session's.
//! Idempotent: the id is derived from the rep, the transcript and the facts, so a repeat
//! answers the stored call and changes nothing.

use serde::{Deserialize, Serialize};

use super::debrief::{CallFacts, CallParticipant, Debrief, MeetingType, debrief};
use super::follow_up;
use super::signals::Side;
use crate::analysis::Analyser;
use crate::domain::{CoachReviewStatus, ParticipantSummary, ProcessingStatus, WorkshopSession};
use crate::error::InputError;
use crate::pipeline::{Pipeline, PipelineError};
use crate::ports::{Mailer, Queue, Store};
use crate::repo::{RepoError, sha256_hex};
use crate::transcript::{Transcript, TranscriptFormat};

/// The request (JSON, or the fields of a multipart form). Every field is optional here so that
/// a missing one gets an error naming it; an unknown one is named too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallUpload {
    /// The rep's profile (a coach profile: reps and coaches are the same kind of user).
    pub coach_id: Option<String>,
    pub transcript: Option<String>,
    pub transcript_format: Option<String>,
    #[serde(default)]
    pub participants: Vec<CallParticipant>,
    pub rep: Option<String>,
    pub seller_domain: Option<String>,
    pub meeting_type: Option<String>,
    pub call_date: Option<String>,
    pub title: Option<String>,
}

/// What a call session holds beside the workshop fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallSession {
    pub title: Option<String>,
    pub rep: String,
    pub buyer: String,
    pub buyer_email: Option<String>,
    pub debrief: Debrief,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallAccepted {
    pub call_id: String,
    pub status: ProcessingStatus,
    pub status_url: String,
    /// False when this very call was stored before.
    pub created: bool,
    pub score: f64,
    pub meeting_type: MeetingType,
}

/// `GET /v1/calls/{id}`: the debrief and where its follow-up stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    pub call_id: String,
    pub coach_id: String,
    pub call_date: String,
    #[serde(flatten)]
    pub call: CallSession,
    pub follow_up: FollowUpState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpState {
    pub participant_id: String,
    pub to: String,
    pub email: Option<String>,
    pub subject: String,
    pub review_status: CoachReviewStatus,
    pub sent_at: Option<String>,
}

/// The buyer's participant id in a call session.
pub const BUYER_ID: &str = "buyer";

fn facts_of(upload: &CallUpload) -> Result<CallFacts, InputError> {
    let meeting_type = match upload.meeting_type.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(t.parse::<MeetingType>().map_err(|e| InputError::field("meetingType", e))?),
        None => None,
    };
    let call_date = InputError::required(&upload.call_date, "callDate")?.to_string();
    for (i, p) in upload.participants.iter().enumerate() {
        if p.name.trim().is_empty() {
            return Err(InputError::field(format!("participants[{i}].name"), "is required"));
        }
        if p.email.as_deref().is_some_and(|e| !e.contains('@') || e.len() > 254) {
            return Err(InputError::field(format!("participants[{i}].email"), "is not an email address"));
        }
    }
    if upload.title.as_deref().is_some_and(|t| t.len() > 300) {
        return Err(InputError::field("title", "is longer than 300 bytes"));
    }
    Ok(CallFacts {
        participants: upload.participants.clone(),
        rep: upload.rep.clone(),
        seller_domain: upload.seller_domain.clone(),
        meeting_type,
        call_date,
        title: upload.title.clone().filter(|t| !t.trim().is_empty()),
    })
}

/// The debrief as the coach reads it in the review (the participant's summary).
fn summary_of(d: &Debrief) -> String {
    let m = &d.metrics;
    let open = d.objections.iter().filter(|o| o.addressed.is_none()).count();
    format!(
        "{} call scored {:.1}/10: seller talked {:.0} %, asked {} questions; {} buying signals, {} objections ({open} open); {} action items.",
        super::debrief::name(&d.meeting_type),
        d.score,
        m.seller_talk_percent,
        m.seller_questions,
        d.buying_signals.len(),
        d.objections.len(),
        d.action_items.len()
    )
}

/// The session and the buyer's draft that store call `id`'s debrief.
pub fn stored(id: &str, coach_id: &str, facts: &CallFacts, d: Debrief, chat_gpt_url: Option<String>) -> (WorkshopSession, ParticipantSummary) {
    let speaker = |side: Side| d.roles.iter().find(|r| r.side == side).map(|r| r.speaker.clone()).unwrap_or_default();
    let (rep, buyer) = (speaker(Side::Seller), speaker(Side::Buyer));
    let key = crate::attendance::normalize_name(&buyer);
    let buyer_email = facts.participants.iter().find(|p| crate::attendance::normalize_name(&p.name) == key).and_then(|p| p.email.clone());
    let (subject, body) = follow_up::write(&d, &rep, &buyer, facts.title.as_deref());
    let mut participant = ParticipantSummary::draft(id, BUYER_ID, buyer.clone(), buyer_email.clone(), subject, body, summary_of(&d));
    participant.speaking_time_percentage = d.metrics.buyer_talk_percent;
    let cohort = facts.title.clone().unwrap_or_else(|| format!("Call with {buyer}"));
    // The rep reads the debrief in the response and in the review; no completion email.
    let mut session = WorkshopSession::one_draft(id, &d.call_date, cohort, coach_id, chat_gpt_url);
    session.call = Some(CallSession { title: facts.title.clone(), rep, buyer, buyer_email, debrief: d });
    (session, participant)
}

impl<S: Store, Q: Queue, M: Mailer, A: Analyser> Pipeline<S, Q, M, A> {
    /// Reads, scores and stores a call with its follow-up draft; a repeat answers the stored one.
    pub async fn ingest_call(&self, upload: CallUpload, allowed_coach: Option<&str>) -> Result<CallAccepted, PipelineError> {
        let coach_id = InputError::required(&upload.coach_id, "coachId")?.to_string();
        if coach_id.len() > 128 {
            return Err(InputError::field("coachId", "is longer than 128 bytes").into());
        }
        if allowed_coach.is_some_and(|c| c != coach_id) {
            return Err(PipelineError::UnknownCoach(coach_id));
        }
        let transcript = InputError::required(&upload.transcript, "transcript")?;
        if transcript.len() > self.config.max_transcript_bytes {
            return Err(PipelineError::TooLarge(transcript.len(), self.config.max_transcript_bytes));
        }
        let format = match upload.transcript_format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(f.parse::<TranscriptFormat>().map_err(|e| InputError::field("transcriptFormat", e))?),
            None => None,
        };
        let facts = facts_of(&upload)?;
        let parsed = Transcript::parse(transcript, format).map_err(|e| InputError::field("transcript", e))?;
        let mut d = debrief(&parsed, &facts)?;
        let coach = self.repo.get_coach(&coach_id).await?.ok_or_else(|| PipelineError::UnknownCoach(coach_id.clone()))?;
        let id = format!("cl-{}", &sha256_hex(&format!("{coach_id}\0{}\0{}", sha256_hex(transcript), serde_json::to_string(&facts).expect("JSON")))[..16]);
        if let Some(existing) = self.repo.get_session(&id).await? {
            // A retry after a crash may have missed the CRM message; logging is once per call.
            self.call_to_crm(&id).await;
            return Ok(self.accepted_call(&existing.value, false));
        }
        if let Some(model) = self.analyser.model() {
            if let Err(reason) = super::model::ModelCallReader::new(model).read(&parsed, &mut d).await {
                // The reason names the failure, never the call's words.
                tracing::warn!(call_id = %id, reason = %reason, "model reading failed; the built-in reading stands");
                d.fallback_reason = Some(reason);
            }
        }
        let (session, participant) = stored(&id, &coach_id, &facts, d, coach.chat_gpt_url.clone());
        // The participant first: until the session exists, nothing reads it.
        self.repo.put_participants(std::slice::from_ref(&participant)).await?;
        crate::faults::crash_point("call:participant-stored");
        match self.repo.create_session(&session, 0).await {
            Ok(()) => {}
            // A concurrent post of the same call stored it first: the same content.
            Err(RepoError::Store(crate::ports::StoreError::Conflict)) => {}
            Err(e) => return Err(e.into()),
        }
        tracing::info!(call_id = %id, "call stored");
        self.call_to_crm(&id).await;
        Ok(self.accepted_call(&session, true))
    }

    /// The call to HubSpot, when it is logged on completion (the default; see
    /// [`crate::hubspot::calls::LogCallsOn`]).
    async fn call_to_crm(&self, id: &str) {
        if crate::hubspot::calls::LogCallsOn::from_env() != crate::hubspot::calls::LogCallsOn::Completion {
            return;
        }
        if let Err(e) = self.notify_crm(&crate::hubspot::sync::CrmMessage::CallLogged { session_id: id.to_string() }).await {
            tracing::error!(call_id = %id, error = %e, "CRM log of the call not queued; posting it again retries");
        }
    }

    fn accepted_call(&self, s: &WorkshopSession, created: bool) -> CallAccepted {
        let d = s.call.as_ref().map(|c| &c.debrief);
        CallAccepted {
            call_id: s.session_id.clone(),
            status: s.processing_status,
            status_url: self.public_url(&format!("/v1/calls/{}", s.session_id)),
            created,
            score: d.map_or(0.0, |d| d.score),
            meeting_type: d.map_or(MeetingType::Discovery, |d| d.meeting_type),
        }
    }

    /// The call's debrief if it exists and `allowed_coach` (when set) owns it.
    pub async fn call_view(&self, allowed_coach: Option<&str>, id: &str) -> Result<CallView, PipelineError> {
        let s = match self.repo.get_session(id).await? {
            Some(s) if s.value.call.is_some() && allowed_coach.is_none_or(|c| c == s.value.coach_id) => s.value,
            _ => return Err(PipelineError::NotFound),
        };
        let p = self.repo.get_participant(id, BUYER_ID).await?.ok_or(PipelineError::NotFound)?.value;
        Ok(CallView {
            call_id: s.session_id,
            coach_id: s.coach_id,
            call_date: s.workshop_date,
            call: s.call.expect("checked"),
            follow_up: FollowUpState {
                participant_id: p.participant_id,
                to: p.participant_name,
                email: p.email,
                subject: p.generated_email_subject,
                review_status: p.coach_review_status,
                sent_at: p.email_sent_at,
            },
        })
    }
}
