//! One request budget per portal, kept in the store so every Lambda (and every `debrief serve`
//! worker) of a portal draws from it. HubSpot counts a rolling window (100 requests per 10 s on
//! Free/Starter, 190 on Professional/Enterprise) plus a daily cap; the budget is split into ten
//! one-second slots of 9 % of the limit each, so any rolling window sees at most 99 % of it.

use std::time::Duration;

use crate::clock::unix_millis;
use crate::ports::{Item, Key, Store, StoreError};

#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Requests per `interval` (HubSpot's documented burst limit).
    pub max_requests: u32,
    pub interval: Duration,
    /// Requests per UTC day; `None` for no cap.
    pub daily: Option<u64>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self { max_requests: 100, interval: Duration::from_secs(10), daily: Some(250_000) }
    }
}

impl RateLimits {
    /// `DEBRIEF_HUBSPOT_TIER`: `free`/`starter` (100 per 10 s, 250,000 a day) or
    /// `professional`/`enterprise` (190 per 10 s, 625,000 / 1,000,000 a day);
    /// `DEBRIEF_HUBSPOT_MAX_REQUESTS`, `DEBRIEF_HUBSPOT_INTERVAL_MS` and
    /// `DEBRIEF_HUBSPOT_DAILY_LIMIT` override.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut r = match var("DEBRIEF_HUBSPOT_TIER").as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("professional") => Self { max_requests: 190, daily: Some(625_000), ..Self::default() },
            Some("enterprise") => Self { max_requests: 190, daily: Some(1_000_000), ..Self::default() },
            _ => Self::default(),
        };
        if let Some(v) = var("DEBRIEF_HUBSPOT_MAX_REQUESTS").and_then(|v| v.parse().ok()) {
            r.max_requests = v;
        }
        if let Some(v) = var("DEBRIEF_HUBSPOT_INTERVAL_MS").and_then(|v| v.parse().ok()) {
            r.interval = Duration::from_millis(v);
        }
        if let Some(v) = var("DEBRIEF_HUBSPOT_DAILY_LIMIT").and_then(|v| v.parse().ok()) {
            r.daily = Some(v);
        }
        r
    }

    fn slot(&self) -> Duration {
        self.interval / 10
    }

    fn per_slot(&self) -> i64 {
        ((self.max_requests as f64 * 0.09).floor() as i64).max(1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RateError {
    #[error("the daily request budget for this portal is spent")]
    Daily,
    #[error(transparent)]
    Store(#[from] StoreError),
}


/// Adds one to a counter item, creating it (with an expiry) if absent.
async fn bump<S: Store>(store: &S, key: &Key, expires_at: i64) -> Result<i64, StoreError> {
    loop {
        match store.add_to_counter(key, 1).await {
            Ok(n) => return Ok(n),
            Err(StoreError::NotFound) => {
                let mut item = Item::new(key.clone(), "{}");
                item.expires_at = Some(expires_at);
                match store.put_new(&item).await {
                    Ok(()) | Err(StoreError::AlreadyExists) => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// HubSpot's CRM search limit is 4 requests a second per portal (on top of the general
/// budget): one per 334 ms slot, so any rolling second touches at most four slots.
const SEARCH_SLOT_MS: i64 = 334;

/// Waits for a slot in `portal`'s budget (and, for a search request, in the search budget);
/// `Err(Daily)` when the day's budget is spent.
pub async fn acquire<S: Store>(store: &S, portal: &str, limits: &RateLimits, search: bool) -> Result<(), RateError> {
    if search {
        wait_for_slot(store, &format!("HSRATE#{portal}#SEARCH"), SEARCH_SLOT_MS, 1).await?;
    }
    if let Some(daily) = limits.daily {
        let day = unix_millis() / 86_400_000;
        let used = bump(store, &Key::new(format!("HSRATE#{portal}#DAY#{day}"), "COUNT"), (day + 2) * 86_400).await?;
        if used as u64 > daily {
            return Err(RateError::Daily);
        }
    }
    wait_for_slot(store, &format!("HSRATE#{portal}#SLOT"), limits.slot().as_millis().max(1) as i64, limits.per_slot()).await?;
    Ok(())
}

/// Takes one of `per_slot` places in the current `slot_ms` window of `prefix`, waiting for a
/// later window while the current one is full.
async fn wait_for_slot<S: Store>(store: &S, prefix: &str, slot_ms: i64, per_slot: i64) -> Result<(), StoreError> {
    loop {
        let now = unix_millis();
        let slot = now / slot_ms;
        let key = Key::new(format!("{prefix}#{slot}"), "COUNT");
        let n = bump(store, &key, (slot + 2) * slot_ms / 1000 + 60).await?;
        if n <= per_slot {
            return Ok(());
        }
        // Full slot: wait for the next one, spread out so waiters do not stampede.
        let wait = (slot + 1) * slot_ms - now + fastrand::i64(0..=slot_ms / 4);
        tokio::time::sleep(Duration::from_millis(wait.max(1) as u64)).await;
    }
}

/// Marks the portal stopped until the next UTC day (HubSpot's daily policy answered 429).
pub async fn stop_for_today<S: Store>(store: &S, portal: &str) -> Result<(), StoreError> {
    let day = unix_millis() / 86_400_000;
    let mut item = Item::new(Key::new(format!("HSRATE#{portal}#STOP#{day}"), "STOP"), "{}");
    item.expires_at = Some((day + 1) * 86_400);
    match store.put_new(&item).await {
        Ok(()) | Err(StoreError::AlreadyExists) => Ok(()),
        Err(e) => Err(e),
    }
}

pub async fn stopped_today<S: Store>(store: &S, portal: &str) -> Result<bool, StoreError> {
    let day = unix_millis() / 86_400_000;
    Ok(store.get(&Key::new(format!("HSRATE#{portal}#STOP#{day}"), "STOP")).await?.is_some())
}
