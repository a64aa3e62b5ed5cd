//! The model analyser: any OpenAI-compatible Chat Completions server, through async-openai,
//! with Structured Outputs (a strict JSON schema).
//!
//! - Only this participant's lines and the line before each of their turns are sent, in time
//!   order, within a token budget (about four characters a token) — never the whole transcript.
//! - 429, 5xx, timeouts and connection errors are retried with exponential backoff and full
//!   jitter; a `Retry-After` header is honoured (capped).
//! - Every quote the model returns must be in the participant's own lines; one that is not is
//!   dropped and counted in `analyser.droppedQuotes`.
//! - When the model cannot answer (after retries, or with a malformed body or refusal) the
//!   built-in analyser stands in and `analyser.fallbackReason` says why.

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs, ResponseFormat, ResponseFormatJsonSchema,
};
use serde::Deserialize;
use serde_json::json;

use super::compose::strip_avoid_phrases;
use super::evidence::QuoteIndex;
use super::{Analyser, Analysis, BuiltinAnalyser, Line, ParticipantContext};
use crate::domain::{AnalyserInfo, AnalyserKind, Evidence, Finding, ModelUsage};
use crate::transcript::format_timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    /// e.g. `https://api.openai.com/v1`; any OpenAI-compatible server.
    pub base_url: String,
    pub api_key: String,
    pub model: String,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub request_timeout: Duration,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a server asking for more is not waited for.
    pub max_retry_after: Duration,
    /// Budget for the transcript excerpt, in tokens (≈ 4 characters each).
    pub excerpt_tokens: usize,
    /// US dollars per million (input, output) tokens of `model`, from `DEBRIEF_LLM_PRICES`
    /// (`model=input/output,…`); without it, calls are counted in tokens and not priced.
    pub price_per_million: Option<(f64, f64)>,
}

/// Reads `DEBRIEF_LLM_PRICES` (`gpt-4o-mini=0.15/0.60,other=1/4`) for `model`.
pub fn price_for(table: &str, model: &str) -> Option<(f64, f64)> {
    table.split(',').find_map(|entry| {
        let (name, prices) = entry.trim().split_once('=')?;
        let (input, output) = prices.split_once('/')?;
        (name.trim() == model).then_some((input.trim().parse().ok()?, output.trim().parse().ok()?))
    })
}

impl LlmConfig {
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: api_key.into(),
            model: model.into(),
            max_attempts: 4,
            request_timeout: Duration::from_secs(60),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            excerpt_tokens: 6000,
            price_per_million: None,
        }
    }

    /// `DEBRIEF_LLM_MODEL` (or `OPENAI_MODEL`) turns the model on; `DEBRIEF_LLM_BASE_URL`
    /// (or `OPENAI_BASE_URL`, default OpenAI's) and `DEBRIEF_LLM_API_KEY` (or `OPENAI_API_KEY`)
    /// say where and how; `DEBRIEF_LLM_TIMEOUT_SECS` and `DEBRIEF_LLM_MAX_ATTEMPTS` tune it.
    pub fn from_env() -> Option<Self> {
        let var = |a: &str, b: &str| std::env::var(a).or_else(|_| std::env::var(b)).ok().filter(|v| !v.is_empty());
        let model = var("DEBRIEF_LLM_MODEL", "OPENAI_MODEL")?;
        let base = var("DEBRIEF_LLM_BASE_URL", "OPENAI_BASE_URL").unwrap_or_else(|| "https://api.openai.com/v1".into());
        let key = var("DEBRIEF_LLM_API_KEY", "OPENAI_API_KEY").unwrap_or_default();
        let mut cfg = Self::new(base, key, model);
        if let Some(s) = var("DEBRIEF_LLM_TIMEOUT_SECS", "DEBRIEF_LLM_TIMEOUT_SECS").and_then(|v| v.parse().ok()) {
            cfg.request_timeout = Duration::from_secs(s);
        }
        if let Some(n) = var("DEBRIEF_LLM_MAX_ATTEMPTS", "DEBRIEF_LLM_MAX_ATTEMPTS").and_then(|v| v.parse().ok()) {
            cfg.max_attempts = n;
        }
        cfg.price_per_million = var("DEBRIEF_LLM_PRICES", "DEBRIEF_LLM_PRICES").and_then(|t| price_for(&t, &cfg.model));
        Some(cfg)
    }
}

#[derive(Clone)]
pub struct LlmAnalyser {
    client: Client<OpenAIConfig>,
    config: LlmConfig,
}

impl std::fmt::Debug for LlmAnalyser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of debug output and logs.
        f.debug_struct("LlmAnalyser").field("base_url", &self.config.base_url).field("model", &self.config.model).finish()
    }
}

