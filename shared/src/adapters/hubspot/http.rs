//! Requests to HubSpot with a bearer token (a private app's, or OAuth's refreshed before it
//! expires and once more after a 401), every request drawn from the portal's shared budget
//! ([`crate::hubspot::rate`]), `X-HubSpot-RateLimit-*` read, 429 answered by policy (secondly:
//! back off with jitter, honouring Retry-After; daily: stop for the day), 5xx and network
//! failures retried with backoff.

use std::time::Duration;

use serde_json::Value;

use std::sync::Arc;

use crate::hubspot::tokens::TokenKeys;
use crate::hubspot::{HubSpotConfig, oauth, rate};
use crate::ports::{CrmApi, CrmError, CrmRequest, CrmResponse, Store};

pub enum Credentials {
    PrivateApp(String),
    OAuth(Arc<TokenKeys>),
}

pub struct HubSpotHttp<S> {
    http: reqwest::Client,
    config: HubSpotConfig,
    store: S,
    credentials: Credentials,
    portal: String,
}

impl<S: Store> HubSpotHttp<S> {
    /// `http` is shared by every portal's adapter (built once per process).
    pub fn new(http: reqwest::Client, config: HubSpotConfig, store: S, credentials: Credentials, portal: impl Into<String>) -> Self {
        Self { http, config, store, credentials, portal: portal.into() }
    }

    pub fn portal(&self) -> &str {
        &self.portal
    }

    async fn bearer(&self, force: bool) -> Result<String, CrmError> {
        match &self.credentials {
            Credentials::PrivateApp(t) => Ok(t.clone()),
            Credentials::OAuth(keys) => oauth::access_token(&self.store, &self.http, &self.config, keys, &self.portal, force).await,
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self.config.base_delay.saturating_mul(1 << attempt.min(10)).min(Duration::from_secs(20));
        cap.mul_f64(0.5 + fastrand::f64() / 2.0)
    }
}

fn message(body: &Value, status: u16) -> String {
    body["message"].as_str().map(str::to_string).unwrap_or_else(|| format!("HTTP {status}"))
}

impl<S: Store> CrmApi for HubSpotHttp<S> {
    async fn call(&self, request: &CrmRequest) -> Result<CrmResponse, CrmError> {
        if rate::stopped_today(&self.store, &self.portal).await.map_err(|e| CrmError::Transient(e.to_string()))? {
            return Err(CrmError::DailyLimit("stopped for the day after HubSpot's daily policy answered 429".into()));
        }
        let url = format!("{}{}", self.config.base_url.trim_end_matches('/'), request.path);
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| CrmError::Rejected { status: 0, message: "bad method".into() })?;
        let mut token = self.bearer(false).await?;
        let mut refreshed = false;
        let mut last = String::new();
        let mut attempt = 0;
        while attempt < self.config.attempts.max(1) {
            rate::acquire(&self.store, &self.portal, &self.config.limits, request.path.ends_with("/search")).await.map_err(|e| match e {
                rate::RateError::Daily => CrmError::DailyLimit("Debrief's daily budget for this portal is spent".into()),
                rate::RateError::Store(s) => CrmError::Transient(s.to_string()),
            })?;
            let mut req = self.http.request(method.clone(), &url).bearer_auth(&token);
            if let Some(b) = &request.body {
                req = req.json(b);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    last = if e.is_timeout() { "timed out".into() } else { e.without_url().to_string() };
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
            };
            let status = resp.status().as_u16();
            let header = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
            let remaining = header("x-hubspot-ratelimit-remaining").and_then(|v| v.parse::<i64>().ok());
            let interval_ms = header("x-hubspot-ratelimit-interval-milliseconds").and_then(|v| v.parse::<u64>().ok());
            let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
            let text = resp.text().await.unwrap_or_default();
            let body: Value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::Null) };
            if remaining == Some(0) {
                // HubSpot says this window is spent: let it roll before the next request.
                tokio::time::sleep(Duration::from_millis(interval_ms.unwrap_or(10_000) / 10)).await;
            }
            match status {
                200..=299 | 404 | 409 => {
                    if (200..300).contains(&status) && !text.is_empty() && body.is_null() {
                        last = "unreadable answer".into();
                        tokio::time::sleep(self.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Ok(CrmResponse { status, body });
                }
                401 => {
                    if refreshed || matches!(self.credentials, Credentials::PrivateApp(_)) {
                        return Err(CrmError::Unauthorized(message(&body, status)));
                    }
                    refreshed = true;
                    token = self.bearer(true).await?;
                }
                403 if body["category"] == "MISSING_SCOPES" || text.contains("MISSING_SCOPES") => {
                    return Err(CrmError::MissingScopes(message(&body, status)));
                }
                429 => {
                    let policy = body["policyName"].as_str().unwrap_or_default().to_ascii_uppercase();
                    if policy.contains("DAILY") {
                        let _ = rate::stop_for_today(&self.store, &self.portal).await;
                        tracing::warn!(portal = %self.portal, "HubSpot daily limit reached; stopping for today");
                        return Err(CrmError::DailyLimit(message(&body, status)));
                    }
                    last = message(&body, status);
                    let wait = retry_after.map(Duration::from_secs).unwrap_or_else(|| self.backoff(attempt));
                    tokio::time::sleep(wait + Duration::from_millis(fastrand::u64(0..250))).await;
                    attempt += 1;
                }
                500..=599 => {
                    last = format!("HTTP {status}");
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt += 1;
                }
                _ => return Err(CrmError::Rejected { status, message: message(&body, status) }),
            }
        }
        Err(CrmError::Transient(format!("gave up after {} attempts: {last}", self.config.attempts)))
    }
}
