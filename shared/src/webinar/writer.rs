//! Webinar follow-ups written by the model, when one is configured (`DEBRIEF_LLM_*`): the
//! drafts of the highest-scoring Hot and Warm registrants (up to `DEBRIEF_WEBINAR_MODEL_DRAFTS`,
//! default 40, 16 at a time, so a webinar takes about three model latencies) are written by the
//! model in the coach's voice from the same facts the built-in template uses; everyone else,
//! and anyone whose model draft fails its checks, keeps the built-in draft (marked with why).
//!
//! A model draft is used only when it invents nothing checkable: every link in it is the
//! replay link, every price is the coach's price, and the offer is named only to Hot and Warm
//! registrants. Strict JSON output (`subject`, `body`), temperature 0, 2 attempts.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use serde::Deserialize;
use serde_json::json;

use super::score::{Engagement, Tier};
use super::session::{WebinarFields, WebinarSession};
use crate::analysis::compose::{first_name, strip_avoid_phrases};
use crate::analysis::llm::{JsonQuestion, LlmConfig, openai_client};
use crate::domain::{AnalyserInfo, AnalyserKind, CoachProfile, ParticipantSummary};

pub const DEFAULT_MODEL_DRAFTS: usize = 40;
const CONCURRENT: usize = 16;

const SYSTEM: &str = "You write one webinar follow-up email from a coach to one attendee, in the coach's voice \
(their tone, formality, greeting, signature and key phrases; never their avoid-phrases). Use only the facts given: \
the webinar, the offer (name, description, price, deadline) and replay link exactly as written, and the attendee's own \
words from the chat, quoted exactly. Never invent links, prices, dates, results or promises. Follow the tier's purpose. \
Plain text, under 180 words. Return JSON matching the schema: subject and body.";

#[derive(Debug, Deserialize)]
struct Draft {
    subject: String,
    body: String,
}

/// How many registrants' drafts the model writes (`DEBRIEF_WEBINAR_MODEL_DRAFTS`).
pub fn model_drafts_from_env() -> usize {
    std::env::var("DEBRIEF_WEBINAR_MODEL_DRAFTS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_MODEL_DRAFTS)
}

fn purpose(tier: Tier) -> &'static str {
    match tier {
        Tier::Hot => "Hot: they were engaged throughout. Thank them, answer to what they asked or said, present the offer with its price and deadline, and give one direct next step (reply to this email).",
        Tier::Warm => "Warm: they were engaged. Thank them, give the replay link, and mention the offer softly with its deadline.",
        Tier::Cool => "Cool: give the replay link and a two-sentence recap of the topic. No offer.",
        Tier::Cold => "Cold: a soft, friendly touch with the replay link. No offer.",
        Tier::NoShow => "No-show: sorry we missed you, with the replay link. No offer.",
    }
}

/// Why a model draft cannot be used, if it cannot.
pub fn check(webinar: &WebinarSession, e: &Engagement, subject: &str, body: &str) -> Result<(), String> {
    let f = &webinar.fields;
    if subject.trim().is_empty() || subject.chars().count() > 200 {
        return Err("the subject is empty or longer than 200 characters".into());
    }
    if body.trim().chars().count() < 20 || body.chars().count() > 5_000 {
        return Err("the body is shorter than 20 or longer than 5,000 characters".into());
    }
    let replay = WebinarFields::get(&f.replay_url);
    // The attendee's own words, quoted, may hold a price or a link of theirs: those are facts.
    let own_words = |text: &str| e.questions.iter().chain(&e.said).filter(|w| !w.trim().is_empty()).fold(text.to_string(), |t, w| t.replace(w.as_str(), ""));
    for text in [own_words(subject), own_words(body)] {
        let text = text.as_str();
        for (at, _) in text.match_indices("http") {
            let link: &str = text[at..].split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"').next().unwrap_or_default();
            let link = link.trim_end_matches(['.', ',', ')', ';', ':', '!', '?']);
            if !link.starts_with("http://") && !link.starts_with("https://") {
                continue;
            }
            if replay != Some(link) {
                return Err("a link that is not the replay link".into());
            }
        }
        // Prices: whatever is left once the coach's price is taken out has no currency sign.
        let rest = match WebinarFields::get(&f.price) {
            Some(p) => text.replace(p, ""),
            None => text.to_string(),
        };
        if rest.contains(['$', '€', '£']) {
            return Err("a price that is not the coach's".into());
        }
    }
    if let Some(offer) = WebinarFields::get(&f.offer_name)
        && !matches!(e.tier, Tier::Hot | Tier::Warm)
        && body.to_lowercase().contains(&offer.to_lowercase())
    {
        return Err("the offer named to a registrant outside the Hot and Warm tiers".into());
    }
    Ok(())
}

#[derive(Clone)]
pub struct ModelWriter {
    client: Client<OpenAIConfig>,
    model: String,
}

impl ModelWriter {
    pub fn new(config: &LlmConfig) -> Self {
        Self { client: openai_client(config, 2), model: config.model.clone() }
    }