#[derive(Clone, Copy)]
struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    max_retry_after: Duration,
}

impl RetryPolicy {
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.base.saturating_mul(1 << (attempt - 1).min(16)).min(self.cap);
        let jitter = Duration::from_millis(fastrand::u64(0..=exp.as_millis() as u64));
        match retry_after {
            // The server knows when it will have room; a little jitter spreads the herd.
            Some(after) => after.min(self.max_retry_after) + jitter / 4,
            None => jitter,
        }
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let when = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    let secs = (when - time::OffsetDateTime::now_utc()).whole_milliseconds().max(0) as u64;
    Some(Duration::from_millis(secs))
}

/// An OpenAI-compatible client for `config`'s server that makes `max_attempts` attempts in
/// all (429, 5xx, timeouts, connection errors retried with backoff and jitter), shared by
/// every model caller (the analyser, lead embeddings and lead judgements).
pub(crate) fn openai_client(config: &LlmConfig, max_attempts: u32) -> Client<OpenAIConfig> {
    let http = crate::net::client_builder()
        .timeout(config.request_timeout)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("TLS backend initialises");
    let policy = RetryPolicy { max_attempts: max_attempts.max(1), base: config.base_backoff, cap: config.max_backoff, max_retry_after: config.max_retry_after };
    let service = tower::service_fn(move |factory: HttpRequestFactory| send_with_retry(http.clone(), policy, factory));
    let oa = OpenAIConfig::new().with_api_base(config.base_url.trim_end_matches('/')).with_api_key(&config.api_key);
    Client::with_config(oa).with_http_service(service)
}

/// Sends with retries. Non-retryable answers go back to async-openai, which turns them into
/// typed errors.
async fn send_with_retry(
    http: reqwest::Client,
    policy: RetryPolicy,
    factory: HttpRequestFactory,
) -> Result<reqwest::Response, OpenAIError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let request = factory.build().await?;
        let wait = match http.execute(request).await {
            Ok(resp) if resp.status().as_u16() == 429 || resp.status().is_server_error() => {
                if attempt >= policy.max_attempts {
                    return Ok(resp);
                }
                tracing::warn!(status = resp.status().as_u16(), attempt, "model call will be retried");
                policy.delay(attempt, retry_after(resp.headers()))
            }
            Ok(resp) => return Ok(resp),
            Err(e) if (e.is_timeout() || e.is_connect()) && attempt < policy.max_attempts => {
                tracing::warn!(timeout = e.is_timeout(), attempt, "model call will be retried");
                policy.delay(attempt, None)
            }
            Err(e) => return Err(OpenAIError::Reqwest(e)),
        };
        tokio::time::sleep(wait).await;
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelItem {
    text: String,
    quote: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelOutput {
    wins: Vec<ModelItem>,
    challenges: Vec<ModelItem>,
    action_items: Vec<ModelItem>,
    urgency_indicators: Vec<ModelItem>,
    coach_recommendations: Vec<String>,
    summary: String,
    email_subject: String,
    email: String,
}

fn schema() -> serde_json::Value {
    let item = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["text", "quote"],
        "properties": {
            "text": {"type": "string", "description": "One short sentence for the coach."},
            "quote": {"type": "string", "description": "The participant's own words, copied verbatim from one of their lines."}
        }
    });
    let list = json!({"type": "array", "items": item});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["wins", "challenges", "actionItems", "urgencyIndicators", "coachRecommendations", "summary", "emailSubject", "email"],
        "properties": {
            "wins": list, "challenges": list, "actionItems": list, "urgencyIndicators": list,
            "coachRecommendations": {"type": "array", "items": {"type": "string"}},
            "summary": {"type": "string"},
            "emailSubject": {"type": "string"},
            "email": {"type": "string"}
        }
    })
}

/// The participant's lines with the line before each turn, oldest first, within `tokens`.
/// When over budget, the participant's own lines are kept before context lines.
pub(crate) fn excerpt(ctx: &ParticipantContext, tokens: usize) -> String {
    let budget = tokens * 4;
    let fmt = |l: &Line| {
        let who = l.speaker.as_deref().unwrap_or("(unlabelled)");
        format!("[{}] {}: {}\n", &format_timestamp(l.start_ms)[..8], who, l.text)
    };
    let mut chosen: Vec<(u64, bool, String)> = Vec::new();
    let mut used = 0;
    for (own, lines) in [(true, &ctx.utterances), (false, &ctx.surrounding), (false, &ctx.coach_replies)] {
        for l in lines.iter() {
            let s = fmt(l);
            if used + s.len() > budget {
                continue;
            }
            used += s.len();
            chosen.push((l.start_ms, !own, s));
        }
    }
    chosen.sort_by_key(|(t, ctx_first, _)| (*t, !*ctx_first));
    chosen.into_iter().map(|(_, _, s)| s).collect()
}

