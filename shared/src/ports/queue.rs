//! Work queue: at-least-once delivery with leases, and a dead-letter path.

use std::future::Future;
use std::time::Duration;

/// A leased message. Acknowledge it with its `receipt` before the lease ends, or it comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub id: String,
    pub receipt: String,
    pub body: String,
    /// How many times it has been received, this time included.
    pub receive_count: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("message too large: {0} bytes (the limit is 256 KiB)")]
    TooLarge(usize),
    #[error("unknown or expired receipt")]
    BadReceipt,
    #[error("queue unavailable: {0}")]
    Unavailable(String),
}

/// The largest message body, as SQS allows.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

pub trait Queue: Send + Sync + 'static {
    /// Sends every body (in batches of at most ten); returns their message ids.
    fn send_batch(&self, bodies: &[String]) -> impl Future<Output = Result<Vec<String>, QueueError>> + Send;

    /// Leases up to `max` messages (at most ten) for `lease`, waiting up to `wait` for one.
    /// A message received more than the configured number of times goes to the dead-letter
    /// queue instead.
    fn receive(
        &self,
        max: usize,
        lease: Duration,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Received>, QueueError>> + Send;

    fn ack(&self, receipt: &str) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Puts `body` straight into the dead-letter queue (a message retrying cannot help, with
    /// the reason inside), for the operator.
    fn dead_letter(&self, body: &str) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Bodies waiting in the dead-letter queue (for operators and tests; does not remove them).
    fn dead_letters(&self, max: usize) -> impl Future<Output = Result<Vec<String>, QueueError>> + Send;

    /// How many messages wait, are leased, and sit in the dead-letter queue (approximate on
    /// SQS, as its attributes are).
    fn depth(&self) -> impl Future<Output = Result<QueueDepth, QueueError>> + Send;
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueDepth {
    pub waiting: u64,
    pub in_flight: u64,
    pub dead_letters: u64,
}
