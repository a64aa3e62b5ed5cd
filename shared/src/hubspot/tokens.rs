//! OAuth tokens at rest: AES-256-GCM with a fresh 96-bit nonce per encryption and the portal
//! id as associated data (a token record copied to another portal does not decrypt). The key
//! is a KMS data key per connection on AWS ([`TokenKeys::Kms`]: only its encrypted copy is
//! stored, beside the tokens), or one key from configuration locally (`DEBRIEF_TOKEN_KEY`, 32
//! bytes in base64). Tokens are never logged and never returned by any route.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::adapters::aws::KmsDataKeys;

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
    pub fn from_key(key: &[u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new_from_slice(key).expect("a 32-byte key") }
    }

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

/// Where the token cipher's key comes from.
pub enum TokenKeys {
    /// One key from configuration (`DEBRIEF_TOKEN_KEY`).
    Local(TokenCipher),
    /// A KMS data key per connection (`DEBRIEF_TOKEN_KMS_KEY_ID`); decrypted keys are kept for
    /// the life of the process, so KMS is asked once per connection and cold start.
    Kms { kms: KmsDataKeys, unwrapped: Mutex<HashMap<String, TokenCipher>> },
}

impl TokenKeys {
    pub fn kms(kms: KmsDataKeys) -> Self {
        Self::Kms { kms, unwrapped: Mutex::new(HashMap::new()) }
    }

    /// The cipher for a new connection, and the encrypted data key to store with it.
    pub async fn for_new_connection(&self) -> Result<(TokenCipher, Option<String>), String> {
        match self {
            Self::Local(c) => Ok((c.clone(), None)),
            Self::Kms { kms, unwrapped } => {
                let (key, wrapped) = kms.generate().await?;
                let cipher = TokenCipher::from_key(&key);
                unwrapped.lock().expect("not poisoned").insert(wrapped.clone(), cipher.clone());
                Ok((cipher, Some(wrapped)))
            }
        }
    }

    /// The cipher for a stored connection (`data_key`: its encrypted data key, if any).
    pub async fn for_connection(&self, data_key: Option<&str>) -> Result<TokenCipher, String> {
        match (self, data_key) {
            (Self::Local(c), None) => Ok(c.clone()),
            (Self::Local(_), Some(_)) => Err("this connection was sealed with a KMS data key; set DEBRIEF_TOKEN_KMS_KEY_ID".into()),
            (Self::Kms { .. }, None) => Err("this connection was sealed with DEBRIEF_TOKEN_KEY, not a KMS data key".into()),
            (Self::Kms { kms, unwrapped }, Some(wrapped)) => {
                if let Some(c) = unwrapped.lock().expect("not poisoned").get(wrapped) {
                    return Ok(c.clone());
                }
                let cipher = TokenCipher::from_key(&kms.unwrap(wrapped).await?);
                unwrapped.lock().expect("not poisoned").insert(wrapped.to_string(), cipher.clone());
                Ok(cipher)
            }
        }
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
