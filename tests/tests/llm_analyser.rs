//! The model analyser against a local server speaking the Chat Completions API as OpenAI
//! documents it: POST {base}/chat/completions, bearer key, `response_format` json_schema.

use std::time::{Duration, Instant};

use debrief::analysis::{Analyser, LlmAnalyser, LlmConfig, ParticipantContext};
use debrief::domain::{AnalyserKind, CoachProfile, Roster};
use debrief::report::{self, AnalyseOptions, SessionMeta};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn contexts() -> Vec<ParticipantContext> {
    let dir = debrief_tests::bundled_sample();
    let text = std::fs::read_to_string(dir.join("transcript.vtt")).unwrap();
    let roster = Roster::parse(&std::fs::read_to_string(dir.join("roster.csv")).unwrap()).unwrap();
    let coach: CoachProfile = serde_json::from_str(&std::fs::read_to_string(dir.join("coach.json")).unwrap()).unwrap();
    let meta = SessionMeta { session_id: "s1".into(), workshop_date: "2026-11-20".into(), cohort_name: "Lab".into() };
    report::prepare(&text, &roster, &coach, meta, &AnalyseOptions::default()).unwrap().contexts
}

fn ctx(name: &str) -> ParticipantContext {
    contexts().into_iter().find(|c| c.participant_name == name).unwrap()
}

fn analyser(server: &MockServer) -> LlmAnalyser {
    let mut cfg = LlmConfig::new(format!("{}/v1", server.uri()), "test-key", "gpt-test");
    cfg.base_backoff = Duration::from_millis(10);
    cfg.max_backoff = Duration::from_millis(40);
    cfg.request_timeout = Duration::from_secs(5);
    LlmAnalyser::new(cfg)
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000, "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content, "refusal": null}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    })
}

fn priya_answer() -> String {
    json!({
        "wins": [],
        "challenges": [{"text": "Refunds and doubts about the practice", "quote": "two clients asked for a refund this week"}],
        "actionItems": [{"text": "Book a 1:1", "quote": "I promised to double my prices tomorrow."}],
        "urgencyIndicators": [{"text": "Overwhelmed", "quote": "I'm overwhelmed right now"}],
        "coachRecommendations": ["Call Priya today.", "Simply share the refund policy template."],
        "summary": "Priya is overwhelmed and considering quitting.",
        "emailSubject": "Checking in",
        "email": "Hi Priya,\nI just wanted to check in.\nWarmly,\nMaya Okafor"
    })
    .to_string()
}

fn body(req: &Request) -> Value {
    serde_json::from_slice(&req.body).unwrap()
}

#[tokio::test]
async fn sends_the_documented_request_and_keeps_only_real_quotes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer test-key"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&priya_answer())))
        .expect(1)
        .mount(&server)
        .await;

    let a = analyser(&server).analyse(&ctx("Priya Nair")).await;

    assert_eq!(a.analyser.kind, AnalyserKind::Llm);
    assert_eq!(a.analyser.model.as_deref(), Some("gpt-test"));
    assert_eq!(a.analyser.fallback_reason, None);
    // The invented commitment is dropped; the two real quotes keep their timestamps.
    assert_eq!(a.analyser.dropped_quotes, 1);
    assert!(a.action_items.is_empty());
    assert_eq!(a.urgency_indicators.len(), 1);
    assert_eq!(a.urgency_indicators[0].evidence.timestamp, "00:01:06.920");
    assert_eq!(a.challenges.len(), 1);
    // The coach's avoid-phrases never get through, whoever wrote the text.
    assert!(!a.generated_email.to_lowercase().contains("just"));
    assert_eq!(a.coach_recommendations[1], "Share the refund policy template.");

    let requests = server.received_requests().await.unwrap();
    let sent = body(&requests[0]);
    assert_eq!(sent["model"], "gpt-test");
    assert_eq!(sent["response_format"]["type"], "json_schema");
    assert_eq!(sent["response_format"]["json_schema"]["strict"], true);
    assert_eq!(sent["response_format"]["json_schema"]["schema"]["additionalProperties"], false);
    assert_eq!(sent["messages"][0]["role"], "system");
    let user = sent["messages"][1]["content"].as_str().unwrap();
    // Only Priya's lines and the lines before her turns: not the whole transcript.
    assert!(user.contains("Priya Nair: I can. To be honest I'm overwhelmed right now."));
    assert!(user.contains("Maya Okafor: Who wants to share a challenge next?"));
    assert!(!user.contains("corporate contract"), "another participant's line was sent");
}

#[tokio::test]
async fn retries_a_429_after_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&priya_answer())))
        .mount(&server)
        .await;

    let started = Instant::now();
    let a = analyser(&server).analyse(&ctx("Priya Nair")).await;
    assert_eq!(a.analyser.kind, AnalyserKind::Llm);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was not honoured");
}

#[tokio::test]
async fn server_errors_fall_back_to_the_builtin_analyser_after_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream exploded"))
        .mount(&server)
        .await;

    let a = analyser(&server).analyse(&ctx("Priya Nair")).await;
    assert_eq!(a.analyser.kind, AnalyserKind::Builtin);
    assert!(a.analyser.fallback_reason.as_deref().unwrap().contains("500"), "{:?}", a.analyser.fallback_reason);
    // The built-in analyser still finds what she said.
    assert_eq!(a.urgency_indicators.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "four attempts in all");
}

