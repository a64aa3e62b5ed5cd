//! Client health (#18) against `debrief serve` and the `debrief clients` CLI: a CSV import, events
//! (a redelivery changes nothing; bad input is a 400 naming the field), a client's score and
//! history, the summary, the intervention queue, an intervention's draft reviewed and sent once
//! through the workshop review, the coach's digest sent once a day, and a recompute killed
//! with SIGKILL after each of its writes that resumes without duplicates.

use std::process::Command;
use std::time::{Duration, Instant};

use debrief::health::records::HealthRecords;
use debrief::health::{Day, HealthConfig, import};
use debrief_tests::app::{TestApp, debrief_bin, mcp_tool, repo, spawn_app, spawn_app_with};
use debrief_tests::outbox::read_outbox;
use serde_json::{Value, json};

fn today() -> Day {
    Day::today(&HealthConfig::default().tz)
}

/// Three clients of the sample coach: one steady on paper, one lapsed a month ago with money
/// owed, one with no coach's email-able address.
fn clients_csv(coach: &str) -> String {
    let t = today();
    format!(
        "client_id,name,email,coach_id,package_value,sessions_remaining,renewal_date,outstanding_balance,last_session\n\
         c-sara,Sara Haddad,sara@clients.example,{coach},2400,6,{},0,{}\n\
         c-omar,Omar Nowak,omar@clients.example,{coach},3600,10,{},1800,{}\n\
         c-lee,Lee Park,,{coach},1800,4,{},0,{}\n",
        t.plus(20),
        t.plus(-1),
        t.plus(10),
        t.plus(-30),
        t.plus(40),
        t.plus(-3),
    )
}

