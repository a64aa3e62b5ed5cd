//! Clients from a CSV, for studios without HubSpot. One header row, then one client a row;
//! columns are matched by name, case and spacing ignored:
//!
//! | field | accepted headers |
//! | --- | --- |
//! | id (required) | `client_id`, `id`, `client id`, `member id` |
//! | name (required) | `name`, `full name`, or `first name` + `last name` |
//! | email | `email`, `email address` |
//! | coach | `coach_id`, `coach`, `assigned coach` |
//! | package value | `package_value`, `package value`, `package price` |
//! | sessions in the package | `package_sessions`, `package sessions` |
//! | sessions remaining | `sessions_remaining`, `sessions remaining`, `sessions left` |
//! | renewal date | `renewal_date`, `renewal date`, `renews on` (YYYY-MM-DD) |
//! | outstanding balance | `outstanding_balance`, `outstanding balance`, `balance` |
//! | last session | `last_session`, `last session`, `last visit` (YYYY-MM-DD) |
//!
//! Any other column is ignored. Errors name the line and the column.

use super::model::{ClientRecord, Day};
use crate::error::FieldError;

fn norm(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_lowercase().replace(['_', '-'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads every row, or the first error (`line N, column`).
pub fn read_clients(text: &str) -> Result<Vec<ClientRecord>, FieldError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().map_err(|e| FieldError::new("line 1", format!("unreadable CSV: {e}")))?.iter().map(norm).collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| norm(n) == *h));
    let id = col(&["client_id", "id", "client id", "member id"]).ok_or_else(|| FieldError::new("line 1", "no id column (`client_id`)"))?;
    let name = col(&["name", "full name"]);
    let (first, last) = (col(&["first name"]), col(&["last name"]));
    if name.is_none() && first.is_none() {
        return Err(FieldError::new("line 1", "no name column (`name`, or `first name` and `last name`)"));
    }
    let email = col(&["email", "email address"]);
    let coach = col(&["coach_id", "coach", "assigned coach"]);
    let value = col(&["package_value", "package price"]);
    let sessions = col(&["package_sessions"]);
    let remaining = col(&["sessions_remaining", "sessions left"]);
    let renewal = col(&["renewal_date", "renews on"]);
    let balance = col(&["outstanding_balance", "balance"]);
    let last_session = col(&["last_session", "last visit"]);
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| FieldError::new(format!("line {line}"), format!("unreadable CSV: {e}")))?;
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(str::trim).filter(|v| !v.is_empty());
        let bad = |c: usize, what: &str| FieldError::new(format!("line {line}, {}", headers[c]), what.to_string());
        let number = |c: Option<usize>| -> Result<Option<f64>, FieldError> {
            match (c, cell(c)) {
                (Some(c), Some(v)) => v.replace(',', "").parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).map(Some).ok_or_else(|| bad(c, "a non-negative number")),
                _ => Ok(None),
            }
        };
        let count = |c: Option<usize>| -> Result<Option<u32>, FieldError> {
            match (c, cell(c)) {
                (Some(c), Some(v)) => v.parse::<u32>().map(Some).map_err(|_| bad(c, "a whole number")),
                _ => Ok(None),
            }
        };
        let date = |c: Option<usize>| -> Result<Option<Day>, FieldError> {
            match (c, cell(c)) {
                (Some(c), Some(v)) => Day::parse(v).map(Some).ok_or_else(|| bad(c, "a date (YYYY-MM-DD)")),
                _ => Ok(None),
            }
        };
        let client_id = cell(Some(id)).ok_or_else(|| bad(id, "missing"))?.to_string();
        if client_id.len() > 128 || !client_id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:@".contains(c)) {
            return Err(bad(id, "1–128 letters, digits or - _ . : @"));
        }
        let full = match cell(name) {
            Some(n) => n.to_string(),
            None => [cell(first), cell(last)].into_iter().flatten().collect::<Vec<_>>().join(" "),
        };
        if full.is_empty() {
            return Err(FieldError::new(format!("line {line}, name"), "missing"));
        }
        out.push(ClientRecord {
            client_id,
            name: full,
            email: cell(email).map(str::to_lowercase),
            coach_id: cell(coach).map(str::to_string),
            package_value: number(value)?.unwrap_or(0.0),
            package_sessions: count(sessions)?,
            sessions_remaining: count(remaining)?,
            renewal_date: date(renewal)?,
            outstanding_balance: number(balance)?.unwrap_or(0.0),
            last_session: date(last_session)?,
            ..Default::default()
        });
    }
    if out.is_empty() {
        return Err(FieldError::new("line 2", "no clients after the header row"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_matched_by_name_and_errors_name_the_line_and_column() {
        let csv = "\u{feff}Member ID,First Name,Last Name,Email,Assigned Coach,Package Price,Sessions Left,Renews On,Balance,Last Visit,Notes\nm-1,Sara,Haddad,SARA@x.com,coach-maya,\"2,400\",6,2026-12-20,0,2026-11-20,likes mornings\n";
        let c = &read_clients(csv).unwrap()[0];
        assert_eq!((c.client_id.as_str(), c.name.as_str(), c.email.as_deref(), c.coach_id.as_deref()), ("m-1", "Sara Haddad", Some("sara@x.com"), Some("coach-maya")));
        assert_eq!((c.package_value, c.sessions_remaining, c.renewal_date.map(|d| d.to_string())), (2400.0, Some(6), Some("2026-12-20".into())));
        let e = read_clients("id,name,renewal date\nm-1,Sara,20/12/2026\n").unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("line 2, renewal date", "a date (YYYY-MM-DD)"));
        assert_eq!(read_clients("name\nSara\n").unwrap_err().message, "no id column (`client_id`)");
        assert_eq!(read_clients("id,name\n,Sara\n").unwrap_err().field, "line 2, id");
    }
}
