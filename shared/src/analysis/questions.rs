//! Genuine questions, in webinar chat and spoken calls, beyond a `?`: "how do I…", "can you share…" count with or
//! without one; rhetorical tags ("right?", "isn't it?"), one-word reactions ("really?",
//! "what?!") and questions about the session's mechanics that are not about the content
//! ("can you hear me?") do not.

use std::borrow::Cow;

const OPENERS: &[&str] = &[
    "how do", "how can", "how should", "how would", "how much", "how many", "how long", "how does", "how did", "can you", "could you",
    "would you", "will you", "will there", "is there", "are there", "do you", "does it", "does this", "what is", "what's", "what are",
    "what do", "what would", "what if", "which", "where can", "where do", "when will", "when is", "when do", "why do", "why does",
    "why is", "should i", "should we", "can i", "can we", "could i", "is it", "any tips", "any advice", "any recommendation",
    "i wonder", "i was wondering", "question:", "q:", "how are you", "how is", "what happens", "what made", "who would", "who else",
    "who is",
];

const RHETORICAL_ENDINGS: &[&str] =
    &["right?", "isn't it?", "doesn't it?", "wouldn't it?", "don't they?", "aren't they?", "don't you think?", "you know?", "am i right?", "who doesn't?", "why not?", "no?", "eh?", "lol?"];

/// Exclamations shaped as questions: "isn't it amazing how…?", "who else loves…?".
const RHETORICAL_OPENERS: &[&str] = &[
    "isn't it ", "isn't that ", "aren't we ", "don't we all", "don't you love", "don't you just", "who else loves", "who else feels", "who else hates", "who else thinks", "who else is ", "wouldn't it be ", "won't it be ", "wasn't that ", "how amazing",
    "how cool", "how great", "how crazy", "how awesome", "how good is", "what a ",
];

const NOT_CONTENT: [&str; 6] = ["can you hear me", "can everyone hear", "can you see my", "is my mic", "am i muted", "is this recorded?"];

/// A phrase list grouped by first byte: a sentence is checked against the few phrases that
/// start as it does, not all of them (a webinar's chat has thousands of messages), each first
/// by its first eight bytes as one number (`starts_with` called `memcmp` for every phrase).
struct ByFirstByte {
    by: Vec<Vec<Phrase>>,
}

struct Phrase {
    text: &'static str,
    /// The first eight bytes (little-endian, zero-padded) and which of them are the phrase's.
    head: u64,
    mask: u64,
}

/// Up to the first eight bytes of `b`, little-endian, zero-padded.
fn head_of(b: &[u8]) -> u64 {
    match b.first_chunk::<8>() {
        Some(eight) => u64::from_le_bytes(*eight),
        None => b.iter().rev().fold(0u64, |w, &x| w << 8 | u64::from(x)),
    }
}

impl Phrase {
    fn new(text: &'static str) -> Self {
        let n = text.len().min(8);
        Self { text, head: head_of(text.as_bytes()), mask: if n == 8 { !0 } else { (1u64 << (8 * n)) - 1 } }
    }

    /// Whether `b` starts with the phrase; `head` is `head_of(b)`.
    fn starts(&self, b: &[u8], head: u64) -> bool {
        head & self.mask == self.head && (self.text.len() <= 8 || b.starts_with(self.text.as_bytes()))
    }
}

impl ByFirstByte {
    fn new(phrases: &[&'static str]) -> Self {
        let mut by: Vec<Vec<Phrase>> = (0..256).map(|_| Vec::new()).collect();
        for p in phrases {
            by[usize::from(p.as_bytes()[0])].push(Phrase::new(p));
        }
        Self { by }
    }

    /// The phrases that start `text` (a phrase's own test; see [`Phrase::starts`]).
    fn starting<'s>(&'s self, text: &'s str) -> impl Iterator<Item = &'static str> + 's {
        let b = text.as_bytes();
        let head = head_of(b);
        b.first().map_or(&[][..], |&f| &self.by[usize::from(f)][..]).iter().filter(move |p| p.starts(b, head)).map(|p| p.text)
    }
}

/// The first two bytes of each [`NOT_CONTENT`] phrase.
const SESSION_PAIRS: [[u8; 2]; NOT_CONTENT.len()] = {
    let mut pairs = [[0; 2]; NOT_CONTENT.len()];
    let mut i = 0;
    while i < pairs.len() {
        pairs[i] = [NOT_CONTENT[i].as_bytes()[0], NOT_CONTENT[i].as_bytes()[1]];
        i += 1;
    }
    pairs
};

