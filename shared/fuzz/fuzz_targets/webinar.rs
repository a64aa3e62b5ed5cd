//! Webinar attendee reports and chat logs (any bytes, decoded as the platforms write them):
//! never a panic, and every score read is 0–100 with components 0–1.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (report_bytes, chat_bytes) = data.split_at(data.len() / 2);
    let Ok(report_text) = debrief::webinar::text::decode("report", report_bytes) else { return };
    let chat = debrief::webinar::text::decode("chat", chat_bytes).ok().and_then(|t| debrief::webinar::parse_chat("chat", &t).ok()).unwrap_or_default();
    let Ok(report) = debrief::webinar::parse_attendee_report("report", &report_text) else { return };
    let scores = debrief::webinar::score_webinar(&report, &chat);
    for e in &scores.engagements {
        assert!(e.score <= 100);
        let c = e.components;
        for v in [c.focus, c.attendance, c.chat, c.questions] {
            assert!((0.0..=1.0).contains(&v), "{c:?}");
        }
    }
});