async fn send(app: &TestApp, key: &str, method: &str, path: &str, body: Option<(&str, String)>) -> (u16, Value) {
    let url = format!("{}{path}", app.base);
    let client = debrief::net::client();
    let mut r = if method == "POST" { client.post(url) } else { client.get(url) }.bearer_auth(key);
    if let Some((content_type, b)) = body {
        r = r.header("content-type", content_type).body(b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The client once `ready` holds (events are applied by the queue's consumer), or a failure
/// after 20 seconds.
async fn wait_for_client(app: &TestApp, id: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (s, v) = send(app, &app.coach_key, "GET", &format!("/v1/health/clients/{id}"), None).await;
        if s == 200 && ready(&v["data"]) {
            return v["data"].clone();
        }
        assert!(Instant::now() < deadline, "client {id} never got there: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn event(id: &str, client: &str, kind: &str) -> String {
    json!({"eventId": id, "clientId": client, "type": kind, "occurredAt": today().to_string()}).to_string()
}

#[tokio::test]
async fn import_events_scores_queue_and_an_intervention_sent_once() {
    let app = spawn_app().await;
    let coach = app.coach.coach_id.clone();

    // The import scores everyone at once; the lapsed client with money owed gets an intervention.
    let (s, v) = send(&app, &app.ingest_key, "POST", "/v1/health/clients", Some(("text/csv", clients_csv(&coach)))).await;
    assert_eq!(s, 200, "{v}");
    // (The schedule's first tick may score some of them first: the zones below count all three.)
    assert_eq!((v["data"]["imported"].as_u64(), v["data"]["created"].as_u64()), (Some(3), Some(3)), "{v}");
    let (s, v) = send(&app, &app.ingest_key, "POST", "/v1/health/clients", Some(("text/csv", "id,name,renewal date\nx,Y,31/12/2026\n".into()))).await;
    assert_eq!((s, v["error"]["field"].as_str()), (400, Some("line 2, renewal date")), "{v}");

    // Bad events: 400s naming the field; nothing stored.
    for (body, field) in [
        (json!({"clientId": "c-sara", "type": "session_attended", "occurredAt": "2026-11-20"}), "eventId"),
        (json!({"eventId": "e1", "clientId": "c-sara", "type": "session_attended", "occurredAt": "yesterday"}), "occurredAt"),
        (json!({"eventId": "e1", "clientId": "c-sara", "type": "party", "occurredAt": "2026-11-20"}), "type"),
        (json!({"eventId": "e1", "clientId": "c-sara", "type": "payment_made", "occurredAt": "2026-11-20", "amount": -5}), "amount"),
        (json!({"eventId": "e1", "clientId": "c-sara", "type": "payment_made", "occurredAt": "2026-11-20", "colour": "red"}), "colour"),
    ] {
        let (s, v) = send(&app, &app.ingest_key, "POST", "/v1/health/events", Some(("application/json", body.to_string()))).await;
        assert_eq!((s, v["error"]["field"].as_str()), (400, Some(field)), "{body}: {v}");
    }

    // An event is queued (202) and rescores its client within seconds; once applied, a
    // redelivery is recognised (200, duplicate) and changes nothing.
    let (s, first) = send(&app, &app.ingest_key, "POST", "/v1/health/events", Some(("application/json", event("e-1", "c-omar", "session_attended")))).await;
    assert_eq!((s, first["data"]["duplicate"].as_bool(), first["data"]["queued"].as_bool()), (202, Some(false), Some(true)), "{first}");
    let omar = wait_for_client(&app, "c-omar", |d| d["sessionsRemaining"] == 9).await;
    let (s, again) = send(&app, &app.ingest_key, "POST", "/v1/health/events", Some(("application/json", event("e-1", "c-omar", "session_attended")))).await;
    assert_eq!((s, again["data"]["duplicate"].as_bool()), (200, Some(true)), "{again}");
    assert_eq!(again["data"]["score"]["total"], omar["score"]["total"], "{again}");
    // A burst for one client, one of them sent twice before it is applied: each applied once.
    for id in ["e-2", "e-3", "e-3", "e-4"] {
        let (s, v) = send(&app, &app.ingest_key, "POST", "/v1/health/events", Some(("application/json", event(id, "c-sara", "session_attended")))).await;
        assert!(s == 202 || s == 200, "{v}");
    }
    wait_for_client(&app, "c-sara", |d| d["sessionsRemaining"] == 3).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (_, sara) = send(&app, &app.coach_key, "GET", "/v1/health/clients/c-sara", None).await;
    assert_eq!(sara["data"]["sessionsRemaining"], 3, "three events, three sessions: {sara}");

    // The client: dimensions, churn terms, history and the intervention with its cause.
    let (s, omar) = send(&app, &app.coach_key, "GET", "/v1/health/clients/c-omar", None).await;
    assert_eq!(s, 200, "{omar}");
    let d = &omar["data"];
    assert_eq!(d["sessionsRemaining"], 9, "the attended session is counted: {d}");
    assert_eq!(d["currency"], "AED");
    for dim in ["engagement", "financial", "relationship", "package", "momentum"] {
        assert!(d["score"]["dimensions"][dim].as_u64().is_some_and(|v| v <= 100), "{dim}: {d}");
    }
    assert!(d["score"]["churnTerms"].as_array().unwrap().len() >= 5, "{d}");
    assert_eq!(d["history"].as_array().unwrap().len(), 1, "one result for the day: {d}");
    let ivs = d["interventions"].as_array().unwrap();
    assert_eq!(ivs.len(), 1, "{d}");
    let iv = &ivs[0]["intervention"];
    assert!(iv["cause"].as_str().unwrap().to_lowercase().contains("no session for 30 days"), "{iv}");
    let iv_id = iv["id"].as_str().unwrap().to_string();

    // The summary and the queue.
    let (_, summary) = send(&app, &app.coach_key, "GET", "/v1/health/summary", None).await;
    let zones: u64 = summary["data"]["zones"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!((summary["data"]["clients"].as_u64(), zones), (Some(3), 3), "{summary}");
    assert!(summary["data"]["revenueAtRisk"]["Red"].as_f64().is_some(), "{summary}");
    // Outcomes by type and coach: counted now, measured once 7 and 30 days have passed.
    let by_kind = &summary["data"]["outcomesByKind"]["re-engagement"];
    assert_eq!((by_kind["interventions"].as_u64(), by_kind["after7"].is_null()), (Some(1), true), "{summary}");
    assert!(summary["data"]["outcomesByCoach"][coach.as_str()]["interventions"].as_u64().is_some_and(|n| n >= 1), "{summary}");
    let (_, queue) = send(&app, &app.coach_key, "GET", "/v1/health/interventions", None).await;
    let urgencies: Vec<u64> = queue["data"]["interventions"].as_array().unwrap().iter().map(|i| i["urgency"].as_u64().unwrap()).collect();
    assert!(!urgencies.is_empty() && urgencies.windows(2).all(|w| w[0] >= w[1]), "{queue}");
    let (s, _) = send(&app, &app.coach_key, "GET", "/v1/health/interventions?coachId=someone-else", None).await;
    assert_eq!(s, 403, "a coach-bound key sees only its coach");

    // The same through MCP, on the signed-in coach's clients only.
    let mcp = mcp_tool(&app, "client_health", json!({"clientId": "c-omar"})).await;
    assert_eq!(mcp["structuredContent"]["score"]["zone"], omar["data"]["score"]["zone"], "{mcp}");
    assert_eq!(mcp["structuredContent"]["interventions"][0]["intervention"]["id"], iv_id.as_str(), "{mcp}");
    let mcp = mcp_tool(&app, "health_summary", json!({})).await;
    assert_eq!(mcp["structuredContent"]["clients"], 3, "{mcp}");
    let mcp = mcp_tool(&app, "intervention_queue", json!({})).await;
    assert_eq!(mcp["structuredContent"]["interventions"].as_array().map(Vec::len), Some(urgencies.len()), "{mcp}");
    let mcp = mcp_tool(&app, "client_health", json!({"clientId": "nobody"})).await;
    assert_eq!(mcp["isError"], true, "{mcp}");

    // The draft is reviewed like a workshop follow-up and sent once.
    let list = mcp_tool(&app, "list_workshops", json!({})).await;
    assert!(list["structuredContent"]["workshops"].as_array().unwrap().iter().any(|w| w["kind"] == "intervention" && w["sessionId"] == iv_id.as_str()), "{list}");
    for round in 0..2 {
        let body = json!({"sessionId": iv_id, "participantUpdates": [{"participantId": "client", "approvalStatus": "send_immediately"}]});
        let r = debrief::net::client().post(format!("{}/bulk-update", app.base)).bearer_auth(&app.coach_key).json(&body).send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["data"]["results"][0]["outcome"], if round == 0 { "sent" } else { "already_sent" }, "{v}");
    }
    let sent: Vec<_> = read_outbox(&app.outbox()).into_iter().filter(|m| m.to.iter().any(|t| t == "omar@clients.example")).collect();
    assert_eq!(sent.len(), 1, "sent exactly once");
    assert!(sent[0].body.contains("Hi Omar"), "{}", sent[0].body);
    let (_, queue) = send(&app, &app.coach_key, "GET", "/v1/health/interventions", None).await;
    let done = queue["data"]["interventions"].as_array().unwrap().iter().find(|i| i["id"] == iv_id.as_str()).cloned().unwrap();
    assert_eq!(done["status"], "done", "{done}");
}

#[tokio::test]
async fn the_digest_is_sent_once_a_day_at_the_coach_time() {
    let mut app = spawn_app_with(&[("DEBRIEF_NOTIFY_SWEEP_SECS", "1"), ("DEBRIEF_HEALTH_RECOMPUTE_AT", "00:00")]).await;
    // The clients and the coach's time are in place before the schedule first ticks.
    app.kill();
    let mut coach = app.coach.clone();
    // Due from midnight in Dubai, so always due by the time the test runs.
    coach.notification_preferences.preferred_notification_time = Some("00:00".into());
    coach.notification_preferences.time_zone = Some("Asia/Dubai".into());
    app.repo().put_coach(&coach).await.unwrap();
    HealthRecords::new(app.repo()).upsert_facts(&import::read_clients(&clients_csv(&coach.coach_id)).unwrap()).await.unwrap();
    app.restart();
    let digests = |app: &TestApp| read_outbox(&app.outbox()).into_iter().filter(|m| m.to.iter().any(|t| t == &coach.email_address) && m.subject.starts_with("Client health for")).collect::<Vec<_>>();
    let deadline = Instant::now() + Duration::from_secs(20);
    while digests(&app).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let first = digests(&app);
    assert_eq!(first.len(), 1, "one digest");
    assert!(first[0].body.contains("Omar Nowak") && first[0].body.contains("/review/"), "{}", first[0].body);
    // A restart and more ticks: still one for the day.
    app.restart();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(digests(&app).len(), 1, "once per coach per day");
}

/// Seeds a store with the sample coach and `n` clients, half of them lapsed (each lapsed one
/// gets an intervention on its first score).
async fn seeded(n: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("debrief-health-{:016x}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    let repo = repo(&dir);
    let coach = debrief_tests::app::sample_coach();
    repo.put_coach(&coach).await.unwrap();
    let t = today();
    let mut csv = String::from("client_id,name,email,coach_id,package_value,sessions_remaining,renewal_date,last_session\n");
    for i in 0..n {
        let last = if i % 2 == 0 { t.plus(-2) } else { t.plus(-25) };
        csv.push_str(&format!("c{i},Client {i},c{i}@clients.example,{},2400,6,{},{last}\n", coach.coach_id, t.plus(30)));
    }
    HealthRecords::new(repo).upsert_facts(&import::read_clients(&csv).unwrap()).await.unwrap();
    dir
}

fn recompute(dir: &std::path::Path, day: Day, crash_at: Option<&str>) -> std::process::ExitStatus {
    let mut c = Command::new(debrief_bin());
    c.args(["clients", "recompute", "--day", &day.to_string(), "--data-dir"]).arg(dir).env("DEBRIEF_LOG", "error");
    match crash_at {
        Some(p) => c.env("DEBRIEF_CRASH_AT", p),
        None => c.env_remove("DEBRIEF_CRASH_AT"),
    };
    c.status().unwrap()
}

#[tokio::test]
async fn a_recompute_killed_after_each_write_resumes_without_duplicates() {
    let day = today();
    // The run without a crash: what every crashed-and-resumed run must end with.
    let control = seeded(6).await;
    assert!(recompute(&control, day, None).success());
    let count = |dir: std::path::PathBuf| async move {
        let repo = repo(&dir);
        let records = HealthRecords::new(repo.clone());
        let clients = records.all().await.unwrap();
        let scored_once = clients.iter().all(|(c, _)| c.history.iter().filter(|p| p.day == day).count() == 1);
        let ivs = records.interventions(None).await.unwrap();
        let mut sessions = 0;
        for iv in &ivs {
            sessions += usize::from(repo.get_session(&iv.id).await.unwrap().is_some());
        }
        (clients.len(), scored_once, ivs.len(), sessions)
    };
    let want = count(control).await;
    assert_eq!((want.0, want.1), (6, true));
    assert_eq!(want.2, 3, "the three lapsed clients");
    assert_eq!(want.3, 3, "each with its draft to review");
    for point in ["health:draft-stored", "health:intervention-stored", "health:client-scored"] {
        let dir = seeded(6).await;
        let died = recompute(&dir, day, Some(point));
        assert!(!died.success(), "{point}: the run was killed");
        assert!(recompute(&dir, day, None).success(), "{point}: the rerun finishes");
        assert_eq!(count(dir).await, want, "{point}: the same result as a run that never crashed");
    }
}
