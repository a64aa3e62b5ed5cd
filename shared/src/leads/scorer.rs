//! Scoring a batch of leads end to end: read them from HubSpot, compare each with the ICP set
//! (exact top-5 ideal clients, the closest negative example, field by field), judge with the
//! model or fall back to the default score, keep the score and its factors, write the changed
//! ones back in batch updates, and alert the contact owner once when a lead enters the high
//! band. The same inputs (lead, ICP revision, models, weights) give the stored score again:
//! no model call, no second write.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::matching::compare;
use super::model::LeadModel;
use super::profiles::{ProfileCache, ProfileError, ProfileSet};
use super::score::{self, Calibration, Factors, LeadScore, NearestProfile, Priority, ScoreSource, ScoreWeights};
use super::similarity::{VectorIndex, nearest_ideal_clients, nearest_negative_examples};
use super::{Embedding, IcpProfile, Lead, builtin_embedding_of, describe};
use crate::ports::{CrmApi, CrmError, Email, Item, Key, Mailer, Store, StoreError};
use crate::repo::{Repo, SendTurn};

pub const TOP_K: usize = 5;
/// Leads of one job scored at the same time (each is one embedding and one chat call).
pub const CONCURRENT_SCORES: usize = 16;

#[derive(Debug, Clone)]
pub struct LeadsConfig {
    pub weights: ScoreWeights,
    /// `DEBRIEF_LEADS_CALIBRATION`: `model=floor/ceiling,…`.
    pub calibration: Option<String>,
    /// Where high-band alerts go when the contact has no owner with an email
    /// (`DEBRIEF_LEADS_ALERT_EMAIL`); with it set and `DEBRIEF_LEADS_ALERT_OWNER=0`, always there.
    pub alert_email: Option<String>,
    pub alert_owner: bool,
    pub sender_email: String,
}

impl Default for LeadsConfig {
    fn default() -> Self {
        Self { weights: ScoreWeights::default(), calibration: None, alert_email: None, alert_owner: true, sender_email: "debrief@example.com".into() }
    }
}

