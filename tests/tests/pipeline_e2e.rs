//! The workshop pipeline end to end over real HTTP against `debrief serve` on the embedded
//! adapters: ingest → fan-out → analysis → fan-in → the coach's email.

use std::time::{Duration, Instant};

use debrief_tests::app::{TestApp, spawn_app};
use debrief_tests::outbox::read_outbox;
use debrief::ports::Store;
use serde_json::{Value, json};

fn sample_transcript() -> String {
    std::fs::read_to_string(debrief_tests::bundled_sample().join("transcript.vtt")).unwrap()
}

fn roster() -> Value {
    json!([
        {"name": "Liam Carter", "email": "liam.carter@example.com", "hubspotContactId": "5101"},
        {"name": "Sofía Ramírez", "email": "sofia@ramirezwellness.example", "hubspotContactId": "5102"},
        {"name": "Priya Nair", "email": "priya.nair@example.com", "hubspotContactId": "5103"},
        {"name": "Jonas Weber", "email": "jonas.weber@example.com", "hubspotContactId": "5104"},
        {"name": "Ben Ortiz", "email": "ben.ortiz@example.com", "hubspotContactId": "5105"},
        {"name": "<script>alert(1)</script>", "email": "x@example.com", "hubspotContactId": "5106"}
    ])
}

fn body(app: &TestApp) -> Value {
    json!({
        "transcript": sample_transcript(),
        "workshopDate": "2026-11-20",
        "cohortName": "Spring Growth Lab",
        "coachId": app.coach.coach_id,
        "roster": roster(),
    })
}

