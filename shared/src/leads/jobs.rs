//! Scoring jobs on a queue (SQS with a dead-letter queue in AWS, the embedded queue locally):
//! triggers enqueue contact ids and answer at once; the consumer scores them in batches. A
//! record HubSpot refuses for good (a validation 400) and a job no retry can help go to the
//! dead-letter queue with the reason; anything else is retried (Lambda reports it in
//! `batchItemFailures`, so its batch-mates are not sent back).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::scorer::{JobOutcome, LeadScorer, ScoringError};
use crate::hubspot::worker::CrmConnector;
use crate::ports::{Mailer, Queue, QueueError, Store};

/// Contact ids a job holds at most (one HubSpot batch).
pub const JOB_SIZE: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadJob {
    pub contact_ids: Vec<String>,
    /// What asked for it: `workflow-action`, `webhook`, `sweep`, `cli`.
    pub trigger: String,
}

/// Enqueues `contact_ids` (deduplicated, digits only) in jobs of [`JOB_SIZE`]; the number of jobs.
pub async fn enqueue<Q: Queue>(queue: &Q, contact_ids: &[String], trigger: &str) -> Result<usize, QueueError> {
    let mut ids: Vec<String> = contact_ids.iter().map(|s| s.trim().to_string()).filter(|s| is_contact_id(s)).collect();
    ids.sort();
    ids.dedup();
    let bodies: Vec<String> =
        ids.chunks(JOB_SIZE).map(|c| serde_json::to_string(&LeadJob { contact_ids: c.to_vec(), trigger: trigger.into() }).expect("JSON")).collect();
    for batch in bodies.chunks(10) {
        queue.send_batch(batch).await?;
    }
    Ok(bodies.len())
}

pub fn is_contact_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The scorer and the HubSpot connection it reads and writes through.
pub struct LeadJobs<S, M> {
    pub scorer: LeadScorer<S, M>,
    pub connector: Arc<CrmConnector>,
}

impl<S: Store + Clone, M: Mailer> LeadJobs<S, M> {
    pub async fn run(&self, contact_ids: &[String]) -> Result<JobOutcome, ScoringError> {
        let (_, api) = self.connector.connect(&self.scorer.store).await?;
        self.scorer.run(&api, contact_ids).await
    }

    /// One queue message. `true`: acknowledge it (done, or dead-lettered with the reason);
    /// `false`: try again later.
    pub async fn handle_message<Q: Queue>(&self, dead_letters: &Q, body: &str) -> bool {
        let job: LeadJob = match serde_json::from_str(body) {
            Ok(j) => j,
            Err(e) => return dead_letters.dead_letter(&json!({"message": body, "error": format!("unreadable job: {e}")}).to_string()).await.is_ok(),
        };
        let result = self.run(&job.contact_ids).await;
        crate::ops::record_run(&self.scorer.store, "lead-score", result.is_ok()).await;
        match result {
            Ok(outcome) => {
                tracing::info!(scored = outcome.scored.len(), unchanged = outcome.unchanged.len(), written = outcome.written.len(), refused = outcome.refused.len(), "lead job done");
                for (id, message) in &outcome.refused {
                    if dead_letters.dead_letter(&json!({"job": {"contactIds": [id], "trigger": job.trigger}, "error": format!("HubSpot refused the write: {message}")}).to_string()).await.is_err() {
                        return false;
                    }
                }
                true
            }
            Err(e) if e.is_permanent() => {
                tracing::error!(error = %e, "lead job dead-lettered");
                dead_letters.dead_letter(&json!({"job": job, "error": e.to_string()}).to_string()).await.is_ok()
            }
            Err(e) => {
                tracing::warn!(error = %e, "lead job will be retried");
                false
            }
        }
    }

    /// The `lead-score` function's event: an SQS batch (`Records`) or the scheduled sweep.
    pub async fn lambda_event<Q: Queue>(&self, queue: &Q, event: serde_json::Value) -> Result<serde_json::Value, String> {
        if event.get("Records").is_some() {
            let batch: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(event).map_err(|e| format!("not an SQS event: {e}"))?;
            return Ok(serde_json::to_value(self.sqs_batch(queue, batch).await).expect("JSON"));
        }
        let (_, api) = self.connector.connect(&self.scorer.store).await.map_err(|e| e.to_string())?;
        let report = super::sweep::sweep(&self.scorer.store, queue, &api, crate::clock::unix_millis()).await;
        crate::ops::record_run(&self.scorer.store, "lead-sweep", report.is_ok()).await;
        let report = report.map_err(|e| e.to_string())?;
        tracing::info!(changed = report.changed_in_hubspot, rescored = report.rescored_for_icp, jobs = report.jobs, "lead sweep done");
        Ok(super::sweep::report_json(&report))
    }

    /// Lambda's SQS batch: failed records in `batchItemFailures`.
    pub async fn sqs_batch<Q: Queue>(&self, dead_letters: &Q, event: aws_lambda_events::event::sqs::SqsEvent) -> aws_lambda_events::event::sqs::SqsBatchResponse {
        let mut failed = Vec::new();
        for (id, body, _) in crate::lambda_sqs::records(event) {
            if !self.handle_message(dead_letters, &body).await {
                failed.push(id);
            }
        }
        crate::lambda_sqs::failures(failed)
    }
}
