//! `POST {base}/{version}/{pixel_id}/events` with `{"data": [...], "access_token", "test_event_code"?}`.
//! The token travels in the body, never in the URL (URLs end up in access logs).

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::ports::{AdsError, ConversionsApi, EventsReceipt, EventsRequest};

#[derive(Clone)]
pub struct GraphConfig {
    /// `https://graph.facebook.com`; tests point it at a local server.
    pub base_url: String,
    /// e.g. `v24.0` (`DEBRIEF_META_GRAPH_VERSION`).
    pub version: String,
    pub access_token: String,
    /// Meta advises a short client timeout (about 1.5 s) and a retry.
    pub timeout: Duration,
}

impl std::fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphConfig")
            .field("base_url", &self.base_url)
            .field("version", &self.version)
            .field("access_token", &"<secret>")
            .finish()
    }
}

pub struct GraphConversions {
    http: reqwest::Client,
    config: GraphConfig,
}

impl GraphConversions {
    pub fn new(config: GraphConfig) -> Self {
        let http = crate::net::client_builder()
            .timeout(config.timeout)
            .build()
            .expect("an HTTP client with rustls builds");
        Self { http, config }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    data: &'a [&'a RawValue],
    #[serde(skip_serializing_if = "Option::is_none")]
    test_event_code: Option<&'a str>,
    access_token: &'a str,
}

/// Sorts a Graph API error (`{"error": {message, type, code, error_subcode, is_transient,
/// error_user_msg, fbtrace_id}}`) into what the sender can do about it.
pub fn classify(status: u16, body: &str) -> AdsError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let err = &v["error"];
    let code = err["code"].as_i64();
    let fbtrace_id = err["fbtrace_id"].as_str().map(str::to_string);
    let message = [err["message"].as_str(), err["error_user_msg"].as_str()]
        .iter()
        .flatten()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(" — ");
    let message = if message.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("{message} (code {})", code.unwrap_or_default())
    };
    match (status, code) {
        (429, _) | (_, Some(4 | 17 | 32 | 613 | 80004)) => AdsError::Throttled(message),
        (401 | 403, _) | (_, Some(102 | 190 | 10 | 200..=299)) => AdsError::Auth(message),
        (s, _) if s >= 500 => AdsError::Transient(message),
        (_, Some(1 | 2)) => AdsError::Transient(message),
        _ if err["is_transient"].as_bool() == Some(true) => AdsError::Transient(message),
        _ => AdsError::Invalid {
            message,
            fbtrace_id,
        },
    }
}

impl ConversionsApi for GraphConversions {
    async fn send(&self, request: EventsRequest<'_>) -> Result<EventsReceipt, AdsError> {
        let url = format!(
            "{}/{}/{}/events",
            self.config.base_url.trim_end_matches('/'),
            self.config.version,
            request.pixel_id
        );
        let body = Body {
            data: request.data,
            test_event_code: request.test_event_code,
            access_token: &self.config.access_token,
        };
        let resp = self.http.post(&url).json(&body).send().await.map_err(|e| {
            // reqwest's error names the URL, which holds no secret.
            AdsError::Transient(if e.is_timeout() {
                "timed out".into()
            } else {
                e.to_string()
            })
        })?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| AdsError::Transient(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(classify(status, &text));
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| AdsError::Transient("unreadable answer from Meta".into()))?;
        let events_received = v["events_received"]
            .as_u64()
            .ok_or_else(|| AdsError::Transient("answer without events_received".into()))?;
        Ok(EventsReceipt {
            events_received,
            fbtrace_id: v["fbtrace_id"].as_str().map(str::to_string),
            messages: v["messages"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_errors_are_sorted_by_code() {
        let e = |status, code: i64| {
            classify(
                status,
                &format!(
                    r#"{{"error":{{"message":"m","type":"OAuthException","code":{code},"fbtrace_id":"T"}}}}"#
                ),
            )
        };
        assert!(matches!(e(400, 4), AdsError::Throttled(_)));
        assert!(matches!(e(400, 17), AdsError::Throttled(_)));
        assert!(matches!(e(400, 190), AdsError::Auth(_)));
        assert!(matches!(e(500, 1), AdsError::Transient(_)));
        assert!(matches!(e(400, 100), AdsError::Invalid { .. }));
        assert!(matches!(classify(502, "<html>"), AdsError::Transient(_)));
    }
}
