use serde::{Deserialize, Serialize};

use crate::domain::EngagementLevel;

/// Engagement from a participant's share of speaking time, relative to a fair share
/// (100 % over participants + the coach): `high` at `high_ratio` × fair share or more,
/// `medium` at `medium_ratio` × or more, `low` below but above zero, and `silent` exactly when
/// the participant has no attributed speech. Defaults: 1.5 and 0.35 (with 15 participants and
/// the coach: high from 9.4 %, low under 2.2 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementThresholds {
    pub high_ratio: f64,
    pub medium_ratio: f64,
}

impl Default for EngagementThresholds {
    fn default() -> Self {
        Self { high_ratio: 1.5, medium_ratio: 0.35 }
    }
}

impl EngagementThresholds {
    pub fn level(&self, speaking_pct: f64, cues: u32, participants: usize) -> EngagementLevel {
        if cues == 0 {
            return EngagementLevel::Silent;
        }
        let fair = 100.0 / (participants as f64 + 1.0);
        let ratio = speaking_pct / fair;
        if ratio >= self.high_ratio {
            EngagementLevel::High
        } else if ratio >= self.medium_ratio {
            EngagementLevel::Medium
        } else {
            EngagementLevel::Low
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_scale_with_group_size() {
        let t = EngagementThresholds::default();
        // 15 participants + coach: fair share 6.25 %
        assert_eq!(t.level(12.09, 10, 15), EngagementLevel::High);
        assert_eq!(t.level(5.14, 10, 15), EngagementLevel::Medium);
        assert_eq!(t.level(2.18, 10, 15), EngagementLevel::Low);
        assert_eq!(t.level(0.0, 0, 15), EngagementLevel::Silent);
        // a short cue is still speech
        assert_eq!(t.level(0.0, 1, 15), EngagementLevel::Low);
        // 4 participants + coach: fair share 20 %
        assert_eq!(t.level(5.0, 3, 4), EngagementLevel::Low);
        assert_eq!(t.level(7.76, 3, 4), EngagementLevel::Medium);
        assert_eq!(t.level(38.01, 3, 4), EngagementLevel::High);
    }
}
