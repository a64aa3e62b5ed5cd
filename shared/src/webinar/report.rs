//! Attendee reports as the platforms export them.
//!
//! - **Zoom webinar attendee report** (CSV): an optional `Attendee Report` title, a metadata
//!   block (`Topic, Webinar ID, Actual Start Time, Actual Duration (minutes), # Registrants,
//!   Unique Viewers, Total Users…` and its values), then `Host Details`, `Panelist Details` and
//!   `Attendee Details` sections, each a title row, a header row and data rows. One row per
//!   join: a person who drops and rejoins has several, merged here (minutes summed, first join
//!   and last leave kept). Registrants who never joined have `Attended: No` and `--` times.
//! - **GoTo Webinar attendee report**: the same shape (metadata, then `Attendee Details`), with
//!   an attentiveness column (`Attentiveness` / `Focus`, a percentage).
//! - **Generic CSV**: one header row with at least a name (or first and last name) and, for
//!   attendees, minutes; see the README for the accepted column names.
//!
//! Dates are `MM/DD/YYYY hh:mm:ss AM` (Zoom), `Mon DD, YYYY hh:mm:ss AM` or ISO 8601. Every error
//! names the file and the line.

use std::borrow::Cow;

use serde::Serialize;
use time::PrimitiveDateTime;
use time::macros::format_description;

use super::separators::Separators;
use super::text::trim;
use crate::attendance::{NameKey, name_key, normalize_name};
use crate::error::InputError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebinarInfo {
    pub topic: Option<String>,
    pub webinar_id: Option<String>,
    /// ISO 8601, local to the report.
    pub start: Option<String>,
    pub duration_minutes: Option<f64>,
    pub registrants: Option<u32>,
}

/// A time as the report gives it, written in ISO 8601: `YYYY-MM-DDThh:mm:ss` local to the
/// report, or `…Z` (UTC) when the report wrote a zone. Held as its parts packed into one word,
/// not as a string: a report has two per row (join and leave), tens of thousands of rows, and
/// an `Option<Stamp>` is 8 bytes. Orders as the times do (parts from the year down; a UTC time
/// after a local one of the same reading, as their ISO strings order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(std::num::NonZeroU64);

impl Stamp {
    /// The bits of each part below the year (14 bits above them), in order: month, day, hour,
    /// minute, second, and whether it is UTC. The top bit is always set (never zero).
    const WIDTHS: [u32; 6] = [4, 5, 5, 6, 6, 1];

    /// `None` for a year ISO 8601 cannot write in four digits.
    fn new(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8, utc: bool) -> Option<Self> {
        let year = u64::try_from(year).ok().filter(|y| *y <= 9999)?;
        let parts = [month, day, hour, minute, second, u8::from(utc)];
        let packed = parts.iter().zip(Self::WIDTHS).fold(year, |acc, (&v, bits)| (acc << bits) | u64::from(v));
        std::num::NonZeroU64::new(packed | 1 << 63).map(Self)
    }

    /// Year, month, day, hour, minute, second, and whether it is UTC.
    fn parts(self) -> (u64, u64, u64, u64, u64, u64, bool) {
        let mut v = self.0.get() & !(1 << 63);
        let mut parts = [0u64; 6];
        for (part, bits) in parts.iter_mut().zip(Self::WIDTHS).rev() {
            *part = v & ((1 << bits) - 1);
            v >>= bits;
        }
        let [month, day, hour, minute, second, utc] = parts;
        (v, month, day, hour, minute, second, utc == 1)
    }

    /// The ISO 8601 text, on the stack.
    pub fn iso(self) -> Iso {
        let (year, mo, da, h, mi, se, utc) = self.parts();
        let d = |v: u64, place: u64| b'0' + (v / place % 10) as u8;
        let text = [
            d(year, 1000), d(year, 100), d(year, 10), d(year, 1), b'-', d(mo, 10), d(mo, 1), b'-', d(da, 10), d(da, 1), b'T',
            d(h, 10), d(h, 1), b':', d(mi, 10), d(mi, 1), b':', d(se, 10), d(se, 1), b'Z',
        ];
        Iso { text, len: if utc { 20 } else { 19 } }
    }
}

/// A [`Stamp`]'s ISO 8601 text.
pub struct Iso {
    text: [u8; 20],
    len: u8,
}

impl std::ops::Deref for Iso {
    type Target = str;
    fn deref(&self) -> &str {
        std::str::from_utf8(&self.text[..usize::from(self.len)]).expect("ASCII digits and separators")
    }
}

impl std::fmt::Debug for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.iso(), f)
    }
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso())
    }
}

impl Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

/// One person on the report. Text borrows from the report's text where it can (a 10 MB report
/// has tens of thousands of rows; copying each name, email and country was most of the parse).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registrant<'a> {
    pub name: Cow<'a, str>,
    /// Lower-cased.
    pub email: Option<Cow<'a, str>>,
    pub attended: bool,
    /// Rows merged into this registrant (a rejoin is a row).
    pub joins: u32,
    pub first_join: Option<Stamp>,
    pub last_leave: Option<Stamp>,
    pub minutes: f64,
    pub is_guest: bool,
    pub country: Option<Cow<'a, str>>,
    /// The platform's attentiveness, 0–1 (GoTo); Zoom has none since 2020.
    pub attentiveness: Option<f32>,
    /// The report line of the first row.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeReport<'a> {
    /// `zoom`, `goto` or `csv`.
    pub platform: String,
    pub info: WebinarInfo,
    /// Attendees and no-shows, one per person, in report order.
    pub registrants: Vec<Registrant<'a>>,
    /// Hosts and panelists by name (their chat is not an attendee's).
    pub staff: Vec<String>,
    /// Each registrant's [`name_key`] ([`NameKey::NOBODY`] for a no-show), by index, for
    /// matching chat senders to registrants ([`Self::name_keys`]). Made in one pass after the
    /// rows are read, not row by row: in the row loop the keying code and its tables competed
    /// with the row parser's for the core's caches and branch history (0.8 ms more on a 10 MB
    /// report than the same keys made apart).
    #[serde(skip)]
    name_keys: Vec<NameKey>,
}

