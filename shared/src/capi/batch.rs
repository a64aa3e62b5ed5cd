//! The scheduled send: pending events of one pixel and mode, oldest first, in requests of at
//! most 1,000 events.
//!
//! - **One sender per pixel and mode.** A run takes a lease (a lock item created only if
//!   absent, expiring after `lease`); a concurrent run finds it taken and skips that pixel, so
//!   two runs never send the same event. The lease outlives the function's timeout.
//! - **Ages re-checked before every request**: an event that left Meta's window is dropped
//!   (status `expired`, counted and logged without personal data), because one stale event
//!   makes Meta fail the whole request.
//! - **Retries** on throttling, 5xx and timeouts: exponential backoff with full jitter.
//! - **A refused request is bisected**: Meta fails a whole request for one bad event, so the
//!   halves are sent separately until the bad event stands alone; it is marked `failed` with
//!   Meta's message and the others go through.
//! - **A crash between Meta's answer and the bookkeeping loses nothing**: the events are still
//!   pending and are sent again by the next run, and Meta discards the repeat because it
//!   deduplicates events with the same `event_id` and `event_name` (within 48 hours).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;

use crate::clock::{unix_millis, unix_secs};
use super::records::{self, BatchRecord, EventStatus, Mode, Stats, StoredEvent};
use crate::ports::ads::MAX_EVENTS_PER_REQUEST;
use crate::ports::{AdsError, ConversionsApi, EventsRequest, Item, Key, Store, StoreError};

#[derive(Debug, Clone)]
pub struct SendConfig {
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// How long a run holds a pixel; longer than the function's timeout.
    pub lease: Duration,
    pub max_events_per_request: usize,
}

impl Default for SendConfig {
    fn default() -> Self {
        Self {
            attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            lease: Duration::from_secs(15 * 60),
            max_events_per_request: MAX_EVENTS_PER_REQUEST,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored event {0} is unreadable: {1}")]
    Corrupt(String, String),
}

/// What one run did for one pixel and mode.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PixelReport {
    pub pixel_id: String,
    pub mode: Option<Mode>,
    /// Another run holds this pixel's lease.
    pub busy: bool,
    pub requests: usize,
    pub sent: usize,
    pub failed: usize,
    pub expired: usize,
    /// Why the run stopped early (events stay pending for the next run).
    pub stopped: Option<String>,
}

struct Pending {
    item: Item,
    body: StoredEvent,
}



fn new_batch_id() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the OS random source works");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn backoff(cfg: &SendConfig, attempt: u32) -> Duration {
    let cap = cfg
        .base_delay
        .saturating_mul(1u32 << attempt.min(16))
        .min(cfg.max_delay);
    // Full jitter: concurrent senders spread out instead of retrying in step.
    cap.mul_f64(fastrand::f64())
}

