//! WebVTT as real files come: BOM, CRLF or LF, header text, NOTE/STYLE/REGION blocks, cue
//! identifiers, short and long timestamps, cue settings, multi-line text, tags and entities.

use std::borrow::Cow;

use super::markup::{clean, clean_owned};
use super::speaker::split_label;
use super::timestamp::parse_vtt;
use super::{Lines, TranscriptError, Utterance};

/// Streams the cues of a WebVTT file. After the first error it yields nothing more.
pub struct VttCues<'a> {
    lines: Lines<'a>,
    done: bool,
}

impl<'a> VttCues<'a> {
    /// Checks the `WEBVTT` header and skips the header block.
    pub fn new(text: &'a str) -> Result<Self, TranscriptError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = Lines::new(text);
        skip_header(&mut lines)?;
        Ok(Self { lines, done: false })
    }

    /// Where the first cue may start in `text` (BOM already removed): byte offset and lines
    /// before it.
    pub(crate) fn after_header(text: &'a str) -> Result<(usize, usize), TranscriptError> {
        let mut lines = Lines::at(text, 0, 0);
        skip_header(&mut lines)?;
        Ok(lines.resume_point())
    }

    /// The parser carrying on at a cue boundary of `text` (BOM removed) after `line` lines.
    pub(crate) fn at(text: &'a str, pos: usize, line: usize) -> Self {
        Self { lines: Lines::at(text, pos, line), done: false }
    }

    /// Where the parser would read next: see [`Lines::resume_point`].
    pub(crate) fn resume_point(&self) -> (usize, usize) {
        self.lines.resume_point()
    }

    fn next_cue(&mut self) -> Option<Result<Utterance<'a>, TranscriptError>> {
        loop {
            let (n, line) = self.lines.by_ref().find(|(_, l)| !is_blank(l))?;
            if is_keyword_block(line) {
                self.skip_block();
                continue;
            }
            // A cue starts with its timing line, or with an identifier and then the timing line.
            let timing = match parse_timing(line) {
                Ok(t) => Ok(t),
                Err(msg) if has_arrow(line) => Err(TranscriptError::new(n, msg)),
                Err(_) => match self.lines.next() {
                    Some((m, l)) => parse_timing(l).map_err(|msg| {
                        if has_arrow(l) {
                            TranscriptError::new(m, msg)
                        } else {
                            TranscriptError::new(n, "expected a cue timing line such as `00:00:01.000 --> 00:00:04.000`")
                        }
                    }),
                    None => Err(TranscriptError::new(n, "expected a cue timing line after the cue identifier")),
                },
            };
            let (start_ms, end_ms) = match timing {
                Ok(t) => t,
                Err(e) => return Some(Err(e)),
            };
            let timing_line = self.lines_read();
            let text = self.cue_text();
            let (voice, text) = match text {
                Cow::Borrowed(t) => clean(t),
                Cow::Owned(t) => clean_owned(t),
            };
            let (speaker, text) = match voice {
                Some(v) => (Some(v), text),
                None => attribute(text),
            };
            if text.trim().is_empty() && speaker.is_none() {
                // An empty cue says nothing and is nobody's.
                continue;
            }
            return Some(Ok(Utterance { start_ms, end_ms, speaker, text, line: timing_line }));
        }
    }

    /// The number of the line read last: the timing line, when called right after it.
    fn lines_read(&self) -> usize {
        self.lines.line_number()
    }

    fn skip_block(&mut self) {
        while self.lines.next().is_some_and(|(_, l)| !is_blank(l)) {}
    }

    /// The cue's payload, up to the next blank line; several lines are joined by a space.
    fn cue_text(&mut self) -> Cow<'a, str> {
        let first = match self.lines.peek() {
            Some(l) if !is_blank(l) => {
                self.lines.next();
                l.trim_ascii()
            }
            _ => return Cow::Borrowed(""),
        };
        match self.lines.peek() {
            Some(l) if !is_blank(l) => {
                let mut joined = first.to_string();
                while let Some(l) = self.lines.peek().filter(|l| !is_blank(l)) {
                    self.lines.next();
                    joined.push(' ');
                    joined.push_str(l.trim_ascii());
                }
                Cow::Owned(joined)
            }
            _ => Cow::Borrowed(first),
        }
    }
}

impl<'a> Iterator for VttCues<'a> {
    type Item = Result<Utterance<'a>, TranscriptError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_cue();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

fn skip_header(lines: &mut Lines<'_>) -> Result<(), TranscriptError> {
    // Leading blank lines are not allowed by the spec but are common after copy-paste.
    let (n, first) = loop {
        match lines.next() {
            Some((_, l)) if is_blank(l) => continue,
            Some((n, l)) => break (n, l),
            None => return Err(TranscriptError::new(1, "empty file: expected a `WEBVTT` header")),
        }
    };
    let ok = first.strip_prefix("WEBVTT").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
    if !ok {
        return Err(TranscriptError::new(n, "expected the `WEBVTT` header"));
    }
    // Header metadata lines (`Kind: captions`) run to the first blank line.
    while lines.peek().is_some_and(|l| !is_blank(l)) {
        let (n, l) = lines.next().expect("peeked");
        if l.contains("-->") {
            return Err(TranscriptError::new(n, "a cue must be separated from the header by a blank line"));
        }
    }
    Ok(())
}

/// Blank: nothing but spaces and tabs (the line splitter already removed the line end).
#[inline]
pub(crate) fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ' || b == b'\t')
}

