//! Per-speaker statistics, accumulated one utterance at a time.
//!
//! Definitions: a speaker's speaking time is the sum of their cues' durations (end − start);
//! `speakingTimePercentage` is that over the sum for all labelled speakers, coach included
//! (unlabelled cues are counted apart, in `unattributed`). A turn is a run of consecutive cues
//! by one speaker; the longest monologue is the longest turn's speaking time. A question is a
//! run of `?`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::Utterance;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeakerStats {
    pub speaking_seconds: f64,
    pub speaking_time_percentage: f64,
    pub cues: u32,
    pub turns: u32,
    pub words: u32,
    pub questions: u32,
    pub longest_monologue_seconds: f64,
    /// Start of the speaker's first cue, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_spoke_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptStats {
    /// Labelled speakers in order of first appearance, keyed by their label as written.
    pub speakers: Vec<(String, SpeakerStats)>,
    /// Cues with no speaker label.
    pub unattributed: SpeakerStats,
    pub total_speaking_seconds: f64,
    /// End of the last cue.
    pub duration_seconds: f64,
    pub cues: u64,
}

impl TranscriptStats {
    pub fn speaker(&self, label: &str) -> Option<&SpeakerStats> {
        self.speakers.iter().find(|(l, _)| l == label).map(|(_, s)| s)
    }
}

#[derive(Default, Clone)]
struct Acc {
    speaking_ms: u64,
    cues: u32,
    turns: u32,
    words: u32,
    questions: u32,
    longest_turn_ms: u64,
    first_ms: Option<u64>,
}

impl Acc {
    fn into_stats(self, total_ms: u64) -> SpeakerStats {
        let pct = if total_ms == 0 { 0.0 } else { self.speaking_ms as f64 * 100.0 / total_ms as f64 };
        SpeakerStats {
            speaking_seconds: self.speaking_ms as f64 / 1000.0,
            speaking_time_percentage: (pct * 100.0).round() / 100.0,
            cues: self.cues,
            turns: self.turns,
            words: self.words,
            questions: self.questions,
            longest_monologue_seconds: self.longest_turn_ms as f64 / 1000.0,
            first_spoke_ms: self.first_ms,
        }
    }
}

/// FxHash: speaker labels and the analyser's phrase words are short, and SipHash's DoS
/// resistance buys nothing for keys of our own (it dominated the per-cue cost, and was a sixth
/// of the analyser's time).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A label's length and its first and last eight bytes: equal keys mean equal labels up to
/// sixteen bytes, which most names are, so a lookup needs no string compare.
#[derive(Clone, Copy, PartialEq, Eq)]
struct LabelKey {
    len: usize,
    head: u64,
    tail: u64,
}

impl LabelKey {
    #[inline]
    fn of(label: &[u8]) -> Self {
        let word = |b: &[u8]| {
            let mut buf = [0u8; 8];
            buf[..b.len()].copy_from_slice(b);
            u64::from_le_bytes(buf)
        };
        let (head, tail) = match label.len() {
            n if n >= 8 => (word(&label[..8]), word(&label[n - 8..])),
            _ => (word(label), 0),
        };
        Self { len: label.len(), head, tail }
    }

    #[inline]
    fn bucket(&self) -> usize {
        let mixed = (self.head ^ self.tail.rotate_left(29) ^ self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - BUCKET_BITS)) as usize
    }
}

const BUCKET_BITS: u32 = 8;

/// Speaker slots by label: a direct table of one slot per key bucket first (the usual case,
/// a few instructions and no string compare), then a hash map for labels whose bucket was
/// taken.
struct SpeakerIndex {
    buckets: Box<[u32; 1 << BUCKET_BITS]>,
    keys: Vec<LabelKey>,
    overflow: HashMap<String, usize, BuildHasherDefault<FxHasher>>,
}

impl Default for SpeakerIndex {
    fn default() -> Self {
        Self { buckets: Box::new([u32::MAX; 1 << BUCKET_BITS]), keys: Vec::new(), overflow: HashMap::default() }
    }
}

