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
    /// A webinar attendee in the Hot tier.
    HotLead,
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

/// One participant's analysis and review state. In JSON (API, CLI, store, callback) it takes
/// the seed's shape — `keyWins`, `challengesMentioned`, `actionItems`, `urgencyIndicators` as
/// lists of strings, each with a parallel `…Evidence` list (quote and timestamp) — see
/// [`ParticipantSummaryJson`]; in Rust each finding keeps its evidence beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "ParticipantSummaryJson", from = "ParticipantSummaryJson")]
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
    /// How many times the coach changed the summary or the email (HubSpot's "coach edits").
    pub coach_edit_count: u32,
    // Beside the data model's fields: what the analysis needs and shows.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub generated_email_subject: String,
    pub stats: SpeakerStats,
    pub analyser: AnalyserInfo,
    #[serde(default)]
    pub priority: Option<PriorityFlag>,
    /// A webinar registrant's score, tier and components (a workshop participant has none).
    pub webinar_engagement: Option<crate::webinar::Engagement>,
}

impl ParticipantSummary {
    /// A webinar registrant's engagement score; 0 for a workshop participant.
    pub fn engagement_score(&self) -> u8 {
        self.webinar_engagement.as_ref().map_or(0, |e| e.score)
    }

    /// Highest engagement score first, then by name: the order of a webinar's attendees, its
    /// export and (after priority) its review list.
    pub fn by_score(a: &Self, b: &Self) -> std::cmp::Ordering {
        b.engagement_score().cmp(&a.engagement_score()).then_with(|| a.participant_name.cmp(&b.participant_name))
    }

    /// The coach's edit of the summary and/or the email; counted in `coach_edit_count` when
    /// it changes either (saving the same text again is not an edit).
    pub fn coach_edit(&mut self, summary: Option<String>, email: Option<String>) {
        let mut changed = false;
        if let Some(s) = summary.filter(|s| *s != self.generated_summary) {
            self.generated_summary = s;
            changed = true;
        }
        let current_email = self.final_email_content.as_deref().unwrap_or(&self.generated_email);
        if let Some(e) = email.filter(|e| e != current_email) {
            self.final_email_content = Some(e);
            changed = true;
        }
        if changed {
            self.coach_edit_count += 1;
        }
    }
}

impl ParticipantSummary {
    /// A person's email draft for review, written by the built-in writer: no findings, no
    /// speaking stats (a call's buyer, an intervention's client).
    pub fn draft(session_id: &str, participant_id: &str, name: String, email: Option<String>, subject: String, body: String, summary: String) -> Self {
        Self {
            participant_id: participant_id.to_string(),
            session_id: session_id.to_string(),
            participant_name: name,
            engagement_level: EngagementLevel::Medium,
            speaking_time_percentage: 0.0,
            wins: vec![],
            challenges: vec![],
            action_items: vec![],
            coach_recommendations: vec![],
            urgency_indicators: vec![],
            generated_summary: summary,
            generated_email: body,
            coach_review_status: CoachReviewStatus::Pending,
            final_email_content: None,
            email_sent_at: None,
            coach_edit_count: 0,
            email,
            generated_email_subject: subject,
            stats: Default::default(),
            analyser: AnalyserInfo { kind: AnalyserKind::Builtin, model: None, fallback_reason: None, dropped_quotes: 0, usage: None },
            priority: None,
            webinar_engagement: None,
        }
    }
}

