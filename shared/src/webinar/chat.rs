//! Zoom's saved chat, both forms Zoom has written:
//! - current: `HH:MM:SS From Name to Everyone:` then the message on tab-indented lines (one or
//!   more); direct messages read `to Maya Okafor(Direct Message)`;
//! - older: `HH:MM:SS\t From  Name : message` or `HH:MM:SS From Name to Everyone : message`.
//!
//! Every error names the file and the line.

use std::borrow::Cow;

use serde::Serialize;

use super::text::trim;
use crate::error::InputError;

/// One message. Its text borrows from the chat file where it can (a one-line message, a sender
/// name with nothing to squash): a webinar's chat has thousands of messages, and copying each
/// part of each was most of reading it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage<'a> {
    /// Seconds from midnight, as the chat's clock reads.
    pub at_seconds: u32,
    pub sender: Cow<'a, str>,
    /// `Everyone`, or who a direct message went to.
    pub to: Cow<'a, str>,
    pub text: Cow<'a, str>,
    pub line: usize,
}

/// `HH:MM:SS` (or `H:MM:SS`) as seconds from midnight, read byte by byte.
fn clock(s: &str) -> Option<u32> {
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    let (h, rest) = match s.as_bytes() {
        [h1, h0, b':', rest @ ..] => (digit(*h1)? * 10 + digit(*h0)?, rest),
        [h0, b':', rest @ ..] => (digit(*h0)?, rest),
        _ => return None,
    };
    let [m1, m0, b':', s1, s0] = *rest else { return None };
    let (m, sec) = (digit(m1)? * 10 + digit(m0)?, digit(s1)? * 10 + digit(s0)?);
    (h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

/// Runs of white space as one space, trimmed; borrowed when there is nothing to squash.
fn squash(s: &str) -> Cow<'_, str> {
    let t = trim(s);
    let b = t.as_bytes();
    let plain = b.iter().enumerate().all(|(i, &c)| c == b' ' && b.get(i + 1) != Some(&b' ') || !c.is_ascii_whitespace());
    if plain { t.into() } else { t.split_whitespace().collect::<Vec<_>>().join(" ").into() }
}

/// Part of a text that may be borrowed, trimmed: borrowed from the same place when it is.
fn part<'a>(s: &Cow<'a, str>, range: std::ops::Range<usize>) -> Cow<'a, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(trim(&b[range])),
        Cow::Owned(o) => Cow::Owned(trim(&o[range]).to_string()),
    }
}

/// The separators every header line is searched for, their searchers built once (`str::find`
/// builds one per call; a webinar's chat has thousands of lines).
static TO: std::sync::LazyLock<memchr::memmem::Finder<'static>> = std::sync::LazyLock::new(|| memchr::memmem::Finder::new(" to "));
static SPACED_COLON: std::sync::LazyLock<memchr::memmem::Finder<'static>> = std::sync::LazyLock::new(|| memchr::memmem::Finder::new(" : "));

/// `Name to Everyone` → (`Name`, `Everyone`); `Name` → (`Name`, `Everyone`).
fn sender_and_recipient(s: &str) -> (Cow<'_, str>, Cow<'_, str>) {
    let s = squash(s);
    // The last " to " whose right side is a recipient Zoom writes; names may contain " to ".
    let mut best = None;
    let mut from = 0;
    while let Some(i) = TO.find(&s.as_bytes()[from..]) {
        let at = from + i;
        let right = &s[at + 4..];
        if right == "Everyone" || right.ends_with("(Direct Message)") || right.ends_with("(privately)") || right.starts_with("Everyone") {
            best = Some(at);
        }
        from = at + 4;
    }
    match best {
        Some(at) => (part(&s, 0..at), part(&s, at + 4..s.len())),
        None => (part(&s, 0..s.len()), Cow::Borrowed("Everyone")),
    }
}

/// Another line of a message: the first borrowed, later ones joined to it by line breaks.
fn add_line<'a>(text: &mut Cow<'a, str>, line: &'a str) {
    match text {
        _ if text.is_empty() => *text = Cow::Borrowed(line),
        // The first join sized for both lines: one allocation, where `to_mut` copied the first
        // line into an exact fit that the line break then outgrew (a second, and a copy).
        Cow::Borrowed(first) => {
            let mut joined = String::with_capacity(first.len() + 1 + line.len());
            joined.push_str(first);
            joined.push('\n');
            joined.push_str(line);
            *text = Cow::Owned(joined);
        }
        Cow::Owned(joined) => {
            joined.push('\n');
            joined.push_str(line);
        }
    }
}

