//! Helpers shared by the integration tests.

pub mod app;
pub mod contract;
pub mod llm_stand_in;
pub mod outbox;

use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
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
        assert!(std::env::var_os("CI").is_none(), "DEBRIEF_TEST_AWS_ENDPOINT must be set in CI");
        eprintln!("skipped: set DEBRIEF_TEST_AWS_ENDPOINT to a moto server (scripts/test does)");
        return None;
    };
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await;
    Some((config, endpoint))
}
