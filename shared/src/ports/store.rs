//! State: versioned JSON items under a (partition, sort) key — the shape of one DynamoDB
//! table, which an SQLite file reproduces. Typed access lives in [`crate::repo`].

use std::future::Future;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }
}

/// One stored item. `version` starts at 1 and grows by one with every update; `counter` is a
/// number beside the body that only [`Store::add_to_counter`] changes; an item whose
/// `expires_at` (Unix seconds) has passed is treated as absent everywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: Key,
    pub body: String,
    pub version: u64,
    pub counter: i64,
    pub expires_at: Option<i64>,
    /// Secondary index entry (partition, sort): a coach's sessions by date.
    pub index: Option<(String, String)>,
}

impl Item {
    pub fn new(key: Key, body: impl Into<String>) -> Self {
        Self { key, body: body.into(), version: 1, counter: 0, expires_at: None, index: None }
    }
}

/// DynamoDB's item limit; the embedded store enforces it too, so nothing works locally that
/// would fail in AWS.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The item's approximate stored size, or `TooLarge`.
pub fn check_item_size(item: &Item) -> Result<(), StoreError> {
    let size = item.body.len() + item.key.pk.len() + item.key.sk.len() + 200;
    if size > MAX_ITEM_BYTES { Err(StoreError::TooLarge(size)) } else { Ok(()) }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// Pass back to get the next page; `None` on the last page.
    pub cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("an item with this key already exists")]
    AlreadyExists,
    #[error("the item changed since it was read (version conflict)")]
    Conflict,
    #[error("no such item")]
    NotFound,
    #[error("invalid page cursor")]
    BadCursor,
    #[error("item too large: {0} bytes")]
    TooLarge(usize),
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

pub trait Store: Send + Sync + 'static {
    fn get(&self, key: &Key) -> impl Future<Output = Result<Option<Item>, StoreError>> + Send;

    /// Creates the item only if no live item has its key.
    fn put_new(&self, item: &Item) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces body, expiry and index of an existing item if its version is still
    /// `expected_version`; returns the new version.
    fn update(&self, item: &Item, expected_version: u64) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Creates `item` (only if absent) and adds `delta` to the counter of `counter_key`, both or
    /// neither: a participant's result and the fan-in count move together.
    fn put_new_with_counter(
        &self,
        item: &Item,
        counter_key: &Key,
        delta: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds `delta` to the item's counter atomically and returns the new value.
    fn add_to_counter(&self, key: &Key, delta: i64) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Many versioned updates, each as [`Store::update`] would do it on its own (one conflict
    /// fails only its item), in as few round trips as the backend allows: one transaction on
    /// SQLite, concurrent conditional writes on DynamoDB (whose transactions would fail all
    /// for one conflict, at twice the cost). The outcomes come in the items' order.
    fn update_all(&self, items: &[(Item, u64)]) -> impl Future<Output = Result<Vec<Result<u64, StoreError>>, StoreError>> + Send;

    /// Writes many new or replacing items (last writer wins), in as few calls as the backend allows.
    fn put_all(&self, items: &[Item]) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn delete(&self, key: &Key) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Items of one partition whose sort key starts with `prefix`, in sort-key order.
    fn query(
        &self,
        pk: &str,
        prefix: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send;

    /// Items of one secondary-index partition, newest (highest index sort key) first.
    fn query_index_desc(
        &self,
        index_pk: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send;
}
