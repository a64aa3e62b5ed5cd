//! The built-in analyser's signal patterns. A sentence of the participant's is a signal when it
//! contains one of these phrases (lowercased, apostrophes straightened). Questions are not
//! commitments, wins or challenges, but a question can still be urgent ("can I get a refund?").

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalKind {
    Urgency,
    Action,
    Challenge,
    Win,
}

/// Leaving, money back, exhaustion, emergencies.
pub const URGENCY: &[&str] = &[
    "quit", "quitting", "refund", "overwhelmed", "burning out", "burnt out", "burned out", "burnout", "urgent",
    "urgently", "cancel", "give up", "giving up", "emergency", "asap", "can't afford", "desperate", "drop out",
    "dropping out", "leave the program", "falling apart", "panic",
];

/// Commitments about what the participant will do next.
pub const ACTION: &[&str] = &[
    "i will ", "i'll ", "i'm going to", "i am going to", "my next step", "next step is", "i commit", "i'm committing",
    "i plan to", "i promise to", "by next week i", "this week i will", "my goal is to", "my action item",
];

/// Turn-taking that sounds like a commitment but is not one.
pub const NOT_ACTION: &[&str] = &["i'll go first", "i'll start", "i'll be quick", "i'll pass", "i'll keep it short", "i'll go next"];

/// Difficulties and blockers.
pub const CHALLENGE: &[&str] = &[
    "struggl", "hard time", "difficult", "stuck", "can't seem", "not working", "problem", "challenge",
    "frustrat", "worried", "afraid", "behind on", "losing clients", "no idea how", "keep failing",
];

/// Results and breakthroughs.
pub const WIN: &[&str] = &[
    "we hit", "i hit", "finally", "signed", "launched", "closed my", "closed a", "landed", "went from", "breakthrough",
    "record month", "doubled", "tripled", "my first client", "booked", "sold out", "best month", "celebrate",
    "got promoted", "i got a yes",
];

/// Wins that count as a major breakthrough for the priority list.
pub const BREAKTHROUGH: &[&str] =
    &["breakthrough", "doubled", "tripled", "record", "first", "went from", "sold out", "best month", "finally"];

/// Sentences of `text` with their byte ranges; the quote of a signal is its sentence, verbatim.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'.' | b'?' | b'!') {
            let mut end = i + 1;
            while end < bytes.len() && matches!(bytes[end], b'.' | b'?' | b'!' | b'"' | b'\'' | b')') {
                end += 1;
            }
            // "Dr. Smith", "3.5": a dot not followed by white space does not end a sentence.
            if (end == bytes.len() || bytes[end].is_ascii_whitespace()) && !ends_in_abbreviation(&text[start..i]) {
                push_trimmed(text, start..end, &mut out);
                start = end;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// "Dr. Reyes": a title's dot does not end a sentence.
fn ends_in_abbreviation(before_dot: &str) -> bool {
    let word = before_dot.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    matches!(word.to_ascii_lowercase().as_str(), "dr" | "mr" | "mrs" | "ms" | "prof" | "st" | "vs")
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if r.end - trail > r.start + lead {
        out.push(r.start + lead..r.end - trail);
    }
}

pub fn fold(s: &str) -> String {
    s.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

/// The kinds of signal one sentence carries, most pressing first.
pub fn classify(sentence: &str) -> Vec<SignalKind> {
    let s = fold(sentence);
    let padded = format!(" {s} ");
    let has = |list: &[&str]| list.iter().any(|p| contains_phrase(&padded, p));
    let question = s.trim_end().ends_with('?');
    let mut kinds = Vec::new();
    if has(URGENCY) {
        kinds.push(SignalKind::Urgency);
    }
    if !question {
        if has(ACTION) && !has(NOT_ACTION) {
            kinds.push(SignalKind::Action);
        }
        // An urgent sentence is not also listed as a challenge.
        if kinds.is_empty() && has(CHALLENGE) {
            kinds.push(SignalKind::Challenge);
        }
        if has(WIN) && !kinds.contains(&SignalKind::Urgency) {
            kinds.push(SignalKind::Win);
        }
    }
    kinds
}

/// Phrase match at word starts, so "quit" does not fire inside "quite" but "frustrat" matches
/// "frustrated" (entries are stems where they end without a space).
fn contains_phrase(padded: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = padded[from..].find(phrase) {
        let at = from + pos;
        let before_ok = !padded[..at].chars().next_back().is_some_and(char::is_alphanumeric);
        let after = padded[at + phrase.len()..].chars().next();
        let stem = matches!(phrase, "frustrat" | "struggl");
        let after_ok = phrase.ends_with(' ') || stem || !after.is_some_and(char::is_alphanumeric);
        if before_ok && after_ok {
            return true;
        }
        from = at + phrase.len().max(1);
    }
    false
}

pub fn is_breakthrough(sentence: &str) -> bool {
    let padded = format!(" {} ", fold(sentence));
    BREAKTHROUGH.iter().any(|p| contains_phrase(&padded, p))
}

#[cfg(test)]
mod tests {
    use super::SignalKind::*;
    use super::*;

    #[test]
    fn scripted_sentences() {
        assert_eq!(classify("I commit to calling every no-show within twenty-four hours."), vec![Action]);
        assert_eq!(classify("I'm going to block two hours every Monday for content."), vec![Action]);
        assert_eq!(classify("Honestly I have a hard time posting content consistently."), vec![Challenge]);
        assert_eq!(classify("My biggest problem is that I spend twenty hours a week on admin."), vec![Challenge]);
        assert_eq!(classify("I need help urgently, my biggest client asked for a refund yesterday."), vec![Urgency]);
        assert_eq!(classify("We hit our first ten thousand dollar month in the clinic."), vec![Win]);
        assert_eq!(classify("My retention went from sixty to eighty percent after the onboarding call change."), vec![Win]);
    }

    #[test]
    fn filler_is_not_a_signal() {
        for s in [
            "I love that framework.",
            "Thanks, that's really helpful.",
            "What would you do if the client says it's too expensive?",
            "We saw the same pattern with our newsletter.",
            "I tried something similar last quarter.",
            "That resonates with me a lot.",
            "Can you say more about how you structure the first call?",
            "That is quite a lot.",
        ] {
            assert!(classify(s).is_empty(), "{s}");
        }
        assert_eq!(classify("Should I just cancel the launch?"), vec![Urgency]);
        assert!(classify("I'll go first.").is_empty());
    }

    #[test]
    fn splits_sentences() {
        let t = "Dr. Reyes said 3.5 is fine. Really?! Yes";
        let parts: Vec<&str> = sentences(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(parts, vec!["Dr. Reyes said 3.5 is fine.", "Really?!", "Yes"]);
    }
}
