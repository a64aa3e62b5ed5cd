//! The coach's review API over real HTTP against `debrief serve`, as a GPT's Actions call it.

use std::time::{Duration, Instant};

use debrief::repo::{KeyScope, generate_api_key, sha256_hex};
use debrief_tests::app::{TestApp, spawn_app};
use debrief_tests::outbox::read_outbox;
use serde_json::{Value, json};

async fn completed_session(app: &TestApp, body: Value) -> String {
    let http = debrief::net::client();
    let r = http.post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let sid = r.json::<Value>().await.unwrap()["sessionId"].as_str().unwrap().to_string();
    let started = Instant::now();
    loop {
        let s: Value = http.get(format!("{}/v1/workshops/{sid}", app.base)).bearer_auth(&app.ingest_key).send().await.unwrap().json().await.unwrap();
        if s["status"] == "completed" && s["emailNotificationSent"] == true {
            return sid;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn call(app: &TestApp, key: Option<&str>, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let http = debrief::net::client();
    let url = format!("{}{path}", app.base);
    let mut req = match method {
        "GET" => http.get(url),
        "PUT" => http.put(url),
        _ => http.post(url),
    };
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn mails_to<'a>(mails: &'a [debrief_tests::contract::SentMail], to: &str) -> Vec<&'a debrief_tests::contract::SentMail> {
    mails.iter().filter(|m| m.to.iter().any(|t| t == to)).collect()
}

#[tokio::test]
async fn the_review_flow_a_gpt_runs() {
    let app = spawn_app().await;
    let sid = completed_session(&app, app.sample_workshop()).await;
    let key = Some(app.coach_key.as_str());

    let (s, list) = call(&app, key, "GET", "/workshops?status=completed", None).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["success"], true);
    assert_eq!(list["data"]["workshops"][0]["sessionId"], sid.as_str());

    let (s, data) = call(&app, key, "GET", &format!("/workshop-data/{sid}"), None).await;
    assert_eq!(s, 200);
    let first = &data["data"]["participants"][0];
    assert_eq!(first["participantName"], "Priya Nair", "priority clients first");
    assert_eq!(data["data"]["workshopSession"]["sessionId"], sid.as_str());
    let priority = data["data"]["priorityClients"].as_array().unwrap();
    assert_eq!(priority[0]["participantId"], "5103");
    assert_eq!(priority[0]["priorityRank"], 1);
    assert!(priority[0]["priorityReason"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(first["priorityRank"], 1);
    let version = first["version"].as_u64().unwrap();

    let edit = json!({"participantId": "5103", "sessionId": sid, "updatedEmail": "Hi Priya,\nLet's talk tomorrow at 10.\nMaya", "reviewStatus": "customized", "expectedVersion": version});
    let (s, updated) = call(&app, key, "PUT", "/participant-summary", Some(edit.clone())).await;
    assert_eq!(s, 200, "{updated}");
    assert_eq!(updated["data"]["version"], version + 1);
    assert_eq!(updated["data"]["coachReviewStatus"], "customized");
    let (s, stale) = call(&app, key, "PUT", "/participant-summary", Some(edit)).await;
    assert_eq!(s, 409, "a stale edit never overwrites: {stale}");
    assert_eq!(stale["error"]["code"], "conflict");

    let bulk = json!({"sessionId": sid, "workshopComplete": true, "participantUpdates": [
        {"participantId": "5103", "approvalStatus": "send_immediately"},
        {"participantId": "5101", "finalEmail": "Hi Liam,\nCongratulations!\nMaya", "approvalStatus": "send_immediately"},
        {"participantId": "5102", "approvalStatus": "approved"},
        {"participantId": "9999", "approvalStatus": "approved"}
    ]});
    let (s, result) = call(&app, key, "POST", "/bulk-update", Some(bulk.clone())).await;
    assert_eq!(s, 200, "{result}");
    assert_eq!(result["data"]["emailsQueued"], 2);
    assert_eq!(result["data"]["processedCount"], 3);
    let outcomes: Vec<&str> = result["data"]["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, vec!["sent", "sent", "approved", "not_found"]);

    let (_, after) = call(&app, key, "GET", &format!("/workshop-data/{sid}?participantId=5103&view=full"), None).await;
    let priya = &after["data"]["participants"][0];
    assert!(priya["emailSentAt"].is_string(), "{priya}");
    assert_eq!(priya["coachReviewStatus"], "approved");
    assert!(after["data"]["workshopSession"]["reviewCompletedAt"].is_string());
    assert!(priya["keyWins"].is_array() && priya["urgencyIndicators"][0].is_string(), "{priya}");
    assert_eq!(
        priya["urgencyIndicators"].as_array().unwrap().len(),
        priya["urgencyIndicatorsEvidence"].as_array().unwrap().len(),
        "one quote per urgency indicator"
    );

    let mails = read_outbox(&app.outbox());
    let to_priya = mails_to(&mails, "priya.nair@example.com");
    assert_eq!(to_priya.len(), 1);
    assert_eq!(to_priya[0].from, app.coach.email_address);
    assert!(to_priya[0].body.contains("Let's talk tomorrow at 10."), "the coach's edit is what is sent");
    assert!(mails_to(&mails, "liam.carter@example.com")[0].body.contains("Congratulations!"));

    // Asked again: nothing is sent twice.
    let (_, again) = call(&app, key, "POST", "/bulk-update", Some(bulk)).await;
    assert_eq!(again["data"]["emailsQueued"], 0);
    assert_eq!(again["data"]["results"][0]["outcome"], "already_sent");
    assert_eq!(read_outbox(&app.outbox()).len(), mails.len());
}

#[tokio::test]
async fn another_coach_sees_nothing_and_keys_are_checked() {
    let app = spawn_app().await;
    let sid = completed_session(&app, app.sample_workshop()).await;
    let mut other = app.coach.clone();
    other.coach_id = "coach-other".into();
    other.email_address = "other@example.com".into();
    let repo = app.repo();
    repo.put_coach(&other).await.unwrap();
    let other_key = generate_api_key(KeyScope::Coach);
    repo.add_api_key(&other_key, KeyScope::Coach, Some("coach-other"), None).await.unwrap();
    let k = Some(other_key.as_str());
    let put = json!({"participantId": "5103", "sessionId": sid, "reviewStatus": "approved", "expectedVersion": 2});
    let bulk = json!({"sessionId": sid, "participantUpdates": [{"participantId": "5103", "approvalStatus": "send_immediately"}]});
    for (method, path, body) in [
        ("GET", format!("/workshop-data/{sid}"), None),
        ("GET", format!("/workshop-data/{sid}?participantId=5103"), None),
        ("PUT", "/participant-summary".to_string(), Some(put.clone())),
        ("POST", "/bulk-update".to_string(), Some(bulk.clone())),
        ("GET", format!("/workshop-data/{sid}?coachId=coach-maya"), None),
    ] {
        let (s, v) = call(&app, k, method, &path, body).await;
        assert_eq!(s, 404, "{method} {path}: {v}");
        assert_eq!(v["error"]["code"], "not_found");
    }
    let (_, list) = call(&app, k, "GET", "/workshops", None).await;
    assert!(list["data"]["workshops"].as_array().unwrap().is_empty());
    // coachId is checked against the key, never trusted.
    let (s, _) = call(&app, Some(&app.coach_key), "GET", &format!("/workshop-data/{sid}?coachId=coach-other"), None).await;
    assert_eq!(s, 404);

    // Keys: missing, invalid, revoked → 401; an ingestion key → 403.
    let path = format!("/workshop-data/{sid}");
    assert_eq!(call(&app, None, "GET", &path, None).await.0, 401);
    assert_eq!(call(&app, Some("dbk_coach_nope"), "GET", &path, None).await.0, 401);
    assert_eq!(call(&app, Some(&app.ingest_key), "GET", &path, None).await.0, 403);
    repo.revoke_api_key(&sha256_hex(&other_key)[..12]).await.unwrap().unwrap();
    assert_eq!(call(&app, k, "GET", "/workshops", None).await.0, 401, "a revoked key");
    assert_eq!(read_outbox(&app.outbox()).len(), 1, "only the coach summary, nothing sent by the other coach");
}

#[tokio::test]
async fn concurrent_sends_make_one_email_each() {
    let app = spawn_app().await;
    let sid = completed_session(&app, app.sample_workshop()).await;
    let bulk = json!({"sessionId": sid, "participantUpdates": [
        {"participantId": "5103", "approvalStatus": "send_immediately"},
        {"participantId": "5104", "approvalStatus": "send_immediately"}
    ]});
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (base, key, body) = (app.base.clone(), app.coach_key.clone(), bulk.clone());
        tasks.spawn(async move {
            debrief::net::client().post(format!("{base}/bulk-update")).bearer_auth(key).json(&body).send().await.unwrap().json::<Value>().await.unwrap()
        });
    }
    let results = tasks.join_all().await;
    let sent: u64 = results.iter().map(|r| r["data"]["emailsQueued"].as_u64().unwrap()).sum();
    assert_eq!(sent, 2, "{results:?}");
    let mails = read_outbox(&app.outbox());
    assert_eq!(mails_to(&mails, "priya.nair@example.com").len(), 1);
    assert_eq!(mails_to(&mails, "jonas.weber@example.com").len(), 1);
}

#[tokio::test]
async fn a_40_participant_session_fits_chatgpt() {
    let app = spawn_app().await;
    let (vtt, roster) = debrief_tests::synthetic_workshop(40, 4, 9000);
    let body = json!({"transcript": vtt, "workshopDate": "2026-11-20", "cohortName": "Big Group", "coachId": app.coach.coach_id, "roster": roster});
    let sid = completed_session(&app, body).await;
    let resp = debrief::net::client().get(format!("{}/workshop-data/{sid}", app.base)).bearer_auth(&app.coach_key).send().await.unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.chars().count() < 100_000, "{} characters", text.len());
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["data"]["totalParticipants"], 40);
    let shown = v["data"]["participants"].as_array().unwrap().len();
    let full = debrief::net::client().get(format!("{}/workshop-data/{sid}?view=full&pageSize=100", app.base)).bearer_auth(&app.coach_key).send().await.unwrap().text().await.unwrap();
    assert!(full.chars().count() < 100_000, "the full view trims its page: {} characters", full.len());
    let fv: Value = serde_json::from_str(&full).unwrap();
    let first_page = fv["data"]["participants"].as_array().unwrap().len();
    if first_page < 40 {
        assert!(fv["data"]["nextPage"].is_u64(), "a trimmed page points to the next");
    }
    assert!(shown > 0);
}

#[tokio::test]
async fn bad_bodies_name_the_field() {
    let app = spawn_app().await;
    let sid = completed_session(&app, app.sample_workshop()).await;
    let key = Some(app.coach_key.as_str());
    for (method, path, body, field) in [
        ("PUT", "/participant-summary", json!({"participantId": "5103", "sessionId": sid, "reviewStatus": "approved"}), "expectedVersion"),
        ("PUT", "/participant-summary", json!({"participantId": "5103", "sessionId": sid, "reviewStatus": "maybe", "expectedVersion": 1}), "reviewStatus"),
        ("PUT", "/participant-summary", json!({"sessionId": sid, "reviewStatus": "approved", "expectedVersion": 1}), "participantId"),
        ("POST", "/bulk-update", json!({"sessionId": sid, "participantUpdates": [{"participantId": "5103", "approvalStatus": "later"}]}), "participantUpdates[0].approvalStatus"),
        ("POST", "/bulk-update", json!({"participantUpdates": []}), "sessionId"),
        ("POST", "/bulk-update", json!("not an object"), "body"),
    ] {
        let (s, v) = call(&app, key, method, path, Some(body)).await;
        assert_eq!(s, 400, "{method} {path}: {v}");
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    let (s, v) = call(&app, key, "GET", &format!("/workshop-data/{sid}?view=huge"), None).await;
    assert_eq!((s, v["error"]["field"].as_str()), (400, Some("view")));
    let (s, v) = call(&app, key, "GET", &format!("/workshop-data/{sid}?page=368934881474191034"), None).await;
    assert_eq!(s, 200, "a page far past the end is an empty page: {v}");
    assert!(v["data"]["participants"].as_array().unwrap().is_empty());
    let (s, v) = call(&app, key, "GET", "/workshops?limit=0", None).await;
    assert_eq!((s, v["error"]["field"].as_str()), (400, Some("limit")));
}
