//! The scheduled send against a Graph API stand-in: batch sizes, retries, bisection of a refused
//! request, test/live isolation, ages re-checked, concurrent runs, a crash mid-send.

use std::time::Duration;

use debrief::adapters::embedded::EmbeddedStore;
use debrief::adapters::meta::{
    DryRunConversions, DryRunRequest, GraphConfig, GraphConversions, dry_run_partition,
};
use debrief::capi::records::{self, EventStatus, Mode, StoredEvent};
use debrief::capi::{CapiConfig, IntakeReport, accept, send_all, send_pending, status};
use debrief::ports::Store;
use debrief_tests::graph_stand_in::{Answer, GraphStandIn, TOKEN, VERSION};
use serde_json::{Value, json};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn store() -> EmbeddedStore {
    EmbeddedStore::new(debrief_tests::temp_db("capi"))
}

fn config() -> CapiConfig {
    let mut c = CapiConfig::default();
    c.pixels = vec!["111".into()];
    c.test_event_code = Some("TEST4242".into());
    c.send.base_delay = Duration::from_millis(5);
    c.send.max_delay = Duration::from_millis(40);
    c
}

fn graph(server: &wiremock::MockServer, timeout: Duration) -> GraphConversions {
    GraphConversions::new(GraphConfig {
        base_url: server.uri(),
        version: VERSION.into(),
        access_token: TOKEN.into(),
        timeout,
    })
}

fn lead(i: usize) -> Value {
    json!({"event_name": "Lead", "event_id": format!("lead-{i}"), "user_data": {"email": format!("person{i}@example.com"), "phone": "+971 50 123 4567", "first_name": "Zoë"}})
}

async fn ingest(
    store: &EmbeddedStore,
    c: &CapiConfig,
    events: Vec<Value>,
    mode: Mode,
) -> IntakeReport {
    let mut total = IntakeReport::default();
    for chunk in events.chunks(1000) {
        let r = accept(store, c, &Value::Array(chunk.to_vec()), mode, now())
            .await
            .unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        total.accepted += r.accepted;
        total.duplicates.extend(r.duplicates);
    }
    total
}

#[tokio::test]
async fn pending_2500_events_go_out_in_three_requests() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    assert_eq!(
        ingest(&s, &c, (0..2500).map(lead).collect(), Mode::Live)
            .await
            .accepted,
        2500
    );
    let reports = send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    assert_eq!(reports[0].sent, 2500);
    let sizes: Vec<usize> = meta.seen().iter().map(|r| r.event_ids.len()).collect();
    assert_eq!(sizes, vec![1000, 1000, 500]);
    let mut ids = meta.accepted_ids();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2500, "every event exactly once");
    let st = status(&s, "111", Mode::Live, 5).await.unwrap();
    assert_eq!((st.pending, st.sent, st.failed), (0, 2500, 0));
    assert_eq!(st.last_batches.len(), 3);
    assert!(
        st.last_batches
            .iter()
            .all(|b| b.outcome == "sent" && b.fbtrace_id.as_deref() == Some("AbCdOk"))
    );
    // A second run finds nothing to send.
    send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    assert_eq!(meta.seen().len(), 3);
}

#[tokio::test]
async fn duplicates_are_acknowledged_and_sent_once() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    let first = ingest(&s, &c, vec![lead(1), lead(1), lead(2)], Mode::Live).await;
    assert_eq!((first.accepted, first.duplicates.len()), (2, 1));
    assert_eq!(first.duplicates[0].index, 1);
    send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    // Redelivered after it was sent: still recognised.
    let again = ingest(&s, &c, vec![lead(1)], Mode::Live).await;
    assert_eq!((again.accepted, again.duplicates.len()), (0, 1));
    send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    let mut ids = meta.accepted_ids();
    ids.sort();
    assert_eq!(ids, vec!["lead-1", "lead-2"]);
}

#[tokio::test]
async fn old_events_never_reach_a_request() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    let mut old = lead(9);
    old["event_time"] = json!(now() - 8 * 86400);
    let r = accept(&s, &c, &json!([old, lead(1)]), Mode::Live, now())
        .await
        .unwrap();
    assert_eq!(r.accepted, 1);
    assert_eq!(
        (r.rejected[0].index, r.rejected[0].field.as_str()),
        (0, "event_time")
    );
    // An event accepted in time that aged out while waiting (stored as intake stores it).
    let mut aged = debrief::capi::event::prepare(
        &serde_json::from_value(lead(5)).unwrap(),
        &c.prepare,
        now(),
        &mut String::new(),
    )
    .unwrap();
    aged.event_time = now() - 7 * 86400 - 60;
    let hash = aged.dedup_hash();
    let stored = StoredEvent {
        status: EventStatus::Pending,
        pixel_id: "111".into(),
        mode: Mode::Live,
        received_at: aged.event_time,
        event_time: aged.event_time,
        max_age_secs: aged.max_age_secs(),
        event_name: aged.event_name.clone(),
        event_id: aged.event_id.clone(),
        batch_id: None,
        finished_at: None,
        error: None,
        event: serde_json::value::to_raw_value(&aged).unwrap(),
    };
    s.put_new(&records::pending_item(Mode::Live, &stored, &hash))
        .await
        .unwrap();
    let rep = send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    assert_eq!((rep[0].sent, rep[0].expired), (1, 1));
    assert_eq!(meta.accepted_ids(), vec!["lead-1"]);
    let st = status(&s, "111", Mode::Live, 5).await.unwrap();
    assert_eq!((st.pending, st.sent, st.expired), (0, 1, 1));
}

