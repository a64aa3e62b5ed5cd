//! Exact nearest profiles: the lead's embedding against every candidate profile's, in memory,
//! keeping the best `k`. Vectors are unit length, so cosine similarity is a dot product.
//!
//! A query reads every vector, so it is bound by memory bandwidth (100,000 × 512 `f32`s are
//! 195 MB). [`VectorIndex`] therefore holds the vectors twice: as one flat `f32` matrix, and
//! as `i8` codes with a scale per row (a quarter of the bytes). The first pass scores every row
//! from the codes and bounds each score's error exactly:
//! `|a·b − ã·b̃| ≤ ‖a − ã‖∞‖b‖₁ + ‖ã‖₁‖b − b̃‖∞ ≤ (sₐ/2)‖b‖₁ + ‖ã‖₁(s_b/2)`;
//! the k-th best lower bound is a threshold every true top-k row's upper bound reaches, so only
//! the rows whose upper bound does (a handful) are scored again in `f32` — the same
//! [`dot`] the plain scan uses, so the result is the exact top-k, ties included. Both loops run
//! over fixed-width lanes that the compiler turns into SIMD on x86_64 and arm64 without
//! target-specific code.

use super::{Embedding, IcpProfile};

/// One of the closest profiles and its cosine similarity (raw, −1 to 1: calibrate it per model
/// before showing it to anyone).
#[derive(Debug, Clone, PartialEq)]
pub struct Nearest<'p> {
    pub profile: &'p IcpProfile,
    pub similarity: f32,
}

/// Cosine similarity of two unit vectors of the same length.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a8.zip(b8) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[inline]
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut lanes = [0i32; 16];
    let (a16, b16) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = a16.remainder().iter().zip(b16.remainder()).map(|(x, y)| i32::from(*x) * i32::from(*y)).sum();
    for (x, y) in a16.zip(b16) {
        for i in 0..16 {
            lanes[i] += i32::from(x[i]) * i32::from(y[i]);
        }
    }
    lanes.iter().sum::<i32>() + tail
}

/// `v` as `i8` codes, its scale (code × scale ≈ value) and the L1 norm of the decoded vector.
fn quantise(v: &[f32], codes: &mut Vec<i8>) -> (f32, f32) {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let mut l1 = 0f32;
    for x in v {
        let c = (x / scale).round().clamp(-127.0, 127.0) as i8;
        l1 += (f32::from(c) * scale).abs();
        codes.push(c);
    }
    (scale, l1)
}

/// Room for the rounding of the `f32` arithmetic around the exact integer dot product.
const ROUNDING: f32 = 1e-4;

/// The vectors of one model, row by row (row `i` is profile `i` of its set).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VectorIndex {
    model: String,
    dims: usize,
    vectors: Vec<f32>,
    codes: Vec<i8>,
    scales: Vec<f32>,
    l1: Vec<f32>,
}

impl VectorIndex {
    pub fn new(model: impl Into<String>, dims: usize) -> Self {
        Self { model: model.into(), dims, ..Self::default() }
    }

    /// Adds a row; it must have the index's dimensions.
    pub fn push(&mut self, vector: &[f32]) {
        assert_eq!(vector.len(), self.dims, "a row of the index's dimensions");
        self.vectors.extend_from_slice(vector);
        let (scale, l1) = quantise(vector, &mut self.codes);
        self.scales.push(scale);
        self.l1.push(l1);
    }

