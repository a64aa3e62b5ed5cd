use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessingStatus {
    Pending,
    Processing,
    Completed,
    Failed,
}

/// One workshop, webinar, call or client-health intervention. `workshopDate` and `completedAt` are ISO 8601 strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopSession {
    pub session_id: String,
    pub workshop_date: String,
    pub cohort_name: String,
    pub coach_id: String,
    pub participant_count: u32,
    pub processing_status: ProcessingStatus,
    pub completed_at: Option<String>,
    pub priority_client_ids: Vec<String>,
    pub chat_gpt_session_url: Option<String>,
    pub email_notification_sent: bool,
    /// When the coach marked the review done (`workshopComplete` in a bulk update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_completed_at: Option<String>,
    /// Why processing failed, when `processingStatus` is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The model spend of the analysis, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<super::SessionCost>,
    /// Set on a webinar: its fields, platform, tiers and unmatched chat (a workshop has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar: Option<crate::webinar::WebinarSession>,
    /// Set on a sales call: its debrief, the rep and the buyer (a workshop has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<crate::calls::intake::CallSession>,
    /// Set on a client-health intervention: what it is and why (its draft is the one
    /// participant's follow-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervention: Option<crate::health::Intervention>,
}

impl WorkshopSession {
    /// A completed session holding one person's draft for review (a call's buyer, an
    /// intervention's client); the caller sets what kind it is. No completion email: the coach
    /// reads these where they asked for them (the call's debrief, the health digest).
    pub fn one_draft(session_id: &str, date: &str, cohort_name: String, coach_id: &str, chat_gpt_url: Option<String>) -> Self {
        Self {
            session_id: session_id.to_string(),
            workshop_date: date.to_string(),
            cohort_name,
            coach_id: coach_id.to_string(),
            participant_count: 1,
            processing_status: ProcessingStatus::Completed,
            completed_at: Some(crate::clock::now_rfc3339()),
            priority_client_ids: vec![],
            chat_gpt_session_url: chat_gpt_url,
            email_notification_sent: true,
            review_completed_at: None,
            failure_reason: None,
            cost: None,
            webinar: None,
            call: None,
            intervention: None,
        }
    }
}

/// A session id derived from the coach and the transcript, so the same workshop analysed twice
/// gets the same id: `ws-` and 16 hex digits of SHA-256.
pub fn session_id_for(coach_id: &str, transcript: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(coach_id.as_bytes());
    h.update([0]);
    h.update(transcript.as_bytes());
    let digest = h.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("ws-{hex}")
}
