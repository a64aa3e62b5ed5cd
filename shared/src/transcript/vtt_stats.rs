//! The fast lane of [`super::stream_stats`] for WebVTT: per-speaker statistics read straight
//! off the bytes, for the cue shape nearly every Zoom export has:
//!
//! ```text
//! 42                                  optional numeric identifier
//! 00:01:02.345 --> 00:01:05.000       `h+:mm:ss.ttt` times, no cue settings
//! Name: one line of text              no markup, entities, tabs or CRs
//!                                     blank line or end of file
//! ```
//!
//! Each cue costs one pass over its text, sixteen bytes at a time (line end, words, questions
//! and the label's colon found together), instead of a parser's several. A cue of any other
//! shape, and every error, goes through [`VttCues`] from the cue's first line, so the result
//! is the full parser's to the byte: the fuzz target and the tests below compare the two.

use super::classify::{Classes, classify};
use super::speaker::split_label;
use super::stats::StatsAccumulator;
use super::{TranscriptError, VttCues};

/// The first colon further in than this cannot end a speaker label (see `split_label`).
const LABEL_WINDOW: usize = 64;

/// Adds every cue of the WebVTT `text` to `acc`.
pub(crate) fn add_all(text: &str, acc: &mut StatsAccumulator) -> Result<(), TranscriptError> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: this CPU has just been seen to have POPCNT.
        return unsafe { add_all_popcnt(text, acc) };
    }
    add_all_portable(text, acc)
}

/// The same code with x86_64's POPCNT, which the baseline target leaves out although nearly
/// every x86_64 CPU since 2008 has it: words and questions are counted by popcounts, a dozen
/// instructions each without it. (arm64, where Lambda runs, always has `cnt`.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn add_all_popcnt(text: &str, acc: &mut StatsAccumulator) -> Result<(), TranscriptError> {
    add_all_portable(text, acc)
}

#[inline(always)]
fn add_all_portable(text: &str, acc: &mut StatsAccumulator) -> Result<(), TranscriptError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bytes = text.as_bytes();
    let (mut pos, mut line) = VttCues::after_header(text)?;
    loop {
        while bytes.get(pos) == Some(&b'\n') {
            pos += 1;
            line += 1;
        }
        if pos >= bytes.len() {
            return Ok(());
        }
        if let Some(cue) = scan_cue(bytes, pos) {
            add_cue(text, &cue, acc);
            (pos, line) = (cue.next, line + cue.lines);
            continue;
        }
        let mut parser = VttCues::at(text, pos, line);
        match parser.next() {
            None => return Ok(()),
            Some(Err(e)) => return Err(e),
            Some(Ok(u)) => acc.add(&u),
        }
        (pos, line) = parser.resume_point();
    }
}

/// One cue of the usual shape, counted.
struct Cue {
    start_ms: u64,
    end_ms: u64,
    /// The text line's bounds (start inclusive, end at its `\n` or the end of the file).
    text: (usize, usize),
    /// The first colon of the line when it could end a label: within the window and followed
    /// by a space or the line end.
    colon: Option<usize>,
    words: u32,
    /// Words that start after the colon.
    words_after_colon: u32,
    questions: u32,
    /// The next line's start, and the lines this cue took.
    next: usize,
    lines: usize,
}

