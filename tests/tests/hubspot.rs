//! HubSpot against a local stand-in: the OAuth round trip (forged and replayed state
//! rejected, tokens stored encrypted), the bootstrap twice, a 250-participant session (calls
//! counted), redelivery, the shared rate limit under 20 concurrent syncs, 401 then refresh,
//! 429 secondly and daily, 5xx, and a partial batch failure dead-lettered with HubSpot's words.

use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief::adapters::embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedStore};
use debrief::adapters::hubspot::{Credentials, HubSpotHttp};
use debrief::domain::{ParticipantSummary, WorkshopSession};
use debrief::hubspot::oauth::{self, connection_key};
use debrief::hubspot::sync::{CrmMessage, CrmSync, SyncError};
use debrief::hubspot::worker::{CrmConnector, handle_message};
use debrief::hubspot::{HubSpotConfig, RateLimits, TokenCipher, TokenKeys, schema};
use debrief::ports::{CrmApi, CrmError, CrmRequest, Queue, Store};
use debrief::repo::Repo;
use debrief_tests::app::spawn_app_with;
use debrief_tests::hubspot_stand_in::{CLIENT_ID, CLIENT_SECRET, GOOD_CODE, HubSpotStandIn, PORTAL, PRIVATE_TOKEN, Scripted};
use serde_json::{Value, json};

fn store() -> (EmbeddedStore, EmbeddedDb) {
    let db = debrief_tests::temp_db("hs");
    (EmbeddedStore::new(db.clone()), db)
}

fn config(server: &wiremock::MockServer) -> HubSpotConfig {
    HubSpotConfig {
        base_url: server.uri(),
        app_url: server.uri(),
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        redirect_uri: Some("https://debrief.example/oauth/hubspot/callback".into()),
        state_secret: "state-secret".into(),
        token_key: Some(TokenCipher::generate_key()),
        limits: RateLimits { max_requests: 1000, interval: Duration::from_secs(10), daily: None },
        base_delay: Duration::from_millis(10),
        timeout: Duration::from_secs(3),
        ..HubSpotConfig::default()
    }
}

/// A private app's adapter for the stand-in's portal (`c` carries the stand-in's URL).
fn private(store: &EmbeddedStore, c: HubSpotConfig) -> HubSpotHttp<EmbeddedStore> {
    HubSpotHttp::new(debrief::net::client(), c, store.clone(), Credentials::PrivateApp(PRIVATE_TOKEN.into()), PORTAL.to_string())
}

fn participant(session: &str, contact: &str, i: usize) -> ParticipantSummary {
    serde_json::from_value(json!({
        "participantId": contact, "sessionId": session, "participantName": format!("Person{i:03} Tester"),
        "engagementLevel": "high", "speakingTimePercentage": 4.2,
        "keyWins": ["signed a client"],
        "keyWinsEvidence": [{"quote": "I finally signed a client", "timestamp": "00:01:02", "startMs": 62000}],
        "challengesMentioned": [], "actionItems": [], "coachRecommendations": [], "urgencyIndicators": [],
        "generatedSummary": format!("Person {i} had a strong session."), "generatedEmail": "Hi", "coachReviewStatus": "pending",
        "finalEmailContent": null, "emailSentAt": null, "email": format!("p{i}@example.com"),
        "stats": {"speakingSeconds": 30.0, "speakingTimePercentage": 4.2, "cues": 3, "turns": 3, "words": 40, "questions": 0, "longestMonologueSeconds": 10.0},
        "analyser": {"kind": "builtin"}
    }))
    .unwrap()
}

/// `debrief serve` with OAuth configured against the stand-in; the app and its token key.
async fn oauth_app(server: &wiremock::MockServer) -> (debrief_tests::app::TestApp, String) {
    let key = TokenCipher::generate_key();
    let uri = server.uri();
    let app = spawn_app_with(&[
        ("DEBRIEF_HUBSPOT_API_URL", uri.as_str()),
        ("DEBRIEF_HUBSPOT_APP_URL", uri.as_str()),
        ("DEBRIEF_HUBSPOT_CLIENT_ID", CLIENT_ID),
        ("DEBRIEF_HUBSPOT_CLIENT_SECRET", CLIENT_SECRET),
        ("DEBRIEF_HUBSPOT_REDIRECT_URI", "https://debrief.example/oauth/hubspot/callback"),
        ("DEBRIEF_TOKEN_KEY", key.as_str()),
    ])
    .await;
    (app, key)
}

/// The state of an authorised start (as `GET /oauth/hubspot/start` issues it).
async fn started_state(s: &EmbeddedStore, c: &HubSpotConfig) -> String {
    let url = oauth::authorize_url(s, c, oauth::StartGrant::default()).await.unwrap();
    url.split("state=").nth(1).unwrap().replace("%2E", ".").replace("%2D", "-").replace("%5F", "_")
}

/// A completed session of `n` participants whose contacts exist in the stand-in.
async fn seed(repo: &Repo<EmbeddedStore>, hs: &HubSpotStandIn, session_id: &str, n: usize, first_contact: usize) {
    let s: WorkshopSession = serde_json::from_value(json!({
        "sessionId": session_id, "workshopDate": "2026-11-20", "cohortName": "Spring Growth Lab", "coachId": "coach-maya",
        "participantCount": n, "processingStatus": "completed", "completedAt": "2026-11-20T18:00:00Z", "priorityClientIds": [],
        "chatGptSessionUrl": null, "emailNotificationSent": true
    }))
    .unwrap();
    repo.create_session(&s, 0).await.unwrap();
    let ps: Vec<ParticipantSummary> = (0..n).map(|i| participant(session_id, &(first_contact + i).to_string(), i)).collect();
    for (i, p) in ps.iter().enumerate() {
        hs.add_contact(&p.participant_id, &format!("p{i}@example.com"));
    }
    repo.put_participants(&ps).await.unwrap();
}

fn summaries(contact: &serde_json::Map<String, Value>) -> Vec<Value> {
    contact.get("workshop_summaries").and_then(Value::as_str).map(|s| serde_json::from_str(s).unwrap()).unwrap_or_default()
}

