//! Per-participant analysis: one participant's context in, wins / challenges / action items /
//! urgency (each with its verbatim evidence), recommendations, summary and email out.

mod builtin;
mod compose;
mod engagement;
mod evidence;
mod llm;
pub mod eval;
pub mod signals;
mod priority;

use serde::{Deserialize, Serialize};

use crate::attendance::Attendee;
use crate::domain::{AnalyserInfo, CoachProfile, EngagementLevel, Finding, WorkshopSession};
use crate::transcript::{SpeakerStats, Transcript};

pub use builtin::BuiltinAnalyser;
pub use compose::{first_name, strip_avoid_phrases};
pub use engagement::EngagementThresholds;
pub use evidence::QuoteIndex;
pub use llm::{LlmAnalyser, LlmConfig, price_for};
pub use priority::{PriorityRules, rank_priorities};

/// One line of the transcript, owned, so a context can travel in a queue message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub start_ms: u64,
    pub end_ms: u64,
    pub speaker: Option<String>,
    pub text: String,
}

/// Everything an analyser may know about one participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantContext {
    pub session: WorkshopSession,
    pub coach: CoachProfile,
    pub participant_id: String,
    pub participant_name: String,
    pub email: Option<String>,
    pub stats: SpeakerStats,
    pub engagement: EngagementLevel,
    /// The participant's own utterances.
    pub utterances: Vec<Line>,
    /// For each of their turns, the line just before it (usually the coach's prompt).
    pub surrounding: Vec<Line>,
    /// The coach's lines right after each of their turns: where the coach's advice to this
    /// participant is (the seed's `coachRecommendations` quote it).
    #[serde(default)]
    pub coach_replies: Vec<Line>,
}

impl ParticipantContext {
    /// Builds the context of `attendee` from the transcript they were matched in.
    pub fn build(
        session: &WorkshopSession,
        coach: &CoachProfile,
        attendee: &Attendee,
        engagement: EngagementLevel,
        transcript: &Transcript<'_>,
        coach_labels: &[String],
    ) -> Self {
        let mine = |s: Option<&str>| s.is_some_and(|s| attendee.labels.iter().any(|l| l == s));
        let mut utterances = Vec::new();
        let mut surrounding = Vec::new();
        let mut coach_replies = Vec::new();
        let all = &transcript.utterances;
        for (i, u) in all.iter().enumerate() {
            if !mine(u.speaker.as_deref()) {
                continue;
            }
            if i > 0 && !mine(all[i - 1].speaker.as_deref()) {
                surrounding.push(to_line(&all[i - 1]));
            }
            utterances.push(to_line(u));
            // The coach's answer to this turn: their next line or two, before anyone else speaks.
            for next in all[i + 1..].iter().take(2) {
                let by_coach = next.speaker.as_deref().is_some_and(|s| coach_labels.iter().any(|l| l == s));
                if !by_coach {
                    break;
                }
                coach_replies.push(to_line(next));
            }
        }
        Self {
            session: session.clone(),
            coach: coach.clone(),
            participant_id: attendee.entry.hubspot_contact_id.clone(),
            participant_name: attendee.entry.name.clone(),
            email: attendee.entry.email.clone(),
            stats: attendee.stats.clone(),
            engagement,
            utterances,
            surrounding,
            coach_replies,
        }
    }
}

impl ParticipantContext {
    /// Cuts the context to an excerpt when its stored form would pass `max_bytes`: the prompts
    /// before the participant's turns go first, then their latest utterances. Statistics were
    /// counted on the whole transcript and stay whole.
    pub fn fit_within(&mut self, max_bytes: usize) {
        const LINE_OVERHEAD: usize = 64;
        let size = |ls: &[Line]| ls.iter().map(|l| l.text.len() + l.speaker.as_ref().map_or(0, String::len) + LINE_OVERHEAD).sum::<usize>();
        let fixed = serde_json::to_string(&(&self.session, &self.coach, &self.stats)).map_or(0, |s| s.len()) + 1024;
        let budget = max_bytes.saturating_sub(fixed);
        let (before_u, before_s) = (self.utterances.len(), self.surrounding.len());
        while size(&self.utterances) + size(&self.surrounding) + size(&self.coach_replies) > budget && self.coach_replies.pop().is_some() {}
        while size(&self.utterances) + size(&self.surrounding) > budget && self.surrounding.pop().is_some() {}
        while size(&self.utterances) > budget && self.utterances.pop().is_some() {}
        if self.utterances.len() < before_u || self.surrounding.len() < before_s {
            tracing::info!(
                participant_id = %self.participant_id,
                utterances_kept = self.utterances.len(),
                utterances = before_u,
                "participant context cut to an excerpt"
            );
        }
    }
}

fn to_line(u: &crate::transcript::Utterance<'_>) -> Line {
    Line { start_ms: u.start_ms, end_ms: u.end_ms, speaker: u.speaker.as_deref().map(str::to_owned), text: u.text.to_string() }
}

/// What an analyser says about one participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    pub wins: Vec<Finding>,
    pub challenges: Vec<Finding>,
    pub action_items: Vec<Finding>,
    pub coach_recommendations: Vec<String>,
    pub urgency_indicators: Vec<Finding>,
    pub generated_summary: String,
    pub generated_email_subject: String,
    pub generated_email: String,
    pub analyser: AnalyserInfo,
}

/// Turns one participant's context into their analysis. Implementations never fail: a model
/// that cannot answer hands over to the built-in analyser and says so in `analyser`.
pub trait Analyser: Send + Sync {
    fn analyse(&self, ctx: &ParticipantContext) -> impl std::future::Future<Output = Analysis> + Send;
}

/// The analyser chosen by configuration: a model when one is configured, built-in otherwise.
#[derive(Debug, Clone)]
pub enum ConfiguredAnalyser {
    Builtin(BuiltinAnalyser),
    Llm(LlmAnalyser),
}

impl ConfiguredAnalyser {
    /// Reads `DEBRIEF_LLM_*` / `OPENAI_*` variables (see [`LlmConfig::from_env`]).
    pub fn from_env() -> Self {
        match LlmConfig::from_env() {
            Some(cfg) => Self::Llm(LlmAnalyser::new(cfg)),
            None => Self::Builtin(BuiltinAnalyser),
        }
    }
}

impl Analyser for ConfiguredAnalyser {
    async fn analyse(&self, ctx: &ParticipantContext) -> Analysis {
        match self {
            Self::Builtin(a) => a.analyse(ctx).await,
            Self::Llm(a) => a.analyse(ctx).await,
        }
    }
}
