//! Engagement scores and tiers (the seed's weights).
//!
//! `score = 40 × focus + 30 × attendance + 20 × chat + 10 × questions`, each component 0–1:
//! - **attendance**: minutes in session (rejoins summed) over the webinar's duration, capped at 1;
//! - **chat**: the person's messages over the most active attendee's, both capped at
//!   [`CHAT_CAP`] (so one very chatty attendee does not flatten everyone else);
//! - **questions**: genuine questions asked ([`crate::analysis::questions`]), [`QUESTIONS_FOR_FULL`] or
//!   more count fully;
//! - **focus**: the platform's attentiveness where it reports one (GoTo); otherwise (Zoom
//!   removed attention tracking in 2020) an estimate, marked `focusEstimated`:
//!   `attendance × (0.6 + 0.4 × min(1, messages / 3))` — present the whole time and taking part.
//!
//! Tiers: **Hot** ≥ 70, **Warm** 45–69, **Cool** 20–44, **Cold** < 20 (attended),
//! **No-show** (registered, never joined).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::chat::ChatMessage;
use crate::analysis::questions::is_genuine_question;
use super::report::{AttendeeReport, WebinarInfo};
use crate::attendance::{HashKeyed, Speakers, Who, name_key, normalize_name};
use crate::domain::{CoachProfile, Roster, RosterEntry};

pub const CHAT_CAP: u32 = 10;
pub const QUESTIONS_FOR_FULL: u32 = 2;
pub const WEIGHTS: Weights = Weights { focus: 40.0, attendance: 30.0, chat: 20.0, questions: 10.0 };

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub focus: f64,
    pub attendance: f64,
    pub chat: f64,
    pub questions: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    Hot,
    Warm,
    Cool,
    Cold,
    #[serde(rename = "No-show")]
    NoShow,
}

impl Tier {
    pub fn of(score: u8, attended: bool) -> Self {
        match (attended, score) {
            (false, _) => Tier::NoShow,
            (true, 70..) => Tier::Hot,
            (true, 45..=69) => Tier::Warm,
            (true, 20..=44) => Tier::Cool,
            _ => Tier::Cold,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Tier::Hot => "Hot",
            Tier::Warm => "Warm",
            Tier::Cool => "Cool",
            Tier::Cold => "Cold",
            Tier::NoShow => "No-show",
        }
    }
}

