//! `debrief analyze` as a user runs it.

use std::process::{Command, Output};

fn debrief(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .env_remove("DEBRIEF_LLM_MODEL")
        .env_remove("OPENAI_MODEL")
        .output()
        .expect("debrief runs")
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("debrief-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn sample_json_has_the_data_model_fields() {
    let out = debrief(&["analyze", "--sample", "--date", "2026-11-20", "--cohort", "Lab"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["session"];
    for f in ["sessionId", "workshopDate", "cohortName", "coachId", "participantCount", "processingStatus", "completedAt", "priorityClientIds", "chatGptSessionUrl", "emailNotificationSent"] {
        assert!(s.get(f).is_some(), "session.{f}");
    }
    assert_eq!(s["workshopDate"], "2026-11-20");
    assert_eq!(s["processingStatus"], "completed");
    assert_eq!(s["participantCount"], 5);
    let p = &v["participants"][0];
    for f in ["participantId", "sessionId", "participantName", "engagementLevel", "speakingTimePercentage", "keyWins", "keyWinsEvidence", "challengesMentioned", "challengesMentionedEvidence", "actionItems", "actionItemsEvidence", "coachRecommendations", "urgencyIndicators", "urgencyIndicatorsEvidence", "generatedSummary", "generatedEmail", "coachReviewStatus", "finalEmailContent", "emailSentAt", "stats", "analyser"] {
        assert!(p.get(f).is_some(), "participant.{f}");
    }
    assert_eq!(p["participantName"], "Priya Nair");
    assert_eq!(p["analyser"]["kind"], "builtin");
    assert!(p["urgencyIndicators"][0].is_string(), "findings are strings, as the seed's mappings expect");
    assert_eq!(p["urgencyIndicatorsEvidence"][0]["timestamp"], "00:01:06.920");
    // The same input gives the same session id.
    let again: serde_json::Value = serde_json::from_slice(&debrief(&["analyze", "--sample"]).stdout).unwrap();
    assert_eq!(again["session"]["sessionId"], s["sessionId"]);
}

#[test]
fn text_table_lists_priorities() {
    let out = debrief(&["analyze", "--sample", "--format", "text"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Priority follow-ups:"));
    assert!(text.contains("1. Priya Nair: Urgent"));
}

#[test]
fn bad_input_is_one_line_and_a_failure() {
    let roster = temp_file("roster.csv", "name,email,hubspotContactId\nAnn Lee,ann@example.com,1\n");
    let bad_vtt = temp_file("bad.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:0x.000\nAnn Lee: hello\n");
    let no_id_roster = temp_file("noid.csv", "name,email\nAnn Lee,ann@example.com\n");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["analyze", bad_vtt.to_str().unwrap(), "--roster", roster.to_str().unwrap()], "transcript line 4: malformed cue timing"),
        (vec!["analyze", bad_vtt.to_str().unwrap()], "a roster is needed"),
        (vec!["analyze", "/nonexistent.vtt", "--roster", roster.to_str().unwrap()], "/nonexistent.vtt"),
        (vec!["analyze", bad_vtt.to_str().unwrap(), "--roster", no_id_roster.to_str().unwrap()], "hubspotContactId"),
        (vec!["analyze", "--sample", "--date", "yesterday"], "--date"),
    ];
    for (args, expected) in cases {
        let out = debrief(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("debrief: error: ") && err.contains(expected), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}
