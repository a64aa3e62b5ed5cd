//! The analyze worker and its finish tail.
//!
//! Exactly-once rules:
//! - A participant's summary is created together with the session's "remaining" decrement
//!   (`put_new_with_counter`): a redelivered message finds the summary and neither analyses
//!   nor decrements again.
//! - Whoever then reads "remaining = 0" runs finish. Finish moves the session from
//!   `processing` to `completed` with a version check, so two finishers cannot both do it.
//! - What finish sends — the CRM sync message, the coach's email, the callback — each goes
//!   through a send record (`Repo::begin_send`): claimed with a lease, then sent. A message
//!   redelivered for a completed session runs the same tail again: whatever is recorded sent
//!   is skipped, a claim whose holder died (its lease ran out) is taken over and sent, and a
//!   claim still held by a live worker fails the message so that it comes back later. The
//!   send lease (`DEBRIEF_SEND_LEASE_SECS`, 60 s) is shorter than the queue's visibility
//!   timeout, so a crashed holder's message returns to find the lease expired.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use tracing::Instrument;
use sha2::Sha256;

use super::ingest::{SessionInput, context_key, input_key};
use super::messages::{Envelope, Message};
use super::notify::{coach_email, failure_email};
use super::{Pipeline, PipelineError};
use crate::analysis::{Analyser, ParticipantContext, rank_priorities};
use crate::domain::{ParticipantSummary, ProcessingStatus};
use crate::ports::store::StoreError;
use crate::ports::{Mailer, Queue, Store};
use crate::repo::{RepoError, SendLease, SendTurn};
use crate::report::summarise;

impl<S: Store, Q: Queue, M: Mailer, A: Analyser> Pipeline<S, Q, M, A> {
    /// Handles one queue message. An error leaves the message to be delivered again; on its
    /// last allowed delivery the session is marked failed and the coach told.
    pub async fn handle_message(&self, body: &str, receive_count: u32) -> Result<(), PipelineError> {
        let envelope = Envelope::parse(body).map_err(PipelineError::Message)?;
        match envelope.message {
            Message::AnalyzeParticipant { session_id, participant_id } => {
                // Every line logged while handling this message (the model client's retries
                // included) carries the session and participant ids.
                let span = tracing::info_span!("analyze", session_id = %session_id, participant_id = %participant_id);
                let result = self.analyze_participant(&session_id, &participant_id).instrument(span).await;
                if let Err(e) = &result {
                    tracing::warn!(session_id = %session_id, participant_id = %participant_id, receive_count, error = %e, "analysis step failed");
                    if receive_count >= self.config.max_receives {
                        self.fail_session(&session_id, &format!("participant {participant_id} could not be processed: {e}")).await;
                    }
                }
                result
            }
        }
    }

    async fn analyze_participant(&self, session_id: &str, participant_id: &str) -> Result<(), PipelineError> {
        let session = self.repo.get_session(session_id).await?.ok_or(PipelineError::NotFound)?;
        match session.value.processing_status {
            ProcessingStatus::Processing => {}
            // A redelivery after completion: finish what a crashed finisher left unsent.
            ProcessingStatus::Completed => return self.finish_sends(session_id).await,
            _ => return Ok(()),
        }
        if self.repo.get_participant(session_id, participant_id).await?.is_none() {
            let store = self.repo.store();
            let item = store
                .get(&context_key(session_id, participant_id))
                .await
                .map_err(RepoError::from)?
                .ok_or_else(|| PipelineError::Message(format!("no stored context for participant {participant_id}")))?;
            let ctx: ParticipantContext =
                serde_json::from_str(&item.body).map_err(|e| PipelineError::Message(format!("stored context unreadable: {e}")))?;
            // Past the session's model budget the built-in analyser stands in, labelled.
            let spent = self.repo.store().get(&spend_key(session_id)).await.map_err(RepoError::from)?.map_or(0, |i| i.counter);
            let analysis = match self.config.llm_session_budget_micro_usd {
                Some(budget) if spent >= budget as i64 && !ctx.utterances.is_empty() => {
                    let mut a = crate::analysis::BuiltinAnalyser.analyse_now(&ctx);
                    a.analyser.fallback_reason = Some(format!("{} (${:.2}) is spent", crate::domain::OVER_BUDGET, budget as f64 / 1e6));
                    a
                }
                _ => self.analyser.analyse(&ctx).await,
            };
            if let Some(cost) = analysis.analyser.usage.as_ref().and_then(|u| u.cost_micro_usd) {
                self.add_spend(session_id, cost as i64).await?;
            }
            let summary = summarise(&ctx, analysis);
            match self.repo.record_participant_done(&summary).await? {
                true => tracing::info!(session_id = %session_id, participant_id = %participant_id, analyser = ?summary.analyser.kind, "participant analysed"),
                false => tracing::info!(session_id = %session_id, participant_id = %participant_id, "participant was analysed by another delivery"),
            }
        }
        if self.repo.remaining(session_id).await?.unwrap_or(1) <= 0 {
            self.finish(session_id).await?;
        }
        Ok(())
    }

