//! Who spoke: speaker labels matched to the roster and the coach.
//!
//! Labels and names are compared after normalising both: accents folded (`Chloé` = `Chloe`),
//! case and white space ignored, `(Company)` / `[Host]` parts and a trailing device name
//! (`Sarah's iPhone`, `Tom - iPad`) removed, titles (`Dr.`, `Mrs`) dropped. A label then matches
//! a roster entry when the names are equal, when the roster name is the start of the label
//! (`Tom Iyer Coaching`), when it is a first name alone or a first name and last initial
//! (`Sarah J.`) that only one entry has. Everything else is reported, not guessed.

use serde::{Deserialize, Serialize};

use crate::domain::{CoachProfile, Roster, RosterEntry};
use crate::transcript::{SpeakerStats, TranscriptStats};

/// Device words (`Sarah's iPhone`, `Tom - iPad`), lower-cased, plural `s` off.
const DEVICES: [&[u8]; 12] = [b"iphone", b"ipad", b"android", b"galaxy", b"pixel", b"macbook", b"laptop", b"phone", b"desktop", b"mobile", b"pc", b"imac"];

/// Titles (`Dr.`, `Mrs`), lower-cased.
const TITLES: [&[u8]; 10] = [b"dr", b"mr", b"mrs", b"ms", b"miss", b"mx", b"prof", b"professor", b"coach", b"sir"];

/// For each first byte, the lengths (one bit each) of the words in a list that start with it:
/// most words of a name are ruled out by one look-up, before any comparison (every word of
/// every name of a 60,000-registrant webinar is checked against both lists).
const fn lengths_by_first<const N: usize>(words: [&[u8]; N]) -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < N {
        table[words[i][0] as usize] |= 1 << words[i].len();
        i += 1;
    }
    table
}

static DEVICE_LENGTHS: [u16; 256] = lengths_by_first(DEVICES);
static TITLE_LENGTHS: [u16; 256] = lengths_by_first(TITLES);

/// Whether `word` is in `words`, `lengths` being [`lengths_by_first`] of them.
fn listed(word: &[u8], words: &[&[u8]], lengths: &[u16; 256]) -> bool {
    match word.first() {
        Some(&b) if word.len() < 16 && lengths[usize::from(b)] & 1 << word.len() != 0 => words.contains(&word),
        _ => false,
    }
}

/// A device word or its plural (`iPhones`), lower-cased. Dropping a plural `s` keeps the first
/// letter, so most words are ruled out before it is dropped.
fn is_device(word: &[u8]) -> bool {
    word.first().is_some_and(|&b| DEVICE_LENGTHS[usize::from(b)] != 0) && listed(without_plural(word), &DEVICES, &DEVICE_LENGTHS)
}

/// A title, lower-cased.
fn is_title(word: &[u8]) -> bool {
    listed(word, &TITLES, &TITLE_LENGTHS)
}

/// A word without its trailing `s`es (`iPhones` → `iphone`).
fn without_plural(word: &[u8]) -> &[u8] {
    word.iter().rposition(|&b| b != b's').map_or(&word[..0], |i| &word[..=i])
}

pub fn normalize_name(name: &str) -> String {
    // Most names are ASCII already: fold accents only when there is something to fold. One
    // pass lowercases, drops bracketed parts and turns punctuation into spaces; called once per
    // registrant of a webinar, so it allocates twice, not once per token.
    let folded: std::borrow::Cow<'_, str> = if name.is_ascii() { name.into() } else { deunicode::deunicode(name).into() };
    let mut cleaned = String::with_capacity(folded.len());
    let mut depth = 0i32;
    for c in folded.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            c if c.is_ascii_alphanumeric() || c == '\'' => cleaned.push(c.to_ascii_lowercase()),
            _ => cleaned.push(' '),
        }
    }
    let mut tokens: Vec<&str> = cleaned.split_whitespace().collect();
    if let Some(i) = tokens.iter().position(|t| is_device(t.as_bytes())) {
        if i > 0 {
            tokens.truncate(i);
            if let Some(last) = tokens.last_mut() {
                *last = last.strip_suffix("'s").unwrap_or(last);
            }
        }
    }
    let titles = tokens.iter().take_while(|t| is_title(t.as_bytes())).count().min(tokens.len().saturating_sub(1));
    let mut out = String::with_capacity(cleaned.len());
    for t in &tokens[titles..] {
        if t.bytes().all(|b| b == b'\'') {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(t.chars().filter(|&c| c != '\''));
    }
    out
}

