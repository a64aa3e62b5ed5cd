//! One workshop end to end on one machine: transcript → speakers → participants → analyses →
//! priority list. The cloud pipeline runs the same steps split across functions.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analyser, Analysis, EngagementThresholds, ParticipantContext, PriorityRules, Reading, Role, Router, rank_priorities};
use crate::attendance::{Attendance, Speakers, UnknownSpeaker, attribute};
use crate::domain::{
    CoachProfile, CoachReviewStatus, ParticipantSummary, ProcessingStatus, Roster, WorkshopSession,
};
use crate::error::InputError;
use crate::transcript::{SpeakerStats, Transcript, TranscriptFormat};

#[derive(Debug, Clone, Default)]
pub struct AnalyseOptions {
    pub format: Option<TranscriptFormat>,
    pub engagement: EngagementThresholds,
    pub priority: PriorityRules,
    /// How many threads [`analyse_streaming`] reads a WebVTT file on; by default all cores
    /// (up to 8) for a file over 4 MB, one below.
    pub threads: Option<usize>,
}

/// What the caller knows about the session beyond the transcript.
#[derive(Debug, Clone)]
pub struct SessionMeta {
    pub session_id: String,
    pub workshop_date: String,
    pub cohort_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptSummary {
    pub format: TranscriptFormat,
    pub cues: u64,
    pub duration_seconds: f64,
    pub total_speaking_seconds: f64,
    /// Cues with no speaker label.
    pub unattributed: SpeakerStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoachSpeech {
    pub coach_id: String,
    pub coach_name: String,
    pub labels: Vec<String>,
    pub stats: SpeakerStats,
}

/// The `debrief analyze` JSON document: the session, every participant (priority clients
/// first, then roster order), and what could not be attributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionReport {
    pub session: WorkshopSession,
    pub participants: Vec<ParticipantSummary>,
    pub coach: CoachSpeech,
    pub unknown_speakers: Vec<UnknownSpeaker>,
    pub transcript: TranscriptSummary,
}

/// A parsed, attributed session, ready to analyse participant by participant.
pub struct PreparedSession {
    pub session: WorkshopSession,
    pub contexts: Vec<ParticipantContext>,
    pub attendance: Attendance,
    pub transcript: TranscriptSummary,
}

pub fn prepare(
    text: &str,
    roster: &Roster,
    coach: &CoachProfile,
    meta: SessionMeta,
    options: &AnalyseOptions,
) -> Result<PreparedSession, InputError> {
    check_roster(roster)?;
    let transcript = Transcript::parse(text, options.format)?;
    let mut prepared = begin(transcript.stats(), transcript.format, roster, coach, meta, options)?;
    ParticipantContext::fill_all(&mut prepared.contexts, &transcript, &Speakers::new(roster, coach));
    Ok(prepared)
}

fn check_roster(roster: &Roster) -> Result<(), InputError> {
    if roster.entries().is_empty() {
        return Err(InputError::field("roster", "must list at least one participant"));
    }
    Ok(())
}

fn levels(attendance: &Attendance, options: &AnalyseOptions) -> Vec<crate::domain::EngagementLevel> {
    let n = attendance.attendees.len();
    attendance.attendees.iter().map(|a| options.engagement.level(a.stats.speaking_time_percentage, a.stats.cues, n)).collect()
}

/// The session from the transcript's statistics: speakers matched to the roster, the session
/// record, and every attendee's context without lines.
fn begin(
    stats: crate::transcript::TranscriptStats,
    format: TranscriptFormat,
    roster: &Roster,
    coach: &CoachProfile,
    meta: SessionMeta,
    options: &AnalyseOptions,
) -> Result<PreparedSession, InputError> {
    if stats.cues == 0 {
        return Err(crate::transcript::TranscriptError::new(1, "the transcript has no spoken lines").into());
    }
    if stats.speakers.is_empty() {
        return Err(InputError::field("transcript", "no speaker labels were found: each cue or line needs the form `Name: what they said`"));
    }
    let attendance = attribute(&stats, roster, coach);
    let session = WorkshopSession {
        session_id: meta.session_id,
        workshop_date: meta.workshop_date,
        cohort_name: meta.cohort_name,
        coach_id: coach.coach_id.clone(),
        participant_count: roster.entries().len() as u32,
        processing_status: ProcessingStatus::Processing,
        completed_at: None,
        priority_client_ids: Vec::new(),
        chat_gpt_session_url: coach.chat_gpt_url.clone(),
        email_notification_sent: false,
        failure_reason: None,
        review_completed_at: None,
        cost: None,
        webinar: None,
        call: None,
        intervention: None,
    };
    let contexts = ParticipantContext::headers(&session, coach, &attendance.attendees, &levels(&attendance, options));
    let summary = TranscriptSummary {
        format,
        cues: stats.cues,
        duration_seconds: stats.duration_seconds,
        total_speaking_seconds: stats.total_speaking_seconds,
        unattributed: stats.unattributed.clone(),
    };
    Ok(PreparedSession { session, contexts, attendance, transcript: summary })
}

/// The whole job with the built-in analyser, keeping no one's lines: the speakers' statistics
/// (to match them to the roster) counted in a streaming pass while, beside it, every line is fed
/// to its participant's [`Reading`] — a large WebVTT file cut into pieces read on all cores, the
/// pieces' readings merged in order; `meta` is worked out beside them. A label's owner does not need the statistics
/// ([`Speakers`]), so neither pass waits for the other. Memory stays near the file's own size
/// whatever its length; the answer is the one [`prepare`] + [`analyse`] give with
/// [`crate::analysis::BuiltinAnalyser`] (a test holds them equal).
pub fn analyse_streaming(
    text: &str,
    roster: &Roster,
    coach: &CoachProfile,
    meta: impl FnOnce() -> SessionMeta + Send,
    options: &AnalyseOptions,
) -> Result<SessionReport, InputError> {
    /// Below this a file is read on one thread.
    const PIECE_BYTES: usize = 4 << 20;
    check_roster(roster)?;
    let format = options.format.unwrap_or_else(|| TranscriptFormat::detect(text));
    let threads = options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(8).min(text.len() / PIECE_BYTES).max(1));
    let pieces = crate::transcript::pieces(text, format, threads)?;
    let speakers = Speakers::new(roster, coach);
    let (stats, meta, pieces_read) = std::thread::scope(|scope| {
        let stats = scope.spawn(|| crate::transcript::stream_stats(text, Some(format)));
        // The meta may take a while too: a default session id hashes the whole transcript.
        let meta = scope.spawn(meta);
        let readers: Vec<_> = pieces.into_iter().map(|piece| scope.spawn(|| read_piece(piece, &speakers, roster.entries().len()))).collect();
        (joined(stats), joined(meta), readers.into_iter().map(joined).collect::<Vec<_>>())
    });
    // The statistics pass reports the first error of the file as a whole.
    let prepared = begin(stats?, format, roster, coach, meta, options)?;
    let mut pieces_read = pieces_read.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter();
    let mut readings = pieces_read.next().expect("at least one piece");
    for later in pieces_read {
        for (reading, more) in readings.iter_mut().zip(later) {
            reading.merge(more);
        }
    }
    let participants = prepared.contexts.iter().zip(readings).map(|(ctx, r)| summarise(ctx, r.finish(ctx))).collect();
    Ok(complete(prepared.session, participants, prepared.attendance, prepared.transcript, coach, &options.priority))
}

