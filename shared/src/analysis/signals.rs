//! The built-in analyser's judgement: which of a participant's sentences is a win, a challenge, a
//! commitment or urgent, by clause-level rules that can be read and argued with.
//!
//! A sentence is normalised (lowercase, straight apostrophes, contractions spelled out, quoted
//! speech and known idioms blanked), cut into clauses at punctuation and contrast words, and
//! matched against the phrase lists below. A match counts only if its clause says it of the
//! speaker, now, for real:
//! - **negation**: "not", "never", "no longer"… within three words before the cue
//!   ("I'm not going to quit") cancels it, unless the cue is itself a negative phrase
//!   ("can't cope");
//! - **third parties**: a cue whose clause is about someone else ("my client asked for a
//!   refund", "she said…") is not the speaker's urgency or win; another person's crisis is the
//!   speaker's challenge;
//! - **resolved past**: a cue in a past clause that a later clause turns ("last month I nearly
//!   gave up, but…") is not urgent; the turn often carries the win;
//! - **hypotheticals and wishes**: "if I ever…", "what if", "I'd love to…", "one day";
//! - **jokes**: "lol", "haha", "(laughs)", "just kidding" take the alarm out of a sentence;
//! - **discourse markers** that look like commitments ("I'll be honest", "I'll tell you") and
//!   hedged intentions ("maybe I'll", "I should probably") are not commitments.
//!
//! Every signal keeps the rule that fired ([`Detected::rule`]), so the analysis stays
//! explainable. The phrase lists were written from the label definitions and the repository's
//! own labelled set (`tests/eval/signals-own.jsonl`); `debrief eval signals FILE` measures them
//! on any labelled set, such as the held-out one in `../shared/eval/`.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignalKind {
    Urgency,
    Action,
    Challenge,
    Win,
}

/// A signal found in one sentence, with the phrase rule that found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub kind: SignalKind,
    /// The cue as written in the list below (e.g. `"money back"`).
    pub rule: &'static str,
    /// How strongly the cue speaks for its kind (1–3); the priority list quotes the strongest.
    pub weight: u8,
}

// Phrase lists. Words are matched whole after normalisation; `~` ends a stem ("struggl~");
// `…` stands for up to three words. Weights: 3 = unmistakable, 2 = clear, 1 = weak.

/// Leaving the programme, money back, exhaustion, crisis, giving up — of the speaker, now.
#[rustfmt::skip]
const URGENT: &[(&str, u8)] = &[
    // leaving the programme / money back
    ("quit the program~", 3), ("quit coaching", 3), ("quit this", 2), ("going to quit", 3), ("want to quit", 3),
    ("ready to quit", 3), ("whether to quit", 3), ("quit the business", 3), ("quit … practice", 3),
    ("about to quit", 3), ("thinking … quitting", 3), ("i quit", 2), ("i am quitting", 3), ("leave the program~", 3),
    ("leaving the program~", 3), ("drop out", 3), ("dropping out", 3), ("pull out", 2), ("pulling out", 3),
    ("cancel my", 3), ("cancelling my", 3), ("canceling my", 3), ("cancel … membership", 3),
    ("cancel … subscription", 3), ("cancel … enrol~", 3), ("not renew~", 2), ("not be renewing", 3),
    ("not continue", 2), ("not continuing", 2), ("stop the program~", 3), ("step back from the program~", 3),
    ("refund", 3), ("money back", 3), ("chargeback", 3), ("can not keep paying", 3), ("can not afford", 3),
    ("can not justify", 3), ("waste of money", 3), ("not worth the money", 3), ("not getting my money", 3),
    ("is not working for me", 2), ("not working for me", 2), ("this is not for me", 2),
    // money emergencies
    ("can not pay", 3), ("can not cover", 3), ("cover rent", 2), ("pay rent", 2), ("pay the rent", 2),
    ("pay my mortgage", 2), ("savings … gone", 3), ("run out of money", 3), ("running out of money", 3),
    ("out of money", 3), ("maxed out", 2), ("in debt", 2), ("bankrupt~", 3), ("behind on rent", 3),
    ("lose the house", 3), ("evict~", 3), ("overdraft", 2), ("fee back", 3), ("freeze my", 3), ("pause my", 3),
    ("cancel~ … contract", 3), ("rest of my contract", 3), ("bounce", 2), ("card … declined", 3), ("making rent", 3),
    ("make rent", 3), ("mortgage", 2), ("borrowed … to cover", 3), ("to cover this month", 3), ("which bills", 3),
    ("percent of my income", 3), ("payroll", 2), ("money left", 2), ("served notice", 3), ("landlord", 2),
    ("frozen my", 3), ("zero sales", 2),
    // exhaustion, overwhelm, health
    ("overwhelmed", 3), ("burnt out", 3), ("burned out", 3), ("burning out", 3), ("burn out", 2), ("burnout", 3),
    ("exhausted", 2), ("running on empty", 3), ("breaking point", 3), ("breakdown", 3), ("break down", 2),
    ("panic attack~", 3), ("anxiety attack~", 3), ("can not cope", 3), ("not coping", 3), ("can not do this", 3),
    ("can not keep doing", 3), ("can not keep going", 3), ("can not carry on", 3), ("how much longer", 3),
    ("falling apart", 3), ("drowning", 3), ("crying", 3), ("cried", 2), ("in tears", 3), ("not sleeping", 3),
    ("can not sleep", 3), ("have not slept", 3), ("barely sleeping", 3), ("barely slept", 3), ("signed me off", 3),
    ("signed off", 2), ("off sick", 2), ("not okay", 3), ("not ok", 3), ("not alright", 3), ("depressed", 3),
    ("hopeless", 3), ("end of my rope", 3), ("end of my tether", 3), ("rock bottom", 3),
    ("fell asleep at my desk", 3), ("not had a day off", 2), ("no day off", 2), ("on my last legs", 3),
    ("nothing left", 2), ("can not switch off", 2), ("losing my mind", 3), ("at my wits", 3), ("numb", 2),
    ("dread~", 2), ("can not face", 3), ("can not get out of bed", 3), ("too much for me", 3),
    // giving up
    ("give up", 3), ("giving up", 3), ("gave up", 3), ("throw in the towel", 3), ("what is the point", 3),
    ("no point", 2), ("pointless", 2), ("close the business", 3), ("closing the business", 3), ("closing down", 3),
    ("shut down the business", 3), ("shut … down", 2), ("shutting … down", 3), ("close up shop", 3), ("wind down", 2),
    ("winding down", 2), ("get a job", 2), ("go back to a job", 3), ("back to my old job", 3),
    ("back to employment", 3), ("go back to work full time", 3), ("nothing is working", 3), ("nothing works", 3),
    ("nothing i try", 3), ("nothing i do", 3), ("failing at everything", 3), ("not cut out", 3),
    ("made a mistake joining", 3), ("regret joining", 3), ("regret signing up", 3), ("stuck for months", 2),
    ("stuck for weeks", 2), ("this close to", 2), ("stopped trying", 3), ("kind of done", 3), ("am so done", 3),
    ("pack it in", 3), ("packing it in", 3), ("walk away", 3), ("walking away", 3), ("need out", 3), ("want out", 3),
    ("job ads", 3), ("applying for jobs", 3), ("proper job", 2), ("discontinu~", 3), ("not for me", 2),
    ("not see the point", 3), ("nothing … worked", 3), ("nothing moves", 2), ("nothing is moving", 2),
    ("do not know what to do", 3), ("keep going like this", 3), ("can keep paying", 3), ("can not manage", 3),
    ("dealing with a lot", 3), ("not in a good place", 3), ("dark thoughts", 3), ("antidepress~", 3),
    ("chest … tight", 3), ("not had … sleep", 3), ("gone … bad", 2), ("second job", 3), ("not be able to do", 2),
    // crisis
    ("emergency", 3), ("in hospital", 3), ("in the hospital", 3), ("to hospital", 3), ("to the hospital", 3),
    ("hospitali~", 3), ("diagnosed", 3), ("lost my job", 3), ("laid off", 3), ("in crisis", 3), ("crisis mode", 3),
    ("in … crisis", 3), ("crisis at home", 3), ("family crisis", 3), ("personal crisis", 3), ("health crisis", 3),
    ("cash crisis", 3), ("money crisis", 3), ("financial crisis", 3), ("talk to someone", 3), ("ring me", 3),
    ("grab you after", 2), ("speak … privately", 3), ("talk … privately", 3), ("urgent", 2), ("urgently", 3),
    ("asap", 2), ("help me", 2), ("call me", 2), ("desperate", 3), ("desperately", 3), ("panicking", 3), ("panic", 2),
    ("scared i will lose", 3), ("terrified", 3),
];

