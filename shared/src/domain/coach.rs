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

/// The seed's `notificationPreferences`, and where the email goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPreferences {
    /// Send the coach an email when a session has been analysed.
    pub email_on_completion: bool,
    /// Address for notifications when it differs from `emailAddress`.
    pub notification_email: Option<String>,
    /// Send as soon as the analysis is done; when false, at `preferredNotificationTime`.
    pub immediate_notification: bool,
    /// List the priority clients (with their review links) in the email.
    pub include_priority_clients: bool,
    /// Include the "at a glance" figures (contributors, action items, silent participants).
    pub include_stats_summary: bool,
    /// `HH:MM` in `timeZone`: when a deferred email is sent (the next such time).
    pub preferred_notification_time: Option<String>,
    /// IANA time zone of the preferred time (default UTC), e.g. `Asia/Dubai`.
    pub time_zone: Option<String>,
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        Self {
            email_on_completion: true,
            notification_email: None,
            immediate_notification: true,
            include_priority_clients: true,
            include_stats_summary: true,
            preferred_notification_time: None,
            time_zone: None,
        }
    }
}

impl NotificationPreferences {
    /// Checks the time and the zone; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(t) = &self.preferred_notification_time {
            parse_hh_mm(t).ok_or(("notificationPreferences.preferredNotificationTime", format!("`{t}` is not a time of day as HH:MM (24-hour)")))?;
        }
        if let Some(z) = &self.time_zone {
            jiff::tz::TimeZone::get(z).map_err(|_| ("notificationPreferences.timeZone", format!("`{z}` is not an IANA time zone such as Europe/London")))?;
        }
        if !self.immediate_notification && self.preferred_notification_time.is_none() {
            return Err(("notificationPreferences.preferredNotificationTime", "is required when immediateNotification is false".into()));
        }
        Ok(())
    }

    /// When the coach's email is due for an analysis finished at `now` (Unix seconds): now when
    /// notifications are immediate, else the next `preferredNotificationTime` in the coach's
    /// time zone (today's if it is still ahead, tomorrow's otherwise).
    pub fn due_at(&self, now: i64) -> i64 {
        let Some((hour, minute)) = self.preferred_notification_time.as_deref().and_then(parse_hh_mm).filter(|_| !self.immediate_notification) else {
            return now;
        };
        let tz = self.time_zone.as_deref().and_then(|z| jiff::tz::TimeZone::get(z).ok()).unwrap_or(jiff::tz::TimeZone::UTC);
        let Ok(now_ts) = jiff::Timestamp::from_second(now) else { return now };
        let local = now_ts.to_zoned(tz.clone());
        let at = |date: jiff::civil::Date| date.at(hour, minute, 0, 0).to_zoned(tz.clone()).map(|z| z.timestamp().as_second());
        match at(local.date()) {
            Ok(today) if today > now => today,
            _ => local.date().tomorrow().ok().and_then(|d| at(d).ok()).unwrap_or(now),
        }
    }
}

pub(crate) fn parse_hh_mm(t: &str) -> Option<(i8, i8)> {
    let (h, m) = t.trim().split_once(':')?;
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m) && t.trim().len() == 5).then_some((h, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_preferred_time_in_the_coach_zone() {
        let p = NotificationPreferences {
            immediate_notification: false,
            preferred_notification_time: Some("08:30".into()),
            time_zone: Some("Asia/Dubai".into()),
            ..Default::default()
        };
        assert!(p.validate().is_ok());
        // 2026-11-27 03:00 UTC is 07:00 in Dubai (UTC+4): due at 08:30 Dubai = 04:30 UTC.
        let now = 1_795_748_400; // 2026-11-27T03:00:00Z
        assert_eq!(p.due_at(now), now + 90 * 60);
        // At 05:00 UTC (09:00 Dubai) it is tomorrow's 08:30.
        assert_eq!(p.due_at(now + 2 * 3600), now + 90 * 60 + 86_400);
        let immediate = NotificationPreferences::default();
        assert_eq!(immediate.due_at(now), now);
    }

    #[test]
    fn bad_times_and_zones_name_the_field() {
        let bad = NotificationPreferences { preferred_notification_time: Some("8.30".into()), ..Default::default() };
        assert_eq!(bad.validate().unwrap_err().0, "notificationPreferences.preferredNotificationTime");
        let bad = NotificationPreferences { time_zone: Some("Mars/Olympus".into()), ..Default::default() };
        assert_eq!(bad.validate().unwrap_err().0, "notificationPreferences.timeZone");
        let missing = NotificationPreferences { immediate_notification: false, ..Default::default() };
        assert!(missing.validate().is_err());
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
