//! The MCP review server over HTTP against `debrief serve`, speaking JSON-RPC as a client
//! would: who may call it, the resource metadata, a foreign `Host`, and concurrent sends.
//! (The official Python SDK drives the whole flow in `scripts/test`: tests/mcp/review_flow.py.)

use std::time::Duration;

use debrief_tests::app::{TestApp, spawn_app};
use debrief_tests::outbox::read_outbox;
use serde_json::{Value, json};

async fn rpc(app: &TestApp, key: Option<&str>, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = debrief::net::client()
        .post(format!("{}/mcp", app.base))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

async fn tool(app: &TestApp, name: &str, arguments: Value) -> Value {
    let (s, _, v) = rpc(app, Some(&app.coach_key), json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}})).await;
    assert_eq!(s, 200, "{v}");
    v["result"].clone()
}

async fn completed(app: &TestApp) -> String {
    let r = debrief::net::client().post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).json(&app.sample_workshop()).send().await.unwrap();
    let sid = r.json::<Value>().await.unwrap()["sessionId"].as_str().unwrap().to_string();
    app.wait_notified(&sid, Duration::from_secs(30)).await;
    sid
}

#[tokio::test]
async fn only_a_coach_may_call_and_the_401_points_to_the_metadata() {
    let app = spawn_app().await;
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    for key in [None, Some("dbk_coach_made-up"), Some(app.ingest_key.as_str())] {
        let (s, h, _) = rpc(&app, key, list.clone()).await;
        assert_eq!(s, 401, "{key:?}");
        let challenge = h["www-authenticate"].to_str().unwrap();
        assert_eq!(challenge, format!("Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource\"", app.base));
    }
    let meta: Value = debrief::net::client().get(format!("{}/.well-known/oauth-protected-resource", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(meta["resource"], format!("{}/mcp", app.base));
    let (s, _, v) = rpc(&app, Some(&app.coach_key), list).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = v["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["list_workshops", "get_workshop", "update_participant", "approve_and_send", "rep_stats", "client_health", "health_summary", "intervention_queue"]);
}

#[tokio::test]
async fn a_foreign_host_is_refused() {
    let app = spawn_app().await;
    let r = debrief::net::client()
        .post(format!("{}/mcp", app.base))
        .header("host", "evil.example")
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&app.coach_key)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn concurrent_approve_and_send_emails_each_participant_once() {
    let app = spawn_app().await;
    let sid = completed(&app).await;
    let before = read_outbox(&app.outbox()).len();
    let participants: Vec<Value> = ["5101", "5102", "5103", "5104"].iter().map(|p| json!({"participantId": p})).collect();
    let calls = (0..12).map(|_| tool(&app, "approve_and_send", json!({"sessionId": sid, "participants": participants})));
    let results = futures_util::future::join_all(calls).await;
    let sent: u64 = results.iter().map(|r| r["structuredContent"]["sent"].as_u64().unwrap()).sum();
    assert_eq!(sent, 4);
    assert_eq!(read_outbox(&app.outbox()).len() - before, 4);
    // A tool error is a result, never a protocol error or a 500.
    let bad = tool(&app, "update_participant", json!({"sessionId": sid, "participantId": "5101", "reviewStatus": "approved"})).await;
    assert_eq!(bad["isError"], true);
    assert!(bad["content"][0]["text"].as_str().unwrap().contains("expectedVersion"), "{bad}");
}

/// Clients of the two earlier revisions get their own version back.
#[tokio::test]
async fn clients_negotiating_2025_06_18_or_2025_11_25_are_served() {
    let app = spawn_app().await;
    for v in ["2025-06-18", "2025-11-25"] {
        let r = debrief::net::client()
            .post(format!("{}/mcp", app.base))
            .bearer_auth(&app.coach_key)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", v)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": v, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}))
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["result"]["protocolVersion"], v, "{body}");
        assert!(body["result"]["capabilities"]["tools"].is_object());
    }
}
