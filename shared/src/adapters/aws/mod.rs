//! Production adapters: DynamoDB (store), SQS (queue), SES v2 (mail), S3 (kept transcripts),
//! KMS (data keys for tokens at rest). Clients come from the
//! standard AWS configuration chain, built once per cold start; `AWS_ENDPOINT_URL` (or
//! `AWS_ENDPOINT_URL_DYNAMODB`, `_SQS`, `_SESV2`) points them at a local server such as moto.

mod dynamo;
mod http_client;
mod kms;
mod s3;
mod ses;
mod sqs;

pub use dynamo::DynamoStore;
pub use http_client::ReqwestHttpClient;
pub use kms::KmsDataKeys;
pub use s3::S3Archive;
pub use ses::SesMailer;
pub use sqs::SqsQueue;

/// Loads the shared AWS configuration (region, credentials, endpoint overrides).
pub async fn load_config() -> aws_config::SdkConfig {
    let overridden = std::env::vars_os().any(|(k, _)| k.to_str().is_some_and(|k| k.starts_with("AWS_ENDPOINT_URL")));
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client(overridden)).load().await
}

/// The SDK's HTTP client ([`ReqwestHttpClient`]: reqwest, rustls on ring).
///
/// AWS's service endpoints present certificates that chain to Amazon Trust Services' roots
/// (Amazon Root CA 1–4, and Starfield Services Root CA G2, which cross-signs them). Trusting
/// only those, compiled in, spares every cold start reading and parsing the system's ~150
/// roots (see README, "Lambda binaries"). An endpoint override (moto, LocalStack) may present
/// any certificate: then Mozilla's roots are trusted, and the PEM bundle named by
/// `AWS_CA_BUNDLE` (a local server's own CA) as well.
pub fn https_client(endpoint_overridden: bool) -> aws_sdk_dynamodb::config::SharedHttpClient {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = if endpoint_overridden { crate::net::mozilla_roots() } else { rustls::RootCertStore::empty() };
    let bundle = endpoint_overridden.then(|| std::env::var_os("AWS_CA_BUNDLE").and_then(|p| std::fs::read(p).ok())).flatten();
    for pem in [Some(AMAZON_TRUST_ROOTS), bundle.as_deref()].into_iter().flatten() {
        roots.add_parsable_certificates(CertificateDer::pem_slice_iter(pem).filter_map(Result::ok));
    }
    aws_sdk_dynamodb::config::SharedHttpClient::new(ReqwestHttpClient::trusting(roots))
}

const AMAZON_TRUST_ROOTS: &[u8] = include_bytes!("amazon-trust-roots.pem");

/// A service error's code and message, without the request.
pub(crate) fn describe<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(s) => format!("{}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("")),
        None => format!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    /// The five roots parse as DER certificates (a SEQUENCE with a two-byte length).
    #[test]
    fn amazon_trust_roots_are_five_certificates() {
        let text = std::str::from_utf8(super::AMAZON_TRUST_ROOTS).unwrap();
        let ders: Vec<Vec<u8>> = text
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|block| {
                let body: String = block.split("-----END CERTIFICATE-----").next().unwrap().split_whitespace().collect();
                base64::engine::general_purpose::STANDARD.decode(body).expect("base64")
            })
            .collect();
        assert_eq!(ders.len(), 5);
        for der in ders {
            assert_eq!(&der[..2], &[0x30, 0x82]);
            assert_eq!(usize::from(der[2]) << 8 | usize::from(der[3]), der.len() - 4);
        }
    }
}
