//! What one line of a sales call carries: buying signals and objections (the buyer's), genuine
//! questions and commitments (either side's), each with the phrase rule that found it.
//!
//! The lists are written from the signal definitions (BANT — budget, authority, need,
//! timeline — and the usual objection families: price, competitor, timing, authority, need,
//! trust) and this repository's own labelled calls (`tests/eval/calls-own.jsonl`);
//! `debrief eval signals` measures them on the held-out set in `../shared/eval/`. They are
//! matched by the workshop engine ([`crate::analysis::signals::PhraseList`]): same
//! normalisation, same `~` stems and `…` gaps.
//!
//! Objections are read in three ways, because listing the sentences buyers say does not carry
//! to the next buyer's wording:
//! - each family's idioms ("put a pin in it", "every pound gets scrutinised");
//! - reluctance said without its reason ([`RELUCTANCE`]: "I'm not sold on it"), whose family the
//!   sentence's first topic word tells ([`TOPICS`]);
//! - trouble ([`OFFER_TROUBLE`]: "is a problem", "struggling") only when it is about the offer:
//!   said of anything else it is the buyer's pain, the reason for the call.
//!
//! Commitments are the workshop engine's own (with its discourse-marker and hedge rules) plus
//! the seller's stock phrases ("let me get you…", "leave it with me"), less obligations and
//! open next moves ([`NOT_SALES_COMMITMENT`]).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::analysis::questions::is_genuine_question;
use crate::analysis::signals::{Normalised, PhraseList, SignalKind, explain, sentences};

