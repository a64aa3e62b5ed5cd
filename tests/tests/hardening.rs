//! The hardening issue's defects, each driven over HTTP against `debrief serve` (or on the
//! adapters where that is the defect's place): every test here failed before its fix.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use debrief::repo::{KeyScope, generate_api_key};
use debrief_tests::app::{TestApp, spawn_app, spawn_app_with};
use debrief_tests::outbox::read_outbox;
use serde_json::{Value, json};

async fn post_workshop(app: &TestApp, body: &Value, idempotency_key: Option<&str>) -> (u16, Value) {
    let mut req = debrief::net::client().post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).json(body);
    if let Some(k) = idempotency_key {
        req = req.header("idempotency-key", k);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

async fn call(app: &TestApp, key: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = debrief::net::client().request(method, format!("{}{path}", app.base)).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

fn assert_field(status: u16, v: &Value, want_status: u16, field: &str) {
    assert_eq!(status, want_status, "{v}");
    assert_eq!(v["success"], false, "{v}");
    assert_eq!(v["error"]["field"], field, "{v}");
}

/// #3a: one participant speaking every other cue of a ~960 KB transcript made a context larger
/// than the store's item limit (503, then a session stuck in `processing`).
#[tokio::test]
async fn a_participant_with_a_huge_share_of_a_long_transcript_completes() {
    let app = spawn_app_with(&[("DEBRIEF_MAX_TRANSCRIPT_BYTES", "2000000")]).await;
    let mut vtt = String::from("WEBVTT\n\n");
    let filler = "and I keep practising the pitch so the next call goes better than the last one did";
    let mut i = 0;
    while vtt.len() < 960_000 {
        let (who, t) = if i % 2 == 0 { ("Liam Carter", i) } else { ("Maya Okafor", i) };
        vtt.push_str(&format!("{}\n00:{:02}:{:02}.000 --> 00:{:02}:{:02}.500\n{who}: {filler} {i}.\n\n", i + 1, (t / 60) % 60, t % 60, (t / 60) % 60, t % 60));
        i += 1;
    }
    let body = json!({"transcript": vtt, "workshopDate": "2026-11-20", "cohortName": "Long", "coachId": app.coach.coach_id,
        "roster": [{"name": "Liam Carter", "email": "liam@example.com", "hubspotContactId": "1"}, {"name": "Ben Ortiz", "email": "ben@example.com", "hubspotContactId": "2"}]});
    let (status, v) = post_workshop(&app, &body, None).await;
    assert_eq!(status, 202, "{v}");
    let sid = v["sessionId"].as_str().unwrap();
    app.wait_notified(sid, Duration::from_secs(60)).await;
    assert_eq!(app.repo().list_participants(sid).await.unwrap().len(), 2);
}

/// #3c, #11, #13, #16: limits and checks at the edge, as 400s naming the field, and on a replay
/// of an accepted request too.
#[tokio::test]
async fn input_limits_are_400s_that_name_the_field() {
    let app = spawn_app().await;
    let base = app.sample_workshop();
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let roster = |entry: Value| json!([entry]);
    let cases: Vec<(Value, &str)> = vec![
        (with("cohortName", json!("x".repeat(450_000))), "cohortName"),
        (with("roster", roster(json!({"name": "Liam Carter", "email": "l@example.com", "hubspotContactId": "9".repeat(300_000)}))), "roster[0].hubspotContactId"),
        (with("roster", roster(json!({"name": "Liam Carter", "email": "l@example.com, attacker@evil.example", "hubspotContactId": "1"}))), "roster[0].email"),
        (with("roster", roster(json!({"name": "Liam Carter", "email": "Liam <l@example.com>", "hubspotContactId": "1"}))), "roster[0].email"),
        (with("transcript", json!("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nno label on this line\n")), "transcript"),
        (with("callbackUrl", json!("http://127.0.0.1:9/hook")), "callbackUrl"),
        (with("callbackUrl", json!("http://169.254.169.254/latest/meta-data")), "callbackUrl"),
        (with("callbackUrl", json!("http://[::1]/hook")), "callbackUrl"),
        (with("callbackUrl", json!("http://localhost/hook")), "callbackUrl"),
        (with("callbackUrl", json!("https://10.0.0.8/hook")), "callbackUrl"),
        (with("zoomMeetingId", json!("z".repeat(5000))), "zoomMeetingId"),
    ];
    for (body, field) in cases {
        let (status, v) = post_workshop(&app, &body, None).await;
        assert_field(status, &v, 400, field);
    }
    // A replay of an accepted request is validated like the first one.
    let (status, v) = post_workshop(&app, &base, Some("replay-1")).await;
    assert_eq!(status, 202, "{v}");
    let (status, v) = post_workshop(&app, &with("roster", json!([])), Some("replay-1")).await;
    assert_field(status, &v, 400, "roster");
    // An internationalised domain is stored in its ASCII form.
    let mut idn = with("roster", json!([{"name": "Liam Carter", "email": "liam@bücher.example", "hubspotContactId": "77"}]));
    // Another transcript (the same one would be the same session, whatever the roster).
    idn["transcript"] = json!(format!("{}\nNOTE another recording\n", base["transcript"].as_str().unwrap()));
    let (status, v) = post_workshop(&app, &idn, None).await;
    assert_eq!(status, 202, "{v}");
    let sid = v["sessionId"].as_str().unwrap();
    app.wait_notified(sid, Duration::from_secs(30)).await;
    let liam = app.repo().get_participant(sid, "77").await.unwrap().unwrap().value;
    assert_eq!(liam.email.as_deref(), Some("liam@xn--bcher-kva.example"));
}

/// #13: random bytes as the multipart transcript were decoded lossily and accepted.
#[tokio::test]
async fn a_file_part_that_is_not_utf8_is_refused() {
    let app = spawn_app().await;
    let bytes: Vec<u8> = (0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80).collect();
    let (status, v) = post_multipart_transcript(&app, bytes).await;
    assert_field(status, &v, 400, "transcript");
}

/// The bundled sample's roster with `transcript` as the multipart file part.
async fn post_multipart_transcript(app: &debrief_tests::app::TestApp, transcript: Vec<u8>) -> (u16, Value) {
    let dir = debrief_tests::bundled_sample();
    let form = reqwest::multipart::Form::new()
        .part("transcript", reqwest::multipart::Part::bytes(transcript).file_name("t.vtt"))
        .text("workshopDate", "2026-11-20")
        .text("cohortName", "Lab")
        .text("coachId", app.coach.coach_id.clone())
        .text("roster", std::fs::read_to_string(dir.join("roster.csv")).unwrap());
    let r = debrief::net::client().post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// A multipart transcript over 2 MB (axum's default multipart limit) was refused as an
/// "unreadable multipart form", though the transcript limit is 5 MB.
#[tokio::test]
async fn a_large_multipart_transcript_is_accepted() {
    let app = spawn_app().await;
    let dir = debrief_tests::bundled_sample();
    let mut transcript = std::fs::read_to_string(dir.join("transcript.vtt")).unwrap();
    // A NOTE block pads the file past 2 MB without changing what was said.
    transcript.push_str("\nNOTE padding\n");
    transcript.push_str(&"x".repeat(2_500_000));
    transcript.push('\n');
    let (status, v) = post_multipart_transcript(&app, transcript.into_bytes()).await;
    assert_eq!(status, 202, "{v}");
}

/// #5: 20 concurrent ingests of one transcript, each with its own Idempotency-Key, made 2–10
/// sessions (and as many coach emails).
#[tokio::test]
async fn concurrent_ingests_of_one_transcript_make_one_session() {
    let app = spawn_app().await;
    let body = app.sample_workshop();
    let calls = (0..20).map(|i| {
        let (app, body) = (&app, body.clone());
        async move { post_workshop(app, &body, Some(&format!("distinct-key-{i}"))).await }
    });
    let answers = futures_util::future::join_all(calls).await;
    let mut ids: Vec<String> = answers
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, 202, "{v}");
            v["sessionId"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(answers.iter().filter(|(_, v)| v["created"] == true).count(), 1, "one request created it");
    ids.dedup();
    assert_eq!(ids.len(), 1, "one session: {ids:?}");
    app.wait_notified(&ids[0], Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(read_outbox(&app.outbox()).len(), 1, "one coach email");
    let (sessions, _) = app.repo().list_sessions(&app.coach.coach_id, 50, None).await.unwrap();
    assert_eq!(sessions.len(), 1);
}

/// #14: every error in the JSON envelope; the Bearer scheme in any case.
#[tokio::test]
async fn every_error_is_json_and_the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    // A fresh connection per request: the server closes one whose large body it did not read.
    let http = debrief::net::client_builder().pool_max_idle_per_host(0).build().unwrap();
    let check = |status: u16, want: u16, ctype: String, body: &str| {
        assert_eq!(status, want, "{body}");
        assert!(ctype.starts_with("application/json"), "{want}: {ctype} {body}");
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["success"], false);
        assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string(), "{v}");
    };
    let send = |req: reqwest::RequestBuilder| async move {
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (status, ctype, r.text().await.unwrap())
    };
    let (s, c, b) = send(http.get(format!("{}/v1/workshops/%ff", app.base)).bearer_auth(&app.ingest_key)).await;
    check(s, 400, c, &b);
    let (s, c, b) = send(http.get(format!("{}/workshop-data/%ff%fe", app.base)).bearer_auth(&app.coach_key)).await;
    check(s, 400, c, &b);
    let (s, c, b) = send(http.post(format!("{}/bulk-update", app.base)).bearer_auth(&app.coach_key).header("content-type", "application/json").body(vec![b' '; 3 * 1024 * 1024])).await;
    check(s, 413, c, &b);
    let (s, c, b) = send(http.delete(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key)).await;
    check(s, 405, c, &b);
    let (s, c, b) = send(http.put(format!("{}/participant-summary", app.base)).bearer_auth(&app.coach_key).header("content-type", "application/json").body("[1]")).await;
    check(s, 400, c, &b);
    for scheme in ["BEARER", "bearer", "Bearer", "bEaReR"] {
        let r = http.get(format!("{}/workshops", app.base)).header("authorization", format!("{scheme} {}", app.coach_key)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{scheme}");
    }
}

/// #15: a client that never finishes its headers is cut off.
#[tokio::test]
async fn a_slow_client_is_disconnected() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /workshops HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(25), "the server held the connection for {waited:?}");
    assert!(waited >= Duration::from_secs(5), "closed too early: {waited:?}");
}