#[tokio::test]
async fn test_and_live_events_never_mix() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    ingest(&s, &c, vec![lead(1), lead(2), lead(3)], Mode::Live).await;
    ingest(&s, &c, vec![lead(100), lead(101)], Mode::Test).await;
    // Test mode with no test code configured sends nothing at all.
    let mut no_code = c.clone();
    no_code.test_event_code = None;
    assert!(
        send_all(
            &s,
            &graph(&server, Duration::from_millis(1500)),
            &no_code,
            Mode::Test
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert!(meta.seen().is_empty());
    send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Test,
    )
    .await
    .unwrap();
    let seen = meta.seen();
    assert_eq!(seen.len(), 2);
    let live = seen.iter().find(|r| r.test_event_code.is_none()).unwrap();
    let test = seen.iter().find(|r| r.test_event_code.is_some()).unwrap();
    assert_eq!(test.test_event_code.as_deref(), Some("TEST4242"));
    let mut l = live.event_ids.clone();
    l.sort();
    assert_eq!(l, vec!["lead-1", "lead-2", "lead-3"]);
    let mut t = test.event_ids.clone();
    t.sort();
    assert_eq!(t, vec!["lead-100", "lead-101"]);
}

#[tokio::test]
async fn throttling_5xx_timeouts_and_malformed_answers_are_retried() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    ingest(&s, &c, (0..5).map(lead).collect(), Mode::Live).await;
    meta.script([
        Answer::Throttle,
        Answer::ServerError,
        Answer::Malformed,
        Answer::Slow(Duration::from_millis(800)),
    ]);
    let rep = send_all(
        &s,
        &graph(&server, Duration::from_millis(300)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    assert_eq!(rep[0].sent, 5);
    assert_eq!(rep[0].requests, 5, "four failed attempts, then success");
    let st = status(&s, "111", Mode::Live, 1).await.unwrap();
    assert_eq!(st.last_batches[0].attempts, 5);
    assert_eq!(st.last_batches[0].errors.len(), 4);
    assert!(
        st.last_batches[0].errors[0].contains("throttled"),
        "{:?}",
        st.last_batches[0].errors
    );
}

#[tokio::test]
async fn a_refused_event_is_isolated_and_the_rest_go_through() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    ingest(&s, &c, (0..10).map(lead).collect(), Mode::Live).await;
    meta.poison("lead-7");
    let rep = send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    assert_eq!((rep[0].sent, rep[0].failed), (9, 1));
    let mut ids = meta.accepted_ids();
    ids.sort();
    assert_eq!(ids.len(), 9);
    assert!(!ids.contains(&"lead-7".to_string()));
    // Bisection: log2(10) rounds, not one request per event.
    assert!(meta.seen().len() <= 9, "{} requests", meta.seen().len());
    let st = status(&s, "111", Mode::Live, 20).await.unwrap();
    assert_eq!((st.pending, st.failed), (0, 1));
    assert!(
        st.last_batches
            .iter()
            .any(|b| b.outcome == "rejected" && b.errors[0].contains("Invalid parameter"))
    );
}

#[tokio::test]
async fn an_expired_token_stops_the_run_and_keeps_events_pending() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    ingest(&s, &c, (0..4).map(lead).collect(), Mode::Live).await;
    meta.script([Answer::Auth]);
    let rep = send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    assert!(
        rep[0]
            .stopped
            .as_deref()
            .is_some_and(|w| w.contains("access token")),
        "{rep:?}"
    );
    assert_eq!(meta.seen().len(), 1, "no retry with a refused token");
    assert_eq!(status(&s, "111", Mode::Live, 1).await.unwrap().pending, 4);
    send_all(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        &c,
        Mode::Live,
    )
    .await
    .unwrap();
    assert_eq!(status(&s, "111", Mode::Live, 1).await.unwrap().pending, 0);
}

#[tokio::test]
async fn concurrent_runs_never_send_an_event_twice() {
    let (server, meta) = GraphStandIn::start().await;
    let (s, c) = (store(), config());
    ingest(&s, &c, (0..1500).map(lead).collect(), Mode::Live).await;
    let api = graph(&server, Duration::from_millis(1500));
    let runs = (0..5).map(|_| send_all(&s, &api, &c, Mode::Live));
    // Polled together on one task: a real race for the lease.
    let reports: Vec<_> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let busy = reports.iter().filter(|r| r[0].busy).count();
    assert!(busy >= 1, "the others found the lease taken");
    let ids = meta.accepted_ids();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (1500, 1500));
}

