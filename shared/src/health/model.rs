//! A client's facts (from HubSpot or a CSV) and recent activity (from events), and the
//! configuration the scores are computed under.

use serde::{Deserialize, Serialize};
use jiff::tz::TimeZone;
use time::macros::format_description;
use time::{Date, Month};

use super::score::{Flag, Weights, Zone};
use crate::error::FieldError;

/// A calendar day in the configured zone (a Julian day number inside; `YYYY-MM-DD` outside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Day {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        // The stored form, read a million times by a recompute: digits at fixed places.
        if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s.as_bytes() {
            let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
            if digits.iter().all(u8::is_ascii_digit) {
                let n = |ds: &[u8]| ds.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
                let month = Month::try_from(u8::try_from(n(&[m0, m1])).ok()?).ok()?;
                return Date::from_calendar_date(i32::from(n(&[y0, y1, y2, y3])), month, u8::try_from(n(&[d0, d1])).ok()?).ok().map(|d| Day(d.to_julian_day()));
            }
        }
        Date::parse(s, format_description!("[year]-[month]-[day]")).ok().map(|d| Day(d.to_julian_day()))
    }

    /// A date (`2026-11-20`), or a time with its zone (`2026-11-20T23:30:00Z`) as the day it was
    /// in `tz`.
    pub fn of(s: &str, tz: &TimeZone) -> Option<Self> {
        Self::parse(s).or_else(|| s.trim().parse::<jiff::Timestamp>().ok().map(|t| Self::at(t, tz)))
    }

    pub fn today(tz: &TimeZone) -> Self {
        Self::at(jiff::Timestamp::now(), tz)
    }

    /// The day `t` falls on in `tz`.
    pub fn at(t: jiff::Timestamp, tz: &TimeZone) -> Self {
        Self::civil(t.to_zoned(tz.clone()).date()).expect("a timestamp's day is a date")
    }

    fn civil(d: jiff::civil::Date) -> Option<Self> {
        let month = Month::try_from(u8::try_from(d.month()).ok()?).ok()?;
        Date::from_calendar_date(i32::from(d.year()), month, u8::try_from(d.day()).ok()?).ok().map(|d| Day(d.to_julian_day()))
    }

    pub fn date(self) -> Date {
        Date::from_julian_day(self.0).unwrap_or(Date::MIN)
    }

    pub fn plus(self, days: i32) -> Self {
        Day(self.0 + days)
    }

    /// Days from `earlier` to `self`.
    pub fn since(self, earlier: Day) -> i32 {
        self.0 - earlier.0
    }
}

impl Day {
    /// `YYYY-MM-DD` written digit by digit (a recompute writes a million of these), for years
    /// 0–9999; `None` outside them.
    fn ascii(self) -> Option<[u8; 10]> {
        let d = self.date();
        let y = u16::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
        let (m, day) = (u16::from(u8::from(d.month())), u16::from(d.day()));
        let digit = |v: u16| b'0' + (v % 10) as u8;
        Some([digit(y / 1000), digit(y / 100), digit(y / 10), digit(y), b'-', digit(m / 10), digit(m), b'-', digit(day / 10), digit(day)])
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ascii() {
            Some(text) => f.write_str(std::str::from_utf8(&text).expect("ASCII digits")),
            None => {
                let d = self.date();
                write!(f, "{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            }
        }
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.ascii() {
            Some(text) => s.serialize_str(std::str::from_utf8(&text).expect("ASCII digits")),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, so a date is read from the JSON text without a String of its own.
        struct DayText;
        impl serde::de::Visitor<'_> for DayText {
            type Value = Day;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a date (YYYY-MM-DD)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Day, E> {
                Day::parse(s).ok_or_else(|| E::custom(format!("`{s}` is not a date (YYYY-MM-DD)")))
            }
        }
        d.deserialize_str(DayText)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    SessionBooked,
    SessionAttended,
    SessionCancelled,
    SessionNoShow,
    PaymentMade,
    PaymentFailed,
    /// The coach (or studio) wrote to the client.
    MessageSent,
    /// The client answered.
    MessageAnswered,
}

/// Stored as `[kind, day, eventId]` (a client keeps dozens, read and written by every day's
/// recompute); the `{"kind", "on", "eventId"}` object of earlier records is read too.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub kind: ActivityKind,
    pub on: Day,
    /// The event's id: a redelivered event is recognised by it.
    pub event_id: String,
}

impl Serialize for Activity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.kind, self.on, &self.event_id).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Activity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Object {
            kind: ActivityKind,
            on: Day,
            event_id: String,
        }
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = Activity;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an activity as [kind, day, eventId]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Activity, A::Error> {
                let missing = |i| serde::de::Error::invalid_length(i, &"3 items");
                Ok(Activity { kind: seq.next_element()?.ok_or_else(|| missing(0))?, on: seq.next_element()?.ok_or_else(|| missing(1))?, event_id: seq.next_element()?.ok_or_else(|| missing(2))? })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Activity, A::Error> {
                let o = Object::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Activity { kind: o.kind, on: o.on, event_id: o.event_id })
            }
        }
        d.deserialize_any(Either)
    }
}