fn prompts(ctx: &ParticipantContext, excerpt: &str) -> (String, String) {
    let style = &ctx.coach.communication_style;
    let system = format!(
        "You analyse one participant of a group coaching session for their coach, {coach}. \
Return JSON matching the schema. Wins, challenges, action items (commitments the participant made) and \
urgency indicators (risk of leaving, refund, overwhelm, burnout, anything needing contact within a day) \
must each quote the participant's own words verbatim from a line labelled with their name; never quote \
anyone else and never paraphrase inside `quote`. Leave a list empty rather than guess. \
coachRecommendations: first each piece of advice the coach gave this participant in the session, as `From the session (hh:mm:ss): \"<the coach's words, verbatim>\"`, then your own concrete next steps for the coach. A signal counts only if the participant says it of themselves, now, for real: not negated (\"I'm not going to quit\"), not resolved in the past (\"last month I nearly gave up, but...\"), not someone else's (\"my client asked for a refund\" is the participant's challenge, not their urgency), not hypothetical, quoted or a joke; distress can come without alarm words (\"I can't keep paying for this\"). Hedged intentions (\"maybe I'll\") and discourse markers (\"I'll be honest\") are not action items. summary: three sentences at most for the coach. \
email and emailSubject: a follow-up email from the coach to the participant in the coach's voice: tone {tone:?}, \
formality {formality:?}, greeting \"{greeting}\", signature \"{signature}\", use these phrases where natural: \
{key:?}; never use these words or phrases: {avoid:?}. Plain text, no markdown.",
        coach = ctx.coach.coach_name,
        tone = style.tone,
        formality = style.formality_level,
        greeting = super::compose::fill(&style.preferred_greeting, ctx),
        signature = super::compose::fill(&style.signature_style, ctx),
        key = style.key_phrases,
        avoid = style.avoid_phrases,
    );
    let user = format!(
        "Session: {cohort}, {date}.\nParticipant: {name} (spoke {pct}% of the time, {cues} contributions, {q} questions, engagement {level:?}).\n\
Transcript excerpt (their lines and the line before each of their turns):\n{excerpt}",
        cohort = ctx.session.cohort_name,
        date = ctx.session.workshop_date,
        name = ctx.participant_name,
        pct = ctx.stats.speaking_time_percentage,
        cues = ctx.stats.cues,
        q = ctx.stats.questions,
        level = ctx.engagement,
    );
    (system, user)
}

impl LlmAnalyser {
    pub fn new(config: LlmConfig) -> Self {
        Self { client: openai_client(&config, config.max_attempts), config }
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    async fn ask(&self, ctx: &ParticipantContext) -> Result<(ModelOutput, Option<ModelUsage>), String> {
        let (system, user) = prompts(ctx, &excerpt(ctx, self.config.excerpt_tokens));
        let question = JsonQuestion {
            model: &self.config.model,
            system: &system,
            user: &user,
            name: "participant_analysis",
            description: "One participant's analysis",
            schema: schema(),
            temperature: None,
            seed: None,
        };
        let (out, usage) = question.ask(&self.client).await?;
        let usage = usage.map(|u| {
            let (input, output) = (u64::from(u.prompt_tokens), u64::from(u.completion_tokens));
            ModelUsage {
                model: self.config.model.clone(),
                input_tokens: input,
                output_tokens: output,
                cost_micro_usd: self.config.price_per_million.map(|(pi, po)| (input as f64 * pi + output as f64 * po).round() as u64),
            }
        });
        Ok((out, usage))
    }

    fn verify(&self, ctx: &ParticipantContext, out: ModelOutput, usage: Option<ModelUsage>) -> Analysis {
        let index = QuoteIndex::new(&ctx.utterances);
        let mut dropped = 0;
        let mut keep = |items: Vec<ModelItem>| -> Vec<Finding> {
            items
                .into_iter()
                .filter_map(|item| match index.find(&item.quote) {
                    Some(line) => Some(Finding {
                        text: item.text,
                        evidence: Evidence {
                            quote: item.quote.trim().to_string(),
                            timestamp: format_timestamp(line.start_ms),
                            start_ms: line.start_ms,
                        },
                    }),
                    None => {
                        dropped += 1;
                        None
                    }
                })
                .collect()
        };
        let wins = keep(out.wins);
        let challenges = keep(out.challenges);
        let action_items = keep(out.action_items);
        let urgency_indicators = keep(out.urgency_indicators);
        let avoid = &ctx.coach.communication_style.avoid_phrases;
        Analysis {
            wins,
            challenges,
            action_items,
            urgency_indicators,
            coach_recommendations: out.coach_recommendations.iter().map(|r| strip_avoid_phrases(r, avoid)).collect(),
            generated_summary: strip_avoid_phrases(&out.summary, avoid),
            generated_email_subject: strip_avoid_phrases(&out.email_subject, avoid),
            generated_email: strip_avoid_phrases(&out.email, avoid),
            analyser: AnalyserInfo {
                kind: AnalyserKind::Llm,
                model: Some(self.config.model.clone()),
                fallback_reason: None,
                dropped_quotes: dropped,
                usage,
            },
        }
    }
}

/// An error in words, without the request (which holds the transcript excerpt).
/// One Structured Outputs question: a system and a user message in, the answer parsed as `T`
/// under a strict JSON schema. Shared by the analyser, the webinar writer and the lead judge.
pub(crate) struct JsonQuestion<'a> {
    pub model: &'a str,
    pub system: &'a str,
    pub user: &'a str,
    /// The schema's name and description, as the API takes them.
    pub name: &'static str,
    pub description: &'static str,
    pub schema: serde_json::Value,
    /// `Some(0.0)` (and a seed) for the same answer to the same question; `None` leaves the
    /// model's default (some reasoning models refuse any other temperature).
    pub temperature: Option<f32>,
    pub seed: Option<i64>,
}

