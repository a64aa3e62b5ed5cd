//! WebVTT cue text markup: tags (`<i>`, `<c.x>`, `<00:01.000>`, voice spans) and HTML entities.

use std::borrow::Cow;

/// Splits a leading voice span `<v[.class] Name>` off `text`: (speaker, text with every tag
/// removed and entities decoded). Text without `<` or `&` is returned borrowed.
pub(crate) fn clean<'a>(text: &'a str) -> (Option<Cow<'a, str>>, Cow<'a, str>) {
    let bytes = text.as_bytes();
    if memchr::memchr2(b'<', b'&', bytes).is_none() {
        return (None, Cow::Borrowed(text));
    }
    let voice = voice_annotation(text).map(decode_entities);
    let stripped = strip_tags(text);
    let decoded = match stripped {
        Cow::Borrowed(s) => decode_entities(s),
        Cow::Owned(s) => Cow::Owned(decode_entities(&s).into_owned()),
    };
    (voice.filter(|v| !v.trim().is_empty()), decoded)
}

/// Same as [`clean`] for an owned string (a multi-line cue joined by the parser).
pub(crate) fn clean_owned<'a>(text: String) -> (Option<Cow<'a, str>>, Cow<'a, str>) {
    let (voice, t) = clean(&text);
    let voice = voice.map(|v| Cow::Owned(v.into_owned()));
    let t = match t {
        Cow::Borrowed(b) if b.len() == text.len() => Cow::Owned(text),
        other => Cow::Owned(other.into_owned()),
    };
    (voice, t)
}

fn voice_annotation(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix("<v")?;
    let first = *rest.as_bytes().first()?;
    if !matches!(first, b' ' | b'\t' | b'.') {
        return None;
    }
    let close = rest.find('>')?;
    let inside = &rest[..close];
    // Classes come first (`<v.loud Name>`); the annotation follows the first white space.
    let name = inside.split_once([' ', '\t']).map(|(_, n)| n)?;
    Some(name.trim())
}

fn strip_tags(text: &str) -> Cow<'_, str> {
    if !text.contains('<') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => rest = &rest[open + close + 1..],
            // An unclosed `<` is text, as browsers render it.
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

pub(crate) fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let name = &after[..semi];
            entity(name).map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, used)) => {
                if let Some(c) = c {
                    out.push(c);
                }
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `Some(None)` for entities that render as nothing (direction marks).
fn entity(name: &str) -> Option<Option<char>> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "lrm" | "rlm" => return Some(None),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some(Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        let (v, t) = clean("hello there");
        assert!(v.is_none());
        assert!(matches!(t, Cow::Borrowed("hello there")));
    }

    #[test]
    fn voice_span_and_tags() {
        let (v, t) = clean("<v.loud Björn Johnson>I <i>really</i> agree</v>");
        assert_eq!(v.as_deref(), Some("Björn Johnson"));
        assert_eq!(t, "I really agree");
        let (v, t) = clean("<v Roger Bingham><00:00:01.000>Hi &amp; welcome");
        assert_eq!(v.as_deref(), Some("Roger Bingham"));
        assert_eq!(t, "Hi & welcome");
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("a &lt;b&gt; &#233;&#xE9; &lrm;x &bogus; & y"), "a <b> éé x &bogus; & y");
    }

    #[test]
    fn unclosed_tag_is_text() {
        assert_eq!(clean("3 < 4").1, "3 < 4");
    }
}