/// Who is speaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Seller,
    Buyer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BuyingKind {
    Budget,
    Timeline,
    Authority,
    NextStep,
    Pricing,
    Contract,
    Implementation,
    Intent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ObjectionKind {
    Price,
    Competitor,
    Timing,
    Authority,
    Need,
    Trust,
}

// Weights: 3 = unmistakable, 2 = clear, 1 = weak (a weak cue counts only in a question or
// beside a clear one).

#[rustfmt::skip]
const BUDGET: &[(&str, u8)] = &[
    ("earmarked", 3), ("in the new budget", 2), ("budget for this", 2), ("approved the spend", 3), ("approved the budget", 3),
    ("budget for", 2), ("budget set aside", 3), ("budget allocated", 3), ("budget is allocated", 3), ("have budget", 3),
    ("have the budget", 3), ("got budget", 3), ("got the budget", 3), ("budget … approved", 3), ("money set aside", 3),
    ("funding … approved", 3), ("spend … approved", 3),
    ("ring-fenced", 3), ("ring fenced", 3), ("set aside", 2), ("in the budget", 2), ("budget … this quarter", 2),
    ("budget … in q~", 3), ("budget … next quarter", 2), ("willing to invest", 3), ("ready to invest", 3),
    ("in line with what we", 3), ("pencilled in", 3), ("penciled in", 3), ("within budget", 3), ("within our budget", 3), ("fits our budget", 3), ("fits the budget", 3),
    ("to play with", 3), ("grand for", 2), ("set aside about", 3), ("we have got about", 2),
    // A budget given to them, or held by them.
    ("given a budget", 3), ("grand to spend", 3), ("k to spend", 3), ("thousand to spend", 3), ("money to spend", 3), ("budget to spend", 3), ("to spend before", 3), ("budget … not a problem", 3), ("budget … not an issue", 3), ("money … not a problem", 3), ("money … not an issue", 3), ("a budget of", 3), ("budget of around", 3), ("money left in", 3), ("left in the budget", 3), ("line item", 3),
];

#[rustfmt::skip]
const TIMELINE: &[(&str, u8)] = &[
    ("make a call on this by", 3), ("by the end of the quarter", 2), ("by the end of the month", 2), ("by the end of the year", 2),
    ("make a decision by", 3), ("decision by", 3), ("decide by", 3), ("go live by", 3),     ("live by", 3), ("need it in place", 3), ("up and running by", 3),
    ("how soon", 3), ("how quickly", 2), ("when could we start", 3), ("when can we start", 3), ("when could you start", 3),
    ("kick off", 2), ("start next", 2),     ("roll it out", 2), ("roll out", 2), ("rollout", 2),
    ("timeline", 1),     ("before the busy season", 3), ("trained up before", 3), ("before … starts", 2), ("in place before", 3), ("ready before", 2),
    // A date something has to be live by, or a timing that suits.
    ("be live", 3), ("go live", 3), ("live before", 3), ("in place by", 3), ("lined up by", 3), ("something in place", 3),
    ("timing … works", 3), ("up and running", 3), ("when would we", 2), ("sorted before", 3), ("sorted by", 3), ("make a decision", 2), ("decision within", 3), ("within the next", 2), ("decision made", 3), ("decision before", 3), ("timing is good", 3), ("timing is right", 3), ("good timing", 3), ("perfect timing", 3), ("in a good place", 2), ("before … start~", 2),
];

#[rustfmt::skip]
const AUTHORITY: &[(&str, u8)] = &[
    ("final say is mine", 3), ("decision is mine", 3), ("i make the decision", 3), ("i make the call", 3), ("i decide", 2),
    ("on board", 2), ("signed off", 3), ("sign off on", 2), ("approved it", 3),     ("gave the green light", 3), ("green light", 2), ("i can sign", 3), ("i sign off", 3),
    ("my call", 2), ("my decision", 2), ("champion", 2),     ("take it to the board", 3), ("take this to the board", 3), ("put it to the board", 3), ("present it to the", 2),
    ("asked me to find", 3), ("got backing", 3), ("has backing", 3), ("sponsor", 2), ("in front of finance", 3), ("get it in front of", 3),
    // They hold the budget or the decision, or the decision-maker is already keen.
    ("budget holder", 3), ("the one who signs", 3), ("asked me to get", 3), ("in front of our", 3), ("get this in front of", 3), ("i am the one who", 3), ("hold the budget", 3), ("holds the budget", 3), ("signs off on", 2), ("have sign off", 3), ("got sign off", 3),
    ("big fan", 3), ("fan of", 2), ("already keen", 3), ("is keen", 2), ("are keen", 2), ("asked me to shortlist", 3), ("shortlist", 2),
];

#[rustfmt::skip]
const NEXT_STEP: &[(&str, u8)] = &[
    ("set up a follow up", 3), ("follow up with", 2), ("schedule a", 2), ("book a", 2), ("send me the contract", 3), ("send over the contract", 3),
    ("next steps", 3), ("next step", 3), ("what happens next", 3), ("where do we go from here", 3),
    ("send the order form", 3), ("order form", 2), ("purchase order", 3),     ("the po", 2), ("pilot", 2), ("trial", 1), ("proof of concept", 3), ("poc", 2), ("book a call", 2),
    ("set up a call", 2), ("loop in", 2),
    ("sign the", 2), ("move forward", 3), ("moving forward with", 3), ("go ahead with", 3),
    ("let us do it", 3), ("let us get", 2), ("get started", 2),     ("if we started with", 3), ("start small", 2), ("started with just", 3), ("start with just", 3),
    ("on the next call", 3), ("next call", 2), ("speak to one of", 3), ("talk to one of your", 3), ("before we sign", 3), ("put together a proposal", 3), ("a proposal", 2),
    ("send the paperwork", 3), ("paperwork over", 3), ("sandbox", 3),
    // Going ahead, a meeting in the diary, the decision-maker brought in.
    ("if we go ahead", 3), ("want to go ahead", 3), ("to go ahead", 3), ("we went ahead", 3), ("going ahead", 3), ("process from here", 3), ("if we signed", 2), ("one pager", 3), ("share it with", 2), ("share this with", 2), ("share with the", 2), ("do a session", 3), ("want … to see this", 3), ("reference call", 3), ("in the diary", 3), ("get something in", 2),
    ("onto the next call", 3), ("we can sign", 3), ("ready to sign", 3), ("get it signed", 3), ("sign this", 2), ("sign up", 2),
    ("what do you need from", 3), ("what would you need from", 3), ("need from us", 3), ("need from me", 3), ("get this moving", 3), ("i am sold", 3), ("expand if", 3),
];

#[rustfmt::skip]
const PRICING: &[(&str, u8)] = &[
    ("the two plans", 2), ("which plan", 2), ("what plan", 2), ("pricing tiers", 2),
    ("price", 1), ("pricing", 1), ("per seat", 2), ("per user", 2), ("per licence", 2), ("per license", 2),
    ("discount", 1), ("how much", 1), ("quote", 1),
    ("cost", 1), ("payment terms", 3),
    ("flexibility", 2), ("pay annually", 3), ("annually", 2), ("up front", 2), ("upfront", 2), ("intro rate", 3), ("introductory", 2), ("rate still apply", 3),
    // What it would cost them.
    ("what would it cost", 3), ("commercials", 3), ("the damage", 3), ("what would … come to", 3), ("what does … come to", 3), ("what does it cost", 3), ("what would … cost", 3), ("how much would", 3), ("how much does", 3), ("how much is", 2),
    ("billing", 1), ("invoic~", 1), ("fees", 1), ("setup fee~", 3), ("set up fee~", 3), ("volume pricing", 3), ("annual plan", 3), ("monthly plan", 3),
];

#[rustfmt::skip]
const CONTRACT: &[(&str, u8)] = &[
    ("contract", 1), ("redline", 2), ("terms and conditions", 2),
    ("dpa", 2), ("procurement … need", 2), ("sla", 2),
    ("notice period", 3), ("paperwork", 2), ("cancel", 2), ("cancellation", 2), ("minimum term", 3), ("if it does not work out", 3),
    ("minimum commitment", 3), ("msa", 3), ("master services agreement", 3), ("the agreement", 2), ("lawyers", 2), ("start reviewing", 2), ("break clause", 3), ("contract length", 3), ("contract ends", 3), ("contract is up", 3), ("sign up for a year", 3),
];

#[rustfmt::skip]
const IMPLEMENTATION: &[(&str, u8)] = &[
    ("onboarding", 1), ("onboard", 1), ("implementation", 1), ("migration", 1), ("migrate", 1),     ("integrat~", 1), ("set up", 1), ("setup", 1), ("training", 1), ("api", 1),
    ("connector", 1),
    ("historic data", 2), ("historical data", 2), ("data across", 2), ("import our", 2),
    ("plug into", 2), ("plugs into", 2), ("trained up", 2), ("support do we get", 3), ("kind of support", 3), ("by hand", 1),
    ("connect~", 1), ("first ninety days", 3), ("first 90 days", 3), ("look like if we", 3), ("need it to work with", 3), ("work with our", 2), ("hook into", 2), ("hooks into", 2), ("sync~", 1), ("point of contact", 3), ("first team trained", 3), ("get … onboarded", 3), ("onboarded", 2), ("get set up", 2),
];

#[rustfmt::skip]
const INTENT: &[(&str, u8)] = &[
    ("been looking for", 2), ("what we are looking for", 3),
    ("loved the demo", 3),
    ("love it", 2), ("ready to move", 3), ("ready to go", 2),     ("exactly what we need", 3), ("exactly what we are looking for", 3), ("this would solve", 2),     ("keen to try", 3), ("keen to get", 3), ("excited to", 2), ("want to try it", 3),
    // They can see it working for them.
    ("work for us", 2), ("in business", 3), ("landing really well", 3), ("land really well", 3), ("go down well", 3), ("go down really well", 3), ("i can see this", 2), ("no brainer", 3), ("save … hours", 3), ("save my team", 3), ("could really work", 3), ("could work for us", 3), ("been missing", 3), ("what we need", 2), ("really useful", 2),
];

#[rustfmt::skip]
const PRICE_OBJECTION: &[(&str, u8)] = &[
    ("a lot of money", 3), ("do not have the budget", 3), ("no budget", 3), ("half the price", 3), ("can not justify", 3), ("justify it", 2),
    ("too expensive", 3), ("expensive", 2), ("pricey", 3), ("steep", 2),     ("over budget", 3), ("over our budget", 3), ("out of budget", 3), ("outside our budget", 3), ("not in the budget", 3),
    ("afford", 2),
    ("at that price", 3), ("price is", 2), ("price point", 2), ("cheaper", 2),     ("costs too much", 3), ("cost too much", 3), ("hard to justify", 3), ("justify the cost", 3), ("the cost", 1),
    // More than they meant to spend, money short, costs being cut, a fee that puts them off.
    ("more than we were expecting", 3), ("more than we were", 3), ("more than we expected", 3), ("more than we budgeted", 3), ("more than we wanted to spend", 3),
    ("money is tight", 3), ("cash is tight", 3), ("tight this quarter", 3), ("cutting costs", 3), ("cut costs", 2), ("cost cutting", 3),
    ("putting me off", 2), ("puts me off", 2), ("on top of the", 2), ("a big ask", 3), ("quoted us", 2), ("less for", 2),
    // More than they pay or had in mind, a number that will not pass, money watched closely.
    ("fair bit more", 3), ("find the money", 3), ("find the budget", 3), ("cheapest", 3), ("whoever comes in", 3), ("bit more than", 2), ("lot more than", 2), ("more than we pay", 3), ("north of", 3), ("price tag", 2), ("hefty", 3),
    ("the cost is the", 3), ("every pound", 3), ("every penny", 3), ("every dollar", 3), ("scrutinis~", 3), ("scrutiniz~", 3), ("swallow~", 3),
    ("that kind of number", 3), ("that number", 2), ("half that", 3), ("more like", 2), ("best you can do", 3), ("wiggle room", 3),
    ("fraction of the cost", 3), ("fraction of the price", 3), ("for less", 2), ("charity", 2), ("non profit", 2), ("nonprofit", 2), ("shoestring", 3),
    ("budgets are tight", 3), ("tight budget", 3), ("big chunk", 3), ("out of our league", 3), ("out of reach", 3), ("feels high", 3), ("seems high", 3),
    ("bit high", 3), ("quite high", 3), ("pretty high", 3), ("too high", 3), ("bit steep", 3), ("raise … eyebrows", 3), ("a stretch", 3), ("at the current rate", 3),
    ("get that past", 3), ("get this past", 3), ("get it past", 3),
];

#[rustfmt::skip]
const COMPETITOR_OBJECTION: &[(&str, u8)] = &[
    ("another vendor", 3), ("similar for", 2), ("sticking with", 3), ("stick with", 3), ("switching would", 3),
    ("competitor", 2), ("already use", 2), ("already using", 2), ("already have", 2),
    ("currently use", 2), ("locked in", 2),
    ("current vendor", 2), ("other vendor", 2),         // Happy with, or tied to, what they already have.
    ("happy with what we", 3), ("happy with our", 3), ("happy with the current", 3), ("tied in", 3), ("tied into", 3),
    ("signed a renewal", 3), ("just renewed", 3), ("does the job", 3), ("do the job", 3), ("does everything we need", 3),
    ("that excel does not", 3), ("spreadsheets work", 3),
    // Tied to, or happy with, what they have; others in the running.
    ("embedded with", 3), ("like what we have", 3), ("like the tool we", 3), ("happy with the tool", 3), ("other guys", 2), ("current provider", 3), ("current supplier", 3), ("current system", 2), ("current tool", 2), ("current setup", 2),
    ("in house", 3), ("built something", 3), ("built our own", 3), ("our own tool", 3), ("bundled", 3), ("comes free with", 3),
    ("already pay for", 3), ("already paying for", 3), ("other vendors", 3), ("other providers", 3), ("other suppliers", 3), ("another provider", 3),
    ("also talking to", 3), ("also speaking to", 3), ("also looking at", 3), ("need to compare", 3), ("shop around", 3), ("other options", 2),
    ("runs until", 3), ("ripping out", 3), ("rip out", 3), ("inside out", 3), ("been with", 2), ("demo … as well", 3), ("coming in to demo", 3),
    ("does pretty much the same", 3), ("does the same thing", 3), ("much the same thing", 3),
];

#[rustfmt::skip]
const TIMING_OBJECTION: &[(&str, u8)] = &[
    ("not a great time", 3), ("not the right time", 3), ("heads down", 2), ("revisit this", 3), ("revisit", 2), ("after the summer", 2), ("for another year", 2), ("later in the year", 2),
    ("not a good time", 3), ("bad time", 3), ("timing is not", 3), ("timing", 1),     ("next fiscal", 3), ("not right now", 3), ("not now", 2), ("reorg", 3),
    ("freeze", 3), ("on hold", 3), ("too busy", 3), ("revisit … next", 2), ("circle back … next", 2),
    ("until next", 2),     ("not … this year", 2),
    // The budget year is over: nothing starts until the next one.
    ("budget is spent", 3), ("budget is used up", 3), ("budget is gone", 3), ("budget is exhausted", 3), ("spent our budget", 3),
    ("nothing new … before", 3), ("not before", 2),
    // No one free to take it on, something else first, or "call me later" stalls.
    ("stretched thin", 3), ("stretched really thin", 3), ("stretched", 2), ("bandwidth", 2), ("when things calm down", 3), ("things calm down", 3),
    ("in the middle of", 2), ("have to wait", 3), ("would have to wait", 3), ("ring me back", 3), ("call me back", 3), ("in the new year", 2),
    ("think about it", 3), ("think it over", 3), ("sleep on it", 3), ("mull it over", 3), ("send me some information", 3), ("send me some info", 3),
    // Too much on, parked for later, nothing before a date.
    ("flat out", 3), ("swamped", 3), ("slammed", 3), ("snowed under", 3), ("on our plate", 3), ("a lot on", 3), ("too much on", 3),
    ("pin in it", 3), ("pin in this", 3), ("park it", 3), ("park this", 3), ("parked", 3), ("pick this back up", 3), ("pick it back up", 3),
    ("pick this up again", 3), ("pick it up again", 3), ("check back", 3), ("touch base after", 3), ("touch base in", 3), ("speak again in", 3),
    ("talk again in", 3), ("come back to this", 3), ("in a couple of months", 3), ("in a few months", 3), ("this side of", 3), ("at the earliest", 3),
    ("is frozen", 3), ("are frozen", 3), ("has frozen", 3), ("frozen all", 3), ("frozen for now", 3), ("hiring frozen", 3), ("spend frozen", 3),
    ("at capacity", 3), ("not have the capacity", 3), ("not got the capacity", 3), ("year end close", 3), ("not look at anything", 3), ("restructure going on", 3), ("restructuring going on", 3), ("mid merger", 3), ("middle of a merger", 3),
    ("financial year", 3), ("headspace", 3),
    ("bad timing", 3), ("until after", 3), ("after the holidays", 3), ("after christmas", 3),
    ("not ready", 3), ("not in a position", 3), ("is … mental", 3),
    ("nobody … capacity", 3), ("no one … capacity", 3), ("no capacity", 3), ("no bandwidth", 3), ("nobody … headspace", 3), ("no headspace", 3), ("crazy busy", 3), ("busy period", 3), ("busiest time", 2),
];

#[rustfmt::skip]
const AUTHORITY_OBJECTION: &[(&str, u8)] = &[
    ("need to get … approval", 3), ("approval", 2), ("signs off", 2), ("sign off", 2),
    ("not the decision maker", 3), ("not the decision-maker", 3), ("not my call", 3), ("not my decision", 3),
    ("run it past", 3), ("run this past", 3), ("go through procurement", 3),
    ("procurement", 2), ("legal would", 2), ("need sign off", 3), ("need to get sign off", 3),         ("check with my", 2), ("ask my boss", 3), ("convince my", 3), ("it department", 1),
    // Someone else has to agree, or a case has to be made to them.
    ("talk it over with", 3), ("talk to my partner", 3), ("business partner", 2), ("business case", 2), ("never sign off", 3),
    ("run it by", 3), ("board wants", 2), ("leadership team", 2), ("the rest of the", 1),
    // Someone else decides, or a process stands between.
    ("not really my decision", 3), ("sits with", 3), ("up to the", 2), ("pay grade", 3), ("committee", 3), ("head office", 3), ("centrally", 3),
    ("group level", 3), ("vendor assessment", 3), ("security review", 3), ("due diligence", 3), ("three quotes", 3), ("owners to agree", 3),
    ("partners to agree", 3), ("buy in", 3), ("signature", 2), ("need to be convinced", 3), ("to be convinced", 3), ("purse strings", 3),
    ("not the one who", 3), ("past finance", 3), ("past the board", 3), ("vet", 3), ("vetted", 3),
];

#[rustfmt::skip]
const NEED_OBJECTION: &[(&str, u8)] = &[
    ("good enough", 3), ("problem we actually have", 3), ("would be fine", 2), ("never got adopted", 3), ("went back to", 2),
    ("not sure we need", 3), ("do not need", 2), ("do not really need", 3),     ("not a priority", 3),     ("will not use", 3), ("would not use", 3),     ("not convinced", 3), ("nice to have", 2), ("do not see the value", 3),     // They do not see the gain, or doubt it will be used.
    ("do not really see what", 3), ("do not see what", 3), ("do not see the point", 3), ("sees this as a problem", 3), ("see this as a problem", 3),
    ("yet another", 2), ("another system", 2), ("another tool", 2), ("adding new tools", 3), ("will use it", 2), ("people will use", 3),
    ("will not log", 3), ("just will not", 2),
    // What they have is enough, or it would not be used.
    ("works well enough", 3), ("well enough", 3), ("get by", 3), ("manage fine", 3), ("managing fine", 3), ("fine as we are", 3), ("happy as we are", 3),
    ("overkill", 3), ("too small", 3), ("bells and whistles", 3), ("old school", 3), ("see them using", 3), ("nobody ever", 3), ("no one ever", 3),
    ("big enough problem", 3), ("fit into the way", 3), ("not the type to", 3), ("another dashboard", 3), ("another login", 3),
    ("get much out of", 3), ("doubt we", 3), ("save us time", 2), ("listened back", 2),
];

#[rustfmt::skip]
const TRUST_OBJECTION: &[(&str, u8)] = &[
    ("never heard of", 3), ("bad experience~", 3), ("losing our data", 3), ("lose our data", 3), ("will not accept", 3), ("auto renewal", 2), ("how long have you been around", 3), ("how long have you been in business", 3), ("how long have you been trading", 3),
    ("worried", 3), ("worries me", 3), ("concern~", 2), ("risk~", 2),     ("compliance", 2), ("gdpr", 2), ("references", 1),     ("lock in", 2),     ("not sure we could trust", 3), ("track record", 2),     ("skeptical", 3), ("sceptical", 3),
    // Doubt it will work, or has been let down before.
    ("how do i know", 3), ("how can i be sure", 3), ("burned", 3), ("burnt", 3), ("overpromis~", 3), ("nervous", 3), ("company this young", 3),
    ("did not stick", 3), ("tried something like this", 3), ("where the data lives", 3), ("security team", 2), ("a lot of questions about", 2),
    // Their data, the company's future, promises broken before, proof first.
    ("end up training", 3), ("bad run", 3), ("gun shy", 3), ("once bitten", 3), ("see some proof", 3), ("need to see proof", 3), ("proof it", 3), ("proof that", 3), ("company we do not know", 3), ("new company", 3), ("not around", 3), ("go bust", 3), ("go under", 3), ("get acquired", 3), ("being recorded", 3),
    ("calls recorded", 3), ("where is the data", 3), ("data stored", 3), ("leaving the eu", 3), ("offshore", 3), ("customer data", 2),
    ("field day", 3), ("uneasy", 3), ("wary", 3), ("twitchy", 3), ("accuracy", 2), ("hallucinat~", 3), ("locked us into", 3), ("locked into", 3),
    ("disappeared", 3), ("promised the moon", 3), ("did not deliver", 3), ("never delivered", 3), ("stung", 3), ("let down", 3),
    ("see it working", 3), ("before i believe", 3), ("what happens to our", 3), ("what happens if", 3), ("what if you", 3), ("not be happy", 3),
];

/// Reluctance said without naming its reason ("I'm not sold on it", "a hard sell internally"):
/// an objection whose family the sentence's other words tell ([`TOPICS`]), a need objection
/// when they tell none.
#[rustfmt::skip]
const RELUCTANCE: &[(&str, u8)] = &[
    ("not sure", 2), ("not sold", 3), ("on the fence", 3), ("not feeling it", 3), ("i doubt", 3), ("doubtful", 3),
    ("no way", 3), ("rather not", 2), ("current climate", 3), ("struggle to see", 3), ("struggling to see", 3), ("would struggle", 3), ("sticking point", 3), ("stumbling block", 3), ("deal breaker", 3), ("dealbreaker", 3), ("hard sell", 3), ("tough sell", 3),
    ("tough one", 3), ("hard to see", 3), ("can not see", 3), ("do not see", 2), ("do not think we", 3), ("do not think it", 3), ("hesitant", 3),
    ("reluctant", 3), ("cautious", 3), ("apprehensive", 3), ("reservations", 3), ("a bit much", 3), ("not keen", 3), ("not comfortable", 3), ("uncomfortable", 3),
    ("across the line", 3), ("too early", 3), ("too soon", 3), ("put off", 2), ("is not for us", 3), ("is not really for us", 3), ("not right for us", 3),
];

/// Trouble that is an objection only when it is about the offer — its price, the decision,
/// the risk, the switch, the timing ("the upfront payment is a problem for us") — and a pain
/// the buyer describes otherwise ("month-end is a problem"), which is why they are talking.
#[rustfmt::skip]
const OFFER_TROUBLE: &[(&str, u8)] = &[
    ("a problem for", 3), ("an issue for", 3), ("is a problem", 3), ("is an issue", 3), ("be a problem", 2), ("be an issue", 2), ("too much", 2),
    ("struggl~", 2), ("a concern", 2), ("the worry", 2),
];

/// The family a reason-less reluctance belongs to, by the first word that tells it.
#[rustfmt::skip]
const TOPICS: &[(ObjectionKind, &[&str])] = &[
    (ObjectionKind::Price, &["price", "pricing", "cost", "costs", "money", "spend", "budget", "fee", "fees", "pay", "paying", "payment", "seat", "licence", "license", "pounds", "dollars", "number", "expensive", "afford"]),
    (ObjectionKind::Authority, &["decision", "board", "finance", "cfo", "ceo", "md", "boss", "manager", "director", "approval", "approved", "approve", "sign", "procurement", "legal", "internally", "partners", "owners", "leadership"]),
    (ObjectionKind::Timing, &["now", "yet", "quarter", "timing", "time", "busy", "moment", "later", "year", "month", "months"]),
    (ObjectionKind::Trust, &["data", "security", "privacy", "trust", "risk", "ai", "accuracy", "recorded", "recording", "recordings", "safe"]),
    (ObjectionKind::Competitor, &["competitor", "vendor", "provider", "supplier", "current", "already", "switch", "switching"]),
];

/// A buyer line that says there is no objection ("no objections from me").
#[rustfmt::skip]
const NO_OBJECTION: &[(&str, u8)] = &[
    ("is not a problem", 3), ("is not an issue", 3), ("not a concern", 3), ("not an issue", 3), ("do not have any concerns", 3),
    ("no concerns", 3), ("no concern", 3), ("not worried", 3), ("not really the issue", 3), ("not the issue", 3), ("not really an issue", 3),
    ("not the problem", 3), ("not really a problem", 3), ("not really the problem", 3), ("not a worry", 3),
    ];

/// A buyer line that says a concern was met ("I was worried about X, but the demo answers
/// that"): no objection anywhere in the sentence.
#[rustfmt::skip]
const RESOLVED: &[(&str, u8)] = &[
    ("answers that", 3), ("answered that", 3), ("answers my", 3), ("addresses that", 3), ("puts my mind at rest", 3), ("put my mind at rest", 3),
    ("that covers it", 3), ("takes care of that", 3),
];

/// What a seller says they will do in the call itself ("today I'll walk you through the
/// demo"): the agenda, not an action item, unless a later time is said.
#[rustfmt::skip]
const IN_CALL: &[(&str, u8)] = &[
    ("walk you through", 3), ("take you through", 3), ("talk you through", 3), ("run through", 3), ("run you through", 3),
    ("show you", 3), ("share my screen", 3), ("go through", 2), ("go over", 2), ("start with", 2), ("kick off with", 2),
];

/// The seller's stock commitments, beside the workshop engine's.
#[rustfmt::skip]
const SALES_COMMITMENT: &[(&str, u8)] = &[
    ("let me send", 3), ("let me find out", 3), ("let me set up", 3),
    ("we will send", 3), ("we will get", 2), ("let me get our", 3), ("let me loop in", 3), ("let me bring", 3),
];

/// What sounds like a commitment and is not one: an obligation ("I'll have to get buy-in"),
/// or leaving the next move open ("we'll go from there", "I'll have a look when things calm
/// down").
#[rustfmt::skip]
const NOT_SALES_COMMITMENT: &[(&str, u8)] = &[
    ("will have to", 3), ("would have to", 3), ("go from there", 3), ("take it from there", 3), ("see how it goes", 3), ("have a look when", 3),
];

struct Lists {
    buying: Vec<(BuyingKind, PhraseList)>,
    reluctance: PhraseList,
    offer_trouble: PhraseList,
    objections: Vec<(ObjectionKind, PhraseList)>,
    no_objection: PhraseList,
    resolved: PhraseList,
    commitment: PhraseList,
    not_commitment: PhraseList,
    in_call: PhraseList,
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| Lists {
        buying: vec![
            (BuyingKind::Budget, PhraseList::new(BUDGET)),
            (BuyingKind::Timeline, PhraseList::new(TIMELINE)),
            (BuyingKind::Authority, PhraseList::new(AUTHORITY)),
            (BuyingKind::NextStep, PhraseList::new(NEXT_STEP)),
            (BuyingKind::Pricing, PhraseList::new(PRICING)),
            (BuyingKind::Contract, PhraseList::new(CONTRACT)),
            (BuyingKind::Implementation, PhraseList::new(IMPLEMENTATION)),
            (BuyingKind::Intent, PhraseList::new(INTENT)),
        ],
        objections: vec![
            (ObjectionKind::Price, PhraseList::new(PRICE_OBJECTION)),
            (ObjectionKind::Competitor, PhraseList::new(COMPETITOR_OBJECTION)),
            (ObjectionKind::Timing, PhraseList::new(TIMING_OBJECTION)),
            (ObjectionKind::Authority, PhraseList::new(AUTHORITY_OBJECTION)),
            (ObjectionKind::Need, PhraseList::new(NEED_OBJECTION)),
            (ObjectionKind::Trust, PhraseList::new(TRUST_OBJECTION)),
        ],
        reluctance: PhraseList::new(RELUCTANCE),
        offer_trouble: PhraseList::new(OFFER_TROUBLE),
        no_objection: PhraseList::new(NO_OBJECTION),
        resolved: PhraseList::new(RESOLVED),
        commitment: PhraseList::new(SALES_COMMITMENT),
        not_commitment: PhraseList::new(NOT_SALES_COMMITMENT),
        in_call: PhraseList::new(IN_CALL),
    })
}