    pub fn len(&self) -> usize {
        self.scales.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn vector(&self, row: usize) -> &[f32] {
        &self.vectors[row * self.dims..(row + 1) * self.dims]
    }

    /// Bytes the index holds (the `f32` matrix, the codes and the per-row numbers).
    pub fn bytes(&self) -> usize {
        self.vectors.len() * 4 + self.codes.len() + self.scales.len() * 8
    }

    /// The `k` rows passing `keep` closest to `query` as `(row, similarity)`, closest first
    /// (ties by row order), exactly as scoring every row in `f32` would give them. A query of
    /// another model or dimensions is an error, never a comparison.
    pub fn nearest(&self, query: &Embedding, k: usize, keep: impl Fn(usize) -> bool) -> Result<Vec<(usize, f32)>, String> {
        if query.model != self.model || query.dimensions() != self.dims {
            return Err(format!(
                "the profiles were embedded with {} ({} dimensions), the lead with {} ({}): embed the profiles again",
                self.model,
                self.dims,
                query.model,
                query.dimensions()
            ));
        }
        if k == 0 || self.is_empty() {
            return Ok(vec![]);
        }
        let mut q_codes = Vec::with_capacity(self.dims);
        let (q_scale, _) = quantise(&query.vector, &mut q_codes);
        let q_l1: f32 = query.vector.iter().map(|x| x.abs()).sum();
        // Pass 1: bounds from the codes; the k best lower bounds give the threshold.
        let mut upper = vec![f32::NEG_INFINITY; self.len()];
        let mut lowest: Vec<f32> = Vec::with_capacity(k + 1);
        for (row, codes) in self.codes.chunks_exact(self.dims).enumerate() {
            if !keep(row) {
                continue;
            }
            let approx = dot_i8(codes, &q_codes) as f32 * self.scales[row] * q_scale;
            let err = self.scales[row] * 0.5 * q_l1 + self.l1[row] * q_scale * 0.5 + ROUNDING;
            upper[row] = approx + err;
            let lower = approx - err;
            if lowest.len() < k || lower > lowest[lowest.len() - 1] {
                let at = lowest.partition_point(|b| *b >= lower);
                lowest.insert(at, lower);
                lowest.truncate(k);
            }
        }
        let threshold = if lowest.len() < k { f32::NEG_INFINITY } else { lowest[k - 1] };
        // Pass 2: the candidates, scored exactly.
        let mut best: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
        for (row, up) in upper.iter().enumerate() {
            if *up < threshold || *up == f32::NEG_INFINITY {
                continue;
            }
            let s = dot(self.vector(row), &query.vector);
            if best.len() < k || s > best[best.len() - 1].0 {
                let at = best.partition_point(|(b, _)| *b >= s);
                best.insert(at, (s, row));
                best.truncate(k);
            }
        }
        Ok(best.into_iter().map(|(s, row)| (row, s)).collect())
    }
}

/// The `k` active ideal clients closest to `lead` (`profiles[i]` is row `i` of `index`).
pub fn nearest_ideal_clients<'p>(lead: &Embedding, profiles: &'p [IcpProfile], index: &VectorIndex, k: usize) -> Result<Vec<Nearest<'p>>, String> {
    nearest_where(lead, profiles, index, k, IcpProfile::is_active_ideal_client)
}

/// The active negative examples (any other `type`, e.g. churned) closest to `lead`.
pub fn nearest_negative_examples<'p>(lead: &Embedding, profiles: &'p [IcpProfile], index: &VectorIndex, k: usize) -> Result<Vec<Nearest<'p>>, String> {
    nearest_where(lead, profiles, index, k, |p| p.status == super::ProfileStatus::Active && p.kind != IcpProfile::IDEAL_CLIENT)
}

