//! Meta's normalisation and SHA-256 hashing of customer information parameters, field by
//! field, as the Conversions API documents them (customer-information-parameters):
//!
//! | field | normalised before hashing | example |
//! | --- | --- | --- |
//! | `em` | trimmed, lowercase; must look like an address | `John_Smith@gmail.com` → `john_smith@gmail.com` |
//! | `ph` | digits only, with the country code: `+` or `00` marks an international number; a national number (leading `0`) gets the country's calling code (from `country`, else the configured default) | `+1 (616) 954-78 88` → `16169547888` |
//! | `fn`, `ln` | trimmed, lowercase (UTF-8 kept), punctuation removed | `Mary` → `mary` |
//! | `ct` | lowercase letters only: no spaces, digits or punctuation | `Menlo Park` → `menlopark` |
//! | `st` | US states as the 2-letter ANSI code, others lowercase letters only | `California` → `ca` |
//! | `zp` | lowercase, no spaces or dashes; US: the first 5 digits | `94035-1234` → `94035`, `M1 1AE` → `m11ae` |
//! | `country` | ISO 3166-1 alpha-2, lowercase | `US` → `us` |
//! | `ge` | `f` or `m` | `Female` → `f` |
//! | `db` | `YYYYMMDD` (from `YYYY-MM-DD`, `YYYYMMDD` or US `M/D/YYYY`) | `2/16/1997` → `19970216` |
//! | `external_id` | trimmed, lowercase (as Meta's SDKs do) | `CRM-42` → `crm-42` |
//!
//! `client_ip_address`, `client_user_agent`, `fbc` and `fbp` are never hashed. A value that is
//! already a SHA-256 hex digest is passed through, so an upstream that hashes stays compatible.
//!
//! Speed: each field is normalised into one reused scratch buffer and hashed into an inline
//! 64-byte hex value — no allocation per field.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A SHA-256 digest as lowercase hex, held inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashHex([u8; 64]);

/// Each byte's two lowercase hex digits: one lookup a byte instead of two.
const HEX_PAIRS: [[u8; 2]; 256] = {
    let digits = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [digits[i >> 4], digits[i & 15]];
        i += 1;
    }
    t
};

impl HashHex {
    pub fn of(bytes: &[u8]) -> Self {
        let digest = Sha256::digest(bytes);
        let mut out = [0u8; 64];
        for (pair, b) in out.chunks_exact_mut(2).zip(digest.iter()) {
            pair.copy_from_slice(&HEX_PAIRS[*b as usize]);
        }
        Self(out)
    }

    /// `s` if it already is a lowercase SHA-256 hex digest.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() == 64
            && b.iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        {
            let mut out = [0u8; 64];
            out.copy_from_slice(b);
            Some(Self(out))
        } else {
            None
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

impl fmt::Debug for HashHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HashHex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HashHex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| de::Error::custom("not a lowercase SHA-256 hex digest"))
    }
}

/// A field's hashes: Meta takes a list, and nearly always there is one value, kept inline (no
/// allocation for it).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HashList {
    first: Option<HashHex>,
    rest: Vec<HashHex>,
}

impl HashList {
    pub fn push(&mut self, h: HashHex) {
        if self.first.is_none() {
            self.first = Some(h)
        } else {
            self.rest.push(h)
        }
    }

    pub fn first(&self) -> Option<&HashHex> {
        self.first.as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    pub fn len(&self) -> usize {
        self.first.map_or(0, |_| 1 + self.rest.len())
    }

    /// Keeps the first `n` hashes.
    pub fn truncate(&mut self, n: usize) {
        if n == 0 {
            self.first = None;
            self.rest.clear();
        } else {
            self.rest.truncate(n - 1);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &HashHex> {
        self.first.iter().chain(self.rest.iter())
    }
}

impl std::ops::Index<usize> for HashList {
    type Output = HashHex;
    fn index(&self, i: usize) -> &HashHex {
        if i == 0 {
            self.first.as_ref().expect("index 0 of an empty list")
        } else {
            &self.rest[i - 1]
        }
    }
}

impl fmt::Debug for HashList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for HashList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for HashList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = Self::default();
        for h in Vec::<HashHex>::deserialize(d)? {
            out.push(h);
        }
        Ok(out)
    }
}

pub use crate::error::FieldError;

/// One value or several: Meta accepts a list for every hashed field; numbers are accepted
/// where ids often arrive as numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a number, or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<OneOrMany, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<OneOrMany, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Scalar>()? {
                    out.push(v.0);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V)
    }
}

struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Scalar(s)),
            serde_json::Value::Number(n) => Ok(Scalar(n.to_string())),
            _ => Err(de::Error::custom("expected a string or a number")),
        }
    }
}

/// Customer information as it arrives (raw personal data: never stored, never logged).
/// Meta's short keys (`em`, `ph`, `fn`…) are accepted as aliases.
#[derive(Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUserData {
    #[serde(default, alias = "em")]
    pub email: OneOrMany,
    #[serde(default, alias = "ph")]
    pub phone: OneOrMany,
    #[serde(default, alias = "fn")]
    pub first_name: OneOrMany,
    #[serde(default, alias = "ln")]
    pub last_name: OneOrMany,
    #[serde(default, alias = "ct")]
    pub city: OneOrMany,
    #[serde(default, alias = "st")]
    pub state: OneOrMany,
    #[serde(default, alias = "zp", alias = "zip_code", alias = "postal_code")]
    pub zip: OneOrMany,
    #[serde(default)]
    pub country: OneOrMany,
    #[serde(default, alias = "ge")]
    pub gender: OneOrMany,
    #[serde(default, alias = "db", alias = "dob")]
    pub date_of_birth: OneOrMany,
    #[serde(default)]
    pub external_id: OneOrMany,
    pub client_ip_address: Option<String>,
    pub client_user_agent: Option<String>,
    pub fbp: Option<String>,
    pub fbc: Option<String>,
}

impl fmt::Debug for RawUserData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawUserData { <personal data withheld> }")
    }
}

/// `user_data` as Meta receives it: hashed identifiers (lists), and the four fields Meta wants
/// in clear.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserData {
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub em: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub ph: HashList,
    #[serde(default, rename = "fn", skip_serializing_if = "HashList::is_empty")]
    pub first_name: HashList,
    #[serde(default, rename = "ln", skip_serializing_if = "HashList::is_empty")]
    pub last_name: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub ge: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub db: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub ct: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub st: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub zp: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub country: HashList,
    #[serde(default, skip_serializing_if = "HashList::is_empty")]
    pub external_id: HashList,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbp: Option<String>,
}

impl UserData {
    /// Meta's baseline for a matchable event (Graph API v13+): one strong identifier, or the
    /// browser pair, or name plus location details.
    pub fn is_matchable(&self) -> bool {
        !self.em.is_empty()
            || !self.ph.is_empty()
            || !self.external_id.is_empty()
            || self.fbp.is_some()
            || self.fbc.is_some()
            || (self.client_ip_address.is_some() && self.client_user_agent.is_some())
            || (!self.first_name.is_empty()
                && !self.last_name.is_empty()
                && (!self.zp.is_empty() || !self.ct.is_empty() || !self.db.is_empty()))
    }
}

/// What normalisation needs beyond the value itself.
#[derive(Debug, Clone, Default)]
pub struct NormalizeContext {
    /// Calling code for national phone numbers when the record has no (known) country, e.g.
    /// `971` (`DEBRIEF_CAPI_DEFAULT_CALLING_CODE`).
    pub default_calling_code: Option<String>,
}