/// One day's result, kept on the client for trends, momentum and "once per drop".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayPoint {
    pub day: Day,
    pub total: u8,
    /// The mean of the four dimensions momentum is the trend of.
    pub base: u8,
    pub zone: Zone,
    pub churn_risk: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
}

/// Everything the score reads about one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClientRecord {
    pub client_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The coach the client is assigned to (interventions go to them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coach_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hubspot_contact_id: Option<String>,
    /// The package's value, in the configured currency.
    #[serde(default)]
    pub package_value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_sessions: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_remaining: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_date: Option<Day>,
    #[serde(default)]
    pub outstanding_balance: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_session: Option<Day>,
    /// What the CRM rolled up from the client's deals and engagements, read with the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm: Option<CrmActivity>,
    /// Activity of the last [`ACTIVITY_DAYS`] days, oldest first.
    #[serde(default)]
    pub activity: Vec<Activity>,
    /// Daily results of the last [`HISTORY_DAYS`] days, oldest first.
    #[serde(default)]
    pub history: Vec<DayPoint>,
    /// Interventions created in the last [`HISTORY_DAYS`] days, oldest first.
    #[serde(default)]
    pub interventions: Vec<InterventionMark>,
    /// The health properties last written to the client's HubSpot contact (as JSON), so that
    /// only a change is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm_written: Option<String>,
}

/// What HubSpot keeps on a contact about its deals and engagements (calls, emails,
/// meetings): its own roll-ups, read with the contact's page, so a pull costs no call more.
/// Relationship uses the dates when no message events came; churn risk uses the deals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmActivity {
    /// The last call, sales email or meeting logged with the client (`notes_last_contacted`).
    #[serde(default)]
    pub last_contacted: Option<Day>,
    /// The client's last reply to a sales email (`hs_sales_email_last_replied`).
    #[serde(default)]
    pub last_replied: Option<Day>,
    /// The last meeting with the client (`hs_latest_meeting_activity`).
    #[serde(default)]
    pub last_meeting: Option<Day>,
    /// Deals with the client (`num_associated_deals`): two or more, they have bought again.
    #[serde(default)]
    pub deals: u32,
    /// What the client's won deals brought in (`total_revenue`), in the configured currency.
    #[serde(default)]
    pub revenue: f64,
}

/// An intervention as its client remembers it (the intervention itself is stored apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterventionMark {
    pub id: String,
    pub on: Day,
    pub urgency: u8,
}

/// Activity older than this is dropped from the record: the score reads at most 60 days back,
/// and an event older than this is refused at intake, so every event that is accepted is still
/// recognised if it is delivered again. (The record is read for every client every day: what
/// it keeps is what the daily run parses.)
pub const ACTIVITY_DAYS: i32 = 62;

/// Daily results older than this are dropped: momentum reads 30 days back, an intervention's
/// outcome 30 days after it, the summary a week.
pub const HISTORY_DAYS: i32 = 35;

