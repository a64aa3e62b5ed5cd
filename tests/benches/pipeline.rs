//! The pipeline's wall time and ingest latency (a bench binary, not a timed test), over HTTP
//! against a release `debrief serve`: `scripts/bench-pipeline`.
//!
//! 1. Fan-out: a 15-participant workshop with an OpenAI-compatible stand-in that answers each
//!    call after 1.0 s; time from POST to `completed` with the coach's email sent.
//! 2. Ingest: 200 POSTs of distinct workshops (built-in analyser), each request's latency.

use std::time::{Duration, Instant};

use debrief_tests::app::spawn_app_env;
use debrief_tests::llm_stand_in;
use serde_json::{Value, json};

const NAMES: [&str; 15] = [
    "Aisha Nowak", "Björn Johnson", "Chloé Iyer", "Elena Park", "Fatima Silva", "Hannah Wong", "Nadia O'Neil",
    "Omar Torres", "Priya Haddad", "Sarah Dubois", "Tom Iyer", "Zoë Silva", "Liam Carter", "Maya Chen", "Jonas Weber",
];

fn workshop(round: usize) -> Value {
    let mut vtt = String::from("WEBVTT\n\n");
    let mut t = 1.0f64;
    let ts = |s: f64| format!("{:02}:{:02}:{:06.3}", (s / 3600.0) as u64, ((s / 60.0) as u64) % 60, s % 60.0);
    for turn in 0..5 {
        for (i, name) in NAMES.iter().enumerate() {
            let (who, text) = if i % 4 == 0 {
                ("Maya Okafor", format!("Round {round}, turn {turn}: what is your next step?"))
            } else {
                (*name, format!("My next step is to call {} clients this week, round {round} turn {turn}.", i + turn))
            };
            vtt.push_str(&format!("{} --> {}\n{who}: {text}\n\n", ts(t), ts(t + 3.0)));
            t += 3.5;
        }
    }
    let roster: Vec<Value> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"name": n, "email": format!("p{i}@example.com"), "hubspotContactId": format!("{}", 7000 + i)}))
        .collect();
    json!({"transcript": vtt, "workshopDate": "2026-11-20", "cohortName": format!("Bench {round}"), "coachId": "coach-maya", "roster": roster})
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn wait_done(http: &reqwest::Client, base: &str, key: &str, sid: &str) {
    loop {
        let s: Value = http.get(format!("{base}/v1/workshops/{sid}")).bearer_auth(key).send().await.unwrap().json().await.unwrap();
        if s["status"] == "completed" && s["emailNotificationSent"] == true {
            return;
        }
        assert_ne!(s["status"], "failed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::main]
async fn main() {
    let http = debrief::net::client();

    let (_llm, counters, mut env) = llm_stand_in::start(Duration::from_millis(1000), 0, 3).await;
    env.push(("LEASE_SECS".into(), "120".into()));
    let app = spawn_app_env(env).await;
    let mut walls = Vec::new();
    for round in 0..5 {
        let started = Instant::now();
        let resp = http.post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).json(&workshop(round)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 202);
        let sid = resp.json::<Value>().await.unwrap()["sessionId"].as_str().unwrap().to_string();
        wait_done(&http, &app.base, &app.ingest_key, &sid).await;
        walls.push(started.elapsed());
    }
    walls.sort();
    println!(
        "fan-out, 15 participants, model answering after 1.0 s: median {:.2} s, best {:.2} s, worst {:.2} s over {} runs ({} model calls)",
        pct(&walls, 0.5).as_secs_f64(),
        walls[0].as_secs_f64(),
        walls[walls.len() - 1].as_secs_f64(),
        walls.len(),
        counters.calls.load(std::sync::atomic::Ordering::SeqCst)
    );
    drop(app);

    let app = spawn_app_env(vec![("LEASE_SECS".into(), "120".into())]).await;
    let mut lat = Vec::new();
    for round in 100..300 {
        let body = workshop(round);
        let started = Instant::now();
        let resp = http.post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).json(&body).send().await.unwrap();
        lat.push(started.elapsed());
        assert_eq!(resp.status().as_u16(), 202);
    }
    lat.sort();
    println!(
        "ingest POST /v1/workshops (15 participants, {} KB body): p50 {:.1} ms, p99 {:.1} ms over {} requests",
        serde_json::to_vec(&workshop(0)).unwrap().len() / 1024,
        pct(&lat, 0.5).as_secs_f64() * 1e3,
        pct(&lat, 0.99).as_secs_f64() * 1e3,
        lat.len()
    );
}
