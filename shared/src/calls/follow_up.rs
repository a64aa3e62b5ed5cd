//! The follow-up email to the buyer, by the built-in writer: their pains in their own words,
//! the next steps agreed on the call (who does what, by when — only dates that were said), and
//! nothing the call did not contain. A draft for the rep to review, never sent unapproved.

use std::sync::OnceLock;

use minijinja::{Environment, context};

use super::debrief::Debrief;
use super::signals::Side;
use crate::analysis::compose::first_name;

const EMAIL: &str = r#"Hi {{ buyer }},

Thank you for your time today{% if title %} — {{ title }}{% endif %}.{% if pains %} I heard what matters most to you:
{% for p in pains %}
- "{{ p }}"{% endfor %}
{% endif %}
{% if ours or yours %}What we agreed:
{% for a in ours %}
- I will {{ a.what }}{% if a.due %} ({{ a.due }}){% endif %}{% endfor %}{% for a in yours %}
- You will {{ a.what }}{% if a.due %} ({{ a.due }}){% endif %}{% endfor %}
{% else %}I will be in touch about next steps shortly; tell me what would be most useful in the meantime.
{% endif %}{% if open %}
You also raised {{ open | join(" and ") }}; I will come back to you with a proper answer.
{% endif %}
Best regards,
{{ rep }}
"#;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("call.txt", EMAIL).expect("call template parses");
        env
    })
}

/// An action item's quote as "what": the sentence after "I'll"/"we'll", first person kept
/// out of the buyer's lines ("send the revised quote by Thursday").
fn what(quote: &str) -> String {
    let q = quote.trim().trim_end_matches(['.', '!']);
    let lower = q.to_lowercase();
    for opener in ["i'll ", "i will ", "we'll ", "we will ", "i am going to ", "i'm going to ", "let me "] {
        if let Some(at) = lower.find(opener) {
            return q[at + opener.len()..].replace(" my ", " your ").replace(" our ", " your ").to_string();
        }
    }
    format!("follow up on: \"{q}\"")
}

/// (subject, body) of the follow-up to `buyer` from `rep`.
pub fn write(debrief: &Debrief, rep: &str, buyer: &str, title: Option<&str>) -> (String, String) {
    let item = |a: &super::debrief::ActionItem| context! { what => what(&a.said.quote), due => a.due_date.clone().or_else(|| a.due_said.clone()) };
    let ours: Vec<_> = debrief.action_items.iter().filter(|a| a.owner == Some(Side::Seller)).map(item).collect();
    let yours: Vec<_> = debrief.action_items.iter().filter(|a| a.owner == Some(Side::Buyer)).map(item).collect();
    let pains: Vec<&str> = debrief.pains.iter().take(2).map(|p| p.quote.as_str()).collect();
    let open: Vec<String> = debrief.objections.iter().filter(|o| o.addressed.is_none()).map(|o| format!("{} concerns", super::debrief::name(&o.kind))).collect();
    let body = env()
        .get_template("call.txt")
        .and_then(|t| t.render(context! { buyer => first_name(buyer), rep => rep, title => title, pains => pains, ours => ours, yours => yours, open => open }))
        .expect("the call template renders");
    let subject = match title {
        Some(t) => format!("Following up: {t}"),
        None => "Following up on our call".to_string(),
    };
    (subject, body)
}
