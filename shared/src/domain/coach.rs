use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    #[default]
    Warm,
    Direct,
    Encouraging,
    Analytical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Formality {
    Casual,
    #[default]
    Professional,
    Formal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CommunicationStyle {
    pub tone: Tone,
    pub formality_level: Formality,
    /// e.g. `Hi {firstName}`
    pub preferred_greeting: String,
    /// e.g. `Best regards,\n{coachName}`
    pub signature_style: String,
    pub key_phrases: Vec<String>,
    pub avoid_phrases: Vec<String>,
}

impl Default for CommunicationStyle {
    fn default() -> Self {
        Self {
            tone: Tone::default(),
            formality_level: Formality::default(),
            preferred_greeting: "Hi {firstName}".into(),
            signature_style: "Best regards,\n{coachName}".into(),
            key_phrases: Vec::new(),
            avoid_phrases: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPreferences {
    /// Send the coach an email when a session has been analysed.
    pub email_on_completion: bool,
    /// Address for notifications when it differs from `emailAddress`.
    pub notification_email: Option<String>,
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        Self { email_on_completion: true, notification_email: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoachProfile {
    pub coach_id: String,
    pub coach_name: String,
    pub email_address: String,
    #[serde(default)]
    pub communication_style: CommunicationStyle,
    #[serde(default)]
    pub notification_preferences: NotificationPreferences,
    #[serde(default)]
    pub chat_gpt_custom_instructions: Option<String>,
    /// Link to the coach's review GPT; the session's `chatGptSessionUrl` comes from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_gpt_url: Option<String>,
    /// Who this coach wants on the priority list (the deployment's defaults when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_rules: Option<PriorityRules>,
}

/// What puts a participant on the priority list, as scores (0 turns a rule off); see
/// `crate::analysis::priority` for how they add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PriorityRules {
    /// Urgency signals (leaving, money back, exhaustion, crisis).
    pub urgency: u32,
    /// The participant did not speak.
    pub silent: u32,
    /// The participant spoke little (off by default).
    pub low_engagement: u32,
}

impl Default for PriorityRules {
    fn default() -> Self {
        Self { urgency: 100, silent: 60, low_engagement: 0 }
    }
}

impl CoachProfile {
    /// A neutral profile for when no coach file is given.
    pub fn anonymous() -> Self {
        Self {
            coach_id: "coach".into(),
            coach_name: "Your coach".into(),
            email_address: "coach@example.com".into(),
            communication_style: CommunicationStyle::default(),
            notification_preferences: NotificationPreferences::default(),
            chat_gpt_custom_instructions: None,
            chat_gpt_url: None,
            priority_rules: None,
        }
    }
}