impl AttendeeReport<'_> {
    /// Each registrant's [`name_key`], by index; `None` when `registrants` was changed after
    /// parsing (the keys no longer line up).
    pub(crate) fn name_keys(&self) -> Option<&[NameKey]> {
        (self.name_keys.len() == self.registrants.len()).then_some(&self.name_keys[..])
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Section {
    Metadata,
    Host,
    Panelist,
    Attendee,
    Other,
}

fn norm(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The day of the last zero-padded time read (`MM/DD/YYYY `, as two overlapping 8-byte words,
/// and its checked year, month and day): a webinar's joins and leaves nearly all fall on one
/// day, which is then read and checked once, not twice a row.
#[derive(Default)]
struct LastDay {
    text: [u64; 2],
    ymd: Option<(u32, u32, u32)>,
}

/// `hh:mm:ss` (8 bytes, little-endian) as hours, minutes and seconds, its six digits checked
/// and read a word at a time: `None` unless each is an ASCII digit and the colons are in place.
fn clock_digits(w: u64) -> Option<(u32, u32, u32)> {
    // Bytes 0, 1, 3, 4, 6 and 7 are digits; 2 and 5 colons.
    const DIGITS: u64 = 0xffff_00ff_ff00_ffff;
    let colons = w & !DIGITS == 0x0000_3a00_003a_0000;
    // A digit's high half is 3 and its low half at most 9 (adding 6 does not reach 16).
    let digits = w & DIGITS & 0xf0f0_f0f0_f0f0_f0f0 == 0x3030_0030_3000_3030 && ((w & DIGITS & 0x0f0f_0f0f_0f0f_0f0f) + 0x0606_0006_0600_0606) & 0x1010_0010_1000_1010 == 0;
    let at = |byte: u32| ((w >> (8 * byte)) & 0x0f) as u32;
    (colons && digits).then(|| (at(0) * 10 + at(1), at(3) * 10 + at(4), at(6) * 10 + at(7)))
}

/// Zoom's `MM/DD/YYYY hh:mm:ss AM` read directly (the common case, once per join and leave):
/// checked digits in, `YYYY-MM-DDThh:mm:ss` out, with no formatting machinery; the day taken
/// from `last` when it is the same text, the clock read as one word ([`clock_digits`]).
fn zoom_time_after(s: &str, last: &mut LastDay) -> Option<Stamp> {
    let b = s.as_bytes();
    // Zero-padded, as Zoom writes it (`04/26/2026 10:45:17 AM`): fixed places, read in place.
    if let Ok(fixed) = <&[u8; 22]>::try_from(b)
        && let [m1, m0, b'/', d1, d0, b'/', y3, y2, y1, y0, b' ', .., b' ', p, b'M' | b'm'] = *fixed
    {
        let word = |at: usize| u64::from_le_bytes(fixed[at..at + 8].try_into().expect("eight bytes"));
        let n = |a: u8, b: u8| u32::from(a - b'0') * 10 + u32::from(b - b'0');
        // The same text as the last day read is that day, already checked.
        let day_text = [word(0), word(3)];
        let known = last.ymd.filter(|_| day_text == last.text);
        let day = known.or_else(|| [m1, m0, d1, d0, y3, y2, y1, y0].iter().all(u8::is_ascii_digit).then(|| (n(y3, y2) * 100 + n(y1, y0), n(m1, m0), n(d1, d0))));
        if let Some((yr, mo, da)) = day
            && let Some((h, mi, se)) = clock_digits(word(11))
        {
            let h24 = match p {
                b'A' | b'a' => h % 12,
                b'P' | b'p' => h % 12 + 12,
                _ => return None,
            };
            if (known.is_none() && !day_is_real(yr, mo, da)) || !clock_is_real(h, mi, se) {
                return None;
            }
            last.text = day_text;
            last.ymd = Some((yr, mo, da));
            // Every part is range-checked, so each fits its `u8`.
            return Stamp::new(yr as i32, mo as u8, da as u8, h24 as u8, mi as u8, se as u8, false);
        }
    }
    // One or two digits, then `sep` (or the end for the seconds).
    fn number(b: &[u8], at: &mut usize, sep: u8) -> Option<u32> {
        let start = *at;
        while *at < b.len() && b[*at].is_ascii_digit() && *at - start < 4 {
            *at += 1;
        }
        if *at == start {
            return None;
        }
        let v = b[start..*at].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        if sep != 0 {
            if b.get(*at) != Some(&sep) {
                return None;
            }
            *at += 1;
        }
        Some(v)
    }
    let mut at = 0;
    let (mo, da, yr) = (number(b, &mut at, b'/')?, number(b, &mut at, b'/')?, number(b, &mut at, b' ')?);
    let (h, mi, se) = (number(b, &mut at, b':')?, number(b, &mut at, b':')?, number(b, &mut at, b' ')?);
    let h24 = match &b[at..] {
        b"AM" | b"am" => h % 12,
        b"PM" | b"pm" => h % 12 + 12,
        _ => return None,
    };
    checked_time(yr, mo, da, h, h24, mi, se)
}

/// A 12-hour clock's parts, checked (`h` is the hour as written, `h24` the same on 24 hours).
fn checked_time(yr: u32, mo: u32, da: u32, h: u32, h24: u32, mi: u32, se: u32) -> Option<Stamp> {
    if !day_is_real(yr, mo, da) || !clock_is_real(h, mi, se) {
        return None;
    }
    // Every part is range-checked, so each fits its `u8`.
    Stamp::new(yr as i32, mo as u8, da as u8, h24 as u8, mi as u8, se as u8, false)
}

/// A calendar day from 1970 on (leap years counted).
fn day_is_real(yr: u32, mo: u32, da: u32) -> bool {
    if !(1..=12).contains(&mo) || !(1970..=9999).contains(&yr) {
        return false;
    }
    let leap = yr % 4 == 0 && (yr % 100 != 0 || yr % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo as usize - 1];
    (1..=days).contains(&da)
}

/// A 12-hour clock's hour as written, minute and second.
fn clock_is_real(h: u32, mi: u32, se: u32) -> bool {
    (1..=12).contains(&h) && mi <= 59 && se <= 59
}

/// A timestamp as the platforms write it, as ISO 8601.
pub fn parse_time(s: &str) -> Option<Stamp> {
    parse_time_after(s, &mut LastDay::default())
}

/// [`parse_time`], for a report's column of times: see [`LastDay`].
fn parse_time_after(s: &str, last: &mut LastDay) -> Option<Stamp> {
    let s = trim(s);
    if let Some(t) = zoom_time_after(s, last) {
        return Some(t);
    }
    let formats: [&[time::format_description::FormatItem<'_>]; 4] = [
        format_description!("[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period]"),
        format_description!("[month repr:short] [day padding:none], [year] [hour repr:12 padding:none]:[minute]:[second] [period]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    ];
    let upper = s.replace("a.m.", "AM").replace("p.m.", "PM").replace(" am", " AM").replace(" pm", " PM");
    for f in formats {
        if let Ok(t) = PrimitiveDateTime::parse(&upper, f) {
            return Stamp::new(t.year(), t.month().into(), t.day(), t.hour(), t.minute(), t.second(), false);
        }
    }
    // ISO with a zone: as UTC, so that times written with different offsets still order.
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?.to_offset(time::UtcOffset::UTC);
    Stamp::new(t.year(), t.month().into(), t.day(), t.hour(), t.minute(), t.second(), true)
}

/// Minutes as written: `39`, `39.5`, `1:02:03`, `--` (none).
fn minutes(s: &str) -> Option<f64> {
    let s = trim(s);
    if s.is_empty() || s == "--" {
        return Some(0.0);
    }
    if let Some(n) = plain_decimal(s.as_bytes()) {
        return Some(n);
    }
    if let Ok(n) = s.parse::<f64>() {
        return (n.is_finite() && n >= 0.0).then_some(n);
    }
    let parts: Vec<f64> = s.split(':').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().ok()?;
    match parts.as_slice() {
        [h, m, sec] => Some(h * 60.0 + m + sec / 60.0),
        [m, sec] => Some(m + sec / 60.0),
        _ => None,
    }
}

/// `39` or `39.5` (Zoom writes whole minutes), read without `str::parse`'s general machinery:
/// the digits as an integer over a power of ten. Both are exact in an `f64` (at most 15
/// digits), so the one division is correctly rounded: the value `str::parse` gives.
fn plain_decimal(s: &[u8]) -> Option<f64> {
    const TENS: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    if s.len() > 15 {
        return None;
    }
    let (mut n, mut digits, mut scale, mut dot) = (0u64, 0, 0, false);
    for &b in s {
        match b {
            b'0'..=b'9' => {
                n = n * 10 + u64::from(b - b'0');
                digits += 1;
                scale += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    (digits > 0).then(|| n as f64 / TENS[scale])
}

fn percent(s: &str) -> Option<f64> {
    let t = s.trim().trim_end_matches('%').trim();
    if t.is_empty() || t == "--" {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    Some(if v > 1.0 { v / 100.0 } else { v }.clamp(0.0, 1.0))
}

/// One record's fields. A line without quotes (nearly all of a report) is held as where each
/// field starts in the report's text, a field ending one byte before the next starts: one
/// number a field, where a string slice took three words to write. A line with quotes holds
/// the fields the CSV reader unquoted.
struct Fields<'a> {
    text: &'a str,
    /// Each field's start, then one past the last field's end (as if a comma followed it).
    starts: Vec<usize>,
    unquoted: Vec<String>,
    quoted: bool,
}

impl<'a> Fields<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, starts: Vec::with_capacity(32), unquoted: Vec::new(), quoted: false }
    }

    fn len(&self) -> usize {
        if self.quoted { self.unquoted.len() } else { self.starts.len().saturating_sub(1) }
    }

    /// Field `i` of a line without quotes, borrowed from the report's text.
    fn plain(&self, i: usize) -> Option<&'a str> {
        let (&start, &next) = (self.starts.get(i)?, self.starts.get(i + 1)?);
        Some(&self.text[start..next - 1])
    }

    fn get(&self, i: usize) -> Option<&str> {
        if self.quoted { self.unquoted.get(i).map(String::as_str) } else { self.plain(i) }
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// The report's records, read line by line: a line without a quote is split at the commas
/// the [`Separators`] cursor finds (the common case: no copies, no allocation); a line with one
/// goes through the `csv` crate, which handles quoted commas, doubled quotes and line breaks
/// inside quotes.
struct Records<'a> {
    text: &'a str,
    separators: Separators<'a>,
    pos: usize,
    /// Lines read so far (1-based line of the next record is `line + 1`).
    line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, separators: Separators::new(text.as_bytes()), pos: 0, line: 0 }
    }

    /// The line ends at `end` (its line feed, or the end of the text), a carriage return
    /// before it not part of the last field.
    fn end_line(&mut self, fields: &mut Fields<'a>, end: usize) -> usize {
        let last_start = fields.starts.last().copied().unwrap_or(end);
        let field_end = if end > last_start && self.text.as_bytes()[end - 1] == b'\r' { end - 1 } else { end };
        fields.starts.push(field_end + 1);
        self.pos = (end + 1).min(self.text.len());
        self.line += 1;
        self.line
    }

    /// Reads the next record into `fields`; returns its first line, or `None` at the end.
    fn next_into(&mut self, fields: &mut Fields<'a>) -> Option<Result<usize, (usize, String)>> {
        let rest = &self.text[self.pos..];
        if rest.is_empty() {
            return None;
        }
        let line = self.line + 1;
        fields.quoted = false;
        fields.starts.clear();
        fields.starts.push(self.pos);
        let bytes = self.text.as_bytes();
        // Each block's commas in turn, up to the line's end or its first quote.
        let mut from = self.pos;
        'blocks: while let Some((block, bits)) = self.separators.block_from(from) {
            let (mut commas, end) = match bits.ends {
                0 => (bits.commas, None),
                ends => {
                    let end = ends.trailing_zeros();
                    (bits.commas & !(!0u64 << end), Some(block + end as usize))
                }
            };
            while commas != 0 {
                fields.starts.push(block + commas.trailing_zeros() as usize + 1);
                commas &= commas - 1;
            }
            match end {
                Some(i) if bytes[i] == b'"' => break 'blocks,
                Some(i) => return Some(Ok(self.end_line(fields, i))),
                None => from = block + 64,
            }
        }
        if from >= self.text.len() {
            // The last line, without a line end.
            return Some(Ok(self.end_line(fields, self.text.len())));
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(rest.as_bytes());
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => {
                self.pos = self.text.len();
                return None;
            }
            Err(e) => return Some(Err((line, format!("unreadable CSV: {e}")))),
        }
        let consumed = (reader.position().byte() as usize).clamp(1, rest.len());
        fields.quoted = true;
        fields.unquoted.clear();
        fields.unquoted.extend(record.iter().map(str::to_string));
        self.line += rest[..consumed].bytes().filter(|&b| b == b'\n').count().max(1);
        self.pos += consumed;
        Some(Ok(line))
    }
}

struct Columns {
    attended: Option<usize>,
    name: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    email: Option<usize>,
    join: Option<usize>,
    leave: Option<usize>,
    minutes: Option<usize>,
    guest: Option<usize>,
    country: Option<usize>,
    attentiveness: Option<usize>,
}

impl Columns {
    fn of(header: &[String]) -> Self {
        let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
        Self {
            attended: find(&["attended"]),
            name: find(&["user name (original name)", "user name", "name", "display name", "name (original name)", "full name"]),
            first: find(&["first name"]),
            last: find(&["last name"]),
            email: find(&["email", "email address", "user email", "e-mail"]),
            join: find(&["join time", "joined"]),
            leave: find(&["leave time", "left"]),
            minutes: find(&["time in session (minutes)", "time in session", "in session duration", "duration (minutes)", "minutes", "in session duration (minutes)"]),
            guest: find(&["is guest", "guest"]),
            country: find(&["country/region name", "country/region", "country"]),
            attentiveness: header.iter().position(|h| h.contains("attentiveness") || h == "focus" || h.starts_with("focus ")),
        }
    }
}

/// Reads an attendee report (`file` names it in errors).
pub fn parse_attendee_report<'a>(file: &str, text: &'a str) -> Result<AttendeeReport<'a>, InputError> {
    let err = |line: usize, msg: String| InputError::field(format!("{file}, line {line}"), msg);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Records::new(text);
    let mut record = Fields::new(text);
    let mut info = WebinarInfo::default();
    let mut section: Option<Section> = None;
    let mut header: Option<(Vec<String>, Columns)> = None;
    let mut meta_header: Option<Vec<String>> = None;
    let mut saw_attendee_section = false;
    let mut platform = "csv";
    // About one registrant per 170 bytes of a Zoom report: reserve rather than regrow.
    let mut registrants: Vec<Registrant<'a>> = Vec::with_capacity(text.len() / 170);
    // Each person's index in `registrants`, by email (or by name when there is none).
    let mut seen = Seen::with_capacity(registrants.capacity());
    let mut staff = Vec::new();
    let mut last_day = LastDay::default();
    while let Some(next) = records.next_into(&mut record) {
        let line = next.map_err(|(line, e)| err(line, e))?;
        // A data row of a section whose header is known: straight to it (the common case).
        if let (Some(Section::Attendee), Some((names, cols))) = (section, &header)
            && record.len() >= names.len().min(3)
            && record.len() > 1
            && !record.iter().skip(1).all(|c| trim(c).is_empty())
        {
            let (r, hash) = registrant(&record, cols, line, &mut last_day, &seen, &err)?;
            if r.attentiveness.is_some() {
                platform = "goto";
            }
            merge_into(&mut registrants, &mut seen, r, hash);
            continue;
        }
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let first = norm(&cells[0]);
        let title = first.trim_end_matches(':').trim().to_string();
        if title.starts_with("report generated") {
            continue;
        }
        if cells.iter().skip(1).all(|c| c.trim().is_empty()) {
            let next = match title.as_str() {
                "attendee report" | "webinar attendee report" | "attendee report (webinar)" => {
                    platform = "zoom";
                    continue;
                }
                "host details" => Some(Section::Host),
                "panelist details" => Some(Section::Panelist),
                "attendee details" => Some(Section::Attendee),
                t if t.ends_with(" details") || t == "other attended" => Some(Section::Other),
                // A one-cell data row (a name alone).
                _ => None,
            };
            if let Some(s) = next {
                if s == Section::Attendee {
                    saw_attendee_section = true;
                }
                section = Some(s);
                header = None;
                continue;
            }
        }
        // The metadata block: a header row starting with Topic / Webinar Name, then its values.
        if ["topic", "webinar name", "webinar title", "title"].contains(&first.as_str()) && section.is_none() {
            meta_header = Some(cells.iter().map(|c| norm(c)).collect());
            section = Some(Section::Metadata);
            continue;
        }
        match section {
            Some(Section::Metadata) => {
                let names = meta_header.take().unwrap_or_default();
                for (h, v) in names.iter().zip(&cells) {
                    let v = v.trim();
                    if v.is_empty() {
                        continue;
                    }
                    match h.as_str() {
                        "topic" | "webinar name" | "webinar title" | "title" => info.topic = Some(v.to_string()),
                        "webinar id" => info.webinar_id = Some(v.to_string()),
                        "actual start time" | "start time" | "actual start date/time" | "start date/time" => {
                            info.start = Some(parse_time(v).map(|t| t.to_string()).ok_or_else(|| err(line, format!("`{v}` is not a date this importer knows (MM/DD/YYYY hh:mm:ss AM)")))?)
                        }
                        "actual duration (minutes)" | "duration (minutes)" | "actual duration" | "duration" => {
                            info.duration_minutes = Some(minutes(v).ok_or_else(|| err(line, format!("`{v}` is not a duration in minutes")))?)
                        }
                        "# registrants" | "registered" | "registrants" => info.registrants = v.parse().ok(),
                        _ => {}
                    }
                }
                section = None;
            }
            None if !saw_attendee_section && header.is_none() => {
                // A file with no sections: a generic CSV (or another platform's report) whose
                // first row is its header.
                let names: Vec<String> = cells.iter().map(|c| norm(c)).collect();
                if names.iter().any(|h| h == "user email") && names.iter().any(|h| h == "duration (minutes)") && !names.iter().any(|h| h == "attended") {
                    return Err(err(line, "this is a Zoom meeting participants report, not a webinar attendee report (export Reports → Webinar → Attendee report)".into()));
                }
                let cols = Columns::of(&names);
                if cols.name.is_none() && cols.first.is_none() {
                    return Err(err(line, "no name column (`Name`, `User Name (Original Name)` or `First Name`/`Last Name`) in the header".into()));
                }
                header = Some((names, cols));
                section = Some(Section::Attendee);
                saw_attendee_section = true;
            }
            Some(s @ (Section::Host | Section::Panelist | Section::Attendee | Section::Other)) => {
                let Some((_, cols)) = &header else {
                    let names: Vec<String> = cells.iter().map(|c| norm(c)).collect();
                    let cols = Columns::of(&names);
                    if s != Section::Other && cols.name.is_none() && cols.first.is_none() {
                        return Err(err(line, "a section's header row has no name column".into()));
                    }
                    header = Some((names, cols));
                    continue;
                };
                if s == Section::Other {
                    continue;
                }
                if s != Section::Attendee {
                    staff.push(name_of(&record, cols).ok_or_else(|| err(line, "a row without a name".into()))?.into_owned());
                    continue;
                }
                let (r, hash) = registrant(&record, cols, line, &mut last_day, &seen, &err)?;
                if r.attentiveness.is_some() {
                    platform = "goto";
                }
                merge_into(&mut registrants, &mut seen, r, hash);
            }
            _ => {}
        }
    }
    if !saw_attendee_section {
        return Err(err(0, "no `Attendee Details` section: is this a webinar attendee report?".into()));
    }
    if registrants.is_empty() {
        return Err(err(0, "the report lists no registrants".into()));
    }
    // Each name keyed in one pass after the rows ([`AttendeeReport::name_keys`]); only someone
    // who joined can have chatted, so a no-show's name is not keyed.
    let name_keys = registrants.iter().map(|r| if r.attended { name_key(&r.name) } else { NameKey::NOBODY }).collect();
    Ok(AttendeeReport { platform: platform.into(), info, registrants, staff, name_keys })
}

/// A cell's trimmed value, `None` when empty or Zoom's `--`.
fn cell<'r>(record: &'r Fields<'_>, i: Option<usize>) -> Option<&'r str> {
    i.and_then(|i| record.get(i)).map(trim).filter(|v| !v.is_empty() && *v != "--")
}

/// A cell to keep, trimmed: borrowed from the report's text when the row had no quotes (the
/// common case), copied when the CSV reader had to unquote it.
fn kept<'a>(record: &Fields<'a>, i: Option<usize>) -> Option<Cow<'a, str>> {
    let keep = |v: &str| !v.is_empty() && v != "--";
    if record.quoted {
        record.get(i?).map(str::trim).filter(|v| keep(v)).map(|v| Cow::Owned(v.to_string()))
    } else {
        record.plain(i?).map(trim).filter(|v| keep(v)).map(Cow::Borrowed)
    }
}