/// Results and breakthroughs of the speaker's own.
#[rustfmt::skip]
const WIN: &[(&str, u8)] = &[
    ("signed", 2), ("closed", 2), ("landed", 2), ("booked", 2), ("won", 2), ("hit", 1), ("launched", 2),
    ("sold out", 3), ("sold", 2), ("renewed", 2), ("record", 2), ("best month", 3), ("best week", 3),
    ("best quarter", 3), ("best year", 3), ("doubled", 3), ("tripled", 3), ("went from", 2), ("grew", 2),
    ("growing", 1), ("increased", 2), ("is up", 2), ("are up", 2), ("was up", 2), ("up … percent", 2),
    ("first paying", 3), ("my first", 2), ("our first", 2), ("i hit", 2), ("we hit", 2), ("first client", 3),
    ("first sale", 3), ("first time", 2), ("finally", 2), ("got a yes", 3), ("said yes", 2), ("got promoted", 3),
    ("breakthrough", 3), ("went live", 2), ("is live", 2), ("published", 2), ("hired", 2), ("is full", 2),
    ("are full", 2), ("fully booked", 3), ("waitlist", 2), ("killing it", 3), ("smashed", 3), ("crushed it", 3),
    ("nailed", 2), ("paid off", 2), ("really helped", 2), ("worked really well", 2), ("worked brilliantly", 3),
    ("worked a treat", 3), ("raised my prices", 2), ("raised my rates", 2), ("new client~", 1), ("referral~", 1),
    ("made … sale~", 2), ("made my first", 3), ("converted", 2), ("got … clients", 2), ("got … client", 2),
    ("cleared", 1), ("proud", 2), ("celebrat~", 2), ("over the moon", 3), ("thrilled", 2), ("came through", 2),
    ("accepted", 2), ("got the contract", 3), ("got the deal", 3), ("said they loved", 2), ("five star~", 2),
    ("testimonial", 1), ("profitable", 2), ("profit", 1), ("revenue", 1), ("holding steady", 1), ("on track", 1),
    ("feel … better", 2), ("feeling … better", 2), ("calm", 1), ("more confident", 2), ("easier", 1),
    ("felt amazing", 3), ("feels amazing", 3), ("felt great", 2), ("feel great", 2), ("feel like myself", 3),
    ("got my … back", 2), ("went down a storm", 3), ("queueing", 2), ("queuing", 2), ("got accepted", 3),
    ("did the thing", 3), ("and i did", 2), ("i did it", 3), ("cost … came down", 3), ("cost … dropped", 3),
    ("booked me", 3), ("hired me", 3), ("sent me a referral", 3), ("referred me", 3), ("signed up", 2), ("bought", 2),
    ("drowning in referral~", 3), ("drowning in lead~", 3), ("drowning in enquir~", 3), ("drowning in inquir~", 3),
    ("drowning in booking~", 3), ("drowning in order~", 3), ("drowning in client~", 3), ("out of it now", 3),
];

/// Obstacles the speaker is working on (not emergencies).
#[rustfmt::skip]
const CHALLENGE: &[(&str, u8)] = &[
    ("struggl~", 3), ("hard", 2), ("harder", 2), ("difficult", 2), ("tough", 2), ("stuck", 2), ("can not seem", 2),
    ("not working", 2), ("problem", 2), ("challenge", 2), ("challenging", 2), ("frustrat~", 2), ("worried", 2),
    ("worry", 2), ("afraid", 2), ("scared", 2), ("nervous", 2), ("anxious", 2), ("behind on", 2), ("behind with", 2),
    ("losing", 2), ("lost", 1), ("no idea how", 2), ("do not know how", 2), ("keep failing", 2),
    ("keep putting off", 2), ("procrastinat~", 3), ("hardly any", 2), ("no one", 1), ("nobody", 1),
    ("not converting", 3), ("dropped", 2), ("dropping", 2), ("drop off", 2), ("slow", 1), ("quiet", 1), ("ghost~", 2),
    ("no show~", 2), ("cancel~", 2), ("overwhelming", 2), ("too much", 2), ("not enough", 2), ("can not get", 2),
    ("can not find", 2), ("have not been able", 2), ("imposter", 3), ("confidence", 2), ("over my head", 2),
    ("confus~", 2), ("stretching", 2), ("chasing", 2), ("issue", 2), ("pushy", 2), ("say no", 1), ("bottleneck", 2),
    ("barely", 1), ("mess", 2), ("messy", 1), ("fell through", 2), ("did not land", 2), ("did not get", 1),
    ("rejected", 2), ("turned down", 2), ("price shopp~", 2), ("undercharg~", 2), ("juggl~", 2), ("no time", 2),
    ("do not have time", 2), ("pull my hair out", 2), ("pain", 1), ("going through", 1), ("divorce", 1),
    ("illness", 1), ("not sure how", 2), ("unsure", 1), ("doubt", 1), ("late payment~", 2), ("not paying", 2),
    ("not paid", 2), ("complain~", 1), ("plateau~", 2), ("flat", 1), ("tanked", 2), ("down", 1), ("fewer", 1),
    ("less than", 1), ("keeps", 1), ("keep", 1), ("can not", 1), ("never", 1), ("still", 1), ("hardest", 3),
    ("chaos", 2), ("chaotic", 2), ("lumpy", 2), ("not confident", 3), ("do not know which", 2),
    ("do not know what", 2), ("hate", 2), ("wrong", 2), ("not agree", 2), ("disagree", 2), ("stalling", 2),
    ("stalled", 2), ("dried up", 3), ("drying up", 3), ("tight", 2), ("late", 2), ("freeze", 2), ("life support", 3),
    ("reasons not to", 2), ("pulling teeth", 3), ("kryptonite", 3), ("kills me", 2), ("killing me", 2),
    ("can not decide", 3), ("setback", 2), ("flop~", 2),
];

