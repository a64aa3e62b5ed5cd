//! The score and everything it was made of. Every score keeps its factors (the nearest
//! profiles with raw and calibrated similarity, the field matches and misses, the default
//! score's arithmetic, the model's reasoning) so that `debrief leads explain` and
//! `GET /v1/leads/{contactId}/score` can show why — never "92, no reason".
//!
//! **Calibration.** Raw cosine similarity means different things for different embedding
//! models (unrelated texts sit near 0.1–0.2 with `text-embedding-3-small`, near 0.7 with
//! `ada-002`), so it is never shown as a percentage as is: each model has a floor (what
//! unrelated profiles score) and a ceiling (what a near-duplicate scores), and
//! `calibrated = clamp((raw − floor) / (ceiling − floor), 0, 1)`. The table is
//! [`calibration`]; `DEBRIEF_LEADS_CALIBRATION` (`model=floor/ceiling,…`) overrides it.
//!
//! **The default score** (no model, or the model failed after its retries):
//! `Σ weight × value / Σ weight × 100`, where the similarity part's value is the nearest
//! ideal client's calibrated similarity and each field's is 1 (match), ½ (partial) or 0 (miss
//! or unknown) against that same profile, less the `negative` weight × the calibrated
//! similarity of a closer negative example (e.g. a churned client). Weights are in
//! [`ScoreWeights`] (`DEBRIEF_LEADS_WEIGHTS`); the score is marked `default`.

use serde::{Deserialize, Serialize};

use super::matching::{COMPARED, FieldMatch};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FitLevel {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextAction {
    Call,
    Email,
    Nurture,
}

/// The routing band written to `ai_lead_priority`: high ≥ 80, medium 50–79, low < 50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    pub fn of(score: u8) -> Self {
        match score {
            80.. => Priority::High,
            50..=79 => Priority::Medium,
            _ => Priority::Low,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreSource {
    /// The model's judgement (chat completion, strict JSON schema).
    Model,
    /// The documented transparent score.
    Default,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calibration {
    pub floor: f32,
    pub ceiling: f32,
    /// Whether the floor and ceiling were set for this model (a table entry or the
    /// operator's), rather than the generic fallback.
    pub known: bool,
}

impl Calibration {
    pub fn apply(&self, raw: f32) -> f32 {
        ((raw - self.floor) / (self.ceiling - self.floor).max(1e-6)).clamp(0.0, 1.0)
    }
}

/// The floor and ceiling of `model` (see the module comment); `overrides` is
/// `DEBRIEF_LEADS_CALIBRATION`'s value.
pub fn calibration(model: &str, overrides: Option<&str>) -> Calibration {
    if let Some(table) = overrides {
        for entry in table.split(',') {
            if let Some((name, pair)) = entry.trim().split_once('=')
                && name.trim() == model
                && let Some((f, c)) = pair.split_once('/')
                && let (Ok(floor), Ok(ceiling)) = (f.trim().parse(), c.trim().parse())
            {
                return Calibration { floor, ceiling, known: true };
            }
        }
    }
    let (floor, ceiling, known) = match model {
        "text-embedding-3-small" => (0.20, 0.70, true),
        "text-embedding-3-large" => (0.15, 0.65, true),
        "text-embedding-ada-002" => (0.70, 0.92, true),
        super::BUILTIN_EMBEDDING_MODEL => (0.05, 0.60, true),
        _ => (0.20, 0.80, false),
    };
    Calibration { floor, ceiling, known }
}

/// The default score's weights (any non-negative numbers; they are normalised).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreWeights {
    pub similarity: f64,
    pub industry: f64,
    pub company_size: f64,
    pub revenue_range: f64,
    pub geographic_location: f64,
    pub technology_stack: f64,
    pub budget_range: f64,
    /// Taken off when a negative example (e.g. churned) is closer than every ideal client.
    pub negative: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        Self { similarity: 50.0, industry: 15.0, company_size: 10.0, revenue_range: 10.0, geographic_location: 5.0, technology_stack: 5.0, budget_range: 5.0, negative: 20.0 }
    }
}

impl ScoreWeights {
    /// `similarity=50,industry=15,…` over the defaults; an unknown name or a bad number is an
    /// error naming it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut w = Self::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, value) = entry.split_once('=').ok_or_else(|| format!("`{entry}`: expected name=number"))?;
            let v: f64 = value.trim().parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0).ok_or_else(|| format!("`{entry}`: not a non-negative number"))?;
            *w.field_mut(name.trim()).ok_or_else(|| format!("`{}` is not a weight (similarity, {}, negative)", name.trim(), COMPARED.join(", ")))? = v;
        }
        Ok(w)
    }

    fn field_mut(&mut self, name: &str) -> Option<&mut f64> {
        Some(match name {
            "similarity" => &mut self.similarity,
            "industry" => &mut self.industry,
            "companySize" => &mut self.company_size,
            "revenueRange" => &mut self.revenue_range,
            "geographicLocation" => &mut self.geographic_location,
            "technologyStack" => &mut self.technology_stack,
            "budgetRange" => &mut self.budget_range,
            "negative" => &mut self.negative,
            _ => return None,
        })
    }

    fn of_field(&self, name: &str) -> f64 {
        match name {
            "similarity" => self.similarity,
            "industry" => self.industry,
            "companySize" => self.company_size,
            "revenueRange" => self.revenue_range,
            "geographicLocation" => self.geographic_location,
            "technologyStack" => self.technology_stack,
            "budgetRange" => self.budget_range,
            "negative" => self.negative,
            _ => 0.0,
        }
    }
}

