//! A rep's trends over a period (`GET /v1/reps/{id}/stats`, the MCP tool `rep_stats`): talk
//! ratio, question rate, objections met and answered, and scores by meeting type, from the
//! debriefs stored on the rep's call sessions.

use std::collections::BTreeMap;

use serde::Serialize;

use super::debrief::{MeetingType, name};
use crate::analysis::Analyser;
use crate::pipeline::{Pipeline, PipelineError};
use crate::ports::{Mailer, Queue, Store};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepStats {
    pub rep: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub calls: usize,
    /// Averages over the calls (`None` without calls).
    pub average_talk_percent: Option<f64>,
    pub average_questions_per_call: Option<f64>,
    pub average_questions_per_minute: Option<f64>,
    pub objections_met: usize,
    pub objections_answered: usize,
    pub buying_signals: usize,
    pub average_score: Option<f64>,
    /// Per meeting type: calls and average score.
    pub by_meeting_type: BTreeMap<String, TypeStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeStats {
    pub calls: usize,
    pub average_score: f64,
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| (xs.iter().sum::<f64>() / xs.len() as f64 * 10.0).round() / 10.0)
}

impl<S: Store, Q: Queue, M: Mailer, A: Analyser> Pipeline<S, Q, M, A> {
    /// The rep's calls dated within `from`..=`to` (ISO dates; open when `None`).
    pub async fn rep_stats(&self, rep: &str, from: Option<&str>, to: Option<&str>) -> Result<RepStats, PipelineError> {
        let mut debriefs = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let (sessions, next) = self.repo.list_sessions(rep, 100, cursor.as_deref()).await?;
            for s in sessions {
                let date = s.workshop_date.get(..10).unwrap_or(&s.workshop_date).to_string();
                if from.is_some_and(|f| date.as_str() < f) || to.is_some_and(|t| date.as_str() > t) {
                    continue;
                }
                if let Some(call) = s.call {
                    debriefs.push(call.debrief);
                }
            }
            cursor = next;
            if cursor.is_none() {
                break;
            }
        }
        let of = |f: &dyn Fn(&super::debrief::Debrief) -> f64| debriefs.iter().map(f).collect::<Vec<_>>();
        let mut by_type: BTreeMap<MeetingType, Vec<f64>> = BTreeMap::new();
        for d in &debriefs {
            by_type.entry(d.meeting_type).or_default().push(d.score);
        }
        Ok(RepStats {
            rep: rep.to_string(),
            from: from.map(str::to_string),
            to: to.map(str::to_string),
            calls: debriefs.len(),
            average_talk_percent: mean(&of(&|d| d.metrics.seller_talk_percent)),
            average_questions_per_call: mean(&of(&|d| f64::from(d.metrics.seller_questions))),
            average_questions_per_minute: mean(&of(&|d| d.metrics.seller_questions_per_minute)),
            objections_met: debriefs.iter().map(|d| d.objections.len()).sum(),
            objections_answered: debriefs.iter().map(|d| d.objections.iter().filter(|o| o.addressed.is_some()).count()).sum(),
            buying_signals: debriefs.iter().map(|d| d.buying_signals.len()).sum(),
            average_score: mean(&of(&|d| d.score)),
            by_meeting_type: by_type.into_iter().map(|(t, scores)| (name(&t), TypeStats { calls: scores.len(), average_score: mean(&scores).unwrap_or(0.0) })).collect(),
        })
    }
}