#[tokio::test]
async fn a_crash_between_send_and_record_loses_nothing() {
    let (server, meta) = GraphStandIn::start().await;
    let s = store();
    let mut c = config();
    c.send.lease = Duration::from_secs(1);
    ingest(&s, &c, (0..3).map(lead).collect(), Mode::Live).await;
    meta.script([Answer::Slow(Duration::from_secs(3))]);
    let (s2, c2) = (s.clone(), c.clone());
    let uri = server.uri();
    let run = tokio::spawn(async move {
        let api = GraphConversions::new(GraphConfig {
            base_url: uri,
            version: VERSION.into(),
            access_token: TOKEN.into(),
            timeout: Duration::from_secs(10),
        });
        send_pending(&s2, &api, "111", Mode::Live, None, &c2.send).await
    });
    // Meta has the events; the process dies before it can record that.
    for _ in 0..100 {
        if !meta.seen().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    run.abort();
    assert_eq!(
        status(&s, "111", Mode::Live, 1).await.unwrap().pending,
        3,
        "still pending after the crash"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await; // the dead run's lease expires
    let rep = send_pending(
        &s,
        &graph(&server, Duration::from_millis(1500)),
        "111",
        Mode::Live,
        None,
        &c.send,
    )
    .await
    .unwrap();
    assert_eq!(rep.sent, 3);
    // Sent again with the same event_id and event_name: Meta keeps one of each.
    let ids = meta.accepted_ids();
    assert_eq!(ids.len(), 6);
    for i in 0..3 {
        assert_eq!(ids.iter().filter(|x| **x == format!("lead-{i}")).count(), 2);
    }
    assert_eq!(status(&s, "111", Mode::Live, 1).await.unwrap().pending, 0);
}

#[tokio::test]
async fn the_dry_run_records_the_exact_request_without_the_token() {
    let (s, c) = (store(), config());
    ingest(&s, &c, vec![lead(1), lead(2)], Mode::Test).await;
    let api = DryRunConversions::new(s.clone(), VERSION);
    send_all(&s, &api, &c, Mode::Test).await.unwrap();
    let page = s
        .query(&dry_run_partition("111"), "", 10, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let r: DryRunRequest = serde_json::from_str(&page.items[0].body).unwrap();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v24.0/111/events")
    );
    assert_eq!(r.body["test_event_code"], "TEST4242");
    assert!(r.body.get("access_token").is_none());
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        r.body["data"][0]["user_data"]["em"][0]
            .as_str()
            .unwrap()
            .len(),
        64
    );
}

/// The hardening issue's #4: a full batch with full user data made a dry-run log item over the
/// store's limit; the send gave up and those events blocked newer ones.
#[tokio::test]
async fn the_dry_run_sends_full_batches_with_full_user_data() {
    let (s, c) = (store(), config());
    let full = |i: usize| {
        json!({"event_name": "Purchase", "event_id": format!("order-{i}"), "action_source": "website",
               "event_source_url": "https://shop.example/checkout/complete?ref=campaign-spring",
               "user_data": {"email": [format!("person{i}@example.com"), format!("alt{i}@example.org")], "phone": ["+971 50 123 4567", "+1 616 954 7888"],
                             "first_name": "Zoë", "last_name": "Okafor-Ramírez", "city": "Dubai", "state": "du", "zip": "00000", "country": "AE",
                             "date_of_birth": "1990-04-12", "gender": "f", "external_id": format!("crm-{i}"),
                             "client_ip_address": "203.0.113.9", "client_user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                             "fbp": "fb.1.1596403881668.1116446470", "fbc": "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890"},
               "custom_data": {"value": 120.5, "currency": "AED", "content_ids": ["sku-1", "sku-2"], "num_items": 2}})
    };
    assert_eq!(ingest(&s, &c, (0..1000).map(full).collect(), Mode::Live).await.accepted, 1000);
    let api = DryRunConversions::new(s.clone(), VERSION);
    send_all(&s, &api, &c, Mode::Live).await.unwrap();
    assert_eq!(status(&s, "111", Mode::Live, 1).await.unwrap().pending, 0, "every event sent");
    let page = s.query(&dry_run_partition("111"), "", 10, None).await.unwrap();
    assert_eq!(page.items.len(), 1, "one request");
    let r: DryRunRequest = serde_json::from_str(&page.items[0].body).unwrap();
    assert_eq!(r.body["summary"], true);
    assert_eq!(r.body["events"], 1000);
    let ids: Vec<&str> = r.body["data"].as_array().unwrap().iter().map(|e| e["event_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"order-999") && ids.contains(&"order-0"), "every event summarised");
    assert!(!page.items[0].body.contains("\"em\":["), "no hashes in the summary, only field names");
}
