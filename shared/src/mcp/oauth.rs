//! The small OAuth 2.1 authorization server that makes the MCP server a protected resource
//! ChatGPT and Claude can connect to (coaches have no identity provider of their own):
//! dynamic client registration (RFC 7591), the authorization code with PKCE (S256 only),
//! access tokens bound to the MCP resource, refresh tokens rotated on use and revoked with
//! their whole family when a used one comes back. Everything secret is stored as its SHA-256
//! only; nothing secret is logged.
//!
//! | item | pk | sk | ttl |
//! | --- | --- | --- | --- |
//! | client | `OAUTHCLIENT#{client_id}` | `CLIENT` | 30 days, renewed on use |
//! | registrations this minute | `OAUTHREG#{minute}` | `COUNT` | 2 minutes |
//! | authorization request (sign-in in progress) | `OAUTHREQ#{id}` | `REQUEST` | 15 minutes |
//! | authorization code | `OAUTHCODE#{sha}` | `CODE` (+ `USED`) | 5 minutes |
//! | access token | `OAUTHTOKEN#{sha}` | `ACCESS` | 1 hour |
//! | refresh token | `OAUTHREFRESH#{sha}` | `REFRESH` (+ `USED`) | 30 days |
//! | revoked token family | `OAUTHFAMILY#{id}` | `REVOKED` | 30 days |

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::unix_secs;
use crate::ports::{Item, Key, Store, StoreError};
use crate::repo::sha256_hex;

pub const ACCESS_TTL_SECS: i64 = 3600;
pub const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;
pub const CODE_TTL_SECS: i64 = 300;
pub const REQUEST_TTL_SECS: i64 = 900;
const CLIENT_TTL_SECS: i64 = 30 * 24 * 3600;
/// The one scope: the coach's review through the MCP tools.
pub const SCOPE: &str = "review";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OAuthError {
    /// RFC 6749 §5.2 / RFC 7591 §3.2.2 error codes, with a description.
    #[error("{1}")]
    Refused(&'static str, String),
    #[error("store: {0}")]
    Store(String),
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.to_string())
    }
}

fn refused(code: &'static str, m: impl Into<String>) -> OAuthError {
    OAuthError::Refused(code, m.into())
}

pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A registered client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Client {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub created_at: i64,
}

/// A redirect URI a client may register: https anywhere, http only on loopback; no fragment.
pub fn redirect_uri_allowed(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else { return false };
    if u.fragment().is_some() {
        return false;
    }
    match u.scheme() {
        "https" => u.host_str().is_some(),
        "http" => matches!(u.host(), Some(url::Host::Domain("localhost")))
            || matches!(u.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(u.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback()),
        _ => false,
    }
}

fn client_key(id: &str) -> Key {
    Key::new(format!("OAUTHCLIENT#{id}"), "CLIENT")
}

/// Registers a client (RFC 7591), at most `per_minute` registrations a minute in all.
pub async fn register<S: Store>(store: &S, client_name: Option<&str>, redirect_uris: &[String], per_minute: i64) -> Result<Client, OAuthError> {
    if redirect_uris.is_empty() || redirect_uris.len() > 10 {
        return Err(refused("invalid_redirect_uri", "give 1 to 10 redirect_uris"));
    }
    if let Some(bad) = redirect_uris.iter().find(|u| u.len() > 2000 || !redirect_uri_allowed(u)) {
        let _ = bad;
        return Err(refused("invalid_redirect_uri", "redirect URIs must be https, or http on a loopback address, without a fragment"));
    }
    let name = client_name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or("MCP client");
    if name.chars().count() > 200 {
        return Err(refused("invalid_client_metadata", "client_name is longer than 200 characters"));
    }
    let minute = unix_secs() / 60;
    let counter = Key::new(format!("OAUTHREG#{minute}"), "COUNT");
    let mut item = Item::new(counter.clone(), "{}");
    item.expires_at = Some((minute + 2) * 60);
    match store.put_new(&item).await {
        Ok(()) | Err(StoreError::AlreadyExists) => {}
        Err(e) => return Err(e.into()),
    }
    if store.add_to_counter(&counter, 1).await? > per_minute {
        return Err(refused("temporarily_unavailable", "too many registrations; try again in a minute"));
    }
    let client = Client {
        client_id: random_token("dbc_"),
        client_name: name.to_string(),
        redirect_uris: redirect_uris.to_vec(),
        created_at: unix_secs(),
    };
    save_client(store, &client).await?;
    Ok(client)
}

async fn save_client<S: Store>(store: &S, client: &Client) -> Result<(), OAuthError> {
    let mut item = Item::new(client_key(&client.client_id), serde_json::to_string(client).expect("JSON"));
    item.expires_at = Some(unix_secs() + CLIENT_TTL_SECS);
    Ok(store.put_all(&[item]).await?)
}

pub async fn get_client<S: Store>(store: &S, client_id: &str) -> Result<Option<Client>, OAuthError> {
    Ok(store.get(&client_key(client_id)).await?.and_then(|i| serde_json::from_str(&i.body).ok()))
}

/// A sign-in in progress: what the client asked for, and who signed in so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthRequest {
    pub id: String,
    pub csrf: String,
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub state: Option<String>,
    pub resource: String,
    /// Set once the coach proved who they are.
    pub coach_id: Option<String>,
    /// The emailed one-time code's hash, the coach it is for, and the attempts left.
    pub otp: Option<(String, String, u32)>,
}