/// FNV-1a over bytes: a fast hash for short keys (names, emails) in maps of many entries.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

pub(crate) fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| fnv_step(h, b))
}

/// A hash of a short key read eight bytes at a time (FxHash's step, then a final mix so every
/// bit of the result depends on every byte): for maps of tens of thousands of emails, where
/// FNV's byte-at-a-time multiply chain was the slow part.
pub(crate) fn word_hash(seed: u64, bytes: &[u8]) -> u64 {
    word_hashes([seed], bytes)[0]
}

/// [`word_hash`] with several seeds in one pass: the chains of multiplications are
/// independent, so the processor runs them side by side.
pub(crate) fn word_hashes<const N: usize>(seeds: [u64; N], bytes: &[u8]) -> [u64; N] {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let step = |h: [u64; N], w: u64| h.map(|h| (h.rotate_left(26) ^ w).wrapping_mul(K));
    let mut chunks = bytes.chunks_exact(8);
    let mut h = chunks.by_ref().fold(seeds.map(|s| s ^ bytes.len() as u64), |h, c| step(h, u64::from_le_bytes(c.try_into().expect("eight bytes"))));
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // The last bytes, zero-padded, gathered without a call to `memcpy`.
        h = step(h, rest.iter().rev().fold(0u64, |w, &b| w << 8 | u64::from(b)));
    }
    // murmur3's finaliser.
    h.map(|h| {
        let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        let h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    })
}

/// For maps keyed by a hash already computed ([`name_key`], [`fnv`]).
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// [`word_hash`] as a `Hasher`, for maps keyed by short strings (chat senders).
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = word_hash(self.0, bytes);
    }
    /// `str`'s terminator (after its bytes, already mixed in).
    fn write_u8(&mut self, b: u8) {
        self.0 ^= u64::from(b);
    }
}

pub(crate) type HashKeyed<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<IdentityHasher>>;

/// Who a name is, as two hashes of `normalize_name(name)` with different seeds: `hash` finds
/// it in a table, and the pair tells two names apart without reading either again (both equal
/// for two different normalised names by an accident of odds near 2^-128). Matching the chat
/// of a 60,000-registrant webinar used to re-read each candidate's name to make sure: a trip
/// to memory for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameKey {
    pub hash: u64,
    pub check: u64,
}

impl NameKey {
    fn of(normalized: &[u8]) -> Self {
        let [hash, check] = word_hashes([0, 0x9e37_79b9_7f4a_7c15], normalized);
        Self { hash, check }
    }

    /// The key of a name that normalises to nothing (emoji, punctuation).
    pub fn empty() -> Self {
        Self::of(b"")
    }

    /// The key held for a registrant who never joined: no chat is theirs, so no sender is
    /// matched to it (a name's key equals it by an accident of odds near 2^-128).
    pub const NOBODY: Self = Self { hash: 0, check: 0 };
}

/// The [`NameKey`] of a name, without building the normalised name when the name is ASCII
/// (or transliterable) with no brackets, no leading title and no device word (the common case,
/// "O'Neil" and "Lee, Sam" included): normalised in one pass into a buffer on the stack, by the
/// same rules as [`normalize_name`] (punctuation splits words, apostrophes are dropped), then
/// hashed eight bytes at a time.
pub fn name_key(name: &str) -> NameKey {
    let mut buf = [0u8; NAME_BUF];
    match plain_normalized(name, &mut buf) {
        Some(len) => NameKey::of(&buf[..len]),
        None => NameKey::of(normalize_name(name).as_bytes()),
    }
}

/// Longest normalised name [`name_key`] builds on the stack.
const NAME_BUF: usize = 96;

