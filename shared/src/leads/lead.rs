//! A lead as scoring sees it: the contact's and its company's firmographics, named as the ICP
//! profile's fields are, and its activity (open deals, recent engagements). Built from
//! HubSpot's records by [`super::hubspot`]; built by hand in tests.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lead {
    pub contact_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Employees, as HubSpot holds it ("35") or a range ("11-50").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_size: Option<String>,
    /// Annual revenue ("2500000") or a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geographic_location: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub technology_stack: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_stage: Option<String>,
    #[serde(default)]
    pub open_deals: u32,
    #[serde(default)]
    pub open_deal_amount: f64,
    /// Calls, meetings and emails of the last 90 days.
    #[serde(default)]
    pub recent_engagements: u32,
}

impl Lead {
    /// The fields compared with a profile's, under the same names, then what else describes the
    /// lead (its role and stage) for the embedding.
    pub fn field_values(&self) -> Vec<(&'static str, String)> {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            ("industry", opt(&self.industry)),
            ("companySize", opt(&self.company_size)),
            ("revenueRange", opt(&self.revenue_range)),
            ("geographicLocation", opt(&self.geographic_location)),
            ("technologyStack", self.technology_stack.join(", ")),
            ("budgetRange", opt(&self.budget_range)),
            ("notes", [self.job_title.as_deref(), self.lifecycle_stage.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ")),
        ]
    }

    pub fn embedding_text(&self) -> String {
        super::describe(&self.field_values())
    }
}
