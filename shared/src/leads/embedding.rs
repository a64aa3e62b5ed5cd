//! An embedding always travels with the model that made it: vectors of different models (or
//! dimensions) are never compared. Without a model, [`builtin_embedding`] hashes a profile's
//! normalised words into a fixed number of dimensions (feature hashing), deterministic and
//! offline, and labelled [`BUILTIN_EMBEDDING_MODEL`] so that it is never mistaken for a model's.

use serde::{Deserialize, Serialize};

/// The model name of [`builtin_embedding`]'s vectors.
pub const BUILTIN_EMBEDDING_MODEL: &str = "debrief-feature-hashing-v1";

/// A unit-length vector and the model that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    pub model: String,
    pub vector: Vec<f32>,
}

impl Embedding {
    /// Scales `vector` to unit length (a zero vector stays zero), so that cosine similarity is
    /// a dot product.
    pub fn normalised(model: impl Into<String>, mut vector: Vec<f32>) -> Self {
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|x| *x /= norm);
        }
        Self { model: model.into(), vector }
    }

    pub fn dimensions(&self) -> usize {
        self.vector.len()
    }

    /// Whether the two may be compared: same model, same dimensions.
    pub fn comparable(&self, other: &Embedding) -> bool {
        self.model == other.model && self.dimensions() == other.dimensions()
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike the standard library's
/// hasher, so a stored built-in vector stays comparable with one computed later.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// [`builtin_embedding`] of a lead's or profile's owned `(field, value)` pairs.
pub fn builtin_embedding_of(fields: &[(&'static str, String)], dimensions: usize) -> Embedding {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    builtin_embedding(&pairs, dimensions)
}

/// Feature hashing of `(field, value)` pairs: each lower-cased word of a value counts once as
/// itself and once qualified by its field ("industry:fitness"), each into a dimension chosen by
/// its hash with a sign from another bit of it (so collisions cancel out on average rather than
/// add up). The result is unit length; `dimensions` must be at least 1.
pub fn builtin_embedding(fields: &[(&str, &str)], dimensions: usize) -> Embedding {
    assert!(dimensions > 0, "an embedding has at least one dimension");
    let mut vector = vec![0f32; dimensions];
    let mut add = |h: u64, weight: f32| {
        let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
        vector[(h % dimensions as u64) as usize] += sign * weight;
    };
    for (field, value) in fields {
        let lower = value.to_lowercase();
        for word in lower.split(|c: char| !c.is_alphanumeric() && c != '$' && c != '+').filter(|w| !w.is_empty()) {
            add(fnv1a(&[word.as_bytes()]), 1.0);
            add(fnv1a(&[field.as_bytes(), word.as_bytes()]), 1.0);
        }
    }
    Embedding::normalised(BUILTIN_EMBEDDING_MODEL, vector)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &Embedding, b: &Embedding) -> f32 {
        a.vector.iter().zip(&b.vector).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn the_builtin_embedding_is_deterministic_unit_length_and_near_for_near_profiles() {
        let gym = [("industry", "Fitness studios"), ("location", "Dubai, UAE"), ("technologyStack", "Mindbody, Stripe")];
        let gym2 = [("industry", "Fitness studio"), ("location", "Abu Dhabi, UAE"), ("technologyStack", "Mindbody")];
        let dentist = [("industry", "Dental clinics"), ("location", "London, UK"), ("technologyStack", "Dentrix")];
        let a = builtin_embedding(&gym, 512);
        assert_eq!(a, builtin_embedding(&gym, 512), "the same input, the same vector");
        assert_eq!(a.model, BUILTIN_EMBEDDING_MODEL);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
        let (near, far) = (cosine(&a, &builtin_embedding(&gym2, 512)), cosine(&a, &builtin_embedding(&dentist, 512)));
        assert!(near > 0.4 && far < 0.2 && near > far + 0.3, "near {near}, far {far}");
        // A stored vector stays comparable with one computed later: the hash is fixed.
        assert_eq!(fnv1a(&[b"fitness"]), 0xb19f_c200_bd2e_2758);
        // A word counts for its field too: "coaching" as the industry is not "coaching" in notes.
        let (industry, notes) = (builtin_embedding(&[("industry", "coaching")], 512), builtin_embedding(&[("notes", "coaching")], 512));
        assert!(cosine(&industry, &notes) < 0.9, "{}", cosine(&industry, &notes));
        assert!(!a.comparable(&builtin_embedding(&gym, 256)));
        assert!(!a.comparable(&Embedding::normalised("text-embedding-3-small", a.vector.clone())));
    }

    #[test]
    fn a_zero_vector_stays_zero() {
        let e = builtin_embedding(&[("industry", "  ")], 8);
        assert!(e.vector.iter().all(|x| *x == 0.0));
    }
}
