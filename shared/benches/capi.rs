//! Normalise + hash throughput for Conversions API user data (one core), beside this
//! machine's raw SHA-256 throughput for the same number of hashes. Writes the records to
//! `target/capi-bench-records.jsonl` so `scripts/bench-capi` runs Meta's Python SDK on the
//! same input. `cargo bench -p debrief-shared --bench capi`.

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use debrief::capi::normalize::{self, NormalizeContext, RawUserData, hash_user_data};
use serde_json::json;
use sha2::{Digest, Sha256};

const RECORDS: usize = 100_000;
const FIRST: &[&str] = &[
    "Mary", "John", "Aisha", "Omar", "Zoë", "Priya", "Liam", "Fatima",
];
const LAST: &[&str] = &[
    "Smith",
    "Haddad",
    "O'Brien",
    "Khan",
    "García",
    "Nguyen",
    "Al Mansoori",
];
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Dubai", "Dubai", "00000", "AE"),
    ("Menlo Park", "CA", "94025-1234", "US"),
    ("Abu Dhabi", "Abu Dhabi", "00000", "AE"),
    ("London", "England", "SW1A 1AA", "GB"),
    ("New York", "NY", "10001", "US"),
];

fn record(i: usize) -> serde_json::Value {
    let (city, state, zip, country) = CITIES[i % CITIES.len()];
    json!({
        "email": format!("  Person.{i}@Example.COM "),
        "phone": format!("+971 50 {:03} {:04}", i % 1000, i % 10_000),
        "first_name": FIRST[i % FIRST.len()],
        "last_name": LAST[i % LAST.len()],
        "city": city,
        "state": state,
        "zip": zip,
        "country": country,
        "gender": if i % 2 == 0 { "f" } else { "m" },
        "date_of_birth": format!("19{:02}{:02}{:02}", 50 + i % 50, 1 + i % 12, 1 + i % 28),
    })
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let values: Vec<serde_json::Value> = (0..RECORDS).map(record).collect();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/capi-bench-records.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for v in &values {
        writeln!(out, "{v}").unwrap();
    }
    drop(out);
    let raws: Vec<RawUserData> = values
        .iter()
        .map(|v| serde_json::from_value(v.clone()).unwrap())
        .collect();
    let ctx = NormalizeContext {
        default_calling_code: Some("971".into()),
    };

    // The exact strings that get hashed, for the raw SHA-256 baseline.
    let mut normalised: Vec<String> = Vec::new();
    let mut scratch = String::new();
    for r in &raws {
        let country = normalize::country_code(&r.country.0[0]);
        let mut push = |f: &dyn Fn(&str, &mut String) -> Result<(), String>, v: &str| {
            scratch.clear();
            f(v, &mut scratch).unwrap();
            normalised.push(scratch.clone());
        };
        push(&normalize::email, &r.email.0[0]);
        push(&|v, s| normalize::phone(v, Some("971"), s), &r.phone.0[0]);
        push(&normalize::name, &r.first_name.0[0]);
        push(&normalize::name, &r.last_name.0[0]);
        push(&normalize::letters_only, &r.city.0[0]);
        push(&|v, s| normalize::state(v, country, s), &r.state.0[0]);
        push(&|v, s| normalize::zip(v, country, s), &r.zip.0[0]);
        push(
            &|_, s| {
                s.push_str(std::str::from_utf8(&country.unwrap()).unwrap());
                Ok(())
            },
            "",
        );
        push(&normalize::gender, &r.gender.0[0]);
        push(&normalize::date_of_birth, &r.date_of_birth.0[0]);
    }
    let hashes = normalised.len();

    let mut scratch = String::new();
    let ours = best_of(5, || {
        let mut n = 0;
        for r in &raws {
            n += hash_user_data(r, &ctx, &mut scratch).unwrap().em.len();
        }
        n
    });
    let raw = best_of(5, || {
        let mut acc = 0u8;
        for s in &normalised {
            acc ^= Sha256::digest(s.as_bytes())[0];
        }
        acc
    });
    println!(
        "records: {RECORDS} ({hashes} hashed fields, {:.1} per record)",
        hashes as f64 / RECORDS as f64
    );
    println!(
        "debrief normalise + hash: {:.0} records/s ({:.0} ns per record)",
        RECORDS as f64 / ours,
        ours * 1e9 / RECORDS as f64
    );
    println!(
        "raw SHA-256 of the normalised values: {:.0} hashes/s ({:.0} ns per record)",
        hashes as f64 / raw,
        raw * 1e9 / RECORDS as f64
    );
    println!(
        "normalise + hash runs at {:.0}% of raw SHA-256 throughput",
        raw / ours * 100.0
    );
    println!("records written to {}", path.display());
}