/// The longest message lower-cased on the stack.
const ON_STACK: usize = 256;

/// Whether the first `len` (at most [`ON_STACK`]) bytes of `padded` (a lower-cased message,
/// zeros after it) hold a [`NOT_CONTENT`] phrase anywhere: where a phrase's first two bytes
/// are is found 16 places at a time ([`phrase_starts`]), and only there is a phrase compared.
/// Six `memmem` searchers, one a phrase, were a third of judging a chat line.
fn session_phrase_in(padded: &[u8; ON_STACK + 17], len: usize) -> bool {
    (0..len).step_by(16).any(|i| {
        let (here, next) = (padded[i..i + 16].try_into().expect("16 bytes"), padded[i + 1..i + 17].try_into().expect("16 bytes"));
        let mut starts = phrase_starts(here, next);
        while starts != 0 {
            let at = i + starts.trailing_zeros() as usize;
            if NOT_CONTENT.iter().any(|p| padded[at..len].starts_with(p.as_bytes())) {
                return true;
            }
            starts &= starts - 1;
        }
        false
    })
}

/// One bit a place `j` where `here[j]` and `next[j]` (the byte after it) are a phrase's first two.
#[cfg(target_arch = "x86_64")]
fn phrase_starts(here: [u8; 16], next: [u8; 16]) -> u16 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; the loads read exactly the 16 bytes of
    // `here` and of `next`.
    unsafe {
        let (a, b) = (_mm_loadu_si128(here.as_ptr().cast()), _mm_loadu_si128(next.as_ptr().cast()));
        let at = |[x, y]: [u8; 2]| _mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(x as i8)), _mm_cmpeq_epi8(b, _mm_set1_epi8(y as i8)));
        _mm_movemask_epi8(SESSION_PAIRS.iter().fold(_mm_setzero_si128(), |m, &p| _mm_or_si128(m, at(p)))) as u16
    }
}

/// As the x86_64 one, with [`crate::simd::movemask`].
#[cfg(target_arch = "aarch64")]
fn phrase_starts(here: [u8; 16], next: [u8; 16]) -> u16 {
    use std::arch::aarch64::*;
    // SAFETY: NEON is part of the aarch64 baseline; the loads read exactly the 16 bytes of
    // `here` and of `next`.
    unsafe {
        let (a, b) = (vld1q_u8(here.as_ptr()), vld1q_u8(next.as_ptr()));
        let at = |[x, y]: [u8; 2]| vandq_u8(vceqq_u8(a, vdupq_n_u8(x)), vceqq_u8(b, vdupq_n_u8(y)));
        crate::simd::movemask(SESSION_PAIRS.iter().fold(vdupq_n_u8(0), |m, &p| vorrq_u8(m, at(p))))
    }
}

/// The reference the vector versions are tested against, and what other targets run.
#[cfg(any(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn phrase_starts_scalar(here: [u8; 16], next: [u8; 16]) -> u16 {
    (0..16).filter(|&j| SESSION_PAIRS.contains(&[here[j], next[j]])).fold(0, |m, j| m | 1 << j)
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn phrase_starts(here: [u8; 16], next: [u8; 16]) -> u16 {
    phrase_starts_scalar(here, next)
}

