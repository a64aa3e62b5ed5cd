//! Meta Conversions API: businesses' CRM conversions (leads, bookings, purchases) sent to Meta
//! server-side. Intake ([`intake`]) normalises and hashes each event ([`normalize`], [`event`],
//! HubSpot payloads through [`hubspot`]) and stores it pending; a scheduled run ([`batch`])
//! sends pending events per pixel in requests of at most 1,000.

pub mod batch;
pub mod event;
pub mod hubspot;
pub mod intake;
pub mod normalize;
pub mod records;

use std::time::Duration;

use serde::Serialize;

pub use batch::{PixelReport, SendConfig, send_pending};
pub use event::{IncomingEvent, MetaEvent, PrepareConfig, prepare};
pub use intake::{IntakeError, IntakeReport, accept};
pub use records::Mode;

use crate::adapters::meta::{
    ConfiguredConversions, DryRunConversions, GraphConfig, GraphConversions,
};
use crate::ports::{Store, StoreError};

/// Settings read once at start-up (see the README's "Meta Conversions API" section).
#[derive(Debug, Clone)]
pub struct CapiConfig {
    /// `DEBRIEF_META_PIXEL_IDS` (comma-separated; the first is the default), else `local-pixel`.
    pub pixels: Vec<String>,
    pub prepare: PrepareConfig,
    pub mapping: hubspot::Mapping,
    /// `DEBRIEF_META_TEST_EVENT_CODE`: test-mode runs send with it; without it, test events wait.
    pub test_event_code: Option<String>,
    pub send: SendConfig,
    pub graph_version: String,
}

impl Default for CapiConfig {
    fn default() -> Self {
        Self {
            pixels: vec!["local-pixel".into()],
            prepare: PrepareConfig::default(),
            mapping: hubspot::Mapping::default(),
            test_event_code: None,
            send: SendConfig::default(),
            graph_version: "v24.0".into(),
        }
    }
}

fn var(k: &str) -> Option<String> {
    std::env::var(k)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl CapiConfig {
    pub fn from_env() -> Result<Self, String> {
        let mut c = Self::default();
        if let Some(p) = var("DEBRIEF_META_PIXEL_IDS") {
            c.pixels = p
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(v) = var("DEBRIEF_CAPI_DEFAULT_CURRENCY") {
            c.prepare.default_currency = v;
        }
        if let Some(v) = var("DEBRIEF_CAPI_DEFAULT_CALLING_CODE") {
            c.prepare.normalize.default_calling_code = Some(v.trim_start_matches('+').to_string());
        }
        c.mapping = hubspot::Mapping::from_env()?;
        c.test_event_code = var("DEBRIEF_META_TEST_EVENT_CODE");
        if let Some(v) = var("DEBRIEF_META_GRAPH_VERSION") {
            c.graph_version = v;
        }
        if let Some(ms) = var("DEBRIEF_CAPI_RETRY_BASE_MS").and_then(|v| v.parse().ok()) {
            c.send.base_delay = Duration::from_millis(ms);
        }
        Ok(c)
    }
}

/// The Graph API with `DEBRIEF_META_ACCESS_TOKEN` (base `DEBRIEF_META_GRAPH_URL`, default
/// `https://graph.facebook.com`), else the dry run in `store`.
pub fn conversions_from_env<S: Store>(store: S, config: &CapiConfig) -> ConfiguredConversions<S> {
    match var("DEBRIEF_META_ACCESS_TOKEN") {
        Some(token) => ConfiguredConversions::Graph(GraphConversions::new(GraphConfig {
            base_url: var("DEBRIEF_META_GRAPH_URL")
                .unwrap_or_else(|| "https://graph.facebook.com".into()),
            version: config.graph_version.clone(),
            access_token: token,
            timeout: Duration::from_millis(
                var("DEBRIEF_META_TIMEOUT_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1500),
            ),
        })),
        None => ConfiguredConversions::DryRun(DryRunConversions::new(
            store,
            config.graph_version.clone(),
        )),
    }
}

/// Sends what is pending for every configured pixel in `mode`. Test mode without a test event
/// code sends nothing (a test event must never go out without it).
pub async fn send_all<S: Store, C: crate::ports::ConversionsApi>(
    store: &S,
    api: &C,
    config: &CapiConfig,
    mode: Mode,
) -> Result<Vec<PixelReport>, batch::SendError> {
    let code = match mode {
        Mode::Live => None,
        Mode::Test => match config.test_event_code.as_deref() {
            Some(c) => Some(c),
            None => {
                tracing::debug!("test mode without DEBRIEF_META_TEST_EVENT_CODE: nothing sent");
                return Ok(Vec::new());
            }
        },
    };
    let mut out = Vec::new();
    for pixel in &config.pixels {
        out.push(send_pending(store, api, pixel, mode, code, &config.send).await?);
    }
    Ok(out)
}

/// Pending / sent / failed / expired counts and the last batches of one pixel and mode.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PixelStatus {
    pub pixel_id: String,
    pub mode: Mode,
    pub pending: usize,
    pub sent: u64,
    pub failed: u64,
    pub expired: u64,
    pub last_batches: Vec<records::BatchRecord>,
}

pub async fn status<S: Store>(
    store: &S,
    pixel: &str,
    mode: Mode,
    last: usize,
) -> Result<PixelStatus, StoreError> {
    let mut pending = 0;
    let mut cursor = None;
    loop {
        let page = store
            .query_index_desc(
                &records::pending_index(mode, pixel),
                1000,
                cursor.as_deref(),
            )
            .await?;
        pending += page.items.len();
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let stats: records::Stats = store
        .get(&records::stats_key(mode, pixel))
        .await?
        .and_then(|i| serde_json::from_str(&i.body).ok())
        .unwrap_or_default();
    let page = store
        .query(
            &records::batch_partition(mode, pixel),
            "",
            last.max(1),
            None,
        )
        .await?;
    let last_batches = page
        .items
        .iter()
        .filter_map(|i| serde_json::from_str(&i.body).ok())
        .collect();
    Ok(PixelStatus {
        pixel_id: pixel.to_string(),
        mode,
        pending,
        sent: stats.sent,
        failed: stats.failed,
        expired: stats.expired,
        last_batches,
    })
}

/// One scheduled run. `input` is the schedule's payload, `{"mode": "live" | "test"}` (default
/// live); the answer lists what happened per pixel.
pub async fn scheduled_send<S: Store, C: crate::ports::ConversionsApi>(
    store: &S,
    api: &C,
    config: &CapiConfig,
    input: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let mode = match input.get("mode").and_then(|m| m.as_str()) {
        None => Mode::Live,
        Some(m) => Mode::parse(m).ok_or_else(|| format!("mode: `{m}` is not live or test"))?,
    };
    let reports = send_all(store, api, config, mode)
        .await
        .map_err(|e| e.to_string())?;
    Ok(serde_json::json!({ "mode": mode, "pixels": reports }))
}
