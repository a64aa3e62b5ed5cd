//! Bytes as the platforms write them: UTF-8 with or without a byte-order mark, or UTF-16
//! (little or big endian) with one. Anything else is an error naming the file.

use std::borrow::Cow;

use crate::error::InputError;

pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, str>, InputError> {
    if bytes.len() > super::MAX_FILE_BYTES {
        return Err(InputError::field(file, format!("{} bytes; the limit is 10 MB", bytes.len())));
    }
    let utf16 = |le: bool| -> Result<Cow<'a, str>, InputError> {
        let body = &bytes[2..];
        if body.len() % 2 != 0 {
            return Err(InputError::field(file, "UTF-16 text with an odd number of bytes (truncated?)"));
        }
        let units = body.chunks_exact(2).map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
        char::decode_utf16(units).collect::<Result<String, _>>().map(Cow::Owned).map_err(|_| InputError::field(file, "not valid UTF-16"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).map(Cow::Borrowed).map_err(|e| InputError::field(file, format!("not valid UTF-8 at byte {}", e.valid_up_to() + 3))),
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        // UTF-8 is read in place: a 10 MB report is not copied.
        _ => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| InputError::field(file, format!("not valid UTF-8 at byte {} (UTF-16 needs its byte-order mark)", e.valid_up_to()))),
    }
}

/// `str::trim`, without its character decoding when both ends are ASCII (nearly every cell of
/// a report and line of a chat: called several times a row): ASCII white space is taken off
/// byte by byte, and only an end that is not ASCII (it may be Unicode white space) is left to
/// `str::trim`.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7f);
    if visible(b.first()) && visible(b.last()) {
        return s;
    }
    ascii_trim(s)
}

/// [`trim`] past its first test (kept out of line: the callers inline only the test).
#[inline(never)]
fn ascii_trim(s: &str) -> &str {
    let space = |b: &u8| matches!(b, b'\t'..=b'\r' | b' ');
    let b = s.as_bytes();
    let Some(start) = b.iter().position(|b| !space(b)) else { return "" };
    let end = b.iter().rposition(|b| !space(b)).map_or(start, |i| i + 1);
    if b[start].is_ascii() && b[end - 1].is_ascii() { &s[start..end] } else { s.trim() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_is_str_trim() {
        for s in ["", " ", "\t a b \r\n", "abc", "\u{a0}x\u{a0}", " \u{2003}Zoë ", "\x0bx\x0c", "é", " é ", "\u{85}", "x\x1f"] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn utf8_with_and_without_bom_and_utf16_both_ways() {
        assert_eq!(decode("a", b"\xEF\xBB\xBFhi").unwrap(), "hi");
        assert_eq!(decode("a", "Zoë".as_bytes()).unwrap(), "Zoë");
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain("Zoë".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("Zoë".encode_utf16().flat_map(|u| u.to_be_bytes())).collect();
        assert_eq!(decode("a", &le).unwrap(), "Zoë");
        assert_eq!(decode("a", &be).unwrap(), "Zoë");
        assert!(decode("report.csv", b"\xff\x00a").unwrap_err().to_string().contains("report.csv"));
        assert!(decode("a", &le[..5]).is_err());
    }
}