impl LeadsConfig {
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut c = Self::default();
        if let Some(w) = var("DEBRIEF_LEADS_WEIGHTS") {
            c.weights = ScoreWeights::parse(&w).map_err(|e| format!("DEBRIEF_LEADS_WEIGHTS: {e}"))?;
        }
        c.calibration = var("DEBRIEF_LEADS_CALIBRATION");
        c.alert_email = var("DEBRIEF_LEADS_ALERT_EMAIL");
        c.alert_owner = var("DEBRIEF_LEADS_ALERT_OWNER").is_none_or(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
        if let Some(s) = var("DEBRIEF_SENDER_EMAIL") {
            c.sender_email = s;
        }
        Ok(c)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScoringError {
    #[error("no ideal-client profiles are imported yet (debrief leads icp import FILE)")]
    NoProfiles,
    #[error(transparent)]
    Profiles(#[from] ProfileError),
    #[error(transparent)]
    Crm(#[from] CrmError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

impl ScoringError {
    /// No retry can help: dead-letter the job with this message.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::NoProfiles | Self::Profiles(ProfileError::Corrupt(_)) | Self::Crm(CrmError::Rejected { .. } | CrmError::MissingScopes(_)))
    }
}

/// A stored score and whether HubSpot has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredScore {
    #[serde(flatten)]
    pub score: LeadScore,
    pub written: bool,
}

/// The secondary-index partition listing every scored contact (the sweep reads it).
pub const SCORES_INDEX: &str = "LEADSCORES";

fn score_key(contact_id: &str) -> Key {
    Key::new(format!("LEAD#{contact_id}"), "SCORE")
}

pub async fn stored_score<S: Store>(store: &S, contact_id: &str) -> Result<Option<StoredScore>, StoreError> {
    Ok(store.get(&score_key(contact_id)).await?.and_then(|i| serde_json::from_str(&i.body).ok()))
}

async fn keep<S: Store>(store: &S, s: &StoredScore) -> Result<(), StoreError> {
    let mut item = Item::new(score_key(&s.score.contact_id), serde_json::to_string(s).expect("JSON"));
    item.index = Some((SCORES_INDEX.into(), s.score.contact_id.clone()));
    store.put_all(&[item]).await
}

/// What a job did.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobOutcome {
    pub scored: Vec<String>,
    pub unchanged: Vec<String>,
    pub not_found: Vec<String>,
    /// Written to HubSpot now.
    pub written: Vec<String>,
    /// Refused by HubSpot for good, with its message.
    pub refused: Vec<(String, String)>,
    pub alerts: usize,
}

pub struct LeadScorer<S, M> {
    pub store: S,
    pub model: LeadModel,
    pub mailer: M,
    pub config: LeadsConfig,
    pub profiles: ProfileCache,
}

impl<S: Store + Clone, M: Mailer> LeadScorer<S, M> {
    pub fn new(store: S, model: LeadModel, mailer: M, config: LeadsConfig) -> Self {
        Self { store, model, mailer, config, profiles: ProfileCache::default() }
    }

    fn inputs_hash(&self, lead: &Lead, set: &ProfileSet) -> String {
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(lead).expect("JSON"));
        h.update(set.meta.revision.to_le_bytes());
        h.update(self.model.embedding_model().as_bytes());
        h.update(self.model.dimensions().to_le_bytes());
        h.update(self.model.chat_model().unwrap_or("-").as_bytes());
        h.update(serde_json::to_vec(&self.config.weights).expect("JSON"));
        h.update(self.config.calibration.as_deref().unwrap_or("-").as_bytes());
        hex(&h.finalize())
    }

    /// The score of one lead against `set` (no HubSpot, no store).
    pub async fn score(&self, set: &ProfileSet, lead: &Lead) -> Result<LeadScore, ScoringError> {
        self.score_hashed(set, lead, self.inputs_hash(lead, set)).await
    }

    /// [`Self::score`] with the lead's inputs hash already computed (by the job's check for
    /// an unchanged lead).
    async fn score_hashed(&self, set: &ProfileSet, lead: &Lead, inputs_hash: String) -> Result<LeadScore, ScoringError> {
        let mut fallback_reason = None;
        // The lead is embedded by the set's model; if that fails, both sides are compared by
        // the built-in embedding instead (never one model's vector against another's).
        let embedded = if set.meta.embedding_model == self.model.embedding_model() && set.meta.dimensions == self.model.dimensions() {
            self.model.embed(&[lead.field_values()]).await.map(|mut v| v.remove(0))
        } else {
            Err(format!("the profiles were embedded with {} ({} dimensions); import them again for {}", set.meta.embedding_model, set.meta.dimensions, self.model.embedding_model()))
        };
        let rebuilt: VectorIndex;
        let (lead_vector, index): (Embedding, &VectorIndex) = match embedded {
            Ok(v) => (v, &set.index),
            Err(e) => {
                tracing::warn!(reason = %e, "lead embedding failed; comparing with the built-in embedding");
                fallback_reason = Some(format!("embedding: {e}"));
                let dims = set.meta.dimensions.max(1);
                let mut built = VectorIndex::new(super::BUILTIN_EMBEDDING_MODEL, dims);
                for p in &set.profiles {
                    built.push(&builtin_embedding_of(&p.field_values(), dims).vector);
                }
                rebuilt = built;
                (builtin_embedding_of(&lead.field_values(), dims), &rebuilt)
            }
        };
        let calibration = score::calibration(&lead_vector.model, self.config.calibration.as_deref());
        let as_factor = |n: &super::Nearest, c: &Calibration| NearestProfile { profile_id: n.profile.id.clone(), kind: n.profile.kind.clone(), similarity: n.similarity, calibrated: c.apply(n.similarity) };
        let nearest_found = nearest_ideal_clients(&lead_vector, &set.profiles, index, TOP_K).map_err(ScoringError::Other)?;
        let nearest: Vec<NearestProfile> = nearest_found.iter().map(|n| as_factor(n, &calibration)).collect();
        let negative = nearest_negative_examples(&lead_vector, &set.profiles, index, 1)
            .map_err(ScoringError::Other)?
            .first()
            .map(|n| as_factor(n, &calibration))
            .filter(|n| nearest.first().is_none_or(|best| n.similarity > best.similarity));
        let fields = match nearest_found.first() {
            Some(best) => compare(&lead.field_values(), &best.profile.field_values()),
            None => compare(&lead.field_values(), &[]),
        };
        let default = score::default_score(&self.config.weights, nearest.first(), &fields, negative.as_ref());
        let mut factors = Factors {
            embedding_model: lead_vector.model.clone(),
            calibration,
            nearest,
            negative_example: negative,
            fields,
            default_score: default.clone(),
            open_deals: lead.open_deals,
            recent_engagements: lead.recent_engagements,
            model_reasoning: None,
        };
        let verdict = match self.model.chat_model() {
            Some(_) => match self.model.judge(&prompt(lead, &nearest_found, &factors)).await {
                Ok(v) => Some(v),
                Err(e) => {
                    tracing::warn!(reason = %e, "lead judgement failed; the default score stands in");
                    fallback_reason = Some(fallback_reason.map_or(format!("model: {e}"), |f| format!("{f}; model: {e}")));
                    None
                }
            },
            None => None,
        };
        let (score, fit_level, next_action, source, reasoning) = match verdict {
            Some(v) => {
                factors.model_reasoning = Some(v.reasoning.clone());
                (v.score as u8, v.fit_level, v.next_action, ScoreSource::Model, v.reasoning)
            }
            None => (default.score, score::fit_of(default.score), score::action_of(default.score), ScoreSource::Default, score::default_reasoning(&factors)),
        };
        Ok(LeadScore {
            contact_id: lead.contact_id.clone(),
            score,
            fit_level,
            next_action,
            priority: Priority::of(score),
            reasoning,
            source,
            fallback_reason: if self.model.chat_model().is_some() { fallback_reason } else { None },
            model: self.model.chat_model().filter(|_| source == ScoreSource::Model).map(str::to_string),
            factors,
            inputs_hash,
            scored_at: crate::clock::now_rfc3339(),
        })
    }

    /// Scores `contact_ids` (read from HubSpot through `api`), writes what changed back to
    /// HubSpot and alerts owners of leads new to the high band.
    pub async fn run<C: CrmApi>(&self, api: &C, contact_ids: &[String]) -> Result<JobOutcome, ScoringError> {
        let set = self.profiles.get(&self.store).await?.ok_or(ScoringError::NoProfiles)?;
        if !set.profiles.iter().any(IcpProfile::is_active_ideal_client) {
            return Err(ScoringError::NoProfiles);
        }
        let leads = super::hubspot::collect(api, contact_ids, crate::clock::unix_millis()).await?;
        let mut outcome = JobOutcome { not_found: contact_ids.iter().filter(|id| !leads.iter().any(|l| &l.contact_id == *id)).cloned().collect(), ..Default::default() };
        let mut to_write: Vec<StoredScore> = Vec::new();
        let mut fresh: Vec<(&Lead, String)> = Vec::new();
        for lead in &leads {
            let previous = stored_score(&self.store, &lead.contact_id).await?;
            let hash = self.inputs_hash(lead, &set);
            match previous.filter(|p| p.score.inputs_hash == hash) {
                Some(p) if p.written => outcome.unchanged.push(lead.contact_id.clone()),
                Some(p) => to_write.push(p),
                None => fresh.push((lead, hash)),
            }
        }
        // The leads of a job are scored side by side (up to CONCURRENT_SCORES at a time): a job
        // of N leads takes about one lead's model latency, not N of them.
        let mut scored = Vec::with_capacity(fresh.len());
        for chunk in fresh.chunks(CONCURRENT_SCORES) {
            let batch: Vec<_> = chunk.iter().map(|(lead, hash)| self.score_hashed(&set, lead, hash.clone())).collect();
            scored.extend(futures_util::future::join_all(batch).await);
        }
        for s in scored {
            let s = StoredScore { score: s?, written: false };
            keep(&self.store, &s).await?;
            outcome.scored.push(s.score.contact_id.clone());
            to_write.push(s);
        }
        let refs: Vec<&LeadScore> = to_write.iter().map(|s| &s.score).collect();
        let refused = super::hubspot::write_back(api, &refs).await?;
        for mut s in to_write {
            if refused.iter().any(|(id, _)| *id == s.score.contact_id) {
                continue;
            }
            s.written = true;
            keep(&self.store, &s).await?;
            outcome.written.push(s.score.contact_id.clone());
            if s.score.priority == Priority::High {
                let owner = leads.iter().find(|l| l.contact_id == s.score.contact_id).and_then(|l| l.owner_id.clone());
                if self.alert(api, &s.score, owner.as_deref()).await? {
                    outcome.alerts += 1;
                }
            }
        }
        outcome.refused = refused;
        Ok(outcome)
    }

    /// Emails the owner (or the configured address) about a high-band lead, once per score.
    async fn alert<C: CrmApi>(&self, api: &C, s: &LeadScore, owner_id: Option<&str>) -> Result<bool, ScoringError> {
        let owner = match (self.config.alert_owner, owner_id) {
            (true, Some(id)) => super::hubspot::owner_email(api, id).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "owner lookup failed; using the configured alert address");
                None
            }),
            _ => None,
        };
        let Some(to) = owner.or_else(|| self.config.alert_email.clone()) else { return Ok(false) };
        let repo = Repo::new(self.store.clone());
        let key = format!("{}:{}", s.contact_id, s.inputs_hash);
        let SendTurn::Go(lease) = repo.begin_send("lead-alert", &key, Duration::from_secs(60)).await.map_err(|e| ScoringError::Other(e.to_string()))? else { return Ok(false) };
        let text = format!(
            "A lead just scored {} ({:?} fit): next best action {:?}.\n\nWhy: {}\n\nHubSpot contact {}. Full factors: debrief leads explain {} or GET /v1/leads/{}/score.\n",
            s.score, s.fit_level, s.next_action, s.reasoning, s.contact_id, s.contact_id, s.contact_id
        );
        let email = Email {
            from: self.config.sender_email.clone(),
            to: vec![to],
            reply_to: None,
            subject: format!("High-fit lead: score {} — {:?}", s.score, s.next_action),
            html: format!("<p>{}</p>", html_escape(&text).replace('\n', "<br>")),
            text,
            tags: vec![("kind".into(), "lead-alert".into())],
        };
        match self.mailer.send(&email).await {
            Ok(_) => {
                repo.send_done(&lease).await.map_err(|e| ScoringError::Other(e.to_string()))?;
                Ok(true)
            }
            Err(e) => {
                let _ = repo.send_failed(&lease).await;
                Err(ScoringError::Other(format!("alert email: {e}")))
            }
        }
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the model is given: the lead, the nearest profiles (calibrated similarity and their
/// fields), the field matches and the default score.
fn prompt(lead: &Lead, nearest: &[super::Nearest], factors: &Factors) -> String {
    let mut out = format!("Lead (HubSpot contact {}):\n{}", lead.contact_id, describe(&lead.field_values()));
    out.push_str(&format!("Open deals: {} (total {:.0}). Calls, meetings and emails in the last 90 days: {}.\n\n", lead.open_deals, lead.open_deal_amount, lead.recent_engagements));
    out.push_str("Closest ideal-client profiles (calibrated similarity 0-1):\n");
    for (n, f) in nearest.iter().zip(&factors.nearest) {
        out.push_str(&format!("- {} ({:.2}):\n  {}\n", n.profile.id, f.calibrated, describe(&n.profile.field_values()).trim_end().replace('\n', "\n  ")));
    }
    if let Some(n) = &factors.negative_example {
        out.push_str(&format!("Closer negative example: {} (type {}, {:.2}).\n", n.profile_id, n.kind, n.calibrated));
    }
    out.push_str("\nField matches against the closest profile:\n");
    for f in &factors.fields {
        out.push_str(&format!("- {}: lead \"{}\", profile \"{}\": {:?}\n", f.field, f.lead, f.profile, f.outcome));
    }
    out.push_str(&format!("\nDefault score (transparent formula): {}.\n", factors.default_score.score));
    out
}
