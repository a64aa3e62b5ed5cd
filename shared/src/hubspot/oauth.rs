//! Connecting a portal is an operator's act: `GET /oauth/hubspot/start` needs an admin key or
//! a one-time start ticket (`debrief hubspot connect` prints a link holding one), and the
//! `state` it issues is recorded as pending, so only a callback that follows such a start is
//! accepted. Replacing an already connected portal with another needs `--replace` at start.
//!
//! The authorize redirect carries a signed, expiring, single-use `state`;
//! the code exchanged at HubSpot's token endpoint (v3, parameters in the body); the portal id
//! and scopes read by token introspection; tokens stored encrypted and refreshed before they
//! expire.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use super::HubSpotConfig;
use crate::clock::unix_secs;
use super::tokens::TokenKeys;
use crate::ports::{CrmError, Item, Key, Store, StoreError};

/// What Debrief needs: contacts (read, write, their properties), custom objects and their
/// schemas.
pub const REQUIRED_SCOPES: &[&str] = &[
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    // Lead scoring reads the contact's company, deals and owner.
    "crm.objects.companies.read",
    "crm.objects.deals.read",
    "crm.objects.owners.read",
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
    "crm.objects.custom.read",
    "crm.objects.custom.write",
    "crm.schemas.custom.read",
    "crm.schemas.custom.write",
];

const STATE_TTL_SECS: i64 = 600;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("the state is forged, expired or already used")]
    BadState,
    #[error("a start link or an admin key is required to connect HubSpot (`debrief hubspot connect` prints a link)")]
    NoStartCredential,
    #[error("portal {connected} is connected; connecting portal {offered} instead needs `debrief hubspot connect --replace`")]
    WouldReplace { connected: String, offered: String },
    #[error("HubSpot OAuth is not configured: {0}")]
    NotConfigured(&'static str),
    #[error("the app was granted too little: missing scope(s) {0}")]
    MissingScopes(String),
    #[error("HubSpot refused the exchange: {0}")]
    Refused(String),
    #[error("HubSpot is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A connected portal's credentials (tokens sealed with [`TokenCipher`]).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub portal_id: String,
    pub client_id: String,
    pub access_token_sealed: String,
    pub refresh_token_sealed: String,
    pub access_expires_at: i64,
    /// The KMS-encrypted data key the tokens are sealed with (AWS); none with a local key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_key: Option<String>,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub last_refreshed_at: i64,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("portal_id", &self.portal_id).field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

pub fn connection_key(portal: &str) -> Key {
    Key::new(format!("HUBSPOT#{portal}"), "CONNECTION")
}

/// The portal a single-portal deployment writes to (the last one connected).
pub fn default_portal_key() -> Key {
    Key::new("HUBSPOT", "DEFAULT")
}


type HmacSha256 = Hmac<Sha256>;

fn sign(secret: &[u8], payload: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// `payload.signature`, payload = base64url(JSON {n: nonce, exp}).
pub fn new_state(secret: &[u8]) -> String {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("the OS random source works");
    let payload = URL_SAFE_NO_PAD.encode(serde_json::json!({"n": URL_SAFE_NO_PAD.encode(nonce), "exp": unix_secs() + STATE_TTL_SECS}).to_string());
    let sig = sign(secret, &payload);
    format!("{payload}.{sig}")
}

/// The nonce of a genuine, unexpired state.
pub fn verify_state(secret: &[u8], state: &str) -> Result<String, OAuthError> {
    let (payload, sig) = state.split_once('.').ok_or(OAuthError::BadState)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| OAuthError::BadState)?;
    mac.verify_slice(&sig).map_err(|_| OAuthError::BadState)?;
    let v: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).map_err(|_| OAuthError::BadState)?).map_err(|_| OAuthError::BadState)?;
    if v["exp"].as_i64().is_none_or(|exp| exp < unix_secs()) {
        return Err(OAuthError::BadState);
    }
    v["n"].as_str().map(str::to_string).ok_or(OAuthError::BadState)
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a start allows its callback to do.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct StartGrant {
    /// Replace a connected portal with another one.
    pub replace: bool,
}

