//! Lead scoring (the product's fourth job): the business's ideal-client profiles (ICP),
//! imported from CSV; an embedding of each; exact top-k similarity of a lead to the active
//! ideal clients. Scoring, HubSpot triggers and write-back build on these (issue #15).
//!
//! Owns: [`IcpProfile`] and its CSV import ([`icp`]), the embedding labelled with its model
//! and the built-in hashed embedding that keeps the feature working offline ([`embedding`]),
//! and the exact nearest-profile search ([`similarity`]).

pub mod embedding;
pub mod icp;
pub mod similarity;

pub use embedding::{BUILTIN_EMBEDDING_MODEL, Embedding, builtin_embedding};
pub use icp::{IcpProfile, ProfileStatus, import_csv, replace_by_id};
pub use similarity::{Nearest, nearest_ideal_clients};
