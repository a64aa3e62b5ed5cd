//! The model port for lead scoring: embeddings of profiles and leads, and the model's
//! judgement of a lead, from any OpenAI-compatible server through async-openai — or, without
//! one, the built-in hashed embedding and no judgement (the default score stands in).
//!
//! - Embeddings: `text-embedding-3-small` by default with `dimensions` (default 512), inputs
//!   batched up to the API's limits (2,048 inputs and about 300,000 tokens a request), 2
//!   attempts in all.
//! - Judgement: a chat completion with a strict JSON schema (score 0–100, fit level, next
//!   action, reasoning), temperature 0, 3 attempts with backoff; an answer out of range or
//!   unreadable is a failure, and the caller falls back to the default score.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::embeddings::CreateEmbeddingRequestArgs;
use serde::Deserialize;
use serde_json::json;

use super::score::{FitLevel, NextAction};
use super::{BUILTIN_EMBEDDING_MODEL, Embedding, builtin_embedding_of, describe};
use crate::analysis::llm::{JsonQuestion, LlmConfig, describe as describe_error, openai_client};

/// The API's limits on one embeddings request.
const MAX_INPUTS: usize = 2048;
const MAX_CHARS: usize = 1_000_000; // ≈ 250,000 tokens at four characters a token

pub const DEFAULT_EMBEDDING_MODEL: &str = "text-embedding-3-small";
pub const DEFAULT_DIMENSIONS: u32 = 512;

#[derive(Clone)]
pub struct OpenAiLeadModel {
    embed_client: Client<OpenAIConfig>,
    judge_client: Client<OpenAIConfig>,
    pub chat_model: String,
    pub embedding_model: String,
    pub dimensions: u32,
}

/// What embeds and judges leads.
#[derive(Clone)]
pub enum LeadModel {
    /// No model: [`builtin_embedding_of`] at this many dimensions, and the default score.
    Builtin { dimensions: usize },
    OpenAi(OpenAiLeadModel),
}

impl std::fmt::Debug for LeadModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys stay out of debug output.
        match self {
            LeadModel::Builtin { dimensions } => write!(f, "LeadModel::Builtin({dimensions})"),
            LeadModel::OpenAi(m) => write!(f, "LeadModel::OpenAi({}, {}, {})", m.chat_model, m.embedding_model, m.dimensions),
        }
    }
}

/// The model's answer, checked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Verdict {
    pub score: i64,
    pub fit_level: FitLevel,
    pub next_action: NextAction,
    pub reasoning: String,
}

impl LeadModel {
    /// The model server of `DEBRIEF_LLM_*` (see [`LlmConfig::from_env`]) with
    /// `DEBRIEF_LEADS_EMBEDDING_MODEL` and `DEBRIEF_LEADS_DIMENSIONS`; without a model, the
    /// built-in embedding at those dimensions.
    pub fn from_env() -> Self {
        let dims = std::env::var("DEBRIEF_LEADS_DIMENSIONS").ok().and_then(|v| v.parse().ok()).filter(|d| *d > 0).unwrap_or(DEFAULT_DIMENSIONS);
        match LlmConfig::from_env() {
            Some(config) => {
                let embedding = std::env::var("DEBRIEF_LEADS_EMBEDDING_MODEL").ok().filter(|v| !v.is_empty()).unwrap_or_else(|| DEFAULT_EMBEDDING_MODEL.into());
                Self::openai(&config, embedding, dims)
            }
            None => LeadModel::Builtin { dimensions: dims as usize },
        }
    }

    pub fn openai(config: &LlmConfig, embedding_model: impl Into<String>, dimensions: u32) -> Self {
        LeadModel::OpenAi(OpenAiLeadModel {
            embed_client: openai_client(config, 2),
            judge_client: openai_client(config, 3),
            chat_model: config.model.clone(),
            embedding_model: embedding_model.into(),
            dimensions,
        })
    }

    /// The embedding model's name, as stored beside each vector.
    pub fn embedding_model(&self) -> &str {
        match self {
            LeadModel::Builtin { .. } => BUILTIN_EMBEDDING_MODEL,
            LeadModel::OpenAi(m) => &m.embedding_model,
        }
    }