#[tokio::test]
async fn unauthorised_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})))
        .mount(&server)
        .await;
    let a = analyser(&server).analyse(&ctx("Priya Nair")).await;
    assert_eq!(a.analyser.kind, AnalyserKind::Builtin);
    assert!(a.analyser.fallback_reason.as_deref().unwrap().contains("401"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_bodies_fall_back() {
    for (status, body) in [
        (200, "this is not json".to_string()),
        (200, completion("{\"wins\": \"not a list\"}").to_string()),
        (200, completion("```json\n{}\n```").to_string()),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body.clone(), "application/json"))
            .mount(&server)
            .await;
        let a = analyser(&server).analyse(&ctx("Liam Carter")).await;
        assert_eq!(a.analyser.kind, AnalyserKind::Builtin, "{body}");
        assert!(a.analyser.fallback_reason.is_some());
        assert_eq!(a.action_items.len(), 2, "the built-in analysis is complete");
    }
}

#[tokio::test]
async fn timeouts_are_retried_then_fall_back() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&priya_answer())).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut cfg = LlmConfig::new(format!("{}/v1", server.uri()), "k", "m");
    cfg.request_timeout = Duration::from_millis(200);
    cfg.max_attempts = 2;
    cfg.base_backoff = Duration::from_millis(10);
    let a = LlmAnalyser::new(cfg).analyse(&ctx("Priya Nair")).await;
    assert_eq!(a.analyser.kind, AnalyserKind::Builtin);
    assert!(a.analyser.fallback_reason.as_deref().unwrap().contains("timed out"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_silent_participant_costs_no_call() {
    let server = MockServer::start().await;
    let a = analyser(&server).analyse(&ctx("Ben Ortiz")).await;
    assert_eq!(a.analyser.kind, AnalyserKind::Builtin);
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(a.generated_email.contains("did not hear from you"));
}

/// The hardening issue's #7: an answer with a value of the wrong type was logged with the value
/// (participant text). The reason, which is logged, names the kind and the path only.
#[tokio::test]
async fn a_wrongly_typed_answer_is_reported_without_its_values() {
    let server = MockServer::start().await;
    let wrong = json!({"wins": "priya.nair@example.com said she doubled her prices", "challenges": [], "actionItems": [], "urgencyIndicators": [],
                       "coachRecommendations": [], "summary": "s", "emailSubject": "e", "email": "x"}).to_string();
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(completion(&wrong))).mount(&server).await;
    let a = analyser(&server).analyse(&ctx("Priya Nair")).await;
    let reason = a.analyser.fallback_reason.expect("fell back");
    assert!(reason.contains("`wins`"), "{reason}");
    assert!(!reason.contains("priya") && !reason.contains("doubled"), "{reason}");
}

/// Every model call records its tokens and, with a price configured, its cost; the session adds
/// them up; past the session's budget the built-in analyser stands in, labelled.
#[tokio::test]
async fn model_calls_are_costed_and_a_session_budget_caps_them() {
    use debrief::adapters::embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedStore, OutboxMailer};
    use debrief::pipeline::{IngestRequest, Pipeline, PipelineConfig};
    use debrief::ports::Queue;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&priya_answer())))
        .mount(&server)
        .await;
    let mut cfg = LlmConfig::new(format!("{}/v1", server.uri()), "test-key", "gpt-test");
    // 10 tokens in at $1,000 and 10 out at $2,000 per million: $0.03 a call.
    cfg.price_per_million = debrief::analysis::price_for("other=1/1, gpt-test=1000/2000", "gpt-test");
    assert_eq!(cfg.price_per_million, Some((1000.0, 2000.0)));
    let dir = std::env::temp_dir().join(format!("debrief-cost-{:016x}", fastrand::u64(..)));
    let db = EmbeddedDb::open(dir.join("db.sqlite3")).unwrap();
    let config = PipelineConfig { llm_session_budget_micro_usd: Some(50_000), ..Default::default() };
    let p = Pipeline::new(EmbeddedStore::new(db.clone()), EmbeddedQueue::new(db, "analysis", 5), OutboxMailer::new(dir.join("outbox")), LlmAnalyser::new(cfg), config);
    p.repo.put_coach(&debrief_tests::app::sample_coach()).await.unwrap();
    let sample = debrief_tests::bundled_sample();
    let req = IngestRequest {
        transcript: Some(std::fs::read_to_string(sample.join("transcript.vtt")).unwrap()),
        workshop_date: Some("2026-11-20".into()),
        cohort_name: Some("Lab".into()),
        coach_id: Some("coach-maya".into()),
        roster: Some(Value::String(std::fs::read_to_string(sample.join("roster.csv")).unwrap())),
        ..Default::default()
    };
    let accepted = p.ingest(req, None, None).await.unwrap();
    // One at a time, so the budget's arithmetic is exact: two calls ($0.06) pass $0.05.
    for m in p.queue.receive(10, Duration::from_secs(60), Duration::ZERO).await.unwrap() {
        p.handle_message(&m.body, 1).await.unwrap();
    }
    let status = p.status(&accepted.session_id, None).await.unwrap();
    let cost = status.cost.expect("a completed session shows its cost");
    assert_eq!((cost.model_calls, cost.input_tokens, cost.output_tokens, cost.cost_micro_usd), (2, 20, 20, Some(60_000)));
    // Five participants, one silent (no call): two called the model, two fell back.
    assert_eq!(cost.over_budget, 2);
    let participants = p.repo.list_participants(&accepted.session_id).await.unwrap();
    let labelled = participants.iter().filter(|v| v.value.analyser.fallback_reason.as_deref().is_some_and(|r| r.contains("budget"))).count();
    assert_eq!(labelled, 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
