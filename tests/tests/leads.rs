//! Lead scoring against a HubSpot stand-in and an OpenAI-compatible stand-in: import errors,
//! workflow-action signatures (valid, forged, stale, replayed), a lead scored end to end with
//! its properties written once and the owner alerted once, the model down → the default score
//! written, 429/5xx retried, a validation 400 → that record dead-lettered with HubSpot's words,
//! and the same inputs giving the same score.

use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief::adapters::embedded::{EmbeddedQueue, EmbeddedStore, OutboxMailer};
use debrief::analysis::LlmConfig;
use debrief::hubspot::signature;
use debrief::hubspot::worker::CrmConnector;
use debrief::hubspot::{HubSpotConfig, RateLimits};
use debrief::leads::jobs::{LeadJobs, enqueue};
use debrief::leads::model::LeadModel;
use debrief::leads::profiles;
use debrief::leads::score::ScoreSource;
use debrief::leads::scorer::{LeadScorer, LeadsConfig, stored_score};
use debrief::ports::Queue;
use debrief_tests::app::spawn_app_with;
use debrief_tests::hubspot_stand_in::{CLIENT_SECRET, HubSpotStandIn, PORTAL, PRIVATE_TOKEN};
use debrief_tests::lead_model_stand_in::{Fail, LeadModelStandIn};
use serde_json::{Value, json};

const ICP: &str = "\u{feff}ID,Status,Type,Industry,Company Size,Revenue Range,Geographic Location,Technology Stack,Budget Range,Notes
gym-uae,active,ideal_client,Fitness studios,11-50,$1M-$5M,\"Dubai, UAE\",\"Mindbody, Stripe\",$5k-$20k,Boutique gyms with coaching programmes
dental-uk,active,ideal_client,Dental clinics,5-20,$500k-$2M,\"London, UK\",Dentrix,$2k-$10k,
churned-agency,active,churned,Marketing agency,2-10,<$500k,Remote,HubSpot,<$2k,Left after two months
";

/// A fitness studio in Dubai with an open deal and a recent call, owned by owner 7.
fn seed_lead(hs: &HubSpotStandIn, id: &str) {
    hs.add_contact_with(id, json!({"email": format!("lead{id}@studio.example"), "jobtitle": "Owner", "hubspot_owner_id": "7", "budget": "$10k", "lifecyclestage": "lead"}));
    hs.add_record("companies", &format!("5{id}"), json!({"name": "Pulse Studio", "industry": "Fitness", "numberofemployees": "35", "annualrevenue": "2500000", "city": "Dubai", "country": "UAE", "web_technologies": "Mindbody;Stripe"}), id);
    hs.add_record("deals", &format!("6{id}"), json!({"amount": "12000", "hs_is_closed": "false", "dealstage": "appointmentscheduled"}), id);
    let recent = debrief::clock::unix_millis() - 86_400_000;
    hs.add_record("calls", &format!("7{id}"), json!({"hs_timestamp": recent.to_string()}), id);
    let mut st = hs.state.lock().unwrap();
    st.owners.insert("7".into(), "olive.owner@studio.example".into());
    st.contact_properties.extend(["ai_lead_score", "ai_lead_fit", "ai_next_best_action", "ai_last_scored", "ai_lead_priority", "ai_score_reasoning"].map(String::from));
}

fn hubspot_config(server: &wiremock::MockServer) -> HubSpotConfig {
    HubSpotConfig {
        base_url: server.uri(),
        private_app_token: Some(PRIVATE_TOKEN.into()),
        portal_id: Some(PORTAL.to_string()),
        limits: RateLimits { max_requests: 1000, interval: Duration::from_secs(10), daily: None },
        base_delay: Duration::from_millis(5),
        timeout: Duration::from_secs(3),
        ..HubSpotConfig::default()
    }
}

fn model(server: &wiremock::MockServer) -> LeadModel {
    let mut c = LlmConfig::new(format!("{}/v1", server.uri()), "sk-test", "gpt-4o-mini");
    c.base_backoff = Duration::from_millis(5);
    c.max_backoff = Duration::from_millis(20);
    LeadModel::openai(&c, "text-embedding-3-small", 512)
}

