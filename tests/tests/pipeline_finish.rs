//! The pipeline's edges, in process on the embedded adapters: the Lambda batch handler built
//! from an event, a session that fails for good, and the signed callback.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use debrief::adapters::TranscriptArchive;
use debrief::adapters::embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedStore, FileArchive, OutboxMailer};
use debrief::analysis::BuiltinAnalyser;
use debrief::domain::ProcessingStatus;
use debrief::pipeline::{IngestRequest, Pipeline, PipelineConfig, worker::sqs_batch};
use debrief::ports::Queue;
use debrief::ports::store::{Key, Store};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type P = Pipeline<EmbeddedStore, EmbeddedQueue, OutboxMailer, BuiltinAnalyser>;

async fn pipeline(config: PipelineConfig) -> (Arc<P>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("debrief-finish-{:016x}", fastrand::u64(..)));
    let db = EmbeddedDb::open(dir.join("db.sqlite3")).unwrap();
    let p = Pipeline::new(
        EmbeddedStore::new(db.clone()),
        EmbeddedQueue::new(db, "analysis", config.max_receives),
        OutboxMailer::new(dir.join("outbox")),
        BuiltinAnalyser,
        config,
    );
    p.repo.put_coach(&debrief_tests::app::sample_coach()).await.unwrap();
    (Arc::new(p), dir)
}

fn request(callback: Option<String>) -> IngestRequest {
    let sample = debrief_tests::bundled_sample();
    IngestRequest {
        transcript: Some(std::fs::read_to_string(sample.join("transcript.vtt")).unwrap()),
        workshop_date: Some("2026-11-20".into()),
        cohort_name: Some("Lab".into()),
        coach_id: Some("coach-maya".into()),
        roster: Some(serde_json::Value::String(std::fs::read_to_string(sample.join("roster.csv")).unwrap())),
        callback_url: callback,
        ..Default::default()
    }
}

fn record(id: &str, body: &str, receives: u32) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.into());
    m.body = Some(body.into());
    m.attributes.insert("ApproximateReceiveCount".into(), receives.to_string());
    m
}

#[tokio::test]
async fn lambda_batch_reports_only_the_failed_records() {
    let (p, _) = pipeline(PipelineConfig::default()).await;
    let accepted = p.ingest(request(None), None, None).await.unwrap();
    let messages = p.queue.receive(10, Duration::from_secs(60), Duration::ZERO).await.unwrap();
    assert_eq!(messages.len(), 5);
    let mut event = SqsEvent::default();
    event.records = messages.iter().map(|m| record(&m.id, &m.body, 1)).collect();
    event.records.push(record("bad-1", "{\"v\":9,\"type\":\"analyzeParticipant\"}", 1));
    event.records.push(record("bad-2", "not json", 1));
    let response = sqs_batch(p.as_ref(), event).await;
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, vec!["bad-1", "bad-2"]);
    let s = p.repo.get_session(&accepted.session_id).await.unwrap().unwrap().value;
    assert_eq!(s.processing_status, ProcessingStatus::Completed);
    assert!(s.email_notification_sent);
}