/// Whether one chat message (or one of its sentences) asks a genuine question.
pub fn is_genuine_question(text: &str) -> bool {
    let t = text.trim();
    // Most chat is ASCII and short: its lower case without Unicode's tables, on the stack.
    let ascii = t.is_ascii();
    let mut buf = [0u8; ON_STACK + 17];
    let on_stack = ascii && t.len() <= ON_STACK;
    if on_stack {
        buf[..t.len()].copy_from_slice(t.as_bytes());
        buf[..t.len()].make_ascii_lowercase();
    }
    let lower: Cow<'_, str> = match (on_stack, ascii) {
        (true, _) => Cow::Borrowed(std::str::from_utf8(&buf[..t.len()]).expect("ASCII lower-cased is ASCII")),
        (false, true) => Cow::Owned(t.to_ascii_lowercase()),
        (false, false) => Cow::Owned(t.to_lowercase()),
    };
    let t = lower.as_ref();
    // The phrases' searchers (for a long or non-ASCII message) and lists are built once, not
    // once a message (a webinar's chat has thousands).
    static NOT_CONTENT_FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::LazyLock::new(|| NOT_CONTENT.iter().map(|n| memchr::memmem::Finder::new(n)).collect());
    static LISTS: std::sync::LazyLock<[ByFirstByte; 2]> = std::sync::LazyLock::new(|| [ByFirstByte::new(OPENERS), ByFirstByte::new(RHETORICAL_OPENERS)]);
    let [openers, rhetorical_openers] = &*LISTS;
    // On the stack, zeros after it: its pairs of bytes are compared 16 at a time.
    let about_the_session = if on_stack {
        session_phrase_in(&buf, t.len())
    } else {
        NOT_CONTENT_FINDERS.iter().any(|n| n.find(t.as_bytes()).is_some())
    };
    if t.is_empty() || about_the_session {
        return false;
    }
    // Sentences and words found by bytes, not characters: the separators are ASCII, so a
    // split between them is a split between characters too; an ASCII message's words are
    // split at the ASCII characters `char::is_whitespace` takes, anything else's by it.
    let ends = t.bytes().enumerate().filter(|(_, b)| matches!(b, b'?' | b'.' | b'!' | b'\n')).map(|(i, _)| i + 1);
    let mut start = 0;
    let sentences = ends.chain(std::iter::once(t.len())).map(|end| {
        let sentence = &t[start.min(end)..end];
        start = end;
        sentence
    });
    // Whether a sentence has at least `n` words, counting no further than `n`.
    let has_words = |sentence: &str, n: usize| match ascii {
        true => sentence.as_bytes().split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')).filter(|w| !w.is_empty()).nth(n - 1).is_some(),
        false => sentence.split_whitespace().nth(n - 1).is_some(),
    };
    sentences.map(str::trim).filter(|s| !s.is_empty()).any(|sentence| {
        if rhetorical_openers.starting(sentence).next().is_some() {
            return false;
        }
        let asked = sentence.ends_with('?') || sentence.ends_with("?!");
        if asked {
            // "really?", "what?!", "why not?" and "…, right?" are reactions, not questions.
            return has_words(sentence, 2) && !RHETORICAL_ENDINGS.iter().any(|r| sentence.ends_with(r));
        }
        openers.starting(sentence).any(|o| sentence[o.len()..].starts_with([' ', ':', '?'])) && has_words(sentence, 3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_phrases_are_found_anywhere() {
        let pieces = ["can you hear me", "can everyone hear", "is my mic", "am i muted", "is this recorded?", "can you see my", "ca", "is", "am", "n you", " ", "x", "pecan", "this", "recorded", "0123456789abcd"];
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..30_000 {
            let t: String = (0..rng.usize(0..12)).map(|_| *rng.choice(pieces.iter()).unwrap()).collect();
            let mut padded = [0u8; ON_STACK + 17];
            if t.len() <= ON_STACK {
                padded[..t.len()].copy_from_slice(t.as_bytes());
                assert_eq!(session_phrase_in(&padded, t.len()), NOT_CONTENT.iter().any(|p| t.contains(p)), "{t:?}");
            }
        }
        // The vector pair search against its scalar reference, on any bytes.
        for _ in 0..100_000 {
            let pick = |rng: &mut fastrand::Rng| std::array::from_fn(|_| if rng.bool() { *rng.choice(b"caisam m").unwrap() } else { rng.u8(..) });
            let (here, next) = (pick(&mut rng), pick(&mut rng));
            assert_eq!(phrase_starts(here, next), phrase_starts_scalar(here, next));
        }
    }

    #[test]
    fn genuine_questions_with_and_without_a_question_mark() {
        for q in ["How do I price my packages", "Can you share the slides?", "is there a replay?", "Any tips for cold outreach", "What if a client ghosts me?", "Great talk. How long until results?"] {
            assert!(is_genuine_question(q), "{q}");
        }
        for n in ["really?", "What?!", "That's the hardest part, right?", "can you hear me?", "Thanks so much!", "Loved it", "how", "why not?", "Isn't it amazing how much we undercharge?", "Who else feels this way?", "How cool is that?"] {
            assert!(!is_genuine_question(n), "{n}");
        }
    }
}
