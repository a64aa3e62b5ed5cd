//! Exact nearest profiles: the lead's embedding against every active ideal client's, in
//! memory, keeping the best `k`. Vectors are unit length, so cosine similarity is a dot
//! product; the dot product runs over eight lanes at a time, which the compiler turns into
//! SIMD on x86_64 and arm64 without target-specific code.

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

/// The `k` active ideal clients closest to `lead`, closest first (ties by profile order).
/// Every active ideal client must have been embedded by the lead's model at its dimensions:
/// one that was not is an error naming it (re-embed the set after changing models), never a
/// comparison across models.
pub fn nearest_ideal_clients<'p>(lead: &Embedding, profiles: &'p [(IcpProfile, Embedding)], k: usize) -> Result<Vec<Nearest<'p>>, String> {
    nearest_where(lead, profiles, k, IcpProfile::is_active_ideal_client)
}

/// The active negative examples (any other `type`, e.g. churned) closest to `lead`.
pub fn nearest_negative_examples<'p>(lead: &Embedding, profiles: &'p [(IcpProfile, Embedding)], k: usize) -> Result<Vec<Nearest<'p>>, String> {
    nearest_where(lead, profiles, k, |p| p.status == super::ProfileStatus::Active && p.kind != IcpProfile::IDEAL_CLIENT)
}

/// The `k` profiles passing `keep` closest to `lead`, under the rules of [`nearest_ideal_clients`].
pub fn nearest_where<'p>(lead: &Embedding, profiles: &'p [(IcpProfile, Embedding)], k: usize, keep: impl Fn(&IcpProfile) -> bool) -> Result<Vec<Nearest<'p>>, String> {
    let mut best: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
    for (i, (profile, embedding)) in profiles.iter().enumerate() {
        if !keep(profile) {
            continue;
        }
        if !embedding.comparable(lead) {
            return Err(format!(
                "profile `{}` was embedded with {} ({} dimensions), the lead with {} ({}): embed the profiles again",
                profile.id,
                embedding.model,
                embedding.dimensions(),
                lead.model,
                lead.dimensions()
            ));
        }
        let s = dot(&lead.vector, &embedding.vector);
        if best.len() < k || best.last().is_some_and(|(worst, _)| s > *worst) {
            let at = best.partition_point(|(b, _)| *b >= s);
            best.insert(at, (s, i));
            best.truncate(k);
        }
    }
    Ok(best.into_iter().map(|(similarity, i)| Nearest { profile: &profiles[i].0, similarity }).collect())
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

    #[test]
    fn top_k_equals_a_full_sort_and_skips_all_but_active_ideal_clients() {
        let mut rng = fastrand::Rng::with_seed(7);
        let random = |rng: &mut fastrand::Rng| Embedding::normalised("m", (0..37).map(|_| rng.f32() - 0.5).collect());
        let profiles: Vec<(IcpProfile, Embedding)> = (0..500)
            .map(|i| {
                let (status, kind) = match i % 10 {
                    0 => (ProfileStatus::Inactive, "ideal_client"),
                    1 => (ProfileStatus::Active, "churned"),
                    _ => (ProfileStatus::Active, "ideal_client"),
                };
                (profile(i, status, kind), random(&mut rng))
            })
            .collect();
        let lead = random(&mut rng);
        let got = nearest_ideal_clients(&lead, &profiles, 5).unwrap();
        let mut all: Vec<(f32, &str)> = profiles
            .iter()
            .filter(|(p, _)| p.is_active_ideal_client())
            .map(|(p, e)| (e.vector.iter().zip(&lead.vector).map(|(a, b)| a * b).sum::<f32>(), p.id.as_str()))
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        assert_eq!(got.iter().map(|n| n.profile.id.as_str()).collect::<Vec<_>>(), all[..5].iter().map(|(_, id)| *id).collect::<Vec<_>>());
        for (n, (s, _)) in got.iter().zip(&all) {
            assert!((n.similarity - s).abs() < 1e-5);
        }
        assert_eq!(nearest_ideal_clients(&lead, &profiles[..3], 5).unwrap().len(), 1, "fewer candidates than k");
    }

    #[test]
    fn vectors_of_another_model_are_never_compared() {
        let e = builtin_embedding(&[("industry", "gyms")], 16);
        let profiles = vec![(profile(1, ProfileStatus::Active, "ideal_client"), Embedding::normalised("text-embedding-3-small", e.vector.clone()))];
        let err = nearest_ideal_clients(&e, &profiles, 5).unwrap_err();
        assert!(err.contains("`p1`") && err.contains("text-embedding-3-small"), "{err}");
        // A churned profile of another model is not a candidate, so it is no error.
        let churned = vec![(profile(2, ProfileStatus::Active, "churned"), profiles[0].1.clone())];
        assert!(nearest_ideal_clients(&e, &churned, 5).unwrap().is_empty());
    }
}
