//! The event queue between the intake (`POST /v1/health/events`) and the client's rescore.
//!
//! The intake checks an event and queues it; it answers as soon as the queue holds it, so a
//! burst from a booking system never waits on the store, and a store that is briefly away
//! loses nothing (the message comes back). The consumer takes a batch, groups it by client and
//! applies each client's events in one versioned write ([`HealthRecords::apply_events`]), so
//! ten events for one client are one write, not ten racing ones. A message that can never
//! apply (unreadable, or too old by the time it is read) goes to the dead-letter queue with
//! the reason; a store error leaves the client's messages to come back.

use std::collections::BTreeMap;

use serde_json::json;

use super::model::{Day, HealthConfig, HealthEvent};
use super::records::HealthRecords;
use crate::ports::{Queue, Store};

/// The queue message for one checked event: the event as posted.
pub fn message(e: &HealthEvent) -> String {
    serde_json::to_string(e).expect("events serialise")
}

/// Applies a batch of `(message id, body)`; returns the ids to deliver again.
pub async fn apply_batch<S: Store, Q: Queue>(records: &HealthRecords<S>, config: &HealthConfig, dead_letters: &Q, batch: Vec<(String, String)>) -> Vec<String> {
    let today = Day::today(&config.tz);
    let mut failed = Vec::new();
    let mut by_client: BTreeMap<String, (Vec<(HealthEvent, Day)>, Vec<String>)> = BTreeMap::new();
    for (id, body) in batch {
        let checked = serde_json::from_str::<HealthEvent>(&body)
            .map_err(|e| format!("unreadable event: {e}"))
            .and_then(|e| match e.check(config, today) {
                Ok(day) => Ok((e, day)),
                Err(errors) => Err(errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")),
            });
        match checked {
            Ok((e, day)) => {
                let (events, ids) = by_client.entry(e.client_id.clone()).or_default();
                events.push((e, day));
                ids.push(id);
            }
            Err(reason) => {
                tracing::error!(reason = %reason, "health event dead-lettered");
                if dead_letters.dead_letter(&json!({"message": body, "error": reason}).to_string()).await.is_err() {
                    failed.push(id);
                }
            }
        }
    }
    for (_, (events, ids)) in by_client {
        if let Err(e) = records.apply_events(&events, config).await {
            tracing::warn!(error = %e, "health events not applied; they come back");
            failed.extend(ids);
        }
    }
    crate::ops::record_run(records.repo().store(), "health-events", failed.is_empty()).await;
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedStore};
    use crate::repo::Repo;

    fn event(id: &str, client: &str, on: Day) -> String {
        message(&HealthEvent {
            event_id: id.into(),
            client_id: client.into(),
            kind: super::super::ActivityKind::SessionAttended,
            occurred_at: on.to_string(),
            amount: None,
            client_name: None,
            coach_id: None,
        })
    }

    #[tokio::test]
    async fn a_batch_is_applied_once_per_event_and_what_cannot_apply_is_dead_lettered() {
        let db = EmbeddedDb::in_memory().unwrap();
        let records = HealthRecords::new(Repo::new(EmbeddedStore::new(db.clone())));
        let queue = EmbeddedQueue::new(db, "health-events", 5);
        let config = HealthConfig::default();
        let today = Day::today(&config.tz);
        let batch = vec![
            ("m1".into(), event("e1", "c-a", today)),
            ("m2".into(), event("e2", "c-a", today.plus(-1))),
            ("m3".into(), event("e1", "c-a", today)),
            ("m4".into(), event("e3", "c-b", today)),
            ("m5".into(), "{not json".into()),
            ("m6".into(), event("e4", "c-b", today.plus(-100))),
        ];
        assert!(apply_batch(&records, &config, &queue, batch).await.is_empty());
        let (a, _) = records.get("c-a").await.unwrap().unwrap();
        assert_eq!(a.activity.iter().map(|x| x.event_id.as_str()).collect::<Vec<_>>(), ["e2", "e1"], "each event once, in day order");
        assert_eq!((a.last_session, a.history.len()), (Some(today), 1), "one result for the day");
        let (b, _) = records.get("c-b").await.unwrap().unwrap();
        assert_eq!(b.activity.len(), 1);
        let dead = queue.dead_letters(10).await.unwrap();
        assert_eq!(dead.len(), 2, "{dead:?}");
        assert!(dead[0].contains("unreadable event") && dead[1].contains("occurredAt"), "{dead:?}");
        // Delivered again: nothing changes.
        assert!(apply_batch(&records, &config, &queue, vec![("m7".into(), event("e1", "c-a", today))]).await.is_empty());
        assert_eq!(records.get("c-a").await.unwrap().unwrap().0.activity.len(), 2);
    }
}
