//! The coach's emails: the session summary when analysis is done, and the failure notice.
//! Rendered by minijinja; the HTML template auto-escapes every value (participant names and
//! quotes are user text).

use std::sync::OnceLock;

use minijinja::{Environment, context};
use serde::Serialize;

use crate::analysis::signals::{SignalKind, strongest};
use crate::attendance::UnknownSpeaker;
use crate::domain::{CoachProfile, EngagementLevel, ParticipantSummary, WorkshopSession};
use crate::ports::Email;

const SUMMARY_HTML: &str = r#"<!doctype html>
<html><body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #222; max-width: 640px;">
<h2 style="margin-bottom: 4px;">{{ cohort }}</h2>
<p style="margin-top: 0; color: #555;">{{ date }} · {{ total }} participants · session <code>{{ session_id }}</code></p>
{% if show_priority %}<h3>Priority follow-ups</h3>
{% if priority %}<ol>
{% for p in priority %}<li><strong>{{ p.name }}</strong> ({{ p.level }}): {{ p.reason }}{% if p.link %} — <a href="{{ p.link | href }}">Review and send</a>{% endif %}</li>
{% endfor %}</ol>{% else %}<p>No one needs urgent follow-up.</p>{% endif %}{% endif %}
{% if wins %}<h3>Wins to celebrate</h3>
<ul>
{% for w in wins %}<li><strong>{{ w.name }}</strong>: &ldquo;{{ w.quote }}&rdquo;</li>
{% endfor %}</ul>{% endif %}
{% if tiers %}<h3>Tiers</h3>
<p>{{ tiers }}</p>{% endif %}
{% if show_stats %}<h3>At a glance</h3>
<ul>
<li>Active contributors: {{ active }}/{{ total }}</li>
<li>Action items: {{ actions }}</li>
<li>Silent participants: {{ silent | length }}{% if silent %} ({{ silent | join(", ") }}){% endif %}</li>
{% if unknown %}<li>Speakers not on the roster: {{ unknown | join(", ") }}</li>{% endif %}
</ul>{% endif %}
<h3>Review and send the follow-ups</h3>
{% if session_link %}<p><a href="{{ session_link | href }}" style="display: inline-block; padding: 10px 16px; background: #1f4f99; color: #fff; text-decoration: none; border-radius: 6px;">Review and send the priority follow-ups</a></p>
<p style="color: #777; font-size: 12px;">Opening a link sends nothing: you read and edit each draft first, then press Send. Links work for {{ link_days }} days.</p>{% endif %}
{% if gpt_url %}<p><a href="{{ gpt_url | href }}">Open your Workshop Review Assistant</a> and give it this session id: <code>{{ session_id }}</code></p>
{% elif not session_link %}<p>Review the drafts from ChatGPT, Claude or any MCP client with Debrief connected: ask for session <code>{{ session_id }}</code>.</p>{% endif %}
<p style="color: #777; font-size: 12px;">Sent by Debrief. Every draft waits for your approval; nothing goes to a participant without it.</p>
</body></html>
"#;

const SUMMARY_TXT: &str = r#"{{ cohort }} — {{ date }} — {{ total }} participants (session {{ session_id }})

{% if show_priority %}PRIORITY FOLLOW-UPS
{% if priority %}{% for p in priority %}{{ loop.index }}. {{ p.name }} ({{ p.level }}): {{ p.reason }}
{% if p.link %}   Review and send: {{ p.link }}
{% endif %}{% endfor %}{% else %}No one needs urgent follow-up.
{% endif %}{% endif %}{% if wins %}
WINS TO CELEBRATE
{% for w in wins %}- {{ w.name }}: "{{ w.quote }}"
{% endfor %}{% endif %}{% if tiers %}
TIERS: {{ tiers }}
{% endif %}
{% if show_stats %}
AT A GLANCE
- Active contributors: {{ active }}/{{ total }}
- Action items: {{ actions }}
- Silent participants: {{ silent | length }}{% if silent %} ({{ silent | join(", ") }}){% endif %}
{% if unknown %}- Speakers not on the roster: {{ unknown | join(", ") }}
{% endif %}{% endif %}
REVIEW AND SEND THE FOLLOW-UPS
{% if session_link %}All priority follow-ups: {{ session_link }}
(Opening a link sends nothing; you review each draft and press Send. Links work for {{ link_days }} days.)
{% endif %}{% if gpt_url %}Open your Workshop Review Assistant: {{ gpt_url }}
Give it this session id: {{ session_id }}
{% elif not session_link %}Review the drafts from ChatGPT, Claude or any MCP client with Debrief connected: ask for session {{ session_id }}.
{% endif %}
"#;