/// The speaker taking on an action of their own.
#[rustfmt::skip]
const COMMITMENT: &[(&str, u8)] = &[
    ("i will", 2), ("i am going to", 2), ("we will", 2), ("we are going to", 2), ("i commit", 3),
    ("i am committing", 3), ("my plan is", 2), ("i plan to", 2), ("i promise", 3), ("my next step", 3),
    ("next step for me", 3), ("my action", 2), ("i am blocking", 3), ("i have blocked", 3), ("i blocked", 2),
    ("i have booked in", 3), ("i am booking", 2), ("i am scheduling", 2), ("i have scheduled", 2),
    ("i am setting", 2), ("i am aiming to", 2), ("i am sending", 2), ("i am calling", 2), ("i am writing", 2),
    ("i am putting", 2), ("i am launching", 2), ("i am recording", 2), ("i need to … by", 2), ("i have to … by", 2),
    ("by … i will", 3), ("i will have", 3), ("i am on it", 2), ("this week i", 2), ("tomorrow i", 2),
    ("tonight i", 2), ("action for me", 3), ("my commitment", 3), ("action item", 2),
];

/// Phrases that look like commitments but are turn-taking or discourse.
#[rustfmt::skip]
const NOT_COMMITMENT: &[&str] = &[
    "will be honest", "will admit", "will tell you", "will give you", "will say", "will go first", "will start",
    "will be quick", "will keep it short", "will pass", "will go next", "will be brief", "will let", "will shut up",
    "am going to be honest", "am going to say", "am going to go first", "will try", "will see", "will think",
    "will probably", "will maybe", "will hand", "will leave it there", "will stop there", "will jump in",
    "will take that", "will be fine", "will survive", "will never", "will not", "am not going", "am going to quit",
    "will quit", "will need", "will have to see", "will be", "am going to need", "will get there",
    "will have a think", "will definitely think", "will mull", "will take a look at some point",
    "will look at it at some point", "am starting to", "will do anything", "be straight", "be frank", "be blunt",
    "be real with", "be upfront", "when i will", "whether i will", "if i will",
];

/// Hedges that make an intention vague (not a commitment).
#[rustfmt::skip]
const HEDGES: &[&str] = &[
    "maybe", "probably", "might", "perhaps", "hopefully", "should", "i guess", "at some point", "some time",
    "sometime", "one day", "someday", "eventually", "i suppose", "ideally", "try to", "trying to", "hope to",
    "would like to", "want to", "wanna", "thinking about", "thinking of", "considering", "kind of", "sort of",
];

/// Idioms that carry an alarm word and no alarm; blanked before matching.
#[rustfmt::skip]
const IDIOMS: &[&str] = &[
    "urgent care", "panic buying", "panic buy", "panic bought", "emergency fund", "emergency room", "crisis line",
    "dying to", "i could cry", "could have cried", "cried laughing", "crying laughing", "tears of joy", "happy tears",
    "killing me", "kill for", "no pressure", "do not panic", "dont panic", "not to panic", "quit smoking",
    "quit sugar", "quit drinking", "quit my day job", "quit my job", "i quit my", "give up sugar", "give up coffee",
    "give up caffeine", "gave up sugar", "gave up coffee", "give up on perfection", "give up perfection",
    "gave up perfection", "cancel culture", "refund policy", "refund request from a client", "break down the",
    "break it down", "broke it down", "breakdown of", "hit the ground running", "hit me", "hits different",
    "gave … money back", "give … money back", "giving … money back", "offered … refund", "gave … refund",
    "give … refund", "issued … refund", "process … refund", "drowning in referral~", "drowning in lead~",
    "drowning in enquir~", "drowning in inquir~", "drowning in booking~", "drowning in order~", "drowning in client~",
    "nearly died", "almost died", "could have died", "hospital group~", "hospital chain~", "hospital trust~",
    "hospital client~", "hospital contract~", "hospital account~",
];

#[rustfmt::skip]
const NEGATORS: &[&str] = &[
    "not", "never", "no", "nobody", "hardly", "without", "nor", "neither", "none",
];

/// Subjects that make a clause about someone else.
#[rustfmt::skip]
const THIRD_PARTY: &[&str] = &[
    "he", "she", "they", "client", "clients", "customer", "customers", "friend", "friends", "mum", "mom", "dad",
    "mother", "father", "husband", "wife", "partner", "sister", "brother", "colleague", "colleagues", "someone",
    "somebody", "people", "everyone", "everybody", "accountant", "boss", "son", "daughter", "kid", "kids", "member",
    "members", "others", "neighbour", "neighbor", "cousin", "aunt", "uncle", "guy", "lady", "woman", "man", "student",
    "students", "peer", "peers", "girlfriend", "boyfriend", "team", "staff", "assistant", "va", "competitor",
    "competitors", "market",
];

/// Words that make a clause reported speech or quoted.
#[rustfmt::skip]
const REPORTED: &[&str] = &[
    "said", "says", "told", "tells", "asked", "asks", "wrote", "messaged", "emailed", "texted",
];

/// Past-time markers: with a later turning clause, the cue is resolved.
#[rustfmt::skip]
const PAST: &[&str] = &[
    "was", "were", "had", "nearly", "almost", "used", "last", "ago", "back", "earlier", "previously", "before",
    "once", "then", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "spring", "summer", "autumn", "winter", "gave", "thought", "felt", "wanted", "considered",
    "did",
];

/// Words that open a turning clause ("…, but now…").
#[rustfmt::skip]
const TURN: &[&str] = &[
    "but", "now", "since", "however", "thankfully", "luckily", "fortunately", "these", "today", "until", "then",
    "anyway", "turns", "yesterday", "this",
];

/// Phrases that take the alarm out of the sentence they are in ("exhausted, but in a good way").
#[rustfmt::skip]
const DEFUSERS: &[&str] = &[
    "in a good way", "good tired", "happy tired", "worth it", "best kind of",
];

/// Phrases that say someone else's trouble was dealt with (then it is no challenge either).
#[rustfmt::skip]
const HANDLED: &[&str] = &[
    "handled it", "sorted it", "dealt with it", "resolved it", "no drama", "all good", "sorted now", "went fine",
];

/// Actions of a client or a buyer that are the speaker's win ("she said yes", "two people booked").
#[rustfmt::skip]
const CLIENT_ACTIONS: &[&str] = &[
    "said yes", "booked", "booked me", "renewed", "bought", "signed", "signed up", "accepted", "paid", "hired me",
    "sent me a referral", "referred me", "got accepted",
];

/// People whose wins are theirs, not the speaker's.
#[rustfmt::skip]
const FRIENDS_AND_FAMILY: &[&str] = &[
    "friend", "friends", "mum", "mom", "dad", "mother", "father", "husband", "wife", "partner", "sister", "brother",
    "colleague", "colleagues", "cousin", "aunt", "uncle", "son", "daughter", "kid", "kids", "competitor",
    "competitors", "girlfriend", "boyfriend", "neighbour", "neighbor", "peer", "peers",
];

