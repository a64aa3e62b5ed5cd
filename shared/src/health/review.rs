//! An intervention's message draft as a review: one session (kind `intervention`, id the
//! intervention's) with the client as its one participant, so the coach reads, edits, approves
//! and sends it once through the same review logic, MCP tools and signed links as a workshop's
//! follow-ups — no copy of any of them.

use super::interventions::Intervention;
use crate::domain::{EngagementLevel, ParticipantSummary, WorkshopSession};

/// The participant id of an intervention's client.
pub const CLIENT_ID: &str = "client";

pub fn draft_session(iv: &Intervention, coach_id: &str, chat_gpt_url: Option<String>) -> (WorkshopSession, ParticipantSummary) {
    let summary = format!("{} ({}, health {} {}, churn risk {} %): {}", iv.kind.label(), iv.created_on, iv.total, iv.zone.name(), iv.churn_risk, iv.cause);
    let mut participant = ParticipantSummary::draft(&iv.id, CLIENT_ID, iv.client_name.clone(), iv.client_email.clone(), iv.subject.clone(), iv.body.clone(), summary);
    participant.engagement_level = if iv.total >= 70 { EngagementLevel::High } else if iv.total >= 50 { EngagementLevel::Medium } else { EngagementLevel::Low };
    participant.coach_recommendations = vec![iv.action.clone()];
    // The coach hears of interventions in the daily digest, not one email each.
    let mut session = WorkshopSession::one_draft(&iv.id, &iv.created_on.to_string(), format!("{}: {}", iv.kind.label(), iv.client_name), coach_id, chat_gpt_url);
    session.priority_client_ids = vec![CLIENT_ID.into()];
    session.intervention = Some(iv.clone());
    (session, participant)
}