impl ClientRecord {
    /// The last result before `day` (the one a drop is measured against).
    pub fn result_before(&self, day: Day) -> Option<&DayPoint> {
        self.history.iter().rev().find(|p| p.day < day)
    }

    pub fn result_on(&self, day: Day) -> Option<&DayPoint> {
        self.history.iter().rev().find(|p| p.day == day)
    }

    /// Records `point` as the day's result (replacing an earlier one for that day) and forgets
    /// what is older than [`ACTIVITY_DAYS`] and [`HISTORY_DAYS`].
    pub fn record(&mut self, point: DayPoint) {
        let day = point.day;
        self.history.retain(|p| p.day != day && day.since(p.day) <= HISTORY_DAYS);
        let at = self.history.partition_point(|p| p.day < day);
        self.history.insert(at, point);
        self.activity.retain(|a| day.since(a.on) <= ACTIVITY_DAYS);
        self.interventions.retain(|m| day.since(m.on) <= HISTORY_DAYS);
    }

    /// The day to score `c` on for something that happened on `day`: the later of it and the
    /// last day scored, so a late event corrects the current result rather than writing one
    /// in the past.
    pub fn score_day(&self, day: Day) -> Day {
        self.history.last().map_or(day, |p| p.day.max(day))
    }

    /// Whether the event with this id was applied already.
    pub fn has_event(&self, event_id: &str) -> bool {
        self.activity.iter().any(|a| a.event_id == event_id)
    }

    /// Applies one event; `false` when its id was seen before (nothing changes).
    pub fn apply(&mut self, e: &HealthEvent, on: Day) -> bool {
        if self.has_event(&e.event_id) {
            return false;
        }
        match e.kind {
            ActivityKind::SessionAttended => {
                self.last_session = Some(self.last_session.map_or(on, |l| l.max(on)));
                if let Some(r) = self.sessions_remaining.as_mut() {
                    *r = r.saturating_sub(1);
                }
            }
            ActivityKind::PaymentMade => {
                if let Some(a) = e.amount {
                    self.outstanding_balance = (self.outstanding_balance - a).max(0.0);
                }
            }
            _ => {}
        }
        let at = self.activity.partition_point(|a| a.on <= on);
        self.activity.insert(at, Activity { kind: e.kind, on, event_id: e.event_id.clone() });
        true
    }

    /// Events of `kind` in the `days` days up to and including `today`.
    pub fn count(&self, kind: ActivityKind, today: Day, days: i32) -> usize {
        self.activity.iter().filter(|a| a.kind == kind && a.on <= today && today.since(a.on) < days).count()
    }
}

/// An event as Make.com or a booking system posts it (`POST /v1/health/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthEvent {
    /// Unique per event: a redelivery with the same id changes nothing.
    pub event_id: String,
    pub client_id: String,
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// ISO 8601: a date, or a time with its zone.
    pub occurred_at: String,
    /// A payment's amount, in the configured currency.
    #[serde(default)]
    pub amount: Option<f64>,
    /// The client's name, for a client Debrief has not seen yet.
    #[serde(default)]
    pub client_name: Option<String>,
    #[serde(default)]
    pub coach_id: Option<String>,
}

impl HealthEvent {
    /// The event's day in the configured zone, or the fields that are wrong. An event more than
    /// [`ACTIVITY_DAYS`] before `today` (or after tomorrow) is refused: it could not be
    /// recognised if delivered again.
    pub fn check(&self, config: &HealthConfig, today: Day) -> Result<Day, Vec<FieldError>> {
        let mut errors = Vec::new();
        let id_ok = |s: &str| !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:@".contains(c));
        if !id_ok(&self.event_id) {
            errors.push(FieldError::new("eventId", "1–128 letters, digits or - _ . : @"));
        }
        if !id_ok(&self.client_id) {
            errors.push(FieldError::new("clientId", "1–128 letters, digits or - _ . : @"));
        }
        if let Some(a) = self.amount
            && !(a.is_finite() && a >= 0.0)
        {
            errors.push(FieldError::new("amount", "a non-negative number"));
        }
        let day = Day::of(&self.occurred_at, &config.tz);
        match day {
            None => errors.push(FieldError::new("occurredAt", "an ISO 8601 date or date-time with its zone")),
            Some(d) if today.since(d) > ACTIVITY_DAYS => errors.push(FieldError::new("occurredAt", format!("more than {ACTIVITY_DAYS} days ago: too old to apply"))),
            Some(d) if d.since(today) > 1 => errors.push(FieldError::new("occurredAt", "in the future")),
            Some(_) => {}
        }
        match (day, errors.is_empty()) {
            (Some(d), true) => Ok(d),
            _ => Err(errors),
        }
    }
}

