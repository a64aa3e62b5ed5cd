//! The webinar's follow-up as a spreadsheet: RFC 4180 CSV (CRLF, quoted where needed), UTF-8
//! with a byte-order mark so that Excel reads accents right, one row per registrant, highest
//! score first.
//!
//! Safe to open: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
//! would be read by a spreadsheet as a formula (CSV injection, OWASP), so it is prefixed with
//! `'`, which spreadsheets show as text. Names and chat come from strangers; this matters.

use crate::domain::{CoachReviewStatus, ParticipantSummary};

pub const HEADER: [&str; 17] = [
    "name",
    "email",
    "tier",
    "score",
    "focus",
    "focus_estimated",
    "attendance",
    "chat",
    "questions_component",
    "minutes",
    "messages",
    "questions_asked",
    "subject",
    "body",
    "edited",
    "status",
    "email_sent_at",
];

/// A text cell as a spreadsheet will not run it.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}").into() } else { cell.into() }
}

/// Where the review stands: `sent` once the email went, else the coach's review status.
pub fn status(p: &ParticipantSummary) -> &'static str {
    if p.email_sent_at.is_some() {
        return "sent";
    }
    match p.coach_review_status {
        CoachReviewStatus::Pending => "pending",
        CoachReviewStatus::Reviewed => "reviewed",
        CoachReviewStatus::Approved => "approved",
        CoachReviewStatus::Customized => "customized",
    }
}

/// The CSV of `participants` (a webinar's), in the order given.
pub fn to_csv(participants: &[ParticipantSummary]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + participants.len() * 1_024);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(HEADER).expect("writing to memory");
    for p in participants {
        let Some(e) = &p.webinar_engagement else { continue };
        let c = e.components;
        let body = p.final_email_content.as_deref().unwrap_or(&p.generated_email);
        let questions = e.questions.join(" | ");
        let numbers = [
            e.score.to_string(),
            format!("{:.2}", c.focus),
            c.focus_estimated.to_string(),
            format!("{:.2}", c.attendance),
            format!("{:.2}", c.chat),
            format!("{:.2}", c.questions),
            format!("{:.1}", e.minutes),
            e.messages.to_string(),
        ];
        let mut row: Vec<std::borrow::Cow<'_, str>> = vec![
            neutralise(&p.participant_name),
            neutralise(p.email.as_deref().unwrap_or("")),
            e.tier.name().into(),
        ];
        row.extend(numbers.into_iter().map(Into::into));
        row.extend([
            neutralise(&questions),
            neutralise(&p.generated_email_subject),
            neutralise(body),
            if p.coach_edit_count > 0 { "yes" } else { "no" }.into(),
            status(p).into(),
            p.email_sent_at.clone().unwrap_or_default().into(),
        ]);
        w.write_record(row.iter().map(|c| c.as_bytes())).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for bad in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for ok in ["Zoë Clarke", "a=b", " =x", ""] {
            assert_eq!(neutralise(ok), ok);
        }
    }
}
