//! Plain-text transcripts: `Name: text` lines, optionally led by `[hh:mm:ss]` or `hh:mm:ss`.
//!
//! Plain text has no end times, so each line is given one (see [`PlainTiming`]):
//! - a timed line lasts until the next timed line starts, capped at `max_line_ms`;
//! - the last line, and every line of a transcript without times, lasts `ms_per_word` per
//!   word (at least `min_line_ms`), and untimed lines follow each other end to end.
//!
//! A line with neither a time nor a `Name:` label continues the line before it.

use std::borrow::Cow;

use super::speaker::split_label;
use super::timestamp::parse_clock;
use super::{Lines, TranscriptError, Utterance};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainTiming {
    /// The longest a timed line may last; a longer gap is a pause, not speech.
    pub max_line_ms: u64,
    /// Speaking time per word when it has to be estimated (150 words a minute).
    pub ms_per_word: u64,
    pub min_line_ms: u64,
}

impl Default for PlainTiming {
    fn default() -> Self {
        Self { max_line_ms: 30_000, ms_per_word: 400, min_line_ms: 1_000 }
    }
}

struct Entry<'a> {
    line: usize,
    start: Option<u64>,
    speaker: Option<&'a str>,
    text: Cow<'a, str>,
}

/// Streams the lines of a plain transcript as utterances. After an error it yields nothing more.
pub struct PlainLines<'a> {
    lines: Lines<'a>,
    lookahead: Option<Entry<'a>>,
    cursor_ms: u64,
    timing: PlainTiming,
    started: bool,
    done: bool,
}

impl<'a> PlainLines<'a> {
    pub fn new(text: &'a str) -> Self {
        Self::with_timing(text, PlainTiming::default())
    }

    pub fn with_timing(text: &'a str, timing: PlainTiming) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self { lines: Lines::new(text), lookahead: None, cursor_ms: 0, timing, started: false, done: false }
    }

    fn read_entry(&mut self) -> Option<Entry<'a>> {
        let (line, raw) = self.lines.by_ref().find(|(_, l)| !l.trim().is_empty())?;
        let (start, rest) = split_time(raw.trim());
        let (speaker, text) = match split_label(rest) {
            Some((label, text)) => (Some(label), text),
            None => (None, rest),
        };
        let mut entry = Entry { line, start, speaker, text: Cow::Borrowed(text.trim()) };
        // Continuation lines: no time and no label.
        while let Some(next) = self.lines.peek() {
            let t = next.trim();
            if t.is_empty() || split_time(t).0.is_some() || split_label(t).is_some() {
                break;
            }
            self.lines.next();
            let mut joined = entry.text.into_owned();
            joined.push(' ');
            joined.push_str(t);
            entry.text = Cow::Owned(joined);
        }
        Some(entry)
    }

    fn estimate(&self, text: &str) -> u64 {
        let words = text.split_whitespace().count() as u64;
        (words * self.timing.ms_per_word).max(self.timing.min_line_ms)
    }

    fn next_utterance(&mut self) -> Option<Result<Utterance<'a>, TranscriptError>> {
        if !self.started {
            self.started = true;
            self.lookahead = self.read_entry();
        }
        let current = self.lookahead.take()?;
        self.lookahead = self.read_entry();
        let start = current.start.unwrap_or(self.cursor_ms);
        if let Some(next_start) = self.lookahead.as_ref().and_then(|n| n.start) {
            if next_start < start {
                let line = self.lookahead.as_ref().map_or(current.line, |n| n.line);
                return Some(Err(TranscriptError::new(line, "this line's time is earlier than the line before it")));
            }
        }
        let end = match (current.start, self.lookahead.as_ref().and_then(|n| n.start)) {
            (Some(_), Some(next_start)) => next_start.min(start + self.timing.max_line_ms),
            _ => start + self.estimate(&current.text),
        };
        let end = match self.lookahead.as_ref().and_then(|n| n.start) {
            Some(next_start) => end.min(next_start),
            None => end,
        };
        self.cursor_ms = end;
        Some(Ok(Utterance {
            start_ms: start,
            end_ms: end,
            speaker: current.speaker.map(Cow::Borrowed),
            text: current.text,
            line: current.line,
        }))
    }
}

/// Splits a leading `[hh:mm:ss]`, `(hh:mm:ss)` or `hh:mm:ss` off a line.
fn split_time(line: &str) -> (Option<u64>, &str) {
    let b = line.as_bytes();
    let (open, close) = match b.first() {
        Some(b'[') => (1, Some(b']')),
        Some(b'(') => (1, Some(b')')),
        _ => (0, None),
    };
    let Some((ms, used)) = parse_clock(&b[open..]) else { return (None, line) };
    let mut i = open + used;
    if let Some(c) = close {
        if b.get(i) != Some(&c) {
            return (None, line);
        }
        i += 1;
    } else if !matches!(b.get(i), None | Some(b' ' | b'\t')) {
        return (None, line);
    }
    let rest = line[i..].trim_start();
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    (Some(ms), rest)
}

impl<'a> Iterator for PlainLines<'a> {
    type Item = Result<Utterance<'a>, TranscriptError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_utterance();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Utterance<'_>> {
        PlainLines::new(text).collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn timed_lines_last_until_the_next() {
        let u = parse("[00:00:02] Dr. Amy Reyes: Welcome.\n[00:00:05] Mike Patel: Thanks for\nhaving me.\n00:01:00 Mike Patel: Later\n");
        assert_eq!(u.len(), 3);
        assert_eq!((u[0].start_ms, u[0].end_ms), (2000, 5000));
        assert_eq!(u[1].text, "Thanks for having me.");
        // capped: 55 s gap, 30 s cap
        assert_eq!((u[1].start_ms, u[1].end_ms), (5000, 35_000));
        // last line: one word, minimum one second
        assert_eq!((u[2].start_ms, u[2].end_ms), (60_000, 61_000));
        assert_eq!(u[2].speaker.as_deref(), Some("Mike Patel"));
    }

    #[test]
    fn untimed_lines_are_estimated_end_to_end() {
        let u = parse("Anna: one two three four five\nBen: ok\n");
        assert_eq!((u[0].start_ms, u[0].end_ms), (0, 2000));
        assert_eq!((u[1].start_ms, u[1].end_ms), (2000, 3000));
    }

    #[test]
    fn time_going_backwards_is_an_error() {
        let e = PlainLines::new("[00:00:05] A: x\n[00:00:01] B: y\n").collect::<Result<Vec<_>, _>>().unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn unlabelled_first_line_is_nobodys() {
        let u = parse("hello there\nA: hi\n");
        assert_eq!(u[0].speaker, None);
        assert_eq!(u[0].text, "hello there");
    }
}