fn plain_normalized(name: &str, buf: &mut [u8; NAME_BUF]) -> Option<usize> {
    if name.is_ascii() {
        return ascii_normalize_into(name.as_bytes(), buf);
    }
    // Transliterated one character at a time into a buffer, as `deunicode` does for the whole
    // name, then read by the same loop; a character it cannot transliterate, or a name longer
    // than the buffer, leaves the name to `normalize_name`.
    use deunicode::AsciiChars;
    let mut ascii = [0u8; 2 * NAME_BUF];
    let len = match latin_to_ascii(name.as_bytes(), &mut ascii) {
        Some(len) => len,
        // `deunicode` drops a control character (a tab) from a whole name, where one character
        // at a time keeps it: such a name is left to `normalize_name`.
        None if name.bytes().any(|b| b.is_ascii_control()) => return None,
        None => {
            let mut len = 0;
            for piece in name.ascii_chars() {
                let piece = piece?.as_bytes();
                ascii.get_mut(len..len + piece.len())?.copy_from_slice(piece);
                len += piece.len();
            }
            len
        }
    };
    ascii_normalize_into(&ascii[..len], buf)
}

/// A name in ASCII and accented Latin letters (`Björn`, `Łukasz`: U+00C0–U+024F, two bytes in
/// UTF-8) transliterated as `deunicode` writes each letter, from a table made from it once;
/// `None` for any other character (or a letter it writes as other than one or two letters and
/// digits), left to `deunicode` itself. Its per-character iterator was most of the time of an
/// accented name's key.
fn latin_to_ascii(name: &[u8], out: &mut [u8; 2 * NAME_BUF]) -> Option<usize> {
    const FIRST: u32 = 0xC0;
    const END: u32 = 0x250;
    static LATIN: std::sync::OnceLock<Vec<[u8; 2]>> = std::sync::OnceLock::new();
    let latin = LATIN.get_or_init(|| {
        (FIRST..END)
            .map(|cp| {
                let ascii = char::from_u32(cp).and_then(deunicode::deunicode_char).unwrap_or_default().as_bytes();
                match *ascii {
                    [a] if a.is_ascii_alphanumeric() => [a, 0],
                    [a, b] if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => [a, b],
                    _ => [0, 0],
                }
            })
            .collect()
    });
    let (mut len, mut i) = (0, 0);
    while let Some(&b) = name.get(i) {
        // A control character (a tab) is left to `deunicode`, which drops it from a name.
        if b.is_ascii_control() {
            return None;
        }
        if b.is_ascii() {
            *out.get_mut(len)? = b;
            len += 1;
            i += 1;
            continue;
        }
        // A two-byte sequence (lead 0xC3–0xC9 holds U+00C0–U+027F); the text is valid UTF-8.
        if !(0xC3..=0xC9).contains(&b) {
            return None;
        }
        let cp = (u32::from(b & 0x1f) << 6) | u32::from(name.get(i + 1)? & 0x3f);
        let [first, second] = *latin.get(cp.checked_sub(FIRST)? as usize)?;
        if first == 0 {
            return None;
        }
        *out.get_mut(len)? = first;
        len += 1;
        if second != 0 {
            *out.get_mut(len)? = second;
            len += 1;
        }
        i += 2;
    }
    Some(len)
}

/// Whether a word (lower-cased, apostrophes dropped, with none in it) stops the streaming
/// rules: a title as the first word, a device word (or its plural) after it.
fn stops(w: &[u8], index: usize) -> bool {
    if index == 0 { is_title(w) } else { is_device(w) }
}

/// What each ASCII byte is to [`ascii_normalize_into`]: part of a word, an apostrophe (in a
/// word, not written), a separator, or something its rules leave to `normalize_name` (brackets;
/// and any byte above ASCII, which the callers never pass).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Byte {
    Word,
    Apostrophe,
    Separator,
    Stop,
}

const BYTE_CLASS: [Byte; 256] = {
    let mut class = [Byte::Stop; 256];
    let mut b = 0;
    while b < 128 {
        class[b] = match b as u8 {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => Byte::Word,
            b'\'' => Byte::Apostrophe,
            b'(' | b')' | b'[' | b']' | b'{' | b'}' => Byte::Stop,
            _ => Byte::Separator,
        };
        b += 1;
    }
    class
};

