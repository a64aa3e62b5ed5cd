//! Transcript engine: WebVTT and plain-text parsers that borrow from the input, and speaker
//! statistics that can be computed while streaming, so a 50 MB file needs little more memory
//! than itself.

mod classify;
mod markup;
mod plain;
mod speaker;
mod stats;
mod timestamp;
mod vtt;
mod vtt_stats;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use crate::error::TranscriptError;
pub use plain::{PlainLines, PlainTiming};
pub use stats::{FxHasher, SpeakerStats, StatsAccumulator, TranscriptStats};
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
        let utterances = Utterances::new(text, format)?.collect::<Result<Vec<_>, _>>()?;
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

/// A transcript's utterances as they are parsed, one at a time.
pub enum Utterances<'a> {
    Vtt(VttCues<'a>),
    Plain(PlainLines<'a>),
}

impl<'a> Utterances<'a> {
    /// Fails only on a WebVTT file without its header; each line's errors come with it.
    pub fn new(text: &'a str, format: TranscriptFormat) -> Result<Self, TranscriptError> {
        Ok(match format {
            TranscriptFormat::Vtt => Self::Vtt(VttCues::new(text)?),
            TranscriptFormat::Plain => Self::Plain(PlainLines::new(text)),
        })
    }
}

impl<'a> Iterator for Utterances<'a> {
    type Item = Result<Utterance<'a>, TranscriptError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Vtt(cues) => cues.next(),
            Self::Plain(lines) => lines.next(),
        }
    }
}

/// A part of a transcript to read on a thread of its own: its utterances, and a parser from
/// where the next part begins (for a look past the end, e.g. at the coach's answer to the
/// part's last turn).
pub struct Piece<'a> {
    pub utterances: Utterances<'a>,
    pub after: Option<Utterances<'a>>,
}

/// Cuts a transcript into about `n` pieces at cue boundaries (a blank line ends every WebVTT
/// block), so that reading the pieces one after another reads the whole. Plain text, whose
/// times may carry from line to line, and text with CRs stay whole. Line numbers within the
/// pieces after the first start at 0: they are for reading a transcript already checked whole
/// (e.g. by [`stream_stats`]).
pub fn pieces(text: &str, format: TranscriptFormat, n: usize) -> Result<Vec<Piece<'_>>, TranscriptError> {
    let whole = |text| Ok(vec![Piece { utterances: Utterances::new(text, format)?, after: None }]);
    if n < 2 || format != TranscriptFormat::Vtt || memchr::memchr(b'\r', text.as_bytes()).is_some() {
        return whole(text);
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (first, _) = VttCues::after_header(body)?;
    let bytes = body.as_bytes();
    let mut starts = vec![first];
    for k in 1..n {
        let target = first + (bytes.len() - first) * k / n;
        let Some(i) = memchr::memmem::find(&bytes[target..], b"\n\n") else { break };
        let start = target + i + 2;
        if start < bytes.len() && start > *starts.last().expect("one start") {
            starts.push(start);
        }
    }
    Ok(starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(bytes.len());
            Piece {
                utterances: Utterances::Vtt(VttCues::at(&body[..end], start, 0)),
                after: (end < bytes.len()).then(|| Utterances::Vtt(VttCues::at(body, end, 0))),
            }
        })
        .collect())
}

/// Parse and compute per-speaker statistics in one streaming pass, without keeping utterances.
pub fn stream_stats(text: &str, format: Option<TranscriptFormat>) -> Result<TranscriptStats, TranscriptError> {
    let mut acc = StatsAccumulator::default();
    match format.unwrap_or_else(|| TranscriptFormat::detect(text)) {
        TranscriptFormat::Vtt => vtt_stats::add_all(text, &mut acc)?,
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
pub(crate) struct Lines<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    peeked: Option<Option<(usize, &'a str)>>,
    /// Most files have no CR at all: then one vectorised newline iterator over the whole text
    /// splits every line, instead of a fresh search per line.
    newlines: Option<memchr::Memchr<'a>>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let newlines = memchr::memchr(b'\r', bytes).is_none().then(|| memchr::memchr_iter(b'\n', bytes));
        Self { text, pos: 0, line: 0, peeked: None, newlines }
    }

    /// Lines from byte `pos` (a line start), after `line` lines. No look over the whole text
    /// for CRs: the fast WebVTT lane resumes here once per unusual cue.
    pub(crate) fn at(text: &'a str, pos: usize, line: usize) -> Self {
        Self { text, pos, line, peeked: None, newlines: None }
    }

    /// Where the next unread line starts, and the number of lines before it: what [`Self::at`]
    /// takes to carry on from here.
    pub(crate) fn resume_point(&self) -> (usize, usize) {
        match self.peeked {
            Some(Some((n, l))) => (l.as_ptr() as usize - self.text.as_ptr() as usize, n - 1),
            Some(None) => (self.text.len(), self.line),
            None => (self.pos, self.line),
        }
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
        if self.pos >= self.text.len() {
            return None;
        }
        self.line += 1;
        let start = self.pos;
        let (end, next) = match &mut self.newlines {
            Some(it) => match it.next() {
                Some(i) => (i, i + 1),
                None => (self.text.len(), self.text.len()),
            },
            None => {
                let bytes = &self.text.as_bytes()[start..];
                match memchr::memchr2(b'\n', b'\r', bytes) {
                    Some(i) if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') => (start + i, start + i + 2),
                    Some(i) => (start + i, start + i + 1),
                    None => (self.text.len(), self.text.len()),
                }
            }
        };
        self.pos = next;
        Some((self.line, &self.text[start..end]))
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

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn resumes_where_it_stopped() {
        let text = "a\r\nb\n\nc";
        let mut lines = Lines::new(text);
        lines.next();
        assert_eq!(lines.resume_point(), (3, 1));
        assert_eq!(lines.peek(), Some("b"));
        assert_eq!(lines.resume_point(), (3, 1));
        let mut rest = Lines::at(text, 3, 1);
        assert_eq!(rest.by_ref().collect::<Vec<_>>(), vec![(2, "b"), (3, ""), (4, "c")]);
        assert_eq!(rest.resume_point(), (text.len(), 4));
    }

    #[test]
    fn splits_every_line_ending() {
        let all = |t: &str| Lines::new(t).map(|(n, l)| (n, l.to_string())).collect::<Vec<_>>();
        let expect = vec![(1, "a".to_string()), (2, "".to_string()), (3, "b".to_string())];
        assert_eq!(all("a\n\nb"), expect);
        assert_eq!(all("a\n\nb\n"), expect);
        assert_eq!(all("a\r\n\r\nb\r\n"), expect);
        assert_eq!(all("a\r\rb"), expect);
        assert_eq!(all("a\r\n\nb"), expect);
        assert!(all("").is_empty());
    }
}
