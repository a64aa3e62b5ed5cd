//! HubSpot's REST API over HTTPS, or a dry run that records what it would send.

mod dry_run;
mod http;

pub use dry_run::{DryRunCrm, dry_run_partition};
pub use http::{Credentials, HubSpotHttp};

use crate::ports::{CrmApi, CrmError, CrmRequest, CrmResponse, Store};

/// The adapter chosen at start-up: HTTP with credentials, dry run without.
pub enum ConfiguredCrm<S> {
    Http(HubSpotHttp<S>),
    DryRun(DryRunCrm<S>),
}

impl<S: Store> CrmApi for ConfiguredCrm<S> {
    async fn call(&self, request: &CrmRequest) -> Result<CrmResponse, CrmError> {
        match self {
            Self::Http(h) => h.call(request).await,
            Self::DryRun(d) => d.call(request).await,
        }
    }
}