/// A row's name: the name column, else first and last name; `None` when there is none.
fn name_of<'a>(record: &Fields<'a>, cols: &Columns) -> Option<Cow<'a, str>> {
    if let Some(name) = kept(record, cols.name) {
        return Some(name);
    }
    let name = [cell(record, cols.first), cell(record, cols.last)].into_iter().flatten().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(Cow::Owned(name))
}

/// One attendee row, and its email's key hash for [`Seen`] (asked to fetch its slot while the
/// rest of the row is read).
#[inline(always)]
fn registrant<'a>(record: &Fields<'a>, cols: &Columns, line: usize, last_day: &mut LastDay, seen: &Seen, err: &dyn Fn(usize, String) -> InputError) -> Result<(Registrant<'a>, Option<u64>), InputError> {
    let get = |i: Option<usize>| cell(record, i);
    let email = kept(record, cols.email).and_then(|e| {
        // One pass for both: is it an address, and is any of it upper case.
        let (at, upper) = e.bytes().fold((false, false), |(at, upper), b| (at | (b == b'@'), upper | b.is_ascii_uppercase()));
        at.then(|| if upper { Cow::Owned(e.to_ascii_lowercase()) } else { e })
    });
    let email_hash = email.as_deref().map(|e| key_hash(b'@', e));
    if let Some(h) = email_hash {
        seen.prefetch(h);
    }
    let name = name_of(record, cols).ok_or_else(|| err(line, "a row without a name".into()))?;
    let attended = match get(cols.attended) {
        Some(a) => a.eq_ignore_ascii_case("yes") || a.eq_ignore_ascii_case("true") || a == "1",
        None => get(cols.join).is_some() || get(cols.minutes).and_then(minutes).is_some_and(|m| m > 0.0),
    };
    let mins = match get(cols.minutes) {
        Some(v) => minutes(v).ok_or_else(|| err(line, format!("`{v}` is not a number of minutes")))?,
        None => 0.0,
    };
    let mut time_of = |i: Option<usize>| -> Result<Option<Stamp>, InputError> {
        match get(i) {
            Some(v) => parse_time_after(v, last_day).map(Some).ok_or_else(|| err(line, format!("`{v}` is not a date this importer knows (MM/DD/YYYY hh:mm:ss AM)"))),
            None => Ok(None),
        }
    };
    let r = Registrant {
        email,
        attended,
        joins: u32::from(attended),
        first_join: time_of(cols.join)?,
        last_leave: time_of(cols.leave)?,
        minutes: if attended { mins } else { 0.0 },
        is_guest: get(cols.guest).is_some_and(|g| g.eq_ignore_ascii_case("yes")),
        country: kept(record, cols.country),
        attentiveness: get(cols.attentiveness).and_then(percent).map(|p| p as f32),
        name,
        line: u32::try_from(line).unwrap_or(u32::MAX),
    };
    Ok((r, email_hash))
}

