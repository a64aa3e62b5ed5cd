use serde::{Deserialize, Serialize};

use crate::error::InputError;

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

    pub fn validated(self) -> Result<Self, InputError> {
        let mut seen = std::collections::HashSet::new();
        for (i, entry) in self.0.iter().enumerate() {
            if entry.name.trim().is_empty() {
                return Err(InputError::field(format!("roster[{i}].name"), "must not be empty"));
            }
            if entry.hubspot_contact_id.trim().is_empty() {
                return Err(InputError::field(format!("roster[{i}].hubspotContactId"), "must not be empty"));
            }
            if !seen.insert(entry.hubspot_contact_id.as_str()) {
                return Err(InputError::field(
                    format!("roster[{i}].hubspotContactId"),
                    "appears twice in the roster",
                ));
            }
        }
        Ok(self)
    }

    pub fn entries(&self) -> &[RosterEntry] {
        &self.0
    }
}
