//! Signed "review and send" links for the coach's notification email: the review without any
//! chat client. A link names a session and, optionally, one participant, and expires (7 days
//! by default, `DEBRIEF_LINK_TTL_SECS`); it is HMAC-SHA256-signed with a secret the store
//! holds (created once, shared by every instance). Mail scanners fetch every link, so opening
//! one never changes anything: the page it shows sends only from its form (a POST carrying
//! the page's CSRF token), through the same exactly-once send as every other review surface.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::ports::{Item, Key, Store, StoreError};

pub const DEFAULT_TTL_SECS: i64 = 7 * 24 * 3600;

/// What a link allows: reviewing and sending the follow-ups of a session (all its priority
/// participants) or of one participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClaims {
    #[serde(rename = "s")]
    pub session_id: String,
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    #[serde(rename = "e")]
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid")]
    Invalid,
    #[error("this link has expired")]
    Expired,
}

fn secret_key() -> Key {
    Key::new("LINKSECRET", "KEY")
}

/// The signing secret: read from the store, created there by the first caller.
pub async fn secret<S: Store>(store: &S) -> Result<Vec<u8>, StoreError> {
    for _ in 0..3 {
        if let Some(item) = store.get(&secret_key()).await? {
            return URL_SAFE_NO_PAD.decode(item.body.trim()).map_err(|_| StoreError::Unavailable("unreadable link secret".into()));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source works");
        match store.put_new(&Item::new(secret_key(), URL_SAFE_NO_PAD.encode(bytes))).await {
            Ok(()) => return Ok(bytes.to_vec()),
            Err(StoreError::AlreadyExists) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Unavailable("the link secret kept changing".into()))
}

fn mac(secret: &[u8], purpose: &str, payload: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(purpose.as_bytes());
    m.update(b"|");
    m.update(payload.as_bytes());
    m
}

/// What a signed link opens. Each purpose signs differently, so a review link cannot be
/// replayed as a transcript download, nor the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The review-and-send page.
    Review,
    /// The session's kept transcript (the failure email's link): read only.
    Transcript,
}

impl LinkPurpose {
    fn label(self) -> &'static str {
        match self {
            Self::Review => "link",
            Self::Transcript => "transcript",
        }
    }
}

/// `payload.signature`, both base64url: a review link.
pub fn sign(secret: &[u8], claims: &LinkClaims) -> String {
    sign_for(LinkPurpose::Review, secret, claims)
}

pub fn sign_for(purpose: LinkPurpose, secret: &[u8], claims: &LinkClaims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("JSON"));
    let sig = URL_SAFE_NO_PAD.encode(mac(secret, purpose.label(), &payload).finalize().into_bytes());
    format!("{payload}.{sig}")
}

pub fn verify(secret: &[u8], token: &str, now: i64) -> Result<LinkClaims, LinkError> {
    verify_for(LinkPurpose::Review, secret, token, now)
}

pub fn verify_for(purpose: LinkPurpose, secret: &[u8], token: &str, now: i64) -> Result<LinkClaims, LinkError> {
    let (payload, sig) = token.split_once('.').ok_or(LinkError::Invalid)?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| LinkError::Invalid)?;
    mac(secret, purpose.label(), payload).verify_slice(&sig).map_err(|_| LinkError::Invalid)?;
    let claims: LinkClaims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).map_err(|_| LinkError::Invalid)?).map_err(|_| LinkError::Invalid)?;
    if claims.expires_at < now {
        return Err(LinkError::Expired);
    }
    Ok(claims)
}

/// The CSRF token of the page a link opens: only that page's form carries it.
pub fn csrf(secret: &[u8], token: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, "csrf", token).finalize().into_bytes())
}

pub fn csrf_ok(secret: &[u8], token: &str, presented: &str) -> bool {
    let Ok(sig) = URL_SAFE_NO_PAD.decode(presented) else { return false };
    mac(secret, "csrf", token).verify_slice(&sig).is_ok()
}

/// How long links last: `DEBRIEF_LINK_TTL_SECS`, else 7 days.
pub fn ttl_secs() -> i64 {
    std::env::var("DEBRIEF_LINK_TTL_SECS").ok().and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(DEFAULT_TTL_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_signed_and_expire() {
        let claims = LinkClaims { session_id: "ws-1".into(), participant_id: Some("5101".into()), expires_at: 1_000 };
        let t = sign(b"k", &claims);
        assert_eq!(verify(b"k", &t, 999), Ok(claims.clone()));
        assert_eq!(verify(b"k", &t, 1_001), Err(LinkError::Expired));
        assert_eq!(verify(b"other", &t, 999), Err(LinkError::Invalid));
        let forged = LinkClaims { participant_id: Some("5102".into()), ..claims.clone() };
        let (_, sig) = t.split_once('.').unwrap();
        let tampered = format!("{}.{sig}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap()));
        assert_eq!(verify(b"k", &tampered, 999), Err(LinkError::Invalid));
        assert!(csrf_ok(b"k", &t, &csrf(b"k", &t)));
        assert!(!csrf_ok(b"k", &t, &csrf(b"k", "another-link")));
        // A review link does not open the transcript, nor a transcript link the review.
        assert_eq!(verify_for(LinkPurpose::Transcript, b"k", &t, 999), Err(LinkError::Invalid));
        let transcript = sign_for(LinkPurpose::Transcript, b"k", &LinkClaims { participant_id: None, ..claims.clone() });
        assert_eq!(verify(b"k", &transcript, 999), Err(LinkError::Invalid));
        assert!(verify_for(LinkPurpose::Transcript, b"k", &transcript, 999).is_ok());
    }
}