/// Registrants by who they are (email, else normalised name), for merging rejoins: an
/// open-addressing table of slots, each the top half of a key's hash beside the registrant's
/// index (one number: one trip to memory a probe, where a table of indices and a separate
/// table of hashes took two), checked against the registrant there (a different person under
/// the same hash half is another entry). A row's slot is fetched ahead ([`Self::prefetch`])
/// while the rest of the row is read: a 60,000-registrant report's table does not stay in the
/// core's cache, and each new row's probe used to wait on memory.
struct Seen {
    /// 0 when empty; else the hash's top 32 bits, then the index + 1.
    slots: Vec<u64>,
    /// Each registrant's key hash, by index (to move them when the table grows).
    hashes: Vec<u64>,
    /// The last row's key hash and registrant: a rejoin usually follows its first row, and is
    /// then found without a probe into the table.
    last: Option<(u64, usize)>,
}

fn key_hash(tag: u8, key: &str) -> u64 {
    crate::attendance::word_hash(u64::from(tag), key.as_bytes())
}

/// Who a registrant is, for merging: their email, or their normalised name without one.
fn identity<'r>(r: &'r Registrant<'_>) -> (u8, Cow<'r, str>) {
    match &r.email {
        Some(e) => (b'@', Cow::Borrowed(e.as_ref())),
        None => (b'#', normalize_name(&r.name).into()),
    }
}

