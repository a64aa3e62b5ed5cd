use std::path::PathBuf;
use std::sync::Arc;

use debrief::analysis::{ConfiguredAnalyser, EngagementThresholds};
use debrief::domain::{CoachProfile, Roster};
use debrief::report::{self, AnalyseOptions, SessionMeta, SessionReport};
use debrief::transcript::TranscriptFormat;

use crate::sample;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Output {
    Json,
    Text,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// A coaching workshop: one analysis per participant on the roster.
    Workshop,
    /// A sales call: the seller's debrief and a follow-up email to the buyer.
    SalesCall,
}

#[derive(clap::Args)]
pub struct Args {
    /// The analysis profile.
    #[arg(long, value_enum, default_value = "workshop")]
    profile: Profile,
    /// Sales call: who is on it, the date, the meeting type (CallFacts JSON:
    /// `{"participants": [{"name", "email", "role"}], "callDate", "meetingType", "rep", "sellerDomain", "title"}`).
    #[arg(long)]
    call: Option<PathBuf>,
    /// Sales call: the rep, as the transcript labels them (everyone else buys).
    #[arg(long)]
    rep: Option<String>,
    /// Sales call: discovery, demo, negotiation, closing or follow-up (inferred when not given).
    #[arg(long)]
    meeting_type: Option<debrief::calls::debrief::MeetingType>,
    /// A WebVTT (`.vtt`) or plain-text transcript.
    #[arg(required_unless_present = "sample")]
    transcript: Option<PathBuf>,
    /// Analyse the bundled sample workshop instead of a file.
    #[arg(long, conflicts_with_all = ["transcript", "roster", "coach"])]
    sample: bool,
    /// Roster: CSV (name,email,hubspotContactId) or a JSON array of the same.
    #[arg(long)]
    roster: Option<PathBuf>,
    /// The coach's profile (CoachProfile JSON).
    #[arg(long)]
    coach: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "json")]
    format: Output,
    /// vtt or plain; detected when not given.
    #[arg(long)]
    transcript_format: Option<TranscriptFormat>,
    #[arg(long)]
    cohort: Option<String>,
    /// Workshop date, ISO 8601 (default: today).
    #[arg(long)]
    date: Option<String>,
    #[arg(long)]
    session_id: Option<String>,
    /// Engagement `high` from this multiple of a fair share of speaking time.
    #[arg(long, default_value_t = EngagementThresholds::default().high_ratio)]
    engagement_high: f64,
    /// Engagement `medium` from this multiple of a fair share.
    #[arg(long, default_value_t = EngagementThresholds::default().medium_ratio)]
    engagement_medium: f64,
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The transcript file mapped into memory rather than read: a 50 MB file is neither copied nor
/// held twice (the page cache's pages are the text). A file changed while it is being analysed
/// can end the process with SIGBUS; `debrief analyze` reads files the user handed it.
fn map(path: &PathBuf) -> Result<Option<memmap2::Mmap>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let len = file.metadata().map_err(|e| format!("{}: {e}", path.display()))?.len();
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: the map is only read, as bytes checked to be UTF-8 once; see above for a file
    // changed underneath.
    unsafe { memmap2::Mmap::map(&file) }.map(Some).map_err(|e| format!("{}: {e}", path.display()))
}