pub fn parse_chat<'a>(file: &str, text: &'a str) -> Result<Vec<ChatMessage<'a>>, InputError> {
    let err = |line: usize, msg: String| InputError::field(format!("{file}, line {line}"), msg);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // About one message per 90 bytes of a chat (a header and a line or two): reserved, not
    // regrown and copied on the way.
    let mut out: Vec<ChatMessage<'a>> = Vec::with_capacity(text.len() / 90);
    // Lines found by a vector search for their ends (`str::lines` compares each candidate
    // through a call to `memcmp`).
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    for (i, end) in ends.enumerate() {
        let line = i + 1;
        let raw = &text[start..end];
        start = end + 1;
        let raw = raw.trim_end_matches('\r');
        let trimmed = trim(raw);
        if trimmed.is_empty() {
            continue;
        }
        if raw.starts_with('\t') || raw.starts_with("    ") {
            // The lines of the message last headed (or more lines of a one-line message).
            match out.last_mut() {
                Some(last) => add_line(&mut last.text, trimmed),
                None => return Err(err(line, "a message line before any `HH:MM:SS From …` line".into())),
            }
            continue;
        }
        let (stamp, rest) = raw.trim_start().split_once(|c: char| c.is_whitespace()).unwrap_or((trimmed, ""));
        let Some(at) = clock(stamp) else {
            return Err(err(line, format!("`{}` is not a Zoom chat line (expected `HH:MM:SS From Name to Everyone:`)", raw.chars().take(60).collect::<String>())));
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix("From ").or_else(|| rest.strip_prefix("From\t")) else {
            return Err(err(line, "a chat line's time is not followed by `From`".into()));
        };
        // Older one-line form: "Name : message" or "Name to Everyone : message".
        let one_line = SPACED_COLON.find(rest.as_bytes()).map(|i| (&rest[..i], &rest[i + 3..]));
        if let Some((who, message)) = one_line.filter(|(_, m)| !trim(m).is_empty()) {
            let (sender, to) = sender_and_recipient(who);
            out.push(ChatMessage { at_seconds: at, sender, to, text: Cow::Borrowed(trim(message)), line });
            continue;
        }
        let Some(who) = rest.trim_end().strip_suffix(':') else {
            return Err(err(line, "a chat header must end with `:`".into()));
        };
        let (sender, to) = sender_and_recipient(who);
        if sender.is_empty() {
            return Err(err(line, "a chat line without a sender".into()));
        }
        // Its text is the tab-indented lines that follow.
        out.push(ChatMessage { at_seconds: at, sender, to, text: Cow::Borrowed(""), line });
    }
    if let Some(m) = out.iter().find(|m| m.text.trim().is_empty()) {
        return Err(err(m.line, format!("the message from {} has no text (truncated file?)", m.sender)));
    }
    if out.is_empty() {
        return Err(err(0, "no chat messages (expected `HH:MM:SS From Name to Everyone:` lines)".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::tests_fixture::CHAT;


    #[test]
    fn current_form_with_multi_line_messages_direct_messages_and_odd_names() {
        let m = parse_chat("chat.txt", CHAT).unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!((m[0].sender.as_ref(), m[0].to.as_ref(), m[0].at_seconds), ("Zoë Müller (Zoë M.)", "Everyone", 36135));
        assert_eq!(m[1].sender, "Björn 🎸");
        assert_eq!(m[1].text, "How do I price my coaching packages\nwhen clients push back?");
        assert_eq!(m[3].to, "Maya Okafor(Direct Message)");
    }

    #[test]
    fn clock_times_are_checked() {
        assert_eq!(clock("10:05:09"), Some(36_309));
        assert_eq!(clock("9:05:09"), Some(32_709));
        assert_eq!(clock("23:59:59"), Some(86_399));
        for bad in ["24:00:00", "10:60:00", "10:00:60", "10:5:09", "100:00:00", ":00:00", "1a:00:00", "10:00", "10:00:00:00", "10-00-00", ""] {
            assert_eq!(clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_older_one_line_form() {
        let old = "10:02:15\t From  Sarah Dubois : Is there a replay?\n10:03:00 From Tom to Everyone : thanks!\n";
        let m = parse_chat("old.txt", old).unwrap();
        assert_eq!((m[0].sender.as_ref(), m[0].text.as_ref()), ("Sarah Dubois", "Is there a replay?"));
        assert_eq!((m[1].sender.as_ref(), m[1].to.as_ref()), ("Tom", "Everyone"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = parse_chat("c.txt", "10:02:15 From A to Everyone:\n\thi\nnot a chat line\n").unwrap_err().to_string();
        assert!(e.contains("c.txt, line 3"), "{e}");
        let e = parse_chat("c.txt", "10:02:15 From A to Everyone:\n").unwrap_err().to_string();
        assert!(e.contains("c.txt, line 1") && e.contains("no text"), "{e}");
        assert!(parse_chat("c.txt", "").is_err());
    }
}

#[cfg(test)]
pub(crate) mod tests_fixture {
    pub(crate) const CHAT: &str = "10:02:15 From Zoë Müller (Zoë M.) to Everyone:
\tHello from Berlin! 👋
10:03:01 From  Björn 🎸  to  Everyone:
\tHow do I price my coaching packages
\twhen clients push back?
10:04:10 From Maya Okafor to Everyone:
\tWelcome everyone!
10:05:00 From Zoë Müller (Zoë M.) to Maya Okafor(Direct Message):
\tCan you share the slides?
";
}