impl SpeakerIndex {
    #[inline]
    fn get(&self, label: &str, labels: &[(String, Acc)]) -> Option<usize> {
        let key = LabelKey::of(label.as_bytes());
        let slot = self.buckets[key.bucket()] as usize;
        if let Some(k) = self.keys.get(slot)
            && *k == key
            && (key.len <= 16 || labels[slot].0 == label)
        {
            return Some(slot);
        }
        if self.overflow.is_empty() { None } else { self.overflow.get(label).copied() }
    }

    fn insert(&mut self, label: &str, slot: usize) {
        let key = LabelKey::of(label.as_bytes());
        self.keys.push(key);
        let bucket = &mut self.buckets[key.bucket()];
        if *bucket == u32::MAX {
            *bucket = slot as u32;
        } else {
            self.overflow.insert(label.to_owned(), slot);
        }
    }
}

#[derive(Default)]
pub struct StatsAccumulator {
    index: SpeakerIndex,
    speakers: Vec<(String, Acc)>,
    unattributed: Acc,
    last: Option<usize>,
    run_ms: u64,
    end_ms: u64,
    cues: u64,
}

impl StatsAccumulator {
    #[inline]
    pub fn add(&mut self, u: &Utterance<'_>) {
        let text = u.text.as_bytes();
        let speaker = u.speaker.as_deref().map(|label| self.slot(label));
        self.add_counted(u.start_ms, u.end_ms, speaker, count_words(text), count_questions(text));
    }

    /// Adds one cue whose words and questions are already counted; `speaker` is a [`Self::slot`].
    #[inline]
    pub(crate) fn add_counted(&mut self, start_ms: u64, end_ms: u64, speaker: Option<usize>, words: u32, questions: u32) {
        let dur = end_ms - start_ms;
        self.cues += 1;
        self.end_ms = self.end_ms.max(end_ms);
        let Some(idx) = speaker else {
            let acc = &mut self.unattributed;
            acc.speaking_ms += dur;
            acc.cues += 1;
            acc.words += words;
            acc.questions += questions;
            acc.first_ms.get_or_insert(start_ms);
            self.last = None;
            return;
        };
        let new_turn = self.last != Some(idx);
        if new_turn {
            self.run_ms = 0;
        }
        let acc = &mut self.speakers[idx].1;
        acc.turns += u32::from(new_turn);
        self.run_ms += dur;
        acc.speaking_ms += dur;
        acc.cues += 1;
        acc.words += words;
        acc.questions += questions;
        acc.longest_turn_ms = acc.longest_turn_ms.max(self.run_ms);
        acc.first_ms.get_or_insert(start_ms);
        self.last = Some(idx);
    }

    /// The slot of a speaker label, added on first sight.
    #[inline]
    pub(crate) fn slot(&mut self, label: &str) -> usize {
        self.known(label).unwrap_or_else(|| {
            let i = self.speakers.len();
            self.index.insert(label, i);
            self.speakers.push((label.to_owned(), Acc::default()));
            i
        })
    }

    /// The slot of a label seen before.
    #[inline]
    pub(crate) fn known(&self, label: &str) -> Option<usize> {
        self.index.get(label, &self.speakers)
    }

    pub fn finish(self) -> TranscriptStats {
        let total_ms: u64 = self.speakers.iter().map(|(_, a)| a.speaking_ms).sum();
        let mut unattributed = self.unattributed.into_stats(total_ms);
        unattributed.speaking_time_percentage = 0.0;
        TranscriptStats {
            speakers: self.speakers.into_iter().map(|(l, a)| (l, a.into_stats(total_ms))).collect(),
            unattributed,
            total_speaking_seconds: total_ms as f64 / 1000.0,
            duration_seconds: self.end_ms as f64 / 1000.0,
            cues: self.cues,
        }
    }
}