impl JsonQuestion<'_> {
    /// The parsed answer and the tokens it took. An error says why there is none without
    /// quoting the answer: serde's messages quote the offending value, which may be
    /// participant text or an address, and the reason reaches the logs.
    pub(crate) async fn ask<T: serde::de::DeserializeOwned>(self, client: &Client<OpenAIConfig>) -> Result<(T, Option<async_openai::types::chat::CompletionUsage>), String> {
        let mut request = CreateChatCompletionRequestArgs::default();
        request
            .model(self.model)
            .messages(vec![
                ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(self.system)),
                ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(self.user)),
            ])
            .response_format(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema { description: Some(self.description.into()), name: self.name.into(), schema: self.schema, strict: Some(true) },
            });
        if let Some(t) = self.temperature {
            request.temperature(t);
        }
        if let Some(seed) = self.seed {
            request.seed(seed);
        }
        let request = request.build().map_err(|e| format!("request: {e}"))?;
        let response = client.chat().create(request).await.map_err(describe)?;
        let message = &response.choices.first().ok_or("the model returned no choice")?.message;
        if message.refusal.is_some() {
            return Err("the model refused to answer".into());
        }
        let content = message.content.as_deref().ok_or("the model returned no content")?;
        let de = &mut serde_json::Deserializer::from_str(content);
        let out = serde_path_to_error::deserialize(de).map_err(|e| {
            let kind = match e.inner().classify() {
                serde_json::error::Category::Data => "a value of the wrong type or a missing field",
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "invalid JSON",
                serde_json::error::Category::Io => "an unreadable answer",
            };
            format!("the model's JSON does not match the schema: {kind} at `{}`", e.path())
        })?;
        Ok((out, response.usage))
    }
}

pub(crate) fn describe(e: OpenAIError) -> String {
    match e {
        OpenAIError::ApiError(api) => format!("the model server answered {}", api.status_code),
        OpenAIError::Reqwest(r) if r.is_timeout() => "the model server timed out".into(),
        OpenAIError::Reqwest(r) => match r.status() {
            Some(s) => format!("the model server answered {s}"),
            None => "the model server could not be reached".into(),
        },
        OpenAIError::JSONDeserialize(..) => "the model server's answer is not valid JSON".into(),
        other => format!("model call failed: {}", other.to_string().chars().take(120).collect::<String>()),
    }
}

impl Analyser for LlmAnalyser {
    async fn analyse(&self, ctx: &ParticipantContext) -> Analysis {
        if ctx.utterances.is_empty() {
            // Nothing to send: a silent participant's analysis needs no model.
            return BuiltinAnalyser.analyse_now(ctx);
        }
        match self.ask(ctx).await {
            Ok((out, usage)) => self.verify(ctx, out, usage),
            Err(reason) => {
                tracing::warn!(participant_id = %ctx.participant_id, %reason, "model failed; built-in analyser used");
                let mut a = BuiltinAnalyser.analyse_now(ctx);
                a.analyser.model = Some(self.config.model.clone());
                a.analyser.fallback_reason = Some(reason);
                a
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after", "0.5".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(500)));
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_is_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(400),
            max_retry_after: Duration::from_secs(3),
        };
        for attempt in 1..10 {
            assert!(p.delay(attempt, None) <= Duration::from_millis(400));
        }
        let d = p.delay(1, Some(Duration::from_secs(2)));
        assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2025), "{d:?}");
        assert!(p.delay(1, Some(Duration::from_secs(60))) <= Duration::from_millis(3025));
    }
}