fn ticket_key(ticket: &str) -> Key {
    Key::new(format!("OAUTHSTART#{}", crate::repo::sha256_hex(ticket)), "TICKET")
}

fn pending_key(nonce: &str) -> Key {
    Key::new(format!("OAUTHSTATE#{nonce}"), "PENDING")
}

/// A one-time start ticket for `GET /oauth/hubspot/start?ticket=…`, valid `ttl`; only its
/// hash is stored.
pub async fn new_start_ticket<S: Store>(store: &S, grant: StartGrant, ttl: Duration) -> Result<String, OAuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let ticket = URL_SAFE_NO_PAD.encode(bytes);
    let mut item = Item::new(ticket_key(&ticket), serde_json::to_string(&grant).expect("JSON"));
    item.expires_at = Some(unix_secs() + ttl.as_secs() as i64);
    store.put_new(&item).await?;
    Ok(ticket)
}

/// Uses up a start ticket (once: concurrent uses race on one conditional write).
pub async fn redeem_start_ticket<S: Store>(store: &S, ticket: &str) -> Result<StartGrant, OAuthError> {
    let key = ticket_key(ticket);
    let item = store.get(&key).await?.ok_or(OAuthError::NoStartCredential)?;
    let grant: StartGrant = serde_json::from_str(&item.body).unwrap_or_default();
    let mut used = Item::new(Key::new(key.pk.clone(), "USED"), "{}");
    used.expires_at = item.expires_at;
    match store.put_new(&used).await {
        Ok(()) => {}
        Err(StoreError::AlreadyExists) => return Err(OAuthError::NoStartCredential),
        Err(e) => return Err(e.into()),
    }
    store.delete(&key).await?;
    Ok(grant)
}

/// Where `GET /oauth/hubspot/start` redirects, once the caller's credential was checked: the
/// state is recorded as pending with what this start allows.
pub async fn authorize_url<S: Store>(store: &S, config: &HubSpotConfig, grant: StartGrant) -> Result<String, OAuthError> {
    let client_id = config.client_id.as_deref().ok_or(OAuthError::NotConfigured("DEBRIEF_HUBSPOT_CLIENT_ID"))?;
    let redirect = config.redirect_uri.as_deref().ok_or(OAuthError::NotConfigured("DEBRIEF_HUBSPOT_REDIRECT_URI"))?;
    let state = new_state(config.state_secret.as_bytes());
    let nonce = verify_state(config.state_secret.as_bytes(), &state)?;
    let mut pending = Item::new(pending_key(&nonce), serde_json::to_string(&grant).expect("JSON"));
    pending.expires_at = Some(unix_secs() + STATE_TTL_SECS);
    store.put_new(&pending).await?;
    Ok(format!(
        "{}/oauth/authorize?client_id={}&redirect_uri={}&scope={}&state={}",
        config.app_url.trim_end_matches('/'),
        enc(client_id),
        enc(redirect),
        enc(&REQUIRED_SCOPES.join(" ")),
        enc(&state)
    ))
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: i64,
}

async fn token_call(http: &reqwest::Client, config: &HubSpotConfig, form: &[(&str, &str)]) -> Result<TokenAnswer, OAuthError> {
    let url = format!("{}{}", config.base_url.trim_end_matches('/'), super::api::oauth_token());
    let resp = http.post(&url).form(form).send().await.map_err(|e| OAuthError::Unavailable(e.without_url().to_string()))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| OAuthError::Unavailable(e.to_string()))?;
    if status >= 500 {
        return Err(OAuthError::Unavailable(format!("HTTP {status}")));
    }
    if status >= 400 {
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        return Err(OAuthError::Refused(v["message"].as_str().unwrap_or("token request refused").to_string()));
    }
    serde_json::from_str(&text).map_err(|_| OAuthError::Unavailable("unreadable token answer".into()))
}

