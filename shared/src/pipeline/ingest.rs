//! `POST /v1/workshops`: validate, parse, create the session, fan out. Idempotent by the
//! `Idempotency-Key` header, by (coachId, zoomMeetingId) and by (coachId, transcript content).

use serde::{Deserialize, Serialize};

use super::messages::{Envelope, Message};
use super::{Pipeline, PipelineError};
use crate::analysis::{Analyser, ParticipantContext};
use crate::domain::{Roster, WorkshopSession};
use crate::ports::Archive;
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
    /// When this request re-posts a Zoom meeting that is already a session, with another
    /// roster, cohort, date or transcript: the earlier session (kept as it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_of: Option<String>,
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
    /// Model calls, tokens and cost (micro-USD) of the analysis, once completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::domain::SessionCost>,
}

/// What ingest keeps beside the session for the later steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInput {
    pub callback_url: Option<String>,
    pub zoom_meeting_id: Option<String>,
    /// Where the whole transcript is kept ([`crate::ports::Archive`]), when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_key: Option<String>,
    /// What a re-analysis needs beside the transcript and the session.
    #[serde(default)]
    pub roster: Vec<crate::domain::RosterEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_format: Option<TranscriptFormat>,
    /// The session this one re-analyses or revises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_of: Option<String>,
    /// How many re-analyses of this session were asked for (each is a new session).
    #[serde(default)]
    pub reanalyses: u32,
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

/// Ids (coach, Zoom meeting) and names (cohort) are short; a longer one is a 400 naming the
/// field, never a store error.
const MAX_ID_BYTES: usize = 128;
const MAX_NAME_BYTES: usize = 300;
/// A participant's stored context stays well inside the store's 400 KB item limit; a longer
/// share of the transcript is cut to an excerpt (statistics are counted before, in full).
const MAX_CONTEXT_BYTES: usize = 300 * 1024;
/// How long a session's creator has to send its queue messages before a retry does it.
const DISPATCH_GRACE_SECS: i64 = 10;

fn bounded(v: String, field: &str, max: usize) -> Result<String, InputError> {
    if v.len() > max { Err(InputError::field(field, format!("is longer than {max} bytes"))) } else { Ok(v) }
}

/// An absolute http(s) URL of at most 2,048 bytes whose host is not loopback, private or
/// link-local when written as an address (names are resolved and checked again at send time).
fn check_callback_url(url: &str, allow_private: bool) -> Result<(), InputError> {
    let bad = |m: &str| InputError::field("callbackUrl", m);
    if url.len() > 2048 {
        return Err(bad("is longer than 2,048 bytes"));
    }
    let parsed = url::Url::parse(url).map_err(|_| bad("must be an http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad("must be an http(s) URL"));
    }
    if allow_private {
        return Ok(());
    }
    let private = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => !crate::net::is_public(ip.into()),
        Some(url::Host::Ipv6(ip)) => !crate::net::is_public(ip.into()),
        None => true,
    };
    if private {
        return Err(bad("must point at a public host, not a loopback, private or link-local address"));
    }
    Ok(())
}


/// A session made from another: which, and what makes its id differ.
struct Revision {
    of: String,
    salt: String,
}