#[rustfmt::skip]
const HYPOTHETICAL: &[&str] = &[
    "if", "unless", "imagine", "suppose", "supposing", "whenever", "lest", "hypothetically",
];

#[rustfmt::skip]
const WISH: &[&str] = &[
    "would", "could", "love", "dream", "wish", "hope", "hoping", "want", "wanted", "goal", "aim", "aiming", "plan",
    "planning", "will", "trying", "try", "need", "needs", "should", "might", "someday", "eventually", "yet", "until",
    "can", "gonna",
];

#[rustfmt::skip]
const JOKES: &[&str] = &[
    "lol", "haha", "hahaha", "hah", "lmao", "kidding", "joking", "jk", "laughs", "laughter", "laughing", "joke",
];

/// Sentences of `text` with their byte ranges; the quote of a signal is its sentence, verbatim.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    // Jump from one stop to the next (memchr): most of a line is words.
    while let Some(at) = memchr::memchr3(b'.', b'?', b'!', &bytes[i..]) {
        i += at;
        {
            let mut end = i + 1;
            while end < bytes.len()
                && matches!(bytes[end], b'.' | b'?' | b'!' | b'"' | b'\'' | b')')
            {
                end += 1;
            }
            // "Dr. Smith", "3.5": a dot not followed by white space does not end a sentence.
            if (end == bytes.len() || bytes[end].is_ascii_whitespace())
                && !ends_in_abbreviation(&text[start..i])
            {
                push_trimmed(text, start..end, &mut out);
                start = end;
            }
            i = end;
        }
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// "Dr. Reyes": a title's dot does not end a sentence.
fn ends_in_abbreviation(before_dot: &str) -> bool {
    let word = before_dot
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    ["dr", "mr", "mrs", "ms", "prof", "st", "vs"].iter().any(|a| word.eq_ignore_ascii_case(a))
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if r.end - trail > r.start + lead {
        out.push(r.start + lead..r.end - trail);
    }
}

pub fn fold(s: &str) -> String {
    let lower = s.to_lowercase();
    // Curly quotes start with byte 0xE2: most sentences have none, and a byte search is far
    // cheaper than decoding every character to look for them.
    if memchr::memchr(0xE2, lower.as_bytes()).is_some() && lower.contains(['\u{2019}', '\u{2018}']) {
        lower.replace(['\u{2019}', '\u{2018}'], "'")
    } else {
        lower
    }
}

/// One normalised word and the clause it belongs to.
struct Word<'a> {
    text: &'a str,
    clause: usize,
}

/// A sentence's normalised words, their text in one buffer: one allocation a sentence, not one
/// a word (every sentence of a transcript is split before most are found to carry no cue).
struct Tokens {
    buf: String,
    /// (start, end) in `buf`, and the clause.
    spans: Vec<(usize, usize, usize)>,
}

impl Tokens {
    fn push(&mut self, word: &str, clause: usize) {
        let start = self.buf.len();
        self.buf.push_str(word);
        self.spans.push((start, self.buf.len(), clause));
    }

    fn text(&self, i: usize) -> &str {
        let (a, b, _) = self.spans[i];
        &self.buf[a..b]
    }

    fn words(&self) -> Vec<Word<'_>> {
        self.spans.iter().map(|&(a, b, clause)| Word { text: &self.buf[a..b], clause }).collect()
    }
}

/// Lowercases, spells out contractions, blanks quoted speech, and splits into words and clauses.
fn words(sentence: &str) -> Tokens {
    let s = fold(sentence);
    let may_quote = s.bytes().enumerate().any(|(i, b)| b == b'"' || (b == b'\'' && (i == 0 || !s.as_bytes()[i - 1].is_ascii_alphanumeric())))
        || s.contains(['\u{201c}', '\u{201d}', '\u{2018}']);
    // Quoted speech ("…", “…”, and '…' opened after a space) is someone else's words: blank it
    // (the quotes stay a clause break). An apostrophe inside a word ("don't") is not a quote.
    let unquoted = if may_quote { unquote(&s) } else { s };
    words_of(&unquoted)
}

fn unquote(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut unquoted = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        let prev_alnum = i > 0 && chars[i - 1].is_alphanumeric();
        let next_alnum = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        match (quote, c) {
            (None, '"' | '\u{201c}') => quote = Some('"'),
            (None, '\'' | '\u{2018}') if !prev_alnum && next_alnum => quote = Some('\''),
            (Some('"'), '"' | '\u{201d}') => quote = None,
            (Some('\''), '\'' | '\u{2019}') if !next_alnum => quote = None,
            (Some(_), _) => continue,
            (None, _) => {
                unquoted.push(c);
                continue;
            }
        }
        unquoted.push(',');
    }
    unquoted
}

fn words_of(unquoted: &str) -> Tokens {
    let mut out = Tokens { buf: String::with_capacity(unquoted.len() + 16), spans: Vec::with_capacity(unquoted.len() / 4) };
    let mut clause = 0;
    let flush = |token: &str, clause: usize, out: &mut Tokens| {
        if token.is_empty() {
            return;
        }
        let t = token.trim_matches('\'');
        let expanded: &[&str] = match t {
            "can't" | "cant" | "cannot" => &["can", "not"],
            "won't" | "wont" => &["will", "not"],
            "i'm" | "im" => &["i", "am"],
            "i'll" => &["i", "will"],
            "we'll" => &["we", "will"],
            "i've" | "ive" => &["i", "have"],
            "i'd" => &["i", "would"],
            "we're" => &["we", "are"],
            "it's" | "its" => &["it", "is"],
            "that's" | "thats" => &["that", "is"],
            "what's" | "whats" => &["what", "is"],
            "gonna" => &["going", "to"],
            "wanna" => &["want", "to"],
            "gotta" => &["got", "to"],
            "dont" => &["do", "not"],
            "didnt" => &["did", "not"],
            "isnt" => &["is", "not"],
            "wasnt" => &["was", "not"],
            "havent" => &["have", "not"],
            "ok" | "okay" => &["okay"],
            _ => &[],
        };
        if !expanded.is_empty() {
            for w in expanded {
                out.push(w, clause);
            }
        } else if !t.as_bytes().contains(&b'\'') {
            // Most words: no contraction to spell out.
            if !t.is_empty() {
                out.push(t, clause);
            }
        } else if let Some(stem) = t.strip_suffix("n't") {
            out.push(stem, clause);
            out.push("not", clause);
        } else if let Some(stem) = t
            .strip_suffix("'s")
            .or_else(|| t.strip_suffix("'re"))
            .or_else(|| t.strip_suffix("'ve"))
        {
            out.push(stem, clause);
        } else if !t.is_empty() {
            out.push(t, clause);
        }
    };
    // A token is a run of alphanumerics and apostrophes: a slice of the text, not a copy.
    let mut token_start: Option<usize> = None;
    for (i, c) in unquoted.char_indices() {
        if c.is_alphanumeric() || c == '\'' {
            token_start.get_or_insert(i);
        } else {
            if let Some(a) = token_start.take() {
                flush(&unquoted[a..i], clause, &mut out);
            }
            if matches!(c, ',' | ';' | ':' | '(' | ')' | '\u{2014}' | '\u{2013}') {
                clause += 1;
            }
        }
    }
    if let Some(a) = token_start {
        flush(&unquoted[a..], clause, &mut out);
    }
    // Contrast words open a new clause of their own.
    let mut shift = 0;
    let mut last_clause = usize::MAX;
    for i in 0..out.spans.len() {
        if out.spans[i].2 != last_clause {
            last_clause = out.spans[i].2;
        } else if matches!(
            out.text(i),
            "but"
                | "though"
                | "although"
                | "however"
                | "whereas"
                | "because"
                | "cos"
                | "since"
                | "so"
                | "and"
        ) {
            // "so" and "and" open a clause only before a subject ("and I…", "so now…").
            let next = if i + 1 < out.spans.len() { out.text(i + 1) } else { "" };
            let opens = !matches!(out.text(i), "so" | "and")
                || matches!(
                    next,
                    "i" | "we"
                        | "now"
                        | "then"
                        | "my"
                        | "it"
                        | "that"
                        | "everything"
                        | "nothing"
                        | "yesterday"
                        | "today"
                        | "this"
                        | "since"
                        | "she"
                        | "he"
                        | "they"
                );
            if opens {
                shift += 1;
            }
        }
        out.spans[i].2 += shift;
    }
    out
}

