//! The operator's daily checks in one answer (`GET /v1/health`, `debrief health`): whether each
//! HubSpot connection's credentials still work, how deep each queue and its dead-letter queue
//! are, and per background job its error rate over the last 24 hours and its last success.
//! Jobs report each run with [`record_run`] (two counters a day, one timestamp).

use serde::Serialize;

use crate::ports::{CrmApi, CrmError, CrmRequest, Item, Key, Queue, QueueDepth, Store, StoreError};

fn day(unix_secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_secs).map(|t| t.date().to_string()).unwrap_or_default()
}

async fn bump<S: Store>(store: &S, key: Key) -> Result<(), StoreError> {
    for _ in 0..3 {
        match store.add_to_counter(&key, 1).await {
            Ok(_) => return Ok(()),
            Err(StoreError::NotFound) => {
                let mut item = Item::new(key.clone(), "{}");
                item.counter = 1;
                // Kept a week: the check reads the last two days.
                item.expires_at = Some(crate::clock::unix_secs() + 7 * 86_400);
                match store.put_new(&item).await {
                    Ok(()) => return Ok(()),
                    Err(StoreError::AlreadyExists) => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Counts one run of `job` (succeeded or not) for the health check. Failing to count never
/// fails the job: the error is logged.
pub async fn record_run<S: Store>(store: &S, job: &str, ok: bool) {
    let now = crate::clock::unix_secs();
    let outcome = if ok { "OK" } else { "FAILED" };
    let mut result = bump(store, Key::new(format!("JOBSTATS#{job}"), format!("DAY#{}#{outcome}", day(now)))).await;
    if ok && result.is_ok() {
        let body = serde_json::json!({"at": crate::clock::now_rfc3339()}).to_string();
        result = store.put_all(&[Item::new(Key::new(format!("JOBSTATS#{job}"), "LAST_SUCCESS"), body)]).await;
    }
    if let Err(e) = result {
        tracing::warn!(job, error = %e, "could not count the job run for the health check");
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobHealth {
    pub job: String,
    /// Runs today and yesterday (UTC days): close to the last 24 hours.
    pub runs: i64,
    pub failed: i64,
    pub error_rate: f64,
    pub last_success: Option<String>,
}

pub async fn job_health<S: Store>(store: &S, job: &str) -> Result<JobHealth, StoreError> {
    let now = crate::clock::unix_secs();
    let pk = format!("JOBSTATS#{job}");
    let mut ok = 0;
    let mut failed = 0;
    for d in [day(now), day(now - 86_400)] {
        ok += store.get(&Key::new(pk.clone(), format!("DAY#{d}#OK"))).await?.map_or(0, |i| i.counter);
        failed += store.get(&Key::new(pk.clone(), format!("DAY#{d}#FAILED"))).await?.map_or(0, |i| i.counter);
    }
    let last_success = store
        .get(&Key::new(pk, "LAST_SUCCESS"))
        .await?
        .and_then(|i| serde_json::from_str::<serde_json::Value>(&i.body).ok())
        .and_then(|v| v["at"].as_str().map(str::to_string));
    let runs = ok + failed;
    Ok(JobHealth { job: job.into(), runs, failed, error_rate: if runs > 0 { failed as f64 / runs as f64 } else { 0.0 }, last_success })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueueHealth {
    pub queue: String,
    #[serde(flatten)]
    pub depth: Option<QueueDepth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn queue_health<Q: Queue>(name: &str, queue: &Q) -> QueueHealth {
    match queue.depth().await {
        Ok(d) => QueueHealth { queue: name.into(), depth: Some(d), error: None },
        Err(e) => QueueHealth { queue: name.into(), depth: None, error: Some(e.to_string()) },
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PortalHealth {
    pub portal: String,
    /// `dry run`, `static token` (service key or private app) or `oauth`.
    pub credentials: String,
    /// `valid`, or why not.
    pub token: String,
}

/// One cheap authenticated read (`GET` one owner) through the connection, refreshing an OAuth
/// token if it must, as any real call would.
pub async fn portal_health<C: CrmApi>(portal: &str, credentials: &str, api: &C) -> PortalHealth {
    let token = if credentials == "dry run" {
        "not checked: no credentials (the dry run records requests)".to_string()
    } else {
        match api.call(&CrmRequest::get(format!("{}?limit=1", crate::hubspot::api::owners()))).await {
            Ok(r) if r.status < 300 => "valid".into(),
            Ok(r) => format!("HubSpot answered {}", r.status),
            Err(CrmError::Unauthorized(_)) => "refused: reconnect HubSpot or replace the key".into(),
            Err(CrmError::MissingScopes(m)) => format!("missing scopes: {m}"),
            Err(e) => format!("unchecked: {e}"),
        }
    };
    PortalHealth { portal: portal.into(), credentials: credentials.into(), token }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok`, or `attention` when a token is refused, a dead-letter queue holds messages, or a
    /// job failed more than a tenth of its runs.
    pub status: String,
    pub checked_at: String,
    pub hubspot: Vec<PortalHealth>,
    pub queues: Vec<QueueHealth>,
    pub jobs: Vec<JobHealth>,
}

impl Health {
    pub fn new(hubspot: Vec<PortalHealth>, queues: Vec<QueueHealth>, jobs: Vec<JobHealth>) -> Self {
        let attention = hubspot.iter().any(|p| p.token != "valid" && !p.token.starts_with("not checked"))
            || queues.iter().any(|q| q.error.is_some() || q.depth.is_some_and(|d| d.dead_letters > 0))
            || jobs.iter().any(|j| j.runs > 0 && j.error_rate > 0.1);
        Self { status: if attention { "attention" } else { "ok" }.into(), checked_at: crate::clock::now_rfc3339(), hubspot, queues, jobs }
    }
}
