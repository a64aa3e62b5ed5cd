//! Client health: the day's recompute of 10,000 clients on one core — the scoring alone, then
//! through the embedded store (read every client, write each result and every new
//! intervention with its review draft) — and the churn model measured on generated histories.
//! `cargo bench -p debrief-shared --bench health [-- --clients 10000] [--store-only]`; run it
//! under `taskset -c 0` for one core.

use std::time::Instant;

use debrief::adapters::embedded::{EmbeddedDb, EmbeddedStore};
use debrief::health::records::{HealthRecords, rescore};
use debrief::health::simulate::{generate, run};
use debrief::health::{Day, HealthConfig};
use debrief::repo::Repo;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.iter().position(|a| a == "--clients").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let config = HealthConfig::default();
    let start = Day::parse("2026-01-01").unwrap();
    // 120 days of generated activity and daily results: the state a real day starts from.
    let histories = generate(n, 42, start, 120);
    let (_, records, _) = run(&histories, start, 120, 50, &config);
    let day = start.plus(120);

    let mut best = f64::MAX;
    let mut interventions = 0;
    for _ in 0..5 {
        let mut clients = records.clone();
        let t = Instant::now();
        interventions = 0;
        for c in &mut clients {
            interventions += usize::from(rescore(c, day, &config, "Maya").1.is_some());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("scoring: {n} clients rescored in {:.1} ms (best of 5; {interventions} interventions)", best * 1e3);

    let dir = std::env::temp_dir().join(format!("debrief-bench-health-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = EmbeddedStore::new(EmbeddedDb::open(dir.join("bench.sqlite3")).unwrap());
    let repo = Repo::new(store);
    let coach = debrief::domain::CoachProfile { coach_id: "coach-0".into(), coach_name: "Maya".into(), ..debrief::domain::CoachProfile::anonymous() };
    for i in 0..7 {
        repo.put_coach(&debrief::domain::CoachProfile { coach_id: format!("coach-{i}"), ..coach.clone() }).await.unwrap();
    }
    let health = HealthRecords::new(repo);
    health.upsert_facts(&records).await.unwrap();
    let t = Instant::now();
    let report = health.recompute_all(day, &config).await.unwrap();
    let full = t.elapsed().as_secs_f64();
    println!(
        "embedded store: {} clients recomputed in {:.0} ms ({} interventions, each with its review draft); a rerun skips them all in {:.0} ms",
        report.scored,
        full * 1e3,
        report.interventions,
        {
            let t = Instant::now();
            let again = health.recompute_all(day, &config).await.unwrap();
            assert_eq!(again.skipped, n);
            t.elapsed().as_secs_f64() * 1e3
        }
    );
    let _ = std::fs::remove_dir_all(&dir);
    if args.iter().any(|a| a == "--store-only") {
        return;
    }

    // The churn model on 2,000 generated histories of 150 days, at three thresholds.
    let start = Day::parse("2026-01-01").unwrap();
    let histories = generate(2000, 1, start, 150);
    for threshold in [40, 50, 60] {
        let (m, _, _) = run(&histories, start, 150, threshold, &config);
        println!(
            "churn model at risk ≥ {threshold}: precision {:.2}, recall {:.2} ({} of {} client-days left within 30 days; {} flagged)",
            m.precision, m.recall, m.churned, m.judged, m.flagged
        );
    }
}
