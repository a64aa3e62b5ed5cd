//! OAuth 2.1 as ChatGPT and Claude do it, against `debrief serve`: discovery, registration,
//! the sign-in page (coach key, or a code emailed to the coach), consent, the code exchanged
//! with PKCE, the MCP call with the access token, refresh rotation and reuse detection — and
//! what must fail: foreign redirect URIs, PKCE mismatches, replayed codes, forged tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use debrief::ports::Store;
use debrief_tests::app::{TestApp, spawn_app};
use debrief_tests::outbox::read_outbox;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://127.0.0.1:33418/callback";

fn http() -> reqwest::Client {
    debrief::net::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn register(app: &TestApp, redirect: &str) -> (u16, Value) {
    let r = http().post(format!("{}/oauth/register", app.base)).json(&json!({"client_name": "Test <Client>", "redirect_uris": [redirect]})).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn pkce() -> (String, String) {
    let verifier = debrief::mcp::oauth::random_token("v-");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Opens the sign-in page for `client_id`; returns (request, csrf, page).
async fn open(app: &TestApp, client_id: &str, challenge: &str) -> (String, String, String) {
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&code_challenge={challenge}&code_challenge_method=S256&state=xyz&resource={}",
        app.base,
        urlencode(REDIRECT),
        urlencode(&format!("{}/mcp", app.base))
    );
    let r = http().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    (hidden(&html, "request"), hidden(&html, "csrf"), html)
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn submit(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    http().post(format!("{}/oauth/authorize", app.base)).form(form).send().await.unwrap()
}

async fn token(app: &TestApp, form: &[(&str, &str)]) -> (u16, Value) {
    let r = http().post(format!("{}/oauth/token", app.base)).form(form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn list_tools(app: &TestApp, bearer: &str) -> u16 {
    http()
        .post(format!("{}/mcp", app.base))
        .bearer_auth(bearer)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Signs in with the coach key and allows; returns the code from the redirect.
async fn code_for(app: &TestApp, client_id: &str, challenge: &str) -> String {
    let (request, csrf, html) = open(app, client_id, challenge).await;
    assert!(html.contains("Test &lt;Client&gt;"), "the client is named, escaped");
    let consent = submit(app, &[("request", &request), ("csrf", &csrf), ("action", "key"), ("key", &app.coach_key)]).await.text().await.unwrap();
    assert!(consent.contains("Allow access?"), "{consent}");
    let r = submit(app, &[("request", &request), ("csrf", &csrf), ("action", "allow")]).await;
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT) && location.contains("state=xyz"), "{location}");
    location.split("code=").nth(1).unwrap().split('&').next().unwrap().to_string()
}

#[tokio::test]
async fn discovery_registration_pkce_tokens_and_refresh_rotation() {
    let app = spawn_app().await;
    let prm: Value = http().get(format!("{}/.well-known/oauth-protected-resource", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(prm["authorization_servers"][0], app.base.as_str());
    let asm: Value = http().get(format!("{}/.well-known/oauth-authorization-server", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(asm["registration_endpoint"], format!("{}/oauth/register", app.base));

    for bad in ["http://evil.example/cb", "https://x.example/cb#f", "javascript:alert(1)"] {
        let (s, v) = register(&app, bad).await;
        assert_eq!((s, v["error"].as_str()), (400, Some("invalid_redirect_uri")), "{bad}");
    }
    let (s, client) = register(&app, REDIRECT).await;
    assert_eq!(s, 201, "{client}");
    let client_id = client["client_id"].as_str().unwrap().to_string();

    let (verifier, challenge) = pkce();
    let code = code_for(&app, &client_id, &challenge).await;
    let exchange = |code: String, verifier: String| {
        let (app, client_id) = (&app, client_id.clone());
        async move {
            token(app, &[("grant_type", "authorization_code"), ("code", &code), ("client_id", &client_id), ("redirect_uri", REDIRECT), ("code_verifier", &verifier)]).await
        }
    };
    let (s, v) = exchange(code.clone(), pkce().0).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")), "a PKCE mismatch: {v}");
    let (s, tokens) = exchange(code.clone(), verifier.clone()).await;
    assert_eq!(s, 200, "{tokens}");
    assert_eq!(tokens["expires_in"], 3600);
    let (s, v) = exchange(code, verifier).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")), "a replayed code: {v}");

    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(list_tools(&app, access).await, 200);
    assert_eq!(list_tools(&app, "dbo_at_forged").await, 401);

    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let (s, second) = token(&app, &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &client_id)]).await;
    assert_eq!(s, 200, "{second}");
    assert_ne!(second["refresh_token"], tokens["refresh_token"], "rotated");
    let new_access = second["access_token"].as_str().unwrap().to_string();
    assert_eq!(list_tools(&app, &new_access).await, 200);
    // The spent refresh token comes back: it leaked, so the whole sign-in is revoked.
    let (s, v) = token(&app, &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &client_id)]).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(list_tools(&app, &new_access).await, 401, "tokens of a revoked family stop working");
    let (s, _) = token(&app, &[("grant_type", "refresh_token"), ("refresh_token", second["refresh_token"].as_str().unwrap()), ("client_id", &client_id)]).await;
    assert_eq!(s, 400);
    let stored: String = {
        let repo = app.repo();
        let item = repo.store().get(&debrief::ports::Key::new(format!("OAUTHTOKEN#{}", debrief::repo::sha256_hex(access)), "ACCESS")).await.unwrap();
        item.map(|i| i.body).unwrap_or_default()
    };
    assert!(!stored.contains(access), "only hashes are stored");
}

#[tokio::test]
async fn signing_in_by_emailed_code_and_what_is_refused() {
    let app = spawn_app().await;
    let (_, client) = register(&app, REDIRECT).await;
    let client_id = client["client_id"].as_str().unwrap().to_string();
    let (_, challenge) = pkce();
    let (request, csrf, _) = open(&app, &client_id, &challenge).await;

    // A forged form (wrong CSRF token) changes nothing.
    let r = submit(&app, &[("request", &request), ("csrf", "forged"), ("action", "allow")]).await;
    assert_eq!(r.status().as_u16(), 400);
    // Allow before signing in does not issue a code.
    let r = submit(&app, &[("request", &request), ("csrf", &csrf), ("action", "allow")]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("Sign in"));

    let page = submit(&app, &[("request", &request), ("csrf", &csrf), ("action", "email"), ("email", &app.coach.email_address.to_uppercase())]).await.text().await.unwrap();
    assert!(page.contains("Check your email"));
    let mails = read_outbox(&app.outbox());
    let mail = mails.iter().find(|m| m.subject.contains("sign-in code")).expect("a code was emailed");
    let code = mail.subject.rsplit(' ').next().unwrap().to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = submit(&app, &[("request", &request), ("csrf", &csrf), ("action", "code"), ("code", wrong)]).await.text().await.unwrap();
    assert!(page.contains("not right"));
    let page = submit(&app, &[("request", &request), ("csrf", &csrf), ("action", "code"), ("code", &code)]).await.text().await.unwrap();
    assert!(page.contains("Allow access?"), "{page}");
    let r = submit(&app, &[("request", &request), ("csrf", &csrf), ("action", "allow")]).await;
    assert_eq!(r.status().as_u16(), 303);

    // An address that is no coach's gets the same page and no email.
    let (request, csrf, _) = open(&app, &client_id, &challenge).await;
    let before = read_outbox(&app.outbox()).len();
    let page = submit(&app, &[("request", &request), ("csrf", &csrf), ("action", "email"), ("email", "nobody@example.com")]).await.text().await.unwrap();
    assert!(page.contains("Check your email"));
    assert_eq!(read_outbox(&app.outbox()).len(), before);

    // An unregistered redirect URI, an unknown client, plain PKCE: a page, never a redirect.
    for q in [
        format!("client_id={client_id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_type=code&code_challenge={challenge}&code_challenge_method=S256"),
        format!("client_id=dbc_unknown&redirect_uri={}&response_type=code&code_challenge={challenge}&code_challenge_method=S256", urlencode(REDIRECT)),
        format!("client_id={client_id}&redirect_uri={}&response_type=code&code_challenge={challenge}&code_challenge_method=plain", urlencode(REDIRECT)),
    ] {
        let r = http().get(format!("{}/oauth/authorize?{q}", app.base)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "{q}");
    }
}
