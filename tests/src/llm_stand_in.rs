//! An OpenAI-compatible Chat Completions stand-in: answers with a valid analysis that quotes
//! the participant's first line (or, asked for a webinar follow-up, a draft from the prompt's facts), after a delay, and fails a share of calls (429, 500, or a
//! response slower than the client's timeout).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Clone, Default)]
pub struct Counters {
    pub calls: Arc<AtomicU32>,
    pub answered: Arc<AtomicU32>,
}

struct StandIn {
    delay: Duration,
    fail_percent: u32,
    hang: Duration,
    counters: Counters,
    rng: std::sync::Mutex<fastrand::Rng>,
}

/// A webinar follow-up as the model would write it, from the facts in the prompt; for an
/// attendee named in `INVENTS_A_LINK` it adds a link of its own (which must be refused).
fn webinar_answer(prompt: &Value) -> String {
    let a = &prompt["attendee"];
    let w = &prompt["webinar"];
    let first = a["firstName"].as_str().unwrap_or("there");
    let mut body = format!("Hi {first},\n\nThanks for being at {}.", w["title"].as_str().unwrap_or("the webinar"));
    if let Some(q) = a["questions"][0].as_str() {
        body.push_str(&format!(" You asked: \"{q}\" Let's get you a proper answer."));
    }
    if let (Some(offer), Some(price)) = (w["offerName"].as_str(), w["price"].as_str()) {
        body.push_str(&format!("\n\n{offer} is {price}."));
    }
    if let Some(replay) = w["replayUrl"].as_str() {
        body.push_str(&format!(" The replay: {replay}"));
    }
    if a["name"].as_str().is_some_and(|n| n.starts_with(INVENTS_A_LINK)) {
        body.push_str(" Book a call: https://calendar.example/book");
    }
    body.push_str(&format!("\n\n{}", prompt["coach"]["name"].as_str().unwrap_or_default()));
    json!({"subject": format!("[model] {first}, your next step"), "body": body}).to_string()
}

/// A sales call read as a model would, from the transcript lines in the prompt: a budget
/// signal, an objection with the seller's answer, an objection it invents (to be dropped),
/// the seller's commitment with its time, the buyer's with a time it did not say (to be
/// dropped), and a takeaway.
fn call_answer(user: &str) -> String {
    // `[mm:ss] Speaker (side): words`
    let lines: Vec<(&str, &str)> = user.lines().filter_map(|l| l.split_once("] ")).filter_map(|(_, rest)| rest.split_once("): ")).collect();
    let by = |side: &str, has: &str| lines.iter().find(|(who, words)| who.ends_with(side) && words.contains(has)).map(|(_, w)| w.to_string()).unwrap_or_default();
    let first_sentence = |w: String| w.split_inclusive('.').next().unwrap_or_default().trim().to_string();
    let budget = first_sentence(by("(buyer", "earmarked"));
    json!({
        "buyingSignals": [{"quote": budget, "kind": "budget"}],
        "objections": [
            {"quote": by("(buyer", "approval"), "kind": "authority", "answer": by("(seller", "I'll send")},
            {"quote": "We will never buy from a vendor like you.", "kind": "trust", "answer": null}
        ],
        "actionItems": [
            {"quote": by("(seller", "I'll send"), "owner": "seller", "due": "by Friday"},
            {"quote": by("(buyer", "I'll take it"), "owner": "buyer", "due": "Monday"}
        ],
        "takeaways": [{"text": "Budget is already set aside", "quote": budget}]
    })
    .to_string()
}

/// The attendee whose model draft carries an invented link.
pub const INVENTS_A_LINK: &str = "José";

fn answer_for(req: &Request) -> String {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    if body["messages"][0]["content"].as_str().is_some_and(|s| s.contains("webinar follow-up")) {
        let prompt: Value = serde_json::from_str(body["messages"][1]["content"].as_str().unwrap_or_default()).unwrap_or(Value::Null);
        return webinar_answer(&prompt);
    }
    let user = body["messages"][1]["content"].as_str().unwrap_or_default();
    if body["messages"][0]["content"].as_str().is_some_and(|s| s.contains("sales call transcript")) {
        return call_answer(user);
    }
    let name = user.lines().find_map(|l| l.strip_prefix("Participant: ")).and_then(|l| l.split(" (").next()).unwrap_or("");
    let quote = user
        .lines()
        .find_map(|l| l.split_once("] ").and_then(|(_, rest)| rest.strip_prefix(&format!("{name}: "))).map(str::to_owned))
        .unwrap_or_default();
    json!({
        "wins": [{"text": "Shared progress", "quote": quote}],
        "challenges": [], "actionItems": [], "urgencyIndicators": [],
        "coachRecommendations": ["Follow up this week."],
        "summary": format!("{name} took part."),
        "emailSubject": "Following up",
        "email": format!("Hi {name},\nThank you for joining.\n")
    })
    .to_string()
}

impl Respond for StandIn {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.counters.calls.fetch_add(1, Ordering::SeqCst);
        let roll = self.rng.lock().unwrap().u32(0..100);
        if roll < self.fail_percent {
            return match roll % 3 {
                0 => ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(json!({"error": {"message": "slow down", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})),
                1 => ResponseTemplate::new(500).set_body_string("internal error"),
                _ => ResponseTemplate::new(200).set_delay(self.hang).set_body_string("too late"),
            };
        }
        self.counters.answered.fetch_add(1, Ordering::SeqCst);
        let completion = json!({
            "id": "chatcmpl-x", "object": "chat.completion", "created": 1_700_000_000, "model": "stand-in",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer_for(req), "refusal": null}}]
        });
        ResponseTemplate::new(200).set_delay(self.delay).set_body_json(completion)
    }
}

/// Starts the stand-in; returns it, its counters, and the env for `debrief serve`.
pub async fn start(delay: Duration, fail_percent: u32, seed: u64) -> (MockServer, Counters, Vec<(String, String)>) {
    let server = MockServer::start().await;
    let counters = Counters::default();
    let responder = StandIn {
        delay,
        fail_percent,
        hang: Duration::from_secs(5),
        counters: counters.clone(),
        rng: std::sync::Mutex::new(fastrand::Rng::with_seed(seed)),
    };
    Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(responder).mount(&server).await;
    let env = vec![
        ("DEBRIEF_LLM_MODEL".to_string(), "stand-in".to_string()),
        ("DEBRIEF_LLM_BASE_URL".to_string(), format!("{}/v1", server.uri())),
        ("DEBRIEF_LLM_API_KEY".to_string(), "test-key".to_string()),
        ("DEBRIEF_LLM_TIMEOUT_SECS".to_string(), "2".to_string()),
        ("DEBRIEF_LLM_MAX_ATTEMPTS".to_string(), "4".to_string()),
    ];
    (server, counters, env)
}
