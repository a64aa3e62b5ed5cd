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

#[derive(clap::Args)]
pub struct Args {
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