pub async fn run(args: Args) -> Result<(), String> {
    if args.profile == Profile::SalesCall {
        return sales_call(args);
    }
    let mapped = match (&args.transcript, args.sample) {
        (Some(path), false) => map(path)?,
        _ => None,
    };
    let (text, roster_text, coach_text, default_cohort) = if args.sample {
        (sample::TRANSCRIPT, Some(sample::ROSTER.to_string()), Some(sample::COACH.to_string()), "Spring Growth Lab".to_string())
    } else {
        let path = args.transcript.as_ref().expect("clap requires a transcript");
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = mapped.as_deref().unwrap_or_default();
        let text = std::str::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8 text ({e})", path.display()))?;
        (text, args.roster.as_ref().map(read).transpose()?, args.coach.as_ref().map(read).transpose()?, stem)
    };
    let roster = match roster_text {
        Some(t) => Roster::parse(&t).map_err(|e| e.to_string())?,
        None => return Err("a roster is needed (--roster FILE): participants are matched to it".into()),
    };
    let coach: CoachProfile = match coach_text {
        Some(t) => serde_json::from_str(&t).map_err(|e| format!("coach profile: {e}"))?,
        None => CoachProfile::anonymous(),
    };
    let date = args.date.unwrap_or_else(debrief::clock::today);
    if !debrief::clock::is_iso8601(&date) {
        return Err(format!("--date: `{date}` is not an ISO 8601 date"));
    }
    let (session_id, cohort_name) = (args.session_id, args.cohort.unwrap_or(default_cohort));
    let meta = || SessionMeta {
        session_id: session_id.unwrap_or_else(|| debrief::domain::session_id_for(&coach.coach_id, &text)),
        workshop_date: date,
        cohort_name,
    };
    let options = AnalyseOptions {
        format: args.transcript_format,
        engagement: EngagementThresholds { high_ratio: args.engagement_high, medium_ratio: args.engagement_medium },
        ..Default::default()
    };
    let report = match ConfiguredAnalyser::from_env() {
        // The built-in analyser reads the file as it goes, keeping no one's lines.
        ConfiguredAnalyser::Builtin(_) => report::analyse_streaming(&text, &roster, &coach, meta, &options).map_err(|e| e.to_string())?,
        model => {
            let prepared = report::prepare(&text, &roster, &coach, meta(), &options).map_err(|e| e.to_string())?;
            report::analyse(prepared, Arc::new(model), &coach, &options.priority).await
        }
    };
    match args.format {
        Output::Json => println!("{}", serde_json::to_string_pretty(&report).expect("report serialises")),
        Output::Text => print!("{}", table(&report)),
    }
    Ok(())
}

fn table(r: &SessionReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let s = &r.session;
    let _ = writeln!(out, "{} — {} — session {}", s.cohort_name, s.workshop_date, s.session_id);
    let _ = writeln!(
        out,
        "{} cues, {:.0} s of speech; coach {} spoke {:.1}%\n",
        r.transcript.cues, r.transcript.total_speaking_seconds, r.coach.coach_name, r.coach.stats.speaking_time_percentage
    );
    let _ = writeln!(out, "{:<4} {:<24} {:<7} {:>6} {:>8} {:>5} {:>4}  {:>4} {:>4} {:>4} {:>4}", "prio", "participant", "level", "talk%", "seconds", "cues", "q?", "win", "chal", "act", "urg");
    for p in &r.participants {
        let prio = p.priority.as_ref().map(|f| f.rank.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<4} {:<24} {:<7} {:>6.2} {:>8.1} {:>5} {:>4}  {:>4} {:>4} {:>4} {:>4}",
            prio,
            p.participant_name.chars().take(24).collect::<String>(),
            format!("{:?}", p.engagement_level).to_lowercase(),
            p.speaking_time_percentage,
            p.stats.speaking_seconds,
            p.stats.cues,
            p.stats.questions,
            p.wins.len(),
            p.challenges.len(),
            p.action_items.len(),
            p.urgency_indicators.len()
        );
    }
    let flagged: Vec<_> = r.participants.iter().filter_map(|p| p.priority.as_ref().map(|f| (p, f))).collect();
    if !flagged.is_empty() {
        let _ = writeln!(out, "\nPriority follow-ups:");
        for (p, f) in flagged {
            let _ = writeln!(out, "  {}. {}: {}", f.rank, p.participant_name, f.explanation);
        }
    }
    if !r.unknown_speakers.is_empty() {
        let _ = writeln!(out, "\nSpeakers not matched to the roster:");
        for u in &r.unknown_speakers {
            let _ = writeln!(out, "  {}: {}", u.label, u.reason);
        }
    }
    out
}

