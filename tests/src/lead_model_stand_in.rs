//! An OpenAI-compatible stand-in for lead scoring: `POST /v1/embeddings` and
//! `POST /v1/chat/completions`, checked as OpenAI documents them (a model, an input array of at
//! most 2,048 non-empty strings, `dimensions`; a strict `json_schema` response format), with
//! scripted failures (429, 500, a body that is not the schema) taken first, call counts, and a
//! stated latency.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fail {
    TooMany,
    Server,
    BadBody,
}

#[derive(Default)]
pub struct State {
    pub embedding_calls: u32,
    pub embedded_inputs: u32,
    pub chat_calls: u32,
    /// Failures the next embedding / chat calls answer with, in order.
    pub embedding_failures: VecDeque<Fail>,
    pub chat_failures: VecDeque<Fail>,
    /// Every chat call fails with a 500 (the model is down).
    pub chat_down: bool,
    /// The verdict chat answers with.
    pub verdict: Value,
    /// Requests that broke the documented contract, described.
    pub violations: Vec<String>,
}

#[derive(Clone)]
pub struct LeadModelStandIn {
    pub state: Arc<Mutex<State>>,
    delay: Duration,
}

/// Words hashed into `dims` dimensions: texts sharing words are near, as with a real model.
fn vector(text: &str, dims: usize) -> Vec<f32> {
    let mut v = vec![0f32; dims];
    for w in text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 1) {
        let h = w.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
        v[(h % dims as u64) as usize] += 1.0;
    }
    v
}

fn failure(f: Fail) -> ResponseTemplate {
    match f {
        Fail::TooMany => ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})),
        Fail::Server => ResponseTemplate::new(500).set_body_json(json!({"error": {"message": "server error", "type": "server_error", "param": null, "code": null}})),
        Fail::BadBody => ResponseTemplate::new(200).set_body_string("{not json"),
    }
}

impl LeadModelStandIn {
    pub async fn start(delay: Duration) -> (MockServer, Self) {
        let server = MockServer::start().await;
        let me = Self {
            state: Arc::new(Mutex::new(State {
                verdict: json!({"score": 88, "fit_level": "High", "next_action": "Call", "reasoning": "Closest to gym-uae: same industry, size and region; an open deal."}),
                ..State::default()
            })),
            delay,
        };
        Mock::given(wiremock::matchers::any()).respond_with(me.clone()).mount(&server).await;
        (server, me)
    }

    fn embeddings(&self, st: &mut State, body: &Value) -> ResponseTemplate {
        st.embedding_calls += 1;
        let inputs = body["input"].as_array().cloned().unwrap_or_default();
        if body["model"].as_str().is_none_or(str::is_empty) || inputs.is_empty() || inputs.len() > 2048 || inputs.iter().any(|i| i.as_str().is_none_or(str::is_empty)) {
            st.violations.push(format!("embeddings: model and 1-2048 non-empty inputs required: {}", body.to_string().chars().take(200).collect::<String>()));
            return ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "invalid input", "type": "invalid_request_error", "param": "input", "code": null}}));
        }
        let Some(dims) = body["dimensions"].as_u64().filter(|d| (1..=1536).contains(d)) else {
            st.violations.push("embeddings: dimensions missing or out of range".into());
            return ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "dimensions", "type": "invalid_request_error", "param": "dimensions", "code": null}}));
        };
        if let Some(f) = st.embedding_failures.pop_front() {
            return failure(f);
        }
        st.embedded_inputs += inputs.len() as u32;
        let data: Vec<Value> = inputs.iter().enumerate().map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": vector(t.as_str().unwrap(), dims as usize)})).collect();
        ResponseTemplate::new(200).set_delay(self.delay).set_body_json(json!({"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 10, "total_tokens": 10}}))
    }

    fn chat(&self, st: &mut State, body: &Value) -> ResponseTemplate {
        st.chat_calls += 1;
        let format = &body["response_format"];
        if format["type"] != "json_schema" || format["json_schema"]["strict"] != true || format["json_schema"]["schema"]["additionalProperties"] != false {
            st.violations.push("chat: a strict json_schema response format is required".into());
            return ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "response_format", "type": "invalid_request_error", "param": "response_format", "code": null}}));
        }
        if st.chat_down {
            return failure(Fail::Server);
        }
        if let Some(f) = st.chat_failures.pop_front() {
            return failure(f);
        }
        let completion = json!({
            "id": "chatcmpl-lead", "object": "chat.completion", "created": 1_700_000_000, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": st.verdict.to_string(), "refusal": null}}],
            "usage": {"prompt_tokens": 400, "completion_tokens": 60, "total_tokens": 460}
        });
        ResponseTemplate::new(200).set_delay(self.delay).set_body_json(completion)
    }
}

impl Respond for LeadModelStandIn {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let mut st = self.state.lock().unwrap();
        if req.headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer sk-test") {
            st.violations.push("missing Bearer key".into());
            return ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "no key", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}));
        }
        match req.url.path() {
            "/v1/embeddings" => self.embeddings(&mut st, &body),
            "/v1/chat/completions" => self.chat(&mut st, &body),
            other => ResponseTemplate::new(404).set_body_string(format!("no route {other}")),
        }
    }
}
