//! Interventions: a zone drop or a new flag on a day creates one intervention for the client's
//! coach — its type (the seed's six), the root cause in plain words, a recommended action and
//! a message draft in the coach's voice. Its id is derived from the client, the day and what
//! triggered it, so a recompute of the same day (a rerun, a crash and resume) creates nothing
//! twice, and a zone that stays down creates nothing the next day.
//!
//! Type, first that applies: **emergency** (Red and churn risk ≥ 70, or Red with a failed
//! payment); **re-engagement** (no session for the flag's days, or engagement < 40);
//! **special promotion** (renewal soon while Yellow or Red, or a failed payment); **upgrade
//! opportunity** (out of sessions early while Green or Purple); **coach reassignment**
//! (relationship < 40 while engagement ≥ 60: they come, but the coaching does not connect);
//! otherwise a **proactive check-in**. The queue is ordered by urgency, then package value.

use serde::{Deserialize, Serialize};

use super::model::{ClientRecord, Day, DayPoint};
use super::score::{Flag, HealthScore, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InterventionKind {
    Emergency,
    ReEngagement,
    SpecialPromotion,
    UpgradeOpportunity,
    CoachReassignment,
    ProactiveCheckIn,
}

impl InterventionKind {
    /// 5 (act today) to 1 (this month).
    pub fn urgency(self) -> u8 {
        match self {
            Self::Emergency => 5,
            Self::ReEngagement => 4,
            Self::SpecialPromotion | Self::CoachReassignment => 3,
            Self::ProactiveCheckIn => 2,
            Self::UpgradeOpportunity => 1,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Emergency => "emergency",
            Self::ReEngagement => "re-engagement",
            Self::SpecialPromotion => "special promotion",
            Self::UpgradeOpportunity => "upgrade opportunity",
            Self::CoachReassignment => "coach reassignment",
            Self::ProactiveCheckIn => "proactive check-in",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InterventionStatus {
    Open,
    Done,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intervention {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    #[serde(default)]
    pub client_email: Option<String>,
    #[serde(default)]
    pub coach_id: Option<String>,
    pub kind: InterventionKind,
    pub urgency: u8,
    /// What happened, in plain words.
    pub cause: String,
    pub action: String,
    pub subject: String,
    pub body: String,
    pub package_value: f64,
    pub created_on: Day,
    pub zone: Zone,
    pub total: u8,
    pub churn_risk: u8,
    /// `done` once its message has been sent (read from its review when listed).
    pub status: InterventionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
}

impl Intervention {
    /// Open past its time: a day for the urgent kinds (4–5), three for the rest.
    pub fn is_overdue(&self, today: Day) -> bool {
        self.status == InterventionStatus::Open && today.since(self.created_on) > if self.urgency >= 4 { 1 } else { 3 }
    }
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("there")
}

/// How far back a drop or a flag must be new: a zone that wobbles across a boundary, or a flag
/// that clears and comes back, within this many days is the same episode; and within it a
/// client gets a second intervention only if it is more urgent than the first.
pub const EPISODE_DAYS: i32 = 14;

/// The intervention `now` calls for against the client's results of the [`EPISODE_DAYS`]
/// before it: a zone below all of them, or a flag none of them had (on a client's first score
/// every raised flag is new).
pub fn intervention_for(c: &ClientRecord, now: &HealthScore, coach_name: &str) -> Option<Intervention> {
    let recent: Vec<&DayPoint> = c.history.iter().filter(|p| p.day < now.day && now.day.since(p.day) <= EPISODE_DAYS).collect();
    let previous = recent.last().copied();
    let dropped = !recent.is_empty() && recent.iter().all(|p| now.zone < p.zone);
    let new_flags: Vec<&Flag> = now.flags.iter().filter(|f| !recent.iter().any(|p| p.flags.iter().any(|g| g.kind() == f.kind()))).collect();
    if !dropped && new_flags.is_empty() {
        return None;
    }
    let has = |kind: &str| now.flags.iter().any(|f| f.kind() == kind);
    let d = now.dimensions;
    let kind = if now.zone == Zone::Red && (now.churn_risk >= 70 || has("failedPayment")) {
        InterventionKind::Emergency
    } else if has("noSession") || d.engagement < 40 {
        InterventionKind::ReEngagement
    } else if (has("renewalSoon") && now.zone <= Zone::Yellow) || has("failedPayment") {
        InterventionKind::SpecialPromotion
    } else if has("outOfSessions") && now.zone >= Zone::Green {
        InterventionKind::UpgradeOpportunity
    } else if d.relationship < 40 && d.engagement >= 60 {
        InterventionKind::CoachReassignment
    } else {
        InterventionKind::ProactiveCheckIn
    };
    let mut causes = Vec::new();
    if let Some(p) = previous.filter(|_| dropped) {
        causes.push(format!("health fell from {} ({}) to {} ({})", p.zone.name(), p.total, now.zone.name(), now.total));
    }
    causes.extend(now.flags.iter().map(Flag::describe));
    let mut cause = causes.join("; ");
    if let Some(first) = cause.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let who = first_name(&c.name);
    let action = match kind {
        InterventionKind::Emergency => format!("Call {who} today: find out what changed, and settle the payment or the plan before anything else."),
        InterventionKind::ReEngagement => format!("Message {who} this week and book their next session at a time that fits them."),
        InterventionKind::SpecialPromotion => format!("Offer {who} a renewal or payment option that keeps them training."),
        InterventionKind::UpgradeOpportunity => format!("{who} has used their package early: offer the next package up."),
        InterventionKind::CoachReassignment => format!("{who} keeps coming but is not connecting: talk with them about another coach."),
        InterventionKind::ProactiveCheckIn => format!("Check in with {who}: ask how training is going and what would help."),
    };
    let sign = if coach_name.is_empty() { String::new() } else { format!("\n\n{coach_name}") };
    let (subject, body) = match kind {
        InterventionKind::Emergency | InterventionKind::ReEngagement => (
            format!("{who}, we miss you at the studio"),
            format!("Hi {who},\n\nI noticed we haven't trained together for a while, and I wanted to check in — no pressure at all. Is there a time this week that would suit you for your next session? I'll keep a spot open.{sign}"),
        ),
        InterventionKind::SpecialPromotion => (
            format!("{who}, keeping your training going"),
            format!("Hi {who},\n\nYour package is coming up for renewal, and I'd love to keep your progress going. If timing or cost is a concern, reply and we'll find an option that works for you.{sign}"),
        ),
        InterventionKind::UpgradeOpportunity => (
            format!("{who}, you've made great use of your sessions"),
            format!("Hi {who},\n\nYou've used every session in your package ahead of schedule — that's real commitment. Want to talk about a package that matches the pace you're training at?{sign}"),
        ),
        InterventionKind::CoachReassignment => (
            format!("{who}, how are your sessions going?"),
            format!("Hi {who},\n\nThanks for showing up so consistently. I'd like to make sure the coaching fits you — would you be open to a quick chat about what's working and what isn't?{sign}"),
        ),
        InterventionKind::ProactiveCheckIn => (
            format!("Checking in, {who}"),
            format!("Hi {who},\n\nJust checking in — how is your training feeling lately? If anything would make your sessions work better for you, I'd love to hear it.{sign}"),
        ),
    };
    if c.interventions.iter().any(|m| now.day.since(m.on) <= EPISODE_DAYS && m.on <= now.day && m.urgency >= kind.urgency()) {
        return None;
    }
    let trigger: Vec<&str> = new_flags.iter().map(|f| f.kind()).chain(dropped.then_some("zone")).collect();
    let id = format!("iv-{}", &crate::repo::sha256_hex(&format!("{}|{}|{}", c.client_id, now.day, trigger.join(",")))[..16]);
    Some(Intervention {
        id,
        client_id: c.client_id.clone(),
        client_name: c.name.clone(),
        client_email: c.email.clone(),
        coach_id: c.coach_id.clone(),
        kind,
        urgency: kind.urgency(),
        cause,
        action,
        subject,
        body,
        package_value: c.package_value,
        created_on: now.day,
        zone: now.zone,
        total: now.total,
        churn_risk: now.churn_risk,
        status: InterventionStatus::Open,
        sent_at: None,
    })
}

/// The queue's order: most urgent first, then the most valuable package, then the oldest.
pub fn by_priority(a: &Intervention, b: &Intervention) -> std::cmp::Ordering {
    b.urgency.cmp(&a.urgency).then(b.package_value.total_cmp(&a.package_value)).then(a.created_on.cmp(&b.created_on)).then(a.id.cmp(&b.id))
}

/// The health change 7 and 30 days after an intervention (`None` until that day is scored).
pub fn outcome(iv: &Intervention, c: &ClientRecord) -> (Option<i16>, Option<i16>) {
    let after = |days: i32| c.history.iter().find(|p| p.day.since(iv.created_on) >= days).map(|p| i16::from(p.total) - i16::from(iv.total));
    (after(7), after(30))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::model::HealthConfig;
    use crate::health::score::score_client;

    fn lapsed() -> ClientRecord {
        ClientRecord {
            client_id: "c9".into(),
            name: "Omar Haddad".into(),
            coach_id: Some("coach-maya".into()),
            package_value: 3000.0,
            sessions_remaining: Some(4),
            renewal_date: Day::parse("2026-12-30"),
            last_session: Day::parse("2026-11-01"),
            ..Default::default()
        }
    }

    #[test]
    fn a_drop_creates_one_intervention_and_a_zone_that_stays_down_creates_none() {
        let config = HealthConfig::default();
        let mut c = lapsed();
        let d1 = Day::parse("2026-11-20").unwrap();
        let first = score_client(&c, d1, &config);
        let iv = intervention_for(&c, &first, "Maya").expect("a first score with a raised flag");
        assert_eq!(iv.kind, InterventionKind::ReEngagement);
        assert!(iv.cause.starts_with("No session for 19 days"), "{}", iv.cause);
        assert!(iv.body.contains("Hi Omar") && iv.body.ends_with("Maya"), "{}", iv.body);
        // The same day again: the same id (the store keeps one).
        assert_eq!(intervention_for(&c, &first, "Maya").unwrap().id, iv.id);
        c.record(first.point());
        let next = score_client(&c, d1.plus(1), &config);
        assert_eq!(intervention_for(&c, &next, "Maya"), None, "nothing new the next day");
    }

    #[test]
    fn the_queue_is_ordered_by_urgency_then_package_value() {
        let config = HealthConfig::default();
        let c = lapsed();
        let s = score_client(&c, Day::parse("2026-11-20").unwrap(), &config);
        let mut a = intervention_for(&c, &s, "").unwrap();
        let mut b = a.clone();
        b.id = "b".into();
        b.package_value = 9000.0;
        let mut e = a.clone();
        e.id = "e".into();
        e.urgency = 5;
        e.package_value = 10.0;
        a.id = "a".into();
        let mut q = [a, b, e];
        q.sort_by(by_priority);
        assert_eq!(q.map(|i| i.id), ["e", "b", "a"]);
    }
}