#[tokio::test]
async fn oauth_round_trip_over_http_with_forged_and_replayed_state_rejected() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (app, key) = oauth_app(&server).await;
    let uri = server.uri();
    let http = debrief::net::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // Nobody but the operator starts a connection: no credential, a coach's key, a made-up
    // ticket are all refused.
    let anonymous = http.get(format!("{}/oauth/hubspot/start", app.base)).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let coach = http.get(format!("{}/oauth/hubspot/start", app.base)).bearer_auth(&app.coach_key).send().await.unwrap();
    assert_eq!(coach.status().as_u16(), 403);
    let made_up = http.get(format!("{}/oauth/hubspot/start?ticket=guess", app.base)).send().await.unwrap();
    assert_eq!(made_up.status().as_u16(), 401);
    assert_eq!(made_up.json::<Value>().await.unwrap()["success"], false);
    let start = http.get(format!("{}/oauth/hubspot/start", app.base)).bearer_auth(&app.admin_key).send().await.unwrap();
    assert_eq!(start.status().as_u16(), 302);
    let location = start.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("{uri}/oauth/authorize?client_id={CLIENT_ID}&redirect_uri=https%3A%2F%2Fdebrief.example")), "{location}");
    assert!(location.contains("scope=oauth%20crm.objects.contacts.read"), "{location}");
    let state = location.split("state=").nth(1).unwrap().replace("%2E", ".").replace("%2D", "-").replace("%5F", "_");

    let callback = |code: &str, state: &str| http.get(format!("{}/oauth/hubspot/callback?code={code}&state={state}", app.base)).send();
    // Forged: a state signed with another secret, or altered.
    let forged = oauth::new_state(b"not-the-secret");
    let r = callback(GOOD_CODE, &forged).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "state");
    let altered = format!("{}x", state);
    assert_eq!(callback(GOOD_CODE, &altered).await.unwrap().status().as_u16(), 400);
    assert_eq!(hs.state.lock().unwrap().issued, 0, "no code is exchanged for a bad state");

    let r = callback(GOOD_CODE, &state).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("\"portalId\":\"4242\""), "{body}");
    assert!(!body.contains("CK1-") && !body.contains("refresh-1"), "tokens are never returned");
    // Replayed: the state is single-use.
    assert_eq!(callback(GOOD_CODE, &state).await.unwrap().status().as_u16(), 400);

    let item = app.repo().store().get(&connection_key("4242")).await.unwrap().unwrap();
    assert!(!item.body.contains("CK1-") && !item.body.contains("refresh-1"), "tokens are stored encrypted");
    let conn: oauth::Connection = serde_json::from_str(&item.body).unwrap();
    let cipher = TokenCipher::from_base64(&key).unwrap();
    assert!(cipher.open(&conn.access_token_sealed, "4242").unwrap().starts_with("CK1-"));
    assert_eq!(cipher.open(&conn.refresh_token_sealed, "4242").unwrap(), "refresh-1");
    assert!(conn.access_expires_at > conn.created_at + 1700);

    // A grant without a required scope is refused in words.
    hs.state.lock().unwrap().granted_scopes.retain(|s| s != "crm.schemas.custom.write");
    let start = http.get(format!("{}/oauth/hubspot/start", app.base)).bearer_auth(&app.admin_key).send().await.unwrap();
    let location = start.headers()["location"].to_str().unwrap().to_string();
    let state = location.split("state=").nth(1).unwrap().replace("%2E", ".").replace("%2D", "-").replace("%5F", "_");
    let r = callback(GOOD_CODE, &state).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("missing scope(s) crm.schemas.custom.write"), "{v}");
}

/// The attack the hardening issue found: with OAuth configured, a stranger's grant for their
/// own portal must not replace the connected one. Only the operator's start link works, once,
/// and only a start made with `--replace` may switch portals.
#[tokio::test]
async fn only_the_operator_can_connect_and_replacing_a_portal_is_explicit() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (app, _) = oauth_app(&server).await;
    let http = debrief::net::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let connect = |replace: bool| {
        let mut cmd = std::process::Command::new(debrief_tests::app::debrief_bin());
        cmd.args(["hubspot", "connect", "--base-url", &app.base, "--data-dir"]).arg(&app.dir);
        if replace {
            cmd.arg("--replace");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let state_of = |location: &str| location.split("state=").nth(1).unwrap().replace("%2E", ".").replace("%2D", "-").replace("%5F", "_");
    let callback = |state: String| http.get(format!("{}/oauth/hubspot/callback?code={GOOD_CODE}&state={state}", app.base)).send();

    let link = connect(false);
    assert!(link.starts_with(&format!("{}/oauth/hubspot/start?ticket=", app.base)), "{link}");
    let start = http.get(&link).send().await.unwrap();
    assert_eq!(start.status().as_u16(), 302);
    let first_state = state_of(start.headers()["location"].to_str().unwrap());
    assert_eq!(http.get(&link).send().await.unwrap().status().as_u16(), 401, "a start link works once");
    assert_eq!(callback(first_state).await.unwrap().status().as_u16(), 200);

    // The attacker's portal, through a fresh operator link without --replace: refused, and the
    // connected portal stays.
    hs.state.lock().unwrap().hub_id = Some(9999);
    let start = http.get(connect(false)).send().await.unwrap();
    let r = callback(state_of(start.headers()["location"].to_str().unwrap())).await.unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("--replace"), "{v}");
    let default = app.repo().store().get(&oauth::default_portal_key()).await.unwrap().unwrap();
    assert!(default.body.contains("4242"), "{}", default.body);
    assert!(app.repo().store().get(&connection_key("9999")).await.unwrap().is_none());

    // The operator's explicit replacement.
    let start = http.get(connect(true)).send().await.unwrap();
    assert_eq!(callback(state_of(start.headers()["location"].to_str().unwrap())).await.unwrap().status().as_u16(), 200);
    let default = app.repo().store().get(&oauth::default_portal_key()).await.unwrap().unwrap();
    assert!(default.body.contains("9999"), "{}", default.body);
}

