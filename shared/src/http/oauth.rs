//! The OAuth 2.1 endpoints in front of `/mcp` (the rules are `crate::mcp::oauth`):
//! `/.well-known/oauth-authorization-server` (RFC 8414), `POST /oauth/register` (RFC 7591),
//! `/oauth/authorize` (an HTML sign-in — an emailed one-time code, or the coach's key — then a
//! consent screen naming the client), `POST /oauth/token` (code with PKCE, refresh). Answers
//! in OAuth's own error format, not the REST envelope. Pages are server-rendered, escaped, and
//! work without script.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::analysis::Analyser;
use crate::mcp::oauth::{self, AuthRequest, OAuthError};
use crate::pipeline::{Pipeline, html_escape};
use crate::ports::{Email, Mailer, Queue, Store};
use crate::repo::KeyScope;

/// The deployment's public base (see `super::mcp::public_base`).
fn base<S, Q, M, A>(p: &Pipeline<S, Q, M, A>, headers: &HeaderMap) -> String {
    super::mcp::public_base(p.config.public_base_url.as_deref(), headers)
}

fn oauth_error(status: StatusCode, e: OAuthError) -> Response {
    let (code, description) = match e {
        OAuthError::Refused(code, d) => (code, d),
        OAuthError::Store(detail) => {
            tracing::error!(%detail, "OAuth request failed");
            ("temporarily_unavailable", "try again shortly".to_string())
        }
    };
    let status = if code == "temporarily_unavailable" { StatusCode::SERVICE_UNAVAILABLE } else if code == "invalid_client" { StatusCode::UNAUTHORIZED } else { status };
    let mut r = (status, Json(json!({"error": code, "error_description": description}))).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    r
}

pub async fn metadata<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, headers: HeaderMap) -> Response {
    let b = base(&p, &headers);
    Json(json!({
        "issuer": b,
        "authorization_endpoint": format!("{b}/oauth/authorize"),
        "token_endpoint": format!("{b}/oauth/token"),
        "registration_endpoint": format!("{b}/oauth/register"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": [oauth::SCOPE],
    }))
    .into_response()
}

#[derive(Deserialize)]
pub struct Registration {
    redirect_uris: Option<Vec<String>>,
    client_name: Option<String>,
}

pub async fn register<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, body: axum::body::Bytes) -> Response {
    let Ok(reg) = serde_json::from_slice::<Registration>(&body) else {
        return oauth_error(StatusCode::BAD_REQUEST, OAuthError::Refused("invalid_client_metadata", "send JSON client metadata with redirect_uris".into()));
    };
    let per_minute = std::env::var("DEBRIEF_OAUTH_REGISTRATIONS_PER_MINUTE").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    match oauth::register(p.repo.store(), reg.client_name.as_deref(), &reg.redirect_uris.unwrap_or_default(), per_minute).await {
        Ok(c) => (
            StatusCode::CREATED,
            Json(json!({
                "client_id": c.client_id, "client_id_issued_at": c.created_at, "client_name": c.client_name,
                "redirect_uris": c.redirect_uris, "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"], "token_endpoint_auth_method": "none",
            })),
        )
            .into_response(),
        Err(e) => oauth_error(StatusCode::BAD_REQUEST, e),
    }
}

