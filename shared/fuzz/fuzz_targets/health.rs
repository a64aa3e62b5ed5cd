//! Client health's inputs: any text as the clients CSV and as an event's JSON, then scored
//! and, where a drop or a flag calls for it, an intervention drafted — never a panic, every
//! dimension, total and risk 0–100, and an event applies once.
#![no_main]

use debrief::health::interventions::intervention_for;
use debrief::health::{Day, HealthConfig, HealthEvent, import, score_client};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mid = (text.len() / 2..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
    let (csv, event) = text.split_at(mid);
    let config = HealthConfig::default();
    let today = Day::parse("2026-11-28").unwrap();
    let Ok(mut clients) = import::read_clients(csv) else { return };
    let event: Option<HealthEvent> = serde_json::from_str(event).ok();
    for c in &mut clients {
        if let Some(e) = &event
            && let Ok(day) = e.check(&config, today)
        {
            c.apply(e, day);
            assert!(!c.apply(e, day), "an event applies once");
        }
        let s = score_client(c, today, &config);
        let d = s.dimensions;
        for v in [d.engagement, d.financial, d.relationship, d.package, d.momentum, s.total, s.churn_risk] {
            assert!(v <= 100, "{s:?}");
        }
        if let Some(iv) = intervention_for(c, &s, "Coach") {
            assert!(!iv.body.is_empty() && !iv.cause.is_empty());
        }
        c.record(s.point());
    }
});