const FAILURE_TXT: &str = r#"Debrief could not finish analysing {{ cohort }} ({{ date }}), session {{ session_id }}.

What happened: {{ reason }}

What Debrief received:
- Cohort: {{ cohort }}; workshop date: {{ date }}; {{ participant_count }} participant{{ '' if participant_count == 1 else 's' }} matched on the roster
{% for p in roster %}  - {{ p.name }}{% if p.email %} <{{ p.email }}>{% endif %} (HubSpot {{ p.id }}): {{ p.lines }} line{{ '' if p.lines == 1 else 's' }} in the transcript
{% endfor %}{% if not roster %}  (no participant could be read)
{% endif %}
{% if transcript_url %}- The transcript as received (link valid {{ link_days }} day{{ '' if link_days == 1 else 's' }}): {{ transcript_url }}
{% elif transcript_kept %}- The transcript is kept with the session: your operator can re-run it with
  `debrief reanalyze {{ session_id }}`.
{% endif %}
What to do: check that the transcript is the Zoom export (.vtt) and that the roster lists each
participant's name, email and HubSpot contact id, then send it again from Make.com{% if transcript_kept %}
(or re-run this session: POST /v1/workshops/{{ session_id }}/reanalyze){% endif %}. If it fails
again, forward this email to your Debrief operator; the session id tells them where to look.
"#;

/// Where the failure email points for the transcript as received.
#[derive(Debug, Clone, Default)]
pub struct TranscriptLink {
    /// The transcript was kept (an archive is configured and it was written).
    pub kept: bool,
    /// A signed download link, when the deployment has a public URL.
    pub url: Option<String>,
    pub days: i64,
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // Auto-escaping follows the template name: `.html` escapes, `.txt` does not.
        // `href` writes a URL into an attribute with only what HTML requires escaped: the
        // default escaper's `&#x2f;` for every slash breaks links in some mail clients.
        env.add_filter("href", |url: String| {
            minijinja::Value::from_safe_string(url.replace('&', "&amp;").replace('"', "%22").replace('<', "%3C").replace('>', "%3E"))
        });
        env.add_template("summary.html", SUMMARY_HTML).expect("template parses");
        env.add_template("summary.txt", SUMMARY_TXT).expect("template parses");
        env.add_template("failure.txt", FAILURE_TXT).expect("template parses");
        env
    })
}

#[derive(Serialize)]
struct WinLine {
    name: String,
    quote: String,
}

#[derive(Serialize)]
struct PriorityLine {
    name: String,
    level: String,
    reason: String,
    link: Option<String>,
}

/// The signed "review and send" links of one session's email (see `crate::review::links`).
#[derive(Debug, Clone, Default)]
pub struct ReviewLinks {
    pub session: Option<String>,
    /// Participant id → link.
    pub participants: std::collections::HashMap<String, String>,
    pub days: i64,
}

fn date_of(s: &WorkshopSession) -> &str {
    s.workshop_date.get(..10).unwrap_or(&s.workshop_date)
}

fn recipient(coach: &CoachProfile) -> String {
    coach.notification_preferences.notification_email.clone().unwrap_or_else(|| coach.email_address.clone())
}

/// The "your workshop is analysed" email, priority clients first.
pub fn coach_email(
    session: &WorkshopSession,
    coach: &CoachProfile,
    participants: &[ParticipantSummary],
    unknown: &[UnknownSpeaker],
    sender: &str,
    links: &ReviewLinks,
) -> Email {
    let prefs = &coach.notification_preferences;
    let priority: Vec<PriorityLine> = participants
        .iter()
        .filter_map(|p| {
            p.priority.as_ref().map(|f| PriorityLine {
                name: p.participant_name.clone(),
                level: format!("{:?}", p.engagement_level).to_lowercase(),
                reason: f.explanation.clone(),
                link: links.participants.get(&p.participant_id).cloned(),
            })
        })
        .collect();
    let silent: Vec<&str> = participants
        .iter()
        .filter(|p| p.engagement_level == EngagementLevel::Silent)
        .map(|p| p.participant_name.as_str())
        .collect();
    let ctx = context! {
        cohort => session.cohort_name,
        date => date_of(session),
        session_id => session.session_id,
        total => participants.len(),
        active => participants.len() - silent.len(),
        actions => participants.iter().map(|p| p.action_items.len()).sum::<usize>(),
        wins => participants
            .iter()
            .filter_map(|p| strongest(&p.wins, SignalKind::Win).map(|w| WinLine { name: p.participant_name.clone(), quote: w.evidence.quote.clone() }))
            .collect::<Vec<_>>(),
        silent,
        unknown => unknown.iter().map(|u| u.label.as_str()).collect::<Vec<_>>(),
        priority => if prefs.include_priority_clients { priority } else { Vec::new() },
        show_priority => prefs.include_priority_clients,
        // A webinar's summary is its tiers; speaking figures mean nothing there.
        show_stats => prefs.include_stats_summary && session.webinar.is_none(),
        tiers => session.webinar.as_ref().map(|w| w.tiers.iter().map(|(t, n)| format!("{} {n}", t.name())).collect::<Vec<_>>().join(", ")),
        gpt_url => session.chat_gpt_session_url.clone().or_else(|| coach.chat_gpt_url.clone()),
        session_link => links.session,
        link_days => links.days,
    };
    let render = |name: &str| env().get_template(name).and_then(|t| t.render(&ctx)).expect("template renders");
    let n = participants.iter().filter(|p| p.priority.is_some()).count();
    let subject = if prefs.include_priority_clients {
        format!("Debrief: {} ({}) — {} priority follow-up{}", session.cohort_name, date_of(session), n, if n == 1 { "" } else { "s" })
    } else {
        format!("Debrief: {} ({}) is ready for your review", session.cohort_name, date_of(session))
    };
    Email {
        from: sender.to_string(),
        to: vec![recipient(coach)],
        reply_to: None,
        subject,
        text: render("summary.txt"),
        html: render("summary.html"),
        tags: vec![("kind".into(), "coach-summary".into()), ("session".into(), session.session_id.clone())],
    }
}

