//! Transcript parse + per-speaker stats throughput (a bench binary, not a timed test).
//!
//! `cargo bench -p debrief-shared --bench transcript -- [--size-mb 50] [--file PATH]
//! [--generate PATH] [--mem] [--runs 7]`: generates a Zoom-style WebVTT of the given size (or
//! reads PATH), then streams it through the parser and the stats accumulator `runs` times and
//! prints MB/s (best and median). `--mem` runs once and prints peak RSS over the file size.
//! `scripts/bench-transcript` runs it beside webvtt-py and `wc -l` on the same file.

use std::time::Instant;

const SPEAKERS: &[&str] = &[
    "Dr. Amy Reyes", "Aisha Nowak", "Björn Johnson", "Chloé Iyer", "Elena Johnson", "Fatima Silva", "Hannah Wong",
    "Nadia O'Neil", "Omar Torres", "Priya Haddad", "Sarah Dubois", "Sarah Johnson", "Tom Iyer", "Zoë Silva",
];
const LINES: &[&str] = &[
    "I love that framework.",
    "Thanks, that's really helpful.",
    "What would you do if the client says it's too expensive?",
    "We saw the same pattern with our newsletter.",
    "I tried something similar last quarter.",
    "That resonates with me a lot, and I think it applies to my group program as well.",
    "My next step is to raise my package price to two thousand dollars.",
    "I'm struggling to get people to renew after the first package.",
    "Let's make that a concrete commitment with a date.",
    "Can you say more about how you structure the first call?",
];

fn generate(bytes: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(42);
    let mut out = String::with_capacity(bytes + 256);
    out.push_str("WEBVTT\n\n");
    let mut t_ms: u64 = 1000;
    let mut n = 0u64;
    let ts = |ms: u64| format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    while out.len() < bytes {
        n += 1;
        let who = SPEAKERS[rng.usize(..SPEAKERS.len())];
        let what = LINES[rng.usize(..LINES.len())];
        let dur = 800 + rng.u64(..4000);
        out.push_str(&format!("{n}\n{} --> {}\n{who}: {what}\n\n", ts(t_ms), ts(t_ms + dur)));
        t_ms += dur + rng.u64(..1500);
    }
    out
}

fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let size_mb: usize = flag("--size-mb").and_then(|v| v.parse().ok()).unwrap_or(50);
    let runs: usize = flag("--runs").and_then(|v| v.parse().ok()).unwrap_or(7);
    if let Some(path) = flag("--generate") {
        std::fs::write(&path, generate(size_mb << 20)).expect("write the generated transcript");
        println!("wrote {path} ({size_mb} MB)");
        return;
    }
    let text = match flag("--file") {
        Some(path) => std::fs::read_to_string(&path).expect("read the transcript"),
        None => generate(size_mb << 20),
    };
    let mb = text.len() as f64 / (1 << 20) as f64;
    if args.iter().any(|a| a == "--mem") {
        let base = peak_rss_bytes();
        let stats = debrief::transcript::stream_stats(&text, None).expect("parses");
        let peak = peak_rss_bytes();
        println!(
            "memory: file {:.1} MB, peak RSS {:.1} MB ({:.2}x the file; {:.1} MB before parsing), {} speakers",
            mb,
            peak as f64 / (1 << 20) as f64,
            peak as f64 / text.len() as f64,
            base as f64 / (1 << 20) as f64,
            stats.speakers.len()
        );
        return;
    }
    let mut rates = Vec::new();
    let mut cues = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let stats = debrief::transcript::stream_stats(std::hint::black_box(&text), None).expect("parses");
        let secs = start.elapsed().as_secs_f64();
        cues = stats.cues;
        rates.push(mb / secs);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "debrief parse+stats: {:.1} MB, {} cues, best {:.0} MB/s, median {:.0} MB/s over {} runs",
        mb,
        cues,
        rates[rates.len() - 1],
        rates[rates.len() / 2],
        runs
    );
}