pub fn nearest_where<'p>(lead: &Embedding, profiles: &'p [IcpProfile], index: &VectorIndex, k: usize, keep: impl Fn(&IcpProfile) -> bool) -> Result<Vec<Nearest<'p>>, String> {
    assert_eq!(profiles.len(), index.len(), "one index row per profile");
    Ok(index.nearest(lead, k, |row| keep(&profiles[row]))?.into_iter().map(|(row, similarity)| Nearest { profile: &profiles[row], similarity }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::{ProfileStatus, builtin_embedding};

    fn profile(id: usize, status: ProfileStatus, kind: &str) -> IcpProfile {
        IcpProfile {
            id: format!("p{id}"),
            status,
            kind: kind.into(),
            industry: None,
            company_size: None,
            revenue_range: None,
            geographic_location: None,
            technology_stack: Vec::new(),
            budget_range: None,
            notes: None,
        }
    }

    /// The plain scan: every kept row in `f32`, sorted (stable, so ties keep row order).
    fn full_sort(index: &VectorIndex, q: &Embedding, keep: impl Fn(usize) -> bool) -> Vec<(usize, f32)> {
        let mut all: Vec<(usize, f32)> = (0..index.len()).filter(|r| keep(*r)).map(|r| (r, dot(index.vector(r), &q.vector))).collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        all
    }

    #[test]
    fn the_two_pass_search_equals_a_full_sort_for_any_k_and_dims() {
        let mut rng = fastrand::Rng::with_seed(7);
        for (dims, rows) in [(37, 500), (512, 3000), (8, 2000)] {
            let random = |rng: &mut fastrand::Rng| Embedding::normalised("m", (0..dims).map(|_| rng.f32() - 0.5).collect());
            let mut index = VectorIndex::new("m", dims);
            for _ in 0..rows {
                index.push(&random(&mut rng).vector);
            }
            // Near-duplicates and exact ties stress the bounds and the tie order.
            let dup = index.vector(3).to_vec();
            index.push(&dup);
            index.push(&dup);
            for k in [1, 5, 20] {
                for q in 0..20 {
                    let query = if q == 0 { Embedding { model: "m".into(), vector: dup.clone() } } else { random(&mut rng) };
                    let keep = |r: usize| r % 7 != 1;
                    let got = index.nearest(&query, k, keep).unwrap();
                    let want: Vec<(usize, f32)> = full_sort(&index, &query, keep).into_iter().take(k).collect();
                    assert_eq!(got, want, "dims {dims}, k {k}, query {q}");
                }
            }
        }
    }

    #[test]
    fn only_active_ideal_clients_are_candidates() {
        let mut rng = fastrand::Rng::with_seed(9);
        let profiles: Vec<IcpProfile> = (0..200)
            .map(|i| match i % 10 {
                0 => profile(i, ProfileStatus::Inactive, "ideal_client"),
                1 => profile(i, ProfileStatus::Active, "churned"),
                _ => profile(i, ProfileStatus::Active, "ideal_client"),
            })
            .collect();
        let mut index = VectorIndex::new("m", 16);
        for _ in &profiles {
            index.push(&Embedding::normalised("m", (0..16).map(|_| rng.f32() - 0.5).collect()).vector);
        }
        let lead = Embedding::normalised("m", (0..16).map(|_| rng.f32() - 0.5).collect());
        let got = nearest_ideal_clients(&lead, &profiles, &index, 200).unwrap();
        assert_eq!(got.len(), 160);
        assert!(got.iter().all(|n| n.profile.is_active_ideal_client()));
        let negative = nearest_negative_examples(&lead, &profiles, &index, 200).unwrap();
        assert_eq!(negative.len(), 20);
        assert!(negative.iter().all(|n| n.profile.kind == "churned"));
    }

    #[test]
    fn vectors_of_another_model_are_never_compared() {
        let e = builtin_embedding(&[("industry", "gyms")], 16);
        let mut index = VectorIndex::new("text-embedding-3-small", 16);
        index.push(&e.vector);
        let err = index.nearest(&e, 5, |_| true).unwrap_err();
        assert!(err.contains("text-embedding-3-small") && err.contains(crate::leads::BUILTIN_EMBEDDING_MODEL), "{err}");
        let other_dims = builtin_embedding(&[("industry", "gyms")], 8);
        assert!(VectorIndex::new(crate::leads::BUILTIN_EMBEDDING_MODEL, 16).nearest(&other_dims, 5, |_| true).is_err());
    }
}
