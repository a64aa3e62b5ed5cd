//! A local stand-in for the Graph API's Conversions API endpoint
//! (`POST /{version}/{pixel_id}/events`), strict about what Meta checks and scriptable to
//! answer as Meta does: success, throttling (code 17), 5xx, invalid parameter (code 100,
//! for the whole request), an expired token (code 190), slow and malformed answers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const VERSION: &str = "v24.0";
pub const TOKEN: &str = "EAAB-test-token";

#[derive(Debug, Clone)]
pub enum Answer {
    Throttle,
    ServerError,
    /// 400 code 190: the token expired.
    Auth,
    Slow(Duration),
    Malformed,
}

/// One request as received and judged.
#[derive(Debug, Clone)]
pub struct Seen {
    pub pixel: String,
    pub event_ids: Vec<String>,
    pub test_event_code: Option<String>,
    pub accepted: bool,
    pub at: std::time::Instant,
}

#[derive(Default)]
struct State {
    script: VecDeque<Answer>,
    seen: Vec<Seen>,
    /// Event ids that make Meta refuse any request containing them.
    poison: Vec<String>,
}

#[derive(Clone, Default)]
pub struct GraphStandIn {
    state: Arc<Mutex<State>>,
}

fn error(status: u16, code: i64, message: &str, transient: bool) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": {
        "message": message, "type": "OAuthException", "code": code, "is_transient": transient,
        "error_user_msg": message, "fbtrace_id": "AbCdEfGh123"
    }}))
}

fn is_hash(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Meta's checks on one event; `Err` names what is wrong.
fn check_event(e: &Value, now: i64) -> Result<(), String> {
    let name = e["event_name"].as_str().ok_or("event_name")?;
    if name.is_empty() {
        return Err("event_name".into());
    }
    let t = e["event_time"]
        .as_i64()
        .ok_or("event_time must be an integer")?;
    if now - t > 7 * 86400 && e["action_source"] != "physical_store" {
        return Err("event_time is more than 7 days ago".into());
    }
    e["event_id"].as_str().ok_or("event_id")?;
    e["action_source"].as_str().ok_or("action_source")?;
    let u = e["user_data"].as_object().ok_or("user_data")?;
    for (k, v) in u {
        match k.as_str() {
            "em" | "ph" | "fn" | "ln" | "ge" | "db" | "ct" | "st" | "zp" | "country"
            | "external_id" => {
                let list = v
                    .as_array()
                    .ok_or(format!("user_data.{k} must be a list"))?;
                if !list.iter().all(is_hash) {
                    return Err(format!("user_data.{k} must be SHA-256 hashed"));
                }
            }
            "client_ip_address" | "client_user_agent" | "fbc" | "fbp" => {
                if is_hash(v) || !v.is_string() {
                    return Err(format!("user_data.{k} must not be hashed"));
                }
            }
            other => return Err(format!("unknown user_data field {other}")),
        }
    }
    if let Some(c) = e.get("custom_data") {
        if c.get("value").is_some() && !c["value"].is_number() {
            return Err("custom_data.value must be a number".into());
        }
    }
    Ok(())
}

impl Respond for GraphStandIn {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let segs: Vec<&str> = req.url.path().trim_start_matches('/').split('/').collect();
        let pixel = segs.get(1).copied().unwrap_or_default().to_string();
        if segs.len() != 3 || segs[0] != VERSION || segs[2] != "events" {
            return error(400, 2500, "Unknown path components", false);
        }
        if req.url.query().is_some_and(|q| q.contains("access_token")) {
            return error(
                400,
                100,
                "test: the token must not travel in the URL",
                false,
            );
        }
        let body: Value = match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(_) => return error(400, 100, "Invalid parameter: body is not JSON", false),
        };
        if body["access_token"] != TOKEN {
            return error(400, 190, "Invalid OAuth access token", false);
        }
        let Some(data) = body["data"].as_array() else {
            return error(400, 100, "Invalid parameter: data", false);
        };
        if data.is_empty() || data.len() > 1000 {
            return error(
                400,
                100,
                "Invalid parameter: data must hold 1 to 1000 events",
                false,
            );
        }
        let event_ids: Vec<String> = data
            .iter()
            .map(|e| e["event_id"].as_str().unwrap_or_default().to_string())
            .collect();
        let test_event_code = body["test_event_code"].as_str().map(str::to_string);
        let mut st = self.state.lock().unwrap();
        let mut seen = Seen {
            pixel,
            event_ids,
            test_event_code,
            accepted: false,
            at: std::time::Instant::now(),
        };
        let answer = st.script.pop_front();
        let resp = match answer {
            Some(Answer::Throttle) => error(400, 17, "(#17) User request limit reached", true),
            Some(Answer::ServerError) => {
                ResponseTemplate::new(503).set_body_string("Service Unavailable")
            }
            Some(Answer::Auth) => error(
                400,
                190,
                "Error validating access token: Session has expired",
                false,
            ),
            Some(Answer::Malformed) => ResponseTemplate::new(200).set_body_string("{\"events_rec"),
            Some(Answer::Slow(d)) => {
                seen.accepted = true;
                ResponseTemplate::new(200).set_delay(d).set_body_json(
                    json!({"events_received": data.len(), "messages": [], "fbtrace_id": "Slow1"}),
                )
            }
            None => {
                let bad = data.iter().find_map(|e| check_event(e, now).err());
                let poisoned = seen.event_ids.iter().any(|id| st.poison.contains(id));
                match (bad, poisoned) {
                    (Some(why), _) => error(400, 100, &format!("Invalid parameter: {why}"), false),
                    (None, true) => error(
                        400,
                        100,
                        "Invalid parameter: the event's user data is invalid",
                        false,
                    ),
                    (None, false) => {
                        seen.accepted = true;
                        ResponseTemplate::new(200).set_body_json(json!({"events_received": data.len(), "messages": [], "fbtrace_id": "AbCdOk"}))
                    }
                }
            }
        };
        st.seen.push(seen);
        resp
    }
}

impl GraphStandIn {
    pub async fn start() -> (MockServer, Self) {
        let server = MockServer::start().await;
        let me = Self::default();
        Mock::given(method("POST"))
            .and(path_regex(r"^/[^/]+/[^/]+/events$"))
            .respond_with(me.clone())
            .mount(&server)
            .await;
        (server, me)
    }

    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.lock().unwrap().script.extend(answers);
    }

    pub fn poison(&self, event_id: &str) {
        self.state.lock().unwrap().poison.push(event_id.to_string());
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Event ids Meta accepted, in order, with repeats.
    pub fn accepted_ids(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|s| s.accepted)
            .flat_map(|s| s.event_ids)
            .collect()
    }
}