#[tokio::test]
async fn a_signed_state_that_no_start_issued_is_refused() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let c = config(&server);
    let keys = TokenKeys::Local(TokenCipher::from_base64(c.token_key.as_deref().unwrap()).unwrap());
    let forged = oauth::new_state(c.state_secret.as_bytes());
    let r = oauth::complete(&s, &debrief::net::client(), &c, &keys, GOOD_CODE, &forged).await;
    assert!(matches!(r, Err(oauth::OAuthError::BadState)), "{r:?}");
    assert_eq!(hs.state.lock().unwrap().issued, 0, "no code is exchanged");
    let started = started_state(&s, &c).await;
    assert!(oauth::complete(&s, &debrief::net::client(), &c, &keys, GOOD_CODE, &started).await.is_ok());
}

#[tokio::test]
async fn bootstrap_twice_creates_once() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let api = private(&s, config(&server));
    let first = schema::bootstrap(&s, &api, "4242").await.unwrap();
    // The group, each contact property (the workshop ones and lead scoring's six), two objects.
    assert_eq!(first.created.len(), 1 + schema::contact_properties().len() + 2, "{first:?}");
    for p in ["ai_lead_score", "ai_lead_fit", "ai_next_best_action", "ai_last_scored", "ai_lead_priority", "ai_score_reasoning"] {
        assert!(first.created.contains(&format!("contact property {p}")), "{p}: {first:?}");
    }
    assert!(first.existed.is_empty());
    let creates = hs.calls().iter().filter(|c| c.method == "POST").count();
    let second = schema::bootstrap(&s, &api, "4242").await.unwrap();
    assert!(second.created.is_empty(), "{second:?}");
    assert_eq!(second.existed.len(), first.created.len());
    assert_eq!(hs.calls().iter().filter(|c| c.method == "POST").count(), creates, "nothing written the second time");
    let types = schema::object_types(&s, "4242").await.unwrap().unwrap();
    let st = hs.state.lock().unwrap();
    let participants = st.schemas.iter().find(|x| x["name"] == "workshop_participants").unwrap();
    assert_eq!(participants["associatedObjects"], json!(["CONTACT", types.sessions]));
}

async fn sync_for(_server: &wiremock::MockServer, s: &EmbeddedStore, c: HubSpotConfig) -> CrmSync<EmbeddedStore, HubSpotHttp<EmbeddedStore>> {
    CrmSync { repo: Repo::new(s.clone()), api: private(s, c), portal: "4242".into(), create_missing_contacts: false }
}

#[tokio::test]
async fn a_250_participant_session_takes_16_calls_and_redelivery_adds_nothing() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    schema::bootstrap(&s, &private(&s, config(&server)), "4242").await.unwrap();
    let repo = Repo::new(s.clone());
    seed(&repo, &hs, "sess-250", 250, 100_000).await;
    let before = hs.calls().len();
    let sync = sync_for(&server, &s, config(&server)).await;
    sync.handle(&CrmMessage::SessionCompleted { session_id: "sess-250".into() }).await.unwrap();
    let calls: Vec<_> = hs.calls().into_iter().skip(before).collect();
    assert_eq!(calls.len(), 16, "{:?}", calls.iter().map(|c| (&c.path, c.inputs)).collect::<Vec<_>>());
    assert!(calls.iter().all(|c| c.inputs <= 100));
    {
        let st = hs.state.lock().unwrap();
        assert_eq!(st.objects.values().map(|o| o.len()).sum::<usize>(), 251, "one session and 250 participant records");
        assert_eq!(st.associations.len(), 500, "participant↔contact and session↔participant");
    }
    let c = hs.contact("100007");
    assert_eq!(summaries(&c).len(), 1);
    assert_eq!(c["total_workshops_attended"], "1");
    assert_eq!(c["last_workshop_date"], "2026-11-20");

    // Redelivered: upserts and associations again, no contact update, nothing doubled.
    let before = hs.calls().len();
    sync.handle(&CrmMessage::SessionCompleted { session_id: "sess-250".into() }).await.unwrap();
    let again: Vec<_> = hs.calls().into_iter().skip(before).collect();
    assert!(again.iter().all(|c| !c.path.ends_with("/contacts/batch/update")), "no contact is written twice");
    let c = hs.contact("100007");
    assert_eq!((summaries(&c).len(), c["total_workshops_attended"].as_str()), (1, Some("1")));
    assert_eq!(hs.state.lock().unwrap().objects.values().map(|o| o.len()).sum::<usize>(), 251);

    // A second session appends, keeping the first.
    seed_more(&repo, &hs, "sess-2").await;
    sync.handle(&CrmMessage::SessionCompleted { session_id: "sess-2".into() }).await.unwrap();
    let c = hs.contact("100007");
    let list = summaries(&c);
    assert_eq!(list.iter().map(|e| e["sessionId"].as_str().unwrap()).collect::<Vec<_>>(), vec!["sess-250", "sess-2"]);
    assert_eq!(c["total_workshops_attended"], "2");
}

async fn seed_more(repo: &Repo<EmbeddedStore>, hs: &HubSpotStandIn, session_id: &str) {
    let s: WorkshopSession = serde_json::from_value(json!({
        "sessionId": session_id, "workshopDate": "2026-11-22", "cohortName": "Follow-up", "coachId": "coach-maya",
        "participantCount": 1, "processingStatus": "completed", "completedAt": "2026-11-22T18:00:00Z", "priorityClientIds": [],
        "chatGptSessionUrl": null, "emailNotificationSent": true
    }))
    .unwrap();
    repo.create_session(&s, 0).await.unwrap();
    repo.put_participants(&[participant(session_id, "100007", 7)]).await.unwrap();
    let _ = hs;
}

