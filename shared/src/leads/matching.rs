//! Field by field, how a lead compares with a profile: the part of every score a person can
//! check by reading both records. Sizes, revenues and budgets are compared as numeric ranges
//! ("11-50", "50+", "$1M-$5M", "<10k", "35"); industry and location by their words (plural
//! `s` ignored, small words skipped); technology stacks as sets.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The lead is what the profile asks for.
    Match,
    /// Some of it (part of a technology stack).
    Partial,
    Miss,
    /// The lead or the profile says nothing about this field.
    Unknown,
}

impl Outcome {
    /// Its share of the field's weight.
    pub fn value(self) -> f64 {
        match self {
            Outcome::Match => 1.0,
            Outcome::Partial => 0.5,
            Outcome::Miss | Outcome::Unknown => 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMatch {
    pub field: String,
    pub lead: String,
    pub profile: String,
    pub outcome: Outcome,
}

/// The compared fields (notes are embedded, not compared).
pub const COMPARED: [&str; 6] = ["industry", "companySize", "revenueRange", "geographicLocation", "technologyStack", "budgetRange"];

/// Each compared field of `lead` against `profile` (both as `field_values` gives them).
pub fn compare(lead: &[(&'static str, String)], profile: &[(&'static str, String)]) -> Vec<FieldMatch> {
    let get = |list: &[(&'static str, String)], f: &str| list.iter().find(|(k, _)| *k == f).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    COMPARED
        .iter()
        .map(|&field| {
            let (l, p) = (get(lead, field), get(profile, field));
            let outcome = if l.is_empty() || p.is_empty() {
                Outcome::Unknown
            } else {
                match field {
                    "companySize" | "revenueRange" | "budgetRange" => match (range(&l), range(&p)) {
                        (Some(a), Some(b)) if a.0 <= b.1 && b.0 <= a.1 => Outcome::Match,
                        (Some(_), Some(_)) => Outcome::Miss,
                        _ => words_outcome(&l, &p),
                    },
                    "technologyStack" => stack_outcome(&l, &p),
                    _ => words_outcome(&l, &p),
                }
            };
            FieldMatch { field: field.to_string(), lead: l, profile: p, outcome }
        })
        .collect()
}

const SMALL_WORDS: &[&str] = &["and", "or", "the", "of", "in", "for", "a", "an", "&"];

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !SMALL_WORDS.contains(w))
        .map(|w| if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") { w[..w.len() - 1].to_string() } else { w.to_string() })
        .collect()
}

fn words_outcome(lead: &str, profile: &str) -> Outcome {
    let l = words(lead);
    if words(profile).iter().any(|w| l.contains(w)) { Outcome::Match } else { Outcome::Miss }
}

fn stack_outcome(lead: &str, profile: &str) -> Outcome {
    let items = |s: &str| s.split([',', ';', '|']).map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect::<Vec<_>>();
    let (l, p) = (items(lead), items(profile));
    let shared = p.iter().filter(|t| l.contains(t)).count();
    match shared {
        0 => Outcome::Miss,
        n if n == p.len() => Outcome::Match,
        _ => Outcome::Partial,
    }
}

/// One number as written: "$1.5M" → 1_500_000, "10k" → 10_000, "1,000" → 1000.
fn number(s: &str) -> Option<f64> {
    let t: String = s.trim().chars().filter(|c| !matches!(c, '$' | '€' | '£' | ',' | ' ' | '<' | '>' | '+' | '=' | '~')).collect();
    let t = t.to_lowercase();
    let (digits, factor) = match t.chars().last()? {
        'k' => (&t[..t.len() - 1], 1e3),
        'm' => (&t[..t.len() - 1], 1e6),
        'b' => (&t[..t.len() - 1], 1e9),
        _ => (&t[..], 1.0),
    };
    let n: f64 = digits.parse().ok()?;
    n.is_finite().then_some(n * factor)
}

/// A range as written: "11-50", "50+", "<10", "1M to 5M", or one number.
pub fn range(s: &str) -> Option<(f64, f64)> {
    let t = s.trim().replace('–', "-").replace('—', "-").to_lowercase().replace(" to ", "-");
    if let Some((a, b)) = t.split_once('-') {
        let (lo, hi) = (number(a)?, number(b)?);
        return Some((lo.min(hi), lo.max(hi)));
    }
    let n = number(&t)?;
    if t.ends_with('+') || t.starts_with('>') {
        Some((n, f64::INFINITY))
    } else if t.starts_with('<') {
        Some((0.0, n))
    } else {
        Some((n, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn ranges_are_read_as_people_write_them() {
        assert_eq!(range("11-50"), Some((11.0, 50.0)));
        assert_eq!(range("50+"), Some((50.0, f64::INFINITY)));
        assert_eq!(range("$1M - $5M"), Some((1e6, 5e6)));
        assert_eq!(range("<10k"), Some((0.0, 1e4)));
        assert_eq!(range("1,000 to 5,000"), Some((1000.0, 5000.0)));
        assert_eq!(range("2500000"), Some((2.5e6, 2.5e6)));
        assert_eq!(range("mid-market"), None);
    }

    #[test]
    fn each_field_is_compared_its_own_way() {
        let profile = fields(&[
            ("industry", "Fitness studios"),
            ("companySize", "11-50"),
            ("revenueRange", "$1M-$5M"),
            ("geographicLocation", "UAE"),
            ("technologyStack", "Mindbody, Stripe"),
            ("budgetRange", ""),
        ]);
        let lead = fields(&[
            ("industry", "Fitness"),
            ("companySize", "35"),
            ("revenueRange", "12000000"),
            ("geographicLocation", "Dubai, UAE"),
            ("technologyStack", "stripe; Shopify"),
            ("budgetRange", "5000"),
        ]);
        let got: Vec<(String, Outcome)> = compare(&lead, &profile).into_iter().map(|m| (m.field, m.outcome)).collect();
        assert_eq!(
            got,
            vec![
                ("industry".into(), Outcome::Match),
                ("companySize".into(), Outcome::Match),
                ("revenueRange".into(), Outcome::Miss),
                ("geographicLocation".into(), Outcome::Match),
                ("technologyStack".into(), Outcome::Partial),
                ("budgetRange".into(), Outcome::Unknown),
            ]
        );
    }
}
