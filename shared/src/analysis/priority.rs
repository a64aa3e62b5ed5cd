//! Who the coach should follow up with first, and why.
//!
//! Rules (scores add up; highest first, ties by name):
//! - urgency signals (leaving, refund, overwhelm…): `urgency` + 10 per extra signal;
//! - silent: the participant did not speak: `silent`;
//! - low engagement: `low_engagement`;
//! - a major breakthrough (a win with "first", "doubled", "record", "went from"…, or two wins
//!   or more): `breakthrough` — worth a congratulation and often an upsell.
//!
//! Everyone with a score above zero is a priority client.

use serde::{Deserialize, Serialize};

use super::patterns::is_breakthrough;
use crate::domain::{EngagementLevel, ParticipantSummary, PriorityFlag, PriorityReason};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityRules {
    pub urgency: u32,
    pub silent: u32,
    pub low_engagement: u32,
    pub breakthrough: u32,
}

impl Default for PriorityRules {
    fn default() -> Self {
        Self { urgency: 100, silent: 60, low_engagement: 40, breakthrough: 30 }
    }
}

impl PriorityRules {
    pub fn flag(&self, s: &ParticipantSummary) -> Option<PriorityFlag> {
        let first = crate::analysis::first_name(&s.participant_name);
        let mut score = 0;
        let mut reasons = Vec::new();
        let mut words = Vec::new();
        if let Some(u) = s.urgency_indicators.first() {
            score += self.urgency + 10 * (s.urgency_indicators.len() as u32 - 1);
            reasons.push(PriorityReason::Urgency);
            words.push(format!("urgent: said \"{}\" at {}", u.evidence.quote, &u.evidence.timestamp[..8]));
        }
        match s.engagement_level {
            EngagementLevel::Silent => {
                score += self.silent;
                reasons.push(PriorityReason::Silent);
                words.push(format!("{first} did not speak in the session"));
            }
            EngagementLevel::Low => {
                score += self.low_engagement;
                reasons.push(PriorityReason::LowEngagement);
                words.push(format!("low engagement ({}% of speaking time)", s.speaking_time_percentage));
            }
            _ => {}
        }
        let big_win = s.wins.iter().find(|w| is_breakthrough(&w.evidence.quote));
        if big_win.is_some() || s.wins.len() >= 2 {
            score += self.breakthrough;
            reasons.push(PriorityReason::Breakthrough);
            let w = big_win.or(s.wins.first()).expect("a win exists");
            words.push(format!("breakthrough: \"{}\"", w.evidence.quote));
        }
        (score > 0).then(|| {
            let mut explanation = words.join("; ");
            if let Some(c) = explanation.get_mut(..1) {
                c.make_ascii_uppercase();
            }
            PriorityFlag { rank: 0, score, reasons, explanation }
        })
    }
}

/// Flags and ranks every summary; returns the priority participants' ids, most pressing first.
pub fn rank_priorities(summaries: &mut [ParticipantSummary], rules: &PriorityRules) -> Vec<String> {
    for s in summaries.iter_mut() {
        s.priority = rules.flag(s);
    }
    let mut flagged: Vec<usize> = (0..summaries.len()).filter(|&i| summaries[i].priority.is_some()).collect();
    flagged.sort_by(|&a, &b| {
        let (sa, sb) = (&summaries[a], &summaries[b]);
        let score = |s: &ParticipantSummary| s.priority.as_ref().map_or(0, |p| p.score);
        score(sb).cmp(&score(sa)).then_with(|| sa.participant_name.cmp(&sb.participant_name))
    });
    for (rank, &i) in flagged.iter().enumerate() {
        if let Some(p) = summaries[i].priority.as_mut() {
            p.rank = rank as u32 + 1;
        }
    }
    flagged.iter().map(|&i| summaries[i].participant_id.clone()).collect()
}
