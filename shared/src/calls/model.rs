//! The sales profile with a model: any OpenAI-compatible server reads the call (strict JSON,
//! Structured Outputs) for buying signals, objections and whether each was answered, and owned
//! action items — and nothing it says is taken on trust:
//! - every quote must be, verbatim, within one line of the transcript said by the right side
//!   (the buyer for signals and objections; the owner for an action item), and an answer must
//!   be the seller's, after the objection; a quote that is not is dropped and counted;
//! - a due time is kept only when its words are in the action item's own quote (never
//!   invented), then resolved against the call's date as the built-in reader does.
//! The metrics, questions and rubric stay the built-in reader's (they come from the timings).
//! When the model cannot answer, the built-in reading stands and the debrief says why.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use serde::Deserialize;
use serde_json::json;

use super::debrief::{ActionItem, BuyingSignal, Debrief, Objection, Point, Quote, at, rescore};
use super::signals::{BuyingKind, ObjectionKind, Side, resolve_due};
use crate::analysis::llm::{JsonQuestion, LlmConfig, openai_client};
use crate::transcript::Transcript;

/// The transcript sent, at most (about 30,000 tokens: a long call fits).
const MAX_PROMPT_CHARS: usize = 120_000;

const SYSTEM: &str = "You read a B2B sales call transcript for a sales coach. Each line is `[mm:ss] Speaker (seller|buyer): words`. \
Return JSON matching the schema. buyingSignals: the buyer's lines that show budget, timeline, authority, a next step, or ask about pricing, contract or implementation, or show clear intent. \
objections: the buyer's concerns about price, a competitor, timing, authority (someone else decides), need, or trust/risk, including soft ones; \
answer is the seller's reply that addresses it, quoted, or null if the seller did not address it. \
actionItems: concrete actions someone committed to (\"I'll send…\"), owner = the side that committed (unassigned if both or neither), \
due = the time words exactly as said (\"by Friday\") or null if no time was said. takeaways: at most three points for the coach, each with a supporting quote. \
Every quote must be copied exactly from one line of the transcript. Do not invent anything.";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelReading {
    buying_signals: Vec<ModelSignal>,
    objections: Vec<ModelObjection>,
    action_items: Vec<ModelAction>,
    takeaways: Vec<ModelPoint>,
}

#[derive(Debug, Deserialize)]
struct ModelSignal {
    quote: String,
    kind: BuyingKind,
}

