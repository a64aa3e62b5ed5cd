//! Whole transcripts, kept so that a session can be analysed again (`reanalyze`) and shown to
//! the coach when its processing failed. The store's items keep only a pointer (the key): a
//! transcript of up to 5 MB does not fit a DynamoDB item. Objects are written once under a key
//! that names their content, so writing one again is harmless.

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
}

/// The key a transcript is kept under: its SHA-256, so revisions of one meeting share one
/// object and no name or id of a person appears in it.
pub fn transcript_key(transcript: &str) -> String {
    format!("transcripts/{}.txt", crate::repo::sha256_hex(transcript))
}
