//! getWorkshopData, and the MCP tool call get_workshop, under load from a second process (this one) on loopback: a 30-participant
//! session on a release `debrief serve` (embedded store), requests sent at a fixed 200 per
//! second for 10 s (open loop: a slow answer does not slow the sender), p50/p99 latency.
//! `scripts/bench-actions`.

use std::time::{Duration, Instant};

use debrief_tests::app::spawn_app_env;
use serde_json::{Value, json};

#[tokio::main]
async fn main() {
    let app = spawn_app_env(vec![("LEASE_SECS".into(), "120".into())]).await;
    let (vtt, roster) = debrief_tests::synthetic_workshop(30, 6, 8000);
    let http = debrief::net::client();
    let body = json!({"transcript": vtt, "workshopDate": "2026-11-20", "cohortName": "Bench", "coachId": app.coach.coach_id, "roster": roster});
    let r = http.post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).json(&body).send().await.unwrap();
    let sid = r.json::<Value>().await.unwrap()["sessionId"].as_str().unwrap().to_string();
    loop {
        let s: Value = http.get(format!("{}/v1/workshops/{sid}", app.base)).bearer_auth(&app.ingest_key).send().await.unwrap().json().await.unwrap();
        if s["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("{}/workshop-data/{sid}", app.base);
    let get = {
        let (http, url, key) = (http.clone(), url.clone(), app.coach_key.clone());
        move || http.get(&url).bearer_auth(&key)
    };
    let size = get().send().await.unwrap().bytes().await.unwrap().len();
    measure(&format!("getWorkshopData, 30 participants ({} KB compact)", size / 1024), get).await;
    // The same read as an MCP tool call (stateless JSON-RPC over streamable HTTP).
    let call = {
        let (http, url, key) = (http.clone(), format!("{}/mcp", app.base), app.coach_key.clone());
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_workshop", "arguments": {"sessionId": sid}}});
        move || {
            http.post(&url)
                .bearer_auth(&key)
                .header("accept", "application/json, text/event-stream")
                .header("mcp-protocol-version", "2025-06-18")
                .json(&body)
        }
    };
    let size = call().send().await.unwrap().bytes().await.unwrap().len();
    measure(&format!("MCP tools/call get_workshop, 30 participants ({} KB)", size / 1024), call).await;
}

/// Warms up, then sends `request()` at a fixed 200 per second for 10 s (open loop) and prints
/// p50/p99/max latency.
async fn measure(name: &str, request: impl Fn() -> reqwest::RequestBuilder) {
    for _ in 0..50 {
        request().send().await.unwrap().bytes().await.unwrap();
    }
    let rate = 200u32;
    let secs = 10u32;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for _ in 0..rate * secs {
        ticker.tick().await;
        let req = request();
        tasks.spawn(async move {
            let t0 = Instant::now();
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            resp.bytes().await.unwrap();
            t0.elapsed()
        });
    }
    let mut lat = tasks.join_all().await;
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{name}, {} requests at {rate}/s over {elapsed:.1} s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        pct(0.5),
        pct(0.99),
        lat[lat.len() - 1].as_secs_f64() * 1e3
    );
}
