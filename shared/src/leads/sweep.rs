//! The scheduled rescoring sweep (EventBridge Scheduler in AWS, a timer in `debrief serve`):
//! enqueues the contacts HubSpot changed since the last sweep (a search on
//! `lastmodifieddate`), and every contact scored before when the ICP set has a new revision.
//! Jobs skip a contact whose inputs did not change (the score's inputs hash), so a contact
//! enqueued for nothing costs its reads and no write — including the ones whose only change
//! was Debrief's own write-back.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::jobs::enqueue;
use super::profiles;
use super::scorer::{SCORES_INDEX, ScoringError};
use crate::hubspot::api;
use crate::ports::{CrmApi, CrmRequest, Item, Key, Queue, Store};

/// At most this many search pages (of 100) a sweep; HubSpot's search stops at 10,000 results.
const MAX_PAGES: usize = 100;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SweepState {
    last_run_ms: i64,
    icp_revision: u64,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    pub changed_in_hubspot: usize,
    /// Scored before and rescored because the ICP set changed.
    pub rescored_for_icp: usize,
    pub jobs: usize,
    pub icp_revision: u64,
}

fn state_key() -> Key {
    Key::new("LEADSWEEP", "STATE")
}

/// Contact ids HubSpot modified at or after `since_ms`.
async fn changed_since<C: CrmApi>(api: &C, since_ms: i64) -> Result<Vec<String>, ScoringError> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut body = json!({
            "filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": since_ms.to_string()}]}],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["lastmodifieddate"],
            "limit": 100
        });
        if let Some(a) = &after {
            body["after"] = json!(a);
        }
        let r = api.call(&CrmRequest::post(api::objects("contacts") + "/search", body)).await?;
        ids.extend(r.body["results"].as_array().into_iter().flatten().filter_map(|c| c["id"].as_str().map(str::to_string)));
        match r.body["paging"]["next"]["after"].as_str().map(str::to_string).or_else(|| r.body["paging"]["next"]["after"].as_u64().map(|n| n.to_string())) {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    Ok(ids)
}

/// Contact ids with a stored score.
async fn scored<S: Store>(store: &S) -> Result<Vec<String>, ScoringError> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.query_index_desc(SCORES_INDEX, 1000, cursor.as_deref()).await?;
        ids.extend(page.items.iter().filter_map(|i| i.index.as_ref().map(|(_, sk)| sk.clone())));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(ids),
        }
    }
}

pub async fn sweep<S: Store, Q: Queue, C: CrmApi>(store: &S, queue: &Q, api: &C, now_ms: i64) -> Result<SweepReport, ScoringError> {
    let previous: SweepState = store.get(&state_key()).await?.and_then(|i| serde_json::from_str(&i.body).ok()).unwrap_or_default();
    let since = if previous.last_run_ms > 0 { previous.last_run_ms } else { now_ms - 86_400_000 };
    let revision = profiles::meta(store).await?.map_or(0, |(m, _)| m.revision);
    let mut ids = changed_since(api, since).await?;
    let changed = ids.len();
    let mut rescored = 0;
    if revision != previous.icp_revision && revision > 0 {
        let all = scored(store).await?;
        rescored = all.len();
        ids.extend(all);
    }
    let jobs = enqueue(queue, &ids, "sweep").await.map_err(|e| ScoringError::Other(e.to_string()))?;
    // Only after the jobs are queued: a sweep that fails is done again from the same point.
    let state = SweepState { last_run_ms: now_ms, icp_revision: revision };
    store.put_all(&[Item::new(state_key(), serde_json::to_string(&state).expect("JSON"))]).await?;
    Ok(SweepReport { changed_in_hubspot: changed, rescored_for_icp: rescored, jobs, icp_revision: revision })
}

/// What the `lead-score` function answers a scheduled invocation with.
pub fn report_json(r: &SweepReport) -> Value {
    serde_json::to_value(r).expect("JSON")
}
