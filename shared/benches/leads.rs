//! Exact top-5 over 100,000 ideal-client profiles of 512 dimensions, on one core: the time
//! per query (median and p99 over 200 queries) and the memory the set takes. Writes the vectors
//! and queries to `target/bench-leads/` so `scripts/bench-leads` runs numpy on the same data in
//! the same run. `cargo bench -p debrief-shared --bench leads`.

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use debrief::leads::{Embedding, IcpProfile, ProfileStatus, VectorIndex, nearest_ideal_clients};

const PROFILES: usize = 100_000;
const DIMS: usize = 512;
const QUERIES: usize = 200;

fn unit(rng: &mut fastrand::Rng) -> Vec<f32> {
    let v: Vec<f32> = (0..DIMS).map(|_| rng.f32() * 2.0 - 1.0).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

fn main() {
    let mut rng = fastrand::Rng::with_seed(15);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-leads");
    std::fs::create_dir_all(&dir).unwrap();
    let mut index = VectorIndex::new("text-embedding-3-small", DIMS);
    let profiles: Vec<IcpProfile> = (0..PROFILES)
        .map(|i| {
            index.push(&unit(&mut rng));
            IcpProfile {
                id: format!("p{i}"),
                status: ProfileStatus::Active,
                kind: IcpProfile::IDEAL_CLIENT.into(),
                industry: Some("Fitness studios".into()),
                company_size: Some("11-50".into()),
                revenue_range: None,
                geographic_location: None,
                technology_stack: vec![],
                budget_range: None,
                notes: None,
            }
        })
        .collect();
    let queries: Vec<Embedding> = (0..QUERIES).map(|_| Embedding { model: "text-embedding-3-small".into(), vector: unit(&mut rng) }).collect();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("profiles.f32")).unwrap());
    for row in 0..index.len() {
        for x in index.vector(row) {
            f.write_all(&x.to_le_bytes()).unwrap();
        }
    }
    drop(f);
    let mut q = std::io::BufWriter::new(std::fs::File::create(dir.join("queries.f32")).unwrap());
    for e in &queries {
        for x in &e.vector {
            q.write_all(&x.to_le_bytes()).unwrap();
        }
    }
    // Warm up, then time each query.
    for e in queries.iter().take(5) {
        black_box(nearest_ideal_clients(e, &profiles, &index, 5).unwrap());
    }
    let mut times: Vec<f64> = Vec::with_capacity(QUERIES);
    let mut top: Vec<String> = Vec::new();
    for e in &queries {
        let t = Instant::now();
        let best = nearest_ideal_clients(e, &profiles, &index, 5).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        top.push(best.iter().map(|n| n.profile.id.trim_start_matches('p').to_string()).collect::<Vec<_>>().join(","));
    }
    std::fs::write(dir.join("rust-top5.txt"), top.join("\n") + "\n").unwrap();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let index_mb = index.bytes() as f64 / (1 << 20) as f64;
    println!(
        "debrief top-5 over {PROFILES} x {DIMS}: median {:.2} ms, p99 {:.2} ms per query (one core); index {index_mb:.0} MB (f32 matrix + i8 codes)",
        times[QUERIES / 2],
        times[QUERIES * 99 / 100]
    );
}
