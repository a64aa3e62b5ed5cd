//! Debrief's library: the domain, the transcript engine, the analysers, and (as later issues
//! add them) the ports and their adapters. Nothing here names AWS outside an adapter.

pub mod adapters;
pub mod analysis;
pub mod attendance;
pub mod calls;
pub mod capi;
pub mod clock;
pub mod domain;
pub mod error;
pub mod faults;
pub mod http;
pub mod health;
pub mod hubspot;
pub mod lambda_sqs;
pub mod leads;
pub mod mcp;
pub mod net;
pub mod ops;
pub mod pipeline;
pub mod ports;
pub mod repo;
pub mod report;
pub mod review;
pub mod runtime;
mod simd;
pub mod transcript;
pub mod webinar;

pub use error::{InputError, TranscriptError};
