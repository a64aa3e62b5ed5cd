//! The deterministic analyser: no network, the same answer every time. It reads the
//! participant's sentences for the phrases in [`super::patterns`], keeps each matching sentence
//! verbatim as evidence, and writes the summary and email with [`super::compose`].

use std::collections::HashSet;

use super::compose::{self, Findings};
use super::signals::{SignalKind, classify, fold, sentences};
use super::{Analyser, Analysis, ParticipantContext};
use crate::domain::{AnalyserInfo, AnalyserKind, EngagementLevel, Evidence, Finding};
use crate::transcript::format_timestamp;

#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinAnalyser;

#[derive(Default)]
pub(crate) struct Signals {
    pub wins: Vec<Finding>,
    pub challenges: Vec<Finding>,
    pub actions: Vec<Finding>,
    pub urgency: Vec<Finding>,
}

/// What the built-in analyser has read of one participant so far: their signals and the coach's
/// advice to them. Fed line by line, so a whole transcript can be read in one streaming pass
/// without keeping anyone's lines ([`crate::report::analyse_streaming`]); a context is read the
/// same way ([`BuiltinAnalyser::analyse_now`]).
#[derive(Default)]
pub struct Reading {
    signals: Signals,
    seen: HashSet<(SignalKind, String)>,
    advice: Vec<String>,
}

impl Reading {
    /// One of the participant's own lines.
    pub fn utterance(&mut self, start_ms: u64, text: &str) {
        for range in sentences(text) {
            let sentence = &text[range];
            for kind in classify(sentence) {
                // The same sentence said twice is one finding, with its first evidence.
                if !self.seen.insert((kind, fold(sentence))) {
                    continue;
                }
                let finding = Finding {
                    text: sentence.trim_end_matches(['.', '!']).to_string(),
                    evidence: Evidence { quote: sentence.to_string(), timestamp: format_timestamp(start_ms), start_ms },
                };
                let out = &mut self.signals;
                match kind {
                    SignalKind::Urgency => out.urgency.push(finding),
                    SignalKind::Action => out.actions.push(finding),
                    SignalKind::Challenge => out.challenges.push(finding),
                    SignalKind::Win => out.wins.push(finding),
                }
            }
        }
    }

    /// A line of the coach's right after one of the participant's turns: the sentences that
    /// give advice are kept, quoted.
    pub fn coach_reply(&mut self, start_ms: u64, text: &str) {
        for range in sentences(text) {
            let sentence = &text[range];
            let folded = format!("{} ", fold(sentence));
            let advice = !sentence.trim_end().ends_with('?') || folded.contains("what if you") || folded.contains("how about");
            if advice && ADVICE.iter().any(|a| folded.starts_with(a) || folded.contains(&format!(" {a}")) || folded.contains(&format!(", {a}"))) {
                let quoted = format!("From the session ({}): \"{}\"", &format_timestamp(start_ms)[..8], sentence);
                if !self.advice.contains(&quoted) {
                    self.advice.push(quoted);
                }
            }
        }
    }

    /// Adds what was read of a later piece of the transcript, as if it had been read after
    /// this one: a sentence already found here is not found again, advice already quoted is not
    /// quoted twice.
    pub fn merge(&mut self, later: Reading) {
        let kinds = [
            (SignalKind::Urgency, later.signals.urgency, &mut self.signals.urgency),
            (SignalKind::Action, later.signals.actions, &mut self.signals.actions),
            (SignalKind::Challenge, later.signals.challenges, &mut self.signals.challenges),
            (SignalKind::Win, later.signals.wins, &mut self.signals.wins),
        ];
        for (kind, found, into) in kinds {
            for finding in found {
                if self.seen.insert((kind, fold(&finding.evidence.quote))) {
                    into.push(finding);
                }
            }
        }
        for quoted in later.advice {
            if !self.advice.contains(&quoted) {
                self.advice.push(quoted);
            }
        }
    }

    /// Reads a whole context.
    pub(crate) fn of(ctx: &ParticipantContext) -> Self {
        let mut reading = Self::default();
        for line in &ctx.utterances {
            reading.utterance(line.start_ms, &line.text);
        }
        for line in &ctx.coach_replies {
            reading.coach_reply(line.start_ms, &line.text);
        }
        reading
    }

    /// The analysis of what was read; `ctx` gives the participant's name, statistics and coach
    /// (its lines are not read again).
    pub fn finish(self, ctx: &ParticipantContext) -> Analysis {
        let s = self.signals;
        let coach_recommendations = recommendations(ctx, self.advice, &s);
        let f = Findings { wins: &s.wins, challenges: &s.challenges, actions: &s.actions, urgency: &s.urgency };
        let generated_summary = compose::summary(ctx, &f);
        let (generated_email_subject, generated_email) = compose::email(ctx, &f);
        Analysis {
            wins: s.wins,
            challenges: s.challenges,
            action_items: s.actions,
            coach_recommendations,
            urgency_indicators: s.urgency,
            generated_summary,
            generated_email_subject,
            generated_email,
            analyser: AnalyserInfo { kind: AnalyserKind::Builtin, model: None, fallback_reason: None, dropped_quotes: 0, usage: None },
        }
    }
}

/// Words by which a coach's reply gives advice to the participant it answers.
const ADVICE: &[&str] = &[
    "try ", "i'd suggest", "i suggest", "i would suggest", "my advice", "i recommend", "i'd recommend", "you could ",
    "you should ", "you might ", "what if you", "how about ", "consider ", "start with", "next time", "make sure",
    "don't forget", "i want you to", "your homework", "i'd love you to", "have a go at", "i'd encourage", "my suggestion",
    "one thing to try", "let's get you", "book a", "block ",
];

/// What the coach already advised (`advice`) comes first, in their words; Debrief's
/// suggestions follow.
pub(crate) fn recommendations(ctx: &ParticipantContext, advice: Vec<String>, s: &Signals) -> Vec<String> {
    let first = compose::first_name(&ctx.participant_name);
    let mut recs = advice;
    if let Some(u) = s.urgency.first() {
        recs.push(format!("Reach out to {first} within 24 hours about: \"{}\"", u.evidence.quote));
    }
    match ctx.engagement {
        EngagementLevel::Silent => {
            recs.push(format!("Check in with {first} privately; they did not speak this session."))
        }
        EngagementLevel::Low => recs.push(format!("Invite {first} to share early next session with a direct question.")),
        _ => {}
    }
    if let Some(c) = s.challenges.first() {
        recs.push(format!("Offer {first} a resource or a short 1:1 on: {}", c.text));
    }
    for a in &s.actions {
        recs.push(format!("Follow up on {first}'s commitment: {}", a.text));
    }
    if let Some(w) = s.wins.first() {
        recs.push(format!("Celebrate {first}'s win with the group: {}", w.text));
    }
    let avoid = &ctx.coach.communication_style.avoid_phrases;
    recs.into_iter().map(|r| compose::strip_avoid_phrases(&r, avoid)).collect()
}

impl BuiltinAnalyser {
    pub fn analyse_now(&self, ctx: &ParticipantContext) -> Analysis {
        Reading::of(ctx).finish(ctx)
    }
}

impl Analyser for BuiltinAnalyser {
    async fn analyse(&self, ctx: &ParticipantContext) -> Analysis {
        self.analyse_now(ctx)
    }
}