fn creds(config: &HubSpotConfig) -> Result<(&str, &str), OAuthError> {
    Ok((
        config.client_id.as_deref().ok_or(OAuthError::NotConfigured("DEBRIEF_HUBSPOT_CLIENT_ID"))?,
        config.client_secret.as_deref().ok_or(OAuthError::NotConfigured("DEBRIEF_HUBSPOT_CLIENT_SECRET"))?,
    ))
}

/// The callback: state checked (and burnt), code exchanged, portal and scopes read, tokens
/// sealed and stored. Returns the portal id.
pub async fn complete<S: Store>(
    store: &S,
    http: &reqwest::Client,
    config: &HubSpotConfig,
    keys: &TokenKeys,
    code: &str,
    state: &str,
) -> Result<String, OAuthError> {
    let nonce = verify_state(config.state_secret.as_bytes(), state)?;
    // Only a state issued by an authorised start is accepted.
    let pending = store.get(&pending_key(&nonce)).await?.ok_or(OAuthError::BadState)?;
    let grant: StartGrant = serde_json::from_str(&pending.body).unwrap_or_default();
    let mut burnt = Item::new(Key::new(format!("OAUTHSTATE#{nonce}"), "USED"), "{}");
    burnt.expires_at = Some(unix_secs() + STATE_TTL_SECS * 2);
    match store.put_new(&burnt).await {
        Ok(()) => {}
        Err(StoreError::AlreadyExists) => return Err(OAuthError::BadState),
        Err(e) => return Err(e.into()),
    }
    let (client_id, client_secret) = creds(config)?;
    let redirect = config.redirect_uri.as_deref().ok_or(OAuthError::NotConfigured("DEBRIEF_HUBSPOT_REDIRECT_URI"))?;
    let t = token_call(
        http,
        config,
        &[("grant_type", "authorization_code"), ("client_id", client_id), ("client_secret", client_secret), ("redirect_uri", redirect), ("code", code)],
    )
    .await?;
    let refresh = t.refresh_token.ok_or_else(|| OAuthError::Refused("no refresh token in the answer".into()))?;
    // Portal id and granted scopes, from introspection (the token stays out of URLs).
    let url = format!("{}{}", config.base_url.trim_end_matches('/'), super::api::oauth_introspect());
    let resp = http
        .post(&url)
        .form(&[("client_id", client_id), ("client_secret", client_secret), ("token", t.access_token.as_str()), ("token_type_hint", "access_token")])
        .send()
        .await
        .map_err(|e| OAuthError::Unavailable(e.without_url().to_string()))?;
    let info: Value = resp.json().await.map_err(|_| OAuthError::Unavailable("unreadable introspection answer".into()))?;
    let portal = info["hub_id"].as_i64().map(|n| n.to_string()).or_else(|| info["hub_id"].as_str().map(str::to_string)).ok_or_else(|| OAuthError::Refused("introspection gave no hub_id".into()))?;
    let scopes: Vec<String> = match &info["scopes"] {
        Value::Array(a) => a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect(),
        _ => info["scope"].as_str().unwrap_or_default().split_whitespace().map(str::to_string).collect(),
    };
    if let Some(pinned) = config.portal_id.as_deref().filter(|p| *p != portal) {
        return Err(OAuthError::WouldReplace { connected: pinned.to_string(), offered: portal });
    }
    if !grant.replace {
        let current = store.get(&default_portal_key()).await?.and_then(|i| serde_json::from_str::<Value>(&i.body).ok());
        if let Some(connected) = current.as_ref().and_then(|v| v["portalId"].as_str()).filter(|c| *c != portal) {
            return Err(OAuthError::WouldReplace { connected: connected.to_string(), offered: portal });
        }
    }
    let missing: Vec<&str> = REQUIRED_SCOPES.iter().copied().filter(|s| !scopes.iter().any(|g| g == s)).collect();
    if !missing.is_empty() {
        return Err(OAuthError::MissingScopes(missing.join(", ")));
    }
    let at = unix_secs();
    let (cipher, data_key) = keys.for_new_connection().await.map_err(OAuthError::Unavailable)?;
    let conn = Connection {
        portal_id: portal.clone(),
        client_id: client_id.to_string(),
        access_token_sealed: cipher.seal(&t.access_token, &portal),
        refresh_token_sealed: cipher.seal(&refresh, &portal),
        access_expires_at: at + t.expires_in,
        data_key,
        scopes,
        created_at: at,
        last_refreshed_at: at,
    };
    store.put_all(&[Item::new(connection_key(&portal), serde_json::to_string(&conn).expect("JSON"))]).await?;
    store.put_all(&[Item::new(default_portal_key(), serde_json::json!({"portalId": portal}).to_string())]).await?;
    tracing::info!(portal = %portal, "HubSpot portal connected");
    Ok(portal)
}

