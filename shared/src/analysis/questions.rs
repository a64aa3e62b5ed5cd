//! Genuine questions, in webinar chat and spoken calls, beyond a `?`: "how do I…", "can you share…" count with or
//! without one; rhetorical tags ("right?", "isn't it?"), one-word reactions ("really?",
//! "what?!") and questions about the session's mechanics that are not about the content
//! ("can you hear me?") do not.

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

const NOT_CONTENT: &[&str] = &["can you hear me", "can everyone hear", "can you see my", "is my mic", "am i muted", "is this recorded?"];

/// Whether one chat message (or one of its sentences) asks a genuine question.
pub fn is_genuine_question(text: &str) -> bool {
    let t = text.trim();
    // Most chat is ASCII: its lower case without Unicode's tables.
    let ascii = t.is_ascii();
    let t = if ascii { t.to_ascii_lowercase() } else { t.to_lowercase() };
    // The phrases' searchers are built once, not once a message (a webinar's chat has
    // thousands).
    static NOT_CONTENT_FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::LazyLock::new(|| NOT_CONTENT.iter().map(|n| memchr::memmem::Finder::new(n)).collect());
    if t.is_empty() || NOT_CONTENT_FINDERS.iter().any(|n| n.find(t.as_bytes()).is_some()) {
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
    let words = |sentence: &str| match ascii {
        true => sentence.as_bytes().split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')).filter(|w| !w.is_empty()).count(),
        false => sentence.split_whitespace().count(),
    };
    sentences.map(str::trim).filter(|s| !s.is_empty()).any(|sentence| {
        let words = words(sentence);
        let asked = sentence.ends_with('?') || sentence.ends_with("?!");
        let opens = OPENERS.iter().any(|o| sentence.starts_with(o) && sentence[o.len()..].starts_with([' ', ':', '?']));
        if RHETORICAL_OPENERS.iter().any(|o| sentence.starts_with(o)) {
            return false;
        }
        if asked && (words <= 1 || RHETORICAL_ENDINGS.iter().any(|r| sentence.ends_with(r))) {
            // "really?", "what?!", "why not?" and "…, right?" are reactions, not questions.
            return false;
        }
        asked || (opens && words >= 3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