/// A commitment: the phrase rule and, when a time was said, the time as said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub rule: &'static str,
    pub due: Option<String>,
}

/// What one line carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSignals {
    pub buying: Option<(BuyingKind, &'static str)>,
    pub objection: Option<(ObjectionKind, &'static str)>,
    pub question: bool,
    pub commitment: Option<Commitment>,
}

/// The strongest accepted match of `lists` in `n` (ties: the list order), with `min` weight
/// unless `weak_ok`.
fn strongest<K: Copy>(lists: &[(K, PhraseList)], n: &Normalised, weak_ok: bool) -> Option<(K, &'static str, u8)> {
    strongest_where(lists, n, weak_ok, &|_| true)
}

fn strongest_where<K: Copy>(lists: &[(K, PhraseList)], n: &Normalised, weak_ok: bool, accept: &dyn Fn(usize) -> bool) -> Option<(K, &'static str, u8)> {
    let ws = n.as_strs();
    let mut best: Option<(K, &'static str, u8)> = None;
    for (kind, list) in lists {
        for (rule, weight, a, _) in list.matches(&ws) {
            // A negated cue says the opposite ("not expensive", "no budget").
            if n.negated(a) || (weight < 2 && !weak_ok) || !accept(a) {
                continue;
            }
            if best.is_none_or(|(_, _, w)| weight > w) {
                best = Some((*kind, rule, weight));
            }
        }
    }
    best
}

/// Reads one line said by `side`.
pub fn read_line(text: &str, side: Side) -> LineSignals {
    let t = lists();
    let mut out = LineSignals::default();
    for range in sentences(text) {
        let sentence = &text[range];
        let n = Normalised::of(sentence);
        if n.words.is_empty() {
            continue;
        }
        let asked = is_genuine_question(sentence);
        out.question |= asked;
        if side == Side::Buyer {
            let ws = n.as_strs();
            // "Price isn't a problem" denies the objection in its clause, not the next one.
            let denied: Vec<usize> = t.no_objection.matches(&ws).into_iter().map(|(_, _, a, _)| n.clauses[a]).collect();
            let resolved = !t.resolved.matches(&ws).is_empty();
            let accept = |a: usize| !resolved && !denied.contains(&n.clauses[a]);
            let objection = strongest_where(&t.objections, &n, false, &accept).or_else(|| reluctance(&n, &accept));
            // A weak buying cue (a price or an integration named) counts in a question: asking
            // about it is the signal; said flat it may be either side of an objection.
            let buying = strongest(&t.buying, &n, asked);
            match (objection, buying) {
                // Both: the stronger cue says which; an unmistakable one (weight 3) counts
                // beside a stronger or equal one of the other kind ("How is this any different
                // from what Salesforce gives us?" objects and asks).
                (Some((o, rule, ow)), Some((b, brule, bw))) => {
                    if ow >= bw || ow >= 3 {
                        out.objection.get_or_insert((o, rule));
                    }
                    if bw > ow || bw >= 3 {
                        out.buying.get_or_insert((b, brule));
                    }
                }
                (o, b) => {
                    if let Some((k, r, _)) = o {
                        out.objection.get_or_insert((k, r));
                    }
                    if let Some((k, r, _)) = b {
                        out.buying.get_or_insert((k, r));
                    }
                }
            }
        }
        if out.commitment.is_none()
            && let Some(rule) = commitment_rule(sentence, &n)
        {
            let due = due_phrase(&n);
            // The call's own agenda ("today I'll walk you through …") is not an action item.
            let agenda = !t.in_call.matches(&n.as_strs()).is_empty() && due.as_deref().is_none_or(|d| matches!(d, "today" | "now"));
            if !agenda {
                out.commitment = Some(Commitment { rule, due });
            }
        }
    }
    out
}

/// A reluctance cue ([`RELUCTANCE`]) the sentence does not negate, as an objection of the
/// family its first topic word tells, else of need.
fn reluctance(n: &Normalised, accept: &dyn Fn(usize) -> bool) -> Option<(ObjectionKind, &'static str, u8)> {
    let ws = n.as_strs();
    let topic = ws.iter().find_map(|w| TOPICS.iter().find(|(_, words)| words.contains(w)).map(|(k, _)| *k));
    let first = |list: &PhraseList| list.matches(&ws).into_iter().find(|&(_, _, a, _)| !n.negated(a) && accept(a));
    if let Some((rule, weight, ..)) = first(&lists().reluctance) {
        return Some((topic.unwrap_or(ObjectionKind::Need), rule, weight));
    }
    // Trouble with the offer: its price, the decision, the risk or the switch (a timing word
    // alone is too often the pain's own: "month-end is a problem").
    let about_offer = topic.filter(|k| *k != ObjectionKind::Timing).or_else(|| ws.contains(&"timing").then_some(ObjectionKind::Timing))?;
    first(&lists().offer_trouble).map(|(rule, weight, ..)| (about_offer, rule, weight))
}

fn commitment_rule(sentence: &str, n: &Normalised) -> Option<&'static str> {
    if !lists().not_commitment.matches(&n.as_strs()).is_empty() {
        return None;
    }
    if let Some(d) = explain(sentence).into_iter().find(|d| d.kind == SignalKind::Action) {
        return Some(d.rule);
    }
    let ws = n.as_strs();
    // Hedged offers ("we could maybe look at a discount") are not commitments.
    if ws.iter().any(|w| matches!(*w, "maybe" | "might" | "could" | "ideally" | "probably")) {
        return None;
    }
    lists().commitment.matches(&ws).into_iter().find(|(_, _, a, _)| !n.negated(*a)).map(|(rule, ..)| rule)
}

const WEEKDAYS: &[&str] = &["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const ORDINALS: &[&str] = &[
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
    "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second",
    "twenty-third", "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth", "twenty-ninth", "thirtieth",
    "thirty-first",
];

/// The time said with a commitment, as said ("by Friday", "tomorrow morning", "end of week");
/// `None` when none was said. Only times are taken, never guessed from the task.
pub fn due_phrase(n: &Normalised) -> Option<String> {
    let ws = n.as_strs();
    let phrase = |a: usize, b: usize| Some(ws[a..b].join(" "));
    for i in 0..ws.len() {
        let w = ws[i];
        let next = ws.get(i + 1).copied().unwrap_or("");
        let next2 = ws.get(i + 2).copied().unwrap_or("");
        match w {
            "today" | "tonight" | "tomorrow" => {
                let end = if matches!(next, "morning" | "afternoon" | "evening" | "eod" | "lunchtime") { i + 2 } else { i + 1 };
                return phrase(i, end);
            }
            "eod" | "cob" => return phrase(i, i + 1),
            "this" if matches!(next, "afternoon" | "evening" | "morning" | "arvo" | "week") => return phrase(i, i + 2),
            "end" if next == "of" => {
                let at = if next2 == "the" { i + 3 } else { i + 2 };
                if let Some(unit) = ws.get(at).filter(|u| matches!(**u, "day" | "week" | "month" | "play" | "business")) {
                    let end = if ws.get(at + 1).is_some_and(|d| WEEKDAYS.contains(d)) { at + 2 } else { at + 1 };
                    let _ = unit;
                    return phrase(i, end);
                }
            }
            "next" if WEEKDAYS.contains(&next) || matches!(next, "week" | "month" | "call" | "meeting") => return phrase(i, i + 2),
            "early" | "late" if next == "next" && matches!(next2, "week" | "month") => return phrase(i, i + 3),
            "right" if next == "after" && matches!(next2, "this" | "the") => {
                return phrase(i, if next2 == "the" { (i + 4).min(ws.len()) } else { i + 3 });
            }
            "after" if next == "the" && matches!(next2, "call" | "meeting") => return phrase(i, i + 3),
            "before" if matches!(next, "our" | "the") && ws.get(i + 2) == Some(&"next") => return phrase(i, (i + 4).min(ws.len())),
            "until" | "by" | "on" if next == "the" && ORDINALS.contains(&next2) => return phrase(i + 1, i + 3),
            _ if WEEKDAYS.contains(&w) => return phrase(i, i + 1),
            _ => {}
        }
    }
    None
}

/// The date a due phrase names, against the call's date; `None` when the phrase names no
/// single day ("next week", "before our next call"). Weekdays are the next such day after
/// the call; "next Tuesday" is the Tuesday of the following week; "end of week" is the
/// call week's Friday; "the thirtieth" is that day this month, or next month once passed.
pub fn resolve_due(phrase: &str, call_date: time::Date) -> Option<time::Date> {
    use time::{Duration, Weekday};
    let words: Vec<&str> = phrase.split(' ').collect();
    let weekday = |w: &str| -> Option<Weekday> {
        Some(match w {
            "monday" => Weekday::Monday,
            "tuesday" => Weekday::Tuesday,
            "wednesday" => Weekday::Wednesday,
            "thursday" => Weekday::Thursday,
            "friday" => Weekday::Friday,
            "saturday" => Weekday::Saturday,
            "sunday" => Weekday::Sunday,
            _ => return None,
        })
    };
    let first = *words.first()?;
    match first {
        "today" | "tonight" | "this" if words.get(1) != Some(&"week") => Some(call_date),
        "eod" | "cob" => Some(call_date),
        "right" | "after" => Some(call_date),
        "tomorrow" => call_date.checked_add(Duration::days(1)),
        "end" => {
            let unit_at = if words.get(2) == Some(&"the") { 3 } else { 2 };
            if let Some(d) = words.last().and_then(|w| weekday(w)) {
                return Some(call_date.next_occurrence(d));
            }
            match *words.get(unit_at)? {
                "day" | "play" | "business" => Some(call_date),
                "week" => {
                    let friday = if call_date.weekday() == Weekday::Friday { call_date } else { call_date.next_occurrence(Weekday::Friday) };
                    Some(if call_date.weekday().number_from_monday() > 5 { call_date } else { friday })
                }
                "month" => {
                    let last = time::util::days_in_month(call_date.month(), call_date.year());
                    call_date.replace_day(last).ok()
                }
                _ => None,
            }
        }
        "next" => {
            let d = weekday(words.get(1)?)?;
            // The following week's day: from next Monday on.
            let next_monday = call_date.next_occurrence(Weekday::Monday);
            Some(if d == Weekday::Monday { next_monday } else { next_monday.next_occurrence(d) })
        }
        "the" => {
            let day = ORDINALS.iter().position(|o| Some(o) == words.get(1))? as u8 + 1;
            let this_month = call_date.replace_day(day).ok().filter(|d| *d >= call_date);
            this_month.or_else(|| {
                let (y, m) = if call_date.month() == time::Month::December { (call_date.year() + 1, time::Month::January) } else { (call_date.year(), call_date.month().next()) };
                time::Date::from_calendar_date(y, m, day).ok()
            })
        }
        w => weekday(w).map(|d| call_date.next_occurrence(d)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, side: Side) -> LineSignals {
        read_line(text, side)
    }

    #[test]
    fn buyers_signals_and_objections_with_their_families() {
        assert_eq!(line("We have budget set aside for this in the spring.", Side::Buyer).buying.map(|b| b.0), Some(BuyingKind::Budget));
        assert_eq!(line("What does the per seat pricing look like for forty people?", Side::Buyer).buying.map(|b| b.0), Some(BuyingKind::Pricing));
        assert_eq!(line("Honestly it's too expensive for a team our size.", Side::Buyer).objection.map(|o| o.0), Some(ObjectionKind::Price));
        assert_eq!(line("I'd have to run it past our finance director first.", Side::Buyer).objection.map(|o| o.0), Some(ObjectionKind::Authority));
        assert_eq!(line("We're in the middle of a reorg, so the timing is awkward.", Side::Buyer).objection.map(|o| o.0), Some(ObjectionKind::Timing));
        // Negated and denied.
        assert_eq!(line("It's not expensive for what it does.", Side::Buyer).objection, None);
        assert_eq!(line("No objections from our side, it looks simple.", Side::Buyer).objection, None);
        // The seller's words are neither.
        assert_eq!(line("Some clients find the price steep at first.", Side::Seller).objection, None);
    }

    #[test]
    fn reluctance_takes_its_family_from_the_sentence_and_a_pain_is_not_an_objection() {
        let kind = |text: &str| line(text, Side::Buyer).objection.map(|o| o.0);
        assert_eq!(kind("Honestly it's a hard sell with the board."), Some(ObjectionKind::Authority));
        assert_eq!(kind("I'm not sold on it yet."), Some(ObjectionKind::Timing));
        assert_eq!(kind("I'm on the fence about it."), Some(ObjectionKind::Need));
        // Trouble with the offer objects; trouble with their own work is why they called.
        assert_eq!(kind("The upfront payment is a problem for us."), Some(ObjectionKind::Price));
        assert_eq!(kind("Month-end is a problem for us every quarter."), None);
        assert_eq!(kind("We're struggling to hit quota this year."), None);
        // An obligation objects and commits to nothing.
        let l = line("I'll have to get buy-in from the partners.", Side::Buyer);
        assert_eq!((l.objection.map(|o| o.0), l.commitment), (Some(ObjectionKind::Authority), None));
        // The stronger cue decides between a buying signal and an objection.
        let l = line("Could you do us a one-pager I can share with the leadership team?", Side::Buyer);
        assert_eq!((l.buying.map(|b| b.0), l.objection), (Some(BuyingKind::NextStep), None));
    }

    #[test]
    fn commitments_keep_the_time_as_said_and_resolve_it_only_when_it_names_a_day() {
        let c = line("I'll send the pricing proposal by Friday.", Side::Seller).commitment.unwrap();
        assert_eq!(c.due.as_deref(), Some("friday"));
        let c = line("Leave it with me and I'll get back to you.", Side::Seller).commitment.unwrap();
        assert_eq!(c.due, None, "no time said, none invented");
        assert!(line("We could maybe look at a discount.", Side::Seller).commitment.is_none());
        // 2026-11-27 is a Friday.
        let call = time::macros::date!(2026 - 11 - 25);
        assert_eq!(resolve_due("friday", call), Some(time::macros::date!(2026 - 11 - 27)));
        assert_eq!(resolve_due("tomorrow morning", call), Some(time::macros::date!(2026 - 11 - 26)));
        assert_eq!(resolve_due("next tuesday", call), Some(time::macros::date!(2026 - 12 - 01)));
        assert_eq!(resolve_due("end of week", call), Some(time::macros::date!(2026 - 11 - 27)));
        assert_eq!(resolve_due("the thirtieth", call), Some(time::macros::date!(2026 - 11 - 30)));
        assert_eq!(resolve_due("the second", call), Some(time::macros::date!(2026 - 12 - 02)));
        assert_eq!(resolve_due("next week", call), None);
        assert_eq!(resolve_due("before our next call", call), None);
    }

    #[test]
    fn questions_either_side() {
        assert!(line("How are you handling renewals today", Side::Seller).question);
        assert!(!line("Who doesn't want fewer meetings, right?", Side::Seller).question);
    }
}