/// What the scores are computed under; every number here is documented in the README.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    pub weights: Weights,
    /// The IANA name days are counted in and the schedule runs in (EventBridge Scheduler takes
    /// it as is).
    pub time_zone: String,
    pub tz: TimeZone,
    pub currency: String,
    /// The cadence a package is sold for.
    pub sessions_per_week: f64,
    /// No attended session for this many days raises a flag.
    pub no_session_days: i32,
    /// A fall of this many points in 7 days raises a flag.
    pub drop_points: u8,
    /// A renewal this close raises a flag.
    pub renewal_soon_days: i32,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            weights: Weights::default(),
            time_zone: "Asia/Dubai".into(),
            tz: TimeZone::get("Asia/Dubai").expect("the bundled zone database has Asia/Dubai"),
            currency: "AED".into(),
            sessions_per_week: 2.0,
            no_session_days: 14,
            drop_points: 15,
            renewal_soon_days: 14,
        }
    }
}

impl HealthConfig {
    /// `DEBRIEF_HEALTH_TIME_ZONE` (an IANA name), `DEBRIEF_HEALTH_CURRENCY`, `DEBRIEF_HEALTH_WEIGHTS` (five numbers: engagement,
    /// financial, relationship, package, momentum), `DEBRIEF_HEALTH_SESSIONS_PER_WEEK`.
    pub fn from_env() -> Result<Self, String> {
        let mut c = Self::default();
        if let Ok(z) = std::env::var("DEBRIEF_HEALTH_TIME_ZONE") {
            c.tz = TimeZone::get(&z).map_err(|_| format!("DEBRIEF_HEALTH_TIME_ZONE: `{z}` is not an IANA time zone such as Asia/Dubai"))?;
            c.time_zone = z;
        }
        if let Ok(cur) = std::env::var("DEBRIEF_HEALTH_CURRENCY") {
            c.currency = cur;
        }
        if let Ok(w) = std::env::var("DEBRIEF_HEALTH_WEIGHTS") {
            c.weights = Weights::parse(&w).ok_or("DEBRIEF_HEALTH_WEIGHTS: five non-negative numbers, not all zero (engagement,financial,relationship,package,momentum)")?;
        }
        if let Ok(s) = std::env::var("DEBRIEF_HEALTH_SESSIONS_PER_WEEK") {
            c.sessions_per_week = s.parse().ok().filter(|v: &f64| *v > 0.0 && *v <= 14.0).ok_or("DEBRIEF_HEALTH_SESSIONS_PER_WEEK: a number of sessions, 0–14")?;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_counted_in_the_configured_zone() {
        let dubai = HealthConfig::default().tz;
        // 22:30 UTC on the 20th is 02:30 on the 21st in Dubai.
        assert_eq!(Day::of("2026-11-20T22:30:00Z", &dubai).unwrap().to_string(), "2026-11-21");
        assert_eq!(Day::of("2026-11-20T19:30:00-05:00", &dubai).unwrap().to_string(), "2026-11-21");
        assert_eq!(Day::of("2026-11-20", &dubai).unwrap().to_string(), "2026-11-20");
        assert_eq!(Day::of("20/11/2026", &dubai), None);
        // London keeps summer time: 23:30 UTC on 1 July is the 2nd there.
        assert_eq!(Day::of("2026-07-01T23:30:00Z", &TimeZone::get("Europe/London").unwrap()).unwrap().to_string(), "2026-07-02");
    }

    #[test]
    fn the_fast_date_forms_agree_with_the_calendar() {
        // Every day from 1900 to 2100, written and read back, against `time`'s own formatting.
        let (first, last) = (Day::parse("1900-01-01").unwrap(), Day::parse("2100-12-31").unwrap());
        for j in first.0..=last.0 {
            let d = Day(j);
            let text = d.to_string();
            let date = d.date();
            assert_eq!(text, format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()));
            assert_eq!(Day::parse(&text), Some(d), "{text}");
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(serde_json::from_str::<Day>(&json).unwrap(), d);
        }
        for bad in ["2026-02-30", "2026-13-01", "2026-00-10", "2026-1-05", "2026/01/05", "２０２６-01-05", "2026-01-0x"] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        assert_eq!(Day::parse(" 2026-01-05 "), Day::parse("2026-01-05"));
    }

    #[test]
    fn activity_is_stored_as_a_triple_and_earlier_records_still_read() {
        let a = Activity { kind: ActivityKind::MessageAnswered, on: Day::parse("2026-11-20").unwrap(), event_id: "e-1".into() };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"["message_answered","2026-11-20","e-1"]"#);
        assert_eq!(serde_json::from_str::<Activity>(&json).unwrap(), a);
        let earlier = r#"{"kind":"message_answered","on":"2026-11-20","eventId":"e-1"}"#;
        assert_eq!(serde_json::from_str::<Activity>(earlier).unwrap(), a);
        for bad in [r#"["message_answered","2026-11-20"]"#, r#"{"kind":"message_answered","on":"2026-11-20"}"#, r#"["party","2026-11-20","e"]"#, "7"] {
            assert!(serde_json::from_str::<Activity>(bad).is_err(), "{bad}");
        }
        // A whole client of the earlier form reads, and writes back in the short one.
        let old = r#"{"clientId":"c1","name":"A","email":null,"activity":[{"kind":"session_attended","on":"2026-11-19","eventId":"e0"}],"history":[{"day":"2026-11-19","total":80,"base":80,"zone":"Green","churnRisk":5,"flags":[]}]}"#;
        let c: ClientRecord = serde_json::from_str(old).unwrap();
        assert_eq!((c.activity.len(), c.history.len()), (1, 1));
        let again = serde_json::to_string(&c).unwrap();
        assert!(again.contains(r#""activity":[["session_attended","2026-11-19","e0"]]"#) && !again.contains("null") && !again.contains("flags"), "{again}");
        assert_eq!(serde_json::from_str::<ClientRecord>(&again).unwrap(), c);
    }

    #[test]
    fn an_event_applies_once() {
        let mut c = ClientRecord { client_id: "c1".into(), sessions_remaining: Some(3), outstanding_balance: 500.0, ..Default::default() };
        let day = Day::parse("2026-11-20").unwrap();
        let attended = HealthEvent { event_id: "e1".into(), client_id: "c1".into(), kind: ActivityKind::SessionAttended, occurred_at: "2026-11-20".into(), amount: None, client_name: None, coach_id: None };
        assert!(c.apply(&attended, day));
        assert!(!c.apply(&attended, day), "a redelivery changes nothing");
        assert_eq!((c.sessions_remaining, c.last_session, c.activity.len()), (Some(2), Some(day), 1));
        let paid = HealthEvent { event_id: "e2".into(), kind: ActivityKind::PaymentMade, amount: Some(300.0), ..attended.clone() };
        assert!(c.apply(&paid, day));
        assert_eq!(c.outstanding_balance, 200.0);
        let bad = HealthEvent { event_id: "".into(), occurred_at: "yesterday".into(), amount: Some(-1.0), ..attended };
        let fields: Vec<String> = bad.check(&HealthConfig::default(), day).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["eventId", "amount", "occurredAt"]);
        let old = HealthEvent { occurred_at: "2026-08-01".into(), ..paid.clone() };
        assert_eq!(old.check(&HealthConfig::default(), day).unwrap_err()[0].message, "more than 62 days ago: too old to apply");
        assert_eq!(paid.check(&HealthConfig::default(), day), Ok(day));
    }
}