/// Each component 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    pub focus: f64,
    pub focus_estimated: bool,
    pub attendance: f64,
    pub chat: f64,
    pub questions: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Engagement {
    pub name: String,
    pub email: Option<String>,
    pub attended: bool,
    pub minutes: f64,
    pub messages: u32,
    /// The genuine questions they asked, verbatim.
    pub questions: Vec<String>,
    /// What else they said in chat, verbatim (for personalising the follow-up).
    pub said: Vec<String>,
    pub components: Components,
    pub score: u8,
    pub tier: Tier,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmatchedChat {
    pub line: usize,
    pub sender: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebinarScores {
    pub platform: String,
    pub info: WebinarInfo,
    /// Highest score first.
    pub engagements: Vec<Engagement>,
    /// Chat from someone who is neither an attendee nor a host or panelist (or whose name
    /// fits more than one attendee): reported, not dropped.
    pub unmatched_chat: Vec<UnmatchedChat>,
    pub tiers: BTreeMap<Tier, usize>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One roster: the registrants, then hosts and panelists; the first host is the "coach".
fn full_roster(report: &AttendeeReport<'_>) -> (Roster, CoachProfile) {
    let mut entries: Vec<RosterEntry> = report.registrants.iter().map(|r| RosterEntry { name: r.name.to_string(), email: r.email.as_deref().map(str::to_string), hubspot_contact_id: String::new() }).collect();
    entries.extend(report.staff.iter().skip(1).map(|s| RosterEntry { name: s.clone(), email: None, hubspot_contact_id: String::new() }));
    let host = CoachProfile {
        coach_id: "host".into(),
        coach_name: report.staff.first().cloned().unwrap_or_default(),
        email_address: String::new(),
        communication_style: Default::default(),
        notification_preferences: Default::default(),
        chat_gpt_custom_instructions: None,
        chat_gpt_url: None,
        priority_rules: None,
    };
    (Roster(entries), host)
}

/// The first two rules of the workshop matcher ([`Speakers`]) for the common case: a sender
/// whose normalised name is the host's is the host; one that is exactly one roster entry's is
/// that entry; one that several entries share is ambiguous. Anything else (a prefix, a first
/// name alone) is left to the full matcher. Building the full matcher costs a token list and
/// two map entries per registrant; a 60,000-registrant webinar's chat rarely needs it.
/// The key of a name that normalises to nothing (emoji, punctuation).
const EMPTY_NAME: u64 = crate::attendance::FNV_OFFSET;

struct SenderIndex<'a> {
    report: &'a AttendeeReport<'a>,
    /// The host's name and its key.
    host: Option<(&'a str, u64)>,
    /// Normalised name's key ([`name_key`]) → the entry (registrants, then staff after the
    /// host), or `None` when several share it.
    by_name: HashKeyed<Option<usize>>,
}

impl<'a> SenderIndex<'a> {
    fn new(report: &'a AttendeeReport<'a>) -> Self {
        let mut by_name = HashKeyed::with_capacity_and_hasher(report.registrants.len() + report.staff.len(), Default::default());
        for i in 0..report.registrants.len() + report.staff.len().saturating_sub(1) {
            by_name.entry(name_key(Self::name(report, i))).and_modify(|e| *e = None).or_insert(Some(i));
        }
        Self { report, host: report.staff.first().map(|h| (h.as_str(), name_key(h))), by_name }
    }

    fn name<'r>(report: &'r AttendeeReport<'_>, i: usize) -> &'r str {
        match report.registrants.get(i) {
            Some(r) => r.name.as_ref(),
            None => &report.staff[i - report.registrants.len() + 1],
        }
    }

    /// The answer when these rules decide; `None` to ask the full matcher.
    fn who(&self, sender: &str) -> Option<Who> {
        let key = name_key(sender);
        // Equal keys, so almost surely equal normalised names: `same` makes sure.
        let same = |name: &str| name == sender || normalize_name(name) == normalize_name(sender);
        if key == EMPTY_NAME && normalize_name(sender).is_empty() {
            return Some(Who::Other);
        }
        if self.host.is_some_and(|(host, k)| k == key && same(host)) {
            return Some(Who::Coach);
        }
        match self.by_name.get(&key) {
            Some(Some(i)) if same(Self::name(self.report, *i)) => Some(Who::Attendee(*i)),
            Some(None) => Some(Who::Other),
            _ => None,
        }
    }
}

pub fn score_webinar(report: &AttendeeReport<'_>, chat: &[ChatMessage]) -> WebinarScores {
    let n = report.registrants.len();
    // Each registrant's chat messages, as indices into `chat`.
    let mut said: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut unmatched = Vec::new();
    let senders = SenderIndex::new(report);
    // Each sender once; `None` until decided.
    let mut answered: std::collections::HashMap<&str, Option<Who>> = std::collections::HashMap::new();
    for m in chat {
        answered.entry(m.sender.as_str()).or_insert_with(|| senders.who(&m.sender));
    }
    // The full matcher (prefixes, first names) only for senders the name index cannot answer.
    if answered.values().any(Option::is_none) {
        let (roster, host) = full_roster(report);
        let speakers = Speakers::new(&roster, &host);
        for (sender, who) in answered.iter_mut().filter(|(_, w)| w.is_none()) {
            *who = Some(speakers.who(sender));
        }
    }
    for (k, m) in chat.iter().enumerate() {
        let who = answered[m.sender.as_str()].unwrap_or(Who::Other);
        match who {
            Who::Attendee(i) if i < n => said[i].push(k as u32),
            Who::Attendee(_) | Who::Coach => {}
            Who::Other => unmatched.push(UnmatchedChat { line: m.line, sender: m.sender.clone(), text: m.text.clone() }),
        }
    }
    let duration = report.info.duration_minutes.filter(|d| *d > 0.0).unwrap_or_else(|| report.registrants.iter().map(|r| r.minutes).fold(0.0, f64::max)).max(1.0);
    let most = said.iter().map(|s| (s.len() as u32).min(CHAT_CAP)).max().unwrap_or(0).max(1);
    // Each chat message is judged once.
    let is_question: Vec<bool> = chat.iter().map(|m| is_genuine_question(&m.text)).collect();
    let asked = |k: &&u32| is_question[**k as usize];
    let text = |k: &u32| chat[*k as usize].text.clone();
    // Scores first (small), then each engagement built once, in its final place: highest score
    // first, ties in report order (a counting sort on the score, 0–100).
    let scored: Vec<(Components, u8)> = report
        .registrants
        .iter()
        .zip(&said)
        .map(|(r, msgs)| {
            let messages = msgs.len() as u32;
            let attendance = if r.attended { (r.minutes / duration).min(1.0) } else { 0.0 };
            let chat = f64::from(messages.min(CHAT_CAP)) / f64::from(most);
            let q = (msgs.iter().filter(asked).count() as f64 / f64::from(QUESTIONS_FOR_FULL)).min(1.0);
            let (focus, estimated) = match r.attentiveness {
                Some(a) if r.attended => (a, false),
                _ => (attendance * (0.6 + 0.4 * (f64::from(messages) / 3.0).min(1.0)), true),
            };
            let raw = WEIGHTS.focus * focus + WEIGHTS.attendance * attendance + WEIGHTS.chat * chat + WEIGHTS.questions * q;
            let score = if r.attended { raw.round().clamp(0.0, 100.0) as u8 } else { 0 };
            (Components { focus: round2(focus), focus_estimated: estimated, attendance: round2(attendance), chat: round2(chat), questions: round2(q) }, score)
        })
        .collect();
    let mut at_score = [0usize; 102];
    for (_, score) in &scored {
        at_score[100 - usize::from(*score) + 1] += 1;
    }
    for i in 1..at_score.len() {
        at_score[i] += at_score[i - 1];
    }
    let mut order = vec![0u32; scored.len()];
    for (i, (_, score)) in scored.iter().enumerate() {
        let slot = &mut at_score[100 - usize::from(*score)];
        order[*slot] = i as u32;
        *slot += 1;
    }
    let engagements: Vec<Engagement> = order
        .iter()
        .map(|&i| {
            let (r, msgs, &(components, score)) = (&report.registrants[i as usize], &said[i as usize], &scored[i as usize]);
            Engagement {
                name: r.name.to_string(),
                email: r.email.as_deref().map(str::to_string),
                attended: r.attended,
                minutes: round2(r.minutes),
                messages: msgs.len() as u32,
                questions: msgs.iter().filter(asked).map(text).collect(),
                said: msgs.iter().filter(|k| !asked(k)).map(text).collect(),
                components,
                score,
                tier: Tier::of(score, r.attended),
            }
        })
        .collect();
    let mut tiers = BTreeMap::new();
    for e in &engagements {
        *tiers.entry(e.tier).or_insert(0) += 1;
    }
    WebinarScores { platform: report.platform.clone(), info: report.info.clone(), engagements, unmatched_chat: unmatched, tiers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webinar::{parse_attendee_report, parse_chat};

    #[test]
    fn the_sample_scores_as_the_weights_say() {
        let report = parse_attendee_report("r.csv", crate::webinar::report::tests_fixture::ZOOM).unwrap();
        let chat = parse_chat("c.txt", &format!("{}10:06:00 From Stranger Danger to Everyone:\n\thi all\n", crate::webinar::chat::tests_fixture::CHAT)).unwrap();
        let s = score_webinar(&report, &chat);
        let by = |n: &str| s.engagements.iter().find(|e| e.name.starts_with(n)).unwrap();
        let zoe = by("Zoë");
        // 55 of 60 minutes; 2 messages of the most active's 2; 1 question of 2; focus estimated.
        assert_eq!(zoe.messages, 2);
        assert_eq!(zoe.questions, vec!["Can you share the slides?".to_string()]);
        assert!(zoe.components.focus_estimated);
        let attendance = 55.0 / 60.0;
        let focus = attendance * (0.6 + 0.4 * (2.0 / 3.0));
        let want = (40.0 * focus + 30.0 * attendance + 20.0 * 1.0 + 10.0 * 0.5_f64).round() as u8;
        assert_eq!(zoe.score, want);
        assert_eq!(zoe.tier, Tier::of(want, true));
        let bjorn = by("Björn");
        assert_eq!(bjorn.questions.len(), 1, "a question without a question mark still counts: {:?}", bjorn.questions);
        assert_eq!(by("Aisha").tier, Tier::NoShow);
        assert_eq!(by("Aisha").score, 0);
        // The host's welcome is staff chat; the stranger is reported.
        assert_eq!(s.unmatched_chat.len(), 1);
        assert_eq!(s.unmatched_chat[0].sender, "Stranger Danger");
        assert_eq!(s.tiers.values().sum::<usize>(), 3);
        assert!(s.engagements.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn tier_thresholds() {
        assert_eq!([Tier::of(70, true), Tier::of(69, true), Tier::of(45, true), Tier::of(44, true), Tier::of(20, true), Tier::of(19, true), Tier::of(90, false)], [
            Tier::Hot,
            Tier::Warm,
            Tier::Warm,
            Tier::Cool,
            Tier::Cool,
            Tier::Cold,
            Tier::NoShow
        ]);
    }
}
