//! Any text through both parsers, the stats and the roster matcher: never a panic, and the
//! streaming statistics (with the fast WebVTT lane) are exactly the collected utterances'.
#![no_main]

use debrief::transcript::{Transcript, TranscriptFormat, stream_stats};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [Some(TranscriptFormat::Vtt), Some(TranscriptFormat::Plain), None] {
        let streamed = stream_stats(text, format);
        match Transcript::parse(text, format) {
            Ok(t) => {
                for u in &t.utterances {
                    assert!(u.end_ms >= u.start_ms);
                }
                assert_eq!(streamed.expect("streaming agrees"), t.stats());
                let coach = debrief::domain::CoachProfile::anonymous();
                let roster = debrief::domain::Roster(vec![debrief::domain::RosterEntry {
                    name: "Ann Lee".into(),
                    email: None,
                    hubspot_contact_id: "1".into(),
                }]);
                let _ = debrief::attendance::attribute(&t.stats(), &roster, &coach);
            }
            Err(e) => {
                assert!(e.line >= 1);
                match streamed {
                    // Only the collecting parser refuses a transcript with no spoken line.
                    Ok(s) => assert_eq!(s.cues, 0, "{e}"),
                    Err(s) => assert_eq!(s, e),
                }
            }
        }
    }
});
