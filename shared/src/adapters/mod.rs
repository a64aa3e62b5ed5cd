//! Adapters for the ports: `aws` (DynamoDB, SQS, SES v2, S3) for production and `embedded`
//! (one SQLite file, an `.eml` outbox, files) for one machine with no cloud account; `meta` (the
//! Graph API's Conversions API, or its dry run).

pub mod aws;
pub mod embedded;
pub mod hubspot;
pub mod meta;
pub mod request_log;

use crate::ports::{Archive, ArchiveError};

/// Where this deployment keeps transcripts: S3 on AWS, files on one machine. One type, so the
/// pipeline is not generic over a fifth port.
#[derive(Debug, Clone)]
pub enum TranscriptArchive {
    Files(embedded::FileArchive),
    S3(aws::S3Archive),
}

impl Archive for TranscriptArchive {
    async fn put(&self, key: &str, body: &[u8]) -> Result<(), ArchiveError> {
        match self {
            Self::Files(a) => a.put(key, body).await,
            Self::S3(a) => a.put(key, body).await,
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ArchiveError> {
        match self {
            Self::Files(a) => a.get(key).await,
            Self::S3(a) => a.get(key).await,
        }
    }

    async fn download(&self, key: &str, ttl: std::time::Duration) -> Result<crate::ports::Download, ArchiveError> {
        match self {
            Self::Files(a) => a.download(key, ttl).await,
            Self::S3(a) => a.download(key, ttl).await,
        }
    }
}
