//! The SDK's HTTP client, on the same reqwest (HTTP/1.1, rustls on ring) that the vendor
//! clients and the S3 adapter use.
//!
//! Why not the SDK's own client (`aws-smithy-http-client`): it is a second hyper client stack
//! in every binary, and it always links HTTP/2 (`h2`, ~200 KB of code on arm64) although every
//! AWS call Debrief makes is a small JSON request over HTTP/1.1. One stack kept the `webinars`
//! function under the 8 MB budget (README, "Lambda binaries"). The SDK's requests here
//! (DynamoDB, SQS, SES, KMS) all have in-memory bodies; a streaming body is refused rather than
//! buffered without bound.

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// The SDK's default connect timeout (`aws-smithy-types`' `TimeoutConfig`).
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

#[derive(Debug, Clone)]
pub struct ReqwestHttpClient {
    http: reqwest::Client,
}

impl ReqwestHttpClient {
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }

    /// A client trusting `roots` (PEM), with the SDK's connect timeout.
    pub fn trusting(roots: rustls::RootCertStore) -> Self {
        let http = crate::net::client_builder_trusting(roots).connect_timeout(CONNECT_TIMEOUT).pool_idle_timeout(Duration::from_secs(60)).build();
        Self::new(http.expect("a client on a prepared TLS configuration builds"))
    }
}

impl HttpClient for ReqwestHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        // The read timeout bounds the whole exchange (the bodies are small); the connect
        // timeout is the client's.
        SharedHttpConnector::new(Connector { http: self.http.clone(), read_timeout: settings.read_timeout() })
    }
}

#[derive(Debug)]
struct Connector {
    http: reqwest::Client,
    read_timeout: Option<Duration>,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let prepared = prepare(&self.http, request, self.read_timeout);
        HttpConnectorFuture::new(async move {
            let response = prepared?.send().await.map_err(from_reqwest)?;
            let status = StatusCode::try_from(response.status().as_u16()).map_err(|e| ConnectorError::other(e.into(), None))?;
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(from_reqwest)?;
            let mut out = HttpResponse::new(status, SdkBody::from(body));
            for (name, value) in &headers {
                if let Ok(value) = value.to_str() {
                    out.headers_mut().append(name.as_str().to_owned(), value.to_owned());
                }
            }
            Ok(out)
        })
    }
}

fn prepare(http: &reqwest::Client, request: HttpRequest, read_timeout: Option<Duration>) -> Result<reqwest::RequestBuilder, ConnectorError> {
    let method = reqwest::Method::from_bytes(request.method().as_bytes()).map_err(|e| ConnectorError::user(e.into()))?;
    let body = request.body().bytes().ok_or_else(|| ConnectorError::user("a streaming request body (every SDK call here sends an in-memory body)".into()))?.to_vec();
    let mut builder = http.request(method, request.uri());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    if let Some(t) = read_timeout {
        builder = builder.timeout(t);
    }
    Ok(builder.body(body))
}

/// Timeouts and connection failures are transient (the SDK retries them); the rest are not.
fn from_reqwest(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(e.into())
    } else {
        ConnectorError::other(e.into(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One exchange against a raw socket: the request goes out as the SDK built it (method,
    /// path, headers, body) and the response comes back with its status, headers and body.
    #[tokio::test]
    async fn a_request_goes_out_as_built_and_the_response_comes_back_whole() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !String::from_utf8_lossy(&seen).contains("{\"TableName\":\"t\"}") {
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0, "the connection closed before the body arrived");
                seen.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 400 Bad Request\r\nx-amzn-requestid: r-1\r\ncontent-length: 2\r\n\r\n{}").await.unwrap();
            String::from_utf8(seen).unwrap()
        });
        let client = ReqwestHttpClient::new(crate::net::client());
        let components = RuntimeComponentsBuilder::for_tests().build().unwrap();
        let connector = client.http_connector(&HttpConnectorSettings::builder().read_timeout(Duration::from_secs(5)).build(), &components);
        let mut request = HttpRequest::new(SdkBody::from("{\"TableName\":\"t\"}"));
        request.set_uri(format!("http://127.0.0.1:{port}/")).unwrap();
        request.set_method("POST").unwrap();
        request.headers_mut().insert("x-amz-target", "DynamoDB_20120810.DescribeTable");
        let response = connector.call(request).await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
        assert_eq!(response.headers().get("x-amzn-requestid"), Some("r-1"));
        assert_eq!(response.body().bytes(), Some(&b"{}"[..]));
        let sent = server.await.unwrap();
        assert!(sent.starts_with("POST / HTTP/1.1\r\n"), "{sent}");
        assert!(sent.to_ascii_lowercase().contains("x-amz-target: dynamodb_20120810.describetable"), "{sent}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_io_error_the_sdk_retries() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let components = RuntimeComponentsBuilder::for_tests().build().unwrap();
        let connector = ReqwestHttpClient::new(crate::net::client()).http_connector(&HttpConnectorSettings::builder().build(), &components);
        let mut request = HttpRequest::new(SdkBody::from("{}"));
        request.set_uri(format!("http://127.0.0.1:{port}/")).unwrap();
        let e = connector.call(request).await.unwrap_err();
        assert!(e.is_io() || e.is_timeout(), "{e:?}");
    }
}
