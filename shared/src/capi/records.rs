//! How conversion events live in the store (the same single table as everything else):
//!
//! | record | pk | sk | index (gsi1) |
//! | --- | --- | --- | --- |
//! | event (`ttl`: window + 2 days) | `CAPIEVENT#{mode}#{pixel}#{hash}` | `EVENT` | while pending: `CAPIPENDING#{mode}#{pixel}` / `{9999999999 - event_time}#{hash}` (oldest first) |
//! | send lock (`ttl`: the lease) | `CAPILOCK#{mode}#{pixel}` | `LOCK` | — |
//! | batch record (`ttl`: 30 days) | `CAPIBATCH#{mode}#{pixel}` | `{9999999999999 - started ms}#{batchId}` (newest first) | — |
//! | counts | `CAPISTATS#{mode}#{pixel}` | `STATS` | — |
//!
//! `hash` is the first 128 bits of SHA-256(event_name, event_id): creating the event item only
//! if absent is the deduplication. The pending index is sparse: an event leaves it when it is
//! sent, fails or ages out, and stays (hashed only) until its `ttl` so a late repeat is still
//! recognised.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::ports::{Item, Key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Live,
    Test,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "live" | "" => Some(Self::Live),
            "test" => Some(Self::Test),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Pending,
    Sent,
    /// Meta refused the event itself (its message is kept).
    Failed,
    /// It aged out of Meta's window before it could be sent.
    Expired,
}

/// The stored body of one event: the hashed Meta event and its bookkeeping. Raw personal data
/// is never part of it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    pub status: EventStatus,
    pub pixel_id: String,
    pub mode: Mode,
    pub received_at: i64,
    pub event_time: i64,
    pub max_age_secs: i64,
    pub event_name: String,
    pub event_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The event object exactly as sent to Meta.
    pub event: Box<RawValue>,
}

/// What one request to Meta did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRecord {
    pub batch_id: String,
    pub pixel_id: String,
    pub mode: Mode,
    pub started_at: i64,
    pub events: usize,
    /// `sent`, `rejected` (Meta refused the content), `gave_up` (retries exhausted) or `auth`.
    pub outcome: String,
    pub events_received: Option<u64>,
    pub fbtrace_id: Option<String>,
    pub messages: Vec<String>,
    pub errors: Vec<String>,
    pub attempts: u32,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub sent: u64,
    pub failed: u64,
    pub expired: u64,
}

pub fn event_key(mode: Mode, pixel: &str, hash: &str) -> Key {
    Key::new(
        format!("CAPIEVENT#{}#{pixel}#{hash}", mode.as_str()),
        "EVENT",
    )
}

pub fn pending_index(mode: Mode, pixel: &str) -> String {
    format!("CAPIPENDING#{}#{pixel}", mode.as_str())
}

pub fn pending_sort(event_time: i64, hash: &str) -> String {
    format!(
        "{:010}#{hash}",
        9_999_999_999i64.saturating_sub(event_time).max(0)
    )
}

pub fn lock_key(mode: Mode, pixel: &str) -> Key {
    Key::new(format!("CAPILOCK#{}#{pixel}", mode.as_str()), "LOCK")
}

pub fn batch_partition(mode: Mode, pixel: &str) -> String {
    format!("CAPIBATCH#{}#{pixel}", mode.as_str())
}

pub fn batch_key(mode: Mode, pixel: &str, started_ms: i64, batch_id: &str) -> Key {
    Key::new(
        batch_partition(mode, pixel),
        format!(
            "{:013}#{batch_id}",
            9_999_999_999_999i64.saturating_sub(started_ms).max(0)
        ),
    )
}

pub fn stats_key(mode: Mode, pixel: &str) -> Key {
    Key::new(format!("CAPISTATS#{}#{pixel}", mode.as_str()), "STATS")
}

/// A new pending event item, in the pending index, kept until Meta's window (plus two days)
/// has passed.
pub fn pending_item(mode: Mode, stored: &StoredEvent, hash: &str) -> Item {
    let mut item = Item::new(
        event_key(mode, &stored.pixel_id, hash),
        serde_json::to_string(stored).expect("JSON"),
    );
    item.index = Some((
        pending_index(mode, &stored.pixel_id),
        pending_sort(stored.event_time, hash),
    ));
    item.expires_at = Some(stored.event_time + stored.max_age_secs + 2 * 86400);
    item
}
