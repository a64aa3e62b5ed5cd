//! Zoom writes the speaker as a `Name: text` prefix on the cue's first line.

/// The longest label taken for a name; a longer `...:` is a sentence with a colon in it.
const MAX_LABEL_BYTES: usize = 64;
const MAX_LABEL_WORDS: usize = 7;

/// Splits `Name: text` into (label, text). Returns `None` when the text before the first colon
/// does not look like a name (too long, sentence punctuation, no letter first), or the colon is
/// not followed by white space (`http://`, `10:30`).
#[inline]
pub(crate) fn split_label(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let window = &bytes[..bytes.len().min(MAX_LABEL_BYTES + 1)];
    let colon = memchr::memchr(b':', window)?;
    match bytes.get(colon + 1) {
        None | Some(b' ' | b'\t') => {}
        Some(_) => return None,
    }
    let label = text[..colon].trim_ascii();
    let lb = label.as_bytes();
    let first_ok = match lb.first() {
        Some(b) if b.is_ascii() => b.is_ascii_alphabetic(),
        Some(_) => label.chars().next().is_some_and(char::is_alphabetic),
        None => false,
    };
    if !first_ok {
        return None;
    }
    let mut words = 1;
    for (i, &b) in lb.iter().enumerate() {
        match b {
            b'?' | b'!' | b'"' | b'[' | b']' | b'{' | b'}' | b';' => return None,
            b' ' | b'\t' if !matches!(lb.get(i + 1), Some(b' ' | b'\t')) => words += 1,
            _ => {}
        }
    }
    if words > MAX_LABEL_WORDS {
        return None;
    }
    Some((label, text[colon + 1..].trim_ascii_start()))
}

#[cfg(test)]
mod tests {
    use super::split_label;

    #[test]
    fn zoom_prefixes() {
        assert_eq!(split_label("Dr. Amy Reyes: Welcome back"), Some(("Dr. Amy Reyes", "Welcome back")));
        assert_eq!(split_label("Nadia O'Neil: Thanks"), Some(("Nadia O'Neil", "Thanks")));
        assert_eq!(split_label("Zoë Silva:"), Some(("Zoë Silva", "")));
        assert_eq!(split_label("Sarah (Acme Inc): hi"), Some(("Sarah (Acme Inc)", "hi")));
    }

    #[test]
    fn not_labels() {
        assert_eq!(split_label("We start at 10:30 sharp"), None);
        assert_eq!(split_label("see https://example.com"), None);
        assert_eq!(split_label("Really? I think: yes"), None);
        assert_eq!(split_label("no colon here"), None);
        assert_eq!(split_label("the thing I keep coming back to after all these weeks is this: pricing"), None);
        assert_eq!(split_label(": empty"), None);
    }
}
