//! Lead scoring (the product's fourth job): the business's ideal-client profiles (ICP),
//! imported from CSV and embedded; every new or changed HubSpot lead compared with them
//! (exact top-k similarity, field by field) and scored 0–100 with a fit level, a next best
//! action and the reasons, written back to HubSpot — by the model when there is one, by the
//! documented default score when there is not or when it fails.
//!
//! Owns: [`IcpProfile`] and its CSV import ([`icp`]); embeddings labelled with their model and
//! the built-in hashed one ([`embedding`]); the exact nearest-profile search ([`similarity`]);
//! the lead ([`lead`]) and its field-by-field comparison ([`matching`]); the score, its
//! calibration and factors ([`score`]).

pub mod embedding;
pub mod hubspot;
pub mod icp;
pub mod jobs;
pub mod lead;
pub mod matching;
pub mod model;
pub mod profiles;
pub mod scorer;
pub mod score;
pub mod similarity;
pub mod sweep;

pub use embedding::{BUILTIN_EMBEDDING_MODEL, Embedding, builtin_embedding, builtin_embedding_of};
pub use icp::{IcpProfile, ProfileStatus, import_csv, replace_by_id};
pub use lead::Lead;
pub use score::{LeadScore, Priority, ScoreWeights};
pub use similarity::{Nearest, VectorIndex, nearest_ideal_clients};

/// Field names as profiles and leads both use them, with their labels in text.
pub const FIELD_LABELS: [(&str, &str); 7] = [
    ("industry", "Industry"),
    ("companySize", "Company size"),
    ("revenueRange", "Revenue range"),
    ("geographicLocation", "Geographic location"),
    ("technologyStack", "Technology stack"),
    ("budgetRange", "Budget range"),
    ("notes", "Notes"),
];

/// Fields as one text, a line each ("Industry: Fitness.\n"), empty ones left out: what a model
/// embeds, for a profile and a lead alike, so the two are embedded the same way.
pub fn describe(fields: &[(&'static str, String)]) -> String {
    let mut out = String::new();
    for (name, label) in FIELD_LABELS {
        if let Some((_, v)) = fields.iter().find(|(k, _)| *k == name)
            && !v.trim().is_empty()
        {
            out.push_str(label);
            out.push_str(": ");
            out.push_str(v.trim());
            out.push_str(".\n");
        }
    }
    out
}
