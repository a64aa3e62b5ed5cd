//! Sales calls (#17): a labelled call read by the sales profile and compared with its truth
//! file (written from the script before the analyser ran on it); the roles rules; the CLI.

use std::path::PathBuf;

use debrief::calls::debrief::{CallFacts, debrief, name};
use debrief::calls::signals::Side;
use debrief::transcript::Transcript;
use serde_json::Value;

fn data(file: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/calls").join(file)).unwrap()
}

/// The discovery call as `POST /v1/calls` takes it, for `coach`.
fn call_request(coach: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&data("discovery-brightpath.json")).unwrap();
    v["coachId"] = serde_json::json!(coach);
    v["transcript"] = serde_json::json!(data("discovery-brightpath.vtt"));
    v
}

/// A labelled call read by the sales profile, checked against its truth file.
fn reads_as_labelled(call: &str) -> (String, debrief::calls::debrief::Debrief) {
    let text = data(&format!("{call}.vtt"));
    let facts: CallFacts = serde_json::from_str(&data(&format!("{call}.json"))).unwrap();
    let truth: Value = serde_json::from_str(&data(&format!("{call}.truth.json"))).unwrap();
    let d = debrief(&Transcript::parse(&text, None).unwrap(), &facts).unwrap();

    for r in &d.roles {
        assert_eq!(truth["roles"][&r.speaker], name(&r.side), "{r:?}");
    }
    assert_eq!(truth["meetingType"], name(&d.meeting_type));
    assert!(d.meeting_type_inferred);
    assert_eq!(truth["sellerQuestions"], d.metrics.seller_questions, "{:#?}", d.seller_questions);

    let found: Vec<(String, String)> = d.buying_signals.iter().map(|b| (b.said.at.clone(), name(&b.kind))).collect();
    let want: Vec<(String, String)> = truth["buyingSignals"].as_array().unwrap().iter().map(|b| (b["at"].as_str().unwrap().into(), b["kind"].as_str().unwrap().into())).collect();
    assert_eq!(found, want, "{:#?}", d.buying_signals);

    let found: Vec<(String, String, bool)> = d.objections.iter().map(|o| (o.said.at.clone(), name(&o.kind), o.addressed.is_some())).collect();
    let want: Vec<(String, String, bool)> =
        truth["objections"].as_array().unwrap().iter().map(|o| (o["at"].as_str().unwrap().into(), o["kind"].as_str().unwrap().into(), o["addressed"].as_bool().unwrap())).collect();
    assert_eq!(found, want, "{:#?}", d.objections);
    // An answer is quoted verbatim from the seller's turn.
    for a in d.objections.iter().filter_map(|o| o.addressed.as_ref()) {
        assert_eq!(truth["roles"][&a.speaker], "seller", "{a:?}");
        assert!(text.contains(&a.quote), "{a:?}");
    }

    let found: Vec<(String, String, Option<String>)> = d.action_items.iter().map(|a| (a.said.at.clone(), a.owner.map(|o| name(&o)).unwrap_or_default(), a.due_date.clone())).collect();
    let want: Vec<(String, String, Option<String>)> = truth["actionItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["at"].as_str().unwrap().into(), a["owner"].as_str().unwrap().into(), a["dueDate"].as_str().map(str::to_string)))
        .collect();
    assert_eq!(found, want, "{:#?}", d.action_items);

    // Pains: every one found is labelled, and one is found where there are any (the built-in
    // reader misses the Brightpath call's quieter one).
    let pains: Vec<&str> = truth["pains"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(d.pains.iter().all(|p| pains.contains(&p.at.as_str())), "{:#?}", d.pains);
    assert_eq!(pains.is_empty(), d.pains.is_empty(), "{:#?}", d.pains);

    // Every quote is the transcript's own words; every point of the debrief has its evidence
    // or names the metric it rests on.
    for q in d.buying_signals.iter().map(|b| &b.said).chain(d.objections.iter().map(|o| &o.said)).chain(d.action_items.iter().map(|a| &a.said)) {
        assert!(text.contains(&q.quote), "{q:?}");
    }
    for p in d.went_well.iter().chain(&d.to_improve) {
        assert!(p.evidence.is_some() || p.text.contains('%') || p.text.contains("questions") || p.text.contains(" s"), "{p:?}");
    }
    let total: f64 = d.rubric.iter().map(|r| r.points).sum();
    assert!((total - d.score).abs() < 0.11, "{:?}", d.rubric);
    (text, d)
}

#[test]
fn the_discovery_call_reads_as_labelled() {
    let (_, d) = reads_as_labelled("discovery-brightpath");
    // 53 % talk (band 35–50) and 7 of 11–14 questions cost points; one objection open.
    assert!(d.score > 5.0 && d.score < 9.0, "{}", d.score);
}

/// A negotiation (inferred from its words): a competitor objection answered, a timing one met
/// with "Understood." and a next step — which does not answer it — and the buyer's "next week"
/// kept as said, with no date made up for it.
#[test]
fn the_negotiation_call_reads_as_labelled() {
    let (_, d) = reads_as_labelled("negotiation-northwind");
    let buyer_item = d.action_items.iter().find(|a| a.owner == Some(Side::Buyer)).unwrap();
    assert_eq!((buyer_item.due_said.as_deref(), buyer_item.due_date.as_deref()), (Some("next week"), None));
    assert!(d.to_improve.iter().any(|p| p.text.contains("timing objection unanswered")), "{:?}", d.to_improve);
}

/// A demo (inferred from its words): an implementation question, pricing and a pilot asked
/// for; the tool they already have answered, the budget-year timing not; the seller's "by
/// Monday" resolved against a Thursday.
#[test]
fn the_demo_call_reads_as_labelled() {
    let (_, d) = reads_as_labelled("demo-harbourline");
    assert!(d.to_improve.iter().any(|p| p.text.contains("timing objection unanswered")), "{:?}", d.to_improve);
}

#[test]
fn who_sells_comes_from_roles_then_email_domains_then_the_rep_and_never_a_guess() {
    let text = data("discovery-brightpath.vtt");
    let t = Transcript::parse(&text, None).unwrap();
    let unknown = debrief(&t, &CallFacts { call_date: "2026-11-25".into(), ..Default::default() }).unwrap_err();
    assert_eq!(unknown.field_name(), "participants");
    assert!(unknown.to_string().contains("Sam Patel") && unknown.to_string().contains("Jordan Lee"), "{unknown}");

    let by_domain: CallFacts = serde_json::from_value(serde_json::json!({
        "participants": [{"name": "Sam Patel", "email": "sam@acme-sales.example"}, {"name": "Jordan", "email": "jordan@brightpath.example"}],
        "sellerDomain": "acme-sales.example", "callDate": "2026-11-25"
    }))
    .unwrap();
    let d = debrief(&t, &by_domain).unwrap();
    assert!(d.roles.iter().all(|r| r.how == "email domain"));
    assert_eq!(d.roles.iter().find(|r| r.speaker == "Jordan Lee").map(|r| r.side), Some(Side::Buyer), "a first name matches its one participant");

    let by_rep = CallFacts { rep: Some("Sam Patel".into()), call_date: "2026-11-25".into(), ..Default::default() };
    let d = debrief(&t, &by_rep).unwrap();
    assert_eq!(d.roles.iter().map(|r| (r.side, r.how.as_str())).collect::<Vec<_>>(), vec![(Side::Seller, "rep"), (Side::Buyer, "rep")]);

    let bad_date = CallFacts { rep: Some("Sam Patel".into()), call_date: "next friday".into(), ..Default::default() };
    assert_eq!(debrief(&t, &bad_date).unwrap_err().field_name(), "callDate");
    let one_side = CallFacts { rep: Some("Nobody".into()), call_date: "2026-11-25".into(), ..Default::default() };
    assert_eq!(debrief(&t, &one_side).unwrap_err().field_name(), "participants");
}

#[test]
fn the_cli_prints_the_debrief_and_the_follow_up_draft() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/calls");
    let out = std::process::Command::new(debrief_tests::app::debrief_bin())
        .args(["analyze", "--profile", "sales-call"])
        .arg(dir.join("discovery-brightpath.vtt"))
        .arg("--call")
        .arg(dir.join("discovery-brightpath.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let body = v["followUp"]["body"].as_str().unwrap();
    assert_eq!(v["followUp"]["to"], "Jordan Lee");
    // The agreed next steps with their dates, the buyer's pain in their words, no invented date.
    assert!(body.contains("I will send you a one-page proposal with the numbers by Friday (2026-11-27)"), "{body}");
    assert!(body.contains("You will take it to Dana at your catch-up next Tuesday (2026-12-01)"), "{body}");
    assert!(body.contains("\"We're struggling to keep up with month-end"), "{body}");
    assert_eq!(v["debrief"]["actionItems"].as_array().unwrap().len(), 2);
}

mod over_http {
    use debrief_tests::app::{TestApp, mcp_tool, spawn_app};
    use debrief_tests::outbox::read_outbox;
    use serde_json::{Value, json};

    fn request(app: &TestApp) -> Value {
        super::call_request(&app.coach.coach_id)
    }

    async fn post(app: &TestApp, body: &Value) -> (u16, Value) {
        let r = debrief::net::client().post(format!("{}/v1/calls", app.base)).bearer_auth(&app.ingest_key).json(body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn get(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
        let r = debrief::net::client().get(format!("{}{path}", app.base)).bearer_auth(key).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Posted, analysed, read back; the follow-up reviewed with the workshop review API, the
    /// MCP tools and sent exactly once; the rep's trends.
    #[tokio::test]
    async fn a_call_is_debriefed_its_follow_up_reviewed_and_sent_once_and_counted_in_the_reps_trends() {
        let app = spawn_app().await;
        let (s, v) = post(&app, &request(&app)).await;
        assert_eq!(s, 202, "{v}");
        assert_eq!((v["status"].as_str(), v["created"].as_bool(), v["meetingType"].as_str()), (Some("completed"), Some(true), Some("discovery")), "{v}");
        let id = v["callId"].as_str().unwrap().to_string();
        assert!(id.starts_with("cl-") && v["statusUrl"].as_str().unwrap().ends_with(&format!("/v1/calls/{id}")));
        // The same call again: the stored one.
        let (s, again) = post(&app, &request(&app)).await;
        assert_eq!((s, again["callId"].as_str(), again["created"].as_bool()), (202, Some(id.as_str()), Some(false)));

        let (s, view) = get(&app, &app.ingest_key, &format!("/v1/calls/{id}")).await;
        assert_eq!(s, 200, "{view}");
        let d = &view["data"]["debrief"];
        assert_eq!(d["objections"].as_array().unwrap().len(), 2);
        assert_eq!(d["actionItems"][0]["dueDate"], "2026-11-27");
        assert_eq!(view["data"]["followUp"]["email"], "jordan@brightpath.example");
        assert_eq!(view["data"]["followUp"]["reviewStatus"], "pending");

        // The review: listed as a call, the buyer's draft read and sent once.
        let list = mcp_tool(&app, "list_workshops", json!({})).await;
        assert_eq!(list["structuredContent"]["workshops"][0]["kind"], "call", "{list}");
        let data = mcp_tool(&app, "get_workshop", json!({"sessionId": id})).await;
        let buyer = &data["structuredContent"]["participants"][0];
        assert_eq!(buyer["participantName"], "Jordan Lee");
        for round in 0..2 {
            let body = json!({"sessionId": id, "participantUpdates": [{"participantId": "buyer", "approvalStatus": "send_immediately"}]});
            let r = debrief::net::client().post(format!("{}/bulk-update", app.base)).bearer_auth(&app.coach_key).json(&body).send().await.unwrap();
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["data"]["results"][0]["outcome"], if round == 0 { "sent" } else { "already_sent" }, "{v}");
        }
        let sent: Vec<_> = read_outbox(&app.outbox()).into_iter().filter(|m| m.to.iter().any(|t| t == "jordan@brightpath.example")).collect();
        assert_eq!(sent.len(), 1, "sent exactly once");
        assert_eq!(sent[0].subject, "Following up: Brightpath invoice chasing");
        assert!(sent[0].body.contains("send you a one-page proposal with the numbers by Friday (2026-11-27)"), "{}", sent[0].body);
        let (_, view) = get(&app, &app.ingest_key, &format!("/v1/calls/{id}")).await;
        assert_eq!(view["data"]["followUp"]["reviewStatus"], "approved", "{view}");
        assert!(view["data"]["followUp"]["sentAt"].is_string(), "{view}");

        // The rep's trends, over HTTP and MCP; a period without the call counts none.
        let rep = &app.coach.coach_id;
        let (s, stats) = get(&app, &app.ingest_key, &format!("/v1/reps/{rep}/stats?from=2026-11-01&to=2026-11-30")).await;
        assert_eq!(s, 200, "{stats}");
        let st = &stats["data"];
        assert_eq!((st["calls"].as_u64(), st["objectionsMet"].as_u64(), st["objectionsAnswered"].as_u64()), (Some(1), Some(2), Some(1)), "{st}");
        assert_eq!(st["averageQuestionsPerCall"], 7.0);
        assert_eq!(st["byMeetingType"]["discovery"]["calls"], 1);
        assert_eq!(st["averageScore"], d["score"]);
        let (_, none) = get(&app, &app.ingest_key, &format!("/v1/reps/{rep}/stats?from=2026-12-01")).await;
        assert_eq!(none["data"]["calls"], 0);
        let (s, bad) = get(&app, &app.ingest_key, &format!("/v1/reps/{rep}/stats?from=last+week")).await;
        assert_eq!((s, bad["error"]["field"].as_str()), (400, Some("from")));
        let tool = mcp_tool(&app, "rep_stats", json!({"from": "2026-11-01"})).await;
        assert_eq!(tool["structuredContent"]["calls"], 1, "{tool}");
    }

    /// Bad input is a 400 naming the field, and nothing is stored.
    #[tokio::test]
    async fn bad_calls_are_refused_naming_the_field() {
        let app = spawn_app().await;
        let cases: Vec<(&str, Box<dyn Fn(&mut Value)>)> = vec![
            ("transcript", Box::new(|v| v.as_object_mut().unwrap().remove("transcript").map(|_| ()).unwrap())),
            ("callDate", Box::new(|v| v["callDate"] = json!("next friday"))),
            ("meetingType", Box::new(|v| v["meetingType"] = json!("coffee"))),
            ("participants", Box::new(|v| v["participants"] = json!([{"name": "Sam Patel"}, {"name": "Jordan Lee"}]))),
            ("participants[1].email", Box::new(|v| v["participants"][1]["email"] = json!("not-an-email"))),
            ("favouriteColour", Box::new(|v| v["favouriteColour"] = json!("blue"))),
            ("coachId", Box::new(|v| v.as_object_mut().unwrap().remove("coachId").map(|_| ()).unwrap())),
        ];
        for (field, change) in cases {
            let mut body = request(&app);
            change(&mut body);
            let (s, v) = post(&app, &body).await;
            assert_eq!((s, v["error"]["field"].as_str()), (400, Some(field)), "{field}: {v}");
        }
        let (s, _) = get(&app, &app.ingest_key, "/v1/calls/cl-0000000000000000").await;
        assert_eq!(s, 404);
        let list = mcp_tool(&app, "list_workshops", json!({})).await;
        assert_eq!(list["structuredContent"]["workshops"].as_array().unwrap().len(), 0, "nothing stored: {list}");
        // Multipart works as JSON does: the transcript as a file part.
        let req = request(&app);
        let form = reqwest::multipart::Form::new()
            .part("transcript", reqwest::multipart::Part::bytes(super::data("discovery-brightpath.vtt").into_bytes()).file_name("call.vtt"))
            .text("coachId", app.coach.coach_id.clone())
            .text("callDate", "2026-11-25")
            .text("participants", req["participants"].to_string());
        let r = debrief::net::client().post(format!("{}/v1/calls", app.base)).bearer_auth(&app.ingest_key).multipart(form).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 202, "{}", r.text().await.unwrap());
    }
}

mod with_a_model {
    use debrief_tests::app::spawn_app_with;
    use serde_json::Value;

    use super::call_request as request;

    /// The model's reading replaces the built-in one only where it checks out: an invented
    /// objection is dropped and counted, a due time the quote does not say is dropped, the
    /// answer is the seller's own later words; the score is recomputed from what stands.
    #[tokio::test]
    async fn the_models_reading_is_verified_against_the_transcript() {
        let (_llm, counters, env) = debrief_tests::llm_stand_in::start(std::time::Duration::from_millis(5), 0, 1).await;
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let app = spawn_app_with(&env).await;
        let r = debrief::net::client().post(format!("{}/v1/calls", app.base)).bearer_auth(&app.ingest_key).json(&request(&app.coach.coach_id)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 202);
        let id = r.json::<Value>().await.unwrap()["callId"].as_str().unwrap().to_string();
        assert_eq!(counters.calls.load(std::sync::atomic::Ordering::SeqCst), 1, "one model call per call");
        let v: Value = debrief::net::client().get(format!("{}/v1/calls/{id}", app.base)).bearer_auth(&app.ingest_key).send().await.unwrap().json().await.unwrap();
        let d = &v["data"]["debrief"];
        assert_eq!(d["reader"], "model:stand-in", "{d}");
        assert_eq!(d["droppedQuotes"], 1, "the invented objection: {d}");
        let objections = d["objections"].as_array().unwrap();
        assert_eq!(objections.len(), 1, "{objections:?}");
        assert_eq!(objections[0]["addressed"]["speaker"], "Sam Patel");
        let actions = d["actionItems"].as_array().unwrap();
        assert_eq!((actions[0]["owner"].as_str(), actions[0]["dueDate"].as_str()), (Some("seller"), Some("2026-11-27")));
        assert_eq!((actions[1]["owner"].as_str(), actions[1]["dueSaid"].as_str()), (Some("buyer"), None), "Monday was never said: {actions:?}");
        assert_eq!(d["buyingSignals"][0]["kind"], "budget");
        assert!(d["takeaways"].as_array().unwrap().iter().any(|t| t["text"] == "Budget is already set aside"));
        let total: f64 = d["rubric"].as_array().unwrap().iter().map(|p| p["points"].as_f64().unwrap()).sum();
        assert!((total - d["score"].as_f64().unwrap()).abs() < 0.11, "rescored: {d}");
    }

    /// A model that cannot answer leaves the built-in reading, and the debrief says why.
    #[tokio::test]
    async fn without_an_answer_the_built_in_reading_stands() {
        let (_llm, _, mut env) = debrief_tests::llm_stand_in::start(std::time::Duration::from_millis(5), 100, 2).await;
        env.retain(|(k, _)| k != "DEBRIEF_LLM_MAX_ATTEMPTS");
        env.push(("DEBRIEF_LLM_MAX_ATTEMPTS".into(), "1".into()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let app = spawn_app_with(&env).await;
        let r = debrief::net::client().post(format!("{}/v1/calls", app.base)).bearer_auth(&app.ingest_key).json(&request(&app.coach.coach_id)).send().await.unwrap();
        let id = r.json::<Value>().await.unwrap()["callId"].as_str().unwrap().to_string();
        let v: Value = debrief::net::client().get(format!("{}/v1/calls/{id}", app.base)).bearer_auth(&app.ingest_key).send().await.unwrap().json().await.unwrap();
        let d = &v["data"]["debrief"];
        assert_eq!(d["reader"], "builtin");
        assert!(d["fallbackReason"].as_str().is_some_and(|r| r.contains("model")), "{d}");
        assert_eq!(d["objections"].as_array().unwrap().len(), 2, "the built-in reading");
    }
}
