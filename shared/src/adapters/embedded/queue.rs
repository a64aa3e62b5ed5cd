//! The queue port on SQLite: a message is leased by setting its visibility time in the
//! future; unacknowledged, it becomes visible again; past `max_receives` it moves to the
//! dead-letter table. Everything is in the database file, so a crash loses nothing.

use std::time::{Duration, Instant};

use rusqlite::{TransactionBehavior, params};

use super::db::{EmbeddedDb, random_id};
use crate::clock::unix_millis as now_ms;
use crate::ports::queue::{MAX_MESSAGE_BYTES, Queue, QueueDepth, QueueError, Received};

#[derive(Clone)]
pub struct EmbeddedQueue {
    db: EmbeddedDb,
    name: String,
    max_receives: u32,
}

impl EmbeddedQueue {
    pub fn new(db: EmbeddedDb, name: impl Into<String>, max_receives: u32) -> Self {
        Self { db, name: name.into(), max_receives: max_receives.max(1) }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, QueueError> {
        self.db.with(f).await.map_err(QueueError::Unavailable)
    }

    async fn lease(&self, max: usize, lease: Duration) -> Result<Vec<Received>, QueueError> {
        let (name, max_receives) = (self.name.clone(), self.max_receives);
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = now_ms();
            let candidates: Vec<(String, String, u32)> = {
                let mut stmt = tx.prepare(
                    "SELECT id, body, receive_count FROM queue_messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?",
                )?;
                stmt.query_map(params![name, now, (max * 2) as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut out = Vec::new();
            for (id, body, count) in candidates {
                if out.len() >= max {
                    break;
                }
                if count >= max_receives {
                    tx.execute(
                        "INSERT OR REPLACE INTO dead_letters (id, queue, body, receive_count, dead_at) VALUES (?, ?, ?, ?, ?)",
                        params![id, name, body, count, now],
                    )?;
                    tx.execute("DELETE FROM queue_messages WHERE id = ?", params![id])?;
                    continue;
                }
                let receipt = random_id();
                tx.execute(
                    "UPDATE queue_messages SET receive_count = receive_count + 1, receipt = ?, visible_at = ? WHERE id = ?",
                    params![receipt, now + lease.as_millis() as i64, id],
                )?;
                out.push(Received { id, receipt, body, receive_count: count + 1 });
            }
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

impl Queue for EmbeddedQueue {
    async fn send_batch(&self, bodies: &[String]) -> Result<Vec<String>, QueueError> {
        if let Some(b) = bodies.iter().find(|b| b.len() > MAX_MESSAGE_BYTES) {
            return Err(QueueError::TooLarge(b.len()));
        }
        let (name, bodies) = (self.name.clone(), bodies.to_vec());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM queue_messages", [], |r| r.get(0))?;
            let now = now_ms();
            let mut ids = Vec::new();
            for body in bodies {
                seq += 1;
                let id = random_id();
                tx.execute(
                    "INSERT INTO queue_messages (id, queue, body, visible_at, receive_count, receipt, seq) VALUES (?, ?, ?, ?, 0, NULL, ?)",
                    params![id, name, body, now, seq],
                )?;
                ids.push(id);
            }
            tx.commit()?;
            Ok(ids)
        })
        .await
    }

    async fn receive(&self, max: usize, lease: Duration, wait: Duration) -> Result<Vec<Received>, QueueError> {
        let deadline = Instant::now() + wait;
        let max = max.clamp(1, 10);
        loop {
            let got = self.lease(max, lease).await?;
            if !got.is_empty() || Instant::now() >= deadline {
                return Ok(got);
            }
            tokio::time::sleep(Duration::from_millis(25).min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        let receipt = receipt.to_string();
        self.run(move |c| c.execute("DELETE FROM queue_messages WHERE receipt = ?", params![receipt]).map(|_| ())).await
    }

    async fn dead_letter(&self, body: &str) -> Result<(), QueueError> {
        let (name, body) = (self.name.clone(), body.to_string());
        self.run(move |c| {
            c.execute(
                "INSERT INTO dead_letters (id, queue, body, receive_count, dead_at) VALUES (?, ?, ?, 0, ?)",
                params![random_id(), name, body, now_ms()],
            )?;
            Ok(())
        })
        .await
    }

    async fn dead_letters(&self, max: usize) -> Result<Vec<String>, QueueError> {
        let name = self.name.clone();
        self.run(move |c| {
            let mut stmt = c.prepare("SELECT body FROM dead_letters WHERE queue = ? ORDER BY dead_at LIMIT ?")?;
            stmt.query_map(params![name, max as i64], |r| r.get(0))?.collect()
        })
        .await
    }

    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        let name = self.name.clone();
        self.run(move |c| {
            let now = now_ms();
            let count = |sql: &str, with_now: bool| -> rusqlite::Result<u64> {
                let n: i64 = if with_now { c.query_row(sql, params![name, now], |r| r.get(0))? } else { c.query_row(sql, params![name], |r| r.get(0))? };
                Ok(n as u64)
            };
            Ok(QueueDepth {
                waiting: count("SELECT COUNT(*) FROM queue_messages WHERE queue = ? AND visible_at <= ?", true)?,
                in_flight: count("SELECT COUNT(*) FROM queue_messages WHERE queue = ? AND visible_at > ?", true)?,
                dead_letters: count("SELECT COUNT(*) FROM dead_letters WHERE queue = ?", false)?,
            })
        })
        .await
    }
}