/// [`ascii_normalize_into`] for the names most are (`Aisha Nowak`, `Tom Iyer 2`): 8 to 32 ASCII
/// letters and digits in words one space apart, which normalise to themselves in lower case.
/// The name is read as two 8- or 16-byte pieces (the first and the last, overlapping), each
/// classified in one vector step ([`letters_and_spaces`]) and lower-cased a word at a time: an
/// ASCII name's key took 29 ns through the byte loop, 21 ns this way. `None` for anything
/// else, a title or a device word included (the byte loop decides those).
#[inline]
fn simple_words(name: &[u8], out: &mut [u8; NAME_BUF]) -> Option<usize> {
    let n = name.len();
    let eight = |at: usize| u64::from_le_bytes(name[at..at + 8].try_into().expect("eight bytes"));
    // The pieces as 8-byte words, and where each goes; a lower-case ASCII letter, digit or
    // space is itself with bit 5 set.
    let (pieces, spaces) = match n {
        16..=32 => {
            let (head, tail) = ([eight(0), eight(8)], [eight(n - 16), eight(n - 8)]);
            let ((ok_head, head_spaces), (ok_tail, tail_spaces)) = (letters_and_spaces(head), letters_and_spaces(tail));
            if ok_head & ok_tail != u16::MAX {
                return None;
            }
            ([(0, head[0]), (8, head[1]), (n - 16, tail[0]), (n - 8, tail[1])], u32::from(head_spaces) | u32::from(tail_spaces) << (n - 16))
        }
        8..=15 => {
            let (head, tail) = (eight(0), eight(n - 8));
            let (ok, both) = letters_and_spaces([head, tail]);
            if ok != u16::MAX {
                return None;
            }
            // Both pieces listed twice (written twice, the same bytes) for one shape of list.
            ([(0, head), (n - 8, tail), (0, head), (n - 8, tail)], u32::from(both & 0xff) | u32::from(both >> 8) << (n - 8))
        }
        _ => return None,
    };
    // No space first, last or beside another.
    if spaces & 1 != 0 || spaces >> (n - 1) != 0 || spaces & (spaces >> 1) != 0 {
        return None;
    }
    for (at, piece) in pieces {
        out[at..at + 8].copy_from_slice(&(piece | 0x2020_2020_2020_2020).to_le_bytes());
    }
    // Each word (between the spaces) checked for a title or a device word.
    let (mut start, mut rest) = (0, spaces);
    for index in 0.. {
        let end = if rest == 0 { n } else { rest.trailing_zeros() as usize };
        if stops(&out[start..end], index) {
            return None;
        }
        if rest == 0 {
            break;
        }
        rest &= rest - 1;
        start = end + 1;
    }
    Some(n)
}

/// Of 16 bytes (two 8-byte words, little-endian): one bit a byte that is an ASCII letter, digit
/// or space, and one bit a space.
#[cfg(target_arch = "x86_64")]
#[inline]
fn letters_and_spaces(words: [u64; 2]) -> (u16, u16) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; these intrinsics only compute on registers.
    unsafe {
        let v = _mm_set_epi64x(words[1] as i64, words[0] as i64);
        // Unsigned `x - low < len` as a signed compare, both sides moved down by 128.
        let within = |x: __m128i, low: u8, len: u8| _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(128u8.wrapping_sub(low) as i8)), _mm_set1_epi8((len ^ 0x80) as i8));
        let space = _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8));
        let ok = _mm_or_si128(_mm_or_si128(within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26), within(v, b'0', 10)), space);
        (_mm_movemask_epi8(ok) as u16, _mm_movemask_epi8(space) as u16)
    }
}

/// As the x86_64 one, with [`crate::simd::movemask`].
#[cfg(target_arch = "aarch64")]
#[inline]
fn letters_and_spaces(words: [u64; 2]) -> (u16, u16) {
    use std::arch::aarch64::*;
    // SAFETY: NEON is part of the aarch64 baseline; the load reads exactly the 16 bytes of
    // `words`.
    unsafe {
        let v = vreinterpretq_u8_u64(vld1q_u64(words.as_ptr()));
        let within = |x: uint8x16_t, low: u8, len: u8| vcltq_u8(vsubq_u8(x, vdupq_n_u8(low)), vdupq_n_u8(len));
        let space = vceqq_u8(v, vdupq_n_u8(b' '));
        let ok = vorrq_u8(vorrq_u8(within(vorrq_u8(v, vdupq_n_u8(0x20)), b'a', 26), within(v, b'0', 10)), space);
        (crate::simd::movemask(ok), crate::simd::movemask(space))
    }
}

