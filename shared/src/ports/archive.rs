//! Whole transcripts, kept so that a session can be analysed again (`reanalyze`) and shown to
//! the coach when its processing failed. The store's items keep only a pointer (the key): a
//! transcript of up to 5 MB does not fit a DynamoDB item. Objects are written once under a key
//! that names their content, so writing one again is harmless. Webinar exports are kept here
//! too (`exports/…`), fetched by the coach through a pre-signed link.

use std::future::Future;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("transcript archive unavailable: {0}")]
    Unavailable(String),
}

pub trait Archive: Send + Sync + 'static {
    fn put(&self, key: &str, body: &[u8]) -> impl Future<Output = Result<(), ArchiveError>> + Send;
    /// The object, or `None` when there is none (never written, or expired by the lifecycle rule).
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<Vec<u8>>, ArchiveError>> + Send;
    /// How someone without our credentials fetches `key` for the next `ttl`: a pre-signed URL
    /// (S3), or the file's path on this machine (files).
    fn download(&self, key: &str, ttl: std::time::Duration) -> impl Future<Output = Result<Download, ArchiveError>> + Send;
}

/// Where an archived object can be downloaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    /// A pre-signed GET, valid until `expires_at` (RFC 3339).
    Url { url: String, expires_at: String },
    /// A file on this machine.
    File(std::path::PathBuf),
}

/// The key a transcript is kept under: its SHA-256, so revisions of one meeting share one
/// object and no name or id of a person appears in it.
pub fn transcript_key(transcript: &str) -> String {
    format!("transcripts/{}.txt", crate::repo::sha256_hex(transcript))
}
