//! The built-in writer of webinar follow-ups: one template per tier, in the coach's voice (their
//! greeting, signature, formality and avoid-phrases, as for workshop follow-ups), personalised
//! with the attendee's own question or chat line, quoted verbatim.
//!
//! - **Hot**: the offer, its price and deadline, and one direct next step (reply to book).
//! - **Warm**: the offer beside the replay.
//! - **Cool**: the replay and a short recap of the topic.
//! - **Cold**: a soft touch, the replay if there is one.
//! - **No-show**: "sorry we missed you", with the replay.
//!
//! A field the coach did not give (no offer, no replay link) is left out, never invented.

use std::sync::OnceLock;

use minijinja::{Environment, context};

use super::score::{Engagement, Tier};
use super::session::{WebinarFields, WebinarSession};
use crate::analysis::compose::{fill_names, first_name, strip_avoid_phrases};
use crate::domain::{CoachProfile, Formality};

const EMAIL: &str = r#"{{ greeting }}

{% if tier == "No-show" %}We missed you at {{ title }}{{ on_date }}, and I am sorry you could not make it.{% if replay %} The whole session is here for you to watch when it suits you: {{ replay }}{% else %} I will send you the recording as soon as it is ready.{% endif %}
{% else %}Thank you for joining {{ title }}{{ on_date }}.{% if question %} You asked: "{{ question }}" {{ "That is exactly the right question, and I want to make sure you get a full answer." if tier in ["Hot", "Warm"] else "Good question; the answer is in the recording." }}{% elif said %} You wrote in the chat: "{{ said }}" Thank you for taking part.{% endif %}
{% endif %}{% if tier == "Hot" and offer %}
Because you were with us all the way, I think {{ offer }} is the right next step for you{% if description %}: {{ description }}{% else %}.{% endif %}{% if price %} It is {{ price }}{% if deadline %}, and enrolment closes on {{ deadline }}{% endif %}.{% elif deadline %} Enrolment closes on {{ deadline }}.{% endif %}

The next step: reply to this email with "yes" and I will send you everything you need to get started.
{% elif tier == "Hot" %}
If you want to put what we covered into practice, reply to this email and we will find a time to talk this week.
{% elif tier == "Warm" %}{% if replay %}
Here is the replay, in case you want to go over any part again: {{ replay }}
{% endif %}{% if offer %}
If you are ready to go further, {{ offer }} is open now{% if deadline %} until {{ deadline }}{% endif %}{% if description %}: {{ description }}{% else %}.{% endif %} Just reply and I will tell you more.
{% endif %}{% elif tier == "Cool" %}{% if replay %}
Here is the replay: {{ replay }}
{% endif %}{% if topic %}
In short, we covered {{ topic }}. If one part stayed with you, I would love to hear which.
{% endif %}{% elif tier == "Cold" %}
It was good to have you with us, even for part of it.{% if replay %} If you want to catch what you missed, the replay is here: {{ replay }}{% endif %}
{% endif %}
{{ closing }}

{{ signature }}
"#;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("webinar.txt", EMAIL).expect("webinar template parses");
        env
    })
}

/// A quote short enough to read back in an email.
fn quotable(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty() && s.chars().count() <= 240).then_some(s)
}

/// A phrase ended as a sentence: the coach may or may not have written the full stop.
fn sentence(s: &str) -> String {
    if s.ends_with(['.', '!', '?']) { s.to_string() } else { format!("{s}.") }
}

/// A date as `15 December 2026`; anything unreadable is shown as given.
fn long_date(iso: &str) -> String {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(iso.get(..10).unwrap_or(iso), &date) {
        Ok(d) => format!("{} {} {}", d.day(), d.month(), d.year()),
        Err(_) => iso.to_string(),
    }
}

