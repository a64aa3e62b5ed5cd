//! Conversion events and HubSpot payloads as they arrive, through validation, normalisation and
//! hashing (the intake's and `debrief capi preview`'s path): never a panic, and every hashed
//! field is a 64-digit lowercase hex digest.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let config = debrief::capi::CapiConfig::default();
    let mut scratch = String::new();
    let Ok(inputs) = debrief::capi::intake::split_body(&v) else { return };
    for input in inputs {
        if let Ok(debrief::capi::intake::Prepared::Event { event, .. }) = debrief::capi::intake::prepare_one(input, &config, 1_800_000_000, &mut scratch) {
            let out = serde_json::to_value(&event).unwrap();
            for (k, list) in out["user_data"].as_object().unwrap() {
                if let Some(list) = list.as_array() {
                    assert!(list.iter().all(|h| h.as_str().is_some_and(|s| s.len() == 64)), "{k}");
                }
            }
        }
    }
});
