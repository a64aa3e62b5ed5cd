//! The concurrency and fault suite of the hardening issue, against `debrief serve`: the server
//! is killed with SIGKILL (`DEBRIEF_CRASH_AT`, see `shared/src/faults.rs`) right after each write
//! of ingest and of finish in turn, restarted, and the client retries as Make.com does. Every
//! session completes, with one coach email and one signed callback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use debrief_tests::app::{TestApp, spawn_app_env};
use debrief_tests::outbox::read_outbox;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const INGEST_POINTS: &[&str] = &["ingest:claimed", "ingest:archived", "ingest:contexts", "ingest:input", "ingest:session", "ingest:queued"];
const FINISH_POINTS: &[&str] =
    &["finish:completed", "finish:crm-claimed", "finish:crm-queued", "finish:email-claimed", "finish:email-recorded", "finish:callback-claimed"];

fn body(app: &TestApp, hook: &str) -> Value {
    let mut b = app.sample_workshop();
    b["callbackUrl"] = json!(hook);
    b
}

async fn post(app: &TestApp, body: &Value) -> Result<(u16, Value), reqwest::Error> {
    let r = debrief::net::client()
        .post(format!("{}/v1/workshops", app.base))
        .bearer_auth(&app.ingest_key)
        .header("idempotency-key", "make-run-1")
        .json(body)
        .send()
        .await?;
    let status = r.status().as_u16();
    Ok((status, r.json().await.unwrap_or(Value::Null)))
}

/// One run: crash at `point`, restart, retry; returns (coach emails, callbacks, sessions).
async fn crash_at(point: &'static str) -> (usize, usize, usize) {
    let hook = MockServer::start().await;
    let callbacks = Arc::new(AtomicUsize::new(0));
    let seen = callbacks.clone();
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(move |_: &Request| {
            seen.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200)
        })
        .mount(&hook)
        .await;
    let env = [
        ("DEBRIEF_CRASH_AT", point),
        ("DEBRIEF_SEND_LEASE_SECS", "2"),
        ("DEBRIEF_CALLBACK_SECRET", "s3cret"),
        ("DEBRIEF_CALLBACK_ALLOW_PRIVATE", "1"),
        ("LEASE_SECS", "2"),
    ];
    let mut app = spawn_app_env(env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).await;
    let body = body(&app, &format!("{}/hook", hook.uri()));
    let first = post(&app, &body).await;
    if point.starts_with("ingest:") {
        assert!(first.is_err(), "{point}: the server died mid-request, so the client saw no answer: {first:?}");
    } else {
        assert_eq!(first.as_ref().unwrap().0, 202, "{point}");
    }
    assert!(app.wait_exit(Duration::from_secs(30)), "{point}: the crash point was reached");
    app.restart_without("DEBRIEF_CRASH_AT");
    let (status, v) = post(&app, &body).await.unwrap();
    assert_eq!(status, 202, "{point}: the retry is accepted: {v}");
    let sid = v["sessionId"].as_str().unwrap().to_string();
    let started = Instant::now();
    loop {
        let s = app.repo().get_session(&sid).await.unwrap().map(|v| v.value);
        if s.as_ref().is_some_and(|s| s.email_notification_sent) && callbacks.load(Ordering::SeqCst) > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{point}: session {sid} did not complete: {s:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Room for a duplicate to show up, were there one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (sessions, _) = app.repo().list_sessions(&app.coach.coach_id, 50, None).await.unwrap();
    assert_eq!(app.repo().remaining(&sid).await.unwrap(), Some(0), "{point}: each participant counted once");
    assert_eq!(app.repo().list_participants(&sid).await.unwrap().len(), 5, "{point}: nobody lost");
    (read_outbox(&app.outbox()).len(), callbacks.load(Ordering::SeqCst), sessions.len())
}

#[tokio::test]
async fn kill_9_after_each_write_of_ingest_then_retry() {
    let runs = futures_util::future::join_all(INGEST_POINTS.iter().map(|p| crash_at(p))).await;
    for (point, (emails, callbacks, sessions)) in INGEST_POINTS.iter().zip(runs) {
        assert_eq!((emails, callbacks, sessions), (1, 1, 1), "{point}: one coach email, one callback, one session");
    }
}

#[tokio::test]
async fn kill_9_after_each_write_of_finish_then_restart() {
    let runs = futures_util::future::join_all(FINISH_POINTS.iter().map(|p| crash_at(p))).await;
    for (point, (emails, callbacks, sessions)) in FINISH_POINTS.iter().zip(runs) {
        assert_eq!((emails, callbacks, sessions), (1, 1, 1), "{point}: one coach email, one callback, one session");
    }
}

/// Between the provider's acceptance and our record of it no store can help: a crash there
/// may send once more (at most once per provider acceptance). The session still completes.
#[tokio::test]
async fn kill_9_between_the_provider_and_the_record_completes_with_at_most_one_repeat() {
    let (emails, callbacks, sessions) = crash_at("finish:email-sent").await;
    assert!((1..=2).contains(&emails), "{emails} coach emails");
    assert_eq!((callbacks, sessions), (1, 1));
}
