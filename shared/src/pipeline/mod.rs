//! The workshop pipeline: ingest (validate, parse, store, fan out one message per
//! participant), analyze (one participant per message), finish (fan-in: priority clients,
//! session completed, the coach's email, the callback). Plain async functions over the ports,
//! hosted by Lambda in AWS and by `debrief serve` locally.
//!
//! Finish runs as the tail of analyze, in the invocation that sees the last participant done:
//! no extra queue or function, and the exactly-once rules live in one place (see `worker`).

pub mod ingest;
pub mod messages;
mod notify;
pub mod worker;

use std::time::Duration;

use crate::analysis::{EngagementThresholds, PriorityRules};
use crate::ports::{Mailer, Queue, Store};
use crate::repo::{Repo, RepoError};

pub use ingest::{IngestAccepted, IngestRequest, SessionStatus};
pub use notify::{ReviewLinks, TranscriptLink, coach_email, failure_email, html_escape};

/// Settings read once at start-up.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// The verified sender for the coach's notifications (`DEBRIEF_SENDER_EMAIL`).
    pub sender_email: String,
    /// Receives of one message before it is given up (the DLQ's `maxReceiveCount`).
    pub max_receives: u32,
    /// Signs callbacks to Make.com (`DEBRIEF_CALLBACK_SECRET`); unsigned callbacks are not sent.
    pub callback_secret: Option<String>,
    /// Absolute base for `statusUrl` (`DEBRIEF_PUBLIC_URL`); relative when unset.
    pub public_base_url: Option<String>,
    pub idempotency_ttl: Duration,
    /// The largest transcript accepted, in bytes (`DEBRIEF_MAX_TRANSCRIPT_BYTES`).
    pub max_transcript_bytes: usize,
    pub engagement: EngagementThresholds,
    pub priority: PriorityRules,
    pub callback_attempts: u32,
    /// How long a claimed send (an email, the callback, the CRM message) is its claimer's
    /// before another worker may take it over (`DEBRIEF_SEND_LEASE_SECS`). Keep it below the
    /// queue's visibility timeout, so a crashed claimer's redelivered message finds it expired.
    pub send_lease: Duration,
    /// Where the review links in the coach's email point (`DEBRIEF_PUBLIC_URL`; `debrief serve`
    /// uses its own address when that is unset). No links without it.
    pub links_base: Option<String>,
    /// Allows callbacks to loopback and private addresses (`DEBRIEF_CALLBACK_ALLOW_PRIVATE=1`):
    /// for local development and tests only.
    pub callback_allow_private: bool,
    /// The most a session may spend on model calls, in micro-USD (`DEBRIEF_LLM_SESSION_BUDGET_USD`);
    /// past it the built-in analyser stands in, labelled. Needs `DEBRIEF_LLM_PRICES`.
    pub llm_session_budget_micro_usd: Option<u64>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            sender_email: "debrief@example.com".into(),
            max_receives: 5,
            callback_secret: None,
            public_base_url: None,
            idempotency_ttl: Duration::from_secs(7 * 24 * 3600),
            max_transcript_bytes: 5 * 1024 * 1024,
            engagement: EngagementThresholds::default(),
            priority: PriorityRules::default(),
            callback_attempts: 3,
            send_lease: Duration::from_secs(60),
            links_base: None,
            callback_allow_private: false,
            llm_session_budget_micro_usd: None,
        }
    }
}

impl PipelineConfig {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut c = Self::default();
        if let Some(v) = var("DEBRIEF_SENDER_EMAIL") {
            c.sender_email = v;
        }
        if let Some(v) = var("DEBRIEF_MAX_RECEIVES").and_then(|v| v.parse().ok()) {
            c.max_receives = v;
        }
        c.llm_session_budget_micro_usd = var("DEBRIEF_LLM_SESSION_BUDGET_USD").and_then(|v| v.parse::<f64>().ok()).map(|usd| (usd * 1e6).round() as u64);
        c.callback_secret = var("DEBRIEF_CALLBACK_SECRET");
        c.public_base_url = var("DEBRIEF_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string());
        c.links_base = c.public_base_url.clone();
        if let Some(v) = var("DEBRIEF_MAX_TRANSCRIPT_BYTES").and_then(|v| v.parse().ok()) {
            c.max_transcript_bytes = v;
        }
        if let Some(v) = var("DEBRIEF_SEND_LEASE_SECS").and_then(|v| v.parse().ok()) {
            c.send_lease = Duration::from_secs(v);
        }
        c.callback_allow_private = var("DEBRIEF_CALLBACK_ALLOW_PRIVATE").is_some_and(|v| v == "1" || v == "true");
        c
    }
}