fn request_key(id: &str) -> Key {
    Key::new(format!("OAUTHREQ#{id}"), "REQUEST")
}

/// Checks `/oauth/authorize`'s parameters. Errors that cannot be sent back to the client
/// (unknown client, unregistered redirect) are `invalid_request` for the page itself.
pub async fn begin<S: Store>(
    store: &S,
    client_id: &str,
    redirect_uri: &str,
    response_type: &str,
    code_challenge: &str,
    method: &str,
    state: Option<&str>,
    resource: &str,
) -> Result<AuthRequest, OAuthError> {
    let client = get_client(store, client_id).await?.ok_or_else(|| refused("invalid_client", "unknown client_id: register the client first"))?;
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(refused("invalid_request", "redirect_uri is not one the client registered"));
    }
    if response_type != "code" {
        return Err(refused("unsupported_response_type", "response_type must be code"));
    }
    if method != "S256" {
        return Err(refused("invalid_request", "code_challenge_method must be S256"));
    }
    if code_challenge.len() != 43 || URL_SAFE_NO_PAD.decode(code_challenge).is_err() {
        return Err(refused("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)"));
    }
    let req = AuthRequest {
        id: random_token(""),
        csrf: random_token(""),
        client_id: client.client_id,
        client_name: client.client_name,
        redirect_uri: redirect_uri.to_string(),
        code_challenge: code_challenge.to_string(),
        state: state.map(str::to_string),
        resource: resource.to_string(),
        coach_id: None,
        otp: None,
    };
    let mut item = Item::new(request_key(&req.id), serde_json::to_string(&req).expect("JSON"));
    item.expires_at = Some(unix_secs() + REQUEST_TTL_SECS);
    store.put_new(&item).await?;
    Ok(req)
}

/// The request `id`, if it exists and `csrf` is its token; with its version.
pub async fn load_request<S: Store>(store: &S, id: &str, csrf: &str) -> Result<(AuthRequest, u64), OAuthError> {
    let item = store.get(&request_key(id)).await?.ok_or_else(|| refused("invalid_request", "this sign-in has expired; start again from your app"))?;
    let req: AuthRequest = serde_json::from_str(&item.body).map_err(|_| refused("invalid_request", "unreadable sign-in"))?;
    let ok: bool = req.csrf.len() == csrf.len() && req.csrf.bytes().zip(csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !ok {
        return Err(refused("invalid_request", "this form is stale; start again from your app"));
    }
    Ok((req, item.version))
}

pub async fn save_request<S: Store>(store: &S, req: &AuthRequest, version: u64) -> Result<(), OAuthError> {
    let mut item = Item::new(request_key(&req.id), serde_json::to_string(req).expect("JSON"));
    item.expires_at = Some(unix_secs() + REQUEST_TTL_SECS);
    match store.update(&item, version).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict) => Err(refused("invalid_request", "this sign-in changed in another window; start again")),
        Err(e) => Err(e.into()),
    }
}

