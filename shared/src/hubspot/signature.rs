//! HubSpot's request signature, version 3 (`X-HubSpot-Signature-v3` with
//! `X-HubSpot-Request-Timestamp`), on workflow-action and webhook requests: base64 of
//! HMAC-SHA256, keyed with the app's client secret, over `method + uri + body + timestamp`,
//! where `uri` is the full URL HubSpot called with the characters HubSpot decodes decoded.
//! A request older than five minutes is stale; a signature seen before is a replay (the
//! caller records each accepted one for the window).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HubSpot's window: a timestamp older than this is rejected.
pub const MAX_AGE_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required")]
    Missing,
    #[error("the request timestamp is more than five minutes old (or in the future)")]
    Stale,
    #[error("the signature does not match the request")]
    Forged,
}

/// The URL-encoded characters HubSpot decodes before signing.
const DECODED: &[(&str, &str)] =
    &[("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"), ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";")];

fn decode_uri(uri: &str) -> String {
    let mut out = uri.to_string();
    for (from, to) in DECODED {
        out = out.replace(from, to).replace(&from.to_lowercase(), to);
    }
    out
}

/// The signature HubSpot sends for this request.
pub fn sign(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(method.as_bytes());
    mac.update(decode_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a request's signature and age (`now_ms`); replay is the caller's check.
pub fn verify(secret: &str, method: &str, uri: &str, body: &[u8], signature: Option<&str>, timestamp: Option<&str>, now_ms: i64) -> Result<(), SignatureError> {
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else { return Err(SignatureError::Missing) };
    let ts: i64 = timestamp.trim().parse().map_err(|_| SignatureError::Stale)?;
    if now_ms - ts > MAX_AGE_MS || ts - now_ms > 60_000 {
        return Err(SignatureError::Stale);
    }
    // Constant-time comparison through the MAC's own verify.
    let given = base64::engine::general_purpose::STANDARD.decode(signature.trim()).map_err(|_| SignatureError::Forged)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(method.as_bytes());
    mac.update(decode_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp.trim().as_bytes());
    mac.verify_slice(&given).map_err(|_| SignatureError::Forged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_forged_stale_and_encoded_uris() {
        let (secret, uri, body, now) = ("client-secret", "https://api.example.com/v1/leads/hubspot/action?portalId=1", br#"{"a":1}"#, 1_764_300_000_000i64);
        let ts = now.to_string();
        let sig = sign(secret, "POST", uri, body, &ts);
        assert_eq!(verify(secret, "POST", uri, body, Some(&sig), Some(&ts), now + 1000), Ok(()));
        assert_eq!(verify(secret, "POST", uri, br#"{"a":2}"#, Some(&sig), Some(&ts), now), Err(SignatureError::Forged));
        assert_eq!(verify("other", "POST", uri, body, Some(&sig), Some(&ts), now), Err(SignatureError::Forged));
        assert_eq!(verify(secret, "POST", uri, body, Some(&sig), Some(&ts), now + MAX_AGE_MS + 1), Err(SignatureError::Stale));
        assert_eq!(verify(secret, "POST", uri, body, None, Some(&ts), now), Err(SignatureError::Missing));
        // HubSpot signs the decoded form of these characters.
        let encoded = "https://api.example.com/v1/leads/hubspot/action%3FportalId=1";
        assert_eq!(verify(secret, "POST", encoded, body, Some(&sig), Some(&ts), now), Ok(()));
    }
}
