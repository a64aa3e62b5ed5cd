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
    /// What the model call cost, when one was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ModelUsage>,
}

/// One model call's tokens, and its price from the configured price table
/// (`DEBRIEF_LLM_PRICES`) in millionths of a US dollar; no price, no cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelUsage {
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_micro_usd: Option<u64>,
}

/// A session's model spend: every participant's calls added up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCost {
    pub model_calls: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Millionths of a US dollar; absent when a call's model has no price configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_micro_usd: Option<u64>,
    /// Participants analysed by the built-in analyser because the session's budget was spent.
    #[serde(default)]
    pub over_budget: u32,
}

impl SessionCost {
    pub fn of<'a>(analysers: impl IntoIterator<Item = &'a AnalyserInfo>) -> Self {
        let mut c = SessionCost { cost_micro_usd: Some(0), ..Default::default() };
        for a in analysers {
            if a.fallback_reason.as_deref().is_some_and(|r| r.starts_with(OVER_BUDGET)) {
                c.over_budget += 1;
            }
            let Some(u) = &a.usage else { continue };
            c.model_calls += 1;
            c.input_tokens += u.input_tokens;
            c.output_tokens += u.output_tokens;
            c.cost_micro_usd = match (c.cost_micro_usd, u.cost_micro_usd) {
                (Some(total), Some(one)) => Some(total + one),
                _ => None,
            };
        }
        c
    }
}

/// How a fallback for a spent budget starts its reason.
pub const OVER_BUDGET: &str = "the session's model budget";

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