/// The "this session could not be processed" email, with what to do.
/// One roster line of what a failed session received.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedParticipant {
    pub name: String,
    pub email: Option<String>,
    pub id: String,
    /// Their lines in the transcript (as kept for the analysis).
    pub lines: usize,
}

pub fn failure_email(session: &WorkshopSession, coach: &CoachProfile, sender: &str, roster: &[ReceivedParticipant], transcript: &TranscriptLink) -> Email {
    let ctx = context! {
        transcript_kept => transcript.kept,
        transcript_url => transcript.url,
        link_days => transcript.days,
        participant_count => session.participant_count,
        roster,
        cohort => session.cohort_name,
        date => date_of(session),
        session_id => session.session_id,
        reason => session.failure_reason.clone().unwrap_or_else(|| "unknown".into()),
    };
    let text = env().get_template("failure.txt").and_then(|t| t.render(&ctx)).expect("template renders");
    let html = format!("<pre style=\"font-family: inherit; white-space: pre-wrap;\">{}</pre>", html_escape(&text));
    Email {
        from: sender.to_string(),
        to: vec![recipient(coach)],
        reply_to: None,
        subject: format!("Debrief: {} ({}) could not be processed", session.cohort_name, date_of(session)),
        text,
        html,
        tags: vec![("kind".into(), "coach-failure".into()), ("session".into(), session.session_id.clone())],
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#x27;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> WorkshopSession {
        WorkshopSession { participant_count: 0, completed_at: None, email_notification_sent: false, ..WorkshopSession::one_draft("ws-1", "2026-11-20", "Lab <1>".into(), "coach", None) }
    }

    #[test]
    fn links_keep_their_slashes_and_nothing_dangles() {
        let mut coach = CoachProfile::anonymous();
        coach.chat_gpt_url = Some("https://chatgpt.com/g/g-abc?x=1&y=\"2\"".into());
        let links = ReviewLinks { session: Some("https://debrief.example/review/t0k".into()), participants: Default::default(), days: 7 };
        let email = coach_email(&session(), &coach, &[], &[], "d@example.com", &links);
        assert!(email.html.contains(r#"href="https://chatgpt.com/g/g-abc?x=1&amp;y=%222%22""#), "{}", email.html);
        assert!(email.html.contains(r#"href="https://debrief.example/review/t0k""#));
        assert!(!email.html.contains("&#x2f;"));
        assert!(email.html.contains("Lab &lt;1&gt;"), "text is still escaped");
        // No assistant URL and no review links: the email says where to review instead of
        // pointing at an assistant it cannot link.
        coach.chat_gpt_url = None;
        let email = coach_email(&session(), &coach, &[], &[], "d@example.com", &ReviewLinks::default());
        assert!(!email.text.contains("Workshop Review Assistant"), "{}", email.text);
        assert!(email.text.contains("MCP client"));
        // Preferences: no priority section, no stats.
        coach.notification_preferences.include_priority_clients = false;
        coach.notification_preferences.include_stats_summary = false;
        let email = coach_email(&session(), &coach, &[], &[], "d@example.com", &ReviewLinks::default());
        assert!(!email.text.contains("PRIORITY FOLLOW-UPS") && !email.text.contains("AT A GLANCE"), "{}", email.text);
        assert!(email.subject.contains("ready for your review"));
    }
}
