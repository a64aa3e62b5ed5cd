//! `POST /v1/capi/events`: one event, an array of events, or a HubSpot payload (or an array of
//! them). Each is validated, normalised, hashed and stored as pending, deduplicated by
//! (event_id, event_name); the answer reports every index.

use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;

use super::CapiConfig;
use super::event::{IncomingEvent, MetaEvent, prepare_with_warnings};
use super::hubspot;
use super::normalize::FieldError;
use super::records::{self, EventStatus, Mode, StoredEvent};
use crate::ports::{Store, StoreError};

/// The most events one request may carry.
pub const MAX_EVENTS_PER_INTAKE: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntakeReport {
    pub accepted: usize,
    pub accepted_events: Vec<Accepted>,
    pub duplicates: Vec<Accepted>,
    pub rejected: Vec<Rejected>,
    /// HubSpot payloads that no active mapping rule turns into an event.
    pub skipped: Vec<Skipped>,
    /// Fields left out of accepted events (an unusable value), by index: the event was kept
    /// with its other fields.
    pub warnings: Vec<Rejected>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub index: usize,
    pub event_id: String,
    pub event_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub index: usize,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub index: usize,
    pub reason: String,
}

/// The body's events, one per index: a single object or an array.
pub fn split_body(body: &Value) -> Result<Vec<&Value>, FieldError> {
    let events: Vec<&Value> = match body {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![body],
        _ => {
            return Err(FieldError::new(
                "body",
                "send one event object or an array of them",
            ));
        }
    };
    if events.is_empty() {
        return Err(FieldError::new("body", "the array is empty"));
    }
    if events.len() > MAX_EVENTS_PER_INTAKE {
        return Err(FieldError::new(
            "body",
            format!("at most {MAX_EVENTS_PER_INTAKE} events per request"),
        ));
    }
    Ok(events)
}

/// What one input turns into, before storage.
pub enum Prepared {
    /// `warnings`: fields left out of the event (see [`prepare_with_warnings`]).
    Event { pixel_id: String, event: MetaEvent, warnings: Vec<FieldError> },
    Skipped(String),
}

/// Validation and hashing of one input (no storage): the code path `debrief capi preview`
/// shares with the intake.
pub fn prepare_one(
    v: &Value,
    config: &CapiConfig,
    now: i64,
    scratch: &mut String,
) -> Result<Prepared, FieldError> {
    let incoming: IncomingEvent = if hubspot::is_hubspot_payload(v) {
        match hubspot::to_event(v, &config.mapping)? {
            Some((e, _rule)) => e,
            None => {
                return Ok(Prepared::Skipped(
                    "no active mapping rule matches this HubSpot record's stage".into(),
                ));
            }
        }
    } else {
        serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            // Unknown fields are reported by name, without echoing personal data.
            let field = if path == "." {
                message.split('`').nth(1).unwrap_or("body").to_string()
            } else {
                path
            };
            FieldError::new(
                field,
                message
                    .split(" at line")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            )
        })?
    };
    let pixel_id = match incoming
        .pixel_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(p) if config.pixels.iter().any(|c| c == p) => p.to_string(),
        Some(_) => {
            return Err(FieldError::new(
                "pixel_id",
                "is not one of the configured pixels",
            ));
        }
        None => config
            .pixels
            .first()
            .cloned()
            .ok_or_else(|| FieldError::new("pixel_id", "no pixel is configured"))?,
    };
    let mut warnings = Vec::new();
    let event = prepare_with_warnings(&incoming, &config.prepare, now, scratch, &mut warnings)?;
    Ok(Prepared::Event { pixel_id, event, warnings })
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Input(#[from] FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores the accepted events as pending. `now` is Unix seconds. A store failure part-way is
/// safe to retry: what was stored is then reported as duplicate.
pub async fn accept<S: Store>(
    store: &S,
    config: &CapiConfig,
    body: &Value,
    mode: Mode,
    now: i64,
) -> Result<IntakeReport, IntakeError> {
    let inputs = split_body(body)?;
    let mut report = IntakeReport::default();
    let mut to_store = Vec::new();
    let mut scratch = String::new();
    for (index, v) in inputs.into_iter().enumerate() {
        match prepare_one(v, config, now, &mut scratch) {
            Ok(Prepared::Event { pixel_id, event, warnings }) => {
                report.warnings.extend(warnings.into_iter().map(|w| Rejected { index, field: w.field, message: w.message }));
                let hash = event.dedup_hash();
                to_store.push((index, pixel_id, event, hash))
            }
            Ok(Prepared::Skipped(reason)) => report.skipped.push(Skipped { index, reason }),
            Err(e) => report.rejected.push(Rejected {
                index,
                field: e.field,
                message: e.message,
            }),
        }
    }
    // Within one request the first occurrence wins; across requests, the store decides.
    let mut seen = std::collections::HashSet::new();
    let (to_store, repeats): (Vec<_>, Vec<_>) =
        to_store
            .into_iter()
            .partition(|(_, pixel, _, hash): &(usize, String, MetaEvent, String)| {
                seen.insert((pixel.clone(), hash.clone()))
            });
    for (index, _, e, _) in repeats {
        report.duplicates.push(Accepted {
            index,
            event_id: e.event_id,
            event_name: e.event_name,
        });
    }
    let results: Vec<_> = futures_util::stream::iter(to_store)
        .map(|(index, pixel_id, event, hash)| async move {
            let stored = StoredEvent {
                status: EventStatus::Pending,
                pixel_id,
                mode,
                received_at: now,
                event_time: event.event_time,
                max_age_secs: event.max_age_secs(),
                event_name: event.event_name.clone(),
                event_id: event.event_id.clone(),
                batch_id: None,
                finished_at: None,
                error: None,
                event: serde_json::value::to_raw_value(&event).expect("JSON"),
            };
            let r = store
                .put_new(&records::pending_item(mode, &stored, &hash))
                .await;
            (index, event, r)
        })
        .buffered(16)
        .collect()
        .await;
    for (index, event, r) in results {
        let a = Accepted {
            index,
            event_id: event.event_id,
            event_name: event.event_name,
        };
        match r {
            Ok(()) => report.accepted_events.push(a),
            Err(StoreError::AlreadyExists) => report.duplicates.push(a),
            Err(e) => return Err(e.into()),
        }
    }
    report.duplicates.sort_by_key(|d| d.index);
    report.accepted = report.accepted_events.len();
    Ok(report)
}
