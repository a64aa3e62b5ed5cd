//! Webinars over HTTP against `debrief serve`: a Zoom attendee report and chat (rejoins, a
//! guest without email, panelists, emoji and accents, a CSV-injection name) uploaded, scored,
//! tiered and drafted; the drafts reviewed and sent once through the coach's review API; the
//! export safe to open in a spreadsheet; hostile uploads answered with the field at fault.

use std::path::PathBuf;

use debrief_tests::app::{TestApp, spawn_app};
use debrief_tests::outbox::read_outbox;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/webinar");
    std::fs::read(dir.join(name)).unwrap()
}

fn fields(app: &TestApp) -> Value {
    let mut w: Value = serde_json::from_slice(&fixture("webinar.json")).unwrap();
    w["coachId"] = json!(app.coach.coach_id);
    w
}

fn form(attendees: Option<(&str, Vec<u8>)>, chat: Option<Vec<u8>>, webinar: Option<String>) -> Form {
    let mut f = Form::new();
    if let Some((name, bytes)) = attendees {
        f = f.part("attendees", Part::bytes(bytes).file_name(name.to_string()).mime_str("text/csv").unwrap());
    }
    if let Some(c) = chat {
        f = f.part("chat", Part::bytes(c).file_name("chat.txt").mime_str("text/plain").unwrap());
    }
    if let Some(w) = webinar {
        f = f.part("webinar", Part::text(w).mime_str("application/json").unwrap());
    }
    f
}