pub(super) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} · Debrief</title><style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
input,button{{font:inherit;padding:.6rem;width:100%;box-sizing:border-box;margin:.3rem 0}}button{{cursor:pointer}}.muted{{color:#555;font-size:.9em}}\
hr{{margin:1.5rem 0}}</style></head><body><h1>{t}</h1>{body}</body></html>",
        t = html_escape(title)
    );
    let mut r = (status, Html(html)).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", header::HeaderValue::from_static("DENY"));
    h.insert("content-security-policy", header::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http://localhost:* http://127.0.0.1:*"));
    r
}

fn hidden(req: &AuthRequest) -> String {
    format!("<input type=\"hidden\" name=\"request\" value=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">", html_escape(&req.id), html_escape(&req.csrf))
}

fn sign_in_page(req: &AuthRequest, note: Option<&str>) -> Response {
    let note = note.map(|n| format!("<p><strong>{}</strong></p>", html_escape(n))).unwrap_or_default();
    let body = format!(
        "<p><strong>{client}</strong> asks to connect to your Debrief workshops. Sign in first.</p>{note}\
<form method=\"post\" action=\"authorize\">{h}<input type=\"hidden\" name=\"action\" value=\"email\">\
<label>Your email address<input type=\"email\" name=\"email\" autocomplete=\"email\" required></label>\
<button type=\"submit\">Email me a sign-in code</button></form><hr>\
<form method=\"post\" action=\"authorize\">{h}<input type=\"hidden\" name=\"action\" value=\"key\">\
<label>Or paste your coach key<input type=\"password\" name=\"key\" autocomplete=\"off\" required></label>\
<button type=\"submit\">Sign in with my key</button></form>",
        client = html_escape(&req.client_name),
        h = hidden(req)
    );
    page(StatusCode::OK, "Sign in to Debrief", &body)
}

fn code_page(req: &AuthRequest, note: Option<&str>) -> Response {
    let note = note.map(|n| format!("<p><strong>{}</strong></p>", html_escape(n))).unwrap_or_default();
    let body = format!(
        "<p>If that address belongs to a coach, we emailed a six-digit code. It works for 15 minutes.</p>{note}\
<form method=\"post\" action=\"authorize\">{h}<input type=\"hidden\" name=\"action\" value=\"code\">\
<label>Code<input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required></label>\
<button type=\"submit\">Continue</button></form>",
        h = hidden(req)
    );
    page(StatusCode::OK, "Check your email", &body)
}

fn consent_page(req: &AuthRequest) -> Response {
    let body = format!(
        "<p><strong>{client}</strong> wants to act for you in Debrief. It will be able to:</p>\
<ul><li>read your workshops, participants' summaries and draft emails;</li><li>edit summaries and drafts;</li>\
<li>send follow-up emails from your address to participants you approve.</li></ul>\
<p class=\"muted\">It will go to <code>{redirect}</code>. You can revoke it by signing in again elsewhere or asking your operator.</p>\
<form method=\"post\" action=\"authorize\">{h}<button type=\"submit\" name=\"action\" value=\"allow\">Allow</button>\
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
        client = html_escape(&req.client_name),
        redirect = html_escape(&req.redirect_uri),
        h = hidden(req)
    );
    page(StatusCode::OK, "Allow access?", &body)
}

fn error_page(e: OAuthError) -> Response {
    let message = match e {
        OAuthError::Refused(_, m) => m,
        OAuthError::Store(detail) => {
            tracing::error!(%detail, "OAuth page failed");
            "Debrief could not continue just now; try again shortly.".into()
        }
    };
    page(StatusCode::BAD_REQUEST, "This sign-in cannot continue", &format!("<p>{}</p>", html_escape(&message)))
}

fn redirect_back(req: &AuthRequest, params: &[(&str, &str)]) -> Response {
    let mut url = url::Url::parse(&req.redirect_uri).expect("registered redirect URIs parse");
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        if let Some(s) = &req.state {
            q.append_pair("state", s);
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_string()), (header::CACHE_CONTROL, "no-store".into())]).into_response()
}

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    state: Option<String>,
    resource: Option<String>,
}

pub async fn authorize_page<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    headers: HeaderMap,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    let resource = format!("{}/mcp", base(&p, &headers));
    if q.resource.as_deref().is_some_and(|r| r.trim_end_matches('/') != resource) {
        return error_page(OAuthError::Refused("invalid_target", "this server only grants access to its own MCP endpoint".into()));
    }
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    match oauth::begin(
        p.repo.store(),
        &s(&q.client_id),
        &s(&q.redirect_uri),
        &s(&q.response_type),
        &s(&q.code_challenge),
        q.code_challenge_method.as_deref().unwrap_or("plain"),
        q.state.as_deref(),
        &resource,
    )
    .await
    {
        Ok(req) => sign_in_page(&req, None),
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize)]
pub struct AuthorizeForm {
    request: String,
    csrf: String,
    action: String,
    email: Option<String>,
    key: Option<String>,
    code: Option<String>,
}

