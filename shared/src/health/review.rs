//! An intervention's message draft as a review: one session (kind `intervention`, id the
//! intervention's) with the client as its one participant, so the coach reads, edits, approves
//! and sends it once through the same review logic, MCP tools and signed links as a workshop's
//! follow-ups — no copy of any of them.

use super::interventions::Intervention;
use crate::domain::{AnalyserInfo, AnalyserKind, CoachReviewStatus, EngagementLevel, ParticipantSummary, ProcessingStatus, WorkshopSession};

/// The participant id of an intervention's client.
pub const CLIENT_ID: &str = "client";

pub fn draft_session(iv: &Intervention, coach_id: &str, chat_gpt_url: Option<String>) -> (WorkshopSession, ParticipantSummary) {
    let participant = ParticipantSummary {
        participant_id: CLIENT_ID.into(),
        session_id: iv.id.clone(),
        participant_name: iv.client_name.clone(),
        engagement_level: if iv.total >= 70 { EngagementLevel::High } else if iv.total >= 50 { EngagementLevel::Medium } else { EngagementLevel::Low },
        speaking_time_percentage: 0.0,
        wins: vec![],
        challenges: vec![],
        action_items: vec![],
        coach_recommendations: vec![iv.action.clone()],
        urgency_indicators: vec![],
        generated_summary: format!("{} ({}, health {} {}, churn risk {} %): {}", iv.kind.label(), iv.created_on, iv.total, iv.zone.name(), iv.churn_risk, iv.cause),
        generated_email: iv.body.clone(),
        coach_review_status: CoachReviewStatus::Pending,
        final_email_content: None,
        email_sent_at: None,
        coach_edit_count: 0,
        email: iv.client_email.clone(),
        generated_email_subject: iv.subject.clone(),
        stats: Default::default(),
        analyser: AnalyserInfo { kind: AnalyserKind::Builtin, model: None, fallback_reason: None, dropped_quotes: 0, usage: None },
        priority: None,
        webinar_engagement: None,
    };
    let session = WorkshopSession {
        session_id: iv.id.clone(),
        workshop_date: iv.created_on.to_string(),
        cohort_name: format!("{}: {}", iv.kind.label(), iv.client_name),
        coach_id: coach_id.to_string(),
        participant_count: 1,
        processing_status: ProcessingStatus::Completed,
        completed_at: Some(crate::clock::now_rfc3339()),
        priority_client_ids: vec![CLIENT_ID.into()],
        chat_gpt_session_url: chat_gpt_url,
        // The coach hears of interventions in the daily digest, not one email each.
        email_notification_sent: true,
        review_completed_at: None,
        failure_reason: None,
        cost: None,
        webinar: None,
        call: None,
        intervention: Some(iv.clone()),
    };
    (session, participant)
}