    pub fn dimensions(&self) -> usize {
        match self {
            LeadModel::Builtin { dimensions } => *dimensions,
            LeadModel::OpenAi(m) => m.dimensions as usize,
        }
    }

    pub fn chat_model(&self) -> Option<&str> {
        match self {
            LeadModel::Builtin { .. } => None,
            LeadModel::OpenAi(m) => Some(&m.chat_model),
        }
    }

    /// One embedding per input (a record's `field_values`), in order.
    pub async fn embed(&self, inputs: &[Vec<(&'static str, String)>]) -> Result<Vec<Embedding>, String> {
        match self {
            LeadModel::Builtin { dimensions } => Ok(inputs.iter().map(|f| builtin_embedding_of(f, *dimensions)).collect()),
            LeadModel::OpenAi(m) => {
                let texts: Vec<String> = inputs.iter().map(|f| describe(f)).map(|t| if t.is_empty() { "(no details)".into() } else { t }).collect();
                let mut out = Vec::with_capacity(texts.len());
                let mut start = 0;
                while start < texts.len() {
                    let (mut end, mut chars) = (start, 0);
                    while end < texts.len() && end - start < MAX_INPUTS && (end == start || chars + texts[end].len() <= MAX_CHARS) {
                        chars += texts[end].len();
                        end += 1;
                    }
                    let request = CreateEmbeddingRequestArgs::default()
                        .model(&m.embedding_model)
                        .input(texts[start..end].to_vec())
                        .dimensions(m.dimensions)
                        .build()
                        .map_err(|e| format!("embedding request: {e}"))?;
                    let mut response = m.embed_client.embeddings().create(request).await.map_err(describe_error)?;
                    if response.data.len() != end - start {
                        return Err(format!("the model server returned {} embeddings for {} inputs", response.data.len(), end - start));
                    }
                    response.data.sort_by_key(|e| e.index);
                    for e in response.data {
                        if e.embedding.len() != m.dimensions as usize || e.embedding.iter().any(|x| !x.is_finite()) {
                            return Err(format!("the model server returned a vector of {} dimensions, not {}", e.embedding.len(), m.dimensions));
                        }
                        out.push(Embedding::normalised(m.embedding_model.clone(), e.embedding));
                    }
                    start = end;
                }
                Ok(out)
            }
        }
    }

    /// The model's judgement of the lead described by `prompt`; an error says why there is none.
    pub async fn judge(&self, prompt: &str) -> Result<Verdict, String> {
        let LeadModel::OpenAi(m) = self else { return Err("no model is configured".into()) };
        let question = JsonQuestion {
            model: &m.chat_model,
            system: SYSTEM,
            user: prompt,
            name: "lead_score",
            description: "A lead's score",
            schema: schema(),
            temperature: Some(0.0),
            seed: Some(7),
        };
        let (verdict, _): (Verdict, _) = question.ask(&m.judge_client).await?;
        if !(0..=100).contains(&verdict.score) {
            return Err(format!("the model's score {} is outside 0–100", verdict.score));
        }
        if verdict.reasoning.trim().is_empty() {
            return Err("the model gave no reasoning".into());
        }
        Ok(verdict)
    }
}

const SYSTEM: &str = "You score a B2B lead for a small coaching or services business against its ideal-client profiles (ICP). \
You are given the lead's data, the closest ideal-client profiles with their calibrated similarity (0-1, already adjusted for the embedding model), \
the field-by-field matches against the closest profile, and a transparent default score computed from them. \
Return JSON matching the schema: score 0-100 (80+ is a high fit to call now, 50-79 medium to email, below 50 low to nurture), \
fit_level High/Medium/Low consistent with the score, next_action Call/Email/Nurture, and reasoning: two to four sentences that name \
the profile(s) and the fields that drove the score. Do not invent data that is not given.";

fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["score", "fit_level", "next_action", "reasoning"],
        "properties": {
            "score": {"type": "integer", "minimum": 0, "maximum": 100},
            "fit_level": {"type": "string", "enum": ["High", "Medium", "Low"]},
            "next_action": {"type": "string", "enum": ["Call", "Email", "Nurture"]},
            "reasoning": {"type": "string"}
        }
    })
}
