//! The same flow on the AWS adapters: `debrief serve --aws` against moto (DynamoDB, SQS,
//! SES v2) over the wire, the coach's email read back from moto.

use std::time::{Duration, Instant};

use debrief::adapters::aws::DynamoStore;
use debrief::repo::{KeyScope, Repo, generate_api_key};
use serde_json::{Value, json};

#[tokio::test]
async fn the_sample_on_aws_adapters() {
    let Some((config, endpoint)) = debrief_tests::moto().await else { return };
    let suffix = format!("{:08x}", fastrand::u32(..));
    let table = format!("debrief-e2e-{suffix}");
    let store = DynamoStore::from_config(&config, &table);
    store.ensure_table().await.unwrap();
    let repo = Repo::new(store);
    let coach = debrief_tests::app::sample_coach();
    repo.put_coach(&coach).await.unwrap();
    let key = generate_api_key(KeyScope::Ingest);
    repo.add_api_key(&key, KeyScope::Ingest, None, None).await.unwrap();
    let sender = format!("debrief-{suffix}@example.com");
    aws_sdk_sesv2::Client::new(&config).create_email_identity().email_identity(&sender).send().await.unwrap();

    let env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("DEBRIEF_TABLE", table.as_str()),
        ("DEBRIEF_ANALYSIS_QUEUE", &format!("debrief-e2e-{suffix}")),
        ("DEBRIEF_SENDER_EMAIL", sender.as_str()),
        ("DEBRIEF_TRANSCRIPT_BUCKET", &format!("debrief-e2e-{suffix}")),
        ("LEASE_SECS", "30"),
        // One participant at a time: moto does not isolate concurrent transactions on the
        // session's counter (see contract::store_races); DynamoDB does.
        ("CONCURRENCY", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let app = debrief_tests::app::spawn_app_env_only(env).await;
    let transcript = std::fs::read_to_string(debrief_tests::bundled_sample().join("transcript.vtt")).unwrap();
    let roster = std::fs::read_to_string(debrief_tests::bundled_sample().join("roster.csv")).unwrap();
    let body = json!({"transcript": transcript, "workshopDate": "2026-11-21", "cohortName": "Moto Lab", "coachId": coach.coach_id, "roster": roster});
    let http = debrief::net::client();
    let resp = http.post(format!("{}/v1/workshops", app.base)).bearer_auth(&key).json(&body).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let sid = resp.json::<Value>().await.unwrap()["sessionId"].as_str().unwrap().to_string();
    let started = Instant::now();
    loop {
        let s: Value = http.get(format!("{}/v1/workshops/{sid}", app.base)).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
        if s["status"] == "completed" && s["emailNotificationSent"] == true {
            assert_eq!(s["priorityClientIds"][0], "5103");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{s}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(repo.list_participants(&sid).await.unwrap().len(), 5);
    let data: Value = debrief::net::client().get(format!("{endpoint}/moto-api/data.json")).send().await.unwrap().json().await.unwrap();
    let sent: Vec<&Value> = data["ses"]["Message"].as_array().unwrap().iter().filter(|m| m["source"] == sender.as_str()).collect();
    assert_eq!(sent.len(), 1, "one coach email: {sent:?}");
    assert_eq!(sent[0]["destinations"]["ToAddresses"][0], coach.email_address.as_str());
    assert!(sent[0]["subject"].as_str().unwrap().contains("Moto Lab"));
    assert!(sent[0]["body"].as_str().unwrap().contains("Priya Nair"));

    // The transcript was kept in S3: a re-analysis reads it back and makes a revision.
    let resp = http.post(format!("{}/v1/workshops/{sid}/reanalyze", app.base)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let again: Value = resp.json().await.unwrap();
    assert_eq!(again["revisionOf"], sid.as_str());
    let rid = again["sessionId"].as_str().unwrap().to_string();
    let started = Instant::now();
    while repo.get_session(&rid).await.unwrap().is_none_or(|s| s.value.processing_status != debrief::domain::ProcessingStatus::Completed) {
        assert!(started.elapsed() < Duration::from_secs(60), "the revision did not complete");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(repo.list_participants(&rid).await.unwrap().len(), 5);
}