/// Reads the cue at `p` (the start of a non-empty line), or `None` when it is not of the
/// usual shape.
#[inline(always)]
fn scan_cue(b: &[u8], p: usize) -> Option<Cue> {
    // A numeric identifier line, or the digits of the start time's hours.
    let digits = b[p..].iter().take_while(|c| c.is_ascii_digit()).count();
    let (t, lines) = match b.get(p + digits) {
        Some(b'\n') if digits > 0 => (p + digits + 1, 3),
        Some(b':') => (p, 2),
        _ => return None,
    };
    let (start_ms, i) = stamp(b, t)?;
    if b.get(i..i + 5)? != b" --> " {
        return None;
    }
    let (end_ms, j) = stamp(b, i + 5)?;
    if b.get(j) != Some(&b'\n') || end_ms < start_ms {
        return None;
    }
    let line = j + 1;
    // Leading white space (trimmed by the parser) and empty text are left to the parser.
    if b.get(line).is_none_or(|&c| c <= b' ') {
        return None;
    }
    let mut scan = TextScan::default();
    let mut at = line;
    let end = loop {
        let block = block_at(b, at);
        if let Some(rel) = scan.add(&classify(&block), at - line)? {
            break at + rel;
        }
        at += 16;
    };
    // The cue must end here: a second text line, or a blank line with spaces, is the parser's.
    let next = if end < b.len() { end + 1 } else { end };
    if b.get(next).is_some_and(|&c| c != b'\n') {
        return None;
    }
    let colon = scan.colon.map(|(rel, _)| line + rel).filter(|&c| c + 1 == end || b[c + 1] == b' ');
    Some(Cue {
        start_ms,
        end_ms,
        text: (line, end),
        colon,
        words: scan.words,
        words_after_colon: scan.words - scan.colon.map_or(0, |(_, w)| w),
        questions: scan.questions,
        next,
        lines,
    })
}

/// Sixteen bytes from `at`; past the end of the input, `\n`s, which end the line there.
#[inline]
fn block_at(b: &[u8], at: usize) -> [u8; 16] {
    match b.get(at..at + 16) {
        Some(s) => s.try_into().expect("sixteen bytes"),
        None => {
            let mut block = [b'\n'; 16];
            let rest = &b[at.min(b.len())..];
            block[..rest.len()].copy_from_slice(rest);
            block
        }
    }
}

/// Running counts over one text line, block by block.
struct TextScan {
    words: u32,
    questions: u32,
    /// The first colon within the label window: its offset in the line and the words started
    /// up to it.
    colon: Option<(usize, u32)>,
    colon_searched: bool,
    /// Whether the byte before the block was white space (the line start counts as such) or a
    /// `?`, for words and runs of `?` that cross blocks.
    space_before: u16,
    question_before: u16,
}

impl Default for TextScan {
    fn default() -> Self {
        Self { words: 0, questions: 0, colon: None, colon_searched: false, space_before: 1, question_before: 0 }
    }
}

impl TextScan {
    /// Counts the block at offset `off` of the line. `Some(Some(n))`: the line ends at byte n
    /// of the block; `Some(None)`: it goes on; `None`: the line holds a byte for the parser.
    #[inline(always)]
    fn add(&mut self, c: &Classes, off: usize) -> Option<Option<usize>> {
        let end = (c.newline != 0).then(|| c.newline.trailing_zeros() as usize);
        let within = end.map_or(u16::MAX, |n| ((1u32 << n) - 1) as u16);
        if c.special & within != 0 {
            return None;
        }
        let word_starts = !c.space & ((c.space << 1) | self.space_before) & within;
        let question_runs = c.question & !((c.question << 1) | self.question_before) & within;
        if !self.colon_searched && c.colon & within != 0 {
            self.colon_searched = true;
            let at = c.colon.trailing_zeros() as usize;
            if off + at <= LABEL_WINDOW {
                let upto = ((2u32 << at) - 1) as u16;
                self.colon = Some((off + at, self.words + (word_starts & upto).count_ones()));
            }
        }
        self.words += word_starts.count_ones();
        self.questions += question_runs.count_ones();
        self.space_before = c.space >> 15;
        self.question_before = c.question >> 15;
        Some(end)
    }
}