/// Normalises and hashes one record, strictly: the first unusable field is an error.
/// `scratch` is reused between fields and records.
pub fn hash_user_data(
    raw: &RawUserData,
    ctx: &NormalizeContext,
    scratch: &mut String,
) -> Result<UserData, FieldError> {
    let mut warnings = Vec::new();
    let out = hash_user_data_lenient(raw, ctx, scratch, &mut warnings);
    match warnings.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Normalises and hashes one record; a field with an unusable value is left out (with its
/// reason in `warnings`) so that the event keeps its other match keys.
pub fn hash_user_data_lenient(
    raw: &RawUserData,
    ctx: &NormalizeContext,
    scratch: &mut String,
    warnings: &mut Vec<FieldError>,
) -> UserData {
    let mut out = UserData::default();
    // The country first: phone and zip rules depend on it.
    for v in &raw.country.0 {
        if let Some(h) = prehashed(v) {
            out.country.push(h);
            continue;
        }
        match country_code(v) {
            Some(code) => out.country.push(HashHex::of(&code)),
            None => warnings.push(FieldError::new("user_data.country", "use an ISO 3166-1 alpha-2 code, e.g. AE or US")),
        }
    }
    let country = raw.country.0.first().and_then(|c| country_code(c));
    let calling = country.and_then(calling_code).or(ctx.default_calling_code.as_deref());
    // Each field whole or not at all.
    let mut field = |values: &[String], list: &mut HashList, name: &'static str, f: &dyn Fn(&str, &mut String) -> Result<(), String>| {
        let before = list.len();
        if let Err(e) = hash_each(values, list, scratch, |v, s| f(v, s).map_err(|m| FieldError::new(name, m))) {
            list.truncate(before);
            warnings.push(e);
        }
    };
    field(&raw.email.0, &mut out.em, "user_data.email", &|v, s| email(v, s));
    field(&raw.phone.0, &mut out.ph, "user_data.phone", &|v, s| phone(v, calling, s));
    field(&raw.first_name.0, &mut out.first_name, "user_data.first_name", &|v, s| name(v, s));
    field(&raw.last_name.0, &mut out.last_name, "user_data.last_name", &|v, s| name(v, s));
    field(&raw.city.0, &mut out.ct, "user_data.city", &|v, s| letters_only(v, s));
    field(&raw.state.0, &mut out.st, "user_data.state", &|v, s| state(v, country, s));
    field(&raw.zip.0, &mut out.zp, "user_data.zip", &|v, s| zip(v, country, s));
    field(&raw.gender.0, &mut out.ge, "user_data.gender", &|v, s| gender(v, s));
    field(&raw.date_of_birth.0, &mut out.db, "user_data.date_of_birth", &|v, s| date_of_birth(v, s));
    field(&raw.external_id.0, &mut out.external_id, "user_data.external_id", &|v, s| external_id(v, s));
    if let Some(ip) = raw.client_ip_address.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match ip.parse::<std::net::IpAddr>() {
            Ok(parsed) => out.client_ip_address = Some(parsed.to_string()),
            Err(_) => warnings.push(FieldError::new("user_data.client_ip_address", "not an IPv4 or IPv6 address")),
        }
    }
    out.client_user_agent = clear_text(raw.client_user_agent.as_deref());
    out.fbc = clear_text(raw.fbc.as_deref());
    out.fbp = clear_text(raw.fbp.as_deref());
    out
}