/// A current access token for `portal`: the stored one, or a refreshed one when it expires
/// within five minutes (or `force`, after a 401). Concurrent refreshers settle on one record.
pub async fn access_token<S: Store>(
    store: &S,
    http: &reqwest::Client,
    config: &HubSpotConfig,
    keys: &TokenKeys,
    portal: &str,
    force: bool,
) -> Result<String, CrmError> {
    let unauthorized = |m: &str| CrmError::Unauthorized(m.to_string());
    for _ in 0..3 {
        let item = store.get(&connection_key(portal)).await.map_err(|e| CrmError::Transient(e.to_string()))?.ok_or_else(|| unauthorized("no HubSpot connection for this portal"))?;
        let mut conn: Connection = serde_json::from_str(&item.body).map_err(|_| unauthorized("the stored connection is unreadable"))?;
        let cipher = keys.for_connection(conn.data_key.as_deref()).await.map_err(CrmError::Transient)?;
        if !force && conn.access_expires_at - unix_secs() > 300 {
            return cipher.open(&conn.access_token_sealed, portal).map_err(|e| unauthorized(&e.to_string()));
        }
        let refresh = cipher.open(&conn.refresh_token_sealed, portal).map_err(|e| unauthorized(&e.to_string()))?;
        let (client_id, client_secret) = creds(config).map_err(|e| unauthorized(&e.to_string()))?;
        let t = match token_call(http, config, &[("grant_type", "refresh_token"), ("client_id", client_id), ("client_secret", client_secret), ("refresh_token", &refresh)]).await {
            Ok(t) => t,
            Err(OAuthError::Refused(m)) => return Err(CrmError::Unauthorized(m)),
            Err(e) => return Err(CrmError::Transient(e.to_string())),
        };
        let at = unix_secs();
        conn.access_token_sealed = cipher.seal(&t.access_token, portal);
        if let Some(r) = &t.refresh_token {
            conn.refresh_token_sealed = cipher.seal(r, portal);
        }
        conn.access_expires_at = at + t.expires_in;
        conn.last_refreshed_at = at;
        let mut updated = item.clone();
        updated.body = serde_json::to_string(&conn).expect("JSON");
        match store.update(&updated, item.version).await {
            Ok(_) => {
                tracing::info!(portal, "HubSpot access token refreshed");
                return Ok(t.access_token);
            }
            // Another process refreshed first: use its token.
            Err(StoreError::Conflict) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Err(e) => return Err(CrmError::Transient(e.to_string())),
        }
    }
    Err(CrmError::Transient("the connection record kept changing".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_signed_and_expire() {
        let s = new_state(b"secret");
        assert!(verify_state(b"secret", &s).is_ok());
        assert!(verify_state(b"other", &s).is_err());
        let (payload, sig) = s.split_once('.').unwrap();
        let forged = format!("{}.{sig}", URL_SAFE_NO_PAD.encode(format!("{{\"n\":\"x\",\"exp\":{}}}", unix_secs() + 9999)));
        assert!(verify_state(b"secret", &forged).is_err());
        let expired_payload = URL_SAFE_NO_PAD.encode(format!("{{\"n\":\"x\",\"exp\":{}}}", unix_secs() - 1));
        let expired = format!("{expired_payload}.{}", sign(b"secret", &expired_payload));
        assert!(verify_state(b"secret", &expired).is_err());
        let _ = payload;
    }
}