/// (subject, body) of one registrant's follow-up.
pub fn write(coach: &CoachProfile, webinar: &WebinarSession, e: &Engagement) -> (String, String) {
    let style = &coach.communication_style;
    let f = &webinar.fields;
    let title = webinar.title();
    let person = if e.name.trim().is_empty() { "there" } else { e.name.as_str() };
    let mut greeting = fill_names(&style.preferred_greeting, person, &coach.coach_name);
    if !greeting.ends_with([',', '!', '.', ':']) {
        greeting.push(',');
    }
    let hosted = WebinarFields::get(&f.hosted_on).or(webinar.info.start.as_deref()).map(long_date);
    let on_date = hosted.map(|d| format!(" on {d}")).unwrap_or_default();
    let offer = WebinarFields::get(&f.offer_name);
    let closing = match (e.tier, style.formality_level) {
        (Tier::NoShow, Formality::Casual) => "Hope to see you next time!",
        (Tier::NoShow, _) => "I hope to see you at the next one.",
        (_, Formality::Casual) => "Thanks again for coming!",
        (_, Formality::Professional) => "Thank you again for your time.",
        (_, Formality::Formal) => "With thanks for your attendance.",
    };
    let body = env()
        .get_template("webinar.txt")
        .and_then(|t| {
            t.render(context! {
                greeting,
                tier => e.tier.name(),
                title,
                on_date,
                question => e.questions.iter().find_map(|q| quotable(q)),
                said => e.said.iter().find_map(|s| quotable(s)),
                offer,
                description => WebinarFields::get(&f.offer_description).map(sentence),
                price => WebinarFields::get(&f.price),
                deadline => WebinarFields::get(&f.deadline).map(long_date),
                replay => WebinarFields::get(&f.replay_url),
                topic => WebinarFields::get(&f.topic).or(webinar.info.topic.as_deref()),
                closing,
                signature => fill_names(&style.signature_style, person, &coach.coach_name),
            })
        })
        .expect("webinar template renders");
    let subject = match (e.tier, offer) {
        (Tier::Hot, Some(o)) => format!("{o}: your next step after {title}"),
        (Tier::Hot, None) => format!("Your next step after {title}"),
        (Tier::Warm, _) => format!("The replay of {title}, and what comes next"),
        (Tier::Cool, _) => format!("The replay and a recap of {title}"),
        (Tier::Cold, _) => format!("Thanks for stopping by {title}"),
        (Tier::NoShow, _) => format!("Sorry we missed you at {title}"),
    };
    let avoid = &style.avoid_phrases;
    // Blank lines left by absent parts collapse to one.
    let mut text = String::with_capacity(body.len());
    for line in body.trim_end().lines() {
        if line.trim().is_empty() && (text.is_empty() || text.ends_with("\n\n")) {
            continue;
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    (strip_avoid_phrases(&subject, avoid), strip_avoid_phrases(text.trim_end(), avoid) + "\n")
}

/// The one-paragraph summary the coach reads in the review: tier, score and why.
pub fn summary(e: &Engagement) -> String {
    let c = e.components;
    if !e.attended {
        return format!("{}: registered but did not join (No-show).", first_name(&e.name));
    }
    let mut s = format!(
        "{}: {} (score {}). In session {:.0} min; focus {:.2}{}, attendance {:.2}, chat {:.2} ({} message{}), questions {:.2}.",
        first_name(&e.name),
        e.tier.name(),
        e.score,
        e.minutes,
        c.focus,
        if c.focus_estimated { " (estimated)" } else { "" },
        c.attendance,
        c.chat,
        e.messages,
        if e.messages == 1 { "" } else { "s" },
        c.questions
    );
    for q in e.questions.iter().take(3) {
        s.push_str(&format!(" Asked: \"{q}\""));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webinar::score::Components;

    fn webinar(fields: WebinarFields) -> WebinarSession {
        WebinarSession { fields, platform: "zoom".into(), info: Default::default(), tiers: Default::default(), unmatched_chat: vec![], unmatched_chat_total: 0 }
    }

    fn engagement(tier: Tier, questions: &[&str]) -> Engagement {
        Engagement {
            name: "Zoë Clarke".into(),
            email: Some("zoe@example.com".into()),
            attended: tier != Tier::NoShow,
            minutes: 50.0,
            messages: 2,
            questions: questions.iter().map(|q| q.to_string()).collect(),
            said: vec!["Loved the pricing part".into()],
            components: Components { focus: 0.8, focus_estimated: true, attendance: 0.9, chat: 1.0, questions: 0.5 },
            score: 80,
            tier,
        }
    }

    fn coach() -> CoachProfile {
        let mut c = CoachProfile::anonymous();
        c.coach_name = "Sarah Lee".into();
        c
    }

    #[test]
    fn each_tier_gets_its_own_email_with_only_the_fields_given() {
        let full = webinar(WebinarFields {
            title: Some("Pricing Masterclass".into()),
            hosted_on: Some("2026-04-26".into()),
            offer_name: Some("The Pricing Lab".into()),
            offer_description: Some("six weeks of live coaching".into()),
            price: Some("$497".into()),
            deadline: Some("2026-05-03".into()),
            replay_url: Some("https://replay.example/abc".into()),
            ..Default::default()
        });
        let (subject, hot) = write(&coach(), &full, &engagement(Tier::Hot, &["How do I raise prices without losing clients?"]));
        assert_eq!(subject, "The Pricing Lab: your next step after Pricing Masterclass");
        assert!(hot.starts_with("Hi Zoë,\n\nThank you for joining Pricing Masterclass on 26 April 2026."), "{hot}");
        assert!(hot.contains("You asked: \"How do I raise prices without losing clients?\""), "{hot}");
        assert!(hot.contains("the right next step for you: six weeks of live coaching. It is $497, and enrolment closes on 3 May 2026."), "{hot}");
        assert!(hot.contains("reply to this email with \"yes\""));
        assert!(hot.trim_end().ends_with("Sarah Lee"), "{hot}");
        assert!(!hot.contains("\n\n\n"), "{hot}");
        let (_, warm) = write(&coach(), &full, &engagement(Tier::Warm, &[]));
        assert!(warm.contains("https://replay.example/abc") && warm.contains("The Pricing Lab is open now until 3 May 2026: six weeks of live coaching. Just reply"), "{warm}");
        assert!(warm.contains("You wrote in the chat: \"Loved the pricing part\""), "{warm}");
        let (s, noshow) = write(&coach(), &full, &engagement(Tier::NoShow, &[]));
        assert_eq!(s, "Sorry we missed you at Pricing Masterclass");
        assert!(noshow.contains("We missed you at Pricing Masterclass on 26 April 2026") && noshow.contains("https://replay.example/abc"), "{noshow}");
        assert!(!noshow.contains("Pricing Lab"), "no offer to a no-show: {noshow}");

        let bare = webinar(WebinarFields { title: Some("Q&A".into()), ..Default::default() });
        let (s, hot) = write(&coach(), &bare, &engagement(Tier::Hot, &[]));
        assert_eq!(s, "Your next step after Q&A");
        assert!(!hot.contains("enrolment") && !hot.contains("replay"), "nothing invented: {hot}");
        let (_, noshow) = write(&coach(), &bare, &engagement(Tier::NoShow, &[]));
        assert!(noshow.contains("I will send you the recording as soon as it is ready."), "{noshow}");
        for tier in [Tier::Cool, Tier::Cold] {
            let (_, body) = write(&coach(), &bare, &engagement(tier, &[]));
            assert!(body.starts_with("Hi Zoë,") && !body.contains("\n\n\n"), "{body}");
        }
    }

    #[test]
    fn the_coachs_avoid_phrases_never_appear() {
        let mut c = coach();
        c.communication_style.avoid_phrases = vec!["next step".into()];
        let w = webinar(WebinarFields { title: Some("Growth".into()), offer_name: Some("Coaching".into()), ..Default::default() });
        let (s, body) = write(&c, &w, &engagement(Tier::Hot, &[]));
        assert!(!s.to_lowercase().contains("next step") && !body.to_lowercase().contains("next step"), "{s}\n{body}");
    }
}