    fn prompt(coach: &CoachProfile, webinar: &WebinarSession, e: &Engagement) -> String {
        let f = &webinar.fields;
        let style = &coach.communication_style;
        json!({
            "coach": {"name": coach.coach_name, "tone": style.tone, "formality": style.formality_level, "greeting": style.preferred_greeting,
                      "signature": style.signature_style, "keyPhrases": style.key_phrases, "avoidPhrases": style.avoid_phrases},
            "webinar": {"title": webinar.title(), "topic": WebinarFields::get(&f.topic).or(webinar.info.topic.as_deref()),
                        "hostedOn": WebinarFields::get(&f.hosted_on).or(webinar.info.start.as_deref()), "replayUrl": WebinarFields::get(&f.replay_url),
                        "offerName": WebinarFields::get(&f.offer_name), "offerDescription": WebinarFields::get(&f.offer_description),
                        "price": WebinarFields::get(&f.price), "deadline": WebinarFields::get(&f.deadline)},
            "attendee": {"name": e.name, "firstName": first_name(&e.name), "tier": e.tier.name(), "purpose": purpose(e.tier),
                         "minutesAttended": e.minutes, "questions": e.questions, "chat": e.said.iter().take(5).collect::<Vec<_>>()},
        })
        .to_string()
    }

    /// The model's (subject, body) for one registrant, checked; an error says why not.
    pub async fn write(&self, coach: &CoachProfile, webinar: &WebinarSession, e: &Engagement) -> Result<(String, String), String> {
        let schema = json!({"type": "object", "additionalProperties": false, "required": ["subject", "body"],
            "properties": {"subject": {"type": "string"}, "body": {"type": "string"}}});
        let user = Self::prompt(coach, webinar, e);
        let question = JsonQuestion {
            model: &self.model,
            system: SYSTEM,
            user: &user,
            name: "webinar_follow_up",
            description: "A webinar follow-up email",
            schema,
            temperature: Some(0.0),
            seed: None,
        };
        let (draft, _): (Draft, _) = question.ask(&self.client).await?;
        check(webinar, e, &draft.subject, &draft.body)?;
        let avoid = &coach.communication_style.avoid_phrases;
        Ok((strip_avoid_phrases(draft.subject.trim(), avoid), strip_avoid_phrases(draft.body.trim_end(), avoid) + "\n"))
    }

    /// Rewrites the drafts of the first `limit` Hot and Warm registrants in `participants`
    /// (highest score first, as [`super::intake::drafts`] orders them), `CONCURRENT` at a time.
    pub async fn rewrite(&self, coach: &CoachProfile, webinar: &WebinarSession, participants: &mut [ParticipantSummary], limit: usize) {
        let chosen: Vec<usize> = participants
            .iter()
            .enumerate()
            .filter(|(_, p)| p.webinar_engagement.as_ref().is_some_and(|e| matches!(e.tier, Tier::Hot | Tier::Warm)))
            .map(|(i, _)| i)
            .take(limit)
            .collect();
        for chunk in chosen.chunks(CONCURRENT) {
            let calls: Vec<_> = chunk
                .iter()
                .map(|&i| {
                    let e = participants[i].webinar_engagement.clone().expect("chosen for its engagement");
                    async move { (i, self.write(coach, webinar, &e).await) }
                })
                .collect();
            for (i, result) in futures_util::future::join_all(calls).await {
                let p = &mut participants[i];
                match result {
                    Ok((subject, body)) => {
                        p.generated_email_subject = subject;
                        p.generated_email = body;
                        p.analyser = AnalyserInfo { kind: AnalyserKind::Llm, model: Some(self.model.clone()), fallback_reason: None, dropped_quotes: 0, usage: None };
                    }
                    Err(why) => p.analyser.fallback_reason = Some(why),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webinar::score::Components;

    fn webinar() -> WebinarSession {
        WebinarSession {
            fields: WebinarFields {
                title: Some("Pricing".into()),
                offer_name: Some("The Pricing Lab".into()),
                price: Some("$497".into()),
                replay_url: Some("https://replay.example/abc".into()),
                ..Default::default()
            },
            platform: "zoom".into(),
            info: Default::default(),
            tiers: Default::default(),
            unmatched_chat: vec![],
            unmatched_chat_total: 0,
        }
    }

    fn person(tier: Tier) -> Engagement {
        Engagement {
            name: "Priya Nair".into(),
            email: None,
            attended: true,
            minutes: 50.0,
            messages: 1,
            questions: vec![],
            said: vec![],
            components: Components { focus: 1.0, focus_estimated: true, attendance: 1.0, chat: 1.0, questions: 0.0 },
            score: 90,
            tier,
        }
    }

    #[test]
    fn a_model_draft_that_invents_a_link_a_price_or_an_offer_is_refused() {
        let w = webinar();
        let ok = "Hi Priya,\nThe Pricing Lab is $497. The replay: https://replay.example/abc.\nMaya";
        assert_eq!(check(&w, &person(Tier::Hot), "Next step", ok), Ok(()));
        let link = "Hi Priya,\nBook here: https://calendly.example/maya — The Pricing Lab is $497.\nMaya";
        assert!(check(&w, &person(Tier::Hot), "Next step", link).unwrap_err().contains("link"));
        let price = "Hi Priya,\nThe Pricing Lab is $397 this week only, usually $497.\nMaya";
        assert!(check(&w, &person(Tier::Hot), "Next step", price).unwrap_err().contains("price"));
        let mut asked = person(Tier::Hot);
        asked.questions = vec!["I charge $80 a session, is that too low?".into()];
        let quoting = "Hi Priya,\nYou asked: \"I charge $80 a session, is that too low?\" It is. The Pricing Lab is $497.\nMaya";
        assert_eq!(check(&w, &asked, "Next step", quoting), Ok(()), "the attendee's own words are facts");
        let offer = "Hi Priya,\nSorry we missed you. Join The Pricing Lab! https://replay.example/abc\nMaya";
        assert!(check(&w, &person(Tier::NoShow), "Missed you", offer).unwrap_err().contains("offer"));
        assert!(check(&w, &person(Tier::Hot), "", ok).is_err());
        assert!(check(&w, &person(Tier::Hot), "x", "Hi").is_err());
    }
}
