//! Per-participant analysis: one participant's context in, wins / challenges / action items /
//! urgency (each with its verbatim evidence), recommendations, summary and email out.

mod builtin;
pub(crate) mod compose;
mod engagement;
mod evidence;
pub(crate) mod llm;
pub mod eval;
pub mod questions;
pub mod signals;
mod priority;

use serde::{Deserialize, Serialize};

use crate::attendance::{Attendee, Speakers, Who};
use crate::domain::{AnalyserInfo, CoachProfile, EngagementLevel, Finding, WorkshopSession};
use crate::transcript::{SpeakerStats, Transcript, Utterance};

pub use builtin::{BuiltinAnalyser, Reading};
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

/// What a transcript line is to the participant it is routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Their own line.
    Own,
    /// The line just before one of their turns (usually the coach's prompt).
    Prompt,
    /// One of the coach's next two lines after their turn, before anyone else speaks.
    CoachReply,
}

/// Routes a transcript's lines to the attendees they concern, in one forward pass that keeps
/// only the previous line: `sink(attendee index, role, line)`. Both ways of reading a session
/// share it: filling the contexts the queue carries ([`ParticipantContext::fill_all`]) and the
/// built-in analyser's streaming read of a whole file ([`crate::report::analyse_streaming`]).
pub fn route<'t, U: std::borrow::Borrow<Utterance<'t>>>(
    lines: impl Iterator<Item = U>,
    speakers: &Speakers<'_>,
    mut sink: impl FnMut(usize, Role, &Utterance<'t>),
) {
    Router::new(speakers).read(lines, &mut sink);
}

/// The state of [`route`]: who each label seen so far is, who spoke last, and whose turn the
/// coach may be answering. A router can also read a transcript in pieces (each piece's router
/// then ends with [`Router::finish_answers`] on the next piece's first lines).
pub struct Router<'r> {
    speakers: &'r Speakers<'r>,
    /// Labels already matched: a transcript has a few, said thousands of times each.
    known: std::collections::HashMap<String, Who, std::hash::BuildHasherDefault<crate::transcript::FxHasher>>,
    previous_owner: Option<usize>,
    /// The attendee whose turn the coach may be answering, and how many lines are left to look at.
    answering: Option<(usize, u8)>,
}

impl<'r> Router<'r> {
    pub fn new(speakers: &'r Speakers<'r>) -> Self {
        Self { speakers, known: Default::default(), previous_owner: None, answering: None }
    }

    fn who(&mut self, u: &Utterance<'_>) -> Who {
        let Some(label) = u.speaker.as_deref() else { return Who::Other };
        if let Some(&who) = self.known.get(label) {
            return who;
        }
        let who = self.speakers.who(label);
        self.known.insert(label.to_owned(), who);
        who
    }

    /// Routes every line of `lines` (the first with no line before it).
    pub fn read<'t, U: std::borrow::Borrow<Utterance<'t>>>(&mut self, lines: impl Iterator<Item = U>, sink: &mut impl FnMut(usize, Role, &Utterance<'t>)) {
        let mut previous: Option<U> = None;
        for line in lines {
            self.line(line.borrow(), previous.as_ref().map(|p| p.borrow()), sink);
            previous = Some(line);
        }
    }

    /// Routes `u`, given the line before it (`None` at the start of the transcript, or of a
    /// piece: then a first turn has no prompt).
    pub fn line<'t>(&mut self, u: &Utterance<'t>, previous: Option<&Utterance<'t>>, sink: &mut impl FnMut(usize, Role, &Utterance<'t>)) {
        let who = self.who(u);
        self.answer(u, who, sink);
        let owner = match who {
            Who::Attendee(a) => Some(a),
            _ => None,
        };
        if let Some(a) = owner {
            if let Some(p) = previous.filter(|_| self.previous_owner != Some(a)) {
                sink(a, Role::Prompt, p);
            }
            sink(a, Role::Own, u);
            self.answering = Some((a, 2));
        }
        self.previous_owner = owner;
    }

    fn answer<'t>(&mut self, u: &Utterance<'t>, who: Who, sink: &mut impl FnMut(usize, Role, &Utterance<'t>)) {
        if let Some((a, left)) = self.answering {
            self.answering = (who == Who::Coach && left > 0).then(|| {
                sink(a, Role::CoachReply, u);
                (a, left - 1)
            });
        }
    }

    /// At the end of a piece: the coach's answer to its last turn, from the first lines of the
    /// next piece (at most two are read).
    pub fn finish_answers<'t, U: std::borrow::Borrow<Utterance<'t>>>(&mut self, next: impl Iterator<Item = U>, mut sink: impl FnMut(usize, Role, &Utterance<'t>)) {
        for line in next {
            if self.answering.is_none() {
                break;
            }
            let who = self.who(line.borrow());
            self.answer(line.borrow(), who, &mut sink);
        }
    }
}

impl ParticipantContext {
    /// Every attendee's context without lines yet (`levels[i]` is attendee `i`'s engagement).
    pub fn headers(session: &WorkshopSession, coach: &CoachProfile, attendees: &[Attendee], levels: &[EngagementLevel]) -> Vec<Self> {
        attendees
            .iter()
            .zip(levels)
            .map(|(a, &engagement)| Self {
                session: session.clone(),
                coach: coach.clone(),
                participant_id: a.entry.hubspot_contact_id.clone(),
                participant_name: a.entry.name.clone(),
                email: a.entry.email.clone(),
                stats: a.stats.clone(),
                engagement,
                utterances: Vec::with_capacity(a.stats.cues as usize),
                surrounding: Vec::new(),
                coach_replies: Vec::new(),
            })
            .collect()
    }

    /// Fills every attendee's context (from [`Self::headers`]) in one pass over the
    /// transcript: each utterance goes to its speaker's context, with the line before the turn
    /// and the coach's answer after it.
    pub fn fill_all(contexts: &mut [Self], transcript: &Transcript<'_>, speakers: &Speakers<'_>) {
        route(transcript.utterances.iter(), speakers, |a, role, u| {
            let ctx = &mut contexts[a];
            match role {
                Role::Own => ctx.utterances.push(to_line(u)),
                Role::Prompt => ctx.surrounding.push(to_line(u)),
                Role::CoachReply => ctx.coach_replies.push(to_line(u)),
            }
        });
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

fn to_line(u: &Utterance<'_>) -> Line {
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

    /// The model this analyser calls, if any (other writers, e.g. webinar follow-ups, use it too).
    fn model(&self) -> Option<&LlmConfig> {
        None
    }
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
    fn model(&self) -> Option<&LlmConfig> {
        match self {
            Self::Builtin(_) => None,
            Self::Llm(a) => Some(a.config()),
        }
    }

    async fn analyse(&self, ctx: &ParticipantContext) -> Analysis {
        match self {
            Self::Builtin(a) => a.analyse(ctx).await,
            Self::Llm(a) => a.analyse(ctx).await,
        }
    }
}