impl Seen {
    fn with_capacity(n: usize) -> Self {
        // At most half full.
        Self { slots: vec![0; (2 * n).next_power_of_two().max(16)], hashes: Vec::with_capacity(n), last: None }
    }

    /// Where the probe for hash `h` starts in a table of `slots` (a power of two).
    fn home(slots: &[u64], h: u64) -> usize {
        h as usize & (slots.len() - 1)
    }

    /// Asks the processor to bring the slot where `h` starts its probe into cache, without
    /// waiting for it.
    #[inline]
    fn prefetch(&self, h: u64) {
        let slot: *const u64 = &self.slots[Self::home(&self.slots, h)];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint: it neither faults nor changes what the program reads,
        // and `slot` points into the live table.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot.cast());
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: as above: `prfm` is a hint to the cache, reads nothing into a register and
        // writes nothing.
        unsafe {
            std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) slot, options(nostack, preserves_flags, readonly));
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        let _ = slot;
    }

    /// A filled slot: the hash's top half, then the index + 1 (0 is an empty slot).
    fn slot(h: u64, index: usize) -> u64 {
        (h >> 32) << 32 | (index as u64 + 1)
    }

    /// Where `index` (with hash `h`) goes: the first empty slot of its probe.
    fn place(slots: &mut [u64], h: u64, index: usize) {
        let mask = slots.len() - 1;
        let mut at = Self::home(slots, h);
        while slots[at] != 0 {
            at = (at + 1) & mask;
        }
        slots[at] = Self::slot(h, index);
    }

    /// The index of the registrant this row is (`Ok`), or `Err` with the index a new one gets;
    /// `hash` is the row's key hash when the caller has it.
    fn find(&mut self, all: &[Registrant<'_>], r: &Registrant<'_>, hash: Option<u64>) -> Result<usize, usize> {
        let (tag, key) = identity(r);
        let h = hash.unwrap_or_else(|| key_hash(tag, &key));
        let is = |i: usize| identity(&all[i]) == (tag, Cow::Borrowed(key.as_ref()));
        if let Some((last, i)) = self.last
            && last == h
            && is(i)
        {
            return Ok(i);
        }
        let mask = self.slots.len() - 1;
        let mut at = Self::home(&self.slots, h);
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                break;
            }
            let i = (slot & 0xffff_ffff) as usize - 1;
            if slot >> 32 == h >> 32 && is(i) {
                self.last = Some((h, i));
                return Ok(i);
            }
            at = (at + 1) & mask;
        }
        let index = all.len();
        assert!(index < u32::MAX as usize, "fewer registrants than a 10 MB report has bytes");
        self.slots[at] = Self::slot(h, index);
        self.hashes.push(h);
        if 2 * self.hashes.len() > self.slots.len() {
            let mut slots = vec![0; 2 * self.slots.len()];
            for (i, &h) in self.hashes.iter().enumerate() {
                Self::place(&mut slots, h, i);
            }
            self.slots = slots;
        }
        self.last = Some((h, index));
        Err(index)
    }
}

