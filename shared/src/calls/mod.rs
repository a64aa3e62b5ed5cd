//! Sales calls: the transcript engine's second analysis profile. A recorded call (WebVTT or
//! plain text) and who sells and who buys become a scored coaching debrief — conversation
//! metrics from the cue timings, buying signals and objections with their quotes, owned action
//! items with due dates resolved against the call's date — and a follow-up email to the buyer.
//!
//! This folder owns the call's judgement (`signals`), the debrief (`debrief`) and its rubric;
//! parsing is the transcript engine's, question detection and commitments are the analysis
//! module's, and review of the follow-up is the workshop review's.

pub mod signals;
pub mod debrief;
pub mod follow_up;
pub mod intake;
pub mod stats;
pub mod model;