/// The reference the vector versions are tested against, and what other targets run.
#[cfg(any(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn letters_and_spaces_scalar(words: [u64; 2]) -> (u16, u16) {
    let bytes = [words[0].to_le_bytes(), words[1].to_le_bytes()].concat();
    bytes.iter().enumerate().fold((0, 0), |(ok, space), (i, &b)| {
        (ok | u16::from(b.is_ascii_alphanumeric() || b == b' ') << i, space | u16::from(b == b' ') << i)
    })
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn letters_and_spaces(words: [u64; 2]) -> (u16, u16) {
    letters_and_spaces_scalar(words)
}

/// [`normalize_name`]'s rules over an ASCII name, in one pass: letters, digits and apostrophes
/// make words, anything else separates them, apostrophes are dropped, words are joined by one
/// space. `None` (ask `normalize_name`) for what needs the whole list of words: brackets, a
/// leading title, a device word after the first, or a name longer than the buffer. One table
/// look-up a byte, each word's letters written lower-cased where they will stay: called for
/// every registrant of a webinar.
fn ascii_normalize_into(name: &[u8], out: &mut [u8; NAME_BUF]) -> Option<usize> {
    if let Some(len) = simple_words(name, out) {
        return Some(len);
    }
    // Words only shrink (apostrophes dropped) and each space stands for at least one
    // separator, so the output is never longer than the name.
    if name.len() > NAME_BUF {
        return None;
    }
    let (mut at, mut index, mut i) = (0usize, 0usize, 0usize);
    loop {
        while i < name.len() && BYTE_CLASS[usize::from(name[i])] == Byte::Separator {
            i += 1;
        }
        if i == name.len() {
            return Some(at);
        }
        // The word goes after a space, unless it is the first.
        let word = at + usize::from(at > 0);
        let (mut end, mut apostrophe) = (word, false);
        loop {
            // Letters and digits, in a tight loop (they all have 0x20 set in lower case;
            // digits already do).
            while let Some(&b) = name.get(i)
                && BYTE_CLASS[usize::from(b)] == Byte::Word
            {
                out[end] = b | 0x20;
                end += 1;
                i += 1;
            }
            match name.get(i).map(|&b| BYTE_CLASS[usize::from(b)]) {
                Some(Byte::Apostrophe) => {
                    apostrophe = true;
                    i += 1;
                }
                Some(Byte::Stop) => return None,
                _ => break,
            }
        }
        // A word of apostrophes alone adds nothing (and no space), but is still a word. One
        // with an apostrophe is never a title or a device word.
        if end > word {
            if !apostrophe && stops(&out[word..end], index) {
                return None;
            }
            if at > 0 {
                out[at] = b' ';
            }
            at = end;
        }
        index += 1;
    }
}

/// A roster member and what they said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub entry: RosterEntry,
    /// The transcript labels attributed to this person.
    pub labels: Vec<String>,
    pub stats: SpeakerStats,
}

impl Attendee {
    pub fn is_silent(&self) -> bool {
        self.stats.cues == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownSpeaker {
    pub label: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendance {
    /// One per roster entry, in roster order.
    pub attendees: Vec<Attendee>,
    pub coach_labels: Vec<String>,
    pub coach_stats: SpeakerStats,
    pub unknown_speakers: Vec<UnknownSpeaker>,
}

impl Attendance {
    /// The roster member a transcript label belongs to, if any.
    pub fn attendee_for_label(&self, label: &str) -> Option<&Attendee> {
        self.attendees.iter().find(|a| a.labels.iter().any(|l| l == label))
    }
}

enum Match {
    Coach,
    Entry(usize),
    Unknown(String),
}

/// Who a speaker label is, as [`attribute`] decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Coach,
    /// The roster entry (and attendee) at this index.
    Attendee(usize),
    Other,
}

/// The label matching of [`attribute`] on its own: a label's owner depends on the label, the
/// roster and the coach alone, so lines can be routed while the statistics are still being
/// counted.
pub struct Speakers<'r>(Matcher<'r>);

impl<'r> Speakers<'r> {
    pub fn new(roster: &'r Roster, coach: &CoachProfile) -> Self {
        Self(Matcher::new(roster, coach))
    }