async fn upload(app: &TestApp, key: &str, form: Form) -> (u16, Option<String>, Value) {
    let r = debrief::net::client().post(format!("{}/v1/webinars", app.base)).bearer_auth(key).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    (status, location, r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let r = debrief::net::client().get(format!("{}{path}", app.base)).bearer_auth(key).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn zoom_webinar(app: &TestApp) -> String {
    let f = form(Some(("zoom-attendees.csv", fixture("zoom-attendees.csv"))), Some(fixture("zoom-chat.txt")), Some(fields(app).to_string()));
    let (s, location, v) = upload(app, &app.ingest_key, f).await;
    assert_eq!(s, 201, "{v}");
    let id = v["data"]["webinarId"].as_str().unwrap().to_string();
    assert!(location.is_some_and(|l| l.ends_with(&format!("/v1/webinars/{id}"))));
    id
}

#[tokio::test]
async fn upload_review_send_once_and_export() {
    let app = spawn_app().await;
    let id = zoom_webinar(&app).await;

    // The same upload again: the stored webinar, nothing changed.
    let f = form(Some(("zoom-attendees.csv", fixture("zoom-attendees.csv"))), Some(fixture("zoom-chat.txt")), Some(fields(&app).to_string()));
    let (s, _, again) = upload(&app, &app.ingest_key, f).await;
    assert_eq!((s, again["data"]["created"].as_bool()), (200, Some(false)), "{again}");
    assert_eq!(again["data"]["webinarId"], id.as_str());
    assert_eq!(again["data"]["tiers"], json!({"Hot": 2, "Warm": 2, "Cool": 2, "Cold": 2, "No-show": 2}));
    assert_eq!(again["data"]["unmatchedChat"], 1);

    // The coach is emailed once: the tiers and the Hot attendees with their review links.
    let coach_mails: Vec<_> = read_outbox(&app.outbox()).into_iter().filter(|m| m.subject.starts_with("Debrief: Price With Confidence")).collect();
    assert_eq!(coach_mails.len(), 1, "{:?}", coach_mails.iter().map(|m| &m.subject).collect::<Vec<_>>());
    assert!(coach_mails[0].subject.contains("2 priority follow-ups"), "{}", coach_mails[0].subject);
    assert!(coach_mails[0].body.contains("Hot 2, Warm 2, Cool 2, Cold 2, No-show 2"), "{}", coach_mails[0].body);
    assert!(coach_mails[0].body.contains(&format!("{}/review/", app.base)), "review links in the coach's email");

    let (s, overview) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}")).await;
    assert_eq!(s, 200, "{overview}");
    let o = &overview["data"];
    assert_eq!((o["title"].as_str(), o["hostedOn"].as_str(), o["registrants"].as_u64()), (Some("Price With Confidence"), Some("2026-04-26"), Some(10)));
    assert_eq!(o["platform"], "zoom");
    assert_eq!(o["review"], json!({"pending": 10}));
    assert_eq!(o["unmatchedChat"][0]["sender"], "Random Viewer", "chat from someone not on the report is reported");

    // Attendees by score; the rejoining Zoë is one person with both sessions' minutes.
    let (s, page) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}/attendees?sort=score")).await;
    assert_eq!(s, 200, "{page}");
    let rows = page["data"]["attendees"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert!(rows.windows(2).all(|w| w[0]["score"].as_u64() >= w[1]["score"].as_u64()));
    assert_eq!((rows[0]["name"].as_str(), rows[0]["tier"].as_str()), (Some("Priya Nair"), Some("Hot")));
    assert_eq!(rows[0]["questions"].as_array().unwrap().len(), 2, "{}", rows[0]);
    let zoe = rows.iter().find(|r| r["name"].as_str().unwrap().starts_with("Zoë")).unwrap();
    assert_eq!(zoe["minutes"], 57.0);
    let fatima = rows.iter().find(|r| r["name"] == "Fatima Al Mansoori").unwrap();
    assert_eq!(fatima["questions"], json!([]), "a rhetorical question is not a question");
    assert!(rows.iter().all(|r| r["components"]["focusEstimated"] == true), "Zoom reports no attentiveness");
    let (_, no_shows) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}/attendees?tier=no-show")).await;
    assert_eq!(no_shows["data"]["total"], 2);
    assert!(no_shows["data"]["attendees"][0]["emailDraft"].as_str().unwrap().contains("We missed you at Price With Confidence"));
    let (s, bad) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}/attendees?sort=loudest")).await;
    assert_eq!((s, bad["error"]["field"].as_str()), (400, Some("sort")));

    // The coach reviews with the workshop review API: Hot first, tier and score shown.
    let (s, data) = get(&app, &app.coach_key, &format!("/workshop-data/{id}")).await;
    assert_eq!(s, 200, "{data}");
    let first = &data["data"]["participants"][0];
    assert_eq!((first["participantName"].as_str(), first["tier"].as_str(), first["engagementScore"].as_u64()), (Some("Priya Nair"), Some("Hot"), Some(100)));
    assert!(first["emailDraft"].as_str().unwrap().contains("The Pricing Lab"), "{first}");
    let priya = first["participantId"].as_str().unwrap().to_string();
    let bjorn = data["data"]["participants"].as_array().unwrap().iter().find(|p| p["participantName"] == "Björn 🎸").unwrap()["participantId"].as_str().unwrap().to_string();

    let body = json!({"sessionId": id, "participantUpdates": [
        {"participantId": priya, "finalEmail": "Hi Priya,\nYes: the Lab fits you. Reply and I'll hold a place.\nMaya", "approvalStatus": "send_immediately"},
        {"participantId": bjorn, "approvalStatus": "send_immediately"}
    ]});
    for round in 0..2 {
        let r = debrief::net::client().post(format!("{}/bulk-update", app.base)).bearer_auth(&app.coach_key).json(&body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: Value = r.json().await.unwrap();
        let outcome = |pid: &str| v["data"]["results"].as_array().unwrap().iter().find(|r| r["participantId"] == pid).unwrap()["outcome"].clone();
        assert_eq!(outcome(&priya), if round == 0 { "sent" } else { "already_sent" }, "{v}");
        assert_eq!(outcome(&bjorn), "send_failed", "a guest without email cannot be sent to: {v}");
    }
    let to_priya: Vec<_> = read_outbox(&app.outbox()).into_iter().filter(|m| m.to.iter().any(|t| t == "priya.nair@studio.example")).collect();
    assert_eq!(to_priya.len(), 1, "sent exactly once");
    assert_eq!(to_priya[0].subject, "The Pricing Lab: your next step after Price With Confidence");
    assert!(to_priya[0].body.contains("the Lab fits you"), "the coach's edit is what is sent");

    // The export: a download link, and the CSV as the review stands.
    let r = debrief::net::client().post(format!("{}/v1/webinars/{id}/export", app.base)).bearer_auth(&app.ingest_key).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let export: Value = r.json().await.unwrap();
    assert_eq!(export["data"]["rows"], 10);
    let path = export["data"]["path"].as_str().unwrap();
    let url = export["data"]["downloadUrl"].as_str().unwrap();
    assert!(url.ends_with(&format!("/v1/webinars/{id}/export.csv")), "{url}");
    let r = debrief::net::client().get(format!("{}{url}", if url.starts_with("http") { "" } else { app.base.as_str() })).bearer_auth(&app.ingest_key).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv_bytes = r.bytes().await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), csv_bytes.to_vec(), "the stored file is the download");
    assert!(csv_bytes.starts_with("\u{feff}name,email,tier,score".as_bytes()));
    let mut reader = csv::Reader::from_reader(&csv_bytes[3..]);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 10);
    let mallory = records.iter().find(|r| r[col("email")] == *"mallory@evil.example").unwrap();
    assert!(mallory[col("name")].starts_with("'=HYPERLINK("), "a formula is shown as text: {:?}", &mallory[col("name")]);
    let p = records.iter().find(|r| r[col("email")] == *"priya.nair@studio.example").unwrap();
    assert_eq!((&p[col("status")], &p[col("edited")], &p[col("tier")]), ("sent", "yes", "Hot"));
    assert!(p[col("body")].contains("the Lab fits you"));
    let guest = records.iter().find(|r| r[col("name")].starts_with("Björn")).unwrap();
    assert_eq!(&guest[col("email")], "");
    assert!(records.iter().all(|r| !r.iter().any(|c| c.starts_with(['=', '+', '-', '@']))), "no cell starts a formula");
}

