//! Webinar attendee reports and chat logs (any bytes, decoded as the platforms write them):
//! never a panic, and every score read is 0–100 with components 0–1; the drafts and the CSV
//! export of whatever was read never panic, and no exported cell starts a spreadsheet formula.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (report_bytes, chat_bytes) = data.split_at(data.len() / 2);
    let Ok(report_text) = debrief::webinar::text::decode("report", report_bytes) else { return };
    let chat_text = debrief::webinar::text::decode("chat", chat_bytes).ok();
    let chat = chat_text.as_deref().and_then(|t| debrief::webinar::parse_chat("chat", t).ok()).unwrap_or_default();
    let Ok(report) = debrief::webinar::parse_attendee_report("report", &report_text) else { return };
    let scores = debrief::webinar::score_webinar(&report, &chat);
    for e in scores.engagements() {
        assert!(e.score <= 100);
        let c = e.components;
        for v in [c.focus, c.attendance, c.chat, c.questions] {
            assert!((0.0..=1.0).contains(&v), "{c:?}");
        }
    }
    let fields = debrief::webinar::WebinarFields { title: report.info.topic.clone(), replay_url: Some("https://replay.example/r".into()), ..Default::default() };
    let (webinar, engagements) = debrief::webinar::WebinarSession::from_scores(fields, scores);
    let coach = debrief::domain::CoachProfile::anonymous();
    let drafts = debrief::webinar::intake::drafts("wb-fuzz", &coach, &webinar, engagements);
    let csv = debrief::webinar::export::to_csv(&drafts);
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    for record in reader.records() {
        for cell in record.expect("the export is valid CSV").iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
        }
    }
    // The webinar fields' JSON, read from the same bytes.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = debrief::webinar::WebinarFields::from_json(text);
    }
});
