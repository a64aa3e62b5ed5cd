//! HubSpot, the coaches' system of record: the portal connection (private-app token or OAuth
//! with encrypted tokens), the schema Debrief writes ([`schema`]), and the sync of analysed
//! workshops and coach edits ([`sync`]) and of sales calls ([`calls`]) through the
//! [`crate::ports::CrmApi`] port.

pub mod api;
pub mod calls;
pub mod health;
pub mod oauth;
pub mod rate;
pub mod schema;
pub mod signature;
pub mod sync;
pub mod tokens;
pub mod worker;

use std::time::Duration;

pub use rate::RateLimits;
pub use tokens::{TokenCipher, TokenKeys};

/// Settings read once at start-up (see the README's "Connect HubSpot").
#[derive(Clone)]
pub struct HubSpotConfig {
    /// `https://api.hubapi.com` (`DEBRIEF_HUBSPOT_API_URL`; tests point it at a local server).
    pub base_url: String,
    /// `https://app.hubspot.com` (the authorize page).
    pub app_url: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// `https://<api>/oauth/hubspot/callback`.
    pub redirect_uri: Option<String>,
    /// Signs OAuth `state` (`DEBRIEF_HUBSPOT_STATE_SECRET`).
    pub state_secret: String,
    /// `DEBRIEF_TOKEN_KEY`: AES-256 key (base64) for tokens at rest (locally).
    pub token_key: Option<String>,
    /// `DEBRIEF_TOKEN_KMS_KEY_ID`: the KMS key that makes a data key per connection (AWS).
    pub kms_key_id: Option<String>,
    /// A static token and its portal: a service key (HubSpot's developer-platform credential
    /// that replaces legacy private apps, `DEBRIEF_HUBSPOT_SERVICE_KEY`) or a private app's
    /// token (`DEBRIEF_HUBSPOT_ACCESS_TOKEN`). Both are sent as `Authorization: Bearer`.
    pub private_app_token: Option<String>,
    pub portal_id: Option<String>,
    /// Create a contact that is neither found by id nor by email (`DEBRIEF_HUBSPOT_CREATE_CONTACTS`).
    pub create_missing_contacts: bool,
    pub limits: RateLimits,
    pub attempts: u32,
    pub base_delay: Duration,
    pub timeout: Duration,
}

impl std::fmt::Debug for HubSpotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSpotConfig").field("base_url", &self.base_url).field("portal_id", &self.portal_id).finish_non_exhaustive()
    }
}

impl Default for HubSpotConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.hubapi.com".into(),
            app_url: "https://app.hubspot.com".into(),
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            state_secret: String::new(),
            token_key: None,
            kms_key_id: None,
            private_app_token: None,
            portal_id: None,
            create_missing_contacts: false,
            limits: RateLimits::default(),
            attempts: 5,
            base_delay: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

impl HubSpotConfig {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut c = Self::default();
        if let Some(v) = var("DEBRIEF_HUBSPOT_API_URL") {
            c.base_url = v;
        }
        if let Some(v) = var("DEBRIEF_HUBSPOT_APP_URL") {
            c.app_url = v;
        }
        c.client_id = var("DEBRIEF_HUBSPOT_CLIENT_ID");
        c.client_secret = var("DEBRIEF_HUBSPOT_CLIENT_SECRET");
        c.redirect_uri = var("DEBRIEF_HUBSPOT_REDIRECT_URI");
        c.token_key = var("DEBRIEF_TOKEN_KEY");
        c.kms_key_id = var("DEBRIEF_TOKEN_KMS_KEY_ID");
        // Without its own secret the state is signed with the token key (never empty in use).
        c.state_secret = var("DEBRIEF_HUBSPOT_STATE_SECRET").or_else(|| c.token_key.clone()).unwrap_or_default();
        c.private_app_token = var("DEBRIEF_HUBSPOT_SERVICE_KEY").or_else(|| var("DEBRIEF_HUBSPOT_ACCESS_TOKEN"));
        c.portal_id = var("DEBRIEF_HUBSPOT_PORTAL_ID");
        c.create_missing_contacts = var("DEBRIEF_HUBSPOT_CREATE_CONTACTS").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        c.limits = RateLimits::from_env();
        if let Some(ms) = var("DEBRIEF_HUBSPOT_RETRY_BASE_MS").and_then(|v| v.parse().ok()) {
            c.base_delay = Duration::from_millis(ms);
        }
        c
    }

    /// OAuth is usable: app credentials and a key for the tokens.
    pub fn oauth_ready(&self) -> bool {
        self.client_id.is_some()
            && self.client_secret.is_some()
            && self.redirect_uri.is_some()
            && (self.token_key.is_some() || self.kms_key_id.is_some())
            && !self.state_secret.is_empty()
    }
}
