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
use crate::attendance::{HashKeyed, NameKey, Speakers, Who, name_key};
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

/// Every registrant scored and tiered, highest score first. Small on purpose: a rank is a
/// registrant's index and its numbers; the [`Engagement`] (name, email, the questions and other
/// chat quoted) is built when a caller reads it ([`WebinarScores::engagements`]), from the
/// report and the chat this borrows. Scoring a 60,000-registrant report used to spend half its
/// time copying those strings into engagements before anyone asked for them.
#[derive(Debug, Clone)]
pub struct WebinarScores<'a> {
    pub platform: String,
    pub info: WebinarInfo,
    /// Highest score first, ties in report order.
    pub ranked: Vec<Ranked>,
    /// Chat from someone who is neither an attendee nor a host or panelist (or whose name
    /// fits more than one attendee): reported, not dropped.
    pub unmatched_chat: Vec<UnmatchedChat>,
    pub tiers: BTreeMap<Tier, usize>,
    report: &'a AttendeeReport<'a>,
    chat: &'a [ChatMessage<'a>],
    said: Said,
    /// What a registrant's components are measured against: see [`Measure`].
    measure: Measure,
}

/// One registrant's place in the ranking: 12 bytes. Its [`Components`] are worked out again
/// when read ([`WebinarScores::components`]): held here, they made a rank five times larger,
/// and writing 60,000 of them twice (scored, then sorted) was a fifth of scoring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    /// Index in the report's `registrants`.
    pub registrant: u32,
    pub messages: u32,
    pub score: u8,
    pub tier: Tier,
}

/// Each registrant's chat messages, grouped: registrant `i` said `messages[from[i]..from[i + 1]]`
/// (indices into the chat, in chat order), with each message judged a genuine question once.
#[derive(Debug, Clone, Default)]
struct Said {
    from: Vec<u32>,
    messages: Vec<u32>,
    is_question: Vec<bool>,
}

impl Said {
    fn of(&self, i: usize) -> &[u32] {
        &self.messages[self.from[i] as usize..self.from[i + 1] as usize]
    }

    fn questions(&self, i: usize) -> usize {
        self.of(i).iter().filter(|&&k| self.is_question[k as usize]).count()
    }
}

impl<'a> WebinarScores<'a> {
    /// The engagement at this rank, with its name, email and quoted chat.
    pub fn engagement(&self, rank: &Ranked) -> Engagement {
        let (i, r) = (rank.registrant as usize, self.registrant(rank));
        let quoted = |question: bool| self.said.of(i).iter().filter(|&&k| self.said.is_question[k as usize] == question).map(|&k| self.chat[k as usize].text.to_string()).collect();
        Engagement {
            name: r.name.to_string(),
            email: r.email.as_deref().map(str::to_string),
            attended: r.attended,
            minutes: round2(r.minutes),
            messages: rank.messages,
            questions: quoted(true),
            said: quoted(false),
            components: self.components(rank),
            score: rank.score,
            tier: rank.tier,
        }
    }

    /// The components of the score at this rank, each 0–1 to two decimals.
    pub fn components(&self, rank: &Ranked) -> Components {
        let i = rank.registrant as usize;
        let c = self.measure.components(&self.report.registrants[i], rank.messages, self.said.questions(i));
        Components { focus: round2(c.focus), attendance: round2(c.attendance), chat: round2(c.chat), questions: round2(c.questions), ..c }
    }

    /// The registrant at this rank, as the report has them.
    pub fn registrant(&self, rank: &Ranked) -> &'a super::report::Registrant<'a> {
        &self.report.registrants[rank.registrant as usize]
    }

    /// Every engagement, highest score first.
    pub fn engagements(&self) -> impl ExactSizeIterator<Item = Engagement> + '_ {
        self.ranked.iter().map(|r| self.engagement(r))
    }
}

