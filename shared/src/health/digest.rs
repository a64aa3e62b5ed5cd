//! The coach's daily digest: their clients by zone, the Red ones by name, and the
//! interventions that are new today or overdue, each with a signed link to review its draft.
//! Sent once per coach per day (a send record keyed by coach and day), at the coach's
//! preferred time (`notificationPreferences.preferredNotificationTime`, in their zone; 07:00 in
//! the health zone when they set none).

use std::collections::BTreeMap;

use super::interventions::{Intervention, InterventionStatus};
use super::model::{ClientRecord, Day};
use super::score::Zone;
use crate::domain::CoachProfile;
use crate::pipeline::html_escape;
use crate::ports::Email;

/// The digest for `coach` on `today`; `link` gives an intervention's review link when there is
/// a public base URL. `None` when the coach has no clients.
pub fn digest_email(coach: &CoachProfile, clients: &[&ClientRecord], queue: &[Intervention], today: Day, sender: &str, link: &dyn Fn(&Intervention) -> Option<String>) -> Option<Email> {
    if clients.is_empty() {
        return None;
    }
    let mut zones: BTreeMap<Zone, Vec<&ClientRecord>> = BTreeMap::new();
    for c in clients {
        if let Some(p) = c.history.last() {
            zones.entry(p.zone).or_default().push(c);
        }
    }
    let count = |z: Zone| zones.get(&z).map_or(0, Vec::len);
    let new: Vec<&Intervention> = queue.iter().filter(|i| i.created_on == today && i.status == InterventionStatus::Open).collect();
    let overdue: Vec<&Intervention> = queue.iter().filter(|i| i.is_overdue(today)).collect();
    let mut text = format!(
        "Hi {},\n\nYour clients today ({today}): {} Purple, {} Green, {} Yellow, {} Red.\n",
        coach.coach_name,
        count(Zone::Purple),
        count(Zone::Green),
        count(Zone::Yellow),
        count(Zone::Red)
    );
    let mut html = format!("<p>Hi {},</p><p>Your clients today ({today}): {} Purple, {} Green, {} Yellow, {} Red.</p>", html_escape(&coach.coach_name), count(Zone::Purple), count(Zone::Green), count(Zone::Yellow), count(Zone::Red));
    if let Some(red) = zones.get(&Zone::Red) {
        let names: Vec<String> = red.iter().map(|c| format!("{} ({})", c.name, c.history.last().map_or(0, |p| p.total))).collect();
        text.push_str(&format!("Red: {}.\n", names.join(", ")));
        html.push_str(&format!("<p>Red: {}.</p>", html_escape(&names.join(", "))));
    }
    let mut section = |title: &str, items: &[&Intervention]| {
        if items.is_empty() {
            return;
        }
        text.push_str(&format!("\n{title}:\n"));
        html.push_str(&format!("<h3>{}</h3><ul>", html_escape(title)));
        for iv in items {
            let l = link(iv);
            text.push_str(&format!("- {} — {}: {} {}\n  {}\n", iv.client_name, iv.kind.label(), iv.cause, iv.action, l.as_deref().unwrap_or("")));
            let a = l.map(|u| format!(" <a href=\"{}\">Review the message</a>", html_escape(&u))).unwrap_or_default();
            html.push_str(&format!("<li><b>{}</b> — {}: {} {}{a}</li>", html_escape(&iv.client_name), iv.kind.label(), html_escape(&iv.cause), html_escape(&iv.action)));
        }
        html.push_str("</ul>");
    };
    section("New today", &new);
    section("Overdue", &overdue);
    if new.is_empty() && overdue.is_empty() {
        text.push_str("\nNo interventions need you today.\n");
        html.push_str("<p>No interventions need you today.</p>");
    }
    let to = coach.notification_preferences.notification_email.clone().unwrap_or_else(|| coach.email_address.clone());
    Some(Email {
        from: sender.to_string(),
        to: vec![to],
        reply_to: None,
        subject: format!("Client health for {today}: {} Red, {} new, {} overdue", count(Zone::Red), new.len(), overdue.len()),
        text,
        html,
        tags: vec![("kind".into(), "health-digest".into())],
    })
}

/// Whether the coach's digest is due at `now` (Unix seconds) on `today`: their preferred time
/// of day has passed in their zone (07:00 in `default_tz` when they set none).
pub fn is_due(coach: &CoachProfile, now: i64, default_tz: &jiff::tz::TimeZone) -> bool {
    let prefs = &coach.notification_preferences;
    let tz = prefs.time_zone.as_deref().and_then(|z| jiff::tz::TimeZone::get(z).ok()).unwrap_or_else(|| default_tz.clone());
    let (h, m) = prefs.preferred_notification_time.as_deref().and_then(crate::domain::parse_hh_mm).unwrap_or((7, 0));
    let Ok(t) = jiff::Timestamp::from_second(now) else { return false };
    let local = t.to_zoned(tz);
    (local.hour(), local.minute()) >= (h, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::model::{DayPoint, HealthConfig};
    use crate::health::interventions::intervention_for;
    use crate::health::score::score_client;

    #[test]
    fn the_digest_counts_zones_names_red_clients_and_links_new_and_overdue_interventions() {
        let today = Day::parse("2026-11-20").unwrap();
        let mut red = ClientRecord { client_id: "c1".into(), name: "Omar <Haddad>".into(), coach_id: Some("coach-maya".into()), last_session: Day::parse("2026-10-01"), ..Default::default() };
        let score = score_client(&red, today, &HealthConfig::default());
        let iv = intervention_for(&red, &score, "Maya").unwrap();
        red.record(score.point());
        let green = ClientRecord { client_id: "c2".into(), name: "Sara".into(), history: vec![DayPoint { day: today, total: 75, base: 75, zone: Zone::Green, churn_risk: 5, flags: vec![] }], ..Default::default() };
        let mut old = iv.clone();
        old.id = "iv-old".into();
        old.created_on = today.plus(-5);
        let coach = CoachProfile { coach_name: "Maya".into(), email_address: "maya@coach.example".into(), ..CoachProfile::anonymous() };
        let email = digest_email(&coach, &[&red, &green], &[iv, old], today, "debrief@x", &|i| Some(format!("https://d.example/review/{}", i.id))).unwrap();
        assert_eq!(email.to, ["maya@coach.example"]);
        assert!(email.subject.contains("1 Red, 1 new, 1 overdue"), "{}", email.subject);
        assert!(email.text.contains("0 Purple, 1 Green, 0 Yellow, 1 Red"), "{}", email.text);
        assert!(email.text.contains("https://d.example/review/iv-old"), "{}", email.text);
        assert!(email.html.contains("Omar &lt;Haddad&gt;") && !email.html.contains("<Haddad>"), "names are escaped");
        assert_eq!(digest_email(&coach, &[], &[], today, "x", &|_| None), None);
    }

    #[test]
    fn due_at_the_coach_preferred_time_in_their_zone() {
        let mut coach = CoachProfile::anonymous();
        coach.notification_preferences.preferred_notification_time = Some("08:30".into());
        coach.notification_preferences.time_zone = Some("Asia/Dubai".into());
        let dubai = HealthConfig::default().tz;
        let at_0800_dubai = 1_795_752_000; // 2026-11-27T04:00:00Z
        assert!(!is_due(&coach, at_0800_dubai, &dubai));
        assert!(is_due(&coach, at_0800_dubai + 1800, &dubai));
        coach.notification_preferences.preferred_notification_time = None;
        assert!(is_due(&coach, at_0800_dubai, &dubai), "07:00 by default");
    }
}