/// One closest profile, as the score keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NearestProfile {
    pub profile_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Raw cosine similarity (model-specific; not a percentage).
    pub similarity: f32,
    /// Calibrated for the embedding model, 0–1.
    pub calibrated: f32,
}

/// One line of the default score's arithmetic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScorePart {
    pub name: String,
    pub weight: f64,
    /// 0–1.
    pub value: f64,
    /// Its points of the 100 (negative for the negative example).
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefaultScore {
    pub score: u8,
    pub parts: Vec<ScorePart>,
}

/// The transparent score from the nearest ideal client (`best`), the field matches against it
/// and a closer negative example, if any.
pub fn default_score(weights: &ScoreWeights, best: Option<&NearestProfile>, fields: &[FieldMatch], negative: Option<&NearestProfile>) -> DefaultScore {
    let total: f64 = weights.similarity + COMPARED.iter().map(|f| weights.of_field(f)).sum::<f64>();
    let total = if total > 0.0 { total } else { 1.0 };
    let mut parts = vec![];
    let sim = best.map_or(0.0, |b| f64::from(b.calibrated));
    parts.push(ScorePart { name: "similarity".into(), weight: weights.similarity, value: sim, points: 100.0 * weights.similarity * sim / total });
    for f in fields {
        let w = weights.of_field(&f.field);
        let v = f.outcome.value();
        parts.push(ScorePart { name: f.field.clone(), weight: w, value: v, points: 100.0 * w * v / total });
    }
    if let Some(n) = negative {
        let v = f64::from(n.calibrated);
        parts.push(ScorePart { name: format!("negative:{}", n.profile_id), weight: weights.negative, value: v, points: -100.0 * weights.negative * v / total });
    }
    let sum: f64 = parts.iter().map(|p| p.points).sum();
    DefaultScore { score: sum.round().clamp(0.0, 100.0) as u8, parts }
}

pub fn fit_of(score: u8) -> FitLevel {
    match Priority::of(score) {
        Priority::High => FitLevel::High,
        Priority::Medium => FitLevel::Medium,
        Priority::Low => FitLevel::Low,
    }
}

pub fn action_of(score: u8) -> NextAction {
    match Priority::of(score) {
        Priority::High => NextAction::Call,
        Priority::Medium => NextAction::Email,
        Priority::Low => NextAction::Nurture,
    }
}

/// Why the score is what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Factors {
    pub embedding_model: String,
    pub calibration: Calibration,
    pub nearest: Vec<NearestProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_example: Option<NearestProfile>,
    /// Against the nearest ideal client.
    pub fields: Vec<FieldMatch>,
    pub default_score: DefaultScore,
    pub open_deals: u32,
    pub recent_engagements: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_reasoning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadScore {
    pub contact_id: String,
    pub score: u8,
    pub fit_level: FitLevel,
    pub next_action: NextAction,
    pub priority: Priority,
    pub reasoning: String,
    pub source: ScoreSource,
    /// Why the model's judgement was not used, when it was configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub factors: Factors,
    /// SHA-256 of what the score was made from (the lead, the ICP revision, the models and the
    /// weights): the same inputs give the stored score again, with no model call and no write.
    pub inputs_hash: String,
    pub scored_at: String,
}