    pub fn who(&self, label: &str) -> Who {
        match self.0.classify(label) {
            Match::Coach => Who::Coach,
            Match::Entry(i) => Who::Attendee(i),
            Match::Unknown(_) => Who::Other,
        }
    }
}

struct Matcher<'r> {
    roster: &'r [RosterEntry],
    keys: Vec<Vec<String>>,
    /// Entries by a hash of their whole token list, and of their first token: each rule looks
    /// up its candidates instead of scanning the roster (a webinar's roster has thousands of
    /// names), then checks each against `keys` (so a hash collision only adds a candidate).
    by_key: HashKeyed<Vec<usize>>,
    by_first: HashKeyed<Vec<usize>>,
    coach: Vec<String>,
}

impl<'r> Matcher<'r> {
    fn new(roster: &'r Roster, coach: &CoachProfile) -> Self {
        let keys: Vec<Vec<String>> = roster.entries().iter().map(|e| tokens(&e.name)).collect();
        let mut by_key: HashKeyed<Vec<usize>> = HashKeyed::default();
        let mut by_first: HashKeyed<Vec<usize>> = HashKeyed::default();
        for (i, k) in keys.iter().enumerate() {
            by_key.entry(tokens_key(k)).or_default().push(i);
            if let Some(first) = k.first() {
                by_first.entry(fnv(first.as_bytes())).or_default().push(i);
            }
        }
        Self { roster: roster.entries(), keys, by_key, by_first, coach: tokens(&coach.coach_name) }
    }

    /// The one entry among `candidates` (ascending, no repeats) that `pred` accepts, none, or all
    /// of them when more than one does.
    fn unique(&self, candidates: &[usize], pred: impl Fn(&[String]) -> bool) -> Result<Option<usize>, Vec<usize>> {
        let hits: Vec<usize> = candidates.iter().copied().filter(|&i| pred(&self.keys[i])).collect();
        match hits.len() {
            0 => Ok(None),
            1 => Ok(Some(hits[0])),
            _ => Err(hits),
        }
    }

    fn classify(&self, label: &str) -> Match {
        let t = tokens(label);
        if t.is_empty() {
            return Match::Unknown("the label has no name in it".into());
        }
        if t == self.coach {
            return Match::Coach;
        }
        let ambiguous = |hits: Vec<usize>| {
            let names: Vec<&str> = hits.iter().map(|&i| self.roster[i].name.as_str()).collect();
            Match::Unknown(format!("could be any of: {}", names.join(", ")))
        };
        let empty: Vec<usize> = Vec::new();
        let exact = self.by_key.get(&tokens_key(&t)).unwrap_or(&empty).clone();
        // Roster names that are a proper prefix (two tokens or more) of the label.
        let mut prefixes: Vec<usize> = (2..t.len()).flat_map(|n| self.by_key.get(&tokens_key(&t[..n])).into_iter().flatten().copied()).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let same_first = self.by_first.get(&fnv(t[0].as_bytes())).unwrap_or(&empty);
        let rules: [(&[usize], &dyn Fn(&[String]) -> bool); 4] = [
            (&exact, &|k| k == t.as_slice()),
            (&prefixes, &|k| k.len() >= 2 && t.len() > k.len() && t.starts_with(k)),
            (same_first, &|k| t.len() == 1 && k.first() == t.first()),
            (same_first, &|k| {
                t.len() == 2
                    && t[1].len() == 1
                    && k.len() >= 2
                    && k[0] == t[0]
                    && k.last().is_some_and(|last| last.starts_with(t[1].as_str()))
            }),
        ];
        for (n, (candidates, rule)) in rules.iter().enumerate() {
            match self.unique(candidates, rule) {
                Ok(Some(i)) => {
                    // A first name alone that is also the coach's is not enough to tell.
                    if n >= 2 && self.coach.first() == t.first() {
                        return Match::Unknown("the coach has the same first name".into());
                    }
                    return Match::Entry(i);
                }
                Ok(None) => {}
                Err(hits) => return ambiguous(hits),
            }
        }
        if self.coach.len() >= 2 && t.len() > self.coach.len() && t.starts_with(&self.coach) {
            return Match::Coach;
        }
        Match::Unknown("not on the roster".into())
    }
}

