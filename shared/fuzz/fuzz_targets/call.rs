//! Any text as a sales call, the first speaker as the rep: the sales profile never panics,
//! its score stays 0–10 and inside its rubric, every quote is the transcript's own words, a due
//! date is given only with a time said, and the follow-up draft renders.
#![no_main]

use debrief::calls::debrief::{CallFacts, debrief};
use debrief::transcript::Transcript;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(t) = Transcript::parse(text, None) else { return };
    let Some(rep) = t.utterances.iter().find_map(|u| u.speaker.as_deref()).map(str::to_string) else { return };
    let facts = CallFacts { rep: Some(rep.clone()), call_date: "2026-11-25".into(), ..Default::default() };
    let Ok(d) = debrief(&t, &facts) else { return };
    assert!((0.0..=10.0).contains(&d.score), "{}", d.score);
    let total: f64 = d.rubric.iter().map(|p| p.points).sum();
    assert!((total - d.score).abs() < 0.11);
    for q in d.buying_signals.iter().map(|b| &b.said).chain(d.objections.iter().map(|o| &o.said)).chain(d.action_items.iter().map(|a| &a.said)) {
        assert!(t.utterances.iter().any(|u| u.text.contains(q.quote.as_str())), "{q:?}");
    }
    for a in &d.action_items {
        assert!(a.due_date.is_none() || a.due_said.is_some());
    }
    let buyer = d.roles.iter().find(|r| r.speaker != rep).map(|r| r.speaker.clone()).unwrap_or_default();
    let (_, body) = debrief::calls::follow_up::write(&d, &rep, &buyer, None);
    assert!(body.contains(&rep));
});
