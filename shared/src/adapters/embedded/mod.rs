//! One machine, no cloud: state and queues in one SQLite file (WAL), mail as `.eml` files.

mod db;
mod files;
mod outbox;
mod queue;
mod store;

pub use db::EmbeddedDb;
pub use files::FileArchive;
pub use outbox::{OutboxMailer, render_eml};
pub use queue::EmbeddedQueue;
pub use store::EmbeddedStore;

use std::path::PathBuf;

/// Where the embedded adapters keep their files: `DEBRIEF_DATA_DIR` (default `./data`) holds
/// `debrief.sqlite3`, `outbox/` and `archive/` (kept transcripts); `DEBRIEF_DB_PATH`,
/// `DEBRIEF_OUTBOX_DIR` and `DEBRIEF_ARCHIVE_DIR` override each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedPaths {
    pub db: PathBuf,
    pub outbox: PathBuf,
    pub archive: PathBuf,
}

impl EmbeddedPaths {
    pub fn under(data_dir: impl Into<PathBuf>) -> Self {
        let data: PathBuf = data_dir.into();
        Self { db: data.join("debrief.sqlite3"), outbox: data.join("outbox"), archive: data.join("archive") }
    }

    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let mut p = Self::under(var("DEBRIEF_DATA_DIR").unwrap_or_else(|| PathBuf::from("data")));
        if let Some(db) = var("DEBRIEF_DB_PATH") {
            p.db = db;
        }
        if let Some(outbox) = var("DEBRIEF_OUTBOX_DIR") {
            p.outbox = outbox;
        }
        if let Some(archive) = var("DEBRIEF_ARCHIVE_DIR") {
            p.archive = archive;
        }
        p
    }
}