async fn post(app: &TestApp, key: Option<&str>, body: &Value, idem: Option<&str>) -> (u16, Value) {
    let mut req = debrief::net::client().post(format!("{}/v1/workshops", app.base)).json(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(i) = idem {
        req = req.header("Idempotency-Key", i);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub async fn wait_completed(app: &TestApp, session_id: &str, timeout: Duration) -> Value {
    let started = Instant::now();
    loop {
        if let Ok(resp) =
            debrief::net::client().get(format!("{}/v1/workshops/{session_id}", app.base)).bearer_auth(&app.ingest_key).send().await
        {
            let s: Value = resp.json().await.unwrap_or(Value::Null);
            if s["status"] == "completed" && s["emailNotificationSent"] == true {
                return s;
            }
            assert_ne!(s["status"], "failed", "{s}");
        }
        assert!(started.elapsed() < timeout, "session {session_id} did not complete in {timeout:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_sample_becomes_a_coach_email() {
    let app = spawn_app().await;
    let (status, accepted) = post(&app, Some(&app.ingest_key), &body(&app), None).await;
    assert_eq!(status, 202, "{accepted}");
    let sid = accepted["sessionId"].as_str().unwrap().to_string();
    assert_eq!(accepted["status"], "processing");
    assert_eq!(accepted["statusUrl"], format!("/v1/workshops/{sid}"));

    let done = wait_completed(&app, &sid, Duration::from_secs(30)).await;
    assert_eq!(done["participantsRemaining"], 0);
    assert_eq!(done["priorityClientIds"][0], "5103", "the urgent participant first: {done}");

    // Stored summaries: one per roster member, analysed by the built-in analyser.
    let stored = app.repo().list_participants(&sid).await.unwrap();
    assert_eq!(stored.len(), 6);
    let priya = stored.iter().find(|p| p.value.participant_id == "5103").unwrap();
    assert_eq!(priya.value.urgency_indicators.len(), 2);
    assert_eq!(priya.value.priority.as_ref().unwrap().rank, 1);
    let session = app.repo().get_session(&sid).await.unwrap().unwrap().value;
    assert!(session.completed_at.is_some());

    // Exactly one email, to the coach, with the priority list, and user text escaped.
    let mails = read_outbox(&app.outbox());
    assert_eq!(mails.len(), 1, "{mails:?}");
    let m = &mails[0];
    assert_eq!(m.to, vec![app.coach.email_address.clone()]);
    assert!(m.subject.contains("Spring Growth Lab") && m.subject.contains("2026-11-20"), "{}", m.subject);
    assert!(m.body.contains("1. Priya Nair"), "{}", m.body);
    assert!(m.body.contains(&sid));
    assert!(m.body.contains("&lt;script&gt;alert(1)"), "the HTML part escapes names");
    let html = m.body.split("<!doctype html>").nth(1).expect("an HTML part");
    assert!(!html.contains("<script>"), "no raw script tag in the HTML");

    // The completed session goes to HubSpot through the crm queue (the dry run without
    // credentials records the requests).
    let mut paths: Vec<String> = Vec::new();
    for _ in 0..100 {
        let page = app.repo().store().query(&debrief::adapters::hubspot::dry_run_partition("dry-run"), "", 50, None).await.unwrap();
        paths = page.items.iter().map(|i| serde_json::from_str::<Value>(&i.body).unwrap()["path"].as_str().unwrap().to_string()).collect();
        if paths.len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(paths[0], "/crm/objects/2026-09/workshop_sessions/batch/upsert", "{paths:?}");
    assert!(paths.iter().any(|p| p == "/crm/objects/2026-09/contacts/batch/update"), "{paths:?}");
}

#[tokio::test]
async fn ingest_is_idempotent() {
    let app = spawn_app().await;
    let b = body(&app);
    let (s1, first) = post(&app, Some(&app.ingest_key), &b, Some("make-run-1")).await;
    let (s2, again) = post(&app, Some(&app.ingest_key), &b, Some("make-run-1")).await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(first["sessionId"], again["sessionId"]);
    assert_eq!((first["created"].as_bool(), again["created"].as_bool()), (Some(true), Some(false)));
    // Same transcript for the same coach under another key: still the first session.
    let (_, third) = post(&app, Some(&app.ingest_key), &b, Some("make-run-2")).await;
    assert_eq!(third["sessionId"], first["sessionId"]);

    // 50 concurrent posts of a new workshop (same Zoom meeting): one session, one email.
    let mut other = b.clone();
    other["zoomMeetingId"] = json!("zoom-42");
    other["transcript"] = json!(sample_transcript().replace("Welcome back", "Hello again"));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (base, key, body) = (app.base.clone(), app.ingest_key.clone(), other.clone());
        tasks.spawn(async move {
            let r = debrief::net::client().post(format!("{base}/v1/workshops")).bearer_auth(key).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        });
    }
    let results = tasks.join_all().await;
    assert!(results.iter().all(|(s, _)| *s == 202), "{results:?}");
    let ids: std::collections::BTreeSet<String> = results.iter().map(|(_, v)| v["sessionId"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(results.iter().filter(|(_, v)| v["created"] == true).count(), 1);
    let sid = ids.into_iter().next().unwrap();
    wait_completed(&app, &sid, Duration::from_secs(30)).await;
    wait_completed(&app, first["sessionId"].as_str().unwrap(), Duration::from_secs(30)).await;
    let (sessions, _) = app.repo().list_sessions(&app.coach.coach_id, 100, None).await.unwrap();
    assert_eq!(sessions.len(), 2, "two workshops, two sessions");
    assert_eq!(read_outbox(&app.outbox()).len(), 2, "one coach email per session");

    // A repeat after completion says so.
    let (_, after) = post(&app, Some(&app.ingest_key), &b, Some("make-run-1")).await;
    assert_eq!((after["sessionId"].clone(), after["status"].clone()), (first["sessionId"].clone(), json!("completed")));
    // The same Zoom meeting with a corrected cohort is a revision: a new session beside the
    // first, which stays as it was; posted again, it is that revision.
    let mut corrected = other.clone();
    corrected["cohortName"] = json!("Spring cohort (corrected)");
    let (status, revision) = post(&app, Some(&app.ingest_key), &corrected, None).await;
    assert_eq!(status, 202);
    assert_ne!(revision["sessionId"], json!(sid));
    assert_eq!((revision["created"].clone(), revision["revisionOf"].clone()), (json!(true), json!(sid)));
    let (_, again) = post(&app, Some(&app.ingest_key), &corrected, None).await;
    assert_eq!((again["sessionId"].clone(), again["created"].clone()), (revision["sessionId"].clone(), json!(false)));
    let original = app.repo().get_session(&sid).await.unwrap().unwrap().value;
    assert_ne!(original.cohort_name, "Spring cohort (corrected)");
}

#[tokio::test]
async fn bad_requests_get_a_clear_4xx_and_store_nothing() {
    let app = spawn_app_with_small_limit().await;
    let http = debrief::net::client();
    let url = format!("{}/v1/workshops", app.base);
    let good = body(&app);
    let with = |f: &str, v: Value| {
        let mut b = good.clone();
        b[f] = v;
        b
    };
    let without = |f: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(f);
        b
    };
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str, Option<&str>)> = vec![
        ("empty body", http.post(&url).bearer_auth(&app.ingest_key).header("content-type", "application/json").body(""), 400, "invalid_request", Some("body")),
        ("not JSON", http.post(&url).bearer_auth(&app.ingest_key).header("content-type", "application/json").body("{nope"), 400, "invalid_request", Some("body")),
        ("no transcript", http.post(&url).bearer_auth(&app.ingest_key).json(&without("transcript")), 400, "invalid_request", Some("transcript")),
        ("unparseable VTT", http.post(&url).bearer_auth(&app.ingest_key).json(&with("transcript", json!("WEBVTT\n\n00:00:01.000 --> nonsense\nA: b\n"))), 400, "invalid_request", Some("transcript")),
        ("bad date", http.post(&url).bearer_auth(&app.ingest_key).json(&with("workshopDate", json!("last tuesday"))), 400, "invalid_request", Some("workshopDate")),
        ("no cohort", http.post(&url).bearer_auth(&app.ingest_key).json(&without("cohortName")), 400, "invalid_request", Some("cohortName")),
        ("unknown coach", http.post(&url).bearer_auth(&app.ingest_key).json(&with("coachId", json!("nobody"))), 400, "invalid_request", Some("coachId")),
        ("bad roster", http.post(&url).bearer_auth(&app.ingest_key).json(&with("roster", json!([{"name": "A"}]))), 400, "invalid_request", Some("roster")),
        ("oversize", http.post(&url).bearer_auth(&app.ingest_key).json(&with("transcript", json!(format!("WEBVTT\n\n{}", "x".repeat(70_000))))), 413, "payload_too_large", None),
        ("wrong content type", http.post(&url).bearer_auth(&app.ingest_key).header("content-type", "text/plain").body("hello"), 415, "unsupported_media_type", None),
        ("no key", http.post(&url).json(&good), 401, "unauthorized", None),
        ("wrong key", http.post(&url).bearer_auth("dbk_ingest_not-a-real-key").json(&good), 401, "unauthorized", None),
        ("coach key", http.post(&url).bearer_auth(&app.coach_key).json(&good), 403, "forbidden", None),
    ];
    for (name, req, status, code, field) in cases {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{name}");
        let v: Value = resp.json().await.unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        assert_eq!(v["success"], false, "{name}: {v}");
        assert_eq!(v["error"]["code"], code, "{name}: {v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
        if let Some(f) = field {
            assert_eq!(v["error"]["field"], f, "{name}: {v}");
        }
    }
    let vtt = http.post(&url).bearer_auth(&app.ingest_key).json(&with("transcript", json!("WEBVTT\n\n00:00:01.000 --> nonsense\nA: b\n"))).send().await.unwrap();
    let v: Value = vtt.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("line 3"), "the message names the line: {v}");
    let (sessions, _) = app.repo().list_sessions(&app.coach.coach_id, 10, None).await.unwrap();
    assert!(sessions.is_empty(), "nothing stored");
    let missing = http.get(format!("{}/v1/workshops/ws-nope", app.base)).bearer_auth(&app.ingest_key).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

async fn spawn_app_with_small_limit() -> TestApp {
    debrief_tests::app::spawn_app_with(&[("DEBRIEF_MAX_TRANSCRIPT_BYTES", "65536")]).await
}

#[tokio::test]
async fn multipart_with_a_transcript_file() {
    let app = spawn_app().await;
    let form = reqwest::multipart::Form::new()
        .part("transcript", reqwest::multipart::Part::text(sample_transcript()).file_name("GMT20261120-zoom.vtt").mime_str("text/vtt").unwrap())
        .text("workshopDate", "2026-11-20")
        .text("cohortName", "Spring Growth Lab")
        .text("coachId", app.coach.coach_id.clone())
        .text("roster", "name,email,hubspotContactId\nPriya Nair,priya.nair@example.com,5103\nBen Ortiz,ben.ortiz@example.com,5105\n");
    let resp = debrief::net::client().post(format!("{}/v1/workshops", app.base)).header("x-api-key", &app.ingest_key).multipart(form).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let v: Value = resp.json().await.unwrap();
    let done = wait_completed(&app, v["sessionId"].as_str().unwrap(), Duration::from_secs(30)).await;
    assert_eq!(done["participantCount"], 2);
}

async fn reanalyze(app: &TestApp, session_id: &str, idem: Option<&str>) -> (u16, Value) {
    let mut req = debrief::net::client().post(format!("{}/v1/workshops/{session_id}/reanalyze", app.base)).bearer_auth(&app.ingest_key);
    if let Some(i) = idem {
        req = req.header("Idempotency-Key", i);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_kept_transcript_is_reanalysed_as_a_new_revision() {
    let app = spawn_app().await;
    let (_, accepted) = post(&app, Some(&app.ingest_key), &body(&app), None).await;
    let sid = accepted["sessionId"].as_str().unwrap().to_string();
    let first = wait_completed(&app, &sid, Duration::from_secs(30)).await;
    assert!(first["priorityClientIds"].as_array().unwrap().contains(&json!("5106")), "silent is priority by default: {first}");

    // The transcript is kept whole, under a key that names its content, not a person.
    let kept: Vec<_> = std::fs::read_dir(app.dir.join("archive/transcripts")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), sample_transcript());

    // The coach turns the silence rule off; a re-analysis applies today's profile.
    let mut coach = app.coach.clone();
    coach.priority_rules = Some(serde_json::from_value(json!({"urgency": 100, "silent": 0})).unwrap());
    app.repo().put_coach(&coach).await.unwrap();
    let (s, again) = reanalyze(&app, &sid, Some("fix-1")).await;
    assert_eq!(s, 202, "{again}");
    assert_eq!(again["revisionOf"], sid.as_str());
    assert_eq!(again["created"], true);
    let rid = again["sessionId"].as_str().unwrap().to_string();
    assert_ne!(rid, sid, "a revision is a session of its own");
    let (_, retried) = reanalyze(&app, &sid, Some("fix-1")).await;
    assert_eq!(retried["sessionId"], rid.as_str(), "the same Idempotency-Key is the same revision");
    let revised = wait_completed(&app, &rid, Duration::from_secs(30)).await;
    assert!(!revised["priorityClientIds"].as_array().unwrap().contains(&json!("5106")), "{revised}");
    assert_eq!(app.repo().list_participants(&rid).await.unwrap().len(), 6);
    // The first session stays as it was.
    let original = app.repo().get_session(&sid).await.unwrap().unwrap().value;
    assert!(original.priority_client_ids.contains(&"5106".to_string()));

    // Each call without a key is one more revision.
    let (_, third) = reanalyze(&app, &sid, None).await;
    assert!(third["sessionId"] != sid.as_str() && third["sessionId"] != rid.as_str(), "{third}");

    let (s, missing) = reanalyze(&app, "ws-00000000000000000000", None).await;
    assert_eq!((s, missing["error"]["code"].as_str()), (404, Some("not_found")));
    // A transcript gone from the archive (its lifecycle rule) is a 409 that says what to do.
    std::fs::remove_file(&kept[0]).unwrap();
    let (s, gone) = reanalyze(&app, &sid, None).await;
    assert_eq!(s, 409, "{gone}");
    assert!(gone["error"]["message"].as_str().unwrap().contains("post it again"), "{gone}");
}