/// Word starts: a byte above space after one at or below it (or at the start), eight bytes at
/// a time. For each byte `b`, `0xA0 - (b & 0x7F)` has its high bit set exactly when the low
/// seven bits are ≤ 0x20, and no byte borrows from its neighbour; bytes ≥ 0x80 (UTF-8) are
/// never white space.
#[inline]
fn count_words(text: &[u8]) -> u32 {
    const HI: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const A0: u64 = 0xA0A0_A0A0_A0A0_A0A0;
    let mut prev_space_top: u64 = 0x80; // "before the text" counts as space
    let mut n = 0;
    let mut chunks = text.chunks_exact(8);
    let mut step = |x: u64| {
        let space = (A0 - (x & LOW7)) & !x & HI;
        let prev_space = (space << 8) | prev_space_top;
        n += (!space & HI & prev_space).count_ones();
        prev_space_top = space >> 56;
    };
    for c in &mut chunks {
        step(u64::from_le_bytes(c.try_into().expect("eight bytes")));
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        // Pad with spaces, which start no word.
        let mut x = u64::from_le_bytes([b' '; 8]);
        for (i, &b) in tail.iter().enumerate() {
            x = (x & !(0xFF << (i * 8))) | (u64::from(b) << (i * 8));
        }
        step(x);
    }
    n
}

#[inline]
fn count_questions(text: &[u8]) -> u32 {
    let mut n = 0;
    let mut prev = usize::MAX - 1;
    for i in memchr::memchr_iter(b'?', text) {
        if i != prev + 1 {
            n += 1;
        }
        prev = i;
    }
    n
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn u(start: u64, end: u64, who: Option<&'static str>, text: &'static str) -> Utterance<'static> {
        Utterance { start_ms: start, end_ms: end, speaker: who.map(Cow::Borrowed), text: Cow::Borrowed(text), line: 1 }
    }

    #[test]
    fn counts_words_like_split_whitespace() {
        let cases = ["", " ", "a", " a ", "one two  three", "déjà vu\tencore\n", "xxxxxxxxxxxxxxxxx", "a b c d e f g h i j k l m n o p q"];
        for t in cases {
            assert_eq!(count_words(t.as_bytes()), t.split_ascii_whitespace().count() as u32, "{t:?}");
        }
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..2000 {
            let len = rng.usize(..40);
            let bytes: Vec<u8> = (0..len).map(|_| *rng.choice(b"ab \t\n\x01\xc3\xa9.").unwrap()).collect();
            let expect = bytes.split(|b| *b <= b' ').filter(|w| !w.is_empty()).count() as u32;
            assert_eq!(count_words(&bytes), expect, "{bytes:?}");
        }
    }

    #[test]
    fn finds_every_label_among_many() {
        let mut acc = StatsAccumulator::default();
        // Same length and same first and last eight bytes: one key, told apart by the compare.
        let mut labels = vec!["Abcdefgh X 12345678".to_string(), "Abcdefgh Y 12345678".to_string(), "Bo".into(), "".into()];
        labels.extend((0..600).map(|i| format!("Speaker {i}")));
        let slots: Vec<usize> = labels.iter().map(|l| acc.slot(l)).collect();
        assert_eq!(slots, (0..labels.len()).collect::<Vec<_>>());
        for (label, slot) in labels.iter().zip(&slots) {
            assert_eq!(acc.known(label), Some(*slot), "{label}");
        }
        for unknown in ["Abcdefgh Z 12345678", "Speaker 600", "B", "Speaker  1"] {
            assert_eq!(acc.known(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn sums_turns_and_shares() {
        let mut acc = StatsAccumulator::default();
        for x in [
            u(0, 1000, Some("A"), "hello there"),
            u(1000, 3000, Some("A"), "why?? and how?"),
            u(3000, 4000, Some("B"), "ok"),
            u(4000, 5000, None, "[inaudible]"),
            u(5000, 6000, Some("A"), "one more"),
        ] {
            acc.add(&x);
        }
        let s = acc.finish();
        let a = s.speaker("A").unwrap();
        assert_eq!(a.speaking_seconds, 4.0);
        assert_eq!(a.speaking_time_percentage, 80.0);
        assert_eq!((a.cues, a.turns, a.words, a.questions), (3, 2, 7, 2));
        assert_eq!(a.longest_monologue_seconds, 3.0);
        assert_eq!(s.speaker("B").unwrap().speaking_time_percentage, 20.0);
        assert_eq!(s.unattributed.cues, 1);
        assert_eq!(s.unattributed.speaking_seconds, 1.0);
        assert_eq!(s.total_speaking_seconds, 5.0);
        assert_eq!(s.duration_seconds, 6.0);
    }
}
