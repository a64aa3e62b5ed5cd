//! Roster CSV/JSON and name normalisation: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = debrief::domain::Roster::parse(text);
    let _ = debrief::attendance::normalize_name(text);
    let _ = debrief::analysis::signals::classify(text);
    let _ = debrief::analysis::strip_avoid_phrases(text, &["just".into(), "Simply".into()]);
});
