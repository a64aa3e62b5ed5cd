//! Ideal-client profiles from CSV: the seed's fields (industry, company size, revenue range,
//! geographic location, technology stack, budget range) plus `id`, `status`
//! (active/inactive), `type` (`ideal_client`, or e.g. `churned` as a negative example) and
//! free-text `notes`. Header names are matched without regard to case, spaces, `_` or `-`;
//! a BOM and quoted fields are handled by the `csv` crate; every error names the row (the
//! header is row 1) and the column.

use serde::{Deserialize, Serialize};

use crate::error::InputError;

/// The most profiles one import may hold.
pub const MAX_PROFILES: usize = 100_000;
const MAX_FIELD_CHARS: usize = 2_000;
const MAX_ID_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileStatus {
    Active,
    Inactive,
}

/// One ideal-client (or negative-example) profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IcpProfile {
    pub id: String,
    pub status: ProfileStatus,
    /// `ideal_client`, or another kind such as `churned` (a negative example).
    #[serde(rename = "type")]
    pub kind: String,
    pub industry: Option<String>,
    pub company_size: Option<String>,
    pub revenue_range: Option<String>,
    pub geographic_location: Option<String>,
    pub technology_stack: Vec<String>,
    pub budget_range: Option<String>,
    pub notes: Option<String>,
}

impl IcpProfile {
    pub const IDEAL_CLIENT: &'static str = "ideal_client";

    /// An active ideal client: what a lead is compared with.
    pub fn is_active_ideal_client(&self) -> bool {
        self.status == ProfileStatus::Active && self.kind == Self::IDEAL_CLIENT
    }

    /// The compared fields, named as [`super::FIELD_LABELS`] names them, then the notes.
    pub fn field_values(&self) -> Vec<(&'static str, String)> {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            ("industry", opt(&self.industry)),
            ("companySize", opt(&self.company_size)),
            ("revenueRange", opt(&self.revenue_range)),
            ("geographicLocation", opt(&self.geographic_location)),
            ("technologyStack", self.technology_stack.join(", ")),
            ("budgetRange", opt(&self.budget_range)),
            ("notes", opt(&self.notes)),
        ]
    }

    /// The profile as one text, field by field: what is embedded.
    pub fn embedding_text(&self) -> String {
        super::describe(&self.field_values())
    }
}

/// Which column holds which field: the accepted header names, normalised.
const COLUMNS: &[(&str, &[&str])] = &[
    ("id", &["id", "profileid", "icpid"]),
    ("status", &["status"]),
    ("type", &["type", "profiletype", "kind"]),
    ("industry", &["industry"]),
    ("companySize", &["companysize", "size", "employees", "employeecount"]),
    ("revenueRange", &["revenuerange", "revenue", "annualrevenue"]),
    ("geographicLocation", &["geographiclocation", "location", "geography", "region", "country"]),
    ("technologyStack", &["technologystack", "techstack", "technologies", "technology"]),
    ("budgetRange", &["budgetrange", "budget"]),
    ("notes", &["notes", "note", "description"]),
];

fn normalise_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}').to_lowercase().chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '\t')).collect()
}

/// An error at `row` (1 is the header) and `column` as the file writes it ("" for the row as
/// a whole).
fn error(row: usize, column: &str, message: impl std::fmt::Display) -> InputError {
    if column.is_empty() { InputError::field(format!("row {row}"), message) } else { InputError::field(format!("row {row}, column {column}"), message) }
}

/// Reads every profile of an ICP CSV. Blank rows are skipped; an id twice is an error.
pub fn import_csv(text: &str) -> Result<Vec<IcpProfile>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let written: Vec<String> = reader.headers().map_err(|e| error(1, "", e))?.iter().map(str::to_string).collect();
    let headers: Vec<String> = written.iter().map(|h| normalise_header(h)).collect();
    let mut at = std::collections::HashMap::new();
    for (field, names) in COLUMNS {
        if let Some(i) = headers.iter().position(|h| names.contains(&h.as_str())) {
            at.insert(*field, i);
        }
    }
    if !at.contains_key("id") {
        return Err(error(1, "id", "no `id` column in the header"));
    }
    let mut profiles = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| error(row, "", e))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        // Errors name the column as the file writes it.
        fn column<'a>(at: &std::collections::HashMap<&str, usize>, written: &'a [String], field: &'a str) -> &'a str {
            at.get(field).map_or(field, |&c| written[c].as_str())
        }
        let column = |field: &'static str| column(&at, &written, field);
        let value = |field: &'static str| -> Result<Option<String>, InputError> {
            let Some(v) = at.get(field).and_then(|&c| record.get(c)).filter(|v| !v.is_empty()) else { return Ok(None) };
            if v.chars().count() > MAX_FIELD_CHARS {
                return Err(error(row, column(field), format!("is longer than {MAX_FIELD_CHARS} characters")));
            }
            Ok(Some(v.to_string()))
        };
        let id = value("id")?.ok_or_else(|| error(row, column("id"), "is required"))?;
        if id.len() > MAX_ID_CHARS || id.chars().any(char::is_control) {
            return Err(error(row, column("id"), format!("must be at most {MAX_ID_CHARS} printable characters")));
        }
        if !seen.insert(id.clone()) {
            return Err(error(row, column("id"), format!("`{id}` appears twice in the file")));
        }
        let status = match value("status")?.map(|s| s.to_lowercase()).as_deref() {
            None | Some("active") => ProfileStatus::Active,
            Some("inactive") => ProfileStatus::Inactive,
            Some(other) => return Err(error(row, column("status"), format!("must be `active` or `inactive`, not `{other}`"))),
        };
        let kind = match value("type")? {
            None => IcpProfile::IDEAL_CLIENT.to_string(),
            Some(k) => {
                let k = k.to_lowercase().replace([' ', '-'], "_");
                if !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(error(row, column("type"), "must be a word such as `ideal_client` or `churned`"));
                }
                k
            }
        };
        let technology_stack = value("technologyStack")?
            .map(|s| s.split([';', ',', '|']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        profiles.push(IcpProfile {
            id,
            status,
            kind,
            industry: value("industry")?,
            company_size: value("companySize")?,
            revenue_range: value("revenueRange")?,
            geographic_location: value("geographicLocation")?,
            technology_stack,
            budget_range: value("budgetRange")?,
            notes: value("notes")?,
        });
        if profiles.len() > MAX_PROFILES {
            return Err(error(row, "", format!("an import holds at most {MAX_PROFILES} profiles")));
        }
    }
    Ok(profiles)
}