/// Where `pattern` matches in `ws` (word starts), as (first word, last word).
fn find(ws: &[&str], pattern: &str) -> Vec<(usize, usize)> {
    // Compiled on the stack: the analyser asks for a few fixed phrases per candidate cue.
    let mut buf = [Part::Gap; 8];
    let parts = Part::compile_into(pattern, &mut buf);
    if let Part::Word(first) = parts[0]
        && !ws.contains(&first)
    {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for start in 0..ws.len() {
        if let Some(end) = match_at(ws, start, parts) {
            hits.push((start, end));
        }
    }
    hits
}

/// One word of a phrase, compiled: the phrase lists are read for every sentence, so `~` and
/// `…` are told apart once, not at every comparison.
#[derive(Debug, Clone, Copy)]
enum Part<'p> {
    /// This word.
    Word(&'p str),
    /// A word starting so (`struggl~`).
    Stem(&'p str),
    /// Up to three words (`…`).
    Gap,
}

impl<'p> Part<'p> {
    fn compile(pattern: &'p str) -> Vec<Part<'p>> {
        let mut buf = [Part::Gap; 8];
        Part::compile_into(pattern, &mut buf).to_vec()
    }

    /// The parts of `pattern` (at most eight words) in `buf`.
    fn compile_into<'b>(pattern: &'p str, buf: &'b mut [Part<'p>; 8]) -> &'b [Part<'p>] {
        let mut n = 0;
        for p in pattern.split(' ') {
            buf[n] = match p {
                "…" => Part::Gap,
                _ => p.strip_suffix('~').map_or(Part::Word(p), Part::Stem),
            };
            n += 1;
        }
        &buf[..n]
    }
}

fn match_at(ws: &[&str], at: usize, parts: &[Part<'_>]) -> Option<usize> {
    let (first, rest) = parts.split_first()?;
    let w = match first {
        Part::Gap => {
            // Up to three words, then the rest.
            return (0..=3).find_map(|skip| match_at(ws, at + skip, rest));
        }
        _ => ws.get(at)?,
    };
    let ok = match first {
        Part::Word(p) => w == p,
        Part::Stem(stem) => w.starts_with(stem),
        Part::Gap => unreachable!("handled above"),
    };
    if !ok {
        return None;
    }
    if rest.is_empty() { Some(at) } else { match_at(ws, at + 1, rest) }
}

/// A phrase list compiled once: each phrase split into parts, indexed by its first word, so a
/// sentence is matched in one pass over its words instead of once per phrase.
struct Table {
    phrases: Vec<(&'static str, u8, Vec<Part<'static>>)>,
    by_first: std::collections::HashMap<&'static str, Vec<usize>, std::hash::BuildHasherDefault<crate::transcript::FxHasher>>,
    /// Bit `len` of `first_words[b]`: some phrase starts with a word of first byte `b` and that
    /// length (63 for longer). Most words of a sentence start no phrase of a table, and this
    /// tells so without hashing them.
    first_words: [u64; 256],
    /// Phrases whose first part is a stem ("struggl~"), by the stem's first byte.
    stem_first: Vec<Vec<usize>>,
}

impl Table {
    fn new(list: impl IntoIterator<Item = (&'static str, u8)>) -> Self {
        let mut t = Table { phrases: Vec::new(), by_first: Default::default(), first_words: [0; 256], stem_first: vec![Vec::new(); 256] };
        for (i, (text, weight)) in list.into_iter().enumerate() {
            let parts = Part::compile(text);
            match parts[0] {
                Part::Stem(stem) => t.stem_first[usize::from(stem.as_bytes()[0])].push(i),
                Part::Word(first) => {
                    t.by_first.entry(first).or_default().push(i);
                    t.first_words[usize::from(first.as_bytes()[0])] |= 1 << first.len().min(63);
                }
                Part::Gap => panic!("a phrase starts with a word, not `…`: {text}"),
            }
            t.phrases.push((text, weight, parts));
        }
        t
    }

    /// Every match as (phrase index, first word, last word), in list order, then position.
    fn find_all(&self, ws: &[&str]) -> Vec<(usize, usize, usize)> {
        let mut hits = Vec::new();
        for start in 0..ws.len() {
            for &i in self.exact(ws[start]).iter().chain(self.stems(ws[start])) {
                if let Some(end) = self.match_phrase(ws, start, i) {
                    hits.push((i, start, end));
                }
            }
        }
        hits.sort_unstable();
        hits
    }

    /// Phrase `i` at word `start`. Many phrases share a first word ("i …", "not …"): the
    /// second word tells most of them apart before the full match.
    #[inline]
    fn match_phrase(&self, ws: &[&str], start: usize, i: usize) -> Option<usize> {
        let parts = &self.phrases[i].2;
        if let Some(Part::Word(second)) = parts.get(1)
            && ws.get(start + 1) != Some(second)
        {
            return None;
        }
        match_at(ws, start, parts)
    }

    /// The phrases whose first word is `word`.
    #[inline]
    fn exact(&self, word: &str) -> &[usize] {
        let Some(&b) = word.as_bytes().first() else { return &[] };
        if self.first_words[usize::from(b)] & (1 << word.len().min(63)) == 0 {
            return &[];
        }
        self.by_first.get(word).map(Vec::as_slice).unwrap_or_default()
    }

    fn stems(&self, word: &str) -> &[usize] {
        word.as_bytes().first().map_or(&[], |b| self.stem_first[usize::from(*b)].as_slice())
    }

    fn any(&self, ws: &[&str]) -> bool {
        (0..ws.len()).any(|start| {
            self.exact(ws[start]).iter().chain(self.stems(ws[start])).any(|&i| self.match_phrase(ws, start, i).is_some())
        })
    }
}

struct Tables {
    /// Every phrase of the four signal lists: one pass tells whether a sentence has any cue.
    any_cue: Table,
    urgent: Table,
    win: Table,
    challenge: Table,
    commitment: Table,
    not_commitment: Table,
    hedges: Table,
    idioms: Table,
    defusers: Table,
    handled: Table,
}

fn tables() -> &'static Tables {
    static TABLES: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    let plain = |list: &'static [&'static str]| Table::new(list.iter().map(|p| (*p, 0)));
    TABLES.get_or_init(|| Tables {
        any_cue: Table::new(URGENT.iter().chain(WIN).chain(CHALLENGE).chain(COMMITMENT).copied()),
        urgent: Table::new(URGENT.iter().copied()),
        win: Table::new(WIN.iter().copied()),
        challenge: Table::new(CHALLENGE.iter().copied()),
        commitment: Table::new(COMMITMENT.iter().copied()),
        not_commitment: plain(NOT_COMMITMENT),
        hedges: plain(HEDGES),
        idioms: plain(IDIOMS),
        defusers: plain(DEFUSERS),
        handled: plain(HANDLED),
    })
}