#[tokio::test]
async fn twenty_concurrent_syncs_share_one_rate_limit() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    schema::bootstrap(&s, &private(&s, config(&server)), "4242").await.unwrap();
    let repo = Repo::new(s.clone());
    for k in 0..20 {
        seed(&repo, &hs, &format!("sess-{k}"), 3, 200_000 + k * 10).await;
    }
    // 30 requests per second, shared by twenty syncs in parallel (each its own adapter, as
    // separate Lambdas would be).
    let mut c = config(&server);
    c.limits = RateLimits { max_requests: 30, interval: Duration::from_secs(1), daily: None };
    let before = hs.calls().len();
    let started = Instant::now();
    let runs = (0..20).map(|k| {
        let (server, s, c) = (&server, s.clone(), c.clone());
        async move {
            let sync = sync_for(server, &s, c).await;
            sync.handle(&CrmMessage::SessionCompleted { session_id: format!("sess-{k}") }).await
        }
    });
    for r in futures_util::future::join_all(runs).await {
        r.unwrap();
    }
    let calls: Vec<Instant> = hs.calls().into_iter().skip(before).map(|c| c.at).collect();
    assert_eq!(calls.len(), 20 * 6);
    // Any one-second window holds at most the limit.
    for (i, t) in calls.iter().enumerate() {
        let in_window = calls[i..].iter().filter(|u| u.duration_since(*t) < Duration::from_secs(1)).count();
        assert!(in_window <= 30, "{in_window} requests within one second");
    }
    assert!(started.elapsed() >= Duration::from_secs(3), "120 requests at ≤ 30/s take ≥ 3 s: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_401_refreshes_once_then_the_error_surfaces() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let c = config(&server);
    let cipher = TokenCipher::from_base64(c.token_key.as_deref().unwrap()).unwrap();
    let http = debrief::net::client();
    let state = started_state(&s, &c).await;
    oauth::complete(&s, &http, &c, &TokenKeys::Local(cipher.clone()), GOOD_CODE, &state).await.unwrap();
    let api = HubSpotHttp::new(http.clone(), c.clone(), s.clone(), Credentials::OAuth(Arc::new(TokenKeys::Local(cipher.clone()))), "4242");
    hs.expire_tokens();
    let r = api.call(&CrmRequest::get("/crm-object-schemas/2026-09/schemas")).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(hs.state.lock().unwrap().refreshes, 1);
    let conn: oauth::Connection = serde_json::from_str(&s.get(&connection_key("4242")).await.unwrap().unwrap().body).unwrap();
    assert!(cipher.open(&conn.access_token_sealed, "4242").unwrap().starts_with("CK2-"), "the refreshed token is stored");
    assert!(conn.last_refreshed_at >= conn.created_at);

    // A token about to expire is refreshed before use, without waiting for a 401.
    let item = s.get(&connection_key("4242")).await.unwrap().unwrap();
    let mut soon: oauth::Connection = serde_json::from_str(&item.body).unwrap();
    soon.access_expires_at = conn.last_refreshed_at + 60;
    let mut updated = item.clone();
    updated.body = serde_json::to_string(&soon).unwrap();
    s.update(&updated, item.version).await.unwrap();
    let calls_before = hs.calls().iter().filter(|c| !c.path.starts_with("/oauth/")).count();
    assert_eq!(api.call(&CrmRequest::get("/crm-object-schemas/2026-09/schemas")).await.unwrap().status, 200);
    assert_eq!(hs.state.lock().unwrap().refreshes, 2, "refreshed ahead of expiry");
    assert_eq!(hs.calls().iter().filter(|c| !c.path.starts_with("/oauth/")).count(), calls_before + 1, "no 401 round trip");

    // Credentials HubSpot keeps refusing: one refresh, then the error surfaces.
    hs.state.lock().unwrap().reject_all = true;
    let api2 = HubSpotHttp::new(http, c, s.clone(), Credentials::OAuth(Arc::new(TokenKeys::Local(cipher))), "4242");
    let before = hs.state.lock().unwrap().refreshes;
    let err = api2.call(&CrmRequest::get("/crm-object-schemas/2026-09/schemas")).await.unwrap_err();
    assert!(matches!(err, CrmError::Unauthorized(_)), "{err:?}");
    assert_eq!(hs.state.lock().unwrap().refreshes - before, 1, "exactly one refresh-and-retry");
}

#[tokio::test]
async fn rate_limit_answers_5xx_and_partial_failures() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, db) = store();
    let api = private(&s, config(&server));
    // Secondly 429 with Retry-After: 1 → waits, then succeeds; 5xx → retried.
    hs.script([Scripted::Secondly { retry_after: 1 }, Scripted::ServerError, Scripted::ServerError]);
    let t = Instant::now();
    assert_eq!(api.call(&CrmRequest::get("/crm-object-schemas/2026-09/schemas")).await.unwrap().status, 200);
    assert!(t.elapsed() >= Duration::from_secs(1), "Retry-After honoured");
    assert_eq!(hs.calls().len(), 4);
    // Daily 429 → stop for the day: later calls do not reach HubSpot.
    hs.script([Scripted::Daily]);
    assert!(matches!(api.call(&CrmRequest::get("/crm-object-schemas/2026-09/schemas")).await, Err(CrmError::DailyLimit(_))));
    let n = hs.calls().len();
    assert!(matches!(api.call(&CrmRequest::get("/crm-object-schemas/2026-09/schemas")).await, Err(CrmError::DailyLimit(_))));
    assert_eq!(hs.calls().len(), n, "stopped for the day");

    // A 207 with a validation error: the rest is written, the message is dead-lettered with
    // HubSpot's words.
    let (s2, db2) = store();
    let _ = db;
    schema::bootstrap(&s2, &private(&s2, config(&server)), "4242").await.unwrap();
    let repo = Repo::new(s2.clone());
    seed(&repo, &hs, "sess-bad", 3, 300_000).await;
    hs.state.lock().unwrap().invalid_contacts.insert("300001".into());
    let sync = sync_for(&server, &s2, config(&server)).await;
    let err = sync.handle(&CrmMessage::SessionCompleted { session_id: "sess-bad".into() }).await.unwrap_err();
    assert!(matches!(&err, SyncError::Validation(m) if m[0].contains("300001")), "{err:?}");
    assert_eq!(summaries(&hs.contact("300000")).len(), 1, "the others are written");

    let queue = EmbeddedQueue::new(db2, "crm", 5);
    let mut c = config(&server);
    c.private_app_token = Some(PRIVATE_TOKEN.into());
    c.portal_id = Some("4242".into());
    let connector = CrmConnector::new(c).unwrap();
    let body = serde_json::to_string(&CrmMessage::SessionCompleted { session_id: "sess-bad".into() }).unwrap();
    assert!(handle_message(&s2, &queue, &connector, &body).await.is_ok(), "acknowledged: retrying cannot help");
    let dead = queue.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].contains("total_workshops_attended must be a number") && dead[0].contains("sess-bad"), "{}", dead[0]);
}

