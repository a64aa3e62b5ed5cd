//! Writes the participant's summary and follow-up email in the coach's voice: their greeting,
//! tone, formality, key phrases and signature, and never one of their avoid-phrases.

use std::sync::OnceLock;

use minijinja::{Environment, context};

use super::ParticipantContext;
use crate::domain::{EngagementLevel, Finding, Formality, Tone};

const EMAIL: &str = r#"{{ greeting }}

{{ opening }}
{% if silent %}
I noticed we did not hear from you this time, and I would love to know what is on your mind. Would a short call this week help?
{% endif %}{% if urgency %}
You mentioned: "{{ urgency[0].evidence.quote }}" That matters, and I want to help right away. Can we find 15 minutes in the next day or two?
{% endif %}{% if wins %}
Congratulations on this: "{{ wins[0].evidence.quote }}" That is real progress.
{% endif %}{% if challenges %}
You shared: "{{ challenges[0].evidence.quote }}" You are not alone in this, and we will work on it together.
{% endif %}{% if actions %}
Your commitments from the session:
{% for a in actions %}- {{ a.text }}
{% endfor %}{% endif %}{% if key_phrase %}
{{ key_phrase }}
{% endif %}
{{ closing }}

{{ signature }}
"#;

const SUMMARY: &str = "{{ name }} spoke for {{ pct }}% of the session ({{ cues }} contribution{{ '' if cues == 1 else 's' }}, \
{{ questions }} question{{ '' if questions == 1 else 's' }}); engagement {{ level }}.\
{% if silent %} They did not speak in this session.{% endif %}\
{% if wins %} Wins: {{ wins | join('; ') }}.{% endif %}\
{% if challenges %} Challenges: {{ challenges | join('; ') }}.{% endif %}\
{% if actions %} Committed to: {{ actions | join('; ') }}.{% endif %}\
{% if urgency %} Needs attention: {{ urgency | join('; ') }}.{% endif %}";

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("email.txt", EMAIL).expect("email template parses");
        env.add_template("summary.txt", SUMMARY).expect("summary template parses");
        env
    })
}

pub struct Findings<'a> {
    pub wins: &'a [Finding],
    pub challenges: &'a [Finding],
    pub actions: &'a [Finding],
    pub urgency: &'a [Finding],
}