/// The kinds of signal one sentence carries, most pressing first (each once).
pub fn classify(sentence: &str) -> Vec<SignalKind> {
    let mut kinds: Vec<SignalKind> = explain(sentence).into_iter().map(|d| d.kind).collect();
    kinds.dedup();
    kinds
}

/// Future time said with a commitment in the present progressive ("I'm mapping it out this weekend").
#[rustfmt::skip]
const FUTURE_TIME: &[&str] = &[
    "tomorrow", "tonight", "this weekend", "this week", "next week", "on monday", "on tuesday", "on wednesday",
    "on thursday", "on friday", "on saturday", "on sunday", "by monday", "by tuesday", "by wednesday", "by thursday",
    "by friday", "by the end of", "by end of", "later today", "this afternoon", "this evening", "first thing",
];

/// Irregular past forms: "this week I signed…" reports, it does not commit.
#[rustfmt::skip]
const PAST_FORMS: &[&str] = &[
    "did", "sent", "got", "made", "had", "went", "wrote", "ran", "sold", "won", "took", "gave",
    "spoke", "told", "said", "met", "built", "found", "paid", "left", "felt", "kept", "brought",
    "bought", "hit", "was", "were",
];

/// The strongest signal of each kind in one sentence, most pressing kind first.
pub fn explain(sentence: &str) -> Vec<Detected> {
    let tokens = words(sentence);
    if tokens.spans.is_empty() {
        return Vec::new();
    }
    let raw_words = tokens.words();
    let raw: Vec<&str> = raw_words.iter().map(|w| w.text).collect();
    let clause_of = |i: usize| raw_words[i].clause;
    let t = tables();
    // Most sentences carry no cue at all: nothing more to do for them.
    let progressive = raw.windows(2).any(|w| matches!(w, ["i", "am"] | ["we", "are"]));
    if !progressive && !t.any_cue.any(&raw) {
        return Vec::new();
    }
    // Idioms are blanked ("_word") for urgency and challenges; wins read the raw words.
    let idioms = t.idioms.find_all(&raw);
    let mut blanked: Vec<String> = Vec::new();
    if !idioms.is_empty() {
        blanked = raw.iter().map(|w| (*w).to_string()).collect();
        for (_, a, b) in idioms {
            for w in &mut blanked[a..=b] {
                if !w.starts_with('_') {
                    w.insert(0, '_');
                }
            }
        }
    }
    let texts: Vec<&str> = if blanked.is_empty() { raw.clone() } else { blanked.iter().map(String::as_str).collect() };
    let question = sentence.trim_end().ends_with('?');
    let joke = raw.iter().any(|w| JOKES.contains(w));
    let defused = t.defusers.any(&raw);
    let last_clause = raw_words.last().map_or(0, |w| w.clause);

    // Each clause's words, as a range of `raw` (a clause's words are contiguous), worked out
    // once: the rules below ask for them again and again.
    let mut clause_bounds: Vec<Range<usize>> = vec![0..0; last_clause + 1];
    for (i, w) in raw_words.iter().enumerate() {
        let b = &mut clause_bounds[w.clause];
        if b.start == b.end {
            *b = i..i + 1;
        } else {
            b.end = i + 1;
        }
    }
    let clause_range = |i: usize| clause_bounds[clause_of(i)].clone();
    let clause_words = |c: usize| -> &[&str] { &raw[clause_bounds[c].clone()] };
    let negated = |a: usize, pattern: &str| {
        if pattern.split(' ').any(|p| NEGATORS.contains(&p)) {
            return false;
        }
        let r = clause_range(a);
        let from = a.saturating_sub(4).max(r.start);
        let before = &raw[from..a];
        // "I don't know how much longer…": the negation is of "know", not of the cue.
        let scopes_cue = |i: usize| {
            NEGATORS.contains(&before[i])
                && !matches!(before.get(i + 1), Some(&("know" | "sure" | "mind")))
        };
        (0..before.len()).any(scopes_cue)
            || (a >= r.start + 2 && raw[a - 2] == "no" && raw[a - 1] == "longer")
    };
    let third_party = |a: usize, pattern: &str| {
        if pattern.split(' ').any(|p| matches!(p, "me" | "my" | "i")) {
            return false;
        }
        let r = clause_range(a);
        // The last subject before the cue decides: "my client said I…" is mine again.
        let mut who = None;
        for w in &raw[r.start..a] {
            if matches!(*w, "i" | "we" | "me" | "myself") {
                who = Some(false);
            } else if THIRD_PARTY.contains(w) || REPORTED.contains(w) {
                who = Some(true);
            }
        }
        who.unwrap_or(false)
    };
    // "If I ever…", "what if…"; a condition in the sentence's first clause covers the next
    // ("worst case, if the launch flops, I've still got…"). An ultimatum ("if nothing changes
    // by the end of the month I'm shutting it down") is not hypothetical.
    let conditional_clause = |c: usize| {
        let ws = clause_words(c);
        let ultimatum = !find(ws, "if nothing").is_empty() || !find(ws, "if things").is_empty();
        !ultimatum
            && (ws.iter().any(|w| HYPOTHETICAL.contains(w)) || !find(ws, "worst case").is_empty())
    };
    let hypothetical = |a: usize| {
        let r = clause_range(a);
        let before = &raw[r.start..a];
        let ultimatum = !find(&raw[r.clone()], "if nothing").is_empty()
            || !find(&raw[r.clone()], "if things").is_empty();
        let here = !ultimatum
            && (before.iter().any(|w| HYPOTHETICAL.contains(w))
                || !find(before, "what if").is_empty());
        let c = clause_of(a);
        here || (c >= 1 && (0..c).all(conditional_clause) && c <= 2)
    };
    let resolved_past = |a: usize| {
        let r = clause_range(a);
        let past = raw[r].iter().any(|w| PAST.contains(w));
        past && turning_clause(&raw_words, clause_of(a), last_clause).is_some()
    };
    let hedged = |a: usize| {
        let r = clause_range(a);
        t.hedges.any(&raw[r.clone()])
    };
    let wished = |a: usize| {
        let r = clause_range(a);
        let before = &raw[r.start..a];
        before.iter().any(|w| WISH.contains(w))
            || !find(before, "one day").is_empty()
            || !find(before, "going to").is_empty()
    };

    // A table's matches in the sentence, best first among those `accept` lets through.
    let best_of = |table: &Table, hits: &[(usize, usize, usize)], accept: &dyn Fn(usize, &str) -> bool| -> Option<(&'static str, u8, usize)> {
        let mut found: Option<(&'static str, u8, usize)> = None;
        for &(i, a, _) in hits {
            let (pattern, weight, _) = &table.phrases[i];
            if found.is_none_or(|(_, w, _)| *weight > w) && accept(a, pattern) {
                found = Some((pattern, *weight, a));
            }
        }
        found
    };
    let best = |table: &Table, ws: &[&str], accept: &dyn Fn(usize, &str) -> bool| best_of(table, &table.find_all(ws), accept);
    // Urgent phrases are read three ways (the speaker's, someone else's, resolved): found once.
    let urgent_hits = t.urgent.find_all(&texts);

    let mut out = Vec::new();
    let live = !joke && !defused;
    let urgent = if live {
        best_of(&t.urgent, &urgent_hits, &|a, p| {
            !negated(a, p) && !third_party(a, p) && !hypothetical(a) && !resolved_past(a)
        })
    } else {
        None
    };
    // Someone else's emergency ("a client wants a refund") is the speaker's challenge.
    let handled = t.handled.any(&raw);
    let others_trouble = if live && urgent.is_none() && !handled {
        best_of(&t.urgent, &urgent_hits, &|a, p| {
            !negated(a, p) && third_party(a, p) && !hypothetical(a) && !resolved_past(a)
        })
    } else {
        None
    };
    // Distress that a later clause resolves ("I was overwhelmed in March, but since…") is a win.
    let resolved = if urgent.is_none() {
        best_of(&t.urgent, &urgent_hits, &|a, p| {
            !negated(a, p) && !third_party(a, p) && !hypothetical(a) && resolved_past(a)
        })
    } else {
        None
    };
    if let Some((rule, weight, _)) = urgent {
        out.push(Detected {
            kind: SignalKind::Urgency,
            rule,
            weight,
        });
    }
    // A participant's question carries no other label of its own.
    if question {
        return out;
    }
    let commitment = best(&t.commitment, &texts, &|a, p| {
        let r = clause_range(a);
        let clause = &raw[r.clone()];
        let len = p.split(' ').count();
        let next = raw.get(a + len).copied().unwrap_or("");
        let reports_past =
            p.ends_with(" i") && (next.ends_with("ed") || PAST_FORMS.contains(&next));
        !negated(a, p)
            && !hypothetical(a)
            && !hedged(a)
            && !reports_past
            && !t.not_commitment.any(clause)
            && urgent.is_none_or(|(_, _, u)| clause_of(u) != clause_of(a))
            // Something must follow the cue: "I will." alone commits to nothing.
            && raw.len() > a + len
    })
    .or_else(|| progressive_with_time(&raw, &clause_range));
    if let Some((rule, weight, _)) = commitment {
        out.push(Detected {
            kind: SignalKind::Action,
            rule,
            weight,
        });
    }
    // An urgent sentence is not also a challenge.
    if urgent.is_none() {
        // A difficulty named as the object of a commitment ("I commit to calling every no-show")
        // is what the speaker will act on, not a challenge they report.
        let object_of_commitment =
            |a: usize| commitment.is_some_and(|(_, _, c)| clause_of(c) == clause_of(a) && c < a);
        let challenge = best(&t.challenge, &texts, &|a, p| {
            (!negated(a, p) && !hypothetical(a) && !resolved_past(a) && !wished(a)
                || is_setback(a, p, &negated))
                && !object_of_commitment(a)
        })
        .filter(|(_, w, _)| *w >= 2)
        .or(others_trouble.map(|(_, w, a)| ("someone else's trouble", w, a)));
        // Weak cues alone ("still", "keep") do not make a challenge.
        if let Some((rule, weight, _)) = challenge {
            out.push(Detected {
                kind: SignalKind::Challenge,
                rule,
                weight,
            });
        }
    }
    let win = best(&t.win, &raw, &|a, p| {
        let in_progress = p == "finally" && a > 0 && raw[a - 1] == "am";
        !negated(a, p)
            && !third_party_win(&raw, a, p, &clause_range)
            && !hypothetical(a)
            && !wished(a)
            && !in_progress
    })
    .filter(|(_, w, _)| *w >= 2)
    .or(resolved.map(|(_, _, a)| ("distress resolved", 2, a)));
    if let Some((rule, weight, a)) = win {
        let same_clause_as_urgent = urgent.is_some_and(|(_, _, u)| clause_of(u) == clause_of(a));
        if !same_clause_as_urgent {
            out.push(Detected {
                kind: SignalKind::Win,
                rule,
                weight,
            });
        }
    }
    out
}

/// The first later clause that turns the story ("…, but now…", "…, and yesterday…").
fn turning_clause(ws: &[Word], after: usize, last: usize) -> Option<usize> {
    (after + 1..=last).find(|&c| {
        let mut it = ws.iter().filter(|w| w.clause == c).map(|w| w.text);
        match (it.next(), it.next()) {
            (Some(first), _) if TURN.contains(&first) => true,
            (Some("and" | "so"), Some(second)) => TURN.contains(&second),
            _ => false,
        }
    })
}

/// "I'm mapping out the onboarding this weekend": a present progressive with a future time.
fn progressive_with_time(
    raw: &[&str],
    clause_range: &dyn Fn(usize) -> Range<usize>,
) -> Option<(&'static str, u8, usize)> {
    for a in 0..raw.len().saturating_sub(2) {
        if matches!(raw[a], "i" | "we") && matches!(raw[a + 1], "am" | "are") {
            let verb = raw[a + 2];
            let mental = matches!(
                verb,
                "going"
                    | "thinking"
                    | "feeling"
                    | "struggling"
                    | "starting"
                    | "trying"
                    | "hoping"
                    | "wondering"
                    | "doing"
                    | "getting"
                    | "having"
                    | "being"
                    | "finally"
            );
            if verb.ends_with("ing") && !mental {
                let r = clause_range(a);
                if FUTURE_TIME
                    .iter()
                    .any(|t| !find(&raw[r.clone()], t).is_empty())
                {
                    return Some(("present progressive with a time", 2, a));
                }
            }
        }
    }
    None
}

/// A negated win is a setback ("I didn't land the contract"): a challenge.
fn is_setback(a: usize, pattern: &str, negated: &dyn Fn(usize, &str) -> bool) -> bool {
    matches!(pattern, "did not land" | "did not get") && !negated(a, pattern)
}

/// A win of someone else's ("my friend launched") is not the speaker's — but a client or a
/// buyer saying yes, booking, renewing or referring is.
fn third_party_win(
    texts: &[&str],
    a: usize,
    pattern: &str,
    clause_range: &dyn Fn(usize) -> Range<usize>,
) -> bool {
    let r = clause_range(a);
    let before = &texts[r.start..a];
    let client_action = CLIENT_ACTIONS.contains(&pattern);
    let mut who = None;
    for (i, w) in before.iter().enumerate() {
        if matches!(*w, "i" | "we" | "me" | "our" | "us") {
            who = Some(false);
        } else if matches!(*w, "clients" | "client" | "customers" | "customer")
            && before[..i].iter().any(|p| matches!(*p, "my" | "our"))
        {
            who = Some(false);
        } else if FRIENDS_AND_FAMILY.contains(w) {
            who = Some(true);
        } else if THIRD_PARTY.contains(w) {
            who = Some(!client_action);
        }
    }
    // "My friend launched her course and it sold out": "it" is still the friend's.
    if who.is_none()
        && r.start > 0
        && matches!(texts.get(r.start), Some(&("and" | "it" | "which" | "they")))
    {
        let prev = clause_range(r.start - 1);
        return texts[prev].iter().any(|w| FRIENDS_AND_FAMILY.contains(w));
    }
    who.unwrap_or(false)
}

/// The finding of `kind` whose quote speaks loudest: the highest rule weight, then the earliest
/// (the refund sentence over a passing "overwhelmed"; the record month over "it went well").
pub fn strongest(findings: &[crate::domain::Finding], kind: SignalKind) -> Option<&crate::domain::Finding> {
    let weight = |f: &crate::domain::Finding| explain(&f.evidence.quote).iter().filter(|d| d.kind == kind).map(|d| d.weight).max().unwrap_or(0);
    findings.iter().enumerate().max_by_key(|(i, f)| (weight(f), std::cmp::Reverse(*i))).map(|(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::SignalKind::*;
    use super::*;

    #[test]
    fn scripted_sentences() {
        assert_eq!(
            classify("I commit to calling every no-show within twenty-four hours."),
            vec![Action]
        );
        assert_eq!(
            classify("I'm going to block two hours every Monday for content."),
            vec![Action]
        );
        assert_eq!(
            classify("Honestly I have a hard time posting content consistently."),
            vec![Challenge]
        );
        assert_eq!(
            classify("My biggest problem is that I spend twenty hours a week on admin."),
            vec![Challenge]
        );
        assert_eq!(
            classify("I need help urgently, my biggest client asked for a refund yesterday."),
            vec![Urgency]
        );
        assert_eq!(
            classify("We hit our first ten thousand dollar month in the clinic."),
            vec![Win]
        );
        assert_eq!(
            classify(
                "My retention went from sixty to eighty percent after the onboarding call change."
            ),
            vec![Win]
        );
    }

    #[test]
    fn alarm_words_without_alarm() {
        for s in [
            "I'm not going to quit, don't worry.",
            "My mum's in the urgent care clinic this week.",
            "Last month I nearly gave up, but the new offer is selling.",
            "One of my clients asked for a refund.",
            "If I ever burned out I'd take a month off.",
            "My accountant said \"you should just quit\" haha.",
            "No, I'm not overwhelmed at all.",
        ] {
            assert!(!classify(s).contains(&Urgency), "{s}: {:?}", explain(s));
        }
    }

    #[test]
    fn distress_without_keywords() {
        for s in [
            "I want my money back, this isn't working for me.",
            "Honestly I can't keep paying for this.",
            "I don't know how much longer I can keep doing this.",
        ] {
            assert!(classify(s).contains(&Urgency), "{s}");
        }
    }

    #[test]
    fn discourse_and_hedges_are_not_commitments() {
        for s in [
            "I'll be honest, it was a slow week.",
            "Maybe I'll look at pricing at some point.",
            "I should probably post more.",
            "I'll go first.",
        ] {
            assert!(!classify(s).contains(&Action), "{s}: {:?}", explain(s));
        }
        assert!(classify("I'll email my three warm leads by Thursday.").contains(&Action));
    }

    #[test]
    fn filler_is_not_a_signal() {
        for s in [
            "I love that framework.",
            "Thanks, that's really helpful.",
            "What would you do if the client says it's too expensive?",
            "We saw the same pattern with our newsletter.",
            "That resonates with me a lot.",
            "Can you say more about how you structure the first call?",
            "That is quite a lot.",
        ] {
            assert!(classify(s).is_empty(), "{s}: {:?}", explain(s));
        }
        assert_eq!(
            classify("Should I just cancel my membership?"),
            vec![Urgency]
        );
    }

    #[test]
    fn the_strongest_quote_is_the_one_that_says_most() {
        let f = |q: &str| crate::domain::Finding {
            text: q.into(),
            evidence: crate::domain::Evidence { quote: q.into(), timestamp: "00:00:01.000".into(), start_ms: 1000 },
        };
        let urgent = [f("Can you call me after this?"), f("I want my money back."), f("Honestly I'm a bit exhausted.")];
        assert_eq!(strongest(&urgent, Urgency).unwrap().evidence.quote, "I want my money back.");
        let wins = [f("The launch went well."), f("We had our best month ever."), f("I doubled my list.")];
        assert_eq!(strongest(&wins, Win).unwrap().evidence.quote, "We had our best month ever.");
        assert!(strongest(&[], Win).is_none());
    }

    #[test]
    fn splits_sentences() {
        let t = "Dr. Reyes said 3.5 is fine. Really?! Yes";
        let parts: Vec<&str> = sentences(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            parts,
            vec!["Dr. Reyes said 3.5 is fine.", "Really?!", "Yes"]
        );
    }
}

/// Phrase lists for other analysis profiles (the sales call's, `crate::calls`), matched with
/// the same normalisation and syntax as the lists above (`~` stems, `…` gaps of up to three
/// words): one engine, several profiles.
pub struct PhraseList(Table);

/// A sentence as the phrase lists read it: lowercase, contractions spelled out, quoted
/// speech blanked; each word with its clause number.
pub struct Normalised {
    pub words: Vec<String>,
    pub clauses: Vec<usize>,
}

impl Normalised {
    pub fn of(sentence: &str) -> Self {
        let tokens = words(sentence);
        let words = tokens.words();
        Self { clauses: words.iter().map(|w| w.clause).collect(), words: words.iter().map(|w| w.text.to_string()).collect() }
    }

    pub fn as_strs(&self) -> Vec<&str> {
        self.words.iter().map(String::as_str).collect()
    }

    /// Whether a negator ("not", "never", "no"…) stands within four words before word `at`,
    /// in its clause (the workshop rules' test).
    pub fn negated(&self, at: usize) -> bool {
        let clause = self.clauses[at];
        let from = (0..at).rev().take(4).take_while(|&i| self.clauses[i] == clause).last().unwrap_or(at);
        (from..at).any(|i| NEGATORS.contains(&self.words[i].as_str()) && !matches!(self.words.get(i + 1).map(String::as_str), Some("know" | "sure" | "mind")))
    }
}

impl PhraseList {
    pub fn new(list: &'static [(&'static str, u8)]) -> Self {
        Self(Table::new(list.iter().copied()))
    }

    /// Every match as (phrase, weight, first word, last word), in list order.
    pub fn matches(&self, ws: &[&str]) -> Vec<(&'static str, u8, usize, usize)> {
        self.0.find_all(ws).into_iter().map(|(i, a, b)| (self.0.phrases[i].0, self.0.phrases[i].1, a, b)).collect()
    }
}
