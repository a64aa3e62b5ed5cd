//! The "review and send" links in the coach's email, over HTTP against `debrief serve`: a mail
//! scanner fetching every link (GET and HEAD) sends nothing; the page's form, with its CSRF
//! token, sends the edited text once; used and expired links say so.

use std::time::Duration;

use debrief_tests::app::{TestApp, spawn_app, spawn_app_with};
use debrief_tests::outbox::read_outbox;
use serde_json::Value;

async fn coach_email_links(app: &TestApp) -> (String, Vec<String>) {
    let r = debrief::net::client().post(format!("{}/v1/workshops", app.base)).bearer_auth(&app.ingest_key).json(&app.sample_workshop()).send().await.unwrap();
    let sid = r.json::<Value>().await.unwrap()["sessionId"].as_str().unwrap().to_string();
    app.wait_notified(&sid, Duration::from_secs(30)).await;
    let mails = read_outbox(&app.outbox());
    let summary = mails.iter().find(|m| m.subject.starts_with("Debrief:")).expect("the coach's email");
    let links: Vec<String> = summary
        .body
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .filter(|w| w.starts_with(&format!("{}/review/", app.base)))
        .map(str::to_string)
        .collect();
    assert!(!links.is_empty(), "links in {}", summary.body);
    (sid, links)
}

fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in ["csrf", "participant_id"] {
        let marker = format!("name=\"{name}\" value=\"");
        if let Some(i) = html.find(&marker) {
            let v = html[i + marker.len()..].split('"').next().unwrap();
            out.push((name.to_string(), v.replace("&amp;", "&")));
        }
    }
    out
}

#[tokio::test]
async fn scanners_send_nothing_and_the_form_sends_once() {
    let app = spawn_app().await;
    let (sid, links) = coach_email_links(&app).await;
    let before = read_outbox(&app.outbox()).len();
    let http = debrief::net::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // A scanner: every link, GET and HEAD, twice.
    for _ in 0..2 {
        for l in &links {
            assert_eq!(http.get(l).send().await.unwrap().status().as_u16(), 200);
            assert_eq!(http.head(l).send().await.unwrap().status().as_u16(), 200);
        }
    }
    assert_eq!(read_outbox(&app.outbox()).len(), before, "opening links sends nothing");

    // One participant's link: the page shows the draft; a POST without the page's token fails.
    let one = links.iter().find(|l| *l != &links[0]).unwrap_or(&links[0]).clone();
    let html = http.get(&one).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<textarea") && html.contains("Send to"), "{html}");
    let fields = form_fields(&html);
    let pid = fields.iter().find(|(k, _)| k == "participant_id").unwrap().1.clone();
    let r = http.post(&one).form(&[("csrf", "forged"), ("participant_id", pid.as_str()), ("email", "x")]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(read_outbox(&app.outbox()).len(), before);

    let edited = "Hi there,\nThank you for today — your plan is great.\nMaya";
    let mut form = fields.clone();
    form.push(("email".into(), edited.into()));
    let r = http.post(&one).form(&form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("on its way"));
    let mails = read_outbox(&app.outbox());
    assert_eq!(mails.len(), before + 1);
    assert!(mails.iter().any(|m| m.body.contains("your plan is great")), "the edited text was sent");
    let stored = app.repo().get_participant(&sid, &pid).await.unwrap().unwrap().value;
    assert!(stored.email_sent_at.is_some());

    // Pressing Send again (or the session link's form for the same person): nothing more.
    let r = http.post(&one).form(&form).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("already sent"));
    let page = http.get(&one).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Sent ") && !page.contains("<textarea"), "{page}");
    assert_eq!(read_outbox(&app.outbox()).len(), before + 1);

    // A link with a byte changed is not valid.
    let mut forged = one.clone();
    forged.insert(forged.len() - 3, 'A');
    assert_eq!(http.get(&forged).send().await.unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let app = spawn_app_with(&[("DEBRIEF_LINK_TTL_SECS", "1")]).await;
    let (_, links) = coach_email_links(&app).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = debrief::net::client().get(&links[0]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 410);
    assert!(r.text().await.unwrap().contains("expired"));
}
