//! The store port on SQLite: every conditional write is one transaction.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};

use super::db::EmbeddedDb;
use crate::clock::unix_secs as now_secs;
use crate::ports::store::{Item, Key, Page, Store, StoreError, check_item_size};

#[derive(Clone)]
pub struct EmbeddedStore {
    db: EmbeddedDb,
}

impl EmbeddedStore {
    pub fn new(db: EmbeddedDb) -> Self {
        Self { db }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.db.with(f).await.map_err(StoreError::Unavailable)?
    }
}

const LIVE: &str = "(expires_at IS NULL OR expires_at > ?)";
const COLUMNS: &str = "pk, sk, body, version, counter, expires_at, ipk, isk";

fn row_to_item(r: &Row<'_>) -> rusqlite::Result<Item> {
    let ipk: Option<String> = r.get(6)?;
    let isk: Option<String> = r.get(7)?;
    Ok(Item {
        key: Key::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
        body: r.get(2)?,
        version: r.get::<_, i64>(3)? as u64,
        counter: r.get(4)?,
        expires_at: r.get(5)?,
        index: ipk.zip(isk),
    })
}

fn encode_cursor(parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(parts).expect("strings serialise"))
}

fn decode_cursor(c: &str, n: usize) -> Result<Vec<String>, StoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| StoreError::BadCursor)?;
    let parts: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    if parts.len() == n { Ok(parts) } else { Err(StoreError::BadCursor) }
}

fn page(mut items: Vec<Item>, limit: usize, cursor_of: impl Fn(&Item) -> String) -> Page {
    let more = items.len() > limit;
    items.truncate(limit);
    let cursor = if more { items.last().map(cursor_of) } else { None };
    Page { items, cursor }
}

