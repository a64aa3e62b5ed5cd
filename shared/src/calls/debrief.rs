//! One call's debrief: who sells and who buys, conversation metrics from the cue timings, the
//! buyer's signals and objections (and whether the seller answered each), owned action items,
//! a score from the meeting type's rubric, what went well and what to improve — each with its
//! evidence — and the follow-up email to the buyer.
//!
//! ## The rubric (0–10)
//! | part | points | full marks |
//! | --- | --- | --- |
//! | seller's talk ratio | 3 | inside the meeting type's band; 0 at 20 points outside it |
//! | seller's genuine questions | 3 | inside the band; fewer scale down; far more (an interrogation) lose one |
//! | objections answered | 2 | every objection the buyer raised answered by the seller (full when none) |
//! | next steps | 2 | an action item with a due date (1 without a date; 0 with none) |
//!
//! Bands: discovery talk 35–50 % and 11–14 questions — Gong Labs' analysis of 519,000
//! discovery calls found top reps talk about 43 % of the time and ask 11–14 questions; demo
//! 45–65 % and 6+; negotiation, closing and follow-up 40–55 % and 5+ (Debrief's own, looser,
//! since the buyer is expected to talk less once the need is known).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::signals::{BuyingKind, ObjectionKind, Side, read_line, resolve_due};
use crate::analysis::signals::{SignalKind, explain, sentences};
use crate::attendance::normalize_name;
use crate::error::InputError;
use crate::transcript::{Transcript, Utterance};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeetingType {
    Discovery,
    Demo,
    Negotiation,
    Closing,
    FollowUp,
}

impl std::str::FromStr for MeetingType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase()))
            .map_err(|_| format!("unknown meeting type `{s}` (discovery, demo, negotiation, closing, follow-up)"))
    }
}

impl MeetingType {
    /// (talk ratio band in %, question band: at least, at most).
    fn bands(self) -> ((f64, f64), (u32, Option<u32>)) {
        match self {
            MeetingType::Discovery => ((35.0, 50.0), (11, Some(14))),
            MeetingType::Demo => ((45.0, 65.0), (6, None)),
            MeetingType::Negotiation | MeetingType::Closing | MeetingType::FollowUp => ((40.0, 55.0), (5, None)),
        }
    }

    /// The meeting type the call's words point to; discovery when nothing does.
    fn infer(lines: &[&str]) -> Self {
        const CUES: &[(MeetingType, &[&str])] = &[
            (MeetingType::Demo, &["demo", "show you", "share my screen", "sharing my screen", "let me show", "walk you through the product"]),
            (MeetingType::Negotiation, &["discount", "redline", "terms", "contract", "payment schedule", "negotiat"]),
            (MeetingType::Closing, &["sign today", "order form", "purchase order", "signature", "docusign", "start date", "countersign"]),
            (MeetingType::FollowUp, &["last time we spoke", "following up", "since we last", "as promised", "last call"]),
        ];
        let text: String = lines.iter().map(|l| l.to_lowercase()).collect::<Vec<_>>().join(" ");
        let (best, hits) = CUES.iter().map(|(t, cues)| (*t, cues.iter().map(|c| text.matches(c).count()).sum::<usize>())).max_by_key(|(_, n)| *n).expect("cues");
        if hits >= 2 { best } else { MeetingType::Discovery }
    }
}

/// One person on the call, as the request names them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallParticipant {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub role: Option<Side>,
}