#[tokio::test]
async fn a_goto_report_uses_its_attentiveness_and_keys_see_only_their_coach() {
    let app = spawn_app().await;
    let f = form(Some(("goto.csv", fixture("goto-attendees.csv"))), None, Some(json!({"coachId": app.coach.coach_id, "title": "Pricing Clinic"}).to_string()));
    let (s, _, v) = upload(&app, &app.ingest_key, f).await;
    assert_eq!(s, 201, "{v}");
    let id = v["data"]["webinarId"].as_str().unwrap().to_string();
    let (_, page) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}/attendees")).await;
    let sarah = &page["data"]["attendees"][0];
    assert_eq!((sarah["name"].as_str(), sarah["components"]["focus"].as_f64(), sarah["components"]["focusEstimated"].as_bool()), (Some("Sarah Dubois"), Some(0.92), Some(false)));

    // A key bound to another coach neither sees nor posts for this coach.
    let other = debrief::repo::generate_api_key(debrief::repo::KeyScope::Ingest);
    app.repo().add_api_key(&other, debrief::repo::KeyScope::Ingest, Some("someone-else"), None).await.unwrap();
    let (s, v) = get(&app, &other, &format!("/v1/webinars/{id}")).await;
    assert_eq!(s, 404, "{v}");
    let f = form(Some(("goto.csv", fixture("goto-attendees.csv"))), None, Some(json!({"coachId": app.coach.coach_id}).to_string()));
    let (s, _, v) = upload(&app, &other, f).await;
    assert_eq!((s, v["error"]["field"].as_str()), (400, Some("coachId")), "{v}");
    let (s, _) = get(&app, &app.coach_key, &format!("/v1/webinars/{id}")).await;
    assert_eq!(s, 403, "a coach key is not an ingest key");
}

