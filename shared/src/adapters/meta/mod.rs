//! Meta's Conversions API: the Graph API over HTTPS, or a dry run kept in the store.

mod dry_run;
mod graph;

pub use dry_run::{DryRunConversions, DryRunRequest, dry_run_partition};
pub use graph::{GraphConfig, GraphConversions};

use crate::ports::Store;
use crate::ports::{AdsError, ConversionsApi, EventsReceipt, EventsRequest};

/// The adapter chosen at start-up: live Graph API with a token, dry run without one.
pub enum ConfiguredConversions<S> {
    Graph(GraphConversions),
    DryRun(DryRunConversions<S>),
}

impl<S: Store> ConversionsApi for ConfiguredConversions<S> {
    async fn send(&self, request: EventsRequest<'_>) -> Result<EventsReceipt, AdsError> {
        match self {
            Self::Graph(g) => g.send(request).await,
            Self::DryRun(d) => d.send(request).await,
        }
    }
}