#[derive(Debug, Deserialize)]
struct ModelObjection {
    quote: String,
    kind: ObjectionKind,
    answer: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ModelAction {
    quote: String,
    owner: String,
    due: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ModelPoint {
    text: String,
    quote: String,
}

fn schema() -> serde_json::Value {
    let quote = json!({"type": "string"});
    let buying = json!({"type": "string", "enum": ["budget", "timeline", "authority", "nextStep", "pricing", "contract", "implementation", "intent"]});
    let objection = json!({"type": "string", "enum": ["price", "competitor", "timing", "authority", "need", "trust"]});
    let obj = |props: serde_json::Value, required: &[&str]| json!({"type": "object", "additionalProperties": false, "required": required, "properties": props});
    obj(
        json!({
            "buyingSignals": {"type": "array", "items": obj(json!({"quote": quote, "kind": buying}), &["quote", "kind"])},
            "objections": {"type": "array", "items": obj(json!({"quote": quote, "kind": objection, "answer": {"type": ["string", "null"]}}), &["quote", "kind", "answer"])},
            "actionItems": {"type": "array", "items": obj(json!({"quote": quote, "owner": {"type": "string", "enum": ["seller", "buyer", "unassigned"]}, "due": {"type": ["string", "null"]}}), &["quote", "owner", "due"])},
            "takeaways": {"type": "array", "items": obj(json!({"text": {"type": "string"}, "quote": quote}), &["text", "quote"])},
        }),
        &["buyingSignals", "objections", "actionItems", "takeaways"],
    )
}

/// One line of the call as the checks need it.
struct Line {
    speaker: String,
    side: Side,
    text: String,
    start_ms: u64,
}

pub struct ModelCallReader {
    client: Client<OpenAIConfig>,
    model: String,
}

impl ModelCallReader {
    pub fn new(config: &LlmConfig) -> Self {
        Self { client: openai_client(config, config.max_attempts), model: config.model.clone() }
    }

    /// Replaces the built-in reading of signals, objections and action items in `d` with the
    /// model's verified one, and rescores; an error says why the built-in reading stands.
    pub async fn read(&self, transcript: &Transcript<'_>, d: &mut Debrief) -> Result<(), String> {
        let side_of = |speaker: &str| d.roles.iter().find(|r| r.speaker == speaker).map(|r| r.side);
        let lines: Vec<Line> = transcript
            .utterances
            .iter()
            .filter_map(|u| {
                let speaker = u.speaker.as_deref()?;
                Some(Line { speaker: speaker.to_string(), side: side_of(speaker)?, text: u.text.to_string(), start_ms: u.start_ms })
            })
            .collect();
        let mut prompt = String::new();
        for l in &lines {
            let line = format!("[{}] {} ({}): {}\n", at(l.start_ms), l.speaker, super::debrief::name(&l.side), l.text);
            if prompt.len() + line.len() > MAX_PROMPT_CHARS {
                break;
            }
            prompt.push_str(&line);
        }
        let question = JsonQuestion {
            model: &self.model,
            system: SYSTEM,
            user: &prompt,
            name: "sales_call_reading",
            description: "A sales call's signals, objections and action items",
            schema: schema(),
            temperature: Some(0.0),
            seed: Some(7),
        };
        let (reading, _): (ModelReading, _) = question.ask(&self.client).await?;
        let call_date = time::Date::parse(&d.call_date, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| "the call date".to_string())?;
        // The first line, at or after `from`, by `side` (any when `None`), holding `quote`.
        let find = |quote: &str, side: Option<Side>, from: usize| -> Option<(usize, &Line)> {
            let q = quote.trim();
            (!q.is_empty()).then_some(())?;
            lines.iter().enumerate().skip(from).find(|(_, l)| side.is_none_or(|s| l.side == s) && l.text.contains(q))
        };
        let quote_of = |l: &Line, q: &str| Quote { speaker: l.speaker.clone(), quote: q.trim().to_string(), at: at(l.start_ms), at_ms: l.start_ms };
        let mut dropped = 0u32;
        let mut signals = Vec::new();
        for s in reading.buying_signals {
            match find(&s.quote, Some(Side::Buyer), 0) {
                Some((_, l)) => signals.push(BuyingSignal { kind: s.kind, rule: "model".into(), said: quote_of(l, &s.quote) }),
                None => dropped += 1,
            }
        }
        let mut objections = Vec::new();
        for o in reading.objections {
            let Some((i, l)) = find(&o.quote, Some(Side::Buyer), 0) else {
                dropped += 1;
                continue;
            };
            let addressed = match o.answer.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                Some(a) => match find(a, Some(Side::Seller), i + 1) {
                    Some((_, al)) => Some(quote_of(al, a)),
                    None => {
                        dropped += 1;
                        None
                    }
                },
                None => None,
            };
            objections.push(Objection { kind: o.kind, rule: "model".into(), said: quote_of(l, &o.quote), addressed });
        }
        let mut actions = Vec::new();
        for a in reading.action_items {
            let owner = match a.owner.as_str() {
                "seller" => Some(Side::Seller),
                "buyer" => Some(Side::Buyer),
                _ => None,
            };
            // An owned item is the owner's own words.
            let Some((_, l)) = find(&a.quote, owner, 0) else {
                dropped += 1;
                continue;
            };
            let due_said = a.due.map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty() && a.quote.to_lowercase().contains(d.as_str()));
            let phrase = due_said.as_deref().map(|d| d.trim_start_matches("by ").trim_start_matches("on ").to_string());
            let due_date = phrase.as_deref().and_then(|p| resolve_due(p, call_date)).map(|d| d.to_string());
            actions.push(ActionItem { owner, said: quote_of(l, &a.quote), due_said, due_date });
        }
        let takeaways: Vec<Point> = reading
            .takeaways
            .into_iter()
            .take(3)
            .filter_map(|p| match find(&p.quote, None, 0) {
                Some((_, l)) => Some(Point { text: p.text, evidence: Some(quote_of(l, &p.quote)) }),
                None => {
                    dropped += 1;
                    None
                }
            })
            .collect();
        d.buying_signals = signals;
        d.objections = objections;
        d.action_items = actions;
        d.takeaways.retain(|t| t.text.starts_with("The buyer's pain"));
        d.takeaways.extend(takeaways);
        d.reader = format!("model:{}", self.model);
        d.dropped_quotes = dropped;
        rescore(d);
        Ok(())
    }
}