#[tokio::test]
async fn hostile_uploads_are_refused_naming_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let w = || Some(fields(&app).to_string());
    let chat = || Some(fixture("zoom-chat.txt"));
    let report = fixture("zoom-attendees.csv");
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(String::from_utf8(report[3..].to_vec()).unwrap().encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let mut huge = report.clone();
    huge.resize(10 * 1024 * 1024 + 1, b'\n');
    let truncated = report[..report.len() / 3].to_vec();
    let cases: Vec<(&str, Form, &str, &str)> = vec![
        ("a meeting report", form(Some(("meeting.csv", fixture("zoom-meeting-report.csv"))), chat(), w()), "attendees", "meeting"),
        ("no report", form(None, chat(), w()), "attendees", "required"),
        ("no fields", form(Some(("a.csv", report.clone())), chat(), None), "webinar", "coachId"),
        ("a bad replay link", form(Some(("a.csv", report.clone())), chat(), Some(json!({"coachId": app.coach.coach_id, "replayUrl": "javascript:alert(1)"}).to_string())), "webinar.replayUrl", "https"),
        ("an unknown coach", form(Some(("a.csv", report.clone())), chat(), Some(json!({"coachId": "nobody"}).to_string())), "coachId", "nobody"),
        ("binary chat", form(Some(("a.csv", report.clone())), Some(vec![0xC3, 0x28, 0xFF]), w()), "chat", "UTF-8"),
        ("over 10 MB", form(Some(("big.csv", huge)), chat(), w()), "attendees", "10 MB"),
        ("truncated UTF-16", form(Some(("u16.csv", utf16[..utf16.len() - 1].to_vec())), chat(), w()), "attendees", "UTF-16"),
        ("cut short", form(Some(("cut.csv", truncated)), chat(), w()), "attendees", "cut.csv"),
    ];
    for (what, f, field, says) in cases {
        let (s, _, v) = upload(&app, &app.ingest_key, f).await;
        assert_eq!((s, v["error"]["field"].as_str()), (400, Some(field)), "{what}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains(says), "{what}: {v}");
    }
    // UTF-16 with its byte-order mark is how some exports come: accepted.
    let (s, _, v) = upload(&app, &app.ingest_key, form(Some(("u16.csv", utf16)), chat(), w())).await;
    assert_eq!(s, 201, "{v}");
    let r = debrief::net::client().post(format!("{}/v1/webinars", app.base)).bearer_auth(&app.ingest_key).json(&json!({"attendees": "x"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let (_, list) = get(&app, &app.coach_key, "/workshops").await;
    assert_eq!(list["data"]["workshops"].as_array().unwrap().len(), 1, "only the good upload is stored: {list}");
}

/// The MCP tools work on a webinar as on a workshop: listed with its kind, read Hot first
/// with tier and score, and a registrant's follow-up sent once.
#[tokio::test]
async fn a_coach_reviews_a_webinar_over_mcp() {
    let app = spawn_app().await;
    let id = zoom_webinar(&app).await;
    let list = debrief_tests::app::mcp_tool(&app, "list_workshops", json!({})).await;
    let item = &list["structuredContent"]["workshops"][0];
    assert_eq!((item["sessionId"].as_str(), item["kind"].as_str()), (Some(id.as_str()), Some("webinar")), "{list}");
    let data = debrief_tests::app::mcp_tool(&app, "get_workshop", json!({"sessionId": id})).await;
    let people = data["structuredContent"]["participants"].as_array().unwrap().clone();
    assert_eq!(people.len(), 10, "{data}");
    assert_eq!((people[0]["participantName"].as_str(), people[0]["tier"].as_str()), (Some("Priya Nair"), Some("Hot")));
    let priority = data["structuredContent"]["priorityClients"].as_array().unwrap();
    assert_eq!(priority.len(), 2, "the Hot attendees");
    // After the Hot ones, by score.
    let scores: Vec<u64> = people.iter().map(|p| p["engagementScore"].as_u64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let jose = people.iter().find(|p| p["participantName"] == "José García").unwrap()["participantId"].clone();
    for round in 0..2 {
        let sent = debrief_tests::app::mcp_tool(&app, "approve_and_send", json!({"sessionId": id, "participants": [{"participantId": jose}]})).await;
        assert_eq!(sent["structuredContent"]["results"][0]["outcome"], if round == 0 { "sent" } else { "already_sent" }, "{sent}");
    }
    let to_jose = read_outbox(&app.outbox()).into_iter().filter(|m| m.to.iter().any(|t| t == "jose@fitlab.example")).count();
    assert_eq!(to_jose, 1);
}

/// With a model configured, the top Hot and Warm registrants' drafts are the model's, checked:
/// one that invents a link keeps the built-in draft, marked with why; the others are built-in.
#[tokio::test]
async fn the_model_writes_hot_and_warm_drafts_and_an_invented_link_is_refused() {
    let (_llm, counters, env) = debrief_tests::llm_stand_in::start(std::time::Duration::from_millis(20), 0, 3).await;
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = debrief_tests::app::spawn_app_with(&env).await;
    let id = zoom_webinar(&app).await;
    assert_eq!(counters.calls.load(std::sync::atomic::Ordering::SeqCst), 4, "the two Hot and two Warm registrants");
    let participants = app.repo().list_participants(&id).await.unwrap();
    let by = |name: &str| participants.iter().map(|v| &v.value).find(|p| p.participant_name.starts_with(name)).unwrap().clone();
    let priya = by("Priya");
    assert_eq!(priya.analyser.kind, debrief::domain::AnalyserKind::Llm, "{:?}", priya.analyser);
    assert_eq!(priya.generated_email_subject, "[model] Priya, your next step");
    assert!(priya.generated_email.contains("You asked: \"What should I charge") && priya.generated_email.contains("The Pricing Lab is $497."), "{}", priya.generated_email);
    let jose = by(debrief_tests::llm_stand_in::INVENTS_A_LINK);
    assert_eq!(jose.analyser.kind, debrief::domain::AnalyserKind::Builtin);
    assert_eq!(jose.analyser.fallback_reason.as_deref(), Some("a link that is not the replay link"));
    assert!(!jose.generated_email.contains("calendar.example") && jose.generated_email.contains("The Pricing Lab"), "the built-in draft stands");
    let fatima = by("Fatima");
    assert_eq!(fatima.analyser.kind, debrief::domain::AnalyserKind::Llm, "Warm too");
    let chen = by("Chen");
    assert_eq!((chen.analyser.kind, chen.analyser.fallback_reason.as_deref()), (debrief::domain::AnalyserKind::Builtin, None), "Cold: the template");
}

/// The signed links in the coach's webinar email: a Hot attendee's page shows their draft,
/// and its form sends the coach's edit once.
#[tokio::test]
async fn a_hot_attendees_link_sends_the_edited_draft_once() {
    let app = spawn_app().await;
    let id = zoom_webinar(&app).await;
    let mail = read_outbox(&app.outbox()).into_iter().find(|m| m.subject.starts_with("Debrief: Price With Confidence")).unwrap();
    let links: Vec<String> = mail.body.split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>').filter(|w| w.starts_with(&format!("{}/review/", app.base))).map(str::to_string).collect();
    let http = debrief::net::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut priya_page = None;
    for l in &links {
        let html = http.get(l).send().await.unwrap().text().await.unwrap();
        if html.contains("priya.nair@studio.example") && html.contains("<textarea") && !html.contains("jose@fitlab.example") {
            priya_page = Some((l.clone(), html));
        }
    }
    let (link, html) = priya_page.expect("a link to Priya's draft alone");
    assert!(html.contains("The Pricing Lab"), "the webinar draft is on the page");
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let i = html.find(&marker).unwrap();
        html[i + marker.len()..].split('"').next().unwrap().replace("&amp;", "&")
    };
    let form = [("csrf", field("csrf")), ("participant_id", field("participant_id")), ("email", "Hi Priya,\nA place in the Lab is yours if you want it.\nMaya".to_string())];
    for _ in 0..2 {
        assert_eq!(http.post(&link).form(&form).send().await.unwrap().status().as_u16(), 200);
    }
    let sent: Vec<_> = read_outbox(&app.outbox()).into_iter().filter(|m| m.to.iter().any(|t| t == "priya.nair@studio.example")).collect();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains("A place in the Lab is yours"));
    let (_, page) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}")).await;
    assert_eq!(page["data"]["review"]["sent"], 1);
}

/// One registrant who pastes an essay many times, and a stranger who does too: the webinar is
/// stored (the kept chat is cut to fit the store's item limit) and the score still counts it all.
#[tokio::test]
async fn a_flood_of_long_chat_is_stored_cut_and_counted() {
    let app = spawn_app().await;
    let essay = "word ".repeat(20_000);
    let mut chat = String::from_utf8(fixture("zoom-chat.txt")).unwrap();
    for i in 0..40 {
        chat.push_str(&format!("10:{:02}:00 From Chen Wei to Everyone:\n\tHow do I {essay}?\n10:{:02}:30 From Someone Else to Everyone:\n\t{essay}\n", 10 + i % 40, 10 + i % 40));
    }
    let f = form(Some(("zoom-attendees.csv", fixture("zoom-attendees.csv"))), Some(chat.into_bytes()), Some(fields(&app).to_string()));
    let (s, _, v) = upload(&app, &app.ingest_key, f).await;
    assert_eq!(s, 201, "{v}");
    let id = v["data"]["webinarId"].as_str().unwrap().to_string();
    let (_, page) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}/attendees")).await;
    let chen = page["data"]["attendees"].as_array().unwrap().iter().find(|a| a["name"] == "Chen Wei").unwrap().clone();
    assert_eq!(chen["components"]["chat"], 1.0, "the most active in chat");
    assert_eq!(chen["messages"], 40, "every message counted");
    assert_eq!(chen["questions"].as_array().unwrap().len(), 20, "twenty kept");
    assert!(chen["questions"][0].as_str().unwrap().chars().count() <= 1_001);
    let (_, overview) = get(&app, &app.ingest_key, &format!("/v1/webinars/{id}")).await;
    assert_eq!(overview["data"]["unmatchedChatTotal"], 41);
}
