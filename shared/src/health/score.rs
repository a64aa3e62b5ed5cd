//! The health score: five dimensions 0–100, a weighted total, a zone, a churn risk from a
//! transparent model, early-warning flags and a trend. Every formula is here and in the README;
//! nothing is learned.
//!
//! With `T` the day scored, `spw` the sessions a week the package is sold for:
//! - **engagement** = 100 × (0.6 × min(1, sessions attended in 30 days / (spw × 30/7)) + 0.4 ×
//!   weeks of the last 4 with a session / 4) − 10 × no-shows − 5 × cancellations (30 days);
//!   for a client known only from the CRM (no session events), 70 × (1 − days since the last
//!   session / 30), marked estimated.
//! - **financial** = 100 − 25 × failed payments in 60 days (half for one a later payment made
//!   good; at most two count) − 40 × min(1, outstanding balance / package value).
//! - **relationship** = 100 × (0.5 × responsiveness + 0.5 × contact recency): responsiveness is
//!   answers over messages sent in 30 days; with no message events, the CRM's roll-ups of calls,
//!   emails and meetings: 1 if the client replied or met on or after the last contact logged
//!   in 30 days, 0 if not within [`CRM_ANSWER_DAYS`] of it; else 0.7, estimated. Recency is 1 up
//!   to 7 days since the last contact (a session, an answer, a reply or a meeting), falling to
//!   0 at 45.
//! - **package** = 100 × (1 − min(1, sessions the client will not use before renewal at the
//!   sold pace / 8)); out of sessions more than a week before renewal scores 70 (and is an
//!   upgrade opportunity); 70, estimated, when the package is not known.
//! - **momentum** = 50 + 2 × (7-day change) + 1 × (30-day change) of the mean of the other four;
//!   50 with no history.
//! - **total** = the weighted mean ([`Weights`], default 30/20/20/15/15); **zones**: Purple
//!   85–100, Green 70–84, Yellow 50–69, Red 0–49.
//! - **churn risk** = 100 × σ(z), z = −4 + 2.5 × (1 − engagement/100) + 1.5 × min(2, days
//!   since the last session / 30) + 1.0 × unrecovered failed payments (60 days) + 0.8 × the
//!   7-day fall of the total / 10 + 1.5 × (1 − relationship/100) − 0.5 if the CRM holds two or
//!   more deals with the client (they bought again; a prior, not measured: the generated
//!   histories have no deals). Each term is shown.

use serde::{Deserialize, Serialize};

use super::model::{ActivityKind, ClientRecord, Day, DayPoint, HealthConfig};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub engagement: f64,
    pub financial: f64,
    pub relationship: f64,
    pub package: f64,
    pub momentum: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self { engagement: 30.0, financial: 20.0, relationship: 20.0, package: 15.0, momentum: 15.0 }
    }
}

