use serde::{Deserialize, Serialize};

use crate::error::InputError;

/// The most participants one roster may list.
pub const MAX_ROSTER_ENTRIES: usize = 2_000;
const MAX_NAME_CHARS: usize = 200;
/// HubSpot's record ids are numbers; other CRMs' ids are short too.
const MAX_ID_CHARS: usize = 64;

/// One expected attendee: the HubSpot contact id is the participant's id everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RosterEntry {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(alias = "hubspot_contact_id", alias = "contactId")]
    pub hubspot_contact_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roster(pub Vec<RosterEntry>);

impl Roster {
    /// CSV with a header row naming `name`, `email`, `hubspotContactId` (any order, any case).
    pub fn from_csv(text: &str) -> Result<Self, InputError> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| InputError::roster(1, e.to_string()))?
            .iter()
            .map(|h| h.to_ascii_lowercase().replace(['_', ' ', '-'], ""))
            .collect::<Vec<_>>();
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let name_col = col(&["name", "fullname", "participantname"])
            .ok_or_else(|| InputError::roster(1, "no `name` column in the header".into()))?;
        let id_col = col(&["hubspotcontactid", "contactid", "hubspotid", "participantid"])
            .ok_or_else(|| InputError::roster(1, "no `hubspotContactId` column in the header".into()))?;
        let email_col = col(&["email", "emailaddress"]);
        let mut entries = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| InputError::roster(line, e.to_string()))?;
            let field = |c: usize| record.get(c).unwrap_or("").to_string();
            let entry = RosterEntry {
                name: field(name_col),
                email: email_col.map(field).filter(|e| !e.is_empty()),
                hubspot_contact_id: field(id_col),
            };
            if entry.name.is_empty() && entry.hubspot_contact_id.is_empty() {
                continue;
            }
            entries.push(entry);
        }
        Self(entries).validated()
    }

    /// A JSON array of entries.
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        let roster: Roster = serde_json::from_str(text)
            .map_err(|e| InputError::roster(e.line(), e.to_string()))?;
        roster.validated()
    }

    /// Reads JSON when the text starts with `[`, CSV otherwise.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let text = text.trim_start_matches('\u{feff}');
        if text.trim_start().starts_with('[') { Self::from_json(text) } else { Self::from_csv(text) }
    }

    /// Checks every entry (names, ids and addresses of bounded size; one valid mailbox per
    /// email, stored in its sending form) and that ids are unique.
    pub fn validated(mut self) -> Result<Self, InputError> {
        if self.0.len() > MAX_ROSTER_ENTRIES {
            return Err(InputError::field("roster", format!("at most {MAX_ROSTER_ENTRIES} participants")));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, entry) in self.0.iter_mut().enumerate() {
            let field = |name: &str| format!("roster[{i}].{name}");
            if entry.name.trim().is_empty() {
                return Err(InputError::field(field("name"), "must not be empty"));
            }
            if entry.name.chars().count() > MAX_NAME_CHARS {
                return Err(InputError::field(field("name"), format!("is longer than {MAX_NAME_CHARS} characters")));
            }
            let id = entry.hubspot_contact_id.trim();
            if id.is_empty() {
                return Err(InputError::field(field("hubspotContactId"), "must not be empty"));
            }
            if id.len() > MAX_ID_CHARS || id.chars().any(char::is_control) {
                return Err(InputError::field(field("hubspotContactId"), format!("must be at most {MAX_ID_CHARS} printable characters")));
            }
            if !seen.insert(id.to_string()) {
                return Err(InputError::field(field("hubspotContactId"), "appears twice in the roster"));
            }
            if let Some(email) = entry.email.as_deref().filter(|e| !e.trim().is_empty()) {
                entry.email = Some(super::normalize_mailbox(email).map_err(|e| InputError::field(field("email"), e.to_string()))?);
            } else {
                entry.email = None;
            }
        }
        Ok(self)
    }

    pub fn entries(&self) -> &[RosterEntry] {
        &self.0
    }
}
