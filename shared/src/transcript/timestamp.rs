//! `hh:mm:ss.ttt` / `mm:ss.ttt` timestamps (WebVTT), and the `[hh:mm:ss]` stamps of plain text.

/// Parses a WebVTT timestamp at the start of `s`: `(hh+:)?mm:ss.ttt`. A comma is accepted for
/// the dot since SRT-converted files carry one. Returns milliseconds and the bytes consumed.
#[inline]
pub(crate) fn parse_vtt(s: &[u8]) -> Option<(u64, usize)> {
    if let Some(ms) = parse_fixed(s) {
        return Some((ms, 12));
    }
    let (a, mut i) = digits(s, 0)?;
    if s.get(i) != Some(&b':') {
        return None;
    }
    let (b, j) = digits(s, i + 1)?;
    i = j;
    let (hours, minutes, seconds);
    if s.get(i) == Some(&b':') {
        let (c, k) = digits(s, i + 1)?;
        (hours, minutes, seconds) = (a, b, c);
        i = k;
    } else {
        (hours, minutes, seconds) = (0, a, b);
    }
    if minutes > 59 || seconds > 59 {
        return None;
    }
    if !matches!(s.get(i), Some(b'.' | b',')) {
        return None;
    }
    let start = i + 1;
    let (f, end) = digits(s, start)?;
    let n = end - start;
    if n > 3 {
        return None;
    }
    let millis = f * 10u64.pow(3 - n as u32);
    i = end;
    Some(((hours * 60 + minutes) * 60 * 1000 + seconds * 1000 + millis, i))
}

/// The form nearly every file uses, `hh:mm:ss.ttt` with two-digit hours, without loops.
#[inline]
fn parse_fixed(s: &[u8]) -> Option<u64> {
    if s.get(12).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let s: &[u8; 12] = s.get(..12)?.try_into().ok()?;
    if s[2] != b':' || s[5] != b':' || s[8] != b'.' {
        return None;
    }
    let d = |i: usize| -> Option<u64> {
        let c = s[i].wrapping_sub(b'0');
        (c < 10).then_some(u64::from(c))
    };
    let h = d(0)? * 10 + d(1)?;
    let m = d(3)? * 10 + d(4)?;
    let sec = d(6)? * 10 + d(7)?;
    let ms = d(9)? * 100 + d(10)? * 10 + d(11)?;
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Parses `hh:mm:ss`, `mm:ss` (optionally with a fraction) at the start of `s`; for plain text.
pub(crate) fn parse_clock(s: &[u8]) -> Option<(u64, usize)> {
    let mut parts = [0u64; 3];
    let mut n = 0;
    let mut i = 0;
    loop {
        let (v, j) = digits(s, i)?;
        if n == 3 {
            return None;
        }
        parts[n] = v;
        n += 1;
        i = j;
        if s.get(i) == Some(&b':') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
        } else {
            break;
        }
    }
    if n < 2 {
        return None;
    }
    let (h, m, sec) = if n == 3 { (parts[0], parts[1], parts[2]) } else { (0, parts[0], parts[1]) };
    if m > 59 || sec > 59 {
        return None;
    }
    let mut millis = 0;
    if matches!(s.get(i), Some(b'.' | b',')) && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
        let end = i + 1 + s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        // Only milliseconds matter; further digits are ignored.
        let len = (end - i - 1).min(3);
        let frac = &s[i + 1..i + 1 + len];
        millis = frac.iter().fold(0, |acc, d| acc * 10 + u64::from(d - b'0')) * 10u64.pow(3 - len as u32);
        i = end;
    }
    Some(((h * 60 + m) * 60_000 + sec * 1000 + millis, i))
}

#[inline]
fn digits(s: &[u8], start: usize) -> Option<(u64, usize)> {
    let mut i = start;
    let mut v: u64 = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        // Ten digits of hours is already absurd; refuse rather than overflow.
        if i - start >= 10 {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
        i += 1;
    }
    (i > start).then_some((v, i))
}

/// `hh:mm:ss.mmm`, the form evidence timestamps are shown in.
pub fn format_timestamp(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    format!("{:02}:{:02}:{:02}.{:03}", h, rest / 60_000, (rest % 60_000) / 1000, rest % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vtt_forms() {
        assert_eq!(parse_vtt(b"00:01.500"), Some((1500, 9)));
        assert_eq!(parse_vtt(b"01:02:03.004 -->"), Some((3_723_004, 12)));
        assert_eq!(parse_vtt(b"100:00:00.000"), Some((360_000_000, 13)));
        assert_eq!(parse_vtt(b"00:00:01,250"), Some((1250, 12)));
        assert_eq!(parse_vtt(b"00:61.000"), None);
        assert_eq!(parse_vtt(b"00:00:01"), None);
        assert_eq!(parse_vtt(b"00:00:01.0005"), None);
        assert_eq!(parse_vtt(b"00:00:01.00a"), Some((1000, 11)));
        assert_eq!(parse_vtt(b"aa:00.000"), None);
        assert_eq!(parse_vtt(b"99999999999:00:00.000"), None);
    }

    #[test]
    fn clock_forms() {
        assert_eq!(parse_clock(b"00:00:02]"), Some((2000, 8)));
        assert_eq!(parse_clock(b"1:02:03 x"), Some((3_723_000, 7)));
        assert_eq!(parse_clock(b"12:30"), Some((750_000, 5)));
        assert_eq!(parse_clock(b"12:30.5"), Some((750_500, 7)));
        assert_eq!(parse_clock(b"12"), None);
        assert_eq!(parse_clock(b"12:75"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(format_timestamp(3_723_004), "01:02:03.004");
        assert_eq!(format_timestamp(0), "00:00:00.000");
    }
}