impl Weights {
    /// Five comma-separated non-negative numbers, not all zero.
    pub fn parse(s: &str) -> Option<Self> {
        let v: Vec<f64> = s.split(',').map(|p| p.trim().parse().ok().filter(|x: &f64| x.is_finite() && *x >= 0.0)).collect::<Option<_>>()?;
        let [engagement, financial, relationship, package, momentum] = v[..] else { return None };
        (v.iter().sum::<f64>() > 0.0).then_some(Self { engagement, financial, relationship, package, momentum })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Zone {
    Red,
    Yellow,
    Green,
    Purple,
}

impl Zone {
    pub fn of(total: u8) -> Self {
        match total {
            85.. => Zone::Purple,
            70..=84 => Zone::Green,
            50..=69 => Zone::Yellow,
            _ => Zone::Red,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Zone::Purple => "Purple",
            Zone::Green => "Green",
            Zone::Yellow => "Yellow",
            Zone::Red => "Red",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Trend {
    Improving,
    Stable,
    Declining,
}

/// Early warnings, each with the number that raised it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Flag {
    /// No attended session for this many days (or none on record).
    NoSession { days: i32 },
    /// The total fell this many points in 7 days.
    Drop { points: u8 },
    /// A payment failed in the last 7 days and none has made it good.
    FailedPayment,
    /// No sessions left, more than a week before renewal.
    OutOfSessions { renewal_in_days: i32 },
    RenewalSoon { days: i32 },
}

impl Flag {
    /// The flag's kind alone (a flag that stays raised is not new because its number grew).
    pub fn kind(&self) -> &'static str {
        match self {
            Flag::NoSession { .. } => "noSession",
            Flag::Drop { .. } => "drop",
            Flag::FailedPayment => "failedPayment",
            Flag::OutOfSessions { .. } => "outOfSessions",
            Flag::RenewalSoon { .. } => "renewalSoon",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Flag::NoSession { days } if *days >= 9999 => "no session on record".into(),
            Flag::NoSession { days } => format!("no session for {days} days"),
            Flag::Drop { points } => format!("health fell {points} points in 7 days"),
            Flag::FailedPayment => "a payment failed this week and has not been made good".into(),
            Flag::OutOfSessions { renewal_in_days } => format!("out of sessions with {renewal_in_days} days to renewal"),
            Flag::RenewalSoon { days } => format!("renewal in {days} days"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dimensions {
    pub engagement: u8,
    pub financial: u8,
    pub relationship: u8,
    pub package: u8,
    pub momentum: u8,
}

impl Dimensions {
    /// The mean of the four dimensions momentum is the trend of.
    pub fn base(&self) -> u8 {
        ((u16::from(self.engagement) + u16::from(self.financial) + u16::from(self.relationship) + u16::from(self.package) + 2) / 4) as u8
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthScore {
    pub client_id: String,
    pub day: Day,
    pub dimensions: Dimensions,
    pub total: u8,
    pub zone: Zone,
    pub churn_risk: u8,
    /// Each term of the churn model's z, by name (the model is in the module's comment).
    pub churn_terms: Vec<(String, f64)>,
    pub flags: Vec<Flag>,
    pub trend: Trend,
    /// Dimensions computed from a stand-in because the data was missing.
    pub estimated: Vec<String>,
}

impl HealthScore {
    pub fn point(&self) -> DayPoint {
        DayPoint { day: self.day, total: self.total, base: self.dimensions.base(), zone: self.zone, churn_risk: self.churn_risk, flags: self.flags.clone() }
    }
}

fn pct(x: f64) -> u8 {
    x.round().clamp(0.0, 100.0) as u8
}

/// The failed payments of the `days` days up to `today`, each with whether a later payment
/// (on or before `today`) made it good.
fn failures(c: &ClientRecord, today: Day, days: i32) -> impl Iterator<Item = bool> + '_ {
    let last_paid = c.activity.iter().filter(|a| a.kind == ActivityKind::PaymentMade && a.on <= today).map(|a| a.on).max();
    c.activity
        .iter()
        .filter(move |a| a.kind == ActivityKind::PaymentFailed && a.on <= today && today.since(a.on) < days)
        .map(move |a| last_paid.is_some_and(|p| p >= a.on))
}

/// Failed payments in 60 days, a failure made good by a later payment counting half (at most 2).
fn failed_payments(c: &ClientRecord, today: Day) -> f64 {
    failures(c, today, 60).map(|made_good| if made_good { 0.5 } else { 1.0 }).sum::<f64>().min(2.0)
}

/// Days the client has to answer a call, email or meeting the CRM logged before the silence
/// counts against responsiveness.
pub const CRM_ANSWER_DAYS: i32 = 3;

/// The latest result at least `days` before `today`.
fn result_back(c: &ClientRecord, today: Day, days: i32) -> Option<&DayPoint> {
    c.history.iter().rev().find(|p| today.since(p.day) >= days)
}

pub fn score_client(c: &ClientRecord, today: Day, config: &HealthConfig) -> HealthScore {
    let mut estimated = Vec::new();
    let last_session = c.activity.iter().filter(|a| a.kind == ActivityKind::SessionAttended && a.on <= today).map(|a| a.on).max().max(c.last_session.filter(|d| *d <= today));
    let since_session = last_session.map_or(9999, |d| today.since(d));

    // Engagement.
    let has_session_events = c.activity.iter().any(|a| matches!(a.kind, ActivityKind::SessionAttended | ActivityKind::SessionNoShow | ActivityKind::SessionCancelled | ActivityKind::SessionBooked));
    let engagement = if has_session_events {
        let attended = c.count(ActivityKind::SessionAttended, today, 30) as f64;
        let expected = config.sessions_per_week * 30.0 / 7.0;
        let weeks = (0..4).filter(|w| c.activity.iter().any(|a| a.kind == ActivityKind::SessionAttended && a.on <= today.plus(-7 * w) && today.plus(-7 * w).since(a.on) < 7)).count() as f64;
        let penalties = 10.0 * c.count(ActivityKind::SessionNoShow, today, 30) as f64 + 5.0 * c.count(ActivityKind::SessionCancelled, today, 30) as f64;
        100.0 * (0.6 * (attended / expected).min(1.0) + 0.4 * weeks / 4.0) - penalties
    } else {
        estimated.push("engagement".to_string());
        70.0 * (1.0 - f64::from(since_session.min(30)) / 30.0)
    };

    // Financial.
    let failed = failed_payments(c, today);
    let owed = if c.outstanding_balance > 0.0 { (c.outstanding_balance / c.package_value.max(1.0)).min(1.0) } else { 0.0 };
    let financial = 100.0 - 25.0 * failed - 40.0 * owed;

    // Relationship: message events, else what the CRM logged (calls, emails, meetings).
    let sent = c.count(ActivityKind::MessageSent, today, 30);
    let answered = c.count(ActivityKind::MessageAnswered, today, 30);
    let known = |d: Option<Day>| d.filter(|d| *d <= today);
    let crm_answer = c.crm.as_ref().and_then(|k| known(k.last_replied).max(known(k.last_meeting)));
    let crm_contacted = c.crm.as_ref().and_then(|k| known(k.last_contacted)).filter(|d| today.since(*d) < 30);
    let responsiveness = match (sent, crm_contacted) {
        (1.., _) => (answered as f64 / sent as f64).min(1.0),
        (0, Some(contacted)) if crm_answer.is_some_and(|a| a >= contacted) => 1.0,
        (0, Some(contacted)) if today.since(contacted) >= CRM_ANSWER_DAYS => 0.0,
        _ => {
            estimated.push("relationship".to_string());
            0.7
        }
    };
    let last_answer = c.activity.iter().filter(|a| a.kind == ActivityKind::MessageAnswered && a.on <= today).map(|a| a.on).max();
    let contact = last_session.max(last_answer).max(crm_answer).map_or(9999, |d| today.since(d));
    let recency = if contact <= 7 { 1.0 } else { (1.0 - f64::from(contact - 7) / 38.0).max(0.0) };
    let relationship = 100.0 * (0.5 * responsiveness + 0.5 * recency);

    // Package.
    let renewal_in = c.renewal_date.map(|r| r.since(today));
    let package = match (c.sessions_remaining, renewal_in) {
        (Some(0), Some(days)) if days > 7 => 70.0,
        (Some(left), Some(days)) => {
            let usable = config.sessions_per_week * f64::from(days.max(0)) / 7.0;
            let unused = (f64::from(left) - usable).max(0.0);
            100.0 * (1.0 - (unused / 8.0).min(1.0))
        }
        _ => {
            estimated.push("package".to_string());
            70.0
        }
    };

    let mut dims = Dimensions { engagement: pct(engagement), financial: pct(financial), relationship: pct(relationship), package: pct(package), momentum: 50 };
    let base = f64::from(dims.base());
    let change = |days| result_back(c, today, days).map_or(0.0, |p| base - f64::from(p.base));
    dims.momentum = pct(50.0 + 2.0 * change(7) + change(30));

    let w = config.weights;
    let weighted = w.engagement * f64::from(dims.engagement) + w.financial * f64::from(dims.financial) + w.relationship * f64::from(dims.relationship) + w.package * f64::from(dims.package) + w.momentum * f64::from(dims.momentum);
    let total = pct(weighted / (w.engagement + w.financial + w.relationship + w.package + w.momentum));
    let week_ago = result_back(c, today, 7);
    let fall = week_ago.map_or(0, |p| p.total.saturating_sub(total));
    let rise = week_ago.map_or(0, |p| total.saturating_sub(p.total));

    let unrecovered = failures(c, today, 60).filter(|made_good| !made_good).count().min(2) as f64;
    let churn_terms = vec![
        ("intercept".to_string(), -4.0),
        ("low engagement".to_string(), 2.5 * (1.0 - f64::from(dims.engagement) / 100.0)),
        ("days since the last session".to_string(), 1.5 * (f64::from(since_session.min(60)) / 30.0)),
        ("unrecovered failed payments".to_string(), 1.0 * unrecovered),
        ("7-day fall".to_string(), 0.8 * f64::from(fall) / 10.0),
        ("weak relationship".to_string(), 1.5 * (1.0 - f64::from(dims.relationship) / 100.0)),
        ("bought again".to_string(), if c.crm.as_ref().is_some_and(|k| k.deals >= 2) { -0.5 } else { 0.0 }),
    ];
    let z: f64 = churn_terms.iter().map(|(_, v)| v).sum();
    let churn_risk = pct(100.0 / (1.0 + (-z).exp()));
    let churn_terms = churn_terms.into_iter().map(|(n, v)| (n, (v * 100.0).round() / 100.0)).collect();

    let mut flags = Vec::new();
    if since_session >= config.no_session_days {
        flags.push(Flag::NoSession { days: since_session });
    }
    if fall >= config.drop_points {
        flags.push(Flag::Drop { points: fall });
    }
    if failures(c, today, 7).any(|made_good| !made_good) {
        flags.push(Flag::FailedPayment);
    }
    match (c.sessions_remaining, renewal_in) {
        (Some(0), Some(days)) if days > 7 => flags.push(Flag::OutOfSessions { renewal_in_days: days }),
        (_, Some(days)) if (0..=config.renewal_soon_days).contains(&days) => flags.push(Flag::RenewalSoon { days }),
        _ => {}
    }
    let trend = match (rise, fall) {
        (r, _) if r >= 5 => Trend::Improving,
        (_, f) if f >= 5 => Trend::Declining,
        _ => Trend::Stable,
    };
    HealthScore { client_id: c.client_id.clone(), day: today, dimensions: dims, total, zone: Zone::of(total), churn_risk, churn_terms, flags, trend, estimated }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::model::Activity;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    fn client(events: &[(ActivityKind, &str)]) -> ClientRecord {
        ClientRecord {
            client_id: "c1".into(),
            name: "Sara Haddad".into(),
            package_value: 2400.0,
            sessions_remaining: Some(6),
            renewal_date: Some(day("2026-12-20")),
            activity: events.iter().enumerate().map(|(i, (k, d))| Activity { kind: *k, on: day(d), event_id: format!("e{i}") }).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_steady_client_is_purple_and_each_dimension_follows_its_formula() {
        use ActivityKind::*;
        let mut events = Vec::new();
        let dates: Vec<String> = (0..9).map(|i| Day::parse("2026-10-27").unwrap().plus(i * 3 + 1).to_string()).collect();
        for d in &dates {
            events.push((SessionAttended, d.as_str()));
            events.push((MessageSent, d.as_str()));
            events.push((MessageAnswered, d.as_str()));
        }
        events.push((PaymentMade, "2026-11-01"));
        let c = client(&events);
        let s = score_client(&c, day("2026-11-23"), &HealthConfig::default());
        // 9 sessions in 30 days against 2 a week (8.57): full frequency; a session in each of
        // the last 4 weeks.
        assert_eq!(s.dimensions.engagement, 100);
        assert_eq!(s.dimensions.financial, 100);
        assert_eq!(s.dimensions.relationship, 100);
        // 6 sessions left, 27 days to renewal at 2 a week: all usable.
        assert_eq!(s.dimensions.package, 100);
        assert_eq!(s.dimensions.momentum, 50, "no history");
        // (30×100 + 20×100 + 20×100 + 15×100 + 15×50) / 100
        assert_eq!(s.total, 93);
        assert_eq!(s.zone, Zone::Purple);
        assert!(s.flags.is_empty(), "{:?}", s.flags);
        assert!(s.churn_risk < 10, "{}", s.churn_risk);
        assert!(s.estimated.is_empty());
    }

    #[test]
    fn a_lapsed_client_with_a_failed_payment_is_red_flagged_and_at_risk() {
        use ActivityKind::*;
        let mut c = client(&[(SessionAttended, "2026-10-20"), (MessageSent, "2026-11-10"), (MessageSent, "2026-11-17"), (PaymentFailed, "2026-11-20")]);
        c.outstanding_balance = 1200.0;
        c.sessions_remaining = Some(10);
        c.renewal_date = Some(day("2026-11-30"));
        c.record(DayPoint { day: day("2026-11-16"), total: 70, base: 70, zone: Zone::Green, churn_risk: 20, flags: vec![] });
        let s = score_client(&c, day("2026-11-23"), &HealthConfig::default());
        assert_eq!(s.dimensions.engagement, 0, "no session in 30 days, one 34 days ago");
        // one unrecovered failure (−25), half the package owed (−20)
        assert_eq!(s.dimensions.financial, 55);
        // no answers to 2 messages; last contact 34 days ago: recency (1 − 27/38)
        assert_eq!(s.dimensions.relationship, pct(50.0 * (1.0 - 27.0 / 38.0)));
        // 10 left, 7 days at 2 a week = 2 usable: 8 unused
        assert_eq!(s.dimensions.package, 0);
        assert_eq!(s.zone, Zone::Red);
        assert_eq!(s.trend, Trend::Declining);
        let kinds: Vec<&str> = s.flags.iter().map(Flag::kind).collect();
        assert_eq!(kinds, ["noSession", "drop", "failedPayment", "renewalSoon"]);
        assert!(s.churn_risk >= 70, "{}", s.churn_risk);
        let z: f64 = s.churn_terms.iter().map(|(_, v)| v).sum();
        assert!((f64::from(s.churn_risk) - 100.0 / (1.0 + (-z).exp())).abs() <= 1.0, "the risk is the terms' sum through the logistic");
    }

    #[test]
    fn a_crm_only_client_is_scored_with_estimates_shown() {
        let mut c = client(&[]);
        c.last_session = Some(day("2026-11-08"));
        c.sessions_remaining = None;
        let s = score_client(&c, day("2026-11-23"), &HealthConfig::default());
        assert_eq!(s.dimensions.engagement, 35, "70 × (1 − 15/30)");
        assert_eq!(s.estimated, ["engagement", "relationship", "package"]);
        assert!(s.flags.iter().any(|f| matches!(f, Flag::NoSession { days: 15 })));
    }

    #[test]
    fn the_crms_calls_emails_meetings_and_deals_count_when_no_message_events_came() {
        use crate::health::CrmActivity;
        let today = day("2026-11-23");
        let mut c = client(&[]);
        c.last_session = Some(day("2026-11-08"));
        let config = HealthConfig::default();
        let relationship = |crm: CrmActivity| {
            let mut c = c.clone();
            c.crm = Some(crm);
            let s = score_client(&c, today, &config);
            (s.dimensions.relationship, s.estimated.contains(&"relationship".to_string()))
        };
        // Last contact: the session 15 days ago; recency (1 − 8/38).
        let from_session = 1.0 - 8.0 / 38.0;
        // The coach called 5 days ago and the client met them 4 days ago: answered, and recent.
        assert_eq!(relationship(CrmActivity { last_contacted: Some(day("2026-11-18")), last_meeting: Some(day("2026-11-19")), ..Default::default() }), (100, false));
        // An email 5 days ago, no reply: responsiveness 0.
        assert_eq!(relationship(CrmActivity { last_contacted: Some(day("2026-11-18")), last_replied: Some(day("2026-11-10")), ..Default::default() }), (pct(50.0 * (1.0 - 6.0 / 38.0)), false), "the older reply (13 days ago) still counts for recency");
        // An email yesterday: too soon to tell.
        assert_eq!(relationship(CrmActivity { last_contacted: Some(day("2026-11-22")), ..Default::default() }), (pct(100.0 * (0.5 * 0.7 + 0.5 * from_session)), true));
        // Contact older than 30 days says nothing about responsiveness.
        assert_eq!(relationship(CrmActivity { last_contacted: Some(day("2026-10-01")), ..Default::default() }), (pct(100.0 * (0.5 * 0.7 + 0.5 * from_session)), true));
        // Two deals: the client bought again, a term of its own in the churn model.
        let mut again = c.clone();
        again.crm = Some(CrmActivity { deals: 2, revenue: 4800.0, ..Default::default() });
        let (once, twice) = (score_client(&c, today, &config), score_client(&again, today, &config));
        let term = |s: &HealthScore| s.churn_terms.iter().find(|(n, _)| n == "bought again").map(|(_, v)| *v);
        assert_eq!((term(&once), term(&twice)), (Some(0.0), Some(-0.5)));
        assert!(twice.churn_risk < once.churn_risk, "{} < {}", twice.churn_risk, once.churn_risk);
    }

    #[test]
    fn weights_parse_and_zones_have_the_seed_bands() {
        assert_eq!(Weights::parse("1,1,1,1,1").unwrap().momentum, 1.0);
        assert_eq!(Weights::parse("0,0,0,0,0"), None);
        assert_eq!(Weights::parse("1,2,3"), None);
        assert_eq!([Zone::of(100), Zone::of(85), Zone::of(84), Zone::of(70), Zone::of(69), Zone::of(50), Zone::of(49), Zone::of(0)], [
            Zone::Purple,
            Zone::Purple,
            Zone::Green,
            Zone::Green,
            Zone::Yellow,
            Zone::Yellow,
            Zone::Red,
            Zone::Red
        ]);
    }
}