#[tokio::test]
async fn a_follow_up_counts_once_however_often_it_is_delivered() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    schema::bootstrap(&s, &private(&s, config(&server)), "4242").await.unwrap();
    let repo = Repo::new(s.clone());
    seed(&repo, &hs, "sess-f", 2, 400_000).await;
    let mut p = repo.get_participant("sess-f", "400001").await.unwrap().unwrap();
    p.value.email_sent_at = Some("2026-11-21T09:00:00Z".into());
    repo.update_participant(&p.value, p.version).await.unwrap();
    let sync = sync_for(&server, &s, config(&server)).await;
    let m = CrmMessage::ParticipantUpdated { session_id: "sess-f".into(), participant_id: "400001".into() };
    for _ in 0..3 {
        sync.handle(&m).await.unwrap();
    }
    let c = hs.contact("400001");
    assert_eq!(c["follow_up_emails_count"], "1");
    assert_eq!(c["last_follow_up_sent"], "2026-11-21T09:00:00Z");
    let record = hs.state.lock().unwrap().objects.values().flat_map(|o| o.values()).find(|(_, props)| props["debrief_participant_key"] == "sess-f:400001").cloned().unwrap();
    assert_eq!(record.1["email_sent_at"], "2026-11-21T09:00:00Z");
}

/// On AWS the tokens are sealed with a KMS data key per connection (moto's KMS here): only the
/// encrypted data key is stored, and a new process (empty cache) reads the tokens through KMS.
#[tokio::test]
async fn tokens_sealed_with_a_kms_data_key() {
    let Some((sdk, _)) = debrief_tests::moto().await else { return };
    let kms = aws_sdk_kms::Client::new(&sdk);
    let key_id = kms.create_key().description("debrief tokens").send().await.unwrap().key_metadata().unwrap().key_id().to_string();
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let mut c = config(&server);
    c.token_key = None;
    c.kms_key_id = Some(key_id.clone());
    let keys = TokenKeys::kms(debrief::adapters::aws::KmsDataKeys::from_config(&sdk, key_id.clone()));
    let http = debrief::net::client();
    oauth::complete(&s, &http, &c, &keys, GOOD_CODE, &started_state(&s, &c).await).await.unwrap();
    let conn: oauth::Connection = serde_json::from_str(&s.get(&connection_key("4242")).await.unwrap().unwrap().body).unwrap();
    let wrapped = conn.data_key.clone().expect("the encrypted data key is stored beside the tokens");
    // A fresh process: nothing cached, KMS decrypts the data key.
    let fresh = TokenKeys::kms(debrief::adapters::aws::KmsDataKeys::from_config(&sdk, key_id));
    let cipher = fresh.for_connection(Some(&wrapped)).await.unwrap();
    assert_eq!(cipher.open(&conn.refresh_token_sealed, "4242").unwrap(), "refresh-1");
    assert!(TokenKeys::Local(TokenCipher::from_base64(&TokenCipher::generate_key()).unwrap()).for_connection(Some(&wrapped)).await.is_err());
    // The adapter refreshes through the same keys after a 401.
    hs.expire_tokens();
    let api = HubSpotHttp::new(http, c, s.clone(), Credentials::OAuth(Arc::new(fresh)), "4242");
    assert_eq!(api.call(&CrmRequest::get("/crm-object-schemas/2026-09/schemas")).await.unwrap().status, 200);
    assert_eq!(hs.state.lock().unwrap().refreshes, 1);
}

#[tokio::test]
async fn search_requests_keep_to_four_a_second() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let api = private(&s, config(&server));
    let search = CrmRequest::post("/crm/objects/2026-09/contacts/search", json!({"filterGroups": []}));
    let calls = (0..10).map(|_| api.call(&search));
    for r in futures_util::future::join_all(calls).await {
        r.unwrap();
    }
    let at: Vec<Instant> = hs.calls().iter().map(|c| c.at).collect();
    assert_eq!(at.len(), 10);
    for (i, t) in at.iter().enumerate() {
        let n = at[i..].iter().filter(|u| u.duration_since(*t) < Duration::from_secs(1)).count();
        assert!(n <= 4, "{n} searches within one second");
    }
}

#[tokio::test]
async fn contacts_are_found_by_email_and_created_only_if_configured() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    schema::bootstrap(&s, &private(&s, config(&server)), "4242").await.unwrap();
    let repo = Repo::new(s.clone());
    let session: WorkshopSession = serde_json::from_value(json!({
        "sessionId": "sess-e", "workshopDate": "2026-11-20", "cohortName": "C", "coachId": "coach-maya", "participantCount": 2,
        "processingStatus": "completed", "completedAt": "2026-11-20T18:00:00Z", "priorityClientIds": [], "chatGptSessionUrl": null, "emailNotificationSent": true
    }))
    .unwrap();
    repo.create_session(&session, 0).await.unwrap();
    // Roster ids that are not HubSpot ids: one known by email, one unknown.
    let mut known = participant("sess-e", "crm-known", 1);
    known.email = Some("Known@Example.com".into());
    let mut unknown = participant("sess-e", "crm-new", 2);
    unknown.email = Some("new@example.com".into());
    repo.put_participants(&[known, unknown]).await.unwrap();
    hs.add_contact("777", "known@example.com");

    let mut sync = sync_for(&server, &s, config(&server)).await;
    sync.handle(&CrmMessage::SessionCompleted { session_id: "sess-e".into() }).await.unwrap();
    assert_eq!(summaries(&hs.contact("777")).len(), 1, "found by email");
    assert_eq!(hs.state.lock().unwrap().contacts.len(), 1, "no contact created unless configured");

    sync.create_missing_contacts = true;
    sync.handle(&CrmMessage::SessionCompleted { session_id: "sess-e".into() }).await.unwrap();
    let st = hs.state.lock().unwrap();
    let created = st.contacts.iter().find(|(_, p)| p["email"] == "new@example.com").expect("created when configured");
    assert_eq!(created.1["firstname"], "Person002");
    assert!(summaries(created.1).len() == 1, "and written like the others");
}