/// `debrief analyze --profile sales-call CALL.vtt --call FACTS.json`: the debrief and the
/// follow-up draft, as JSON or a readable page.
fn sales_call(args: Args) -> Result<(), String> {
    use debrief::calls::{debrief::CallFacts, follow_up};
    let path = args.transcript.as_ref().ok_or("a sales call needs a transcript file")?;
    let text = read(path)?;
    let mut facts: CallFacts = match &args.call {
        Some(f) => serde_json::from_str(&read(f)?).map_err(|e| format!("{}: {e}", f.display()))?,
        None => CallFacts { call_date: String::new(), ..Default::default() },
    };
    facts.rep = args.rep.clone().or(facts.rep);
    facts.meeting_type = args.meeting_type.or(facts.meeting_type);
    if let Some(d) = args.date.clone() {
        facts.call_date = d;
    }
    if facts.call_date.is_empty() {
        facts.call_date = debrief::clock::today();
    }
    let transcript = debrief::transcript::Transcript::parse(&text, args.transcript_format).map_err(|e| format!("{}: {e}", path.display()))?;
    let d = debrief::calls::debrief::debrief(&transcript, &facts).map_err(|e| e.to_string())?;
    let name_of = |side| d.roles.iter().find(|r| r.side == side).map(|r| r.speaker.clone()).unwrap_or_default();
    let (rep, buyer) = (name_of(debrief::calls::signals::Side::Seller), name_of(debrief::calls::signals::Side::Buyer));
    let (subject, body) = follow_up::write(&d, &rep, &buyer, facts.title.as_deref());
    match args.format {
        Output::Json => println!("{}", serde_json::to_string_pretty(&serde_json::json!({"debrief": d, "followUp": {"to": buyer, "subject": subject, "body": body}})).expect("serialises")),
        Output::Text => print!("{}", call_page(&d, &subject, &body)),
    }
    Ok(())
}

fn call_page(d: &debrief::calls::debrief::Debrief, subject: &str, body: &str) -> String {
    use debrief::calls::debrief::name;
    use std::fmt::Write;
    let m = &d.metrics;
    let mut out = String::new();
    let _ = writeln!(out, "{} call, {} — score {:.1}/10", name(&d.meeting_type), d.call_date, d.score);
    let _ = writeln!(
        out,
        "talk: seller {:.0}% / buyer {:.0}%; {} seller questions ({:.1}/min); {:.1} switches/min; seller pause {}; longest monologue {}\n",
        m.seller_talk_percent,
        m.buyer_talk_percent,
        m.seller_questions,
        m.seller_questions_per_minute,
        m.switches_per_minute,
        m.seller_average_pause_seconds.map_or("-".into(), |p| format!("{p:.1} s")),
        m.longest_monologue.as_ref().map_or("-".into(), |l| format!("{} {:.0} s at {}", l.speaker, l.seconds, l.at))
    );
    for r in &d.rubric {
        let _ = writeln!(out, "  {:<20} {:>4.1}/{:.0}  {}", r.part, r.points, r.max, r.why);
    }
    let _ = writeln!(out, "\nbuying signals:");
    for b in &d.buying_signals {
        let _ = writeln!(out, "  {} {:<15} {}: \"{}\"", b.said.at, name(&b.kind), b.said.speaker, b.said.quote);
    }
    let _ = writeln!(out, "objections:");
    for o in &d.objections {
        let answer = o.addressed.as_ref().map_or("NOT ANSWERED".to_string(), |a| format!("answered at {}: \"{}\"", a.at, a.quote));
        let _ = writeln!(out, "  {} {:<11} \"{}\" — {answer}", o.said.at, name(&o.kind), o.said.quote);
    }
    let _ = writeln!(out, "action items:");
    for a in &d.action_items {
        let owner = a.owner.map_or("unassigned".to_string(), |s| name(&s));
        let due = a.due_date.clone().or_else(|| a.due_said.clone()).unwrap_or_else(|| "no date said".into());
        let _ = writeln!(out, "  {} {:<10} {:<12} \"{}\"", a.said.at, owner, due, a.said.quote);
    }
    for (title, points) in [("went well", &d.went_well), ("to improve", &d.to_improve)] {
        let _ = writeln!(out, "{title}:");
        for p in points {
            let ev = p.evidence.as_ref().map_or(String::new(), |e| format!(" ({} \"{}\")", e.at, e.quote));
            let _ = writeln!(out, "  - {}{ev}", p.text);
        }
    }
    let _ = writeln!(out, "\nfollow-up draft — {subject}\n\n{body}");
    out
}
