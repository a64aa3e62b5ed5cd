//! Embedded adapters' latency and throughput (a bench binary, not a timed test):
//! store put_new+get, and queue send→receive→ack, on a SQLite file in a temp folder.
//! `cargo bench -p debrief-shared --bench embedded -- [--ops 2000]`

use std::time::{Duration, Instant};

use debrief::adapters::embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedStore};
use debrief::ports::queue::Queue;
use debrief::ports::store::{Item, Key, Store};

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name}: median {:.1} µs, p99 {:.1} µs over {} ops",
        pct(&samples, 0.5).as_secs_f64() * 1e6,
        pct(&samples, 0.99).as_secs_f64() * 1e6,
        samples.len()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ops: usize = args.iter().position(|a| a == "--ops").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(2000);
    let dir = std::env::temp_dir().join(format!("debrief-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = EmbeddedDb::open(dir.join("bench.sqlite3")).unwrap();
    let store = EmbeddedStore::new(db.clone());
    // A participant summary is a few kilobytes of JSON.
    let body = format!("{{\"generatedEmail\":\"{}\"}}", "x".repeat(3000));

    let (mut put, mut get, mut both) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..ops {
        let key = Key::new(format!("SESSION#{i}"), "META");
        let t0 = Instant::now();
        store.put_new(&Item::new(key.clone(), body.clone())).await.unwrap();
        let t1 = Instant::now();
        let got = store.get(&key).await.unwrap();
        let t2 = Instant::now();
        assert!(got.is_some());
        put.push(t1 - t0);
        get.push(t2 - t1);
        both.push(t2 - t0);
    }
    report("store put_new", put);
    report("store get", get);
    report("store put_new+get", both);

    let q = EmbeddedQueue::new(db.clone(), "bench", 5);
    let mut cycle = Vec::new();
    for i in 0..ops {
        let t0 = Instant::now();
        q.send_batch(&[format!("{{\"v\":1,\"n\":{i}}}")]).await.unwrap();
        let m = q.receive(1, Duration::from_secs(30), Duration::ZERO).await.unwrap();
        q.ack(&m[0].receipt).await.unwrap();
        cycle.push(t0.elapsed());
    }
    report("queue send→receive→ack (one message)", cycle);

    let bodies: Vec<String> = (0..10).map(|i| format!("{{\"v\":1,\"n\":{i}}}")).collect();
    let t0 = Instant::now();
    let mut done = 0;
    while done < ops {
        q.send_batch(&bodies).await.unwrap();
        let got = q.receive(10, Duration::from_secs(30), Duration::ZERO).await.unwrap();
        for m in &got {
            q.ack(&m.receipt).await.unwrap();
        }
        done += got.len();
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("queue batched (10 per send/receive): {:.0} messages/s over {done} messages", done as f64 / secs);
    let _ = std::fs::remove_dir_all(&dir);
}
