//! Transcripts in S3: a PUT and a GET of one object, signed with SigV4 (`aws-sigv4`, already
//! in every function through the SDK) and sent with reqwest. Two calls did not justify
//! `aws-sdk-s3`, which would have taken `ingest` past its 8 MB budget.
//!
//! The bucket is `DEBRIEF_TRANSCRIPT_BUCKET`; its lifecycle rule (in the template) expires
//! transcripts after `TranscriptRetentionDays`. With an endpoint override (moto) requests are
//! path-style (`{endpoint}/{bucket}/{key}`); on AWS virtual-hosted
//! (`https://{bucket}.s3.{region}.amazonaws.com/{key}`).

use std::time::SystemTime;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

use crate::ports::{Archive, ArchiveError};

#[derive(Clone)]
pub struct S3Archive {
    http: reqwest::Client,
    credentials: SharedCredentialsProvider,
    region: String,
    /// Everything before the key, ending in `/`.
    base: String,
}

impl std::fmt::Debug for S3Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Archive").field("base", &self.base).finish_non_exhaustive()
    }
}

impl S3Archive {
    pub fn from_config(sdk: &aws_config::SdkConfig, bucket: &str) -> Result<Self, String> {
        let credentials = sdk.credentials_provider().ok_or("no AWS credentials provider")?;
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3").ok().filter(|v| !v.is_empty()).or_else(|| sdk.endpoint_url().map(str::to_owned));
        let base = match endpoint {
            Some(e) => format!("{}/{bucket}/", e.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com/"),
        };
        let http = crate::net::client_builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { http, credentials, region, base })
    }

    /// Creates the bucket if it is missing (moto, a developer account; the template creates
    /// the deployed one, with its lifecycle rule).
    pub async fn ensure_bucket(&self) -> Result<(), ArchiveError> {
        let response = self.request(reqwest::Method::PUT, "", b"").await?;
        match response.status() {
            s if s.is_success() || s == reqwest::StatusCode::CONFLICT => Ok(()),
            s => Err(ArchiveError::Unavailable(format!("S3 CreateBucket answered {s}"))),
        }
    }

    /// A signed request for `key`; S3 wants the payload's SHA-256 in `x-amz-content-sha256`.
    async fn request(&self, method: reqwest::Method, key: &str, body: &[u8]) -> Result<reqwest::Response, ArchiveError> {
        let unavailable = |e: String| ArchiveError::Unavailable(e);
        let url = format!("{}{key}", self.base);
        let credentials = self.credentials.provide_credentials().await.map_err(|e| unavailable(format!("credentials: {e}")))?;
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| unavailable(e.to_string()))?
            .into();
        let signable = SignableRequest::new(method.as_str(), &url, std::iter::empty(), SignableBody::Bytes(body))
            .map_err(|e| unavailable(e.to_string()))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| unavailable(e.to_string()))?.into_parts();
        let mut request = self.http.request(method, &url);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        request.body(body.to_vec()).send().await.map_err(|e| unavailable(format!("S3: {}", e.without_url())))
    }
}

impl Archive for S3Archive {
    /// A pre-signed GET (SigV4 in the query string, unsigned payload), as S3 documents for
    /// sharing an object without sharing credentials.
    async fn download(&self, key: &str, ttl: std::time::Duration) -> Result<crate::ports::Download, ArchiveError> {
        let unavailable = |e: String| ArchiveError::Unavailable(e);
        let url = format!("{}{key}", self.base);
        let credentials = self.credentials.provide_credentials().await.map_err(|e| unavailable(format!("credentials: {e}")))?;
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        settings.signature_location = aws_sigv4::http_request::SignatureLocation::QueryParams;
        settings.expires_in = Some(ttl);
        let now = SystemTime::now();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(now)
            .settings(settings)
            .build()
            .map_err(|e| unavailable(e.to_string()))?
            .into();
        let signable = SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::UnsignedPayload).map_err(|e| unavailable(e.to_string()))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| unavailable(e.to_string()))?.into_parts();
        let mut signed = reqwest::Url::parse(&url).map_err(|e| unavailable(e.to_string()))?;
        {
            let mut query = signed.query_pairs_mut();
            for (name, value) in instructions.params() {
                query.append_pair(name, value);
            }
        }
        let expires = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default() + ttl;
        Ok(crate::ports::Download::Url { url: signed.to_string(), expires_at: crate::clock::rfc3339_from_unix(expires.as_secs() as i64) })
    }

    async fn put(&self, key: &str, body: &[u8]) -> Result<(), ArchiveError> {
        let response = self.request(reqwest::Method::PUT, key, body).await?;
        if !response.status().is_success() {
            return Err(ArchiveError::Unavailable(format!("S3 PutObject answered {}", response.status())));
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ArchiveError> {
        let response = self.request(reqwest::Method::GET, key, b"").await?;
        match response.status() {
            s if s.is_success() => response.bytes().await.map(|b| Some(b.to_vec())).map_err(|e| ArchiveError::Unavailable(format!("S3: {}", e.without_url()))),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s => Err(ArchiveError::Unavailable(format!("S3 GetObject answered {s}"))),
        }
    }
}