/// A thread's result; its panic carries on in the caller.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Every roster member's [`Reading`] of one piece of the transcript.
fn read_piece(piece: crate::transcript::Piece<'_>, speakers: &Speakers<'_>, members: usize) -> Result<Vec<Reading>, crate::transcript::TranscriptError> {
    let mut readings: Vec<Reading> = (0..members).map(|_| Reading::default()).collect();
    let mut sink = |a: usize, role: Role, u: &crate::transcript::Utterance<'_>| match role {
        Role::Own => readings[a].utterance(u.start_ms, &u.text),
        Role::CoachReply => readings[a].coach_reply(u.start_ms, &u.text),
        Role::Prompt => {}
    };
    let mut router = Router::new(speakers);
    let mut failed = None;
    router.read(piece.utterances.map_while(|u| u.map_err(|e| failed = Some(e)).ok()), &mut sink);
    if let Some(e) = failed {
        return Err(e);
    }
    if let Some(after) = piece.after {
        router.finish_answers(after.map_while(Result::ok), &mut sink);
    }
    Ok(readings)
}

/// The stored form of one participant's analysis.
pub fn summarise(ctx: &ParticipantContext, a: Analysis) -> ParticipantSummary {
    ParticipantSummary {
        participant_id: ctx.participant_id.clone(),
        session_id: ctx.session.session_id.clone(),
        participant_name: ctx.participant_name.clone(),
        engagement_level: ctx.engagement,
        speaking_time_percentage: ctx.stats.speaking_time_percentage,
        wins: a.wins,
        challenges: a.challenges,
        action_items: a.action_items,
        coach_recommendations: a.coach_recommendations,
        urgency_indicators: a.urgency_indicators,
        generated_summary: a.generated_summary,
        generated_email: a.generated_email,
        coach_review_status: CoachReviewStatus::Pending,
        final_email_content: None,
        email_sent_at: None,
        coach_edit_count: 0,
        email: ctx.email.clone(),
        generated_email_subject: a.generated_email_subject,
        stats: ctx.stats.clone(),
        analyser: a.analyser,
        priority: None,
        webinar_engagement: None,
    }
}

