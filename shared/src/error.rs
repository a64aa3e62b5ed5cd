//! Typed errors. Every input problem names where it is (a line, or a field) so that the CLI
//! prints one clear line and the HTTP layer answers a 4xx that names the field.

use std::fmt;

/// A problem in a transcript, found at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TranscriptError {
    pub line: usize,
    pub message: String,
}

impl TranscriptError {
    pub fn new(line: usize, message: impl fmt::Display) -> Self {
        Self { line, message: message.to_string() }
    }
}

/// Bad input from a user: a transcript, a roster, a coach profile or one request field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("transcript {0}")]
    Transcript(#[from] TranscriptError),
    #[error("roster line {line}: {message}")]
    Roster { line: usize, message: String },
    #[error("{field}: {message}")]
    Field { field: String, message: String },
}

impl InputError {
    pub fn roster(line: usize, message: String) -> Self {
        Self::Roster { line, message }
    }

    pub fn field(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::Field { field: field.into(), message: message.to_string() }
    }

    /// The trimmed value of a field that must be present and not blank.
    pub fn required<'a>(v: &'a Option<String>, field: &str) -> Result<&'a str, InputError> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| Self::field(field, "is required"))
    }

    /// The request field the problem belongs to, for a JSON error body.
    pub fn field_name(&self) -> &str {
        match self {
            Self::Transcript(_) => "transcript",
            Self::Roster { .. } => "roster",
            Self::Field { field, .. } => field,
        }
    }
}

/// One input field that is wrong; `field` is the input's name for it (CAPI events, health
/// events: a request can have several).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
