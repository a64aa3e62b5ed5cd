//! Helpers shared by the integration tests.

pub mod app;
pub mod contract;
pub mod graph_stand_in;
pub mod hubspot_stand_in;
pub mod lead_model_stand_in;
pub mod llm_stand_in;
pub mod outbox;

use std::path::PathBuf;

/// A fresh embedded database in its own temporary folder (`tag` names the folder).
pub fn temp_db(tag: &str) -> debrief::adapters::embedded::EmbeddedDb {
    let dir = std::env::temp_dir().join(format!("debrief-{tag}-{:016x}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    debrief::adapters::embedded::EmbeddedDb::open(dir.join("db.sqlite3")).unwrap()
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `../shared` beside the project root: sample data for developers and CI.
pub fn shared_samples() -> Option<PathBuf> {
    let p = root().parent()?.join("shared").join("samples");
    p.is_dir().then_some(p)
}

/// `../shared/samples/NAME`, or `None` outside CI when it is not there. In CI it must be.
pub fn shared_sample(name: &str) -> Option<PathBuf> {
    match shared_samples() {
        Some(p) => Some(p.join(name)),
        None if std::env::var_os("CI").is_some() => panic!("../shared/samples is missing in CI"),
        None => None,
    }
}

/// The bundled sample's files.
pub fn bundled_sample() -> PathBuf {
    root().join("functions/local/sample")
}

/// AWS clients' configuration for the moto server in `DEBRIEF_TEST_AWS_ENDPOINT`, and that
/// endpoint. `None` (the test skips) outside CI without it; in CI a missing endpoint fails.
pub async fn moto() -> Option<(aws_config::SdkConfig, String)> {
    let Ok(endpoint) = std::env::var("DEBRIEF_TEST_AWS_ENDPOINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "DEBRIEF_TEST_AWS_ENDPOINT must be set in CI"
        );
        eprintln!("skipped: set DEBRIEF_TEST_AWS_ENDPOINT to a moto server (scripts/test does)");
        return None;
    };
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(debrief::adapters::aws::https_client(true))
        .endpoint_url(&endpoint)
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .load()
        .await;
    Some((config, endpoint))
}

/// A Zoom-style WebVTT of `n` participants speaking `turns` times each (every line a win and a
/// commitment), and its roster (`PersonNN Tester`, contact ids from `first_id`).
pub fn synthetic_workshop(
    n: usize,
    turns: usize,
    first_id: usize,
) -> (String, Vec<serde_json::Value>) {
    let ts = |s: f64| {
        format!(
            "{:02}:{:02}:{:06.3}",
            (s / 3600.0) as u32,
            ((s / 60.0) as u32) % 60,
            s % 60.0
        )
    };
    let mut vtt = String::from("WEBVTT\n\n");
    let mut roster = Vec::new();
    for i in 0..n {
        let name = format!("Person{i:02} Tester");
        for turn in 0..turns {
            let t = (i * turns + turn) as f64 * 4.0;
            vtt.push_str(&format!(
                "{} --> {}\n{name}: I finally signed a client, and my next step is to call ten more by Friday, turn {turn}.\n\n",
                ts(t),
                ts(t + 3.0)
            ));
        }
        roster.push(serde_json::json!({"name": name, "email": format!("p{i}@example.com"), "hubspotContactId": format!("{}", first_id + i)}));
    }
    (vtt, roster)
}