fn updates(hs: &HubSpotStandIn) -> usize {
    hs.calls().iter().filter(|c| c.path == "/crm/objects/2026-09/contacts/batch/update").count()
}

struct Rig {
    hs: HubSpotStandIn,
    lm: LeadModelStandIn,
    jobs: LeadJobs<EmbeddedStore, OutboxMailer>,
    dead: EmbeddedQueue,
    outbox: std::path::PathBuf,
    _servers: (wiremock::MockServer, wiremock::MockServer),
}

async fn rig() -> Rig {
    let (hs_server, hs) = HubSpotStandIn::start().await;
    let (lm_server, lm) = LeadModelStandIn::start(Duration::ZERO).await;
    let db = debrief_tests::temp_db("leads");
    let store = EmbeddedStore::new(db.clone());
    let outbox = std::env::temp_dir().join(format!("debrief-leads-outbox-{:016x}", fastrand::u64(..)));
    let config = LeadsConfig { sender_email: "debrief@coach.example".into(), ..LeadsConfig::default() };
    let scorer = LeadScorer::new(store, model(&lm_server), OutboxMailer::new(&outbox), config);
    profiles::import(&scorer.store, &scorer.model, ICP).await.expect("the ICP imports");
    let jobs = LeadJobs { scorer, connector: Arc::new(CrmConnector::new(hubspot_config(&hs_server)).unwrap()) };
    Rig { hs, lm, jobs, dead: EmbeddedQueue::new(db, "leads", 3), outbox, _servers: (hs_server, lm_server) }
}

