//! Ideal-client profile CSV and the built-in embedding: never a panic, and every profile read
//! embeds to a unit (or zero) vector.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(profiles) = debrief::leads::import_csv(text) else { return };
    for p in &profiles {
        let stack = p.technology_stack.join(", ");
        let fields = [("industry", p.industry.as_deref().unwrap_or("")), ("technologyStack", stack.as_str()), ("notes", p.notes.as_deref().unwrap_or(""))];
        let e = debrief::leads::builtin_embedding(&fields, 64);
        let norm: f32 = e.vector.iter().map(|x| x * x).sum();
        assert!(norm == 0.0 || (norm - 1.0).abs() < 1e-3, "norm {norm}");
    }
});