/// The hash of a token list as its normalised name (tokens joined by single spaces).
fn tokens_key(tokens: &[String]) -> u64 {
    let mut h = FNV_OFFSET;
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            h = fnv_step(h, b' ');
        }
        h = t.bytes().fold(h, fnv_step);
    }
    h
}

fn tokens(name: &str) -> Vec<String> {
    normalize_name(name).split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn merge(into: &mut SpeakerStats, s: &SpeakerStats) {
    into.speaking_seconds = ((into.speaking_seconds + s.speaking_seconds) * 1000.0).round() / 1000.0;
    into.speaking_time_percentage = ((into.speaking_time_percentage + s.speaking_time_percentage) * 100.0).round() / 100.0;
    into.cues += s.cues;
    into.turns += s.turns;
    into.words += s.words;
    into.questions += s.questions;
    into.longest_monologue_seconds = into.longest_monologue_seconds.max(s.longest_monologue_seconds);
    into.first_spoke_ms = match (into.first_spoke_ms, s.first_spoke_ms) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

/// Attributes every labelled speaker in `stats` to a roster member, the coach, or nobody.
pub fn attribute(stats: &TranscriptStats, roster: &Roster, coach: &CoachProfile) -> Attendance {
    let matcher = Matcher::new(roster, coach);
    let mut attendees: Vec<Attendee> = roster
        .entries()
        .iter()
        .map(|e| Attendee { entry: e.clone(), labels: Vec::new(), stats: SpeakerStats::default() })
        .collect();
    let mut coach_labels = Vec::new();
    let mut coach_stats = SpeakerStats::default();
    let mut unknown_speakers = Vec::new();
    for (label, s) in &stats.speakers {
        match matcher.classify(label) {
            Match::Coach => {
                coach_labels.push(label.clone());
                merge(&mut coach_stats, s);
            }
            Match::Entry(i) => {
                attendees[i].labels.push(label.clone());
                merge(&mut attendees[i].stats, s);
            }
            Match::Unknown(reason) => unknown_speakers.push(UnknownSpeaker { label: label.clone(), reason }),
        }
    }
    Attendance { attendees, coach_labels, coach_stats, unknown_speakers }
}

#[cfg(test)]
mod tests {
    #[test]
    fn name_keys_are_the_normalised_names_hash() {
        for n in ["Priya Nair", "priya  NAIR", "Dr Amy Reyes", "Dr", "Sarah iPhone", "Sarah iPhones", "Tom Iyer 2", "Zoë Müller (Zoë M.)", "O'Neil", "  ", "", "Mr. X", "Coach Maya", "Laptop Larry", "tom\tiyer", "Lee, Sam", "Sam O'Neil-Park", "' Amy '' Reyes", "Maya's iPhone", "Ms.Jo", "dr.who", "a.b.c", "X's laptops", "Tom - iPad"] {
            assert_eq!(super::name_key(n), super::NameKey::of(super::normalize_name(n).as_bytes()), "{n:?}");
        }
        assert_eq!(super::name_key("Priya Nair"), super::name_key("PRIYA   nair"));
        // Longer than the stack buffer: the same key through `normalize_name`.
        let long = "Maria Rodriguez ".repeat(8);
        assert_eq!(super::name_key(&long), super::NameKey::of(super::normalize_name(&long).as_bytes()));
        // Every character of the transliteration table's range, and either side of it.
        for c in (0xA0..0x2A0).filter_map(char::from_u32) {
            let n = format!("{c}ric {c} Lé{c}");
            assert_eq!(super::name_key(&n), super::NameKey::of(super::normalize_name(&n).as_bytes()), "{n:?}");
        }
        // Longer names, accented, with tabs and brackets, at random.
        let words = ["Alexandria", "Montgomery-Smith", "O'Donnell", "iPhone", "Dr.", "x", "123456789", "ab", "GALAXY", "Zoë", "  ", "\t", "'", "(Host)", "Nguyễn", "Lee,", "abcdefgh", "abcdefghi"];
        let mut rng = fastrand::Rng::with_seed(8);
        for _ in 0..20_000 {
            let n = (0..rng.usize(1..9)).map(|_| *rng.choice(words.iter()).unwrap()).collect::<Vec<_>>().join(if rng.bool() { " " } else { "" });
            assert_eq!(super::name_key(&n), super::NameKey::of(super::normalize_name(&n).as_bytes()), "{n:?}");
        }
        // Every name of up to four pieces from an alphabet of the rules' edge cases.
        let pieces = ["a", "B", "'", "'s", " ", ",", "-", "Dr", "iPhone", "s", "(", "x", "é", "Æ", "ß", "ŉ", "×", "北", "🎸"];
        let mut names = vec![String::new()];
        for _ in 0..4 {
            names = names.iter().flat_map(|n| pieces.iter().map(move |p| format!("{n}{p}"))).collect();
            for n in &names {
                assert_eq!(super::name_key(n), super::NameKey::of(super::normalize_name(n).as_bytes()), "{n:?}");
            }
        }
    }

    use super::*;
    use crate::domain::RosterEntry;

    #[test]
    fn the_vector_classifier_is_the_scalar_one() {
        let mut rng = fastrand::Rng::with_seed(5);
        for b in 0..=255u8 {
            let words = [u64::from_le_bytes([b; 8]), u64::from(b)];
            assert_eq!(letters_and_spaces(words), letters_and_spaces_scalar(words), "{b}");
        }
        for _ in 0..100_000 {
            let pick = |rng: &mut fastrand::Rng| u64::from_le_bytes(std::array::from_fn(|_| if rng.bool() { *rng.choice(b" aZ09'@[`{/:-").unwrap() } else { rng.u8(..) }));
            let words = [pick(&mut rng), pick(&mut rng)];
            assert_eq!(letters_and_spaces(words), letters_and_spaces_scalar(words), "{words:x?}");
        }
    }

    #[test]
    fn normalises_labels() {
        assert_eq!(normalize_name("  Chloé   IYER "), "chloe iyer");
        assert_eq!(normalize_name("Sarah Johnson (Acme Coaching)"), "sarah johnson");
        assert_eq!(normalize_name("Sarah's iPhone"), "sarah");
        assert_eq!(normalize_name("Tom Iyer - iPad"), "tom iyer");
        assert_eq!(normalize_name("Dr. Amy Reyes"), "amy reyes");
        assert_eq!(normalize_name("Nadia O'Neil"), "nadia oneil");
        assert_eq!(normalize_name("Björn Johnson's Galaxy S21"), "bjorn johnson");
    }

    fn roster(names: &[&str]) -> Roster {
        Roster(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| RosterEntry { name: n.to_string(), email: None, hubspot_contact_id: i.to_string() })
                .collect(),
        )
    }

    fn classify(r: &Roster, label: &str) -> Result<usize, String> {
        let mut coach = CoachProfile::anonymous();
        coach.coach_name = "Dr. Amy Reyes".into();
        match Matcher::new(r, &coach).classify(label) {
            Match::Entry(i) => Ok(i),
            Match::Coach => Err("coach".into()),
            Match::Unknown(why) => Err(why),
        }
    }

    #[test]
    fn matches_labels_to_roster() {
        let r = roster(&["Sarah Johnson", "Sarah Dubois", "Tom Iyer", "Zoë Silva", "Amy Chen"]);
        assert_eq!(classify(&r, "sarah johnson"), Ok(0));
        assert_eq!(classify(&r, "Zoe Silva (Silva Wellness)"), Ok(3));
        assert_eq!(classify(&r, "Tom"), Ok(2));
        assert_eq!(classify(&r, "Tom Iyer Coaching"), Ok(2));
        assert_eq!(classify(&r, "Sarah D."), Ok(1));
        assert!(classify(&r, "Sarah").unwrap_err().contains("Sarah Johnson"));
        assert_eq!(classify(&r, "Amy Reyes").unwrap_err(), "coach");
        assert!(classify(&r, "Amy").unwrap_err().contains("coach"));
        assert_eq!(classify(&r, "Mystery Guest").unwrap_err(), "not on the roster");
    }
}