impl Store for EmbeddedStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let key = key.clone();
        self.run(move |c| {
            let sql = format!("SELECT {COLUMNS} FROM items WHERE pk = ? AND sk = ? AND {LIVE}");
            c.query_row(&sql, params![key.pk, key.sk, now_secs()], row_to_item).optional().map(Ok)
        })
        .await
    }

    async fn put_new(&self, item: &Item) -> Result<(), StoreError> {
        check_item_size(item)?;
        let item = item.clone();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let live: bool = tx.query_row(
                &format!("SELECT EXISTS(SELECT 1 FROM items WHERE pk = ? AND sk = ? AND {LIVE})"),
                params![item.key.pk, item.key.sk, now_secs()],
                |r| r.get(0),
            )?;
            if live {
                return Ok(Err(StoreError::AlreadyExists));
            }
            let (ipk, isk) = item.index.clone().unzip();
            tx.execute(
                &format!("INSERT OR REPLACE INTO items ({COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?, ?)"),
                params![item.key.pk, item.key.sk, item.body, item.counter, item.expires_at, ipk, isk],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    async fn put_new_with_counter(&self, item: &Item, counter_key: &Key, delta: i64) -> Result<(), StoreError> {
        check_item_size(item)?;
        let (item, counter_key) = (item.clone(), counter_key.clone());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = now_secs();
            let live = |pk: &str, sk: &str| -> rusqlite::Result<bool> {
                tx.query_row(
                    &format!("SELECT EXISTS(SELECT 1 FROM items WHERE pk = ? AND sk = ? AND {LIVE})"),
                    params![pk, sk, now],
                    |r| r.get(0),
                )
            };
            if live(&item.key.pk, &item.key.sk)? {
                return Ok(Err(StoreError::AlreadyExists));
            }
            if !live(&counter_key.pk, &counter_key.sk)? {
                return Ok(Err(StoreError::NotFound));
            }
            let (ipk, isk) = item.index.clone().unzip();
            tx.execute(
                &format!("INSERT OR REPLACE INTO items ({COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?, ?)"),
                params![item.key.pk, item.key.sk, item.body, item.counter, item.expires_at, ipk, isk],
            )?;
            tx.execute(
                "UPDATE items SET counter = counter + ? WHERE pk = ? AND sk = ?",
                params![delta, counter_key.pk, counter_key.sk],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    async fn update(&self, item: &Item, expected_version: u64) -> Result<u64, StoreError> {
        check_item_size(item)?;
        let item = item.clone();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<i64> = tx
                .query_row(
                    &format!("SELECT version FROM items WHERE pk = ? AND sk = ? AND {LIVE}"),
                    params![item.key.pk, item.key.sk, now_secs()],
                    |r| r.get(0),
                )
                .optional()?;
            match current {
                None => return Ok(Err(StoreError::NotFound)),
                Some(v) if v as u64 != expected_version => return Ok(Err(StoreError::Conflict)),
                Some(_) => {}
            }
            let (ipk, isk) = item.index.clone().unzip();
            tx.execute(
                "UPDATE items SET body = ?, version = version + 1, expires_at = ?, ipk = ?, isk = ? WHERE pk = ? AND sk = ?",
                params![item.body, item.expires_at, ipk, isk, item.key.pk, item.key.sk],
            )?;
            tx.commit()?;
            Ok(Ok(expected_version + 1))
        })
        .await
    }

    async fn update_all(&self, items: &[(Item, u64)]) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
        for (item, _) in items {
            check_item_size(item)?;
        }
        let items = items.to_vec();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut out = Vec::with_capacity(items.len());
            {
                // The write carries its own condition; only a refused one is looked at again,
                // to tell a conflict from a missing item.
                let mut write = tx.prepare(&format!("UPDATE items SET body = ?, version = version + 1, expires_at = ?, ipk = ?, isk = ? WHERE pk = ? AND sk = ? AND version = ? AND {LIVE}"))?;
                let mut read = tx.prepare(&format!("SELECT 1 FROM items WHERE pk = ? AND sk = ? AND {LIVE}"))?;
                let now = now_secs();
                for (item, expected) in &items {
                    let (ipk, isk) = item.index.clone().unzip();
                    let written = write.execute(params![item.body, item.expires_at, ipk, isk, item.key.pk, item.key.sk, *expected as i64, now])?;
                    out.push(if written == 1 {
                        Ok(expected + 1)
                    } else if read.exists(params![item.key.pk, item.key.sk, now])? {
                        Err(StoreError::Conflict)
                    } else {
                        Err(StoreError::NotFound)
                    });
                }
            }
            tx.commit()?;
            Ok(Ok(out))
        })
        .await
    }

    async fn add_to_counter(&self, key: &Key, delta: i64) -> Result<i64, StoreError> {
        let key = key.clone();
        self.run(move |c| {
            let sql = format!("UPDATE items SET counter = counter + ? WHERE pk = ? AND sk = ? AND {LIVE} RETURNING counter");
            let v: Option<i64> = c.query_row(&sql, params![delta, key.pk, key.sk, now_secs()], |r| r.get(0)).optional()?;
            Ok(v.ok_or(StoreError::NotFound))
        })
        .await
    }

    async fn put_all(&self, items: &[Item]) -> Result<(), StoreError> {
        for item in items {
            check_item_size(item)?;
        }
        let items = items.to_vec();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare(&format!("INSERT OR REPLACE INTO items ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"))?;
                for item in &items {
                    let (ipk, isk) = item.index.clone().unzip();
                    stmt.execute(params![
                        item.key.pk,
                        item.key.sk,
                        item.body,
                        item.version as i64,
                        item.counter,
                        item.expires_at,
                        ipk,
                        isk
                    ])?;
                }
            }
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        let key = key.clone();
        self.run(move |c| {
            c.execute("DELETE FROM items WHERE pk = ? AND sk = ?", params![key.pk, key.sk])?;
            Ok(Ok(()))
        })
        .await
    }

    async fn query(&self, pk: &str, prefix: &str, limit: usize, cursor: Option<&str>) -> Result<Page, StoreError> {
        let after = match cursor {
            Some(c) => decode_cursor(c, 1)?.remove(0),
            None => String::new(),
        };
        let (pk, prefix) = (pk.to_string(), prefix.to_string());
        let limit = limit.max(1);
        self.run(move |c| {
            let sql = format!(
                "SELECT {COLUMNS} FROM items WHERE pk = ? AND substr(sk, 1, length(?)) = ? AND sk > ? AND {LIVE} ORDER BY sk LIMIT ?"
            );
            let mut stmt = c.prepare(&sql)?;
            let items = stmt
                .query_map(params![pk, prefix, prefix, after, now_secs(), limit as i64 + 1], row_to_item)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Ok(page(items, limit, |i| encode_cursor(&[&i.key.sk]))))
        })
        .await
    }

    async fn query_index_desc(&self, index_pk: &str, limit: usize, cursor: Option<&str>) -> Result<Page, StoreError> {
        let before = cursor.map(|c| decode_cursor(c, 3)).transpose()?;
        let index_pk = index_pk.to_string();
        let limit = limit.max(1);
        self.run(move |c| {
            let now = now_secs();
            let mut items = Vec::new();
            match before {
                Some(b) => {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM items WHERE ipk = ? AND (isk, pk, sk) < (?, ?, ?) AND {LIVE} ORDER BY isk DESC, pk DESC, sk DESC LIMIT ?"
                    );
                    let mut stmt = c.prepare(&sql)?;
                    for r in stmt.query_map(params![index_pk, b[0], b[1], b[2], now, limit as i64 + 1], row_to_item)? {
                        items.push(r?);
                    }
                }
                None => {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM items WHERE ipk = ? AND {LIVE} ORDER BY isk DESC, pk DESC, sk DESC LIMIT ?"
                    );
                    let mut stmt = c.prepare(&sql)?;
                    for r in stmt.query_map(params![index_pk, now, limit as i64 + 1], row_to_item)? {
                        items.push(r?);
                    }
                }
            }
            Ok(Ok(page(items, limit, |i| {
                let isk = i.index.as_ref().map_or("", |(_, s)| s.as_str());
                encode_cursor(&[isk, &i.key.pk, &i.key.sk])
            })))
        })
        .await
    }
}