/// What `validate` checked, ready to use.
struct Validated {
    coach_id: String,
    workshop_date: String,
    cohort_name: String,
    zoom_meeting_id: Option<String>,
    roster: Roster,
    format: Option<TranscriptFormat>,
    coach: crate::domain::CoachProfile,
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
        self.public_url(&format!("/v1/workshops/{session_id}"))
    }

    /// `path` under the deployment's public URL, or the path alone when there is none.
    pub(crate) fn public_url(&self, path: &str) -> String {
        match &self.config.public_base_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }

    fn accepted(&self, session_id: String, created: bool) -> IngestAccepted {
        IngestAccepted { status_url: self.status_url(&session_id), session_id, status: "processing".into(), created, revision_of: None }
    }

    /// The answer to a repeat: the session as it stands (`completed` once it is, not
    /// `processing`).
    fn replayed(&self, session: &WorkshopSession) -> IngestAccepted {
        let status = serde_json::to_value(session.processing_status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "processing".into());
        IngestAccepted { status_url: self.status_url(&session.session_id), session_id: session.session_id.clone(), status, created: false, revision_of: None }
    }

    /// Checks every field, as on a first request so on a replay; returns what ingest needs.
    async fn validate(&self, req: &IngestRequest, allowed_coach: Option<&str>) -> Result<Validated, PipelineError> {
        let transcript = req.transcript.as_deref().unwrap_or_default();
        if transcript.trim().is_empty() {
            return Err(InputError::field("transcript", "is required (the transcript text, or a file part named `transcript`)").into());
        }
        if transcript.len() > self.config.max_transcript_bytes {
            return Err(PipelineError::TooLarge(transcript.len(), self.config.max_transcript_bytes));
        }
        let coach_id = bounded(required(&req.coach_id, "coachId")?, "coachId", MAX_ID_BYTES)?;
        if allowed_coach.is_some_and(|c| c != coach_id) {
            // An ingestion key for one coach cannot post for another; say nothing more.
            return Err(PipelineError::UnknownCoach(coach_id));
        }
        let workshop_date = bounded(required(&req.workshop_date, "workshopDate")?, "workshopDate", 64)?;
        if !crate::clock::is_iso8601(&workshop_date) {
            return Err(InputError::field("workshopDate", "must be an ISO 8601 date such as 2026-11-20 or 2026-11-20T18:00:00Z").into());
        }
        let cohort_name = bounded(required(&req.cohort_name, "cohortName")?, "cohortName", MAX_NAME_BYTES)?;
        let zoom_meeting_id = match req.zoom_meeting_id.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
            Some(z) => Some(bounded(z.to_string(), "zoomMeetingId", MAX_ID_BYTES)?),
            None => None,
        };
        let roster = parse_roster(req.roster.as_ref().ok_or_else(|| InputError::field("roster", "is required"))?)?;
        if roster.entries().is_empty() {
            return Err(InputError::field("roster", "must list at least one participant").into());
        }
        if let Some(url) = &req.callback_url {
            check_callback_url(url, self.config.callback_allow_private)?;
        }
        let format = match req.transcript_format.as_deref() {
            None | Some("") => None,
            Some(f) => Some(f.parse::<TranscriptFormat>().map_err(|e| InputError::field("transcriptFormat", e))?),
        };
        let coach = self.repo.get_coach(&coach_id).await?.ok_or_else(|| PipelineError::UnknownCoach(coach_id.clone()))?;
        Ok(Validated { coach_id, workshop_date, cohort_name, zoom_meeting_id, roster, format, coach })
    }

    /// `allowed_coach`: the coach an ingestion key is limited to, if any.
    ///
    /// Resumable: every write is safe to repeat and the session is created only after the
    /// participants' contexts and the input record, so a retry after any failure (a crash, a
    /// store error) finishes what the first attempt started. One transcript is one session:
    /// its id follows from the coach and the content, and creating it is one conditional
    /// write, whatever `Idempotency-Key` each of many concurrent requests carries.
    pub async fn ingest(
        &self,
        req: IngestRequest,
        idempotency_key: Option<&str>,
        allowed_coach: Option<&str>,
    ) -> Result<IngestAccepted, PipelineError> {
        let v = self.validate(&req, allowed_coach).await?;
        let transcript = req.transcript.as_deref().unwrap_or_default();
        self.accept(v, transcript, req.callback_url.clone(), idempotency_key, None).await
    }

    /// `POST /v1/workshops/{id}/reanalyze`, `debrief reanalyze`: the kept transcript, roster,
    /// cohort and date analysed again, with the coach's current profile and today's analyser,
    /// as a new session (`revisionOf` the first, which stays as it was: drafts the coach
    /// edited or sent are not overwritten). Each call is one new revision; an
    /// `Idempotency-Key` makes a retried call the same one.
    pub async fn reanalyze(
        &self,
        session_id: &str,
        idempotency_key: Option<&str>,
        allowed_coach: Option<&str>,
    ) -> Result<IngestAccepted, PipelineError> {
        let Some(session) = self.repo.get_session(session_id).await? else { return Err(PipelineError::NotFound) };
        let session = session.value;
        if allowed_coach.is_some_and(|c| c != session.coach_id) {
            return Err(PipelineError::NotFound);
        }
        let store = self.repo.store();
        let cannot = |why: &str| PipelineError::CannotReanalyze(format!("session {session_id} cannot be re-analysed: {why}"));
        // Count this re-analysis on the session's input record (a conditional update, so two
        // concurrent calls get two numbers, hence two revisions).
        let (input, n) = loop {
            let item = store.get(&input_key(session_id)).await.map_err(RepoError::from)?.ok_or_else(|| cannot("its input record is gone"))?;
            let mut input: SessionInput = serde_json::from_str(&item.body).map_err(|e| RepoError::Corrupt("session input".into(), e.to_string()))?;
            input.reanalyses += 1;
            let mut updated = item.clone();
            updated.body = serde_json::to_string(&input).expect("serialises");
            match store.update(&updated, item.version).await {
                Ok(_) => break (input.clone(), input.reanalyses),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(RepoError::from(e).into()),
            }
        };
        let key = input.transcript_key.as_deref().ok_or_else(|| cannot("it was created before transcripts were kept; post the transcript again"))?;
        let archive = self.archive.as_ref().ok_or_else(|| cannot("this deployment keeps no transcripts (DEBRIEF_TRANSCRIPT_BUCKET is not set)"))?;
        let bytes = archive.get(key).await?.ok_or_else(|| cannot("its transcript has expired from the archive; post it again"))?;
        let transcript = String::from_utf8(bytes).map_err(|_| cannot("the kept transcript is not UTF-8"))?;
        if input.roster.is_empty() {
            return Err(cannot("its roster was not kept; post the transcript again"));
        }
        let coach = self.repo.get_coach(&session.coach_id).await?.ok_or_else(|| PipelineError::UnknownCoach(session.coach_id.clone()))?;
        let v = Validated {
            coach_id: session.coach_id.clone(),
            workshop_date: session.workshop_date.clone(),
            cohort_name: session.cohort_name.clone(),
            zoom_meeting_id: None,
            roster: Roster(input.roster.clone()),
            format: input.transcript_format,
            coach,
        };
        let revision = Revision { of: session_id.to_string(), salt: format!("reanalysis#{session_id}#{n}") };
        let accepted = self.accept(v, &transcript, input.callback_url.clone(), idempotency_key, Some(revision)).await?;
        tracing::info!(session_id = %accepted.session_id, revision_of = %session_id, "re-analysis accepted");
        Ok(accepted)
    }

    async fn accept(
        &self,
        v: Validated,
        transcript: &str,
        callback_url: Option<String>,
        idempotency_key: Option<&str>,
        revision: Option<Revision>,
    ) -> Result<IngestAccepted, PipelineError> {
        let coach_id = &v.coach_id;
        // Everything the analysis depends on names the session: the same request again is the
        // same session; a corrected roster, cohort or date is a new one (a revision), and so
        // is each re-analysis.
        let roster = serde_json::to_string(v.roster.entries()).expect("rosters serialise");
        let mut content = format!("content#{coach_id}#{}#{}#{}#{}", sha256_hex(transcript), sha256_hex(&roster), sha256_hex(&v.cohort_name), v.workshop_date);
        if let Some(r) = &revision {
            content = format!("{content}#{}", r.salt);
        }
        let session_id = format!("ws-{}", &sha256_hex(&content)[..20]);

        // The header names a request: an earlier request with it owns the session (even with
        // another body). The Zoom meeting id names a meeting: re-posted with other content it
        // becomes a revision, a new session beside the first, which stays as it was.
        let mut revision_of = revision.as_ref().map(|r| r.of.clone());
        let mut keys = Vec::new();
        if let Some(k) = idempotency_key.map(str::trim).filter(|k| !k.is_empty()) {
            let scope = if revision.is_some() { "reanalyze" } else { "key" };
            keys.push(format!("{scope}#{coach_id}#{}", sha256_hex(k)));
        }
        if let Some(z) = &v.zoom_meeting_id {
            keys.push(format!("zoom#{coach_id}#{z}"));
        }
        for k in &keys {
            if let Claim::Existing(other) = self.repo.claim_idempotency("ingest", k, &session_id, self.config.idempotency_ttl).await? {
                if other != session_id {
                    if let Some(existing) = self.repo.get_session(&other).await? {
                        if k.starts_with("zoom#") {
                            revision_of = Some(other);
                            continue;
                        }
                        return Ok(IngestAccepted { revision_of, ..self.replayed(&existing.value) });
                    }
                }
            }
        }
        crate::faults::crash_point("ingest:claimed");
        // A replay of a session that was created and dispatched: nothing to parse or write.
        if let Some(existing) = self.repo.get_session(&session_id).await? {
            if !self.must_resume(&session_id).await? {
                return Ok(IngestAccepted { revision_of, ..self.replayed(&existing.value) });
            }
        }
        // Kept first, so that no session exists whose transcript is missing.
        let transcript_key = match &self.archive {
            Some(archive) => {
                let key = crate::ports::archive::transcript_key(transcript);
                archive.put(&key, transcript.as_bytes()).await?;
                crate::faults::crash_point("ingest:archived");
                Some(key)
            }
            None => None,
        };

        let options = AnalyseOptions { format: v.format, engagement: self.config.engagement, priority: self.config.priority, threads: None };
        let meta = SessionMeta { session_id: session_id.clone(), workshop_date: v.workshop_date, cohort_name: v.cohort_name };
        let prepared = prepare(transcript, &v.roster, &v.coach, meta, &options)?;
        let mut session: WorkshopSession = prepared.session.clone();
        if session.chat_gpt_session_url.is_none() {
            session.chat_gpt_session_url = std::env::var("DEBRIEF_CHATGPT_URL").ok().filter(|u| !u.is_empty());
        }
        let mut contexts = prepared.contexts;
        for c in &mut contexts {
            c.fit_within(MAX_CONTEXT_BYTES);
        }
        let store = self.repo.store();
        let items: Vec<Item> = contexts
            .iter()
            .map(|c| Item::new(context_key(&session_id, &c.participant_id), serde_json::to_string(c).expect("contexts serialise")))
            .collect();
        store.put_all(&items).await.map_err(RepoError::from)?;
        crate::faults::crash_point("ingest:contexts");
        let input = SessionInput {
            callback_url,
            zoom_meeting_id: v.zoom_meeting_id.clone(),
            transcript_key,
            roster: v.roster.entries().to_vec(),
            transcript_format: v.format,
            revision_of: revision_of.clone(),
            reanalyses: 0,
            unknown_speakers: prepared.attendance.unknown_speakers.clone(),
            dispatched: false,
            created_at: crate::clock::unix_secs(),
        };
        match store.put_new(&Item::new(input_key(&session_id), serde_json::to_string(&input).expect("serialises"))).await {
            Ok(()) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(RepoError::from(e).into()),
        }
        crate::faults::crash_point("ingest:input");
        let n = contexts.len() as u32;
        let created = match self.repo.create_session(&session, n).await {
            Ok(()) => true,
            Err(RepoError::Store(StoreError::AlreadyExists)) => false,
            Err(e) => return Err(e.into()),
        };
        crate::faults::crash_point("ingest:session");
        if created || self.must_resume(&session_id).await? {
            self.dispatch(&session_id, &contexts).await?;
            tracing::info!(session_id = %session_id, participants = n, resumed = !created, "workshop accepted");
        }
        Ok(IngestAccepted { revision_of, ..self.accepted(session_id, created) })
    }

    /// For a session that exists already: whether this request must send its queue messages,
    /// because the attempt that created it died before it had. A live twin gets a grace
    /// period to finish; after it, sending again is safe (a participant is analysed once).
    async fn must_resume(&self, session_id: &str) -> Result<bool, PipelineError> {
        let started = std::time::Instant::now();
        loop {
            let item = self.repo.store().get(&input_key(session_id)).await.map_err(RepoError::from)?;
            let Some(input) = item.and_then(|i| serde_json::from_str::<SessionInput>(&i.body).ok()) else { return Ok(false) };
            if input.dispatched {
                return Ok(false);
            }
            if crate::clock::unix_secs().saturating_sub(input.created_at) >= DISPATCH_GRACE_SECS || started.elapsed() > std::time::Duration::from_secs(DISPATCH_GRACE_SECS as u64 + 1) {
                return Ok(true);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Sends one message per participant, then records that it did.
    async fn dispatch(&self, session_id: &str, contexts: &[ParticipantContext]) -> Result<(), PipelineError> {
        let bodies: Vec<String> = contexts
            .iter()
            .map(|c| {
                Envelope::new(Message::AnalyzeParticipant { session_id: session_id.into(), participant_id: c.participant_id.clone() })
                    .to_json()
            })
            .collect();
        self.queue.send_batch(&bodies).await?;
        crate::faults::crash_point("ingest:queued");
        let store = self.repo.store();
        let key = input_key(session_id);
        if let Some(item) = store.get(&key).await.map_err(RepoError::from)? {
            let mut input: SessionInput = serde_json::from_str(&item.body).map_err(|e| RepoError::Corrupt("session input".into(), e.to_string()))?;
            input.dispatched = true;
            let mut updated = item.clone();
            updated.body = serde_json::to_string(&input).expect("serialises");
            // A twin that marked it first has done the same.
            match store.update(&updated, item.version).await {
                Ok(_) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(RepoError::from(e).into()),
            }
        }
        Ok(())
    }

    /// The transcript a session was made from, as received, if it is still kept.
    pub async fn kept_transcript(&self, session_id: &str) -> Result<Option<Vec<u8>>, PipelineError> {
        let Some(key) = self.session_input(session_id).await?.and_then(|i| i.transcript_key) else { return Ok(None) };
        match &self.archive {
            Some(archive) => Ok(archive.get(&key).await?),
            None => Ok(None),
        }
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
            cost: s.cost,
        })
    }
}
