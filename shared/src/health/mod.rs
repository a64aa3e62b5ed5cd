//! Client health (the fitness business's retention half; its Conversions API half is
//! [`crate::capi`]). Owns: a client's facts and recent activity ([`model`]), the five-dimension
//! score, zone, churn risk, flags and trend ([`score`]), the interventions a drop or a flag
//! creates, with a message draft in the coach's voice ([`interventions`]), the typed store
//! records and the daily recompute that resumes after a crash without duplicates
//! ([`records`]), the event queue's consumer ([`events`]), the intervention's draft as a review ([`review`]), the coach's daily digest
//! ([`digest`]), the CSV import for studios without HubSpot ([`import`]), and generated client
//! histories to measure the churn model against ([`simulate`]).
//!
//! Domain code only: days are counted in the configured zone (Asia/Dubai by default) and money
//! in the configured currency (AED); nothing here names AWS or HubSpot.

pub mod digest;
pub mod events;
pub mod import;
pub mod interventions;
pub mod model;
pub mod records;
pub mod review;
pub mod score;
pub mod simulate;

pub use interventions::{Intervention, InterventionKind};
pub use model::{Activity, ActivityKind, ClientRecord, CrmActivity, Day, HealthConfig, HealthEvent};
pub use score::{Dimensions, Flag, HealthScore, Trend, Weights, Zone, score_client};