pub async fn authorize_submit<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, Form(f): Form<AuthorizeForm>) -> Response {
    let store = p.repo.store();
    let (mut req, version) = match oauth::load_request(store, &f.request, &f.csrf).await {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let saved = |req: AuthRequest, version: u64, then: fn(&AuthRequest) -> Response| async move {
        match oauth::save_request(store, &req, version).await {
            Ok(()) => then(&req),
            Err(e) => error_page(e),
        }
    };
    match f.action.as_str() {
        "key" => match p.repo.find_api_key(f.key.as_deref().unwrap_or_default().trim()).await {
            Ok(Some(k)) if k.scope == KeyScope::Coach && k.coach_id.is_some() => {
                req.coach_id = k.coach_id;
                saved(req, version, consent_page).await
            }
            Ok(_) => sign_in_page(&req, Some("That key is not a coach's key.")),
            Err(e) => error_page(OAuthError::Store(e.to_string())),
        },
        "email" => {
            let email = f.email.unwrap_or_default();
            // The same answer whether or not the address is a coach's (no account discovery).
            if let Ok(Some(coach_id)) = p.repo.find_coach_by_email(&email).await
                && let Ok(Some(coach)) = p.repo.get_coach(&coach_id).await
            {
                let (code, hash) = oauth::one_time_code(&req.id);
                req.otp = Some((hash, coach_id, 5));
                let mail = Email {
                    from: p.config.sender_email.clone(),
                    to: vec![coach.email_address.clone()],
                    reply_to: None,
                    subject: format!("Your Debrief sign-in code: {code}"),
                    text: format!("Your code to connect {} to Debrief is {code}. It works for 15 minutes. If you did not ask for it, ignore this email.", req.client_name),
                    html: format!("<p>Your code to connect <strong>{}</strong> to Debrief is <strong>{code}</strong>. It works for 15 minutes.</p><p>If you did not ask for it, ignore this email.</p>", html_escape(&req.client_name)),
                    tags: vec![("kind".into(), "sign-in-code".into())],
                };
                if let Err(e) = p.mailer.send(&mail).await {
                    tracing::error!(error = %e, "sign-in code not sent");
                }
            }
            saved(req, version, |r| code_page(r, None)).await
        }
        "code" => {
            let Some((hash, coach_id, left)) = req.otp.clone() else { return sign_in_page(&req, Some("Ask for a code first.")) };
            if left == 0 {
                req.otp = None;
                return saved(req, version, |r| sign_in_page(r, Some("Too many wrong codes; ask for a new one."))).await;
            }
            if oauth::one_time_code_hash(&req.id, f.code.as_deref().unwrap_or_default()) == hash {
                req.otp = None;
                req.coach_id = Some(coach_id);
                saved(req, version, consent_page).await
            } else {
                req.otp = Some((hash, coach_id, left - 1));
                saved(req, version, |r| code_page(r, Some("That code is not right."))).await
            }
        }
        "allow" if req.coach_id.is_some() => {
            let code = match oauth::issue_code(store, &req).await {
                Ok(c) => c,
                Err(e) => return error_page(e),
            };
            let _ = oauth::end_request(store, &req.id).await;
            redirect_back(&req, &[("code", &code)])
        }
        "deny" => {
            let _ = oauth::end_request(store, &req.id).await;
            redirect_back(&req, &[("error", "access_denied")])
        }
        _ => sign_in_page(&req, None),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    resource: Option<String>,
}

pub async fn token<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, Form(f): Form<TokenForm>) -> Response {
    let store = p.repo.store();
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let result = match f.grant_type.as_deref() {
        Some("authorization_code") => oauth::exchange_code(store, &s(&f.code), &s(&f.client_id), &s(&f.redirect_uri), &s(&f.code_verifier), f.resource.as_deref().map(|r| r.trim_end_matches('/'))).await,
        Some("refresh_token") => oauth::refresh(store, &s(&f.refresh_token), &s(&f.client_id)).await,
        _ => Err(OAuthError::Refused("unsupported_grant_type", "grant_type must be authorization_code or refresh_token".into())),
    };
    match result {
        Ok(t) => {
            let mut r = Json(t).into_response();
            r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => oauth_error(StatusCode::BAD_REQUEST, e),
    }
}