/// As the JSON of `debrief webinar report --json`: the engagements in full.
impl Serialize for WebinarScores<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct All<'s, 'a>(&'s WebinarScores<'a>);
        impl Serialize for All<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.engagements())
            }
        }
        let mut out = s.serialize_struct("WebinarScores", 5)?;
        out.serialize_field("platform", &self.platform)?;
        out.serialize_field("info", &self.info)?;
        out.serialize_field("engagements", &All(self))?;
        out.serialize_field("unmatchedChat", &self.unmatched_chat)?;
        out.serialize_field("tiers", &self.tiers)?;
        out.end()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One roster of who can have chatted: the registrants who joined, then hosts and panelists
/// (the first host is the "coach"); and each roster entry's index among the registrants and
/// staff after the host (the indices [`senders_of`] gives).
fn full_roster(report: &AttendeeReport<'_>) -> (Roster, CoachProfile, Vec<usize>) {
    let joined = report.registrants.iter().enumerate().filter(|(_, r)| r.attended);
    let (mut entries, mut index): (Vec<RosterEntry>, Vec<usize>) =
        joined.map(|(i, r)| (RosterEntry { name: r.name.to_string(), email: r.email.as_deref().map(str::to_string), hubspot_contact_id: String::new() }, i)).unzip();
    let n = report.registrants.len();
    entries.extend(report.staff.iter().skip(1).map(|s| RosterEntry { name: s.clone(), email: None, hubspot_contact_id: String::new() }));
    index.extend((0..report.staff.len().saturating_sub(1)).map(|k| n + k));
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
    (Roster(entries), host, index)
}

/// Each chat message's sender: an attendee (by index), staff, or unmatched.
///
/// The first two rules of the workshop matcher ([`Speakers`]) for the common case: a sender
/// whose normalised name is the host's is the host; one that is exactly one roster entry's
/// (registrants who joined, then staff after the host: a no-show cannot have chatted) is that
/// entry; one that several entries share is ambiguous. Anything else (a prefix, a first name
/// alone) is left to the full matcher, built only when some sender needs it. Names are
/// compared by their [`NameKey`]s.
///
/// Built from the senders' side: the distinct senders (a few thousand at most) are keyed first,
/// then each roster name's key (as the parser made it) is looked up among them — a small table
/// that stays in cache, where a table of every registrant's name would be probed at random.
fn senders_of(report: &AttendeeReport<'_>, chat: &[ChatMessage<'_>]) -> Vec<Who> {
    let entries = report.registrants.len() + report.staff.len().saturating_sub(1);
    let name = |i: usize| -> &str {
        match report.registrants.get(i) {
            Some(r) => r.name.as_ref(),
            None => &report.staff[i - report.registrants.len() + 1],
        }
    };
    // The distinct senders, and each message's.
    let mut distinct: Vec<&str> = Vec::new();
    // Sized for every message from a different sender: never grown (and rehashed) on the way.
    let mut slot_of: std::collections::HashMap<&str, u32, std::hash::BuildHasherDefault<crate::attendance::WordHasher>> =
        std::collections::HashMap::with_capacity_and_hasher(chat.len(), Default::default());
    let by_message: Vec<u32> = chat
        .iter()
        .map(|m| {
            *slot_of.entry(m.sender.as_ref()).or_insert_with(|| {
                distinct.push(&m.sender);
                distinct.len() as u32 - 1
            })
        })
        .collect();
    // Each distinct key, and the roster entries that have it: none, one, or several.
    #[derive(Clone, Copy)]
    enum Found {
        None,
        One(usize),
        Several,
    }
    let keys: Vec<NameKey> = distinct.iter().map(|s| name_key(s)).collect();
    let mut found: HashKeyed<(u64, Found)> = keys.iter().map(|k| (k.hash, (k.check, Found::None))).collect();
    // One bit a sender's key (of its `check` half, which the table does not hash on), in a
    // bitmap that stays in the core's fastest cache: most registrants never chat, and one bit
    // rules each of them out before a probe into the table.
    let bits = (keys.len() * 16).next_power_of_two().max(64);
    let mut may_chat = vec![0u64; bits / 64];
    for k in &keys {
        let b = k.check as usize & (bits - 1);
        may_chat[b / 64] |= 1 << (b % 64);
    }
    // The registrants' keys as the parser made them; the staff's (a handful) here.
    let made = report.name_keys().unwrap_or_default();
    for i in 0..entries {
        let key = match made.get(i) {
            Some(&key) => key,
            None if report.registrants.get(i).is_some_and(|r| !r.attended) => NameKey::NOBODY,
            None => name_key(name(i)),
        };
        if key == NameKey::NOBODY {
            continue;
        }
        let b = key.check as usize & (bits - 1);
        if may_chat[b / 64] & (1 << (b % 64)) == 0 {
            continue;
        }
        if let Some((check, f)) = found.get_mut(&key.hash)
            && *check == key.check
        {
            *f = match f {
                Found::None => Found::One(i),
                _ => Found::Several,
            };
        }
    }
    let (host, empty) = (report.staff.first().map(|h| name_key(h)), NameKey::empty());
    let mut decided: Vec<Option<Who>> = keys
        .iter()
        .map(|&key| {
            if key == empty {
                return Some(Who::Other);
            }
            if host == Some(key) {
                return Some(Who::Coach);
            }
            match found.get(&key.hash) {
                Some(&(check, Found::One(i))) if check == key.check => Some(Who::Attendee(i)),
                Some(&(check, Found::Several)) if check == key.check => Some(Who::Other),
                _ => None,
            }
        })
        .collect();
    if decided.iter().any(Option::is_none) {
        let (roster, host, index) = full_roster(report);
        let speakers = Speakers::new(&roster, &host);
        for (who, sender) in decided.iter_mut().zip(&distinct).filter(|(w, _)| w.is_none()) {
            *who = Some(match speakers.who(sender) {
                Who::Attendee(j) => Who::Attendee(index[j]),
                w => w,
            });
        }
    }
    by_message.iter().map(|&slot| decided[slot as usize].unwrap_or(Who::Other)).collect()
}