/// What the call's transcript does not say: who is who, the date, the meeting type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallFacts {
    #[serde(default)]
    pub participants: Vec<CallParticipant>,
    /// The rep's name as the transcript labels them: that speaker sells, everyone else buys.
    #[serde(default)]
    pub rep: Option<String>,
    /// The seller's email domain (else the domain of a participant marked seller).
    #[serde(default)]
    pub seller_domain: Option<String>,
    #[serde(default)]
    pub meeting_type: Option<MeetingType>,
    /// ISO 8601 date of the call; due dates are resolved against it.
    pub call_date: String,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeakerRole {
    pub speaker: String,
    pub side: Side,
    /// `participants`, `email domain` or `rep`.
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Monologue {
    pub speaker: String,
    pub side: Side,
    pub seconds: f64,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub duration_minutes: f64,
    pub seller_talk_percent: f64,
    pub buyer_talk_percent: f64,
    pub longest_monologue: Option<Monologue>,
    pub seller_longest_monologue_seconds: f64,
    /// Speaker changes a minute (interactivity).
    pub switches_per_minute: f64,
    /// The seller's average silence between the buyer's last words and their answer (patience).
    pub seller_average_pause_seconds: Option<f64>,
    pub seller_questions: u32,
    pub seller_questions_per_minute: f64,
    pub buyer_questions: u32,
}

/// A moment of the call: who said it, verbatim, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub speaker: String,
    pub quote: String,
    pub at: String,
    #[serde(default)]
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuyingSignal {
    pub kind: BuyingKind,
    pub rule: String,
    #[serde(flatten)]
    pub said: Quote,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Objection {
    pub kind: ObjectionKind,
    pub rule: String,
    #[serde(flatten)]
    pub said: Quote,
    /// The seller's answer, when they gave one.
    pub addressed: Option<Quote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionItem {
    /// The side that took it on; `None` when the line commits both or neither.
    pub owner: Option<Side>,
    #[serde(flatten)]
    pub said: Quote,
    /// The time as said ("by Friday"), only when one was.
    pub due_said: Option<String>,
    /// That time as a date, when it names one day.
    pub due_date: Option<String>,
}

/// A point of the debrief and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    pub text: String,
    pub evidence: Option<Quote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RubricPart {
    pub part: String,
    pub points: f64,
    pub max: f64,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Debrief {
    pub meeting_type: MeetingType,
    pub meeting_type_inferred: bool,
    pub call_date: String,
    pub roles: Vec<SpeakerRole>,
    pub metrics: Metrics,
    pub buying_signals: Vec<BuyingSignal>,
    pub objections: Vec<Objection>,
    pub seller_questions: Vec<Quote>,
    pub action_items: Vec<ActionItem>,
    /// The buyer's pains, in their words.
    pub pains: Vec<Quote>,
    pub takeaways: Vec<Point>,
    pub went_well: Vec<Point>,
    pub to_improve: Vec<Point>,
    pub score: f64,
    pub rubric: Vec<RubricPart>,
    /// `builtin`, or `model:<name>` when a model read the signals (quotes verified).
    #[serde(default = "builtin")]
    pub reader: String,
    /// Why the built-in reading stands although a model is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    /// The model's quotes that were not in the transcript as said, dropped.
    #[serde(default)]
    pub dropped_quotes: u32,
}

fn builtin() -> String {
    "builtin".into()
}

/// The rubric, the points and the score again, after the signals changed (a model's reading).
pub fn rescore(d: &mut Debrief) {
    let (rubric, went_well, to_improve) = rubric(d.meeting_type, &d.metrics, &d.objections, &d.action_items);
    d.score = round1(rubric.iter().map(|p| p.points).sum());
    d.rubric = rubric;
    d.went_well = went_well;
    d.to_improve = to_improve;
}

pub(crate) fn at(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 { format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60) } else { format!("{:02}:{:02}", s / 60, s % 60) }
}

/// A kind's name as the JSON spells it (`nextStep`, `price`).
pub fn name<T: Serialize>(kind: &T) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn domain_of(email: &str) -> Option<String> {
    email.rsplit_once('@').map(|(_, d)| d.trim().to_ascii_lowercase()).filter(|d| !d.is_empty())
}

/// Who sells and who buys, per speaker label: the participants' roles, else their email
/// domains against the seller's, else the rep named; an unknown speaker is an error naming the
/// field, never a guess.
pub fn roles(speakers: &[&str], facts: &CallFacts) -> Result<Vec<SpeakerRole>, InputError> {
    let key = |s: &str| normalize_name(s);
    let seller_domain = facts
        .seller_domain
        .as_deref()
        .map(|d| d.trim_start_matches('@').to_ascii_lowercase())
        .or_else(|| facts.participants.iter().find(|p| p.role == Some(Side::Seller)).and_then(|p| p.email.as_deref()).and_then(domain_of));
    let participant = |speaker: &str| -> Option<&CallParticipant> {
        let k = key(speaker);
        let exact: Vec<_> = facts.participants.iter().filter(|p| key(&p.name) == k).collect();
        if exact.len() == 1 {
            return exact.first().copied();
        }
        // A label that is a first name ("Sam") for one participant only.
        let first: Vec<_> = facts.participants.iter().filter(|p| key(&p.name).split(' ').next() == k.split(' ').next() && !k.is_empty()).collect();
        (first.len() == 1).then(|| first[0])
    };
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for &speaker in speakers {
        let p = participant(speaker);
        let role = if let Some(side) = p.and_then(|p| p.role) {
            Some((side, "participants"))
        } else if let (Some(domain), Some(email_domain)) = (&seller_domain, p.and_then(|p| p.email.as_deref()).and_then(domain_of)) {
            Some((if &email_domain == domain { Side::Seller } else { Side::Buyer }, "email domain"))
        } else if let Some(rep) = &facts.rep {
            Some((if key(rep) == key(speaker) || key(rep).split(' ').next() == key(speaker).split(' ').next() { Side::Seller } else { Side::Buyer }, "rep"))
        } else {
            None
        };
        match role {
            Some((side, how)) => out.push(SpeakerRole { speaker: speaker.to_string(), side, how: how.to_string() }),
            None => unknown.push(speaker),
        }
    }
    if !unknown.is_empty() {
        return Err(InputError::field(
            "participants",
            format!(
                "who sells and who buys is not known for {}: give participants with a role (seller or buyer), their emails with sellerDomain, or the rep",
                unknown.join(", ")
            ),
        ));
    }
    if !out.iter().any(|r| r.side == Side::Seller) || !out.iter().any(|r| r.side == Side::Buyer) {
        return Err(InputError::field("participants", "a sales call needs a speaker on each side (a seller and a buyer)"));
    }
    Ok(out)
}

/// The debrief of one call.
pub fn debrief(transcript: &Transcript<'_>, facts: &CallFacts) -> Result<Debrief, InputError> {
    let call_date = time::Date::parse(&facts.call_date, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| InputError::field("callDate", format!("`{}` is not an ISO 8601 date (YYYY-MM-DD)", facts.call_date)))?;
    let us: Vec<&Utterance<'_>> = transcript.utterances.iter().filter(|u| u.speaker.is_some()).collect();
    if us.is_empty() {
        return Err(InputError::field("transcript", "no speaker labels: a sales call needs them (`Name: words` or WebVTT `<v Name>`)"));
    }
    let mut speakers: Vec<&str> = Vec::new();
    for u in &us {
        let s = u.speaker.as_deref().expect("filtered");
        if !speakers.contains(&s) {
            speakers.push(s);
        }
    }
    let roles = roles(&speakers, facts)?;
    let side: HashMap<&str, Side> = roles.iter().map(|r| (r.speaker.as_str(), r.side)).collect();
    let side_of = |u: &Utterance<'_>| side[u.speaker.as_deref().expect("filtered")];
    let quote = |u: &Utterance<'_>, text: &str| Quote { speaker: u.speaker.as_deref().unwrap_or_default().to_string(), quote: text.to_string(), at: at(u.start_ms), at_ms: u.start_ms };

    // Metrics.
    let (first, last) = (us.first().expect("non-empty").start_ms, us.iter().map(|u| u.end_ms).max().unwrap_or(0));
    let minutes = ((last.saturating_sub(first)) as f64 / 60_000.0).max(1.0 / 60.0);
    let talk = |s: Side| us.iter().filter(|u| side_of(u) == s).map(|u| u.duration_ms()).sum::<u64>() as f64;
    let (seller_ms, buyer_ms) = (talk(Side::Seller), talk(Side::Buyer));
    let total = (seller_ms + buyer_ms).max(1.0);
    let mut switches = 0u32;
    let mut pauses = Vec::new();
    let mut monologues: Vec<(usize, u64, u64)> = Vec::new(); // (first utterance, start, end)
    for (i, u) in us.iter().enumerate() {
        match i.checked_sub(1).map(|p| us[p]) {
            Some(prev) if prev.speaker == u.speaker => {
                // Cues may overlap or come out of order: a monologue only grows.
                let m = monologues.last_mut().expect("opened");
                m.2 = m.2.max(u.end_ms);
            }
            prev => {
                if let Some(prev) = prev {
                    switches += 1;
                    if side_of(prev) == Side::Buyer && side_of(u) == Side::Seller {
                        pauses.push(u.start_ms.saturating_sub(prev.end_ms) as f64 / 1000.0);
                    }
                }
                monologues.push((i, u.start_ms, u.end_ms));
            }
        }
    }
    let longest = monologues.iter().max_by_key(|(_, a, b)| b.saturating_sub(*a)).map(|&(i, a, b)| Monologue {
        speaker: us[i].speaker.as_deref().unwrap_or_default().to_string(),
        side: side_of(us[i]),
        seconds: round1(b.saturating_sub(a) as f64 / 1000.0),
        at: at(a),
    });
    let seller_longest = monologues.iter().filter(|(i, ..)| side_of(us[*i]) == Side::Seller).map(|(_, a, b)| b.saturating_sub(*a) as f64 / 1000.0).fold(0.0, f64::max);

    // Signals, line by line.
    let mut buying_signals = Vec::new();
    let mut objections: Vec<(usize, Objection)> = Vec::new();
    let mut seller_questions = Vec::new();
    let mut buyer_questions = 0u32;
    let mut action_items = Vec::new();
    let mut pains = Vec::new();
    for (i, u) in us.iter().enumerate() {
        let s = side_of(u);
        for range in sentences(&u.text) {
            let sentence = &u.text[range];
            let read = read_line(sentence, s);
            if let Some((kind, rule)) = read.buying {
                buying_signals.push(BuyingSignal { kind, rule: rule.to_string(), said: quote(u, sentence) });
            }
            if let Some((kind, rule)) = read.objection {
                objections.push((i, Objection { kind, rule: rule.to_string(), said: quote(u, sentence), addressed: None }));
            }
            if read.question {
                match s {
                    Side::Seller => seller_questions.push(quote(u, sentence)),
                    Side::Buyer => buyer_questions += 1,
                }
            }
            if let Some(c) = read.commitment {
                let lower = sentence.to_lowercase();
                // "Let's both…" commits neither side alone.
                let owner = (!lower.starts_with("let's") && !lower.contains("let us ")).then_some(s);
                let due_date = c.due.as_deref().and_then(|d| resolve_due(d, call_date)).map(|d| d.to_string());
                action_items.push(ActionItem { owner, said: quote(u, sentence), due_said: c.due, due_date });
            }
            if s == Side::Buyer && read.objection.is_none() && explain(sentence).iter().any(|d| matches!(d.kind, SignalKind::Challenge | SignalKind::Urgency)) {
                pains.push(quote(u, sentence));
            }
        }
    }
    // An objection is answered by the seller's next turn (their cues after the rest of the
    // buyer's turn, up to the buyer's next words) when it has substance beyond an
    // acknowledgement and beyond a promise of a next step: at least eight words in sentences
    // that commit to nothing ("Understood. I'll send the contract by Thursday" moves on, it
    // does not answer). The answer quoted is its first two such sentences, in one cue.
    for (i, o) in &mut objections {
        let buyer = us[*i].speaker.clone();
        let rest = us[*i + 1..].iter().skip_while(|u| u.speaker == buyer);
        let turn: Vec<&&Utterance<'_>> = rest.take_while(|u| side_of(u) == Side::Seller).collect();
        let mut substance: Vec<(&Utterance<'_>, std::ops::Range<usize>)> = Vec::new();
        for u in &turn {
            for r in sentences(&u.text) {
                if read_line(&u.text[r.clone()], Side::Seller).commitment.is_none() {
                    substance.push((u, r));
                }
            }
        }
        let words: usize = substance.iter().map(|(u, r)| u.text[r.clone()].split_whitespace().count()).sum();
        o.addressed = (words >= 8).then(|| {
            let (u, first) = substance[0].clone();
            let end = substance.iter().take(2).filter(|(v, _)| std::ptr::eq(*v, u)).map(|(_, r)| r.end).max().unwrap_or(first.end);
            quote(u, u.text[first.start..end].trim())
        });
    }
    let objections: Vec<Objection> = objections.into_iter().map(|(_, o)| o).collect();

    let (meeting_type, inferred) = match facts.meeting_type {
        Some(t) => (t, false),
        None => (MeetingType::infer(&us.iter().map(|u| u.text.as_ref()).collect::<Vec<_>>()), true),
    };
    let metrics = Metrics {
        duration_minutes: round1(minutes),
        seller_talk_percent: round1(100.0 * seller_ms / total),
        buyer_talk_percent: round1(100.0 * buyer_ms / total),
        longest_monologue: longest,
        seller_longest_monologue_seconds: round1(seller_longest),
        switches_per_minute: round1(f64::from(switches) / minutes),
        seller_average_pause_seconds: (!pauses.is_empty()).then(|| round1(pauses.iter().sum::<f64>() / pauses.len() as f64)),
        seller_questions: seller_questions.len() as u32,
        seller_questions_per_minute: round1(seller_questions.len() as f64 / minutes),
        buyer_questions,
    };
    let (rubric, went_well, to_improve) = rubric(meeting_type, &metrics, &objections, &action_items);
    let score = round1(rubric.iter().map(|p| p.points).sum());
    let mut takeaways = Vec::new();
    if let Some(p) = pains.first() {
        takeaways.push(Point { text: "The buyer's pain, in their words".into(), evidence: Some(p.clone()) });
    }
    for b in buying_signals.iter().take(3) {
        takeaways.push(Point { text: format!("Buying signal: {}", name(&b.kind)), evidence: Some(b.said.clone()) });
    }
    for o in objections.iter().filter(|o| o.addressed.is_none()) {
        takeaways.push(Point { text: format!("Open {} objection: not answered on the call", name(&o.kind)), evidence: Some(o.said.clone()) });
    }
    if let Some(a) = action_items.iter().find(|a| a.owner == Some(Side::Buyer)) {
        takeaways.push(Point { text: "The buyer took on a next step".into(), evidence: Some(a.said.clone()) });
    }
    Ok(Debrief {
        meeting_type,
        meeting_type_inferred: inferred,
        call_date: call_date.to_string(),
        roles,
        metrics,
        buying_signals,
        objections,
        seller_questions,
        action_items,
        pains,
        takeaways,
        went_well,
        to_improve,
        score,
        rubric,
        reader: builtin(),
        fallback_reason: None,
        dropped_quotes: 0,
    })
}

type Judged = (Vec<RubricPart>, Vec<Point>, Vec<Point>);

fn rubric(t: MeetingType, m: &Metrics, objections: &[Objection], actions: &[ActionItem]) -> Judged {
    let ((lo, hi), (q_lo, q_hi)) = t.bands();
    let (mut well, mut improve) = (Vec::new(), Vec::new());
    let point = |text: String| Point { text, evidence: None };
    // Talk ratio.
    let talk = m.seller_talk_percent;
    let off = if talk < lo { lo - talk } else { (talk - hi).max(0.0) };
    let talk_points = (3.0 * (1.0 - off / 20.0)).clamp(0.0, 3.0);
    let talk_why = format!("seller talked {talk:.0} % (band {lo:.0}–{hi:.0} %)");
    if off == 0.0 { well.push(point(format!("Balanced conversation: {talk_why}"))) } else { improve.push(point(format!("Talk ratio outside the band: {talk_why}"))) }
    // Questions.
    let q = m.seller_questions;
    let q_points = if q < q_lo {
        3.0 * f64::from(q) / f64::from(q_lo)
    } else if q_hi.is_some_and(|h| q > h + 6) {
        2.0
    } else {
        3.0
    };
    let band = match q_hi {
        Some(h) => format!("{q_lo}–{h}"),
        None => format!("{q_lo}+"),
    };
    let q_why = format!("{q} genuine questions (band {band})");
    if q >= q_lo { well.push(point(format!("Asked enough: {q_why}"))) } else { improve.push(point(format!("Ask more discovery questions: {q_why}"))) }
    // Objections.
    let raised = objections.len();
    let answered = objections.iter().filter(|o| o.addressed.is_some()).count();
    let o_points = if raised == 0 { 2.0 } else { 2.0 * answered as f64 / raised as f64 };
    for o in objections {
        match &o.addressed {
            Some(a) => well.push(Point { text: format!("Answered the {} objection", name(&o.kind)), evidence: Some(a.clone()) }),
            None => improve.push(Point { text: format!("Left the {} objection unanswered", name(&o.kind)), evidence: Some(o.said.clone()) }),
        }
    }
    // Next steps.
    let dated = actions.iter().find(|a| a.owner.is_some() && a.due_said.is_some());
    let n_points = if dated.is_some() {
        2.0
    } else if actions.iter().any(|a| a.owner.is_some()) {
        1.0
    } else {
        0.0
    };
    match (dated, actions.first()) {
        (Some(a), _) => well.push(Point { text: "Agreed a next step with a date".into(), evidence: Some(a.said.clone()) }),
        (None, Some(a)) => improve.push(Point { text: "Put a date on the next step".into(), evidence: Some(a.said.clone()) }),
        (None, None) => improve.push(point("No next step was agreed".into())),
    }
    if m.seller_longest_monologue_seconds > 150.0 {
        improve.push(point(format!("Shorter monologues: the longest ran {:.0} s", m.seller_longest_monologue_seconds)));
    }
    let parts = vec![
        RubricPart { part: "talk ratio".into(), points: round1(talk_points), max: 3.0, why: talk_why },
        RubricPart { part: "questions".into(), points: round1(q_points), max: 3.0, why: q_why },
        RubricPart { part: "objections answered".into(), points: round1(o_points), max: 2.0, why: format!("{answered} of {raised} answered") },
        RubricPart { part: "next steps".into(), points: n_points, max: 2.0, why: format!("{} action items, {} with a time", actions.len(), actions.iter().filter(|a| a.due_said.is_some()).count()) },
    ];
    (parts, well, improve)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Overlapping and out-of-order cues (as some recorders write them) keep every metric
    /// sane: no monologue shorter than its first cue, no negative time.
    #[test]
    fn overlapping_cues_keep_the_metrics_sane() {
        let vtt = "WEBVTT\n\n00:00:10.000 --> 00:00:20.000\n<v Sam>So what does your week look like?\n\n00:00:05.000 --> 00:00:08.000\n<v Sam>And who decides on tools?\n\n00:00:21.000 --> 00:00:30.000\n<v Ann>I decide, and the budget for this is approved.\n";
        let t = Transcript::parse(vtt, None).unwrap();
        let facts = CallFacts { rep: Some("Sam".into()), call_date: "2026-11-25".into(), ..Default::default() };
        let d = debrief(&t, &facts).unwrap();
        assert_eq!(d.metrics.seller_longest_monologue_seconds, 10.0);
        assert_eq!(d.metrics.seller_questions, 2);
        assert!(d.metrics.seller_average_pause_seconds.is_none(), "the buyer never spoke before the seller");
        assert!((0.0..=10.0).contains(&d.score));
        assert_eq!(d.buying_signals.len(), 1, "{:?}", d.buying_signals);
    }
}