#[inline]
fn has_arrow(line: &str) -> bool {
    let b = line.as_bytes();
    if b.len() < 3 {
        return false;
    }
    memchr::memchr_iter(b'>', b).any(|i| i >= 2 && &b[i - 2..i] == b"--")
}

#[inline]
fn is_keyword_block(line: &str) -> bool {
    if !matches!(line.as_bytes().first(), Some(b'N' | b'S' | b'R')) {
        return false;
    }
    ["NOTE", "STYLE", "REGION"].iter().any(|k| {
        line.strip_prefix(k).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    })
}

fn parse_timing(line: &str) -> Result<(u64, u64), &'static str> {
    const BAD: &str = "malformed cue timing: expected `hh:mm:ss.ttt --> hh:mm:ss.ttt`";
    // The shortest timing line is `00:00.000 --> 00:00.000`; cue identifiers are usually shorter.
    if line.len() < 23 {
        return Err(BAD);
    }
    let b = line.trim_start().as_bytes();
    let (start, mut i) = parse_vtt(b).ok_or(BAD)?;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if !b[i..].starts_with(b"-->") {
        return Err(BAD);
    }
    i += 3;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let (end, j) = parse_vtt(&b[i..]).ok_or(BAD)?;
    if !matches!(b.get(i + j), None | Some(b' ' | b'\t')) {
        return Err(BAD);
    }
    if end < start {
        return Err("cue ends before it starts");
    }
    Ok((start, end))
}

/// Takes a Zoom `Name: text` label off the text, keeping borrowed text borrowed.
fn attribute<'a>(text: Cow<'a, str>) -> (Option<Cow<'a, str>>, Cow<'a, str>) {
    match text {
        Cow::Borrowed(t) => match split_label(t) {
            Some((label, rest)) => (Some(Cow::Borrowed(label)), Cow::Borrowed(rest)),
            None => (None, Cow::Borrowed(t)),
        },
        Cow::Owned(t) => match split_label(&t) {
            Some((label, rest)) => (Some(Cow::Owned(label.to_owned())), Cow::Owned(rest.to_owned())),
            None => (None, Cow::Owned(t)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Utterance<'_>>, TranscriptError> {
        VttCues::new(text)?.collect()
    }

    #[test]
    fn zoom_file() {
        let text = "WEBVTT\n\n1\n00:00:02.000 --> 00:00:05.317\nDr. Amy Reyes: Welcome back.\n\n2\n00:00:06.500 --> 00:00:10.961\nAisha Nowak: My next step\nis to raise prices.\n";
        let cues = parse(text).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].speaker.as_deref(), Some("Dr. Amy Reyes"));
        assert_eq!(cues[0].text, "Welcome back.");
        assert_eq!((cues[0].start_ms, cues[0].end_ms, cues[0].line), (2000, 5317, 4));
        assert_eq!(cues[1].text, "My next step is to raise prices.");
        assert!(matches!(cues[0].text, Cow::Borrowed(_)));
    }

    #[test]
    fn real_world_noise() {
        let text = "\u{feff}WEBVTT - Zoom export\r\nKind: captions\r\n\r\nNOTE recorded\r\nby Zoom\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\nREGION\r\nid:fred\r\n\r\n00:01.000 --> 00:02.500 align:start position:10%\r\n<v.loud Tom Iyer>Hi &amp; <b>hello</b></v>\r\n\r\n\r\nintro-cue\r\n00:00:03.000 --> 00:00:04.000\r\nno speaker here\r\n";
        let cues = parse(text).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].speaker.as_deref(), Some("Tom Iyer"));
        assert_eq!(cues[0].text, "Hi & hello");
        assert_eq!(cues[0].start_ms, 1000);
        assert_eq!(cues[1].speaker, None);
        assert_eq!(cues[1].line, 18);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("WEBVTT\n\n00:00:01.000 --> 00:00:xx.000\nA: b\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("not a vtt").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nA: b\n").unwrap_err();
        assert!(e.message.contains("ends before"), "{e}");
        let e = parse("WEBVTT\n\nidentifier\nA: no timing\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("WEBVTT\n00:00:01.000 --> 00:00:02.000\nA: b\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn stops_after_error() {
        let mut it = VttCues::new("WEBVTT\n\nbad\nbad\n\n00:00:01.000 --> 00:00:02.000\nA: b\n").unwrap();
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }
}
