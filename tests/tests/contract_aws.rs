//! The ports' contract on the AWS adapters over the real wire protocol, against the server in
//! `DEBRIEF_TEST_AWS_ENDPOINT` (`.ci/run` starts moto and sets it). Without it the tests say
//! so and pass, except in CI, where a missing endpoint is a failure.

use debrief::adapters::aws::{DynamoStore, SesMailer, SqsQueue};
use debrief_tests::contract::{self, SentMail};

fn name(prefix: &str) -> String {
    format!("{prefix}-{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store() {
    let Some((config, _)) = debrief_tests::moto().await else { return };
    let store = DynamoStore::from_config(&config, name("debrief-contract"));
    store.ensure_table().await.unwrap();
    // moto does not isolate concurrent transactions (see store_races).
    contract::store_suite(store, false).await;
}

#[tokio::test]
async fn archive() {
    let Some((config, _)) = debrief_tests::moto().await else { return };
    let s3 = debrief::adapters::aws::S3Archive::from_config(&config, &name("transcripts")).unwrap();
    s3.ensure_bucket().await.unwrap();
    contract::archive_keeps(&s3).await;
}

#[tokio::test]
async fn queue() {
    let Some((config, _)) = debrief_tests::moto().await else { return };
    let client = aws_sdk_sqs::Client::new(&config);
    contract::queue_basics(&SqsQueue::ensure(client.clone(), &name("analysis"), 5).await.unwrap()).await;
    contract::queue_leases(&SqsQueue::ensure(client.clone(), &name("leases"), 5).await.unwrap()).await;
    contract::queue_dead_letters(&SqsQueue::ensure(client, &name("poison"), 2).await.unwrap()).await;
}

/// Sent mail read back from moto's state: `GET /moto-api/data.json` → `ses.Message`.
async fn moto_sent(endpoint: &str) -> Vec<SentMail> {
    let data: serde_json::Value = debrief::net::client().get(format!("{endpoint}/moto-api/data.json")).send().await.unwrap().json().await.unwrap();
    let raw = data["ses"]["RawMessage"].as_array().cloned().unwrap_or_default();
    let raw = raw.iter().filter_map(|m| m["raw_data"].as_str()).map(debrief_tests::outbox::parse_eml);
    let messages = data["ses"]["Message"].as_array().cloned().unwrap_or_default();
    messages
        .iter()
        .map(|m| SentMail {
            from: m["source"].as_str().unwrap_or_default().to_string(),
            to: m["destinations"]["ToAddresses"]
                .as_array()
                .or_else(|| m["destinations"].as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            subject: m["subject"].as_str().unwrap_or_default().to_string(),
            body: m["body"].to_string(),
        })
        .chain(raw)
        .collect()
}

#[tokio::test]
async fn mailer() {
    let Some((config, endpoint)) = debrief_tests::moto().await else { return };
    let ses = aws_sdk_sesv2::Client::new(&config);
    // SES refuses mail from an unverified sender; moto too.
    ses.create_email_identity().email_identity("coach@example.com").send().await.unwrap();
    for raw in [false, true] {
        let mailer = SesMailer::new(ses.clone(), None).raw(raw);
        contract::mailer_sends(&mailer, || moto_sent(&endpoint)).await;
    }
}