/// `h+:mm:ss.ttt` at `at` (one to ten digits of hours, as the parser allows): milliseconds and
/// the offset after it. The eight bytes after the hours are checked and combined at once.
#[inline(always)]
fn stamp(b: &[u8], at: usize) -> Option<(u64, usize)> {
    // Bytes m m : s s . t t, least significant first.
    const DIGITS: u64 = 0xF0F0_00F0_F000_F0F0;
    const ZEROS: u64 = 0x3030_0030_3000_3030;
    const SIX: u64 = 0x0606_0006_0600_0606;
    const SEPARATORS: u64 = 0x0000_FF00_00FF_0000;
    const COLON_DOT: u64 = 0x0000_2E00_003A_0000;
    let mut hours = 0u64;
    let mut i = at;
    while let Some(&c @ b'0'..=b'9') = b.get(i) {
        hours = hours * 10 + u64::from(c - b'0');
        i += 1;
        if i - at > 10 {
            return None;
        }
    }
    if i == at || b.get(i) != Some(&b':') {
        return None;
    }
    let rest: &[u8; 9] = b.get(i + 1..i + 10)?.try_into().ok()?;
    let x = u64::from_le_bytes(rest[..8].try_into().ok()?);
    // High nibble 3 and still 3 after adding 6: exactly '0'..='9' (no carries once the first holds).
    if x & DIGITS != ZEROS || (x + SIX) & DIGITS != ZEROS || x & SEPARATORS != COLON_DOT {
        return None;
    }
    let d = x & 0x0F0F_000F_0F00_0F0F;
    // Each pair's tens digit times ten plus its units digit, in the tens digit's byte.
    let pairs = d * 10 + (d >> 8);
    let (m, sec, centis) = (pairs & 0xFF, (pairs >> 24) & 0xFF, (pairs >> 48) & 0xFF);
    let last = rest[8].wrapping_sub(b'0');
    if m > 59 || sec > 59 || last > 9 {
        return None;
    }
    let ms = ((hours * 60 + m) * 60 + sec) * 1000 + centis * 10 + u64::from(last);
    Some((ms, i + 10))
}