/// A portal bootstrapped by an earlier version gains the properties this one writes (in a
/// `debrief` group on each object), and the sync fills the seed's fields: processing status,
/// email sent, coach recommendations, generated and final email, coach edits, urgency flag.
#[tokio::test]
async fn an_earlier_portal_gains_the_seed_fields_and_the_sync_fills_them() {
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let api = private(&s, config(&server));
    schema::bootstrap(&s, &api, "4242").await.unwrap();
    let added = ["processing_status", "email_notification_sent", "review_completed_at", "urgency_flagged", "coach_recommendations", "generated_email", "final_email", "coach_edit_count", "email_sent"];
    {
        // What the first bootstrap made: the objects without this version's properties.
        let mut st = hs.state.lock().unwrap();
        for schema in st.schemas.iter_mut() {
            schema["properties"].as_array_mut().unwrap().retain(|p| !added.contains(&p["name"].as_str().unwrap()));
        }
    }
    let report = schema::bootstrap(&s, &api, "4242").await.unwrap();
    assert_eq!(report.created.len(), added.len(), "{report:?}");
    assert!(report.created.contains(&"workshop_sessions property processing_status".to_string()), "{report:?}");
    assert!(schema::bootstrap(&s, &api, "4242").await.unwrap().created.is_empty(), "a third run adds nothing");

    let repo = Repo::new(s.clone());
    seed(&repo, &hs, "sess-seed", 2, 500_000).await;
    let mut p = repo.get_participant("sess-seed", "500000").await.unwrap().unwrap();
    p.value.coach_recommendations = vec!["Raise your package price".into()];
    p.value.urgency_indicators = vec![serde_json::from_value(json!({"text": "Refund", "evidence": {"quote": "I want my money back", "timestamp": "00:02:00", "startMs": 120000}})).unwrap()];
    p.value.coach_edit(None, Some("Hi, let's talk tomorrow.".into()));
    p.value.email_sent_at = Some("2026-11-21T09:00:00Z".into());
    repo.update_participant(&p.value, p.version).await.unwrap();
    let sync = sync_for(&server, &s, config(&server)).await;
    sync.handle(&CrmMessage::SessionCompleted { session_id: "sess-seed".into() }).await.unwrap();

    let st = hs.state.lock().unwrap();
    let record = |key: &str, value: &str| st.objects.values().flat_map(|o| o.values()).find(|(_, props)| props.get(key).and_then(Value::as_str) == Some(value)).cloned().unwrap().1;
    let session = record("debrief_session_id", "sess-seed");
    assert_eq!((session["processing_status"].as_str(), session["email_notification_sent"].as_bool()), (Some("completed"), Some(true)), "{session:?}");
    let edited = record("debrief_participant_key", "sess-seed:500000");
    assert_eq!(edited["urgency_flagged"], true);
    assert_eq!(edited["coach_recommendations"], "• Raise your package price");
    assert_eq!(edited["generated_email"], "Hi");
    assert_eq!(edited["final_email"], "Hi, let's talk tomorrow.");
    assert_eq!(edited["coach_edit_count"], 1);
    assert_eq!(edited["email_sent"], true);
    let other = record("debrief_participant_key", "sess-seed:500001");
    assert_eq!((other["urgency_flagged"].as_bool(), other["email_sent"].as_bool(), other["coach_edit_count"].as_u64()), (Some(false), Some(false), Some(0)));
}

/// A scored webinar writes each registrant's score, tier and the webinar to their contact:
/// found by email (a guest without one is skipped), in one read and one update batch; the
/// properties exist because bootstrap created them; a redelivery writes the same values.
#[tokio::test]
async fn a_webinar_writes_score_tier_and_title_to_each_registrants_contact() {
    use debrief::webinar::{WebinarSession, intake, parse_attendee_report, parse_chat, score_webinar};
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let report = schema::bootstrap(&s, &private(&s, config(&server)), "4242").await.unwrap();
    assert!(report.created.iter().any(|c| c == "contact property webinar_tier"), "{report:?}");
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/webinar");
    let text = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let (report_text, chat_text) = (text("zoom-attendees.csv"), text("zoom-chat.txt"));
    let (report, chat) = (parse_attendee_report("a.csv", &report_text).unwrap(), parse_chat("c.txt", &chat_text).unwrap());
    let scores = score_webinar(&report, &chat);
    let fields = debrief::webinar::WebinarFields { title: Some("Price With Confidence".into()), ..Default::default() };
    let (webinar, engagements) = WebinarSession::from_scores(fields, scores);
    let coach = debrief::domain::CoachProfile::anonymous();
    let participants = intake::drafts("wb-1", &coach, &webinar, engagements);
    let repo = Repo::new(s.clone());
    repo.put_participants(&participants).await.unwrap();
    let mut session: WorkshopSession = serde_json::from_value(json!({
        "sessionId": "wb-1", "workshopDate": "2026-04-26", "cohortName": "Price With Confidence", "coachId": "coach", "participantCount": participants.len(),
        "processingStatus": "completed", "completedAt": "2026-04-26T12:00:00Z", "priorityClientIds": [], "chatGptSessionUrl": null, "emailNotificationSent": true
    }))
    .unwrap();
    session.webinar = Some(webinar);
    repo.create_session(&session, 0).await.unwrap();
    hs.add_contact("501", "priya.nair@studio.example");
    hs.add_contact("502", "aisha@studio.example");

    let sync = sync_for(&server, &s, config(&server)).await;
    let before = hs.calls().len();
    sync.handle(&CrmMessage::WebinarScored { session_id: "wb-1".into() }).await.unwrap();
    assert_eq!(hs.calls().len() - before, 2, "one read by email, one batch update: {:?}", &hs.calls()[before..]);
    let priya = hs.contact("501");
    assert_eq!((priya["webinar_tier"].as_str(), priya["last_webinar"].as_str()), (Some("Hot"), Some("Price With Confidence (2026-04-26)")));
    assert_eq!(priya["webinar_engagement_score"].to_string().trim_matches('"'), "100");
    assert_eq!(hs.contact("502")["webinar_tier"], "No-show");
    assert_eq!(hs.state.lock().unwrap().contacts.len(), 2, "no contact created unless configured");
    sync.handle(&CrmMessage::WebinarScored { session_id: "wb-1".into() }).await.unwrap();
    assert_eq!(hs.contact("501")["webinar_tier"], "Hot", "a redelivery writes the same");
    // An edit of a registrant's draft writes no workshop participant record.
    let calls = hs.calls().len();
    sync.handle(&CrmMessage::ParticipantUpdated { session_id: "wb-1".into(), participant_id: participants[0].participant_id.clone() }).await.unwrap();
    assert_eq!(hs.calls().len(), calls);
}