fn outbox_mails(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir).map(|d| d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn a_lead_is_scored_end_to_end_written_once_and_the_owner_alerted_once() {
    let r = rig().await;
    seed_lead(&r.hs, "101");
    let embeddings_before = r.lm.state.lock().unwrap().embedding_calls;
    assert_eq!(embeddings_before, 1, "the three profiles are embedded in one batched request");
    let outcome = r.jobs.run(&["101".into()]).await.unwrap();
    assert_eq!(outcome.written, vec!["101".to_string()]);
    let c = r.hs.contact("101");
    assert_eq!(c["ai_lead_score"], "88");
    assert_eq!(c["ai_lead_fit"], "High");
    assert_eq!(c["ai_next_best_action"], "Call");
    assert_eq!(c["ai_lead_priority"], "high");
    assert!(c["ai_score_reasoning"].as_str().unwrap().contains("gym-uae"));
    let stored = stored_score(&r.jobs.scorer.store, "101").await.unwrap().unwrap();
    assert!(stored.written);
    let f = &stored.score.factors;
    assert_eq!(stored.score.source, ScoreSource::Model);
    assert_eq!(f.nearest[0].profile_id, "gym-uae", "{:?}", f.nearest);
    assert_eq!(f.nearest.len(), 2, "only active ideal clients are candidates");
    assert!(f.nearest[0].similarity > f.nearest[1].similarity);
    assert_eq!((f.open_deals, f.recent_engagements), (1, 1));
    assert!(f.fields.iter().any(|m| m.field == "industry" && format!("{:?}", m.outcome) == "Match"), "{:?}", f.fields);
    let mails = outbox_mails(&r.outbox);
    assert_eq!(mails.len(), 1, "the owner is alerted once");
    assert!(mails[0].contains("olive.owner@studio.example"));
    // The same inputs again: no model call, no write, no second alert; the score is identical.
    let chats = r.lm.state.lock().unwrap().chat_calls;
    let again = r.jobs.run(&["101".into()]).await.unwrap();
    assert_eq!(again.unchanged, vec!["101".to_string()]);
    assert_eq!(updates(&r.hs), 1, "the properties are written once");
    assert_eq!(r.lm.state.lock().unwrap().chat_calls, chats);
    assert_eq!(stored_score(&r.jobs.scorer.store, "101").await.unwrap().unwrap().score, stored.score);
    assert_eq!(outbox_mails(&r.outbox).len(), 1);
    assert!(r.lm.state.lock().unwrap().violations.is_empty(), "{:?}", r.lm.state.lock().unwrap().violations);
}

#[tokio::test]
async fn the_model_down_still_scores_with_the_default_and_429s_are_retried() {
    let r = rig().await;
    seed_lead(&r.hs, "201");
    r.lm.state.lock().unwrap().chat_down = true;
    r.jobs.run(&["201".into()]).await.unwrap();
    let s = stored_score(&r.jobs.scorer.store, "201").await.unwrap().unwrap().score;
    assert_eq!(s.source, ScoreSource::Default);
    assert!(s.fallback_reason.as_deref().unwrap().contains("model"), "{:?}", s.fallback_reason);
    assert_eq!(r.lm.state.lock().unwrap().chat_calls, 3, "three attempts, then the default");
    assert_eq!(r.hs.contact("201")["ai_lead_score"], s.factors.default_score.score.to_string().as_str());
    assert_eq!(s.score, s.factors.default_score.score);
    let points: f64 = s.factors.default_score.parts.iter().map(|p| p.points).sum();
    assert_eq!(s.score, points.round().clamp(0.0, 100.0) as u8, "the default score is the sum it shows");
    // A 429 and a 500 before a good answer: retried, and the model's score stands.
    seed_lead(&r.hs, "202");
    {
        let mut st = r.lm.state.lock().unwrap();
        st.chat_down = false;
        st.chat_calls = 0;
        st.chat_failures.extend([Fail::TooMany, Fail::Server]);
        st.embedding_failures.push_back(Fail::Server);
    }
    r.jobs.run(&["202".into()]).await.unwrap();
    let s = stored_score(&r.jobs.scorer.store, "202").await.unwrap().unwrap().score;
    assert_eq!((s.source, s.score), (ScoreSource::Model, 88), "{:?}", s.fallback_reason);
    assert_eq!(r.lm.state.lock().unwrap().chat_calls, 3);
    // A body that is not the schema is not a score: the default stands in.
    seed_lead(&r.hs, "203");
    r.lm.state.lock().unwrap().chat_failures.extend([Fail::BadBody]);
    r.jobs.run(&["203".into()]).await.unwrap();
    let s = stored_score(&r.jobs.scorer.store, "203").await.unwrap().unwrap().score;
    assert_eq!(s.source, ScoreSource::Default);
}

#[tokio::test]
async fn a_validation_400_dead_letters_that_record_with_hubspots_message() {
    let r = rig().await;
    seed_lead(&r.hs, "301");
    seed_lead(&r.hs, "302");
    {
        let mut st = r.hs.state.lock().unwrap();
        st.validation_400 = true;
        st.invalid_contacts.insert("302".into());
    }
    let queue = r.dead.clone();
    enqueue(&queue, &["302".into(), "301".into()], "test").await.unwrap();
    let got = queue.receive(10, Duration::from_secs(30), Duration::from_millis(100)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(r.jobs.handle_message(&queue, &got[0].body).await, "acknowledged: nothing here is worth a retry");
    assert_eq!(r.hs.contact("301")["ai_lead_priority"], "high");
    assert!(!r.hs.contact("302").contains_key("ai_lead_score"));
    let dead = queue.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let d: Value = serde_json::from_str(&dead[0]).unwrap();
    assert_eq!(d["job"]["contactIds"], json!(["302"]));
    assert!(d["error"].as_str().unwrap().contains("industry is required"), "{d}");
    // A job with no profiles to compare with is dead-lettered too, not retried for ever.
    assert!(r.jobs.handle_message(&queue, "not json").await);
    assert_eq!(queue.dead_letters(10).await.unwrap().len(), 2);
}

fn signed(uri: &str, body: &str, ts: i64) -> (String, String) {
    (signature::sign(CLIENT_SECRET, "POST", uri, body.as_bytes(), &ts.to_string()), ts.to_string())
}

#[tokio::test]
async fn over_http_import_errors_signatures_and_the_score_route() {
    let (hs_server, hs) = HubSpotStandIn::start().await;
    let (lm_server, lm) = LeadModelStandIn::start(Duration::ZERO).await;
    seed_lead(&hs, "401");
    let public = "https://debrief.example";
    let app = spawn_app_with(&[
        ("DEBRIEF_HUBSPOT_API_URL", &hs_server.uri()),
        ("DEBRIEF_HUBSPOT_SERVICE_KEY", PRIVATE_TOKEN),
        ("DEBRIEF_HUBSPOT_PORTAL_ID", &PORTAL.to_string()),
        ("DEBRIEF_HUBSPOT_CLIENT_SECRET", CLIENT_SECRET),
        ("DEBRIEF_PUBLIC_URL", public),
        ("DEBRIEF_LLM_MODEL", "gpt-4o-mini"),
        ("DEBRIEF_LLM_BASE_URL", &format!("{}/v1", lm_server.uri())),
        ("DEBRIEF_LLM_API_KEY", "sk-test"),
    ])
    .await;
    let http = debrief::net::client();
    let base = app.base.clone();
    let admin = format!("Bearer {}", app.admin_key);
    // A bad CSV: 400 naming the row and the column.
    let bad = "id,status,industry\ngym,active,Fitness\nden,sometimes,Dental\n";
    let r = http.post(format!("{base}/v1/leads/icp")).header("authorization", &admin).header("content-type", "text/csv").body(bad).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(e.to_string().contains("row 3") && e.to_string().contains("status"), "{e}");
    let r = http.post(format!("{base}/v1/leads/icp")).header("authorization", format!("Bearer {}", app.ingest_key)).header("content-type", "text/csv").body(ICP).send().await.unwrap();
    assert_eq!(r.status(), 403, "importing profiles is the operator's");
    // The good file as multipart.
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::text(ICP).file_name("icp.csv").mime_str("text/csv").unwrap());
    let r = http.post(format!("{base}/v1/leads/icp")).header("authorization", &admin).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!((s["total"].as_u64(), s["activeIdealClients"].as_u64(), s["embeddingModel"].as_str()), (Some(3), Some(2), Some("text-embedding-3-small")));
    // The workflow action: forged, stale, then valid, then the same request again (replay).
    let path = "/v1/leads/hubspot/action";
    let body = json!({"callbackId": "ap-1", "origin": {"portalId": PORTAL}, "object": {"objectId": 401, "objectType": "CONTACT"}, "inputFields": {}}).to_string();
    let now = debrief::clock::unix_millis();
    let send = |sig: String, ts: String| {
        http.post(format!("{base}{path}")).header("content-type", "application/json").header("x-hubspot-signature-v3", sig).header("x-hubspot-request-timestamp", ts).body(body.clone()).send()
    };
    let (sig, ts) = signed(&format!("{public}{path}"), &body, now);
    let forged = signature::sign("not-the-secret", "POST", &format!("{public}{path}"), body.as_bytes(), &ts);
    assert_eq!(send(forged, ts.clone()).await.unwrap().status(), 401);
    let (stale_sig, stale_ts) = signed(&format!("{public}{path}"), &body, now - 6 * 60 * 1000);
    assert_eq!(send(stale_sig, stale_ts).await.unwrap().status(), 401);
    let r = send(sig.clone(), ts.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["outputFields"]["hs_execution_state"], "SUCCESS");
    assert_eq!(send(sig, ts).await.unwrap().status(), 401, "a replay is refused");
    // The job runs in the background; the score lands in HubSpot and behind the score route.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !hs.contact("401").contains_key("ai_lead_score") {
        assert!(Instant::now() < deadline, "the lead was not scored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = http.get(format!("{base}/v1/leads/401/score")).header("authorization", &admin).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["score"], 88);
    assert_eq!(s["factors"]["nearest"][0]["profileId"], "gym-uae");
    assert_eq!(http.get(format!("{base}/v1/leads/999/score")).header("authorization", &admin).send().await.unwrap().status(), 404);
    // The plain webhook (Make.com): an ingest key and contact ids; a bad id is named.
    let r = http.post(format!("{base}/v1/leads/webhook")).header("authorization", format!("Bearer {}", app.ingest_key)).json(&json!({"contactIds": ["401", "x1"]})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("contactIds"));
    let r = http.post(format!("{base}/v1/leads/webhook")).header("authorization", format!("Bearer {}", app.ingest_key)).json(&json!({"contactIds": ["401"]})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let reads = |hs: &HubSpotStandIn| hs.calls().iter().filter(|c| c.path == "/crm/objects/2026-09/contacts/batch/read").count();
    let deadline = Instant::now() + Duration::from_secs(20);
    while reads(&hs) < 2 {
        assert!(Instant::now() < deadline, "the webhook's job did not run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(updates(&hs), 1, "unchanged inputs are not written again");
    assert!(lm.state.lock().unwrap().violations.is_empty());
}

#[tokio::test]
async fn the_sweep_queues_changed_contacts_and_every_scored_one_after_an_icp_change() {
    let r = rig().await;
    let now = debrief::clock::unix_millis();
    for (id, modified) in [("501", now - 3_600_000), ("502", now - 3 * 86_400_000)] {
        seed_lead(&r.hs, id);
        r.hs.state.lock().unwrap().contacts.get_mut(id).unwrap().insert("lastmodifieddate".into(), json!(modified.to_string()));
    }
    // 502 was scored before; only 501 changed in the last day.
    r.jobs.run(&["502".into()]).await.unwrap();
    let queue = r.dead.clone();
    let (_, api) = r.jobs.connector.connect(&r.jobs.scorer.store).await.unwrap();
    let first = debrief::leads::sweep::sweep(&r.jobs.scorer.store, &queue, &api, now).await.unwrap();
    // The first sweep also counts the ICP set as new: everything scored is queued again.
    assert_eq!((first.changed_in_hubspot, first.rescored_for_icp), (1, 1), "{first:?}");
    let got = queue.receive(10, Duration::from_secs(30), Duration::from_millis(100)).await.unwrap();
    let mut ids: Vec<String> = got.iter().flat_map(|m| serde_json::from_str::<Value>(&m.body).unwrap()["contactIds"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>()).collect();
    ids.sort();
    assert_eq!(ids, vec!["501", "502"]);
    for m in &got {
        queue.ack(&m.receipt).await.unwrap();
    }
    // Nothing changed since: nothing queued.
    let second = debrief::leads::sweep::sweep(&r.jobs.scorer.store, &queue, &api, now + 1000).await.unwrap();
    assert_eq!((second.changed_in_hubspot, second.rescored_for_icp, second.jobs), (0, 0, 0), "{second:?}");
    // A new ICP revision: every scored contact again.
    profiles::import(&r.jobs.scorer.store, &r.jobs.scorer.model, "id,status,industry\nyoga,active,Yoga studios\n").await.unwrap();
    let third = debrief::leads::sweep::sweep(&r.jobs.scorer.store, &queue, &api, now + 2000).await.unwrap();
    assert_eq!(third.rescored_for_icp, 1);
}

#[tokio::test]
async fn health_reports_tokens_queues_and_job_error_rates() {
    let r = rig().await;
    seed_lead(&r.hs, "601");
    r.hs.state.lock().unwrap().owners.insert("1".into(), "first@studio.example".into());
    let queue = r.dead.clone();
    assert!(r.jobs.handle_message(&queue, &serde_json::to_string(&json!({"contactIds": ["601"], "trigger": "test"})).unwrap()).await);
    let svc = debrief::http::health::HealthService { repo: debrief::repo::Repo::new(r.jobs.scorer.store.clone()), connector: r.jobs.connector.clone(), queues: vec![("leads".into(), queue.clone())] };
    let h = svc.check().await.unwrap();
    assert_eq!(h.status, "ok", "{h:?}");
    assert_eq!(h.hubspot[0].token, "valid");
    assert_eq!(h.hubspot[0].credentials, "static token");
    let job = h.jobs.iter().find(|j| j.job == "lead-score").unwrap();
    assert_eq!((job.runs, job.failed), (1, 0));
    assert!(job.last_success.is_some());
    // A refused token and a dead letter both call for attention.
    r.hs.state.lock().unwrap().reject_all = true;
    queue.dead_letter("{\"reason\":\"test\"}").await.unwrap();
    let h = svc.check().await.unwrap();
    assert_eq!(h.status, "attention");
    assert!(h.hubspot[0].token.starts_with("refused"), "{:?}", h.hubspot[0]);
    assert_eq!(h.queues[0].depth.unwrap().dead_letters, 1);
}