/// The default score's reasoning in words: the factors, plainly.
pub fn default_reasoning(factors: &Factors) -> String {
    let mut out = String::new();
    match factors.nearest.first() {
        Some(n) => out.push_str(&format!("Closest ideal client: {} ({:.0}% after calibration for {}). ", n.profile_id, n.calibrated * 100.0, factors.embedding_model)),
        None => out.push_str("No active ideal-client profile to compare with. "),
    }
    let list = |o: super::matching::Outcome| factors.fields.iter().filter(|f| f.outcome == o).map(|f| f.field.as_str()).collect::<Vec<_>>().join(", ");
    for (label, o) in [("Matches", super::matching::Outcome::Match), ("partly", super::matching::Outcome::Partial), ("misses", super::matching::Outcome::Miss), ("unknown", super::matching::Outcome::Unknown)] {
        let l = list(o);
        if !l.is_empty() {
            out.push_str(&format!("{label}: {l}. "));
        }
    }
    if let Some(n) = &factors.negative_example {
        out.push_str(&format!("Closer to negative example {} ({}) than to any ideal client. ", n.profile_id, n.kind));
    }
    out.push_str(&format!("{} open deal(s), {} engagement(s) in 90 days.", factors.open_deals, factors.recent_engagements));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::matching::Outcome;

    fn nearest(c: f32) -> NearestProfile {
        NearestProfile { profile_id: "p1".into(), kind: "ideal_client".into(), similarity: 0.5, calibrated: c }
    }

    fn field(name: &str, outcome: Outcome) -> FieldMatch {
        FieldMatch { field: name.into(), lead: "x".into(), profile: "y".into(), outcome }
    }

    #[test]
    fn the_default_score_is_the_weighted_sum_it_shows() {
        let w = ScoreWeights::default();
        let fields: Vec<FieldMatch> = COMPARED.iter().map(|f| field(f, Outcome::Match)).collect();
        assert_eq!(default_score(&w, Some(&nearest(1.0)), &fields, None).score, 100);
        let fields = vec![field("industry", Outcome::Match), field("companySize", Outcome::Miss), field("technologyStack", Outcome::Partial)];
        let d = default_score(&w, Some(&nearest(0.5)), &fields, None);
        // 50×0.5 + 15×1 + 10×0 + 5×0.5 = 42.5 of 100.
        assert_eq!(d.score, 43);
        assert!((d.parts.iter().map(|p| p.points).sum::<f64>() - 42.5).abs() < 1e-9);
        let with_negative = default_score(&w, Some(&nearest(0.5)), &fields, Some(&nearest(0.5)));
        assert_eq!(with_negative.score, 33, "20 × 0.5 off");
        assert_eq!(default_score(&w, None, &[], None).score, 0);
    }

    #[test]
    fn weights_parse_and_name_their_errors() {
        let w = ScoreWeights::parse("similarity=70, industry=0").unwrap();
        assert_eq!((w.similarity, w.industry, w.company_size), (70.0, 0.0, 10.0));
        assert!(ScoreWeights::parse("colour=3").unwrap_err().contains("colour"));
        assert!(ScoreWeights::parse("industry=-1").unwrap_err().contains("industry"));
    }

    #[test]
    fn calibration_is_per_model_and_overridable() {
        let small = calibration("text-embedding-3-small", None);
        assert_eq!(small.apply(0.20), 0.0);
        assert_eq!(small.apply(0.70), 1.0);
        assert!((small.apply(0.45) - 0.5).abs() < 1e-6);
        let ada = calibration("text-embedding-ada-002", None);
        assert_eq!(ada.apply(0.45), 0.0, "0.45 is unrelated for ada-002");
        let custom = calibration("my-model", Some("other=0/1, my-model=0.3/0.9"));
        assert_eq!((custom.floor, custom.ceiling, custom.known), (0.3, 0.9, true));
        assert!(!calibration("my-model", None).known);
    }

    #[test]
    fn bands_route_as_the_seed_says() {
        assert_eq!((Priority::of(80), Priority::of(79), Priority::of(50), Priority::of(49)), (Priority::High, Priority::Medium, Priority::Medium, Priority::Low));
        assert_eq!((action_of(90), action_of(60), action_of(10)), (NextAction::Call, NextAction::Email, NextAction::Nurture));
    }
}
