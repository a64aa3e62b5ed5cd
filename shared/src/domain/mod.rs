//! The product's entities, serialised exactly as the data model names them (camelCase).

mod coach;
pub(crate) use coach::parse_hh_mm;
mod mailbox;
mod participant;
mod roster;
mod session;

pub use coach::{CoachProfile, CommunicationStyle, Formality, NotificationPreferences, PriorityRules, Tone};
pub use participant::{
    AnalyserInfo, AnalyserKind, CoachReviewStatus, EngagementLevel, Evidence, Finding,
    ModelUsage, ParticipantSummary, PriorityFlag, PriorityReason, SessionCost, OVER_BUDGET,
};
pub use mailbox::{MailboxError, normalize_mailbox};
pub use roster::{Roster, RosterEntry};
pub use session::{ProcessingStatus, WorkshopSession, session_id_for};