#[tokio::test]
async fn a_session_that_fails_for_good_is_marked_and_the_coach_told() {
    // The workshop routes on a port of their own, so the email's transcript link can be opened.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = PipelineConfig { max_receives: 2, links_base: Some(base.clone()), ..Default::default() };
    let (p, dir) = pipeline(config).await;
    let p = Arc::new(Arc::into_inner(p).unwrap().with_archive(TranscriptArchive::Files(FileArchive::new(dir.join("archive")))));
    tokio::spawn(debrief::http::serve::serve(listener, debrief::http::workshop_routes(p.clone()), std::future::pending()));
    let accepted = p.ingest(request(None), None, None).await.unwrap();
    // One participant's stored context is lost: that message can never succeed.
    p.repo.store().delete(&Key::new(format!("SESSION#{}", accepted.session_id), "CONTEXT#5103")).await.unwrap();
    let messages = p.queue.receive(10, Duration::from_secs(60), Duration::ZERO).await.unwrap();
    let bad = messages.iter().find(|m| m.body.contains("5103")).unwrap();
    assert!(p.handle_message(&bad.body, 1).await.is_err());
    let s = p.repo.get_session(&accepted.session_id).await.unwrap().unwrap().value;
    assert_eq!(s.processing_status, ProcessingStatus::Processing, "not yet: it may still succeed");
    assert!(p.handle_message(&bad.body, 2).await.is_err());
    let s = p.repo.get_session(&accepted.session_id).await.unwrap().unwrap().value;
    assert_eq!(s.processing_status, ProcessingStatus::Failed);
    assert!(s.failure_reason.as_deref().unwrap().contains("5103"));
    // The others finish their work but never complete a failed session.
    for m in messages.iter().filter(|m| !m.body.contains("5103")) {
        p.handle_message(&m.body, 1).await.unwrap();
    }
    let mails = debrief_tests::outbox::read_outbox(&dir.join("outbox"));
    assert_eq!(mails.len(), 1, "one failure email, no summary email");
    assert!(mails[0].subject.contains("could not be processed"));
    assert!(mails[0].body.contains("What to do"));
    // What was received: the session's facts and the roster as read (the lost context's
    // participant is missing from it, which is the clue).
    assert!(mails[0].body.contains("What Debrief received"), "{}", mails[0].body);
    assert!(mails[0].body.contains("Liam Carter") && mails[0].body.contains("(HubSpot 5101)"), "{}", mails[0].body);
    assert!(!mails[0].body.contains("(HubSpot 5103)"));
    // And the transcript as received, behind a signed link that only reads.
    let text = mails[0].body.split("<!doctype html>").next().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/transcript?t=")).expect("a transcript link").to_string();
    assert!(link.starts_with(&format!("{base}/v1/workshops/{}/transcript?t=", accepted.session_id)), "{link}");
    let http = debrief::net::client();
    let got = http.get(&link).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert!(got.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(got.text().await.unwrap(), request(None).transcript.unwrap());
    let tampered = format!("{}x", &link[..link.len() - 1]);
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    let other_session = link.replace(&accepted.session_id, "ws-00000000000000000000");
    assert_eq!(http.get(&other_session).send().await.unwrap().status(), 403, "a link opens only its own session");
}

#[tokio::test]
async fn the_callback_is_signed_and_sent_once() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/make/hook"))
        .and(header_exists("x-debrief-signature"))
        .and(header_exists("x-debrief-timestamp"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    // The hook listens on loopback, which only a development set-up may call back.
    let config = PipelineConfig { callback_secret: Some("s3cret".into()), callback_allow_private: true, ..Default::default() };
    let (p, _) = pipeline(config).await;
    let accepted = p.ingest(request(Some(format!("{}/make/hook", hook.uri()))), None, None).await.unwrap();
    let messages = p.queue.receive(10, Duration::from_secs(60), Duration::ZERO).await.unwrap();
    for m in &messages {
        p.handle_message(&m.body, 1).await.unwrap();
    }
    // A redelivered last message runs finish again: still one callback.
    p.handle_message(&messages[4].body, 2).await.unwrap();
    let calls = hook.received_requests().await.unwrap();
    assert_eq!(calls.len(), 1);
    let ts = calls[0].headers.get("x-debrief-timestamp").unwrap().to_str().unwrap();
    let sig = calls[0].headers.get("x-debrief-signature").unwrap().to_str().unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(format!("{ts}.{}", String::from_utf8_lossy(&calls[0].body)).as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sig, format!("sha256={expected}"));
    let body: serde_json::Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(body["sessionId"], accepted.session_id.as_str());
    assert_eq!(body["status"], "completed");
}

/// The hardening issue's #8: every worker that saw "remaining ≤ 0" queued a CRM sync (2–6 per
/// session). One completion, one sync message, however many finish it.
#[tokio::test]
async fn one_completion_queues_one_crm_sync() {
    let dir = std::env::temp_dir().join(format!("debrief-finish-{:016x}", fastrand::u64(..)));
    let db = EmbeddedDb::open(dir.join("db.sqlite3")).unwrap();
    let p = Pipeline::new(
        EmbeddedStore::new(db.clone()),
        EmbeddedQueue::new(db.clone(), "analysis", 5),
        OutboxMailer::new(dir.join("outbox")),
        BuiltinAnalyser,
        PipelineConfig::default(),
    )
    .with_crm_queue(EmbeddedQueue::new(db, "crm", 5));
    p.repo.put_coach(&debrief_tests::app::sample_coach()).await.unwrap();
    let accepted = p.ingest(request(None), None, None).await.unwrap();
    let messages = p.queue.receive(10, Duration::from_secs(60), Duration::ZERO).await.unwrap();
    for m in &messages {
        p.handle_message(&m.body, 1).await.unwrap();
    }
    // Redeliveries and concurrent finishers after completion.
    let again = futures_util::future::join_all((0..6).map(|_| p.finish(&accepted.session_id))).await;
    assert!(again.iter().all(Result::is_ok));
    for m in &messages {
        p.handle_message(&m.body, 2).await.unwrap();
    }
    let crm = p.crm_queue.as_ref().unwrap().receive(10, Duration::from_secs(60), Duration::ZERO).await.unwrap();
    assert_eq!(crm.len(), 1, "{:?}", crm.iter().map(|m| &m.body).collect::<Vec<_>>());
    assert_eq!(debrief_tests::outbox::read_outbox(&dir.join("outbox")).len(), 1);
}

/// A coach who wants the email at 08:30 in Dubai gets it then, once: finishing writes a due-time
/// record instead of sending; a sweep before the time sends nothing; the sweep after it sends
/// the one email; a repeated sweep, a redelivered finish, or a due record written again after
/// the send (a crash between the send and the record's removal) sends nothing more.
#[tokio::test]
async fn a_deferred_coach_email_is_sent_once_at_the_preferred_time() {
    let (p, dir) = pipeline(PipelineConfig::default()).await;
    let mut coach = debrief_tests::app::sample_coach();
    coach.notification_preferences.immediate_notification = false;
    coach.notification_preferences.preferred_notification_time = Some("08:30".into());
    coach.notification_preferences.time_zone = Some("Asia/Dubai".into());
    coach.notification_preferences.include_stats_summary = false;
    p.repo.put_coach(&coach).await.unwrap();
    let accepted = p.ingest(request(None), None, None).await.unwrap();
    let messages = p.queue.receive(10, Duration::from_secs(60), Duration::ZERO).await.unwrap();
    for m in &messages {
        p.handle_message(&m.body, 1).await.unwrap();
    }
    let outbox = || debrief_tests::outbox::read_outbox(&dir.join("outbox"));
    let s = p.repo.get_session(&accepted.session_id).await.unwrap().unwrap().value;
    assert_eq!(s.processing_status, ProcessingStatus::Completed);
    assert!(!s.email_notification_sent);
    assert!(outbox().is_empty(), "nothing is sent before the preferred time");

    let now = debrief::clock::unix_secs();
    let due = p.repo.notifications_due(now + 2 * 86_400, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    let due_at = coach.notification_preferences.due_at(now);
    assert!(due_at > now && due_at <= now + 86_400);
    assert_eq!(p.send_due_notifications(due_at - 1).await.unwrap(), 0);
    assert!(outbox().is_empty());

    assert_eq!(p.send_due_notifications(due_at).await.unwrap(), 1);
    let mails = outbox();
    assert_eq!(mails.len(), 1);
    assert!(!mails[0].body.contains("AT A GLANCE"), "includeStatsSummary is false");
    assert!(mails[0].body.contains("PRIORITY FOLLOW-UPS"));
    assert!(p.repo.get_session(&accepted.session_id).await.unwrap().unwrap().value.email_notification_sent);

    // Again, redelivered, and the record back as if the crash came before its removal.
    assert_eq!(p.send_due_notifications(due_at + 60).await.unwrap(), 0);
    p.finish(&accepted.session_id).await.unwrap();
    p.repo.put_notification_due(&accepted.session_id, due_at).await.unwrap();
    assert_eq!(p.send_due_notifications(due_at + 120).await.unwrap(), 1);
    assert_eq!(outbox().len(), 1, "one email, ever");
    assert!(p.repo.notifications_due(now + 2 * 86_400, 10).await.unwrap().is_empty());
}
