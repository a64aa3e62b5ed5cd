//! Ads: Meta's Conversions API events endpoint (`POST /{version}/{pixel_id}/events`).
//! Adapters: the Graph API ([`crate::adapters::meta::GraphConversions`]) and a dry run that
//! records what it would send ([`crate::adapters::meta::DryRunConversions`]).

use std::future::Future;

use serde_json::value::RawValue;

/// One request: the `data` array (at most [`MAX_EVENTS_PER_REQUEST`] events) and, in test mode,
/// the top-level `test_event_code`. The adapter adds the access token.
#[derive(Debug, Clone, Copy)]
pub struct EventsRequest<'a> {
    pub pixel_id: &'a str,
    /// The event objects, already serialised exactly as stored.
    pub data: &'a [&'a RawValue],
    pub test_event_code: Option<&'a str>,
}

/// Meta's per-request maximum for the `data` array.
pub const MAX_EVENTS_PER_REQUEST: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventsReceipt {
    pub events_received: u64,
    pub fbtrace_id: Option<String>,
    pub messages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AdsError {
    /// Rate limited (Graph error codes 4, 17, 32, 613, 80004, HTTP 429): retry later.
    #[error("throttled by Meta: {0}")]
    Throttled(String),
    /// 5xx, timeouts, connection failures, unreadable answers, `is_transient` errors.
    #[error("Meta is unavailable: {0}")]
    Transient(String),
    /// Meta refused the request's content (e.g. code 100, invalid parameter); retrying the same
    /// request cannot succeed.
    #[error("Meta rejected the request: {message}")]
    Invalid {
        message: String,
        fbtrace_id: Option<String>,
    },
    /// The token is invalid or lacks permission (code 190, 10, 200, HTTP 401/403): stop.
    #[error("Meta refused the access token: {0}")]
    Auth(String),
}

impl AdsError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled(_) | Self::Transient(_))
    }
}

pub trait ConversionsApi: Send + Sync + 'static {
    fn send(
        &self,
        request: EventsRequest<'_>,
    ) -> impl Future<Output = Result<EventsReceipt, AdsError>> + Send;
}