/// Everything the pipeline talks to, built once per process.
pub struct Pipeline<S, Q, M, A> {
    pub repo: Repo<S>,
    pub queue: Q,
    /// The `crm-sync` queue: completed sessions and coach edits go to HubSpot through it.
    pub crm_queue: Option<Q>,
    /// Lead-scoring jobs (hosted beside the pipeline by `debrief serve`; its own function in AWS).
    pub leads_queue: Option<Q>,
    /// Client-health events (hosted beside the pipeline by `debrief serve`; the
    /// `health-events` function in AWS).
    pub health_queue: Option<Q>,
    pub mailer: M,
    pub analyser: A,
    pub config: PipelineConfig,
    /// Where transcripts are kept for `reanalyze` and the failure email; none, none kept.
    pub archive: Option<crate::adapters::TranscriptArchive>,
}

impl<S, Q: Clone, M, A> Pipeline<S, Q, M, A> {
    /// Every queue this process knows, by the name the health check shows.
    pub fn named_queues(&self) -> Vec<(String, Q)> {
        let mut queues = vec![("analysis".to_string(), self.queue.clone())];
        for (name, q) in [("crm", &self.crm_queue), ("leads", &self.leads_queue), ("health-events", &self.health_queue)] {
            queues.extend(q.clone().map(|q| (name.to_string(), q)));
        }
        queues
    }
}

impl<S: Store, Q: Queue, M: Mailer, A: crate::analysis::Analyser> Pipeline<S, Q, M, A> {
    pub fn new(store: S, queue: Q, mailer: M, analyser: A, config: PipelineConfig) -> Self {
        Self { repo: Repo::new(store), queue, crm_queue: None, leads_queue: None, health_queue: None, mailer, analyser, config, archive: None }
    }

    pub fn with_archive(mut self, archive: crate::adapters::TranscriptArchive) -> Self {
        self.archive = Some(archive);
        self
    }

    pub fn with_leads_queue(mut self, queue: Q) -> Self {
        self.leads_queue = Some(queue);
        self
    }

    pub fn with_health_queue(mut self, queue: Q) -> Self {
        self.health_queue = Some(queue);
        self
    }

    pub fn with_crm_queue(mut self, queue: Q) -> Self {
        self.crm_queue = Some(queue);
        self
    }

    /// Tells the CRM sync (when there is one) what changed.
    pub async fn notify_crm(&self, message: &crate::hubspot::sync::CrmMessage) -> Result<(), crate::ports::QueueError> {
        match &self.crm_queue {
            Some(q) => q.send_batch(&[serde_json::to_string(message).expect("JSON")]).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// A client for one callback that can reach only `url`'s public addresses: the host is
    /// resolved here, every address checked, and the connection pinned to the checked
    /// addresses (DNS cannot answer differently at connect time); redirects are not followed.
    /// Built per callback (once a session), so no cold start pays for TLS roots.
    pub(crate) async fn callback_client(&self, url: &str) -> Result<reqwest::Client, &'static str> {
        let parsed = reqwest::Url::parse(url).map_err(|_| "not a URL")?;
        let host = parsed.host_str().ok_or("no host")?.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = parsed.port_or_known_default().ok_or("no port")?;
        let addrs: Vec<std::net::SocketAddr> = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![std::net::SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port)).await.map_err(|_| "the host does not resolve")?.collect(),
        };
        if addrs.is_empty() {
            return Err("the host does not resolve");
        }
        if !self.config.callback_allow_private && addrs.iter().any(|a| !crate::net::is_public(a.ip())) {
            return Err("the host resolves to a loopback, private or link-local address");
        }
        crate::net::client_builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .resolve_to_addrs(&host, &addrs)
            .build()
            .map_err(|_| "no HTTP client")
    }
}

/// Why a pipeline step did not complete.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Input(#[from] crate::error::InputError),
    #[error("unknown coach `{0}`: add the coach profile first (`debrief coaches add FILE`)")]
    UnknownCoach(String),
    #[error("not found")]
    NotFound,
    #[error("the transcript is {0} bytes; the limit is {1}")]
    TooLarge(usize, usize),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("queue: {0}")]
    Queue(#[from] crate::ports::QueueError),
    #[error("mail: {0}")]
    Mail(#[from] crate::ports::MailError),
    #[error(transparent)]
    Archive(#[from] crate::ports::ArchiveError),
    /// A re-analysis that cannot be done, and what to do instead.
    #[error("{0}")]
    CannotReanalyze(String),
    #[error("{0} is being sent by another worker; try again after its lease")]
    SendInProgress(&'static str),
    #[error("{0}")]
    Message(String),
}