/// The first name, skipping a title: "Dr. Amy Reyes" → "Amy".
pub fn first_name(name: &str) -> &str {
    let titles = ["dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "prof", "prof."];
    name.split_whitespace().find(|w| !titles.contains(&w.to_lowercase().as_str())).unwrap_or(name)
}

/// The coach's greeting or signature with its placeholders filled, in one pass over the
/// template: a value is never scanned again, so a participant named `{coachName}` is greeted
/// by that name, not the coach's.
pub(crate) fn fill(template: &str, ctx: &ParticipantContext) -> String {
    fill_names(template, &ctx.participant_name, &ctx.coach.coach_name)
}

/// [`fill`] for any person and coach (webinar attendees have no participant context).
pub(crate) fn fill_names(template: &str, person: &str, coach_name: &str) -> String {
    let values = [
        ("{firstName}", first_name(person)),
        ("{name}", person),
        ("{coachName}", coach_name),
        ("{coachFirstName}", first_name(coach_name)),
    ];
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match values.iter().find(|(k, _)| rest.starts_with(k)) {
            Some((k, v)) => {
                out.push_str(v);
                rest = &rest[k.len()..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn texts(xs: &[Finding]) -> Vec<&str> {
    xs.iter().map(trimmed).collect()
}

fn trimmed(f: &Finding) -> &str {
    f.text.trim_end_matches(['.', '!', ' '])
}

pub fn summary(ctx: &ParticipantContext, f: &Findings<'_>) -> String {
    let out = env()
        .get_template("summary.txt")
        .and_then(|t| {
            t.render(context! {
                name => first_name(&ctx.participant_name),
                pct => ctx.stats.speaking_time_percentage,
                cues => ctx.stats.cues,
                questions => ctx.stats.questions,
                level => format!("{:?}", ctx.engagement).to_lowercase(),
                silent => ctx.engagement == EngagementLevel::Silent,
                wins => texts(f.wins),
                challenges => texts(f.challenges),
                actions => texts(f.actions),
                urgency => texts(f.urgency),
            })
        })
        .expect("summary template renders");
    strip_avoid_phrases(&out, &ctx.coach.communication_style.avoid_phrases)
}

/// (subject, body) of the follow-up email.
pub fn email(ctx: &ParticipantContext, f: &Findings<'_>) -> (String, String) {
    let style = &ctx.coach.communication_style;
    let cohort = &ctx.session.cohort_name;
    let date = ctx.session.workshop_date.get(..10).unwrap_or(&ctx.session.workshop_date);
    let mut greeting = fill(&style.preferred_greeting, ctx);
    if !greeting.ends_with([',', '!', '.', ':']) {
        greeting.push(',');
    }
    // The frame follows what the participant's session was like: a distressed or silent
    // participant gets no "you are making real progress" and no "can't wait to hear how it goes".
    let silent = ctx.engagement == EngagementLevel::Silent;
    let distressed = !f.urgency.is_empty();
    let opening = if distressed {
        format!("Thank you for being at {cohort} on {date}, and for being so open about where things are.")
    } else if silent {
        format!("Thank you for joining {cohort} on {date}.")
    } else {
        match style.tone {
            Tone::Warm => format!("Thank you for being part of {cohort} on {date}. It was a pleasure to have you in the room."),
            Tone::Direct => format!("Here is a quick recap of {cohort} on {date} and what comes next for you."),
            Tone::Encouraging if !f.wins.is_empty() || !f.actions.is_empty() => {
                format!("It was great to have you at {cohort} on {date}. You are making real progress.")
            }
            Tone::Encouraging => format!("It was great to have you at {cohort} on {date}."),
            Tone::Analytical => format!("Here is a short review of your part in {cohort} on {date}."),
        }
    };
    let closing = match (distressed, silent, style.formality_level) {
        (true, _, Formality::Casual) => "Just reply to this email, I'm here.",
        (true, _, _) => "Reply to this email whenever suits you; I am here to help.",
        (false, true, Formality::Casual) => "Would love to hear from you.",
        (false, true, _) => "I would be glad to hear from you.",
        (false, false, Formality::Casual) if !f.actions.is_empty() => "Can't wait to hear how it goes!",
        (false, false, Formality::Casual) => "See you next session!",
        (false, false, Formality::Professional) => "I look forward to hearing how it goes.",
        (false, false, Formality::Formal) => "I look forward to hearing about your progress.",
    };
    // The coach's own phrase, as they say it, where it fits: after real progress, never to a
    // silent or distressed participant.
    let key_phrase = style
        .key_phrases
        .first()
        .filter(|_| !silent && !distressed && (!f.wins.is_empty() || !f.actions.is_empty()))
        .map(|p| {
            let p = p.trim().trim_end_matches(['.', '!']);
            format!("As I like to say: {p}.")
        });
    let body = env()
        .get_template("email.txt")
        .and_then(|t| {
            t.render(context! {
                greeting, opening, closing, key_phrase,
                signature => fill(&style.signature_style, ctx),
                silent,
                urgency => f.urgency, wins => f.wins, challenges => f.challenges, actions => f.actions,
            })
        })
        .expect("email template renders");
    let subject = if f.urgency.is_empty() {
        format!("Your next steps after {cohort}")
    } else {
        format!("Checking in after {cohort}")
    };
    let avoid = &style.avoid_phrases;
    (strip_avoid_phrases(&subject, avoid), strip_avoid_phrases(body.trim_end(), avoid) + "\n")
}

/// Removes every avoid-phrase (whole words, any case) and the double spaces it leaves.
pub fn strip_avoid_phrases(text: &str, avoid: &[String]) -> String {
    let mut out = text.to_string();
    for phrase in avoid.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let needle = phrase.to_lowercase();
        loop {
            let lower = out.to_lowercase();
            // Lowercasing can change byte lengths outside ASCII; only cut where offsets agree.
            if lower.len() != out.len() {
                out = deunicode_safe_remove(&out, phrase);
                break;
            }
            let Some(at) = find_word(&lower, &needle) else { break };
            let mut end = at + needle.len();
            if out[end..].starts_with(',') {
                end += 1;
            }
            let capital = out[at..].chars().next().is_some_and(char::is_uppercase);
            out.replace_range(at..end, "");
            // "Simply the best." → "The best.": keep the sentence capitalised.
            if capital {
                let rest = &out[at..];
                if let Some((i, c)) = rest.char_indices().find(|(_, c)| !c.is_whitespace()) {
                    if c.is_lowercase() {
                        let upper: String = c.to_uppercase().collect();
                        out.replace_range(at + i..at + i + c.len_utf8(), &upper);
                    }
                }
            }
        }
    }
    tidy(&out)
}

fn find_word(hay: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle) {
        let at = from + pos;
        let before = hay[..at].chars().next_back();
        let after = hay[at + needle.len()..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

/// Word-by-word removal for text whose lowercase form has other byte offsets.
fn deunicode_safe_remove(text: &str, phrase: &str) -> String {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::new();
    for token in text.split(' ') {
        out.push(token);
        if out.len() >= words.len() {
            let tail = &out[out.len() - words.len()..];
            let hit = tail.iter().zip(&words).all(|(t, w)| {
                t.trim_matches(|c: char| !c.is_alphanumeric()).eq_ignore_ascii_case(w)
                    || t.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase() == w.to_lowercase()
            });
            if hit {
                let n = out.len() - words.len();
                out.truncate(n);
            }
        }
    }
    out.join(" ")
}

fn tidy(text: &str) -> String {
    text.lines()
        .map(|l| {
            l.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ").replace(" ,", ",").replace(" .", ".")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avoid_phrases_are_removed_as_words() {
        let avoid = vec!["Just".to_string(), "Simply".to_string(), "Obviously".to_string()];
        let out = strip_avoid_phrases("Obviously, I just adjusted it. Simply the best. Justice stays.", &avoid);
        assert_eq!(out, "I adjusted it. The best. Justice stays.");
        assert_eq!(strip_avoid_phrases("Zoë just won", &avoid), "Zoë won");
    }

    #[test]
    fn first_names() {
        assert_eq!(first_name("Dr. Amy Reyes"), "Amy");
        assert_eq!(first_name("Zoë Silva"), "Zoë");
    }
}