pub fn score_webinar<'a>(report: &'a AttendeeReport<'a>, chat: &'a [ChatMessage<'a>]) -> WebinarScores<'a> {
    let n = report.registrants.len();
    let who = senders_of(report, chat);
    // Each registrant's messages, grouped (a counting sort by registrant).
    let mut from = vec![0u32; n + 1];
    for w in &who {
        if let Who::Attendee(i) = *w
            && i < n
        {
            from[i + 1] += 1;
        }
    }
    for i in 0..n {
        from[i + 1] += from[i];
    }
    let mut messages = vec![0u32; from[n] as usize];
    let mut next = from.clone();
    let mut unmatched = Vec::new();
    for (k, (m, w)) in chat.iter().zip(&who).enumerate() {
        match *w {
            Who::Attendee(i) if i < n => {
                messages[next[i] as usize] = k as u32;
                next[i] += 1;
            }
            Who::Attendee(_) | Who::Coach => {}
            Who::Other => unmatched.push(UnmatchedChat { line: m.line, sender: m.sender.to_string(), text: m.text.to_string() }),
        }
    }
    // Each chat message is judged once (staff and strangers' too: cheap, and simpler).
    let said = Said { from, messages, is_question: chat.iter().map(|m| is_genuine_question(&m.text)).collect() };
    let measure = Measure {
        duration: report.info.duration_minutes.filter(|d| *d > 0.0).unwrap_or_else(|| report.registrants.iter().map(|r| r.minutes).fold(0.0, f64::max)).max(1.0),
        most: (0..n).map(|i| (said.of(i).len() as u32).min(CHAT_CAP)).max().unwrap_or(0).max(1),
    };
    // Each registrant's rank entry, in report order.
    let scored: Vec<Ranked> = report
        .registrants
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let messages = said.of(i).len() as u32;
            let c = measure.components(r, messages, said.questions(i));
            let raw = WEIGHTS.focus * c.focus + WEIGHTS.attendance * c.attendance + WEIGHTS.chat * c.chat + WEIGHTS.questions * c.questions;
            let score = if r.attended { raw.round().clamp(0.0, 100.0) as u8 } else { 0 };
            Ranked { registrant: i as u32, messages, score, tier: Tier::of(score, r.attended) }
        })
        .collect();
    // Highest score first, ties in report order: a counting sort on the score (0–100).
    let mut at_score = [0usize; 102];
    // Counted in an array (a map's entry per registrant was a tenth of scoring), then named.
    let mut per_tier = [0usize; 5];
    for r in &scored {
        at_score[100 - usize::from(r.score) + 1] += 1;
        per_tier[r.tier as usize] += 1;
    }
    let tiers = [Tier::Hot, Tier::Warm, Tier::Cool, Tier::Cold, Tier::NoShow].into_iter().zip(per_tier).filter(|&(_, n)| n > 0).collect();
    for i in 1..at_score.len() {
        at_score[i] += at_score[i - 1];
    }
    let mut order = vec![0u32; n];
    for r in &scored {
        let slot = &mut at_score[100 - usize::from(r.score)];
        order[*slot] = r.registrant;
        *slot += 1;
    }
    let ranked = order.iter().map(|&i| scored[i as usize]).collect();
    WebinarScores { platform: report.platform.clone(), info: report.info.clone(), ranked, unmatched_chat: unmatched, tiers, report, chat, said, measure }
}