/// Frees a large session's contexts on a thread of their own. A 50 MB transcript's contexts
/// hold some two million small strings; freeing them where they were used took a quarter of
/// `debrief analyze`'s time (glibc consolidating its free lists mid-run), so they are kept until
/// every participant is done and then let go beside the report's writing (a CLI that exits
/// first leaves them to the OS). Small sessions are freed in place.
fn drop_aside(contexts: Vec<ParticipantContext>) {
    let lines: usize = contexts.iter().map(|c| c.utterances.len() + c.surrounding.len() + c.coach_replies.len()).sum();
    if lines > 50_000 {
        let _ = std::thread::Builder::new().name("drop-contexts".into()).spawn(move || drop(contexts));
    }
}

/// Analyses every participant concurrently (so 15 model calls take about as long as one),
/// then ranks the priority clients and completes the session.
pub async fn analyse<A: Analyser + 'static>(
    prepared: PreparedSession,
    analyser: Arc<A>,
    coach: &CoachProfile,
    rules: &PriorityRules,
) -> SessionReport {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, ctx) in prepared.contexts.into_iter().enumerate() {
        let analyser = analyser.clone();
        tasks.spawn(async move {
            let analysis = analyser.analyse(&ctx).await;
            (i, summarise(&ctx, analysis), ctx)
        });
    }
    let mut indexed = tasks.join_all().await;
    indexed.sort_by_key(|(i, _, _)| *i);
    let (participants, contexts): (Vec<ParticipantSummary>, Vec<ParticipantContext>) = indexed.into_iter().map(|(_, s, c)| (s, c)).unzip();
    drop_aside(contexts);
    complete(prepared.session, participants, prepared.attendance, prepared.transcript, coach, rules)
}

/// Ranks the priority clients (priority clients first, most pressing first; everyone else in
/// roster order) and completes the session.
fn complete(
    mut session: WorkshopSession,
    mut participants: Vec<ParticipantSummary>,
    attendance: Attendance,
    transcript: TranscriptSummary,
    coach: &CoachProfile,
    rules: &PriorityRules,
) -> SessionReport {
    let rules = coach.priority_rules.as_ref().unwrap_or(rules);
    let priority_ids = rank_priorities(&mut participants, rules);
    participants.sort_by_key(|p| p.priority.as_ref().map_or(u32::MAX, |f| f.rank));
    session.priority_client_ids = priority_ids;
    session.cost = Some(crate::domain::SessionCost::of(participants.iter().map(|p| &p.analyser)));
    session.processing_status = ProcessingStatus::Completed;
    session.completed_at = Some(crate::clock::now_rfc3339());
    SessionReport {
        session,
        participants,
        coach: CoachSpeech {
            coach_id: coach.coach_id.clone(),
            coach_name: coach.coach_name.clone(),
            labels: attendance.coach_labels,
            stats: attendance.coach_stats,
        },
        unknown_speakers: attendance.unknown_speakers,
        transcript,
    }
}

/// One generated workshop's priority list against its truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityRow {
    pub seed: u64,
    pub participants: usize,
    pub truth: usize,
    pub flagged: usize,
    pub missed: usize,
    pub wrongly_flagged: usize,
}

/// `debrief eval priority`: the priority list measured on workshops generated from a labelled
/// set ([`crate::analysis::eval::generate_workshop`]), each analysed end to end by the built-in
/// analyser with the default rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriorityEval {
    pub rows: Vec<PriorityRow>,
}

impl PriorityEval {
    fn sum(&self, f: impl Fn(&PriorityRow) -> usize) -> usize {
        self.rows.iter().map(f).sum()
    }

    pub fn precision(&self) -> f64 {
        let flagged = self.sum(|r| r.flagged);
        if flagged == 0 { 1.0 } else { (flagged - self.sum(|r| r.wrongly_flagged)) as f64 / flagged as f64 }
    }

    pub fn recall(&self) -> f64 {
        let truth = self.sum(|r| r.truth);
        if truth == 0 { 1.0 } else { (truth - self.sum(|r| r.missed)) as f64 / truth as f64 }
    }

    /// Workshops whose list is exactly the truth.
    pub fn exact(&self) -> usize {
        self.rows.iter().filter(|r| r.missed == 0 && r.wrongly_flagged == 0).count()
    }