/// A re-import: each imported profile replaces the one with its id, new ids are added (in the
/// file's order, after the kept ones), profiles the file does not name are kept.
pub fn replace_by_id(existing: Vec<IcpProfile>, imported: Vec<IcpProfile>) -> Vec<IcpProfile> {
    let mut by_id: std::collections::HashMap<String, IcpProfile> = imported.iter().map(|p| (p.id.clone(), p.clone())).collect();
    let mut out: Vec<IcpProfile> = existing.into_iter().map(|p| by_id.remove(&p.id).unwrap_or(p)).collect();
    out.extend(imported.into_iter().filter(|p| by_id.contains_key(&p.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\u{feff}ID,Status, Industry ,company_size,Revenue Range,Geographic-Location,Technology Stack,budget range,Type,Notes\n\
        p1,active,Fitness studios,10-50,\"$1M-$5M\",UAE,\"Mindbody; Stripe, HubSpot\",$2k-$5k/mo,ideal_client,\"Owner-led, \"\"hands on\"\"\"\n\
        p2,Inactive,Dental clinics,5-20,$500k-$1M,UK,Dentrix,,churned,\n\
        ,,,,,,,,,\n\
        p3,,Coaching,1-5,,,,,,\n";

    #[test]
    fn reads_the_seed_fields_with_any_header_spelling() {
        let p = import_csv(CSV).unwrap();
        assert_eq!(p.len(), 3, "the blank row is skipped");
        assert_eq!(p[0].industry.as_deref(), Some("Fitness studios"));
        assert_eq!(p[0].revenue_range.as_deref(), Some("$1M-$5M"));
        assert_eq!(p[0].geographic_location.as_deref(), Some("UAE"));
        assert_eq!(p[0].technology_stack, vec!["Mindbody", "Stripe", "HubSpot"]);
        assert_eq!(p[0].notes.as_deref(), Some("Owner-led, \"hands on\""));
        assert!(p[0].is_active_ideal_client());
        assert_eq!((p[1].status, p[1].kind.as_str()), (ProfileStatus::Inactive, "churned"));
        assert!(!p[1].is_active_ideal_client());
        assert_eq!((p[2].status, p[2].kind.as_str(), p[2].budget_range.as_deref()), (ProfileStatus::Active, "ideal_client", None));
        assert!(p[0].embedding_text().contains("Technology stack: Mindbody, Stripe, HubSpot.\n"));
    }

    #[test]
    fn errors_name_the_row_and_the_column() {
        let cases = [
            ("industry\nFitness\n", "row 1, column id"),
            ("ID,Status\np1,paused\n", "row 2, column Status"),
            ("id,industry\np1,a\n,b\n", "row 3, column id"),
            ("id,industry\np1,a\np1,b\n", "row 3, column id"),
            ("id,type\np1,ideal client!\n", "row 2, column type"),
            ("id,industry\np1,a,extra\n", "row 2"),
        ];
        for (csv, names) in cases {
            let err = import_csv(csv).unwrap_err().to_string();
            assert!(err.starts_with(names), "{csv:?}: {err}");
        }
        let long = format!("id,notes\np1,{}\n", "x".repeat(MAX_FIELD_CHARS + 1));
        assert!(import_csv(&long).unwrap_err().to_string().starts_with("row 2, column notes"));
    }

    #[test]
    fn a_reimport_replaces_by_id_and_keeps_the_rest() {
        let first = import_csv("id,industry\na,Gyms\nb,Spas\n").unwrap();
        let again = import_csv("id,industry\nb,Yoga\nc,Clinics\n").unwrap();
        let merged = replace_by_id(first, again);
        let got: Vec<(&str, &str)> = merged.iter().map(|p| (p.id.as_str(), p.industry.as_deref().unwrap())).collect();
        assert_eq!(got, vec![("a", "Gyms"), ("b", "Yoga"), ("c", "Clinics")]);
    }
}