fn clear_text(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn prehashed(v: &str) -> Option<HashHex> {
    let t = v.trim_ascii();
    if t.len() == 64 {
        HashHex::parse(&t.to_ascii_lowercase())
    } else {
        None
    }
}

/// Normalises each value with `f` into `scratch` and hashes it; empty values are skipped.
fn hash_each(
    values: &[String],
    out: &mut HashList,
    scratch: &mut String,
    mut f: impl FnMut(&str, &mut String) -> Result<(), FieldError>,
) -> Result<(), FieldError> {
    for v in values {
        if v.bytes().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if let Some(h) = prehashed(v) {
            out.push(h);
            continue;
        }
        scratch.clear();
        f(v, scratch)?;
        if !scratch.is_empty() {
            out.push(HashHex::of(scratch.as_bytes()));
        }
    }
    Ok(())
}

/// Lowercase into `out`: ASCII in one pass, anything else through Unicode lowercasing.
fn push_lower(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        // SAFETY-free: ASCII lowercasing keeps the string valid UTF-8.
        out[start..].make_ascii_lowercase();
    } else {
        for c in s.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

pub fn email(v: &str, out: &mut String) -> Result<(), String> {
    push_lower(v.trim_ascii(), out);
    let b = out.as_bytes();
    let at = memchr::memchr(b'@', b).ok_or("an email address needs an @")?;
    let (local, domain) = (&b[..at], &b[at + 1..]);
    let ok = !local.is_empty()
        && domain.len() >= 3
        && memchr::memchr(b'@', domain).is_none()
        && memchr::memchr(b'.', domain).is_some_and(|i| i > 0 && i + 1 < domain.len())
        && !b.iter().any(|c| c.is_ascii_whitespace());
    if ok {
        Ok(())
    } else {
        Err("not an email address".into())
    }
}

pub fn phone(v: &str, calling_code: Option<&str>, out: &mut String) -> Result<(), String> {
    let t = v.trim_ascii();
    let plus = t.starts_with('+');
    let mut digits = t.bytes().filter(u8::is_ascii_digit).peekable();
    let mut leading_zeros = 0;
    while digits.next_if_eq(&b'0').is_some() {
        leading_zeros += 1;
    }
    // `+` or `00` mark an international number; a single leading `0` a national one.
    let national = !plus && leading_zeros == 1;
    if national {
        out.push_str(calling_code.ok_or(
            "a national number (leading 0) needs a country or a configured default calling code",
        )?);
    }
    out.extend(digits.map(char::from));
    if !(7..=15).contains(&out.len()) {
        return Err("a phone number has 7 to 15 digits with its country code".into());
    }
    Ok(())
}

pub fn name(v: &str, out: &mut String) -> Result<(), String> {
    let t = v.trim_ascii();
    if t.is_ascii() {
        out.extend(
            t.bytes()
                .filter(|b| b.is_ascii_alphanumeric() || *b == b' ')
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
    } else {
        for c in t.chars().filter(|c| c.is_alphanumeric() || *c == ' ') {
            out.extend(c.to_lowercase());
        }
    }
    // Punctuation removed at either end can leave a space there.
    while out.ends_with(' ') {
        out.pop();
    }
    while out.starts_with(' ') {
        out.remove(0);
    }
    if out.is_empty() {
        Err("no letters in the name".into())
    } else {
        Ok(())
    }
}

pub fn letters_only(v: &str, out: &mut String) -> Result<(), String> {
    if v.is_ascii() {
        out.extend(
            v.bytes()
                .filter(u8::is_ascii_alphabetic)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
    } else {
        for c in v.chars().filter(|c| c.is_alphabetic()) {
            out.extend(c.to_lowercase());
        }
    }
    if out.is_empty() {
        Err("no letters".into())
    } else {
        Ok(())
    }
}

pub fn state(v: &str, country: Option<[u8; 2]>, out: &mut String) -> Result<(), String> {
    letters_only(v, out)?;
    if out.len() > 2
        && country.is_none_or(|c| &c == b"us")
        && let Some(code) = us_state_code(out)
    {
        out.clear();
        out.push_str(code);
    }
    Ok(())
}

pub fn zip(v: &str, country: Option<[u8; 2]>, out: &mut String) -> Result<(), String> {
    let us = country.is_none_or(|c| &c == b"us");
    let t = v.trim_ascii();
    if t.is_ascii() {
        for b in t.bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(char::from(b.to_ascii_lowercase()));
            } else if b == b'-' && us {
                // A US ZIP+4: only the first five digits count.
                break;
            }
        }
    } else {
        for c in t.chars().filter(|c| c.is_alphanumeric()) {
            out.extend(c.to_lowercase());
        }
    }
    if us && out.len() > 5 && out.bytes().all(|b| b.is_ascii_digit()) {
        out.truncate(5);
    }
    if out.is_empty() {
        Err("no letters or digits in the postal code".into())
    } else {
        Ok(())
    }
}

pub fn gender(v: &str, out: &mut String) -> Result<(), String> {
    let v = v.trim_ascii();
    let is = |words: [&str; 3]| words.iter().any(|w| v.eq_ignore_ascii_case(w));
    out.push_str(if is(["f", "female", "woman"]) {
        "f"
    } else if is(["m", "male", "man"]) {
        "m"
    } else {
        return Err("use f or m (female or male)".into());
    });
    Ok(())
}

pub fn date_of_birth(v: &str, out: &mut String) -> Result<(), String> {
    let t = v.trim_ascii();
    let num = |s: &str| s.parse::<u32>().ok();
    let (y, m, d) = if let Some((y, rest)) = t.split_once('-') {
        let (m, d) = rest.split_once('-').ok_or("use YYYY-MM-DD")?;
        (num(y), num(m), num(d))
    } else if let Some((m, rest)) = t.split_once('/') {
        let (d, y) = rest.split_once('/').ok_or("use M/D/YYYY")?;
        (num(y), num(m), num(d))
    } else if t.len() == 8 {
        (num(&t[..4]), num(&t[4..6]), num(&t[6..]))
    } else {
        return Err("use YYYY-MM-DD, YYYYMMDD or M/D/YYYY".into());
    };
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Err("use YYYY-MM-DD, YYYYMMDD or M/D/YYYY".into());
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or("no such month")?;
    if !(1900..=2100).contains(&y)
        || time::Date::from_calendar_date(y as i32, month, d as u8).is_err()
        || d > 31
    {
        return Err("no such date".into());
    }
    let digits = [
        y / 1000,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        m / 10,
        m % 10,
        d / 10,
        d % 10,
    ];
    out.extend(digits.iter().map(|n| char::from(b'0' + *n as u8)));
    Ok(())
}

pub fn external_id(v: &str, out: &mut String) -> Result<(), String> {
    push_lower(v.trim_ascii(), out);
    Ok(())
}

/// ISO 3166-1 alpha-2 code (lowercase) from a code in any case or a few common names.
pub fn country_code(v: &str) -> Option<[u8; 2]> {
    // As Meta's SDK does: trim, lower-case, keep letters only (" U.S. " → "us"); then a few
    // names and common abbreviations.
    let mut letters = [0u8; 32];
    let mut n = 0;
    for b in v.bytes().filter(u8::is_ascii_alphabetic) {
        if n == letters.len() {
            return None;
        }
        letters[n] = b.to_ascii_lowercase();
        n += 1;
    }
    let t = &letters[..n];
    let code: [u8; 2] = if t.len() == 2 {
        [t[0], t[1]]
    } else {
        let c = match t {
            b"unitedarabemirates" | b"uae" => "ae",
            b"unitedstates" | b"unitedstatesofamerica" | b"usa" => "us",
            b"unitedkingdom" | b"greatbritain" | b"uk" => "gb",
            b"saudiarabia" | b"ksa" => "sa",
            b"india" => "in",
            b"germany" => "de",
            b"france" => "fr",
            b"canada" => "ca",
            b"australia" => "au",
            b"egypt" => "eg",
            b"qatar" => "qa",
            b"kuwait" => "kw",
            b"oman" => "om",
            b"bahrain" => "bh",
            b"jordan" => "jo",
            b"lebanon" => "lb",
            b"pakistan" => "pk",
            _ => return None,
        };
        let b = c.as_bytes();
        [b[0], b[1]]
    };
    ISO_ALPHA2.binary_search(&code).is_ok().then_some(code)
}

/// Every ISO 3166-1 alpha-2 code, sorted (binary search).
const ISO_ALPHA2: &[[u8; 2]] = &[
    *b"ad", *b"ae", *b"af", *b"ag", *b"ai", *b"al", *b"am", *b"ao", *b"aq", *b"ar", *b"as", *b"at",
    *b"au", *b"aw", *b"ax", *b"az", *b"ba", *b"bb", *b"bd", *b"be", *b"bf", *b"bg", *b"bh", *b"bi",
    *b"bj", *b"bl", *b"bm", *b"bn", *b"bo", *b"bq", *b"br", *b"bs", *b"bt", *b"bv", *b"bw", *b"by",
    *b"bz", *b"ca", *b"cc", *b"cd", *b"cf", *b"cg", *b"ch", *b"ci", *b"ck", *b"cl", *b"cm", *b"cn",
    *b"co", *b"cr", *b"cu", *b"cv", *b"cw", *b"cx", *b"cy", *b"cz", *b"de", *b"dj", *b"dk", *b"dm",
    *b"do", *b"dz", *b"ec", *b"ee", *b"eg", *b"eh", *b"er", *b"es", *b"et", *b"fi", *b"fj", *b"fk",
    *b"fm", *b"fo", *b"fr", *b"ga", *b"gb", *b"gd", *b"ge", *b"gf", *b"gg", *b"gh", *b"gi", *b"gl",
    *b"gm", *b"gn", *b"gp", *b"gq", *b"gr", *b"gs", *b"gt", *b"gu", *b"gw", *b"gy", *b"hk", *b"hm",
    *b"hn", *b"hr", *b"ht", *b"hu", *b"id", *b"ie", *b"il", *b"im", *b"in", *b"io", *b"iq", *b"ir",
    *b"is", *b"it", *b"je", *b"jm", *b"jo", *b"jp", *b"ke", *b"kg", *b"kh", *b"ki", *b"km", *b"kn",
    *b"kp", *b"kr", *b"kw", *b"ky", *b"kz", *b"la", *b"lb", *b"lc", *b"li", *b"lk", *b"lr", *b"ls",
    *b"lt", *b"lu", *b"lv", *b"ly", *b"ma", *b"mc", *b"md", *b"me", *b"mf", *b"mg", *b"mh", *b"mk",
    *b"ml", *b"mm", *b"mn", *b"mo", *b"mp", *b"mq", *b"mr", *b"ms", *b"mt", *b"mu", *b"mv", *b"mw",
    *b"mx", *b"my", *b"mz", *b"na", *b"nc", *b"ne", *b"nf", *b"ng", *b"ni", *b"nl", *b"no", *b"np",
    *b"nr", *b"nu", *b"nz", *b"om", *b"pa", *b"pe", *b"pf", *b"pg", *b"ph", *b"pk", *b"pl", *b"pm",
    *b"pn", *b"pr", *b"ps", *b"pt", *b"pw", *b"py", *b"qa", *b"re", *b"ro", *b"rs", *b"ru", *b"rw",
    *b"sa", *b"sb", *b"sc", *b"sd", *b"se", *b"sg", *b"sh", *b"si", *b"sj", *b"sk", *b"sl", *b"sm",
    *b"sn", *b"so", *b"sr", *b"ss", *b"st", *b"sv", *b"sx", *b"sy", *b"sz", *b"tc", *b"td", *b"tf",
    *b"tg", *b"th", *b"tj", *b"tk", *b"tl", *b"tm", *b"tn", *b"to", *b"tr", *b"tt", *b"tv", *b"tw",
    *b"tz", *b"ua", *b"ug", *b"um", *b"us", *b"uy", *b"uz", *b"va", *b"vc", *b"ve", *b"vg", *b"vi",
    *b"vn", *b"vu", *b"wf", *b"ws", *b"ye", *b"yt", *b"za", *b"zm", *b"zw",
];

/// International calling codes for the countries Debrief's customers mostly sell in; a
/// country not listed falls back to the configured default.
fn calling_code(country: [u8; 2]) -> Option<&'static str> {
    Some(match &country {
        b"ae" => "971",
        b"sa" => "966",
        b"qa" => "974",
        b"kw" => "965",
        b"om" => "968",
        b"bh" => "973",
        b"eg" => "20",
        b"jo" => "962",
        b"lb" => "961",
        b"in" => "91",
        b"pk" => "92",
        b"us" | b"ca" => "1",
        b"gb" => "44",
        b"de" => "49",
        b"fr" => "33",
        b"es" => "34",
        b"it" => "39",
        b"nl" => "31",
        b"au" => "61",
        b"nz" => "64",
        b"za" => "27",
        b"ng" => "234",
        b"ke" => "254",
        b"sg" => "65",
        b"ph" => "63",
        b"ie" => "353",
        _ => return None,
    })
}

fn us_state_code(letters: &str) -> Option<&'static str> {
    const STATES: &[(&str, &str)] = &[
        ("alabama", "al"),
        ("alaska", "ak"),
        ("arizona", "az"),
        ("arkansas", "ar"),
        ("california", "ca"),
        ("colorado", "co"),
        ("connecticut", "ct"),
        ("delaware", "de"),
        ("districtofcolumbia", "dc"),
        ("florida", "fl"),
        ("georgia", "ga"),
        ("hawaii", "hi"),
        ("idaho", "id"),
        ("illinois", "il"),
        ("indiana", "in"),
        ("iowa", "ia"),
        ("kansas", "ks"),
        ("kentucky", "ky"),
        ("louisiana", "la"),
        ("maine", "me"),
        ("maryland", "md"),
        ("massachusetts", "ma"),
        ("michigan", "mi"),
        ("minnesota", "mn"),
        ("mississippi", "ms"),
        ("missouri", "mo"),
        ("montana", "mt"),
        ("nebraska", "ne"),
        ("nevada", "nv"),
        ("newhampshire", "nh"),
        ("newjersey", "nj"),
        ("newmexico", "nm"),
        ("newyork", "ny"),
        ("northcarolina", "nc"),
        ("northdakota", "nd"),
        ("ohio", "oh"),
        ("oklahoma", "ok"),
        ("oregon", "or"),
        ("pennsylvania", "pa"),
        ("rhodeisland", "ri"),
        ("southcarolina", "sc"),
        ("southdakota", "sd"),
        ("tennessee", "tn"),
        ("texas", "tx"),
        ("utah", "ut"),
        ("vermont", "vt"),
        ("virginia", "va"),
        ("washington", "wa"),
        ("westvirginia", "wv"),
        ("wisconsin", "wi"),
        ("wyoming", "wy"),
        ("puertorico", "pr"),
    ];
    STATES.iter().find(|(n, _)| *n == letters).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(f: impl Fn(&str, &mut String) -> Result<(), String>, v: &str) -> String {
        let mut s = String::new();
        f(v, &mut s).unwrap();
        s
    }

    #[test]
    fn meta_published_email_example_hashes_exactly() {
        // From Meta's customer information parameters page.
        let mut s = String::new();
        email("  John_Smith@gmail.com ", &mut s).unwrap();
        assert_eq!(s, "john_smith@gmail.com");
        assert_eq!(
            HashHex::of(s.as_bytes()).as_str(),
            "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"
        );
    }

    #[test]
    fn normalised_forms_follow_metas_rules() {
        assert_eq!(
            norm(|v, s| phone(v, None, s), "+1 (616) 954-78 88"),
            "16169547888"
        );
        assert_eq!(
            norm(|v, s| phone(v, None, s), "00971 50 123 4567"),
            "971501234567"
        );
        assert_eq!(
            norm(|v, s| phone(v, Some("971"), s), "050-123-4567"),
            "971501234567"
        );
        assert_eq!(norm(name, " Mary "), "mary");
        assert_eq!(norm(name, "O'Brien"), "obrien");
        assert_eq!(norm(name, "Zoë"), "zoë");
        assert_eq!(norm(letters_only, "Menlo Park"), "menlopark");
        assert_eq!(norm(|v, s| state(v, Some(*b"us"), s), "California"), "ca");
        assert_eq!(
            norm(|v, s| state(v, Some(*b"ae"), s), "Abu Dhabi"),
            "abudhabi"
        );
        assert_eq!(norm(|v, s| zip(v, Some(*b"us"), s), "94035-1234"), "94035");
        assert_eq!(norm(|v, s| zip(v, Some(*b"gb"), s), "M1 1AE"), "m11ae");
        assert_eq!(norm(gender, "Female"), "f");
        assert_eq!(norm(date_of_birth, "2/16/1997"), "19970216");
        assert_eq!(norm(date_of_birth, "1997-02-16"), "19970216");
        assert_eq!(country_code("US"), Some(*b"us"));
        assert_eq!(country_code("United Arab Emirates"), Some(*b"ae"));
    }

    #[test]
    fn bad_values_are_errors_not_garbage() {
        let mut s = String::new();
        assert!(email("not-an-address", &mut s).is_err());
        s.clear();
        assert!(
            phone("0501234567", None, &mut s).is_err(),
            "a national number needs a country"
        );
        s.clear();
        assert!(phone("12", None, &mut s).is_err());
        s.clear();
        assert!(date_of_birth("1997-02-30", &mut s).is_err());
        s.clear();
        assert!(gender("x", &mut s).is_err());
        assert!(country_code("Atlantis").is_none());
        assert!(country_code("zz").is_none());
    }

    #[test]
    fn clear_fields_are_never_hashed_and_prehashed_pass_through() {
        let raw: RawUserData = serde_json::from_value(serde_json::json!({
            "em": "62A14E44F765419D10FEA99367361A727C12365E2520F32218D505ED9AA0F62F",
            "client_ip_address": "203.0.113.9", "client_user_agent": "Mozilla/5.0", "fbp": "fb.1.1596403881668.1116446470", "fbc": "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890"
        }))
        .unwrap();
        let u = hash_user_data(&raw, &NormalizeContext::default(), &mut String::new()).unwrap();
        assert_eq!(
            u.em[0].as_str(),
            "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"
        );
        assert_eq!(u.client_ip_address.as_deref(), Some("203.0.113.9"));
        assert_eq!(u.fbp.as_deref(), Some("fb.1.1596403881668.1116446470"));
        assert_eq!(u.client_user_agent.as_deref(), Some("Mozilla/5.0"));
    }
}