    /// Adds a model call's cost to the session's running spend (a redelivered participant may
    /// count twice: the budget is a cap on spend, not an invoice).
    async fn add_spend(&self, session_id: &str, cost: i64) -> Result<(), PipelineError> {
        let store = self.repo.store();
        let key = spend_key(session_id);
        let result = match store.add_to_counter(&key, cost).await {
            Err(StoreError::NotFound) => match store.put_new(&crate::ports::store::Item { counter: cost, ..crate::ports::store::Item::new(key.clone(), "") }).await {
                Err(StoreError::AlreadyExists) => store.add_to_counter(&key, cost).await.map(|_| ()),
                other => other,
            },
            other => other.map(|_| ()),
        };
        Ok(result.map_err(RepoError::from)?)
    }

    /// Priority clients, the session completed, the coach's email, the callback.
    pub async fn finish(&self, session_id: &str) -> Result<(), PipelineError> {
        for _ in 0..10 {
            let current = self.repo.get_session(session_id).await?.ok_or(PipelineError::NotFound)?;
            match current.value.processing_status {
                ProcessingStatus::Completed => break,
                ProcessingStatus::Failed => return Ok(()),
                _ => {}
            }
            let stored = self.repo.list_participants(session_id).await?;
            let mut summaries: Vec<ParticipantSummary> = stored.iter().map(|v| v.value.clone()).collect();
            // The coach's own rules, else the deployment's.
            let rules = match self.repo.get_coach(&current.value.coach_id).await? {
                Some(coach) => coach.priority_rules.unwrap_or(self.config.priority),
                None => self.config.priority,
            };
            let priority_ids = rank_priorities(&mut summaries, &rules);
            for (s, v) in summaries.iter().zip(&stored) {
                match self.repo.update_participant(s, v.version).await {
                    Ok(_) | Err(RepoError::Store(StoreError::Conflict)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let mut session = current.value;
            session.processing_status = ProcessingStatus::Completed;
            session.completed_at = Some(crate::clock::now_rfc3339());
            session.priority_client_ids = priority_ids;
            let cost = crate::domain::SessionCost::of(summaries.iter().map(|s| &s.analyser));
            session.cost = Some(cost.clone());
            match self.repo.update_session(&session, current.version).await {
                Ok(_) => {
                    tracing::info!(session_id = %session_id, priority = session.priority_client_ids.len(), "session completed");
                    // The metric, as fields a log query or metric filter reads.
                    tracing::info!(
                        session_id = %session_id,
                        metric = "session_model_cost",
                        model_calls = cost.model_calls,
                        input_tokens = cost.input_tokens,
                        output_tokens = cost.output_tokens,
                        cost_micro_usd = cost.cost_micro_usd,
                        over_budget = cost.over_budget,
                        "session model cost"
                    );
                    break;
                }
                Err(RepoError::Store(StoreError::Conflict)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        crate::faults::crash_point("finish:completed");
        self.finish_sends(session_id).await
    }

    /// The sends of a completed session, each at most once and none lost (see the module
    /// comment). Safe to run any number of times.
    async fn finish_sends(&self, session_id: &str) -> Result<(), PipelineError> {
        self.sync_crm_once(session_id).await?;
        self.notify_coach(session_id).await?;
        self.send_callback(session_id).await
    }

    /// The lease to perform the finish send `what`, or `None` when it was sent already. While
    /// another worker holds it, this waits: until that worker records it sent (moments, when
    /// it is alive), or its lease runs out and this one takes over (it died). An error only
    /// after waiting longer than a lease (the message then comes back later).
    async fn claim_send(&self, scope: &str, key: &str, what: &'static str) -> Result<Option<SendLease>, PipelineError> {
        let started = std::time::Instant::now();
        loop {
            match self.repo.begin_send(scope, key, self.config.send_lease).await? {
                SendTurn::Go(lease) => return Ok(Some(lease)),
                SendTurn::Done => return Ok(None),
                SendTurn::InProgress if started.elapsed() <= self.config.send_lease + Duration::from_secs(2) => {
                    tokio::time::sleep(Duration::from_millis(fastrand::u64(50..=250))).await;
                }
                SendTurn::InProgress => return Err(PipelineError::SendInProgress(what)),
            }
        }
    }

    /// One completion, one CRM sync message, however many workers finish the session.
    async fn sync_crm_once(&self, session_id: &str) -> Result<(), PipelineError> {
        if self.crm_queue.is_none() {
            return Ok(());
        }
        let Some(lease) = self.claim_send("crm", &format!("session-completed#{session_id}"), "the CRM sync").await? else { return Ok(()) };
        crate::faults::crash_point("finish:crm-claimed");
        let message = crate::hubspot::sync::CrmMessage::SessionCompleted { session_id: session_id.to_string() };
        if let Err(e) = self.notify_crm(&message).await {
            self.repo.send_failed(&lease).await?;
            return Err(e.into());
        }
        crate::faults::crash_point("finish:crm-queued");
        Ok(self.repo.send_done(&lease).await?)
    }

    pub(super) async fn session_input(&self, session_id: &str) -> Result<Option<SessionInput>, PipelineError> {
        let item = self.repo.store().get(&input_key(session_id)).await.map_err(RepoError::from)?;
        Ok(item.and_then(|i| serde_json::from_str(&i.body).ok()))
    }

    async fn mark_email_sent(&self, session_id: &str) -> Result<(), PipelineError> {
        for _ in 0..10 {
            let current = self.repo.get_session(session_id).await?.ok_or(PipelineError::NotFound)?;
            if current.value.email_notification_sent {
                return Ok(());
            }
            let mut s = current.value;
            s.email_notification_sent = true;
            match self.repo.update_session(&s, current.version).await {
                Ok(_) => return Ok(()),
                Err(RepoError::Store(StoreError::Conflict)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(PipelineError::Message("could not record the sent email".into()))
    }

    pub(crate) async fn notify_coach(&self, session_id: &str) -> Result<(), PipelineError> {
        let Some((session, coach)) = self.unsent_session_and_coach(session_id).await? else { return Ok(()) };
        if !coach.notification_preferences.email_on_completion {
            return self.mark_email_sent(session_id).await;
        }
        // A coach who wants the email at a set time gets it then: a durable due-time record,
        // swept by `send_due_notifications` (the scheduled `notify-due` function on AWS, a
        // loop in `debrief serve`). Redelivered, this writes the record again, harmlessly.
        let now = crate::clock::unix_secs();
        let due_at = coach.notification_preferences.due_at(now);
        if due_at > now {
            self.repo.put_notification_due(session_id, due_at).await?;
            tracing::info!(session_id = %session_id, due_at, "coach's email deferred to the preferred time");
            return Ok(());
        }
        self.send_coach_email(session_id, session, coach).await
    }

    /// Sends every deferred coach email due at or before `now` (Unix seconds), each once:
    /// the send record makes a repeat of a sent one a no-op, and a due record is removed only
    /// after its email is sent. Returns how many were sent or found already sent.
    pub async fn send_due_notifications(&self, now: i64) -> Result<usize, PipelineError> {
        let mut done = 0;
        for (key, session_id) in self.repo.notifications_due(now, 100).await? {
            let sent = match self.unsent_session_and_coach(&session_id).await {
                Ok(Some((session, coach))) => self.send_coach_email(&session_id, session, coach).await,
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            };
            match sent {
                Ok(()) | Err(PipelineError::NotFound) => {
                    self.repo.delete_notification_due(&key).await?;
                    done += 1;
                }
                // Kept: the next sweep tries again.
                Err(e) => tracing::warn!(session_id = %session_id, error = %e, "deferred coach email not sent yet"),
            }
        }
        Ok(done)
    }

    /// The session and its coach, unless the coach's email is already recorded as sent.
    async fn unsent_session_and_coach(&self, session_id: &str) -> Result<Option<(crate::domain::WorkshopSession, crate::domain::CoachProfile)>, PipelineError> {
        let session = self.repo.get_session(session_id).await?.ok_or(PipelineError::NotFound)?.value;
        if session.email_notification_sent {
            return Ok(None);
        }
        let Some(coach) = self.repo.get_coach(&session.coach_id).await? else {
            return Err(PipelineError::UnknownCoach(session.coach_id));
        };
        Ok(Some((session, coach)))
    }

    /// The coach's email for a completed session, now, once (the send record makes it once).
    async fn send_coach_email(&self, session_id: &str, session: crate::domain::WorkshopSession, coach: crate::domain::CoachProfile) -> Result<(), PipelineError> {
        let Some(lease) = self.claim_send("mail", &format!("coach-email#{session_id}"), "the coach's email").await? else {
            // Sent, and the crash came before `emailNotificationSent` was written.
            return self.mark_email_sent(session_id).await;
        };
        crate::faults::crash_point("finish:email-claimed");
        let mut participants: Vec<ParticipantSummary> =
            self.repo.list_participants(session_id).await?.into_iter().map(|v| v.value).collect();
        participants.sort_by_key(|p| p.priority.as_ref().map_or(u32::MAX, |f| f.rank));
        let unknown = self.session_input(session_id).await?.map(|i| i.unknown_speakers).unwrap_or_default();
        let links = self.review_links(&session, &participants).await?;
        let email = coach_email(&session, &coach, &participants, &unknown, &self.config.sender_email, &links);
        if let Err(e) = self.mailer.send(&email).await {
            // Give the turn back so that the retry sends.
            self.repo.send_failed(&lease).await?;
            return Err(e.into());
        }
        crate::faults::crash_point("finish:email-sent");
        self.repo.send_done(&lease).await?;
        tracing::info!(session_id = %session_id, "coach notified");
        crate::faults::crash_point("finish:email-recorded");
        self.mark_email_sent(session_id).await
    }

    /// The failure email's pointer to the transcript as received: a signed download link
    /// (read only, its own purpose) when it was kept and there is a base URL.
    async fn transcript_link(&self, session_id: &str) -> super::TranscriptLink {
        use crate::review::links::{LinkClaims, LinkPurpose, secret, sign_for, ttl_secs};
        let kept = matches!(self.session_input(session_id).await, Ok(Some(input)) if input.transcript_key.is_some());
        let mut link = super::TranscriptLink { kept, url: None, days: 0 };
        let (true, Some(base)) = (kept, &self.config.links_base) else { return link };
        let Ok(key) = secret(self.repo.store()).await else { return link };
        let ttl = ttl_secs();
        let claims = LinkClaims { session_id: session_id.to_string(), participant_id: None, expires_at: crate::clock::unix_secs().saturating_add(ttl) };
        link.url = Some(format!("{base}/v1/workshops/{session_id}/transcript?t={}", sign_for(LinkPurpose::Transcript, &key, &claims)));
        link.days = (ttl + 86_399) / 86_400;
        link
    }

    /// Signed links for the session and each priority participant, when there is a base URL.
    async fn review_links(&self, session: &crate::domain::WorkshopSession, participants: &[ParticipantSummary]) -> Result<super::ReviewLinks, PipelineError> {
        use crate::review::links::{LinkClaims, secret, sign, ttl_secs};
        let Some(base) = &self.config.links_base else { return Ok(super::ReviewLinks::default()) };
        let key = secret(self.repo.store()).await.map_err(RepoError::from)?;
        let ttl = ttl_secs();
        let expires_at = crate::clock::unix_secs().saturating_add(ttl);
        let link = |participant_id: Option<String>| {
            format!("{base}/review/{}", sign(&key, &LinkClaims { session_id: session.session_id.clone(), participant_id, expires_at }))
        };
        Ok(super::ReviewLinks {
            session: Some(link(None)),
            participants: participants.iter().filter(|p| p.priority.is_some()).map(|p| (p.participant_id.clone(), link(Some(p.participant_id.clone())))).collect(),
            days: (ttl + 86_399) / 86_400,
        })
    }

    /// POSTs the session's summary to the ingest request's `callbackUrl`, signed with
    /// HMAC-SHA256 over `{timestamp}.{body}` in `X-Debrief-Signature: sha256=<hex>` beside
    /// `X-Debrief-Timestamp`. Retried with backoff; a refusal is logged, never fatal. Sent once
    /// under a send record, like the coach's email; a receiver may still see a repeat if we
    /// die between its 2xx and our record, and deduplicates by session id and timestamp.
    async fn send_callback(&self, session_id: &str) -> Result<(), PipelineError> {
        let Some(input) = self.session_input(session_id).await? else { return Ok(()) };
        let Some(url) = input.callback_url else { return Ok(()) };
        let Some(secret) = &self.config.callback_secret else {
            tracing::warn!(session_id = %session_id, "callbackUrl given but DEBRIEF_CALLBACK_SECRET is not set; no callback sent");
            return Ok(());
        };
        let Some(lease) = self.claim_send("callback", session_id, "the callback").await? else { return Ok(()) };
        crate::faults::crash_point("finish:callback-claimed");
        let status = self.status(session_id, None).await?;
        let body = serde_json::to_string(&status).expect("status serialises");
        let ts = crate::clock::unix_secs().to_string();
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
        mac.update(format!("{ts}.{body}").as_bytes());
        let sig: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let http = match self.callback_client(&url).await {
            Ok(http) => http,
            Err(reason) => {
                tracing::warn!(session_id = %session_id, reason, "callback refused before sending");
                return Ok(self.repo.send_done(&lease).await?);
            }
        };
        for attempt in 1..=self.config.callback_attempts.max(1) {
            let r = http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-debrief-timestamp", &ts)
                .header("x-debrief-signature", format!("sha256={sig}"))
                .body(body.clone())
                .send()
                .await;
            match r {
                Ok(resp) if resp.status().is_success() => {
                    tracing::info!(session_id = %session_id, "callback delivered");
                    break;
                }
                Ok(resp) => tracing::warn!(session_id = %session_id, status = resp.status().as_u16(), attempt, "callback refused"),
                Err(e) => tracing::warn!(session_id = %session_id, timeout = e.is_timeout(), attempt, "callback failed"),
            }
            if attempt < self.config.callback_attempts {
                tokio::time::sleep(Duration::from_millis(200 * (1 << attempt))).await;
            }
        }
        // Delivered or given up on: either way it is not tried again.
        Ok(self.repo.send_done(&lease).await?)
    }

    /// What the session's request brought, from the participants' stored contexts.
    async fn received_roster(&self, session_id: &str) -> Vec<super::notify::ReceivedParticipant> {
        let Ok(page) = self.repo.store().query(&format!("SESSION#{session_id}"), "CONTEXT#", 2_000, None).await else { return Vec::new() };
        page.items
            .iter()
            .filter_map(|item| serde_json::from_str::<ParticipantContext>(&item.body).ok())
            .map(|c| super::notify::ReceivedParticipant { name: c.participant_name, email: c.email, id: c.participant_id, lines: c.utterances.len() })
            .collect()
    }

    /// Marks a session failed for good and tells the coach what to do, once.
    pub async fn fail_session(&self, session_id: &str, reason: &str) {
        for _ in 0..10 {
            let Ok(Some(current)) = self.repo.get_session(session_id).await else { return };
            if current.value.processing_status != ProcessingStatus::Processing {
                break;
            }
            let mut s = current.value;
            s.processing_status = ProcessingStatus::Failed;
            s.failure_reason = Some(reason.to_string());
            match self.repo.update_session(&s, current.version).await {
                Ok(_) => {
                    tracing::error!(session_id = %session_id, "session failed");
                    break;
                }
                Err(RepoError::Store(StoreError::Conflict)) => continue,
                Err(_) => return,
            }
        }
        let Ok(Some(session)) = self.repo.get_session(session_id).await else { return };
        if session.value.processing_status != ProcessingStatus::Failed {
            return;
        }
        let Ok(Some(coach)) = self.repo.get_coach(&session.value.coach_id).await else { return };
        if let Ok(SendTurn::Go(lease)) = self.repo.begin_send("mail", &format!("failure-email#{session_id}"), self.config.send_lease).await {
            let roster = self.received_roster(session_id).await;
            let transcript = self.transcript_link(session_id).await;
            let email = failure_email(&session.value, &coach, &self.config.sender_email, &roster, &transcript);
            let recorded = match self.mailer.send(&email).await {
                Ok(_) => self.repo.send_done(&lease).await,
                Err(e) => {
                    tracing::error!(session_id = %session_id, error = %e, "failure email not sent");
                    self.repo.send_failed(&lease).await
                }
            };
            if let Err(e) = recorded {
                tracing::error!(session_id = %session_id, error = %e, "failure email's send record not written");
            }
        }
    }

    /// A batch of queue messages `(id, body, receive_count)`, handled concurrently; returns the
    /// ids that failed (for Lambda's `batchItemFailures`), so one bad message never sends its
    /// batch-mates back.
    pub async fn handle_batch(&self, messages: Vec<(String, String, u32)>) -> Vec<String> {
        let results = futures_util::future::join_all(messages.iter().map(|(_, body, count)| self.handle_message(body, *count))).await;
        messages.into_iter().zip(results).filter(|(_, r)| r.is_err()).map(|((id, _, _), _)| id).collect()
    }
}

/// Lambda's SQS batch: every record handled, the failed ones reported in
/// `batchItemFailures` (the event source mapping has `ReportBatchItemFailures` on).
pub async fn sqs_batch<S, Q, M, A>(
    pipeline: &Pipeline<S, Q, M, A>,
    event: aws_lambda_events::event::sqs::SqsEvent,
) -> aws_lambda_events::event::sqs::SqsBatchResponse
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser,
{
    crate::lambda_sqs::failures(pipeline.handle_batch(crate::lambda_sqs::records(event)).await)
}

/// Runs the analysis worker on a queue until `shutdown` resolves: leases up to `concurrency`
/// messages at a time, acknowledges each one that was handled.
pub async fn run_worker<S, Q, M, A>(
    pipeline: Arc<Pipeline<S, Q, M, A>>,
    concurrency: usize,
    lease: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    tokio::pin!(shutdown);
    loop {
        let free = slots.available_permits();
        if free == 0 {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(Duration::from_millis(20)) => continue,
            }
        }
        let received = tokio::select! {
            _ = &mut shutdown => return,
            r = pipeline.queue.receive(free.min(10), lease, Duration::from_millis(500)) => r,
        };
        let messages = match received {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for m in messages {
            let permit = slots.clone().acquire_owned().await.expect("semaphore open");
            let p = pipeline.clone();
            tokio::spawn(async move {
                if p.handle_message(&m.body, m.receive_count).await.is_ok() {
                    if let Err(e) = p.queue.ack(&m.receipt).await {
                        tracing::error!(error = %e, "ack failed");
                    }
                }
                drop(permit);
            });
        }
    }
}

/// The session's running model spend (micro-USD), for the budget.
fn spend_key(session_id: &str) -> crate::ports::store::Key {
    crate::ports::store::Key::new(format!("SESSION#{session_id}"), "SPEND")
}
