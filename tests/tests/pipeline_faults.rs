//! The pipeline under faults: a model that fails 30 % of calls, and a server killed mid-session.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use debrief::domain::AnalyserKind;
use debrief_tests::app::spawn_app_env;
use debrief_tests::llm_stand_in;
use debrief_tests::outbox::read_outbox;
use serde_json::Value;

async fn ingest(app: &debrief_tests::app::TestApp) -> String {
    let resp = debrief::net::client()
        .post(format!("{}/v1/workshops", app.base))
        .bearer_auth(&app.ingest_key)
        .json(&app.sample_workshop())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    resp.json::<Value>().await.unwrap()["sessionId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_flaky_model_still_completes_everyone_once() {
    let (_llm, counters, mut env) = llm_stand_in::start(Duration::from_millis(50), 30, 7).await;
    env.push(("LEASE_SECS".into(), "60".into()));
    let app = spawn_app_env(env).await;
    let sid = ingest(&app).await;
    app.wait_notified(&sid, Duration::from_secs(60)).await;

    let summaries = app.repo().list_participants(&sid).await.unwrap();
    assert_eq!(summaries.len(), 5, "every participant completes");
    let by_llm = summaries.iter().filter(|s| s.value.analyser.kind == AnalyserKind::Llm).count() as u32;
    let fallbacks = summaries.iter().filter(|s| s.value.analyser.fallback_reason.is_some()).count() as u32;
    // Ben is silent: no call. Every answered call became exactly one stored analysis.
    assert_eq!(counters.answered.load(Ordering::SeqCst), by_llm, "nobody analysed twice");
    assert_eq!(by_llm + fallbacks, 4);
    assert!(counters.calls.load(Ordering::SeqCst) > by_llm, "the stand-in did fail some calls");
    assert_eq!(read_outbox(&app.outbox()).len(), 1, "exactly one coach email");
}

#[tokio::test]
async fn a_killed_server_finishes_after_restart_without_duplicates() {
    // A slow model: each call takes 1.5 s, so the kill lands mid-session.
    let (_llm, counters, env) = llm_stand_in::start(Duration::from_millis(1500), 0, 1).await;
    let mut app = spawn_app_env(env).await;
    let sid = ingest(&app).await;
    let started = Instant::now();
    while counters.calls.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "no model call started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.kill();
    let before = app.repo().get_session(&sid).await.unwrap().unwrap().value;
    assert!(!before.email_notification_sent, "killed before the end");

    app.restart();
    app.wait_notified(&sid, Duration::from_secs(60)).await;
    let summaries = app.repo().list_participants(&sid).await.unwrap();
    assert_eq!(summaries.len(), 5, "nothing lost");
    assert_eq!(read_outbox(&app.outbox()).len(), 1, "no duplicate email");
    assert_eq!(app.repo().remaining(&sid).await.unwrap(), Some(0), "each participant counted once");
}