/// A sales call goes to HubSpot once: the call engagement with its debrief, associated with
/// the buyer's contact and their open deal (not the closed one), and one task per seller
/// action item due on the date said. A redelivery adds nothing; an attempt that crashed after
/// creating the records but before recording them finds them by their exact title and subject
/// instead of creating them again.
#[tokio::test]
async fn a_call_is_logged_once_with_its_tasks_on_the_buyers_contact_and_open_deal() {
    use debrief::calls::debrief::{CallFacts, debrief};
    use debrief::calls::intake::stored;
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/calls");
    let text = std::fs::read_to_string(dir.join("discovery-brightpath.vtt")).unwrap();
    let facts: CallFacts = serde_json::from_str(&std::fs::read_to_string(dir.join("discovery-brightpath.json")).unwrap()).unwrap();
    let d = debrief(&debrief::transcript::Transcript::parse(&text, None).unwrap(), &facts).unwrap();
    let (session, buyer) = stored("cl-1", "coach", &facts, d, None);
    let repo = Repo::new(s.clone());
    repo.put_participants(std::slice::from_ref(&buyer)).await.unwrap();
    repo.create_session(&session, 0).await.unwrap();
    hs.add_contact("701", "jordan@brightpath.example");
    hs.add_record("deals", "801", json!({"hs_is_closed": "true", "dealstage": "closedlost"}), "701");
    hs.add_record("deals", "802", json!({"hs_is_closed": "false", "dealstage": "presentationscheduled"}), "701");

    let sync = sync_for(&server, &s, config(&server)).await;
    sync.handle(&CrmMessage::CallLogged { session_id: "cl-1".into() }).await.unwrap();
    let calls = hs.records("calls");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let (call_id, call) = calls.iter().next().unwrap();
    assert_eq!(call["hs_call_title"], "Brightpath invoice chasing [cl-1]");
    assert_eq!(call["hs_timestamp"], "2026-11-25T09:00:00.000Z");
    let body = call["hs_call_body"].as_str().unwrap();
    assert!(body.contains("discovery call — score 7.5/10") && body.contains("Objection (authority, open)"), "{body}");
    let tasks = hs.records("tasks");
    assert_eq!(tasks.len(), 1, "the seller's one action item; the buyer's is not a task: {tasks:?}");
    let (task_id, task) = tasks.iter().next().unwrap();
    assert_eq!(task["hs_timestamp"], "2026-11-27T09:00:00.000Z", "due on the Friday said");
    assert!(task["hs_task_subject"].as_str().unwrap().starts_with("I'll send you a one-page proposal"), "{task:?}");
    for (from, id) in [("calls", call_id), ("tasks", task_id)] {
        assert!(hs.associated(from, id, "contacts", "701"), "{from} on the contact");
        assert!(hs.associated(from, id, "deals", "802"), "{from} on the open deal");
        assert!(!hs.associated(from, id, "deals", "801"), "{from} not on the closed deal");
    }

    // A redelivery: nothing more is written.
    let before = hs.calls().len();
    sync.handle(&CrmMessage::CallLogged { session_id: "cl-1".into() }).await.unwrap();
    assert_eq!(hs.calls().len(), before, "a logged call is not sent again");

    // A crash after the creates, before they were recorded: the retry finds them.
    let key = debrief::ports::store::Key::new("SESSION#cl-1", "HUBSPOT_CALL");
    let item = s.get(&key).await.unwrap().unwrap();
    s.update(&debrief::ports::store::Item::new(key, r#"{"started": true, "call": null, "tasks": [], "associated": false}"#), item.version).await.unwrap();
    sync.handle(&CrmMessage::CallLogged { session_id: "cl-1".into() }).await.unwrap();
    assert_eq!((hs.records("calls").len(), hs.records("tasks").len()), (1, 1), "found again, not created twice");
}

/// Client health goes to the client's contact: found by email once (then by the id recorded),
/// one batch update per 100, only when the score, zone, risk or flags changed; a client with
/// no email is skipped; the properties exist because bootstrap created them.
#[tokio::test]
async fn client_health_is_written_to_the_contact_once_per_change() {
    use debrief::health::model::DayPoint;
    use debrief::health::records::HealthRecords;
    use debrief::health::{ClientRecord, Day, Flag, Zone};
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let report = schema::bootstrap(&s, &private(&s, config(&server)), "4242").await.unwrap();
    assert!(report.created.iter().any(|c| c == "contact property health_zone"), "{report:?}");
    let day = Day::parse("2026-11-20").unwrap();
    let point = |total: u8| DayPoint { day, total, base: total, zone: Zone::of(total), churn_risk: 80, flags: vec![Flag::NoSession { days: 30 }, Flag::FailedPayment] };
    let client = |id: &str, email: Option<&str>, total: u8| ClientRecord { client_id: id.into(), name: id.into(), email: email.map(str::to_string), history: vec![point(total)], ..Default::default() };
    let records = HealthRecords::new(Repo::new(s.clone()));
    records.upsert_facts(&[client("c1", Some("Omar@Clients.example"), 42), client("c2", None, 90)]).await.unwrap();
    hs.add_contact("901", "omar@clients.example");

    let sync = sync_for(&server, &s, config(&server)).await;
    let before = hs.calls().len();
    sync.handle(&CrmMessage::HealthChanged { day: day.to_string() }).await.unwrap();
    assert_eq!(hs.calls().len() - before, 2, "one read by email, one batch update: {:?}", &hs.calls()[before..]);
    let omar = hs.contact("901");
    assert_eq!((omar["health_zone"].as_str(), omar["health_flags"].as_str()), (Some("Red"), Some("noSession;failedPayment")), "{omar:?}");
    assert_eq!(omar["health_score"].to_string().trim_matches('"'), "42");
    assert_eq!(omar["churn_risk"].to_string().trim_matches('"'), "80");

    // Nothing changed: no call at all.
    let before = hs.calls().len();
    sync.handle(&CrmMessage::HealthChanged { day: day.to_string() }).await.unwrap();
    assert_eq!(hs.calls().len(), before, "{:?}", &hs.calls()[before..]);

    // A change: one update, by the id recorded (no read).
    let (mut c1, v) = records.get("c1").await.unwrap().unwrap();
    c1.history = vec![DayPoint { total: 75, zone: Zone::Green, churn_risk: 10, flags: vec![], ..point(75) }];
    s.update(&debrief::ports::Item::new(debrief::ports::Key::new("HEALTH", "CLIENT#c1"), serde_json::to_string(&c1).unwrap()), v).await.unwrap();
    let before = hs.calls().len();
    sync.handle(&CrmMessage::HealthChanged { day: day.to_string() }).await.unwrap();
    assert_eq!(hs.calls().len() - before, 1, "{:?}", &hs.calls()[before..]);
    assert_eq!(hs.contact("901")["health_zone"], "Green");
}

/// The client-health pull: the contacts with a package value, their properties read with the
/// search pages (one call per 100 clients, past the search's result limit too: windows of 500
/// here, of HubSpot's 10,000 in production), mapped to clients; an incremental pull reads only
/// the contacts modified since. (Under the search API's 4 requests a second, 10,050 clients
/// took 101 calls and 37 s when this test ran at that size.)
#[tokio::test]
async fn the_health_pull_reads_clients_in_one_call_per_hundred() {
    use debrief::hubspot::health::{HealthProperties, pull_in_windows};
    let props = HealthProperties::default();
    let (server, hs) = HubSpotStandIn::start().await;
    let (s, _) = store();
    let api = private(&s, config(&server));
    let n = 1_050;
    for i in 1..=n {
        let modified = if i % 10 == 0 { "1795000000000" } else { "1700000000000" };
        hs.add_contact_with(&i.to_string(), json!({"email": format!("c{i}@clients.example"), "firstname": "Client", "lastname": i.to_string(), "package_value": "2400", "sessions_remaining": "6", "renewal_date": "2026-12-20", "last_session_date": "2026-11-20T10:00:00Z", "assigned_coach": "coach-maya", "lastmodifieddate": modified}));
    }
    hs.add_contact_with("99999", json!({"email": "lead@prospects.example", "lastmodifieddate": "1795000000000"}));
    // HubSpot's roll-ups of engagements and deals: read with the same pages. 21:30 UTC is the
    // next day in Dubai.
    hs.add_contact_with("7", json!({"email": "c7@clients.example", "package_value": "3600", "assigned_coach": "coach-maya", "lastmodifieddate": "1700000000000",
        "notes_last_contacted": "2026-11-20T21:30:00.000Z", "hs_sales_email_last_replied": "2026-11-19T08:00:00Z", "hs_latest_meeting_activity": "1763460000000",
        "num_associated_deals": "2", "total_revenue": "7200.5"}));
    let before = hs.calls().len();
    let pulled = pull_in_windows(&api, &props, None, 500).await.unwrap();
    assert_eq!(pulled.clients.len(), n, "every client, and not the lead without a package");
    assert_eq!(pulled.calls, n.div_ceil(100), "one call per 100 clients");
    assert_eq!(hs.calls().len() - before, pulled.calls);
    let c = pulled.clients.iter().find(|c| c.client_id == "hs-42").unwrap();
    assert_eq!((c.name.as_str(), c.coach_id.as_deref(), c.sessions_remaining, c.package_value), ("Client 42", Some("coach-maya"), Some(6), 2400.0));
    assert_eq!(c.last_session.map(|d| d.to_string()).as_deref(), Some("2026-11-20"));
    assert_eq!(c.crm, None, "no roll-ups, none kept");
    let c7 = pulled.clients.iter().find(|c| c.client_id == "hs-7").unwrap().crm.clone().unwrap();
    let on = |d: Option<debrief::health::Day>| d.map(|d| d.to_string());
    assert_eq!((on(c7.last_contacted).as_deref(), on(c7.last_replied).as_deref(), on(c7.last_meeting).as_deref()), (Some("2026-11-21"), Some("2026-11-19"), Some("2025-11-18")));
    assert_eq!((c7.deals, c7.revenue), (2, 7200.5));
    // (The stand-in returns only the properties asked for: these were asked for.)
    let changed = pull_in_windows(&api, &props, Some(1_790_000_000_000), 500).await.unwrap();
    assert_eq!(changed.clients.len(), n / 10, "only the modified clients");
    assert_eq!(changed.calls, (n / 10).div_ceil(100));

    // Into the store: a full pull on the day's first run, then the changed contacts; what
    // Debrief learned from events stays.
    use debrief::health::records::HealthRecords;
    use debrief::hubspot::health::sync_clients;
    let records = HealthRecords::new(Repo::new(s.clone()));
    let day = debrief::health::Day::parse("2026-11-28").unwrap();
    let first = sync_clients(&records, &api, &props, day, 1_790_000_000_000).await.unwrap();
    assert_eq!((first.full, first.clients, first.new_clients), (true, n, n));
    let (mut c, v) = records.get("hs-10").await.unwrap().unwrap();
    c.activity.push(debrief::health::Activity { kind: debrief::health::ActivityKind::SessionAttended, on: day, event_id: "e1".into() });
    s.update(&debrief::ports::Item::new(debrief::ports::Key::new("HEALTH", "CLIENT#hs-10"), serde_json::to_string(&c).unwrap()), v).await.unwrap();
    let next = sync_clients(&records, &api, &props, day, 1_796_000_000_000).await.unwrap();
    assert_eq!((next.full, next.clients, next.new_clients), (false, n / 10, 0));
    assert_eq!(records.get("hs-10").await.unwrap().unwrap().0.activity.len(), 1, "the event stays");
}