/// The JSON shape of [`ParticipantSummary`]: what Make.com scenarios and HubSpot mappings were
/// built against (the seed's names, string lists) with the evidence in parallel lists, item
/// `i` of `keyWinsEvidence` being the quote of item `i` of `keyWins`. Reading also accepts the
/// shape stored before (`wins`, `challenges`, and lists of `{text, evidence}` objects), so
/// sessions saved by an earlier version still load.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantSummaryJson {
    participant_id: String,
    session_id: String,
    participant_name: String,
    engagement_level: EngagementLevel,
    speaking_time_percentage: f64,
    #[serde(default, alias = "wins")]
    key_wins: Vec<TextOrFinding>,
    #[serde(default)]
    key_wins_evidence: Vec<Evidence>,
    #[serde(default, alias = "challenges")]
    challenges_mentioned: Vec<TextOrFinding>,
    #[serde(default)]
    challenges_mentioned_evidence: Vec<Evidence>,
    #[serde(default)]
    action_items: Vec<TextOrFinding>,
    #[serde(default)]
    action_items_evidence: Vec<Evidence>,
    #[serde(default)]
    coach_recommendations: Vec<String>,
    #[serde(default)]
    urgency_indicators: Vec<TextOrFinding>,
    #[serde(default)]
    urgency_indicators_evidence: Vec<Evidence>,
    generated_summary: String,
    generated_email: String,
    coach_review_status: CoachReviewStatus,
    final_email_content: Option<String>,
    email_sent_at: Option<String>,
    #[serde(default)]
    coach_edit_count: u32,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    generated_email_subject: String,
    stats: SpeakerStats,
    analyser: AnalyserInfo,
    #[serde(default)]
    priority: Option<PriorityFlag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    webinar_engagement: Option<crate::webinar::Engagement>,
}

/// An item of a findings list as written now (a string) or as stored before (an object).
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum TextOrFinding {
    Text(String),
    Finding(Finding),
}

fn split(findings: Vec<Finding>) -> (Vec<TextOrFinding>, Vec<Evidence>) {
    findings.into_iter().map(|f| (TextOrFinding::Text(f.text), f.evidence)).unzip()
}

/// Pairs each text with its evidence; a text without evidence (a hand-written record) gets an
/// empty quote rather than being dropped.
fn join(items: Vec<TextOrFinding>, evidence: Vec<Evidence>) -> Vec<Finding> {
    let mut evidence = evidence.into_iter();
    items
        .into_iter()
        .map(|item| match item {
            TextOrFinding::Finding(f) => f,
            TextOrFinding::Text(text) => Finding {
                text,
                evidence: evidence.next().unwrap_or(Evidence { quote: String::new(), timestamp: String::new(), start_ms: 0 }),
            },
        })
        .collect()
}

impl From<ParticipantSummary> for ParticipantSummaryJson {
    fn from(p: ParticipantSummary) -> Self {
        let (key_wins, key_wins_evidence) = split(p.wins);
        let (challenges_mentioned, challenges_mentioned_evidence) = split(p.challenges);
        let (action_items, action_items_evidence) = split(p.action_items);
        let (urgency_indicators, urgency_indicators_evidence) = split(p.urgency_indicators);
        ParticipantSummaryJson {
            participant_id: p.participant_id,
            session_id: p.session_id,
            participant_name: p.participant_name,
            engagement_level: p.engagement_level,
            speaking_time_percentage: p.speaking_time_percentage,
            key_wins,
            key_wins_evidence,
            challenges_mentioned,
            challenges_mentioned_evidence,
            action_items,
            action_items_evidence,
            coach_recommendations: p.coach_recommendations,
            urgency_indicators,
            urgency_indicators_evidence,
            generated_summary: p.generated_summary,
            generated_email: p.generated_email,
            coach_review_status: p.coach_review_status,
            final_email_content: p.final_email_content,
            email_sent_at: p.email_sent_at,
            coach_edit_count: p.coach_edit_count,
            email: p.email,
            generated_email_subject: p.generated_email_subject,
            stats: p.stats,
            analyser: p.analyser,
            priority: p.priority,
            webinar_engagement: p.webinar_engagement,
        }
    }
}

