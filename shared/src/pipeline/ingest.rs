//! `POST /v1/workshops`: validate, parse, create the session, fan out. Idempotent by the
//! `Idempotency-Key` header, by (coachId, zoomMeetingId) and by (coachId, transcript content).

use serde::{Deserialize, Serialize};

use super::messages::{Envelope, Message};
use super::{Pipeline, PipelineError};
use crate::analysis::{Analyser, ParticipantContext};
use crate::domain::{Roster, WorkshopSession};
use crate::error::InputError;
use crate::ports::store::{Item, Key, StoreError};
use crate::ports::{Mailer, Queue, Store};
use crate::repo::{Claim, RepoError, sha256_hex};
use crate::report::{AnalyseOptions, SessionMeta, prepare};
use crate::transcript::TranscriptFormat;

/// The request body (JSON, or the fields of a multipart form). Every field is optional here
/// so that a missing one gets an error that names it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestRequest {
    pub transcript: Option<String>,
    pub transcript_format: Option<String>,
    pub workshop_date: Option<String>,
    pub cohort_name: Option<String>,
    pub coach_id: Option<String>,
    pub zoom_meeting_id: Option<String>,
    /// A JSON array of `{name, email, hubspotContactId}`, or CSV text.
    pub roster: Option<serde_json::Value>,
    pub callback_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestAccepted {
    pub session_id: String,
    pub status: String,
    pub status_url: String,
    /// False when an earlier request already created this session.
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatus {
    pub session_id: String,
    pub status: crate::domain::ProcessingStatus,
    pub cohort_name: String,
    pub workshop_date: String,
    pub participant_count: u32,
    pub participants_remaining: i64,
    pub completed_at: Option<String>,
    pub priority_client_ids: Vec<String>,
    pub email_notification_sent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

/// What ingest keeps beside the session for the later steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInput {
    pub callback_url: Option<String>,
    pub zoom_meeting_id: Option<String>,
    pub unknown_speakers: Vec<crate::attendance::UnknownSpeaker>,
    pub dispatched: bool,
    pub created_at: i64,
}

pub(crate) fn input_key(session_id: &str) -> Key {
    Key::new(format!("SESSION#{session_id}"), "INPUT")
}

pub(crate) fn context_key(session_id: &str, participant_id: &str) -> Key {
    Key::new(format!("SESSION#{session_id}"), format!("CONTEXT#{participant_id}"))
}

fn required(v: &Option<String>, field: &str) -> Result<String, InputError> {
    InputError::required(v, field).map(str::to_owned)
}

fn parse_roster(v: &serde_json::Value) -> Result<Roster, InputError> {
    match v {
        serde_json::Value::String(csv) => Roster::from_csv(csv),
        serde_json::Value::Array(_) => {
            let roster: Roster = serde_json::from_value(v.clone())
                .map_err(|e| InputError::field("roster", format!("each entry needs name, email and hubspotContactId: {e}")))?;
            roster.validated()
        }
        _ => Err(InputError::field("roster", "must be an array of {name, email, hubspotContactId} or CSV text")),
    }
}


impl<S: Store, Q: Queue, M: Mailer, A: Analyser> Pipeline<S, Q, M, A> {
    fn status_url(&self, session_id: &str) -> String {
        let path = format!("/v1/workshops/{session_id}");
        match &self.config.public_base_url {
            Some(base) => format!("{base}{path}"),
            None => path,
        }
    }

    fn accepted(&self, session_id: String, created: bool) -> IngestAccepted {
        IngestAccepted { status_url: self.status_url(&session_id), session_id, status: "processing".into(), created }
    }

    /// `allowed_coach`: the coach an ingestion key is limited to, if any.
    pub async fn ingest(
        &self,
        req: IngestRequest,
        idempotency_key: Option<&str>,
        allowed_coach: Option<&str>,
    ) -> Result<IngestAccepted, PipelineError> {
        let transcript = req.transcript.clone().unwrap_or_default();
        if transcript.trim().is_empty() {
            return Err(InputError::field("transcript", "is required (the transcript text, or a file part named `transcript`)").into());
        }
        if transcript.len() > self.config.max_transcript_bytes {
            return Err(PipelineError::TooLarge(transcript.len(), self.config.max_transcript_bytes));
        }
        let coach_id = required(&req.coach_id, "coachId")?;
        if allowed_coach.is_some_and(|c| c != coach_id) {
            // An ingestion key for one coach cannot post for another; say nothing more.
            return Err(PipelineError::UnknownCoach(coach_id));
        }
        let workshop_date = required(&req.workshop_date, "workshopDate")?;
        if !crate::clock::is_iso8601(&workshop_date) {
            return Err(InputError::field("workshopDate", "must be an ISO 8601 date such as 2026-11-20 or 2026-11-20T18:00:00Z").into());
        }
        let cohort_name = required(&req.cohort_name, "cohortName")?;
        let roster = parse_roster(req.roster.as_ref().ok_or_else(|| InputError::field("roster", "is required"))?)?;
        if let Some(url) = &req.callback_url {
            let ok = url.starts_with("https://") || url.starts_with("http://");
            if !ok || url.len() > 2048 {
                return Err(InputError::field("callbackUrl", "must be an http(s) URL").into());
            }
        }
        let format = match req.transcript_format.as_deref() {
            None | Some("") => None,
            Some(f) => Some(f.parse::<TranscriptFormat>().map_err(|e| InputError::field("transcriptFormat", e))?),
        };
        let coach = self.repo.get_coach(&coach_id).await?.ok_or_else(|| PipelineError::UnknownCoach(coach_id.clone()))?;

        // Idempotency: any earlier request with one of these keys owns the session.
        let mut keys = Vec::new();
        if let Some(k) = idempotency_key.filter(|k| !k.trim().is_empty()) {
            keys.push(format!("key#{coach_id}#{}", sha256_hex(k.trim())));
        }
        if let Some(z) = req.zoom_meeting_id.as_deref().filter(|z| !z.trim().is_empty()) {
            keys.push(format!("zoom#{coach_id}#{}", z.trim()));
        }
        keys.push(format!("content#{coach_id}#{}", sha256_hex(&transcript)));
        let store = self.repo.store();
        for k in &keys {
            if let Some(existing) = self.repo.find_claim("ingest", k).await? {
                return Ok(self.accepted(existing, false));
            }
        }
        // The session id follows from the strongest key, so concurrent twins compute the same one.
        let session_id = format!("ws-{}", &sha256_hex(&keys[0])[..20]);

        let options = AnalyseOptions { format, engagement: self.config.engagement, priority: self.config.priority };
        let meta = SessionMeta { session_id: session_id.clone(), workshop_date, cohort_name };
        let prepared = prepare(&transcript, &roster, &coach, meta, &options)?;
        let mut session: WorkshopSession = prepared.session.clone();
        if session.chat_gpt_session_url.is_none() {
            session.chat_gpt_session_url = std::env::var("DEBRIEF_CHATGPT_URL").ok().filter(|u| !u.is_empty());
        }
        let n = prepared.contexts.len() as u32;
        let created = match self.repo.create_session(&session, n).await {
            Ok(()) => true,
            Err(RepoError::Store(StoreError::AlreadyExists)) => false,
            Err(e) => return Err(e.into()),
        };
        for k in &keys {
            match self.repo.claim_idempotency("ingest", k, &session_id, self.config.idempotency_ttl).await? {
                Claim::New => {}
                Claim::Existing(other) if other != session_id => {
                    tracing::warn!(session_id = %session_id, other_session = %other, "two sessions claimed one idempotency key");
                }
                Claim::Existing(_) => {}
            }
        }
        if !created {
            // A twin created it. Dispatch only if that twin died before dispatching.
            let input = store.get(&input_key(&session_id)).await.map_err(RepoError::from)?;
            let stale = input.as_ref().and_then(|i| serde_json::from_str::<SessionInput>(&i.body).ok()).is_some_and(|i| !i.dispatched && crate::clock::unix_secs() - i.created_at > 60);
            if !stale {
                return Ok(self.accepted(session_id, false));
            }
        }
        self.dispatch(&session_id, &prepared.contexts, &prepared.attendance.unknown_speakers, &req).await?;
        tracing::info!(session_id = %session_id, participants = n, "workshop accepted");
        Ok(self.accepted(session_id, true))
    }

    /// Stores every participant's context, then sends one message per participant.
    async fn dispatch(
        &self,
        session_id: &str,
        contexts: &[ParticipantContext],
        unknown: &[crate::attendance::UnknownSpeaker],
        req: &IngestRequest,
    ) -> Result<(), PipelineError> {
        let store = self.repo.store();
        let mut input = SessionInput {
            callback_url: req.callback_url.clone(),
            zoom_meeting_id: req.zoom_meeting_id.clone(),
            unknown_speakers: unknown.to_vec(),
            dispatched: false,
            created_at: crate::clock::unix_secs(),
        };
        let mut items: Vec<Item> = contexts
            .iter()
            .map(|c| Item::new(context_key(session_id, &c.participant_id), serde_json::to_string(c).expect("contexts serialise")))
            .collect();
        items.push(Item::new(input_key(session_id), serde_json::to_string(&input).expect("serialises")));
        store.put_all(&items).await.map_err(RepoError::from)?;
        let bodies: Vec<String> = contexts
            .iter()
            .map(|c| {
                Envelope::new(Message::AnalyzeParticipant { session_id: session_id.into(), participant_id: c.participant_id.clone() })
                    .to_json()
            })
            .collect();
        self.queue.send_batch(&bodies).await?;
        input.dispatched = true;
        store
            .put_all(&[Item::new(input_key(session_id), serde_json::to_string(&input).expect("serialises"))])
            .await
            .map_err(RepoError::from)?;
        Ok(())
    }

    /// `GET /v1/workshops/{id}`; `allowed_coach` limits it to one coach's sessions.
    pub async fn status(&self, session_id: &str, allowed_coach: Option<&str>) -> Result<SessionStatus, PipelineError> {
        let Some(s) = self.repo.get_session(session_id).await? else { return Err(PipelineError::NotFound) };
        let s = s.value;
        if allowed_coach.is_some_and(|c| c != s.coach_id) {
            return Err(PipelineError::NotFound);
        }
        let remaining = self.repo.remaining(session_id).await?.unwrap_or(0).max(0);
        Ok(SessionStatus {
            session_id: s.session_id,
            status: s.processing_status,
            cohort_name: s.cohort_name,
            workshop_date: s.workshop_date,
            participant_count: s.participant_count,
            participants_remaining: remaining,
            completed_at: s.completed_at,
            priority_client_ids: s.priority_client_ids,
            email_notification_sent: s.email_notification_sent,
            failure_reason: s.failure_reason,
        })
    }
}
