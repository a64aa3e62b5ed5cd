//! What the dry runs keep instead of sending: each request as one item in a partition, in the
//! order recorded, kept for 30 days (`debrief capi requests`, `debrief hubspot log`).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::ports::{Item, Key, Store, StoreError};

const KEEP_SECS: i64 = 30 * 86400;

pub struct RequestLog<S> {
    store: S,
    seq: AtomicU64,
}

impl<S: Store> RequestLog<S> {
    pub fn new(store: S) -> Self {
        Self { store, seq: AtomicU64::new(0) }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Appends `body` to `partition`; returns its sequence number in this process.
    pub async fn record(&self, partition: &str, body: String) -> Result<u64, StoreError> {
        let now = time::OffsetDateTime::now_utc();
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        // Sorts by time; the sequence keeps two records of one instant apart.
        let mut item = Item::new(Key::new(partition, format!("{:020}#{n:06}", now.unix_timestamp_nanos())), body);
        item.expires_at = Some(now.unix_timestamp() + KEEP_SECS);
        self.store.put_new(&item).await?;
        Ok(n)
    }
}