/// Sends everything pending for `pixel` in `mode`. `test_event_code` must be given exactly in
/// test mode: a test event never reaches a live request and a live event never a test one.
pub async fn send_pending<S: Store, C: ConversionsApi>(
    store: &S,
    api: &C,
    pixel: &str,
    mode: Mode,
    test_event_code: Option<&str>,
    cfg: &SendConfig,
) -> Result<PixelReport, SendError> {
    assert_eq!(
        mode == Mode::Test,
        test_event_code.is_some(),
        "test mode and test_event_code go together"
    );
    let mut report = PixelReport {
        pixel_id: pixel.to_string(),
        mode: Some(mode),
        ..Default::default()
    };
    let lock = records::lock_key(mode, pixel);
    let mut lock_item = Item::new(lock.clone(), format!(r#"{{"takenAt":{}}}"#, unix_secs()));
    lock_item.expires_at = Some(unix_secs() + cfg.lease.as_secs() as i64);
    match store.put_new(&lock_item).await {
        Ok(()) => {}
        Err(StoreError::AlreadyExists) => {
            report.busy = true;
            return Ok(report);
        }
        Err(e) => return Err(e.into()),
    }
    let mut run = Run {
        store,
        api,
        pixel,
        mode,
        test_event_code,
        cfg,
        report,
    };
    let result = run.send_locked().await;
    // A failed release only delays the next run until the lease expires.
    if let Err(e) = store.delete(&lock).await {
        tracing::warn!(error = %e, pixel, "could not release the send lease");
    }
    result.map(|()| run.report)
}

/// One run for one pixel and mode, holding its lease.
struct Run<'a, S, C> {
    store: &'a S,
    api: &'a C,
    pixel: &'a str,
    mode: Mode,
    test_event_code: Option<&'a str>,
    cfg: &'a SendConfig,
    report: PixelReport,
}

enum Outcome {
    Sent,
    Rejected(String),
    Stop(String),
}

impl<S: Store, C: ConversionsApi> Run<'_, S, C> {
    async fn send_locked(&mut self) -> Result<(), SendError> {
        let Run {
            store,
            pixel,
            mode,
            cfg,
            ..
        } = *self;
        let index = records::pending_index(mode, pixel);
        // The index may lag a write by a moment: never look at an event twice in one run.
        let mut handled: HashSet<Key> = HashSet::new();
        let mut empty_rounds = 0;
        loop {
            let page = store
                .query_index_desc(&index, cfg.max_events_per_request, None)
                .await?;
            let mut chunk = Vec::new();
            for item in page.items {
                if handled.contains(&item.key) {
                    continue;
                }
                let body: StoredEvent = serde_json::from_str(&item.body)
                    .map_err(|e| SendError::Corrupt(item.key.pk.clone(), e.to_string()))?;
                if body.status != EventStatus::Pending {
                    continue;
                }
                handled.insert(item.key.clone());
                chunk.push(Pending { item, body });
            }
            if chunk.is_empty() {
                if page.cursor.is_none() || empty_rounds >= 5 {
                    return Ok(());
                }
                empty_rounds += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            empty_rounds = 0;
            if let Some(stop) = self.send_chunk(chunk).await? {
                self.report.stopped = Some(stop);
                return Ok(());
            }
        }
    }

    /// Sends one page; returns why the run must stop, if it must.
    async fn send_chunk(&mut self, chunk: Vec<Pending>) -> Result<Option<String>, SendError> {
        let Run {
            store,
            api,
            pixel,
            mode,
            test_event_code,
            cfg,
            ..
        } = *self;
        let mut stack = vec![chunk];
        while let Some(mut events) = stack.pop() {
            let batch_id = new_batch_id();
            let started_ms = unix_millis();
            let started = Instant::now();
            let mut record = BatchRecord {
                batch_id: batch_id.clone(),
                pixel_id: pixel.to_string(),
                mode,
                started_at: started_ms / 1000,
                events: 0,
                outcome: String::new(),
                events_received: None,
                fbtrace_id: None,
                messages: Vec::new(),
                errors: Vec::new(),
                attempts: 0,
                duration_ms: 0,
            };
            let mut outcome = Outcome::Stop("no attempt made".into());
            for attempt in 0..cfg.attempts.max(1) {
                let now = unix_secs();
                let (fresh, stale): (Vec<Pending>, Vec<Pending>) = events
                    .into_iter()
                    .partition(|p| now.checked_sub(p.body.event_time).is_some_and(|age| age <= p.body.max_age_secs));
                events = fresh;
                if !stale.is_empty() {
                    tracing::warn!(
                        pixel,
                        mode = mode.as_str(),
                        count = stale.len(),
                        "events aged out of Meta's window before sending; dropped"
                    );
                    let n = stale.len() as u64;
                    self.report.expired += stale.len();
                    finish(
                        store,
                        stale,
                        EventStatus::Expired,
                        &batch_id,
                        Some("older than Meta's window when it was to be sent".into()),
                    )
                    .await?;
                    add_stats(store, mode, pixel, |s| s.expired += n).await?;
                }
                if events.is_empty() {
                    outcome = Outcome::Sent;
                    break;
                }
                let data: Vec<&RawValue> = events.iter().map(|p| p.body.event.as_ref()).collect();
                record.attempts = attempt + 1;
                record.events = data.len();
                self.report.requests += 1;
                match api
                    .send(EventsRequest {
                        pixel_id: pixel,
                        data: &data,
                        test_event_code,
                    })
                    .await
                {
                    Ok(receipt) => {
                        record.events_received = Some(receipt.events_received);
                        record.fbtrace_id = receipt.fbtrace_id;
                        record.messages = receipt.messages;
                        outcome = Outcome::Sent;
                        break;
                    }
                    Err(AdsError::Invalid {
                        message,
                        fbtrace_id,
                    }) => {
                        record.fbtrace_id = fbtrace_id;
                        record.errors.push(message.clone());
                        outcome = Outcome::Rejected(message);
                        break;
                    }
                    Err(e @ AdsError::Auth(_)) => {
                        record.errors.push(e.to_string());
                        outcome = Outcome::Stop(e.to_string());
                        break;
                    }
                    Err(e) => {
                        record.errors.push(e.to_string());
                        outcome =
                            Outcome::Stop(format!("gave up after {} attempts: {e}", attempt + 1));
                        if attempt + 1 < cfg.attempts {
                            tokio::time::sleep(backoff(cfg, attempt)).await;
                        }
                    }
                }
            }
            record.duration_ms = started.elapsed().as_millis() as u64;
            if events.is_empty() && record.attempts == 0 {
                continue;
            }
            match outcome {
                Outcome::Sent => {
                    record.outcome = "sent".into();
                    let n = events.len();
                    save_batch(store, &record, started_ms).await?;
                    finish(store, events, EventStatus::Sent, &batch_id, None).await?;
                    self.report.sent += n;
                    add_stats(store, mode, pixel, |s| s.sent += n as u64).await?;
                }
                Outcome::Rejected(message) => {
                    record.outcome = "rejected".into();
                    save_batch(store, &record, started_ms).await?;
                    if events.len() > 1 {
                        let right = events.split_off(events.len() / 2);
                        stack.push(right);
                        stack.push(events);
                    } else {
                        tracing::warn!(pixel, mode = mode.as_str(), batch = %batch_id, "Meta refused one event; marked failed");
                        self.report.failed += 1;
                        finish(store, events, EventStatus::Failed, &batch_id, Some(message))
                            .await?;
                        add_stats(store, mode, pixel, |s| s.failed += 1).await?;
                    }
                }
                Outcome::Stop(why) => {
                    record.outcome = if why.contains("access token") {
                        "auth".into()
                    } else {
                        "gave_up".into()
                    };
                    save_batch(store, &record, started_ms).await?;
                    tracing::error!(pixel, mode = mode.as_str(), batch = %batch_id, reason = %why, "stopped sending; events stay pending");
                    return Ok(Some(why));
                }
            }
        }
        Ok(None)
    }
}

/// Takes events out of the pending index with their final status (one batched write).
async fn finish<S: Store>(
    store: &S,
    events: Vec<Pending>,
    status: EventStatus,
    batch_id: &str,
    error: Option<String>,
) -> Result<(), SendError> {
    let now = unix_secs();
    let mut items = Vec::with_capacity(events.len());
    for Pending { mut item, mut body } in events {
        body.status = status;
        body.batch_id = Some(batch_id.to_string());
        body.finished_at = Some(now);
        body.error = error.clone();
        item.body = serde_json::to_string(&body).expect("JSON");
        item.index = None;
        item.version += 1;
        items.push(item);
    }
    store.put_all(&items).await?;
    Ok(())
}

async fn save_batch<S: Store>(
    store: &S,
    record: &BatchRecord,
    started_ms: i64,
) -> Result<(), SendError> {
    let mut item = Item::new(
        records::batch_key(record.mode, &record.pixel_id, started_ms, &record.batch_id),
        serde_json::to_string(record).expect("JSON"),
    );
    item.expires_at = Some(started_ms / 1000 + 30 * 86400);
    store.put_all(std::slice::from_ref(&item)).await?;
    Ok(())
}

/// Counts are changed only under the pixel's lease, so read-modify-write is safe; the version
/// check still guards against a lease that expired under a slow run.
async fn add_stats<S: Store>(
    store: &S,
    mode: Mode,
    pixel: &str,
    f: impl Fn(&mut Stats),
) -> Result<(), SendError> {
    let key = records::stats_key(mode, pixel);
    for _ in 0..5 {
        match store.get(&key).await? {
            None => {
                let mut s = Stats::default();
                f(&mut s);
                match store
                    .put_new(&Item::new(
                        key.clone(),
                        serde_json::to_string(&s).expect("JSON"),
                    ))
                    .await
                {
                    Err(StoreError::AlreadyExists) => continue,
                    other => return Ok(other?),
                }
            }
            Some(mut item) => {
                let mut s: Stats = serde_json::from_str(&item.body).unwrap_or_default();
                f(&mut s);
                item.body = serde_json::to_string(&s).expect("JSON");
                let v = item.version;
                match store.update(&item, v).await {
                    Err(StoreError::Conflict) => continue,
                    other => return other.map(|_| ()).map_err(Into::into),
                }
            }
        }
    }
    Err(StoreError::Conflict.into())
}
