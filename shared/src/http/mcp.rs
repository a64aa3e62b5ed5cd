//! `POST /mcp`: the MCP review server (`crate::mcp`) on the one router, and who may call it.
//!
//! A request needs `Authorization: Bearer` with an access token issued for this resource by
//! the authorization server beside it (`super::oauth`), or a coach's key (clients configured
//! with a static header); without one it is a 401 whose `WWW-Authenticate` names the
//! protected-resource metadata (RFC 9728), which `/.well-known/oauth-protected-resource` serves. The coach the key belongs to travels to the
//! tools in the request's extensions. The SDK checks `Host` against the deployment's public URL
//! (`DEBRIEF_PUBLIC_URL`) and loopback, and serves statelessly with JSON responses.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;

use super::ApiError;
use crate::analysis::Analyser;
use crate::mcp::{CoachIdentity, ReviewServer};
use crate::pipeline::Pipeline;
use crate::ports::{Mailer, Queue, Store};
use crate::repo::{KeyScope, Repo};

/// Where the MCP server is reachable from outside: `DEBRIEF_PUBLIC_URL`, or what the request's
/// `Host` says (a local server).
pub(crate) fn public_base(configured: Option<&str>, headers: &HeaderMap) -> String {
    match configured {
        Some(base) => base.trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
            format!("http://{host}")
        }
    }
}

/// The hosts the SDK accepts in `Host`: loopback, and the public URL's host.
pub fn allowed_hosts(public_url: Option<&str>) -> Vec<String> {
    let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    if let Some(host) = public_url.and_then(|u| url::Url::parse(u).ok()).and_then(|u| u.host_str().map(str::to_string)) {
        hosts.push(host);
    }
    hosts
}

struct McpAuth<S> {
    repo: Repo<S>,
    public_url: Option<String>,
}

/// Lets a coach's key through, with the coach's identity attached; everything else is a 401
/// that points to the resource metadata.
async fn authenticate<S: Store>(State(auth): State<Arc<McpAuth<S>>>, mut request: Request, next: Next) -> Response {
    let base = public_base(auth.public_url.as_deref(), request.headers());
    let refuse = |message: &str| {
        let mut resp = ApiError::Unauthorized(message.to_string()).into_response();
        let challenge = format!("Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource\"");
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    };
    let Some(presented) = super::api_key_from_headers(request.headers()) else {
        return refuse("a coach's key or access token is required (Authorization: Bearer …)");
    };
    let coach = if presented.starts_with("dbo_at_") {
        match crate::mcp::oauth::coach_for_access_token(auth.repo.store(), &presented, &format!("{base}/mcp")).await {
            Ok(c) => c,
            Err(e) => return ApiError::Unavailable(e.to_string()).into_response(),
        }
    } else {
        match auth.repo.find_api_key(&presented).await {
            Ok(Some(record)) if record.scope == KeyScope::Coach => record.coach_id,
            Ok(_) => None,
            Err(e) => return ApiError::from(e).into_response(),
        }
    };
    match coach {
        Some(coach_id) => {
            request.extensions_mut().insert(CoachIdentity(coach_id));
            next.run(request).await
        }
        None => refuse("the key or token is not valid for the review (expired, revoked, or for another resource)"),
    }
}

/// RFC 9728 metadata for the MCP resource.
async fn protected_resource<S: Store>(State(auth): State<Arc<McpAuth<S>>>, headers: HeaderMap) -> Response {
    let base = public_base(auth.public_url.as_deref(), &headers);
    axum::Json(json!({
        "resource": format!("{base}/mcp"),
        "authorization_servers": [base],
        "scopes_supported": [crate::mcp::oauth::SCOPE],
        "bearer_methods_supported": ["header"],
        "resource_name": "Debrief workshop review",
    }))
    .into_response()
}

/// `/mcp`, its metadata and authorization server, and the review links in the coach's email
/// (the `mcp` function hosts them all).
pub fn mcp_routes<S, Q, M, A>(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Router
where
    S: Store + Clone,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    let public_url = pipeline.config.public_base_url.clone();
    let auth = Arc::new(McpAuth { repo: crate::repo::Repo::new(pipeline.repo.store().clone()), public_url: public_url.clone() });
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(allowed_hosts(public_url.as_deref()));
    let oauth_routes = Router::new()
        .route("/.well-known/oauth-authorization-server", get(super::oauth::metadata::<S, Q, M, A>))
        .route("/oauth/register", axum::routing::post(super::oauth::register::<S, Q, M, A>))
        .route("/oauth/authorize", get(super::oauth::authorize_page::<S, Q, M, A>).post(super::oauth::authorize_submit::<S, Q, M, A>))
        .route("/oauth/token", axum::routing::post(super::oauth::token::<S, Q, M, A>))
        // The review links in the coach's email: the same review without a chat client.
        .route("/review/{token}", get(super::review_links::show::<S, Q, M, A>).post(super::review_links::send::<S, Q, M, A>))
        .with_state(pipeline.clone());
    let service = StreamableHttpService::new(move || Ok(ReviewServer::new(pipeline.clone())), Arc::new(NeverSessionManager::default()), config);
    Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(auth.clone(), authenticate::<S>))
        .route("/.well-known/oauth-protected-resource", get(protected_resource::<S>))
        .route("/.well-known/oauth-protected-resource/mcp", get(protected_resource::<S>))
        .with_state(auth)
        .merge(oauth_routes)
}
