//! One machine, no cloud: state and queues in one SQLite file (WAL), mail as `.eml` files.

mod db;
mod outbox;
mod queue;
mod store;

pub use db::EmbeddedDb;
pub use outbox::{OutboxMailer, render_eml};
pub use queue::EmbeddedQueue;
pub use store::EmbeddedStore;