/// The same person (by email, else by name) joining again: one registrant.
#[inline(always)]
fn merge_into<'a>(all: &mut Vec<Registrant<'a>>, seen: &mut Seen, r: Registrant<'a>, hash: Option<u64>) {
    match seen.find(all, &r, hash) {
        Ok(i) => {
            let o = &mut all[i];
            o.attended |= r.attended;
            o.joins += r.joins;
            o.minutes += r.minutes;
            o.first_join = match (o.first_join.take(), r.first_join) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            o.last_leave = match (o.last_leave.take(), r.last_leave) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            o.attentiveness = match (o.attentiveness, r.attentiveness) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        Err(_) => all.push(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::tests_fixture::ZOOM;


    #[test]
    fn a_zoom_report_with_rejoins_guests_panelists_and_no_shows() {
        let r = parse_attendee_report("report.csv", ZOOM).unwrap();
        assert_eq!(r.platform, "zoom");
        assert_eq!(r.info.topic.as_deref(), Some("Scale Your Studio"));
        assert_eq!(r.info.duration_minutes, Some(60.0));
        assert_eq!(r.info.start.as_deref(), Some("2026-04-26T10:00:12"));
        assert_eq!(r.staff, vec!["Maya Okafor", "Tom Iyer"]);
        assert_eq!(r.registrants.len(), 3, "{:?}", r.registrants);
        let zoe = &r.registrants[0];
        assert_eq!((zoe.joins, zoe.minutes), (2, 55.0));
        assert_eq!(zoe.first_join.map(|s| s.to_string()).as_deref(), Some("2026-04-26T10:01:00"));
        assert_eq!(zoe.last_leave.map(|s| s.to_string()).as_deref(), Some("2026-04-26T11:00:00"));
        let bjorn = &r.registrants[1];
        assert!(bjorn.is_guest && bjorn.email.is_none() && bjorn.attended);
        let aisha = &r.registrants[2];
        assert!(!aisha.attended);
        assert_eq!((aisha.name.as_ref(), aisha.minutes, aisha.joins), ("Aisha Nowak", 0.0, 0));
    }

    #[test]
    fn rejoins_merge_however_far_apart_and_the_table_grows_past_its_first_guess() {
        // Rows far shorter than a Zoom report's: the table, sized from the text, has to grow.
        let mut text = String::from("Attended,Name,Email,Time in Session (minutes)\n");
        for i in 0..2000 {
            text.push_str(&format!("Yes,Person {i},p{i}@x.example,10\n"));
        }
        for i in (0..2000).rev().step_by(3) {
            text.push_str(&format!("Yes,Person {i},P{i}@X.example,5\n"));
        }
        text.push_str("Yes,Guest One,,7\nYes,Guest Two,,1\nYes,guest one,,7\n");
        let r = parse_attendee_report("r.csv", &text).unwrap();
        assert_eq!(r.registrants.len(), 2002);
        for (i, p) in r.registrants.iter().take(2000).enumerate() {
            let rejoined = (2000 - 1 - i) % 3 == 0;
            assert_eq!((p.joins, p.minutes), if rejoined { (2, 15.0) } else { (1, 10.0) }, "{}", p.name);
            assert_eq!(p.email.as_deref(), Some(format!("p{i}@x.example").as_str()));
        }
        // Without an email, the normalised name says who it is.
        assert_eq!((r.registrants[2000].name.as_ref(), r.registrants[2000].minutes), ("Guest One", 14.0));
        assert_eq!(r.name_keys().map(<[_]>::len), Some(2002));
    }

    #[test]
    fn errors_name_the_file_the_line_and_what_is_wrong() {
        let meeting = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\nAisha,a@x.com,04/26/2026 10:01:00 AM,04/26/2026 10:31:00 AM,30,No\n";
        let e = parse_attendee_report("meeting.csv", meeting).unwrap_err().to_string();
        assert!(e.contains("meeting.csv, line 1") && e.contains("meeting participants report"), "{e}");
        let bad_date = ZOOM.replace("04/26/2026 10:35:00 AM", "26.04.2026 10:35");
        let e = parse_attendee_report("r.csv", &bad_date).unwrap_err().to_string();
        assert!(e.contains("r.csv, line 14") && e.contains("26.04.2026 10:35"), "{e}");
        let truncated: String = ZOOM.lines().take(10).collect::<Vec<_>>().join("\n");
        let e = parse_attendee_report("t.csv", &truncated).unwrap_err().to_string();
        assert!(e.contains("Attendee Details"), "{e}");
    }

    #[test]
    fn records_split_plain_lines_in_place_and_quoted_ones_by_csv_rules() {
        let text = "a,b,c\r\n\"Lee, Sam\",\"say \"\"hi\"\"\",x\n\"two\nlines\",y\nlast";
        let (mut r, mut f) = (Records::new(text), Fields::new(text));
        let mut out = Vec::new();
        while let Some(line) = r.next_into(&mut f) {
            out.push((line.unwrap(), f.iter().map(|c| c.to_string()).collect::<Vec<_>>()));
        }
        assert_eq!(out, vec![
            (1, vec!["a".to_string(), "b".into(), "c".into()]),
            (2, vec!["Lee, Sam".to_string(), "say \"hi\"".into(), "x".into()]),
            (3, vec!["two\nlines".to_string(), "y".into()]),
            (5, vec!["last".to_string()]),
        ]);
    }

    #[test]
    fn records_read_as_the_csv_crate_reads_them_across_block_edges() {
        let mut rng = fastrand::Rng::with_seed(170);
        for _ in 0..2_000 {
            // Well-formed CSV: fields plain or quoted (a comma, a doubled quote and a line
            // break inside), lines ended by LF or CRLF.
            let mut text = String::new();
            let size = rng.usize(0..400);
            while text.len() < size {
                match rng.u8(0..10) {
                    0..=4 => text.push(rng.choice(['a', 'é', ' ']).unwrap()),
                    5..=7 => text.push(','),
                    8 => text.push_str(if rng.bool() { "\n" } else { "\r\n" }),
                    _ if text.is_empty() || text.ends_with([',', '\n']) => text.push_str("\"q,\"\"\n\","),
                    _ => {}
                }
            }
            let mut expected = Vec::new();
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
            for record in reader.records() {
                expected.push(record.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
            }
            let (mut r, mut f, mut got) = (Records::new(&text), Fields::new(&text), Vec::new());
            while let Some(line) = r.next_into(&mut f) {
                line.unwrap();
                // The csv crate skips empty lines; the report's reader gives them, and the parser skips them.
                if f.len() > 1 || f.get(0) != Some("") {
                    got.push(f.iter().map(|c| c.to_string()).collect::<Vec<_>>());
                }
            }
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn plain_minutes_read_as_str_parse_reads_them() {
        let mut rng = fastrand::Rng::with_seed(39);
        for _ in 0..50_000 {
            let s: String = (0..rng.usize(0..18)).map(|_| rng.choice(['0', '1', '5', '9', '.', '-', 'e']).unwrap()).collect();
            if let Some(v) = plain_decimal(s.as_bytes()) {
                assert_eq!(Ok(v), s.parse::<f64>(), "{s:?}");
            }
        }
        assert_eq!(minutes("39"), Some(39.0));
        assert_eq!(minutes("0.1"), Some(0.1));
        assert_eq!(minutes(" 1:02:03 "), Some(62.05));
        assert_eq!(minutes("--"), Some(0.0));
        assert_eq!(minutes("1e2"), Some(100.0));
        assert_eq!(minutes("-3"), None);
    }

    #[test]
    fn a_clock_read_a_word_at_a_time_is_read_as_its_digits() {
        let reference = |b: [u8; 8]| -> Option<(u32, u32, u32)> {
            let [h1, h0, b':', m1, m0, b':', s1, s0] = b else { return None };
            let d = [h1, h0, m1, m0, s1, s0];
            d.iter().all(u8::is_ascii_digit).then(|| {
                let n = |i: usize| u32::from(d[i] - b'0') * 10 + u32::from(d[i + 1] - b'0');
                (n(0), n(2), n(4))
            })
        };
        let bytes = [b'0', b'1', b'5', b'9', b':', b'/', b'?', b' ', 0x3f, 0xb0, 0xb9, 0x2f, 0x3a, 0x40, 0x20, 0x10];
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..300_000 {
            let mut b: [u8; 8] = std::array::from_fn(|_| *rng.choice(&bytes[..4]).unwrap());
            (b[2], b[5]) = (b':', b':');
            for _ in 0..rng.usize(0..3) {
                b[rng.usize(..8)] = *rng.choice(&bytes).unwrap();
            }
            assert_eq!(clock_digits(u64::from_le_bytes(b)), reference(b), "{:?}", String::from_utf8_lossy(&b));
        }
    }

    #[test]
    fn zoom_times_are_checked_and_converted() {
        let zoom_time = |s: &str| zoom_time_after(s, &mut LastDay::default());
        assert_eq!(zoom_time("04/26/2026 12:05:09 AM").map(|s| s.to_string()).as_deref(), Some("2026-04-26T00:05:09"));
        assert_eq!(zoom_time("4/6/2026 1:05:09 PM").map(|s| s.to_string()).as_deref(), Some("2026-04-06T13:05:09"));
        assert_eq!(zoom_time("02/29/2028 12:00:00 PM").map(|s| s.to_string()).as_deref(), Some("2028-02-29T12:00:00"));
        for bad in ["02/29/2026 10:00:00 AM", "04/31/2026 10:00:00 AM", "13/01/2026 10:00:00 AM", "04/26/2026 13:00:00 PM", "04/26/2026 10:60:00 AM", "04/26/2026 10:00:00", "04/26/2026 10:00:00 XM", "04/26/26 10:00:00 AM"] {
            assert_eq!(zoom_time(bad), None, "{bad}");
        }
        // A day read before is taken as read; the clock is still checked.
        let mut last = LastDay::default();
        for (text, want) in [("04/26/2026 10:45:17 AM", Some("2026-04-26T10:45:17")), ("04/26/2026 12:05:09 PM", Some("2026-04-26T12:05:09")), ("04/26/2026 13:00:00 PM", None), ("04/26/2026 10:60:00 AM", None), ("04/26/2026 1x:00:00 AM", None), ("04/26/2026 10:00:00 XM", None), ("04/27/2026 12:00:00 AM", Some("2026-04-27T00:00:00")), ("02/29/2026 10:00:00 AM", None), ("04/27/2026 11:59:59 PM", Some("2026-04-27T23:59:59"))] {
            assert_eq!(zoom_time_after(text, &mut last).map(|s| s.to_string()).as_deref(), want, "{text}");
            assert_eq!(zoom_time_after(text, &mut last), zoom_time(text), "{text}");
        }
        // What the fast path refuses, the full parser still reads (or refuses).
        assert_eq!(parse_time("Apr 26, 2026 10:45:17 AM").map(|s| s.to_string()).as_deref(), Some("2026-04-26T10:45:17"));
        // A time with a zone is kept as UTC, so times written with different offsets order.
        assert_eq!(parse_time("2026-04-26T10:00:00+04:00").map(|s| s.to_string()).as_deref(), Some("2026-04-26T06:00:00Z"));
        assert!(parse_time("2026-04-26T10:00:00+04:00") < parse_time("2026-04-26T07:00:00Z"));
    }

    #[test]
    fn packed_stamps_write_and_order_as_their_iso_text() {
        let mut stamps = Vec::new();
        for (year, month, day) in [(1970, 1, 1), (2026, 4, 26), (2026, 12, 31), (2028, 2, 29), (9999, 12, 31), (0, 1, 1)] {
            for (hour, minute, second) in [(0, 0, 0), (9, 5, 7), (23, 59, 59)] {
                for utc in [false, true] {
                    let s = Stamp::new(year, month, day, hour, minute, second, utc).unwrap();
                    let want = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{}", if utc { "Z" } else { "" });
                    assert_eq!(s.to_string(), want);
                    assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(want));
                    stamps.push(s);
                }
            }
        }
        for a in &stamps {
            for b in &stamps {
                assert_eq!(a.cmp(b), a.to_string().cmp(&b.to_string()), "{a} vs {b}");
            }
        }
        assert_eq!(Stamp::new(10_000, 1, 1, 0, 0, 0, false), None);
        assert_eq!(Stamp::new(-1, 1, 1, 0, 0, 0, false), None);
        assert_eq!(std::mem::size_of::<Option<Stamp>>(), 8);
    }

    #[test]
    fn a_goto_report_carries_attentiveness_and_a_generic_csv_works() {
        let goto = "Webinar Name,Webinar ID,Actual Start Date/Time,Actual Duration (minutes)\nPricing Clinic,123-456,2026-04-26 10:00:00,45\nAttendee Details\nAttended,First Name,Last Name,Email Address,Join Time,Leave Time,In Session Duration,Attentiveness\nYes,Sarah,Dubois,sarah@x.com,2026-04-26 10:00:00,2026-04-26 10:45:00,45,85%\n";
        let r = parse_attendee_report("goto.csv", goto).unwrap();
        assert_eq!(r.platform, "goto");
        assert_eq!(r.registrants[0].attentiveness, Some(0.85));
        assert_eq!(r.info.duration_minutes, Some(45.0));
        let generic = "Name,Email,Minutes\nOmar Torres,omar@x.com,40\nLiam,, \n";
        let r = parse_attendee_report("g.csv", generic).unwrap();
        assert_eq!(r.registrants.len(), 2);
        assert!(r.registrants[0].attended && !r.registrants[1].attended);
    }
}

#[cfg(test)]
pub(crate) mod tests_fixture {
    pub(crate) const ZOOM: &str = "\u{feff}Attendee Report,
Report Generated:,\"04/26/2026 12:05 PM\"
Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registrants,Unique Viewers,Total Users,Max Concurrent Views
\"Scale Your Studio\",\"812 3456 7890\",\"04/26/2026 10:00:12 AM\",\"60\",\"4\",\"3\",\"5\",\"3\"
Host Details,
Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name
Yes,Maya Okafor,maya@coach.example,04/26/2026 09:55:01 AM,04/26/2026 11:03:12 AM,69,No,United Arab Emirates
Panelist Details,
Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name
Yes,Tom Iyer,tom@coach.example,04/26/2026 09:58:00 AM,04/26/2026 11:00:00 AM,62,No,India
Attendee Details,
Attended,User Name (Original Name),First Name,Last Name,Email,Phone,Registration Time,Approval Status,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,Source Name
Yes,Zoë Müller (Zoë M.),Zoë,Müller,zoe@studio.example,,04/20/2026 08:00:00 PM,approved,04/26/2026 10:01:00 AM,04/26/2026 10:31:00 AM,30,No,Germany,
Yes,Zoë Müller (Zoë M.),Zoë,Müller,ZOE@studio.example,,04/20/2026 08:00:00 PM,approved,04/26/2026 10:35:00 AM,04/26/2026 11:00:00 AM,25,No,Germany,
Yes,Björn 🎸,Björn,Lee,,,,,04/26/2026 10:05:00 AM,04/26/2026 10:20:00 AM,15,Yes,Sweden,
No,--,Aisha,Nowak,aisha@studio.example,,04/21/2026 09:00:00 AM,approved,--,--,--,No,,
";
}
