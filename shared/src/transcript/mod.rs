//! Transcript engine: WebVTT and plain-text parsers that borrow from the input, and speaker
//! statistics that can be computed while streaming, so a 50 MB file needs little more memory
//! than itself.

mod markup;
mod plain;
mod speaker;
mod stats;
mod timestamp;
mod vtt;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use crate::error::TranscriptError;
pub use plain::{PlainLines, PlainTiming};
pub use stats::{SpeakerStats, StatsAccumulator, TranscriptStats};
pub use timestamp::format_timestamp;
pub use vtt::VttCues;

/// One cue (WebVTT) or line (plain text) with its speaker, if labelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance<'a> {
    pub start_ms: u64,
    pub end_ms: u64,
    pub speaker: Option<Cow<'a, str>>,
    pub text: Cow<'a, str>,
    /// 1-based line of the cue's timing line (WebVTT) or of the line (plain text).
    pub line: usize,
}

impl Utterance<'_> {
    pub fn duration_ms(&self) -> u64 {
        self.end_ms - self.start_ms
    }

    pub fn into_owned(self) -> Utterance<'static> {
        Utterance {
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            speaker: self.speaker.map(|s| Cow::Owned(s.into_owned())),
            text: Cow::Owned(self.text.into_owned()),
            line: self.line,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptFormat {
    Vtt,
    Plain,
}

impl TranscriptFormat {
    /// WebVTT files start with `WEBVTT` (after an optional BOM); anything else is read as plain text.
    pub fn detect(text: &str) -> Self {
        let t = text.strip_prefix('\u{feff}').unwrap_or(text);
        if t.trim_start_matches([' ', '\t', '\r', '\n']).starts_with("WEBVTT") { Self::Vtt } else { Self::Plain }
    }
}

impl std::str::FromStr for TranscriptFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "vtt" | "webvtt" => Ok(Self::Vtt),
            "plain" | "text" | "txt" => Ok(Self::Plain),
            other => Err(format!("unknown transcript format `{other}` (use vtt or plain)")),
        }
    }
}

/// A parsed transcript. Utterances borrow from the input text where they can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript<'a> {
    pub format: TranscriptFormat,
    pub utterances: Vec<Utterance<'a>>,
}

impl<'a> Transcript<'a> {
    pub fn parse(text: &'a str, format: Option<TranscriptFormat>) -> Result<Self, TranscriptError> {
        let format = format.unwrap_or_else(|| TranscriptFormat::detect(text));
        let utterances = match format {
            TranscriptFormat::Vtt => VttCues::new(text)?.collect::<Result<Vec<_>, _>>()?,
            TranscriptFormat::Plain => PlainLines::new(text).collect::<Result<Vec<_>, _>>()?,
        };
        if utterances.is_empty() {
            return Err(TranscriptError::new(1, "the transcript has no spoken lines"));
        }
        Ok(Self { format, utterances })
    }

    pub fn stats(&self) -> TranscriptStats {
        let mut acc = StatsAccumulator::default();
        for u in &self.utterances {
            acc.add(u);
        }
        acc.finish()
    }

    pub fn into_owned(self) -> Transcript<'static> {
        Transcript { format: self.format, utterances: self.utterances.into_iter().map(Utterance::into_owned).collect() }
    }
}

/// Parse and compute per-speaker statistics in one streaming pass, without keeping utterances.
pub fn stream_stats(text: &str, format: Option<TranscriptFormat>) -> Result<TranscriptStats, TranscriptError> {
    let mut acc = StatsAccumulator::default();
    match format.unwrap_or_else(|| TranscriptFormat::detect(text)) {
        TranscriptFormat::Vtt => {
            for u in VttCues::new(text)? {
                acc.add(&u?);
            }
        }
        TranscriptFormat::Plain => {
            for u in PlainLines::new(text) {
                acc.add(&u?);
            }
        }
    }
    Ok(acc.finish())
}

/// Splits `text` into lines (LF, CRLF or a lone CR), yielding 1-based line numbers. The next
/// line is scanned once and kept, so `peek` then `next` costs one scan.
#[derive(Clone)]
pub(crate) struct Lines<'a> {
    rest: &'a str,
    line: usize,
    peeked: Option<Option<(usize, &'a str)>>,
    /// Whether a CR occurs at all; most files have none, and then lines are split on LF alone.
    has_cr: bool,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { rest: text, line: 0, peeked: None, has_cr: memchr::memchr(b'\r', text.as_bytes()).is_some() }
    }

    #[inline]
    pub(crate) fn peek(&mut self) -> Option<&'a str> {
        if self.peeked.is_none() {
            self.peeked = Some(self.scan());
        }
        self.peeked.flatten().map(|(_, l)| l)
    }

    /// The 1-based number of the last line returned by `next` (before any peek).
    pub(crate) fn line_number(&self) -> usize {
        if matches!(self.peeked, Some(Some(_))) { self.line - 1 } else { self.line }
    }

    #[inline]
    fn scan(&mut self) -> Option<(usize, &'a str)> {
        if self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let bytes = self.rest.as_bytes();
        // Lines end in LF almost always; a CR is looked for only in the line found.
        let (line, rest) = match memchr::memchr(b'\n', bytes) {
            Some(i) if !self.has_cr => (&self.rest[..i], &self.rest[i + 1..]),
            Some(i) => match memchr::memchr(b'\r', &bytes[..i]) {
                Some(j) if j + 1 == i => (&self.rest[..j], &self.rest[i + 1..]),
                Some(j) => (&self.rest[..j], &self.rest[j + 1..]),
                None => (&self.rest[..i], &self.rest[i + 1..]),
            },
            None => match memchr::memchr(b'\r', bytes) {
                Some(j) => (&self.rest[..j], &self.rest[j + 1..]),
                None => (self.rest, ""),
            },
        };
        self.rest = rest;
        Some((self.line, line))
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(usize, &'a str)> {
        match self.peeked.take() {
            Some(p) => p,
            None => self.scan(),
        }
    }
}
