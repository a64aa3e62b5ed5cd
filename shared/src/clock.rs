//! Wall-clock helpers in the forms the data model stores.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Unix seconds (the store's `ttl` and the events' times).
pub fn unix_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix milliseconds (queue visibility, rate-limit slots, batch records).
pub fn unix_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc().replace_nanosecond(0).ok().unwrap_or_else(OffsetDateTime::now_utc).format(&Rfc3339).expect("RFC 3339 formats")
}

/// Unix seconds as RFC 3339 UTC (`1970-01-01T00:00:00Z` when out of range).
pub fn rfc3339_from_unix(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH).format(&Rfc3339).expect("RFC 3339 formats")
}

pub fn today() -> String {
    let d = OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Accepts an ISO 8601 date (`2026-11-23`) or date-time (`2026-11-23T18:00:00Z`).
pub fn is_iso8601(s: &str) -> bool {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &date).is_ok() || OffsetDateTime::parse(s, &Rfc3339).is_ok()
}
