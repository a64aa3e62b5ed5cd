//! No invented evidence reaches a coach: every quote must be found in the participant's own
//! utterances (compared after folding case, quotes and white space).

use super::Line;

pub struct QuoteIndex<'a> {
    lines: Vec<(String, &'a Line)>,
}

pub fn normalize_quote(s: &str) -> String {
    let folded = s
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .replace(['\u{201c}', '\u{201d}'], "\"");
    let collapsed = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .trim_matches(|c: char| c == '"' || c == '\'' || c == '.' || c == ',' || c == '…' || c.is_whitespace())
        .to_string()
}

impl<'a> QuoteIndex<'a> {
    pub fn new(lines: &'a [Line]) -> Self {
        Self { lines: lines.iter().map(|l| (normalize_quote(&l.text), l)).collect() }
    }

    /// The line the quote was said in, if it was said.
    pub fn find(&self, quote: &str) -> Option<&'a Line> {
        let q = normalize_quote(quote);
        if q.len() < 3 {
            return None;
        }
        self.lines.iter().find(|(text, _)| text.contains(&q)).map(|(_, l)| *l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quotes_loosely_but_not_inventions() {
        let lines = vec![Line { start_ms: 5, end_ms: 9, speaker: None, text: "I’m going to   block two hours.".into() }];
        let idx = QuoteIndex::new(&lines);
        assert_eq!(idx.find("\"i'm going to block two hours\"").map(|l| l.start_ms), Some(5));
        assert!(idx.find("I will block four hours").is_none());
        assert!(idx.find("").is_none());
    }
}
