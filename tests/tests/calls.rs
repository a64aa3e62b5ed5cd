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

#[test]
fn the_discovery_call_reads_as_labelled() {
    let text = data("discovery-brightpath.vtt");
    let facts: CallFacts = serde_json::from_str(&data("discovery-brightpath.json")).unwrap();
    let truth: Value = serde_json::from_str(&data("discovery-brightpath.truth.json")).unwrap();
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
    // The answer is quoted verbatim from the seller's turn.
    let answer = d.objections[0].addressed.as_ref().unwrap();
    assert_eq!(answer.speaker, "Sam Patel");
    assert!(text.contains(&answer.quote), "{answer:?}");

    let found: Vec<(String, String, Option<String>)> = d.action_items.iter().map(|a| (a.said.at.clone(), a.owner.map(|o| name(&o)).unwrap_or_default(), a.due_date.clone())).collect();
    let want: Vec<(String, String, Option<String>)> = truth["actionItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["at"].as_str().unwrap().into(), a["owner"].as_str().unwrap().into(), a["dueDate"].as_str().map(str::to_string)))
        .collect();
    assert_eq!(found, want, "{:#?}", d.action_items);

    // Pains: every one found is labelled (the built-in reader misses the quieter one).
    let pains: Vec<&str> = truth["pains"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(!d.pains.is_empty() && d.pains.iter().all(|p| pains.contains(&p.at.as_str())), "{:#?}", d.pains);

    // Every quote is the transcript's own words; every point of the debrief has its evidence
    // or names the metric it rests on.
    for q in d.buying_signals.iter().map(|b| &b.said).chain(d.objections.iter().map(|o| &o.said)).chain(d.action_items.iter().map(|a| &a.said)) {
        assert!(text.contains(&q.quote), "{q:?}");
    }
    for p in d.went_well.iter().chain(&d.to_improve) {
        assert!(p.evidence.is_some() || p.text.contains('%') || p.text.contains("questions") || p.text.contains(" s"), "{p:?}");
    }
    // 53 % talk (band 35–50) and 7 of 11–14 questions cost points; one objection open.
    assert!(d.score > 5.0 && d.score < 9.0, "{}", d.score);
    let total: f64 = d.rubric.iter().map(|r| r.points).sum();
    assert!((total - d.score).abs() < 0.11, "{:?}", d.rubric);
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
    assert_eq!(d.roles.iter().map(|r| (r.side, r.how)).collect::<Vec<_>>(), vec![(Side::Seller, "rep"), (Side::Buyer, "rep")]);

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
