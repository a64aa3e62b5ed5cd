use serde::{Deserialize, Serialize};

use crate::transcript::SpeakerStats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngagementLevel {
    Silent,
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoachReviewStatus {
    #[default]
    Pending,
    Reviewed,
    Approved,
    Customized,
}

/// Where a finding comes from: the participant's own words, verbatim, and when they said them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub quote: String,
    /// `hh:mm:ss.mmm` from the start of the recording.
    pub timestamp: String,
    pub start_ms: u64,
}

/// A win, challenge, action item or urgency indicator, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub text: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalyserKind {
    Builtin,
    Llm,
}

/// Which analyser produced a summary, and what it had to throw away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyserInfo {
    pub kind: AnalyserKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Set when the model failed and the built-in analyser stood in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    /// Quotes the model returned that are not in the transcript, dropped.
    #[serde(default)]
    pub dropped_quotes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PriorityReason {
    Urgency,
    Silent,
    LowEngagement,
    /// No longer set (breakthroughs are celebrated, not prioritised); kept so that stored
    /// sessions still read.
    Breakthrough,
}

/// Why a participant needs the coach's attention first. Lower `rank` comes first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityFlag {
    pub rank: u32,
    pub score: u32,
    pub reasons: Vec<PriorityReason>,
    /// The reasons in words, for the coach.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantSummary {
    /// The participant's HubSpot contact id.
    pub participant_id: String,
    pub session_id: String,
    pub participant_name: String,
    pub engagement_level: EngagementLevel,
    pub speaking_time_percentage: f64,
    pub wins: Vec<Finding>,
    pub challenges: Vec<Finding>,
    pub action_items: Vec<Finding>,
    pub coach_recommendations: Vec<String>,
    pub urgency_indicators: Vec<Finding>,
    pub generated_summary: String,
    pub generated_email: String,
    pub coach_review_status: CoachReviewStatus,
    pub final_email_content: Option<String>,
    pub email_sent_at: Option<String>,
    // Beside the data model's fields: what the analysis needs and shows.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub generated_email_subject: String,
    pub stats: SpeakerStats,
    pub analyser: AnalyserInfo,
    #[serde(default)]
    pub priority: Option<PriorityFlag>,
}
