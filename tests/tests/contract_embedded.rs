//! The ports' contract on the embedded adapters: SQLite store and queue, `.eml` outbox, files.

use debrief::adapters::embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedStore, OutboxMailer};
use debrief_tests::contract;

fn db() -> (EmbeddedDb, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("debrief-contract-{:016x}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    (EmbeddedDb::open(dir.join("debrief.sqlite3")).unwrap(), dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store() {
    let (db, _) = db();
    contract::store_suite(EmbeddedStore::new(db), true).await;
}

#[tokio::test]
async fn archive() {
    let (_, dir) = db();
    let files = debrief::adapters::embedded::FileArchive::new(dir.join("archive"));
    contract::archive_keeps(&files).await;
    // Keys are the archive's own; a path that would leave its folder is refused.
    use debrief::ports::Archive;
    assert!(files.get("../debrief.sqlite3").await.is_err());
    assert!(files.put("transcripts/../../x", b"x").await.is_err());
}

#[tokio::test]
async fn queue() {
    let (db, _) = db();
    contract::queue_basics(&EmbeddedQueue::new(db.clone(), "analysis", 5)).await;
    contract::queue_leases(&EmbeddedQueue::new(db.clone(), "leases", 5)).await;
    contract::queue_dead_letters(&EmbeddedQueue::new(db, "poison", 2)).await;
}

#[tokio::test]
async fn mailer() {
    let (_, dir) = db();
    let outbox = dir.join("outbox");
    let mailer = OutboxMailer::new(&outbox);
    contract::mailer_sends(&mailer, || async { debrief_tests::outbox::read_outbox(&outbox) }).await;
}

/// Nothing is lost across a restart: the queue and the store live in the file.
#[tokio::test]
async fn survives_reopening() {
    use debrief::ports::queue::Queue;
    use std::time::Duration;
    let (db, dir) = db();
    let q = EmbeddedQueue::new(db.clone(), "analysis", 5);
    q.send_batch(&["kept".to_string()]).await.unwrap();
    let leased = q.receive(1, Duration::from_millis(300), Duration::ZERO).await.unwrap();
    assert_eq!(leased.len(), 1);
    drop((q, db));
    let reopened = EmbeddedDb::open(dir.join("debrief.sqlite3")).unwrap();
    let q = EmbeddedQueue::new(reopened, "analysis", 5);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let again = q.receive(1, Duration::from_secs(5), Duration::ZERO).await.unwrap();
    assert_eq!(again[0].body, "kept");
    assert_eq!(again[0].receive_count, 2);
}
