//! KMS data keys for tokens at rest: one AES-256 data key per HubSpot connection, generated
//! under the stack's KMS key; only its encrypted copy is stored (beside the tokens), and it is
//! decrypted by KMS when a process first needs it.

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Clone, Debug)]
pub struct KmsDataKeys {
    client: Client,
    key_id: String,
}

impl KmsDataKeys {
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Self { client, key_id: key_id.into() }
    }

    pub fn from_config(config: &aws_config::SdkConfig, key_id: impl Into<String>) -> Self {
        Self::new(Client::new(config), key_id)
    }

    /// A new data key: (plaintext, base64 of the encrypted copy to store).
    pub async fn generate(&self) -> Result<([u8; 32], String), String> {
        let out = self.client.generate_data_key().key_id(&self.key_id).key_spec(DataKeySpec::Aes256).send().await.map_err(|e| e.to_string())?;
        let plain = out.plaintext().ok_or("KMS returned no plaintext key")?.as_ref();
        let wrapped = out.ciphertext_blob().ok_or("KMS returned no encrypted key")?.as_ref();
        let key: [u8; 32] = plain.try_into().map_err(|_| "KMS data key is not 32 bytes".to_string())?;
        Ok((key, STANDARD.encode(wrapped)))
    }

    /// The plaintext of a stored (encrypted) data key.
    pub async fn unwrap(&self, wrapped: &str) -> Result<[u8; 32], String> {
        let blob = STANDARD.decode(wrapped).map_err(|_| "the stored data key is not base64".to_string())?;
        let out = self.client.decrypt().key_id(&self.key_id).ciphertext_blob(Blob::new(blob)).send().await.map_err(|e| e.to_string())?;
        out.plaintext().ok_or("KMS returned no plaintext key")?.as_ref().try_into().map_err(|_| "KMS data key is not 32 bytes".to_string())
    }
}
