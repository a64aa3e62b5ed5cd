//! Who the coach should follow up with urgently, and why — the seed's `priorityClientIds`,
//! "flagged for urgent follow-up".
//!
//! Rules (scores add up; highest first, ties by name), with the defaults:
//! - urgency signals (leaving, money back, exhaustion, crisis…): `urgency` (100) + 10 per
//!   extra signal; the reason quotes the strongest one (the refund or quit sentence, not the
//!   first alarm word);
//! - silent, the participant did not speak: `silent` (60);
//! - low engagement: `low_engagement` (0, off: a quiet participant is not an emergency; a coach
//!   who wants them on the list sets a score).
//!
//! A rule scored 0 is off. Breakthroughs are not priority: the coach's email celebrates them in
//! their own section ("Wins to celebrate").

use super::signals::{SignalKind, strongest};
use crate::domain::{EngagementLevel, ParticipantSummary, PriorityFlag, PriorityReason};

pub use crate::domain::PriorityRules;

impl PriorityRules {
    pub fn flag(&self, s: &ParticipantSummary) -> Option<PriorityFlag> {
        let first = crate::analysis::first_name(&s.participant_name);
        let mut score = 0;
        let mut reasons = Vec::new();
        let mut words = Vec::new();
        if self.urgency > 0 {
            if let Some(u) = strongest(&s.urgency_indicators, SignalKind::Urgency) {
                score += self.urgency + 10 * (s.urgency_indicators.len() as u32 - 1);
                reasons.push(PriorityReason::Urgency);
                words.push(format!(
                    "urgent: said \"{}\" at {}",
                    u.evidence.quote,
                    &u.evidence.timestamp[..8.min(u.evidence.timestamp.len())]
                ));
            }
        }
        match s.engagement_level {
            EngagementLevel::Silent if self.silent > 0 => {
                score += self.silent;
                reasons.push(PriorityReason::Silent);
                words.push(format!("{first} did not speak in the session"));
            }
            EngagementLevel::Low if self.low_engagement > 0 => {
                score += self.low_engagement;
                reasons.push(PriorityReason::LowEngagement);
                words.push(format!(
                    "low engagement ({}% of speaking time)",
                    s.speaking_time_percentage
                ));
            }
            _ => {}
        }
        (score > 0).then(|| {
            let mut explanation = words.join("; ");
            if let Some(c) = explanation.get_mut(..1) {
                c.make_ascii_uppercase();
            }
            PriorityFlag {
                rank: 0,
                score,
                reasons,
                explanation,
            }
        })
    }
}

/// Flags and ranks every summary; returns the priority participants' ids, most pressing first.
pub fn rank_priorities(summaries: &mut [ParticipantSummary], rules: &PriorityRules) -> Vec<String> {
    for s in summaries.iter_mut() {
        s.priority = rules.flag(s);
    }
    let mut flagged: Vec<usize> = (0..summaries.len())
        .filter(|&i| summaries[i].priority.is_some())
        .collect();
    flagged.sort_by(|&a, &b| {
        let (sa, sb) = (&summaries[a], &summaries[b]);
        let score = |s: &ParticipantSummary| s.priority.as_ref().map_or(0, |p| p.score);
        score(sb)
            .cmp(&score(sa))
            .then_with(|| sa.participant_name.cmp(&sb.participant_name))
    });
    for (rank, &i) in flagged.iter().enumerate() {
        if let Some(p) = summaries[i].priority.as_mut() {
            p.rank = rank as u32 + 1;
        }
    }
    flagged
        .iter()
        .map(|&i| summaries[i].participant_id.clone())
        .collect()
}
