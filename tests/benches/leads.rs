//! End-to-end lead scoring latency (a bench binary, not a timed test): a job read from a
//! HubSpot stand-in, scored with an OpenAI-compatible stand-in that answers every call after a
//! stated latency, written back. One lead, then a job of 20 leads (scored side by side).
//! `cargo bench -p debrief-tests --bench leads`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief::adapters::embedded::{EmbeddedStore, OutboxMailer};
use debrief::analysis::LlmConfig;
use debrief::hubspot::worker::CrmConnector;
use debrief::hubspot::{HubSpotConfig, RateLimits};
use debrief::leads::jobs::LeadJobs;
use debrief::leads::model::LeadModel;
use debrief::leads::profiles;
use debrief::leads::scorer::{LeadScorer, LeadsConfig};
use debrief_tests::hubspot_stand_in::{HubSpotStandIn, PORTAL, PRIVATE_TOKEN};
use debrief_tests::lead_model_stand_in::LeadModelStandIn;
use serde_json::json;

const MODEL_LATENCY: Duration = Duration::from_millis(300);

#[tokio::main]
async fn main() {
    let (hs_server, hs) = HubSpotStandIn::start().await;
    let (lm_server, _lm) = LeadModelStandIn::start(MODEL_LATENCY).await;
    let store = EmbeddedStore::new(debrief_tests::temp_db("bench-leads"));
    let mut llm = LlmConfig::new(format!("{}/v1", lm_server.uri()), "sk-test", "gpt-4o-mini");
    llm.base_backoff = Duration::from_millis(5);
    let scorer = LeadScorer::new(store, LeadModel::openai(&llm, "text-embedding-3-small", 512), OutboxMailer::new(std::env::temp_dir().join("bench-leads-outbox")), LeadsConfig::default());
    let icp = "id,status,industry,company size,geographic location\ngym,active,Fitness studios,11-50,UAE\ndental,active,Dental clinics,5-20,UK\n";
    profiles::import(&scorer.store, &scorer.model, icp).await.unwrap();
    let config = HubSpotConfig {
        base_url: hs_server.uri(),
        private_app_token: Some(PRIVATE_TOKEN.into()),
        portal_id: Some(PORTAL.to_string()),
        limits: RateLimits { max_requests: 1000, interval: Duration::from_secs(10), daily: None },
        ..HubSpotConfig::default()
    };
    let jobs = LeadJobs { scorer, connector: Arc::new(CrmConnector::new(config).unwrap()) };
    {
        let mut st = hs.state.lock().unwrap();
        st.contact_properties.extend(["ai_lead_score", "ai_lead_fit", "ai_next_best_action", "ai_last_scored", "ai_lead_priority", "ai_score_reasoning"].map(String::from));
    }
    for i in 0..21 {
        hs.add_contact_with(&format!("{}", 800 + i), json!({"industry": "Fitness", "country": "UAE", "numemployees": "25"}));
    }
    let t = Instant::now();
    jobs.run(&["800".into()]).await.unwrap();
    let one = t.elapsed();
    let ids: Vec<String> = (1..21).map(|i| format!("{}", 800 + i)).collect();
    let t = Instant::now();
    let outcome = jobs.run(&ids).await.unwrap();
    let twenty = t.elapsed();
    assert_eq!(outcome.written.len(), 20);
    println!(
        "lead scoring end to end, model stand-in at {} ms a call (an embedding and a judgement per lead): 1 lead {:.0} ms; a job of 20 leads {:.0} ms",
        MODEL_LATENCY.as_millis(),
        one.as_secs_f64() * 1e3,
        twenty.as_secs_f64() * 1e3
    );
}
