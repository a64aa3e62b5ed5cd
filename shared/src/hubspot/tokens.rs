//! OAuth tokens at rest: AES-256-GCM with a key from configuration (`DEBRIEF_TOKEN_KEY`, 32
//! bytes in base64), a fresh 96-bit nonce per encryption, and the portal id as associated data
//! (a token record copied to another portal does not decrypt). Tokens are never logged and
//! never returned by any route.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("the token key must be 32 bytes in base64")]
    BadKey,
    #[error("a stored token does not decrypt with this key (wrong key or tampered record)")]
    Decrypt,
}

#[derive(Clone)]
pub struct TokenCipher {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher(<key>)")
    }
}

impl TokenCipher {
    pub fn from_base64(key: &str) -> Result<Self, CipherError> {
        let bytes = STANDARD.decode(key.trim()).map_err(|_| CipherError::BadKey)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| CipherError::BadKey)?;
        Ok(Self { cipher })
    }

    /// A new random key, base64 (for `debrief hubspot key`).
    pub fn generate_key() -> String {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).expect("the OS random source works");
        STANDARD.encode(k)
    }

    /// `base64(nonce ‖ ciphertext ‖ tag)`.
    pub fn seal(&self, plaintext: &str, portal_id: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: portal_id.as_bytes() })
            .expect("AES-GCM encryption of a short token cannot fail");
        let mut out = nonce.to_vec();
        out.extend(ct);
        STANDARD.encode(out)
    }

    pub fn open(&self, sealed: &str, portal_id: &str) -> Result<String, CipherError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| CipherError::Decrypt)?;
        if bytes.len() < 12 + 16 {
            return Err(CipherError::Decrypt);
        }
        let (nonce, ct) = bytes.split_at(12);
        let pt = self.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: portal_id.as_bytes() }).map_err(|_| CipherError::Decrypt)?;
        String::from_utf8(pt).map_err(|_| CipherError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_tamper_and_portal_binding() {
        let c = TokenCipher::from_base64(&TokenCipher::generate_key()).unwrap();
        let token = "x".repeat(300);
        let sealed = c.seal(&token, "123");
        assert!(!sealed.contains("xxxx"));
        assert_eq!(c.open(&sealed, "123").unwrap(), token);
        assert!(c.open(&sealed, "124").is_err(), "bound to its portal");
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        bytes[20] ^= 1;
        assert!(c.open(&STANDARD.encode(bytes), "123").is_err(), "tampering is detected");
        assert_ne!(c.seal(&token, "123"), sealed, "a fresh nonce each time");
        assert!(TokenCipher::from_base64("c2hvcnQ=").is_err());
    }
}
