//! The outside world as small traits. Domain code takes only the port it needs; each port has
//! a production adapter (AWS) and an embedded one (one machine, no cloud account), and both
//! pass the same contract suite (`tests/src/contract.rs`).

pub mod ads;
pub mod archive;
pub mod crm;
pub mod mail;
pub mod queue;
pub mod store;

pub use archive::{Archive, ArchiveError, Download};
pub use ads::{AdsError, ConversionsApi, EventsReceipt, EventsRequest};
pub use crm::{CrmApi, CrmError, CrmRequest, CrmResponse};
pub use mail::{Email, MailError, Mailer};
pub use queue::{Queue, QueueDepth, QueueError, Received};
pub use store::{Item, Key, Page, Store, StoreError};