    pub fn render(&self) -> String {
        let mut out = String::from("seed  people  truth  flagged  missed  wrongly flagged\n");
        for r in &self.rows {
            out.push_str(&format!("{:>4}  {:>6}  {:>5}  {:>7}  {:>6}  {:>15}\n", r.seed, r.participants, r.truth, r.flagged, r.missed, r.wrongly_flagged));
        }
        out.push_str(&format!(
            "\n{} workshops: precision {:.2}, recall {:.2} ({} missed, {} wrongly flagged of {} flagged); the list exactly right in {} of {}\n",
            self.rows.len(),
            self.precision(),
            self.recall(),
            self.sum(|r| r.missed),
            self.sum(|r| r.wrongly_flagged),
            self.sum(|r| r.flagged),
            self.exact(),
            self.rows.len()
        ));
        out
    }
}

pub async fn priority_eval(set: &[crate::analysis::eval::LabelledLine], workshops: u64, first_seed: u64, coach: &CoachProfile) -> Result<PriorityEval, String> {
    let options = AnalyseOptions::default();
    let mut eval = PriorityEval::default();
    for seed in first_seed..first_seed + workshops {
        let w = crate::analysis::eval::generate_workshop(set, seed, &coach.coach_name)?;
        let roster = Roster::from_csv(&w.roster_csv).map_err(|e| e.to_string())?;
        let meta = SessionMeta { session_id: format!("ws-eval-{seed}"), workshop_date: "2026-11-20".into(), cohort_name: "Eval".into() };
        let prepared = prepare(&w.transcript, &roster, coach, meta, &options).map_err(|e| format!("workshop {seed}: {e}"))?;
        let report = analyse(prepared, Arc::new(crate::analysis::BuiltinAnalyser), coach, &options.priority).await;
        let hit = report.session.priority_client_ids.iter().filter(|id| w.expected_priority.contains(*id)).count();
        eval.rows.push(PriorityRow {
            seed,
            participants: w.participants,
            truth: w.expected_priority.len(),
            flagged: report.session.priority_client_ids.len(),
            missed: w.expected_priority.len() - hit,
            wrongly_flagged: report.session.priority_client_ids.len() - hit,
        });
    }
    Ok(eval)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transcript where a cut can fall anywhere: the same sentences said again and again
    /// (found once), and the coach answering every turn (so answers cross the cuts).
    fn repetitive() -> String {
        let mut vtt = String::from("WEBVTT\n\n");
        for i in 0..120u64 {
            let (speaker, text) = match i % 4 {
                0 => ("Ana Ruiz", "Honestly I'm thinking of quitting the program. I finally signed my first client!"),
                1 => ("Maya Lin", "Try booking a call with me this week."),
                2 => ("Ben Okafor", "I will send the proposal by Friday."),
                _ => ("Maya Lin", if i % 8 == 3 { "I'd suggest you start with one offer." } else { "Make sure you rest." }),
            };
            vtt.push_str(&format!("{}\n{} --> {}\n{speaker}: {text} Line {}.\n\n", i + 1, crate::transcript::format_timestamp(i * 4000), crate::transcript::format_timestamp(i * 4000 + 3500), i % 3));
        }
        vtt
    }

    #[test]
    fn pieces_read_in_parallel_give_the_one_threads_report() {
        let text = repetitive();
        let roster = Roster::parse("name,email,hubspotContactId\nAna Ruiz,ana@example.com,1\nBen Okafor,ben@example.com,2\n").unwrap();
        let coach = CoachProfile { coach_name: "Maya Lin".into(), ..CoachProfile::anonymous() };
        let meta = SessionMeta { session_id: "s".into(), workshop_date: "2026-11-20".into(), cohort_name: "C".into() };
        let run = |threads| {
            let options = AnalyseOptions { threads: Some(threads), ..Default::default() };
            let mut r = analyse_streaming(&text, &roster, &coach, || meta.clone(), &options).unwrap();
            r.session.completed_at = None;
            r
        };
        let whole = run(1);
        let ana = whole.participants.iter().find(|p| p.participant_name == "Ana Ruiz").unwrap();
        assert_eq!(ana.urgency_indicators.len(), 1, "a sentence said 30 times is one finding: {:?}", ana.urgency_indicators);
        assert!(ana.coach_recommendations.iter().filter(|r| r.starts_with("From the session")).count() >= 3, "{:?}", ana.coach_recommendations);
        for threads in 2..=9 {
            assert_eq!(crate::transcript::pieces(&text, TranscriptFormat::Vtt, threads).unwrap().len(), threads);
            assert_eq!(run(threads), whole, "{threads} pieces");
        }
    }
}