impl From<ParticipantSummaryJson> for ParticipantSummary {
    fn from(j: ParticipantSummaryJson) -> Self {
        ParticipantSummary {
            participant_id: j.participant_id,
            session_id: j.session_id,
            participant_name: j.participant_name,
            engagement_level: j.engagement_level,
            speaking_time_percentage: j.speaking_time_percentage,
            wins: join(j.key_wins, j.key_wins_evidence),
            challenges: join(j.challenges_mentioned, j.challenges_mentioned_evidence),
            action_items: join(j.action_items, j.action_items_evidence),
            coach_recommendations: j.coach_recommendations,
            urgency_indicators: join(j.urgency_indicators, j.urgency_indicators_evidence),
            generated_summary: j.generated_summary,
            generated_email: j.generated_email,
            coach_review_status: j.coach_review_status,
            final_email_content: j.final_email_content,
            email_sent_at: j.email_sent_at,
            coach_edit_count: j.coach_edit_count,
            email: j.email,
            generated_email_subject: j.generated_email_subject,
            stats: j.stats,
            analyser: j.analyser,
            priority: j.priority,
            webinar_engagement: j.webinar_engagement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(text: &str, quote: &str, ms: u64) -> Finding {
        Finding { text: text.into(), evidence: Evidence { quote: quote.into(), timestamp: "00:01:02.000".into(), start_ms: ms } }
    }

    fn summary() -> ParticipantSummary {
        let legacy = serde_json::json!({
            "participantId": "101", "sessionId": "ws-1", "participantName": "Priya Nair",
            "engagementLevel": "high", "speakingTimePercentage": 12.5,
            "wins": [{"text": "Signed a client", "evidence": {"quote": "I finally signed a client", "timestamp": "00:01:02.000", "startMs": 62000}}],
            "challenges": [], "actionItems": [], "coachRecommendations": ["Raise prices"],
            "urgencyIndicators": [{"text": "Refund", "evidence": {"quote": "I want my money back", "timestamp": "00:02:00.000", "startMs": 120000}}],
            "generatedSummary": "s", "generatedEmail": "e", "coachReviewStatus": "pending",
            "finalEmailContent": null, "emailSentAt": null,
            "stats": serde_json::to_value(SpeakerStats::default()).unwrap(),
            "analyser": {"kind": "builtin", "droppedQuotes": 0}
        });
        serde_json::from_value(legacy).expect("the shape stored before still reads")
    }

    #[test]
    fn findings_are_strings_with_parallel_evidence_and_round_trip() {
        let mut p = summary();
        assert_eq!(p.wins, vec![finding("Signed a client", "I finally signed a client", 62000)]);
        p.action_items = vec![finding("Call no-shows", "I will call every no-show", 1), finding("Post", "I'm going to post daily", 2)];
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["keyWins"], serde_json::json!(["Signed a client"]));
        assert_eq!(v["keyWinsEvidence"][0]["quote"], "I finally signed a client");
        assert_eq!(v["actionItems"], serde_json::json!(["Call no-shows", "Post"]));
        assert_eq!(v["actionItemsEvidence"][1]["quote"], "I'm going to post daily");
        assert_eq!(v["urgencyIndicators"], serde_json::json!(["Refund"]));
        assert_eq!(v["challengesMentioned"], serde_json::json!([]));
        assert!(v.get("wins").is_none() && v.get("challenges").is_none());
        let back: ParticipantSummary = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn a_coach_edit_counts_only_a_change() {
        let mut p = summary();
        p.coach_edit(None, Some("e".into()));
        assert_eq!((p.coach_edit_count, p.final_email_content.as_deref()), (0, None), "the same email as generated");
        p.coach_edit(Some("Better summary".into()), Some("Hi Priya, call me.".into()));
        assert_eq!(p.coach_edit_count, 1, "one save is one edit");
        p.coach_edit(None, Some("Hi Priya, call me.".into()));
        assert_eq!(p.coach_edit_count, 1);
        p.coach_edit(None, Some("Hi Priya, call me today.".into()));
        assert_eq!((p.coach_edit_count, p.final_email_content.as_deref()), (2, Some("Hi Priya, call me today.")));
        assert_eq!(serde_json::to_value(&p).unwrap()["coachEditCount"], 2);
    }
}