/// #16: ingest keys, capabilities and the listing's limit.
#[tokio::test]
async fn keys_are_scoped_per_capability() {
    let app = spawn_app_with(&[("DEBRIEF_META_PIXEL_IDS", "111")]).await;
    let limited = generate_api_key(KeyScope::Ingest);
    app.repo().add_api_key(&limited, KeyScope::Ingest, Some(&app.coach.coach_id), None).await.unwrap();
    let event = json!({"event_name": "Lead", "event_id": "x1", "user_data": {"email": "a@b.co"}});
    for key in [&limited, &app.ingest_key, &app.coach_key] {
        let (s, v) = call(&app, key, reqwest::Method::POST, "/v1/capi/events", Some(event.clone())).await;
        assert_eq!(s, 403, "{v}");
        let (s, v) = call(&app, key, reqwest::Method::POST, "/v1/hubspot/bootstrap", None).await;
        assert_eq!(s, 403, "{v}");
    }
    let (s, v) = call(&app, &app.capi_key, reqwest::Method::POST, "/v1/capi/events", Some(event)).await;
    assert_eq!(s, 202, "{v}");
}

#[tokio::test]
async fn the_workshop_list_honours_its_limit_under_a_status_filter() {
    let app = spawn_app().await;
    let store = app.repo();
    for i in 0..9 {
        let s: debrief::domain::WorkshopSession = serde_json::from_value(json!({
            "sessionId": format!("ws-list-{i}"), "workshopDate": format!("2026-11-{:02}", 10 + i), "cohortName": "C", "coachId": app.coach.coach_id,
            "participantCount": 1, "processingStatus": if i % 3 == 0 { "completed" } else { "processing" }, "completedAt": null,
            "priorityClientIds": [], "chatGptSessionUrl": null, "emailNotificationSent": false
        }))
        .unwrap();
        store.create_session(&s, 1).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor.as_ref().map_or(String::new(), |c| format!("&cursor={c}"));
        let (s, v) = call(&app, &app.coach_key, reqwest::Method::GET, &format!("/workshops?limit=3&status=processing{q}"), None).await;
        assert_eq!(s, 200, "{v}");
        let page = v["data"]["workshops"].as_array().unwrap();
        assert!(page.len() <= 3, "{} items for limit=3", page.len());
        seen.extend(page.iter().map(|w| w["sessionId"].as_str().unwrap().to_string()));
        match v["data"]["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "every processing session once: {seen:?}");
}

/// #16: a participant named `{coachName}` is greeted by that name.
#[tokio::test]
async fn templates_do_not_re_expand_values() {
    let app = spawn_app().await;
    let mut body = app.sample_workshop();
    let vtt = body["transcript"].as_str().unwrap().replace("Liam Carter:", "{coachName}:");
    body["transcript"] = json!(vtt);
    body["roster"] = json!([{"name": "{coachName}", "email": "liam@example.com", "hubspotContactId": "5101"}]);
    let (status, v) = post_workshop(&app, &body, None).await;
    assert_eq!(status, 202, "{v}");
    let sid = v["sessionId"].as_str().unwrap();
    app.wait_notified(sid, Duration::from_secs(30)).await;
    let p = app.repo().get_participant(sid, "5101").await.unwrap().unwrap().value;
    let greeting = p.generated_email.lines().next().unwrap_or_default().to_string();
    assert!(!greeting.contains(&app.coach.coach_name), "greeted with the coach's name: {greeting}");
}

/// #11, #12: a bulk update is checked whole before anything is applied, and 60 concurrent bulk
/// sends of one session's participants end with one email each and no 5xx.
#[tokio::test]
async fn bulk_updates_validate_first_and_survive_concurrency() {
    let app = spawn_app().await;
    let (status, v) = post_workshop(&app, &app.sample_workshop(), None).await;
    assert_eq!(status, 202);
    let sid = v["sessionId"].as_str().unwrap().to_string();
    app.wait_notified(&sid, Duration::from_secs(30)).await;
    let bad = json!({"sessionId": sid, "participantUpdates": [
        {"participantId": "5101", "finalSummary": "edited", "approvalStatus": "approved"},
        {"participantId": "5102", "finalEmail": "x".repeat(500_000), "approvalStatus": "approved"}]});
    let (s, v) = call(&app, &app.coach_key, reqwest::Method::POST, "/bulk-update", Some(bad)).await;
    assert_field(s, &v, 400, "participantUpdates[1].finalEmail");
    let liam = app.repo().get_participant(&sid, "5101").await.unwrap().unwrap().value;
    assert_ne!(liam.generated_summary, "edited", "nothing applied");

    let ids = ["5101", "5102", "5103", "5104", "5105"];
    let body = json!({"sessionId": sid, "participantUpdates": ids.iter().map(|id| json!({"participantId": id, "approvalStatus": "send_immediately"})).collect::<Vec<_>>()});
    let before = read_outbox(&app.outbox()).len();
    let calls = (0..60).map(|_| call(&app, &app.coach_key, reqwest::Method::POST, "/bulk-update", Some(body.clone())));
    let answers = futures_util::future::join_all(calls).await;
    for (s, v) in &answers {
        assert_eq!(*s, 200, "{v}");
    }
    let sent: usize = answers.iter().map(|(_, v)| v["data"]["emailsQueued"].as_u64().unwrap() as usize).sum();
    assert_eq!(sent, 5, "each participant sent once");
    let mails = read_outbox(&app.outbox());
    assert_eq!(mails.len() - before, 5);
    for p in app.repo().list_participants(&sid).await.unwrap() {
        assert!(p.value.email_sent_at.is_some(), "{} recorded", p.value.participant_id);
    }
}

/// New user: a tool piped into `head` ends quietly (it panicked with exit 101).
#[tokio::test]
async fn a_closed_stdout_ends_a_tool_quietly() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let _ = post_workshop(&app, &app.sample_workshop(), None).await;
    }
    let mut child = std::process::Command::new(debrief_tests::app::debrief_bin())
        .args(["keys", "list", "--data-dir"])
        .arg(&app.dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(101), "panicked: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// New user: in the dry run, `hubspot bootstrap` reported "created" on every run.
#[tokio::test]
async fn the_dry_run_bootstrap_remembers_what_it_created() {
    let app = spawn_app().await;
    let run = || {
        let out = std::process::Command::new(debrief_tests::app::debrief_bin())
            .args(["hubspot", "bootstrap", "--data-dir"])
            .arg(&app.dir)
            .env_remove("DEBRIEF_HUBSPOT_PRIVATE_APP_TOKEN")
            .env_remove("DEBRIEF_HUBSPOT_CLIENT_ID")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run();
    assert!(first.contains("created  custom object workshop_sessions"), "{first}");
    let second = run();
    assert!(!second.contains("created"), "{second}");
    assert!(second.contains("existed  custom object workshop_participants"), "{second}");
}
