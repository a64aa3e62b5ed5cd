//! Webinar follow-up (the product's second job): the platform's attendee report and chat log
//! in, an engagement score and tier per registrant out. Owns the report and chat parsers
//! ([`report`], its rows split where `separators` finds commas and line ends 64 bytes at a
//! time; [`chat`]; bytes decoded by [`text`]), the question detector ([`questions`]),
//! the scores and tiers ([`score`]), the tiered follow-up drafts ([`draft`]; by the model for
//! the top Hot and Warm registrants when one is configured, [`writer`]), the webinar as
//! stored and reviewed ([`session`], [`intake`]) and the spreadsheet export ([`export`]).
//! Chat senders are matched to attendees by the same name matcher as workshop speakers
//! ([`crate::attendance::Speakers`]); the drafts go through the workshop review
//! ([`crate::review`]), not a copy of it.

pub mod chat;
pub mod draft;
pub mod export;
pub mod intake;
pub mod report;
pub mod score;
mod separators;
pub mod session;
pub mod text;
pub mod writer;

pub use chat::{ChatMessage, parse_chat};
pub use report::{AttendeeReport, Registrant, WebinarInfo, parse_attendee_report};
pub use score::{Engagement, Tier, score_webinar};
pub use session::{WebinarFields, WebinarSession};

/// The largest file accepted (the seed's limit).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