/// What every registrant is measured against: the webinar's length in minutes, and the most
/// messages anyone sent (capped at [`CHAT_CAP`]; at least 1 each).
#[derive(Debug, Clone, Copy)]
struct Measure {
    duration: f64,
    most: u32,
}

impl Measure {
    /// A registrant's components as the weights take them (not yet rounded for showing).
    #[inline]
    fn components(&self, r: &super::report::Registrant<'_>, messages: u32, questions: usize) -> Components {
        let attendance = if r.attended { (r.minutes / self.duration).min(1.0) } else { 0.0 };
        let (focus, focus_estimated) = match r.attentiveness {
            // Held as f32 (to 1e-4, as the platforms write percentages): read back to that.
            Some(a) if r.attended => ((f64::from(a) * 1e4).round() / 1e4, false),
            _ => (attendance * (0.6 + 0.4 * (f64::from(messages) / 3.0).min(1.0)), true),
        };
        Components {
            focus,
            focus_estimated,
            attendance,
            chat: f64::from(messages.min(CHAT_CAP)) / f64::from(self.most),
            questions: (questions as f64 / f64::from(QUESTIONS_FOR_FULL)).min(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webinar::{parse_attendee_report, parse_chat};

    #[test]
    fn the_sample_scores_as_the_weights_say() {
        let report = parse_attendee_report("r.csv", crate::webinar::report::tests_fixture::ZOOM).unwrap();
        let chat_text = format!("{}10:06:00 From Stranger Danger to Everyone:\n\thi all\n", crate::webinar::chat::tests_fixture::CHAT);
        let chat = parse_chat("c.txt", &chat_text).unwrap();
        let s = score_webinar(&report, &chat);
        let all: Vec<Engagement> = s.engagements().collect();
        let by = |n: &str| all.iter().find(|e| e.name.starts_with(n)).unwrap();
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
        assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
        // Each rank reads its own registrant; the engagements follow the ranks.
        for (rank, e) in s.ranked.iter().zip(&all) {
            assert_eq!((s.registrant(rank).name.as_ref(), rank.score, rank.tier, rank.messages), (e.name.as_str(), e.score, e.tier, e.messages));
        }
        assert_eq!(s.tiers.values().sum::<usize>(), s.ranked.len());
    }

    #[test]
    fn a_no_show_never_chatted_so_never_makes_a_sender_ambiguous() {
        let report = "Attended,Name,Email,Time in Session (minutes)\nYes,Sam Lee,sam@a.example,50\nNo,Sam Lee,sam@b.example,--\nNo,Ada Park,ada@a.example,--\n";
        let report = parse_attendee_report("r.csv", report).unwrap();
        let chat = parse_chat("c.txt", "10:00:00 From Sam Lee to Everyone:\n\tHow do I start?\n10:01:00 From Ada Park to Everyone:\n\thello\n").unwrap();
        let s = score_webinar(&report, &chat);
        let sam = s.ranked.iter().find(|r| s.registrant(r).email.as_deref() == Some("sam@a.example")).unwrap();
        assert_eq!(sam.messages, 1, "the Sam who joined said it");
        assert_eq!(s.unmatched_chat.iter().map(|u| u.sender.as_str()).collect::<Vec<_>>(), ["Ada Park"], "only a no-show has that name");
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