fn add_cue(text: &str, cue: &Cue, acc: &mut StatsAccumulator) {
    let (start, end) = cue.text;
    let speaker = cue.colon.and_then(|colon| {
        let label = text[start..colon].trim_end_matches(' ');
        acc.known(label).or_else(|| {
            // First sight of this label: the parser's rules decide whether it is a name.
            let line = text[start..end].trim_end_matches(' ');
            split_label(line).map(|(name, _)| {
                debug_assert_eq!(name, label);
                acc.slot(name)
            })
        })
    });
    match speaker {
        Some(slot) => acc.add_counted(cue.start_ms, cue.end_ms, Some(slot), cue.words_after_colon, cue.questions),
        None => {
            // The parser drops a cue with no speaker and nothing but (Unicode) white space.
            let blank = text.as_bytes()[start] >= 0x80 && text[start..end].trim().is_empty();
            if !blank {
                acc.add_counted(cue.start_ms, cue.end_ms, None, cue.words, cue.questions);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Transcript, TranscriptFormat, stream_stats};
    use super::*;

    /// The full parser's statistics, or its error.
    fn reference(text: &str) -> Result<super::super::TranscriptStats, TranscriptError> {
        let mut acc = StatsAccumulator::default();
        for u in VttCues::new(text)? {
            acc.add(&u?);
        }
        Ok(acc.finish())
    }

    fn assert_same(text: &str) {
        let fast = stream_stats(text, Some(TranscriptFormat::Vtt));
        assert_eq!(fast, reference(text), "{text:?}");
    }

    #[test]
    fn stamps() {
        assert_eq!(stamp(b"01:02:03.004", 0), Some((3_723_004, 12)));
        assert_eq!(stamp(b"x99:59:59.999 ", 1), Some((359_999_999, 13)));
        assert_eq!(stamp(b"100:00:00.000", 0), Some((360_000_000, 13)));
        assert_eq!(stamp(b"1:00:00.001", 0), Some((3_600_001, 11)));
        for bad in ["01:60:00.000", "01:00:60.000", "0a:00:00.000", "00-00:00.000", "00:00:00,000", "00:00:00.0a0", "00:0/:00.000", "00:00.000", "00:00:00.00", "12345678901:00:00.000", ":00:00.000"] {
            assert_eq!(stamp(bad.as_bytes(), 0), None, "{bad}");
        }
    }

    #[test]
    fn zoom_cues_take_the_fast_lane() {
        let text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.500\nDr. Amy Reyes: Welcome back, everyone. Ready?\n\n2\n00:00:05.000 --> 00:00:06.000\nTom Iyer: Yes?? Very ready, and this line runs well past sixteen bytes.\n";
        let b = text.as_bytes();
        let (pos, _) = VttCues::after_header(text).unwrap();
        assert_eq!(&text[pos..pos + 2], "\n1");
        let cue = scan_cue(b, pos + 1).expect("usual shape");
        assert_eq!((cue.start_ms, cue.end_ms, cue.words_after_colon, cue.questions, cue.lines), (1000, 4500, 4, 1, 3));
        assert_eq!(&text[cue.text.0..cue.colon.unwrap()], "Dr. Amy Reyes");
        let stats = stream_stats(text, None).unwrap();
        let tom = stats.speaker("Tom Iyer").unwrap();
        assert_eq!((tom.words, tom.questions, tom.speaking_seconds), (11, 1, 1.0));
        assert_same(text);
    }

    #[test]
    fn other_shapes_match_the_parser() {
        let cases = [
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA: one\nsecond line\n\n00:00:03.000 --> 00:00:04.000\nA: two\n",
            "WEBVTT\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.000\r\nA: crlf\r\n",
            "\u{feff}WEBVTT\n\nNOTE x\ny\n\nid-1\n00:01.000 --> 00:02.000 align:start\n<v Ann Lee>Hi &amp; bye</v>\n\n00:00:03.000 --> 00:00:04.000\nAnn Lee: again\n",
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n \n\n2\n00:00:02.000 --> 00:00:03.000\n\u{a0}\n\n3\n00:00:03.000 --> 00:00:04.000\nno label here\n",
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nWe start at 10:30: fine\n\n2\n00:00:02.000 --> 00:00:03.000\nReally? I think: yes\n",
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nName :  spaced   out  \n   \n2\n00:00:02.000 --> 00:00:03.000\nName:\n",
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nthe thing I keep coming back to after all these weeks is really this: pricing\n",
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nA: tab\there\n\n2\n00:00:02.000 --> 00:00:03.000\nA: end",
            "WEBVTT\n\n1\n00:00:05.000 --> 00:00:01.000\nA: backwards\n",
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:0x.000\nA: bad\n",
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000",
            "WEBVTT\n\n12345\nA: no timing\n",
        ];
        for text in cases {
            assert_same(text);
        }
    }

    #[test]
    fn random_cues_match_the_parser() {
        let mut rng = fastrand::Rng::with_seed(9);
        let pieces = [
            "Ann Lee: ", "Bo: ", "Dr. Amy Reyes: ", "hello ", "why?? ", "?", ":", " ", "  ", "\t", "<b>", "&amp;", "é",
            "\u{a0}", "10:30 ", "a fairly long stretch of words to cross blocks ", "\r", "x",
        ];
        for _ in 0..3000 {
            let mut text = String::from("WEBVTT\n\n");
            for n in 0..rng.usize(1..6) {
                if rng.u8(..4) != 0 {
                    text.push_str(&format!("{n}\n"));
                }
                let start = rng.u64(..5000);
                let end = start + rng.u64(..3000);
                let hours = rng.choice(["00", "00", "1", "100", "0000000000", "00000000000"]).unwrap();
                let ts = |ms: u64| format!("{hours}:00:{:02}.{:03}", ms / 1000, ms % 1000);
                text.push_str(&format!("{} --> {}\n", ts(start), ts(end)));
                for _ in 0..rng.usize(..5) {
                    text.push_str(rng.choice(pieces).unwrap());
                }
                text.push_str(if rng.u8(..8) == 0 { "\nmore\n\n" } else { "\n\n" });
            }
            assert_same(&text);
            assert_same(text.trim_end());
        }
    }

    #[test]
    fn agrees_with_collected_utterances() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../functions/local/sample/transcript.vtt"))
            .expect("bundled sample");
        assert_eq!(stream_stats(&text, None).unwrap(), Transcript::parse(&text, None).unwrap().stats());
        assert_same(&text);
    }
}
