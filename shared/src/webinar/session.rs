//! A webinar as Debrief keeps it: a session (the same record as a workshop's, so the coach's
//! review, its links and its MCP tools work on it unchanged) carrying [`WebinarSession`], and
//! one participant per registrant carrying its [`Engagement`] and follow-up draft.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::report::WebinarInfo;
use super::score::{Engagement, Tier, UnmatchedChat, WebinarScores};
use crate::error::InputError;

/// The longest offer description or other free-text field, in characters.
const MAX_FIELD_CHARS: usize = 2_000;
/// Unmatched chat lines kept on the session (all are counted).
pub const MAX_UNMATCHED_KEPT: usize = 100;

/// What the coach tells Debrief about the webinar (the `webinar` JSON part of
/// `POST /v1/webinars`, or `--webinar W.json`). Every field but `coachId` is optional; what is
/// missing is left out of the emails rather than invented.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebinarFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coach_id: Option<String>,
    /// Shown to attendees; defaults to the report's topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// ISO 8601 date; defaults to the report's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_description: Option<String>,
    /// As the coach writes it (`$497`, `AED 1,800`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// ISO 8601 date the offer closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// `https://` link to the recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_url: Option<String>,
}

impl WebinarFields {
    /// Parses the JSON part, naming the field that is wrong (`webinar.replayUrl`).
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let fields: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() { "webinar".to_string() } else { format!("webinar.{path}") };
            InputError::field(field, e.into_inner().to_string())
        })?;
        fields.validate()?;
        Ok(fields)
    }

    /// Blank fields become absent; lengths, dates and the replay link are checked.
    pub fn validate(&self) -> Result<(), InputError> {
        let texts = [
            ("coachId", &self.coach_id),
            ("title", &self.title),
            ("topic", &self.topic),
            ("offerName", &self.offer_name),
            ("offerDescription", &self.offer_description),
            ("price", &self.price),
        ];
        for (name, v) in texts {
            if v.as_deref().is_some_and(|s| s.chars().count() > MAX_FIELD_CHARS) {
                return Err(InputError::field(format!("webinar.{name}"), format!("is longer than {MAX_FIELD_CHARS} characters")));
            }
        }
        for (name, v) in [("hostedOn", &self.hosted_on), ("deadline", &self.deadline)] {
            if let Some(d) = v.as_deref().filter(|d| !d.trim().is_empty())
                && !crate::clock::is_iso8601(d.trim())
            {
                return Err(InputError::field(format!("webinar.{name}"), "must be an ISO 8601 date, like 2026-12-15"));
            }
        }
        if let Some(u) = self.replay_url.as_deref().filter(|u| !u.trim().is_empty()) {
            let ok = url::Url::parse(u.trim()).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some());
            if !ok || u.len() > 2_048 {
                return Err(InputError::field("webinar.replayUrl", "must be an https:// link to the recording"));
            }
        }
        Ok(())
    }

    /// The value of an optional field, trimmed, or `None` when blank.
    pub fn get(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Longest stored chat line, in characters: one pasted essay cannot push a record past the
/// store's item limit.
pub const KEPT_CHARS: usize = 1_000;

/// `text` cut to [`KEPT_CHARS`] characters, marked with an ellipsis when cut.
pub fn cut(text: &mut String) {
    if let Some((at, _)) = text.char_indices().nth(KEPT_CHARS) {
        text.truncate(at);
        text.push('…');
    }
}

/// What a webinar session holds beside the workshop fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebinarSession {
    pub fields: WebinarFields,
    /// `zoom`, `goto` or `csv`.
    pub platform: String,
    pub info: WebinarInfo,
    pub tiers: BTreeMap<Tier, usize>,
    /// The first [`MAX_UNMATCHED_KEPT`] chat lines from people not on the report.
    pub unmatched_chat: Vec<UnmatchedChat>,
    pub unmatched_chat_total: usize,
}

impl WebinarSession {
    /// The session of freshly scored registrants, and their engagements (for the drafts).
    /// Unmatched chat is kept up to [`MAX_UNMATCHED_KEPT`] lines, each [`cut`]; the total stays.
    pub fn from_scores(fields: WebinarFields, scores: WebinarScores) -> (Self, Vec<Engagement>) {
        let engagements = scores.engagements().collect();
        let unmatched_chat_total = scores.unmatched_chat.len();
        let mut unmatched_chat = scores.unmatched_chat;
        unmatched_chat.truncate(MAX_UNMATCHED_KEPT);
        unmatched_chat.iter_mut().for_each(|u| cut(&mut u.text));
        let session = Self { fields, platform: scores.platform, info: scores.info, tiers: scores.tiers, unmatched_chat, unmatched_chat_total };
        (session, engagements)
    }

    /// The title attendees know the webinar by.
    pub fn title(&self) -> &str {
        WebinarFields::get(&self.fields.title).or(self.info.topic.as_deref()).unwrap_or("the webinar")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_errors_name_the_field() {
        let e = WebinarFields::from_json(r#"{"coachId": "c", "replayUrl": "http://x.example/r"}"#).unwrap_err();
        assert_eq!(e.field_name(), "webinar.replayUrl");
        let e = WebinarFields::from_json(r#"{"deadline": "next friday"}"#).unwrap_err();
        assert_eq!(e.field_name(), "webinar.deadline");
        let e = WebinarFields::from_json(r#"{"price": 497}"#).unwrap_err();
        assert_eq!(e.field_name(), "webinar.price");
        let e = WebinarFields::from_json(r#"{"offer": "x"}"#).unwrap_err();
        assert_eq!(e.field_name(), "webinar.offer", "{e}");
        let ok = WebinarFields::from_json(r#"{"coachId": "c", "title": "Pricing", "deadline": "2026-12-15", "replayUrl": "https://z.example/rec/1"}"#).unwrap();
        assert_eq!(WebinarFields::get(&ok.title), Some("Pricing"));
    }
}
