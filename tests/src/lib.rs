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
