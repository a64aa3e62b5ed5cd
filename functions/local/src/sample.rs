//! The bundled sample workshop, so a new user can run `debrief analyze --sample` at once.

pub const TRANSCRIPT: &str = include_str!("../sample/transcript.vtt");
pub const ROSTER: &str = include_str!("../sample/roster.csv");
pub const COACH: &str = include_str!("../sample/coach.json");