/// Ends a sign-in for good (a code was issued, or the coach said no).
pub async fn end_request<S: Store>(store: &S, id: &str) -> Result<(), OAuthError> {
    Ok(store.delete(&request_key(id)).await?)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Grant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    coach_id: String,
    resource: String,
}

/// Issues the authorization code for a signed-in request.
pub async fn issue_code<S: Store>(store: &S, req: &AuthRequest) -> Result<String, OAuthError> {
    let coach_id = req.coach_id.clone().ok_or_else(|| refused("access_denied", "sign in first"))?;
    let code = random_token("dbo_code_");
    let grant = Grant {
        client_id: req.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        code_challenge: req.code_challenge.clone(),
        coach_id,
        resource: req.resource.clone(),
    };
    let mut item = Item::new(Key::new(format!("OAUTHCODE#{}", sha256_hex(&code)), "CODE"), serde_json::to_string(&grant).expect("JSON"));
    item.expires_at = Some(unix_secs() + CODE_TTL_SECS);
    store.put_new(&item).await?;
    Ok(code)
}

/// Marks `pk` used once: the first caller gets true.
async fn use_once<S: Store>(store: &S, pk: &str, ttl: i64) -> Result<bool, OAuthError> {
    let mut used = Item::new(Key::new(pk, "USED"), "{}");
    used.expires_at = Some(unix_secs() + ttl);
    match store.put_new(&used).await {
        Ok(()) => Ok(true),
        Err(StoreError::AlreadyExists) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// What the token endpoint answers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub scope: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenRecord {
    coach_id: String,
    client_id: String,
    audience: String,
    family: String,
}

async fn mint<S: Store>(store: &S, record: &TokenRecord) -> Result<Tokens, OAuthError> {
    let access = random_token("dbo_at_");
    let refresh = random_token("dbo_rt_");
    let body = serde_json::to_string(record).expect("JSON");
    let mut a = Item::new(Key::new(format!("OAUTHTOKEN#{}", sha256_hex(&access)), "ACCESS"), body.clone());
    a.expires_at = Some(unix_secs() + ACCESS_TTL_SECS);
    let mut r = Item::new(Key::new(format!("OAUTHREFRESH#{}", sha256_hex(&refresh)), "REFRESH"), body);
    r.expires_at = Some(unix_secs() + REFRESH_TTL_SECS);
    store.put_all(&[a, r]).await?;
    // A client in use stays registered.
    if let Some(c) = get_client(store, &record.client_id).await? {
        save_client(store, &c).await?;
    }
    Ok(Tokens { access_token: access, token_type: "Bearer".into(), expires_in: ACCESS_TTL_SECS, refresh_token: refresh, scope: SCOPE.into() })
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `grant_type=authorization_code`: the code once, for its client and redirect, with the PKCE
/// verifier that hashes to its challenge.
pub async fn exchange_code<S: Store>(store: &S, code: &str, client_id: &str, redirect_uri: &str, verifier: &str, resource: Option<&str>) -> Result<Tokens, OAuthError> {
    let pk = format!("OAUTHCODE#{}", sha256_hex(code));
    let item = store.get(&Key::new(pk.clone(), "CODE")).await?.ok_or_else(|| refused("invalid_grant", "the code is unknown or expired"))?;
    let grant: Grant = serde_json::from_str(&item.body).map_err(|_| refused("invalid_grant", "unreadable code"))?;
    if grant.client_id != client_id || grant.redirect_uri != redirect_uri {
        return Err(refused("invalid_grant", "the code was issued to another client or redirect_uri"));
    }
    if !(43..=128).contains(&verifier.len()) || s256(verifier) != grant.code_challenge {
        return Err(refused("invalid_grant", "code_verifier does not match the code_challenge"));
    }
    if resource.is_some_and(|r| r != grant.resource) {
        return Err(refused("invalid_target", "resource differs from the one authorised"));
    }
    if !use_once(store, &pk, CODE_TTL_SECS * 2).await? {
        return Err(refused("invalid_grant", "the code was already used"));
    }
    let record = TokenRecord { coach_id: grant.coach_id, client_id: grant.client_id, audience: grant.resource, family: random_token("") };
    mint(store, &record).await
}

fn family_key(family: &str) -> Key {
    Key::new(format!("OAUTHFAMILY#{family}"), "REVOKED")
}

async fn family_revoked<S: Store>(store: &S, family: &str) -> Result<bool, OAuthError> {
    Ok(store.get(&family_key(family)).await?.is_some())
}

/// `grant_type=refresh_token`: a new pair; the old refresh token is spent. A spent one
/// presented again means it leaked: the whole family (every token from that sign-in) is revoked.
pub async fn refresh<S: Store>(store: &S, refresh_token: &str, client_id: &str) -> Result<Tokens, OAuthError> {
    let pk = format!("OAUTHREFRESH#{}", sha256_hex(refresh_token));
    let item = store.get(&Key::new(pk.clone(), "REFRESH")).await?.ok_or_else(|| refused("invalid_grant", "the refresh token is unknown or expired"))?;
    let record: TokenRecord = serde_json::from_str(&item.body).map_err(|_| refused("invalid_grant", "unreadable token"))?;
    if record.client_id != client_id {
        return Err(refused("invalid_grant", "the refresh token belongs to another client"));
    }
    if family_revoked(store, &record.family).await? {
        return Err(refused("invalid_grant", "the refresh token was revoked"));
    }
    if !use_once(store, &pk, REFRESH_TTL_SECS).await? {
        let mut revoked = Item::new(family_key(&record.family), "{}");
        revoked.expires_at = Some(unix_secs() + REFRESH_TTL_SECS);
        store.put_all(&[revoked]).await?;
        tracing::warn!(client_id = %record.client_id, "a spent refresh token came back; its sign-in is revoked");
        return Err(refused("invalid_grant", "the refresh token was already used; sign in again"));
    }
    mint(store, &record).await
}

/// The coach an access token is for, if it is live, meant for `audience` and not revoked.
pub async fn coach_for_access_token<S: Store>(store: &S, token: &str, audience: &str) -> Result<Option<String>, OAuthError> {
    let Some(item) = store.get(&Key::new(format!("OAUTHTOKEN#{}", sha256_hex(token)), "ACCESS")).await? else { return Ok(None) };
    let Ok(record) = serde_json::from_str::<TokenRecord>(&item.body) else { return Ok(None) };
    if record.audience != audience || family_revoked(store, &record.family).await? {
        return Ok(None);
    }
    Ok(Some(record.coach_id))
}

/// A six-digit one-time code and its hash (bound to the sign-in request, so a code is useless
/// elsewhere).
pub fn one_time_code(request_id: &str) -> (String, String) {
    // From the OS CSPRNG, like every other secret here (fastrand is not one).
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let n = u32::from_le_bytes(bytes) % 1_000_000;
    let code = format!("{n:06}");
    let hash = sha256_hex(&format!("{request_id}:{code}"));
    (code, hash)
}

pub fn one_time_code_hash(request_id: &str, code: &str) -> String {
    sha256_hex(&format!("{request_id}:{}", code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_or_loopback() {
        for ok in ["https://chatgpt.com/connector_platform_oauth_redirect", "https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1:33418/callback", "http://localhost:6274/oauth/callback", "http://[::1]:9/cb"] {
            assert!(redirect_uri_allowed(ok), "{ok}");
        }
        for bad in ["http://evil.example/cb", "https://x.example/cb#frag", "javascript:alert(1)", "ftp://x.example/", "http://10.0.0.1/cb", "not a url"] {
            assert!(!redirect_uri_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
