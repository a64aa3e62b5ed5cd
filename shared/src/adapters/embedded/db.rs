use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

/// The SQLite file shared by the embedded store and queues. One connection per process,
/// used from blocking threads; WAL and a busy timeout let a second process (an operator's
/// command beside `debrief serve`) use the same file.
#[derive(Clone)]
pub struct EmbeddedDb {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL, sk TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL,
    counter INTEGER NOT NULL DEFAULT 0, expires_at INTEGER, ipk TEXT, isk TEXT,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_by_index ON items (ipk, isk) WHERE ipk IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue_messages (
    id TEXT PRIMARY KEY, queue TEXT NOT NULL, body TEXT NOT NULL, visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0, receipt TEXT, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_by_visibility ON queue_messages (queue, visible_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS queue_by_receipt ON queue_messages (receipt) WHERE receipt IS NOT NULL;
CREATE TABLE IF NOT EXISTS dead_letters (
    id TEXT PRIMARY KEY, queue TEXT NOT NULL, body TEXT NOT NULL, receive_count INTEGER NOT NULL,
    dead_at INTEGER NOT NULL
);
";

impl EmbeddedDb {
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Self> {
        if let Some(dir) = path.as_ref().parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    /// A private database that lives as long as this value (tests, benchmarks).
    pub fn in_memory() -> rusqlite::Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> rusqlite::Result<Self> {
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL loses at most the last transactions on power loss, never consistency.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Reads straight from the mapped file rather than a copy per page (a day's recompute
        // reads every client), and a 32 MB page cache rather than 2.
        conn.pragma_update(None, "mmap_size", 256i64 * 1024 * 1024)?;
        conn.pragma_update(None, "cache_size", -32i64 * 1024)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub(crate) async fn with<T, F>(&self, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}



pub(crate) fn random_id() -> String {
    format!("{:032x}", fastrand::u128(..))
}
