//! The ports' behaviour, written once and run against every adapter set: the embedded
//! adapters (SQLite, outbox) and the AWS adapters over the wire (moto in CI).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use debrief::ports::mail::{Email, Mailer};
use debrief::ports::queue::{Queue, QueueError};
use debrief::ports::store::{Item, Key, Store, StoreError};
use debrief::repo::{Claim, KeyScope, Repo};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn uniq(prefix: &str) -> String {
    format!("{prefix}-{:016x}", fastrand::u64(..))
}

/// The whole store contract, in order.
pub async fn store_suite<S: Store + Clone>(store: S, transactions_isolated: bool) {
    store_basics(&store).await;
    store_expiry(&store).await;
    store_queries(&store).await;
    repo_rules(store.clone()).await;
    store_races(Arc::new(store), transactions_isolated).await;
}

pub async fn store_basics<S: Store>(store: &S) {
    let key = Key::new(uniq("T"), "META");
    assert!(store.get(&key).await.unwrap().is_none());
    let mut item = Item::new(key.clone(), r#"{"a":1}"#);
    item.counter = 3;
    store.put_new(&item).await.unwrap();
    let got = store.get(&key).await.unwrap().unwrap();
    assert_eq!((got.body.as_str(), got.version, got.counter), (r#"{"a":1}"#, 1, 3));
    assert!(matches!(store.put_new(&item).await, Err(StoreError::AlreadyExists)));

    // Optimistic update: the right version wins, a stale one is a conflict.
    let mut next = got.clone();
    next.body = r#"{"a":2}"#.into();
    assert_eq!(store.update(&next, 1).await.unwrap(), 2);
    assert!(matches!(store.update(&next, 1).await, Err(StoreError::Conflict)));
    let got = store.get(&key).await.unwrap().unwrap();
    assert_eq!((got.body.as_str(), got.version, got.counter), (r#"{"a":2}"#, 2, 3), "update leaves the counter alone");
    let missing = Item::new(Key::new(uniq("T"), "META"), "{}");
    assert!(matches!(store.update(&missing, 1).await, Err(StoreError::NotFound)));
    assert!(matches!(store.add_to_counter(&missing.key, 1).await, Err(StoreError::NotFound)));

    // Many versioned updates at once: each succeeds or fails on its own.
    let (a, b) = (Item::new(Key::new(uniq("T"), "A"), "{}"), Item::new(Key::new(uniq("T"), "B"), "{}"));
    store.put_new(&a).await.unwrap();
    store.put_new(&b).await.unwrap();
    let (mut a2, mut b2) = (a.clone(), b.clone());
    a2.body = r#"{"a":"two"}"#.into();
    b2.body = r#"{"b":"two"}"#.into();
    let outcomes = store.update_all(&[(a2.clone(), 1), (b2.clone(), 7), (missing.clone(), 1)]).await.unwrap();
    assert!(matches!(outcomes.as_slice(), [Ok(2), Err(StoreError::Conflict), Err(StoreError::NotFound)]), "{outcomes:?}");
    assert_eq!(store.get(&a.key).await.unwrap().unwrap().body, a2.body, "the good one is written");
    assert_eq!(store.get(&b.key).await.unwrap().unwrap().body, "{}", "the stale one is not");
    assert!(store.update_all(&[]).await.unwrap().is_empty());

    store.delete(&key).await.unwrap();
    assert!(store.get(&key).await.unwrap().is_none());

    // Too large for DynamoDB is too large everywhere.
    let big = Item::new(Key::new(uniq("T"), "BIG"), "x".repeat(401 * 1024));
    assert!(matches!(store.put_new(&big).await, Err(StoreError::TooLarge(_))));
}

pub async fn store_expiry<S: Store>(store: &S) {
    let key = Key::new(uniq("IDEMPOTENCY"), "RECORD");
    let mut item = Item::new(key.clone(), "first");
    item.expires_at = Some(now() - 1);
    store.put_new(&item).await.unwrap();
    assert!(store.get(&key).await.unwrap().is_none(), "an expired item is absent");
    item.body = "second".into();
    item.expires_at = Some(now() + 3600);
    store.put_new(&item).await.expect("an expired item does not block a new one");
    assert_eq!(store.get(&key).await.unwrap().unwrap().body, "second");
    assert!(matches!(store.put_new(&item).await, Err(StoreError::AlreadyExists)));
}

/// `transactions_isolated`: whether concurrent conditional writes on one item are serialised,
/// as DynamoDB and SQLite do. moto isolates neither `TransactWriteItems` (two of five racing
/// transactions were seen to pass their conditions), conditional `UpdateItem` (two writers of
/// one version were both seen to win, on a loaded machine) nor conditional `PutItem` (two of 50
/// racing creations were seen to win), so against moto those parts run their calls one after
/// another: the conditions are still checked, the race is not.
pub async fn store_races<S: Store>(store: Arc<S>, transactions_isolated: bool) {
    // 50 concurrent creations of one key: exactly one wins.
    let key = Key::new(uniq("RACE"), "META");
    let results = if transactions_isolated {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..50 {
            let (store, key) = (store.clone(), key.clone());
            tasks.spawn(async move { store.put_new(&Item::new(key, format!("{i}"))).await });
        }
        tasks.join_all().await
    } else {
        let mut out = Vec::new();
        for i in 0..50 {
            out.push(store.put_new(&Item::new(key.clone(), format!("{i}"))).await);
        }
        out
    };
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let losses = results.iter().filter(|r| matches!(r, Err(StoreError::AlreadyExists))).count();
    assert_eq!((wins, losses), (1, 49), "{results:?}");

    // Two writers with the same version: exactly one wins.
    let current = store.get(&key).await.unwrap().unwrap();
    let results = if transactions_isolated {
        let mut tasks = tokio::task::JoinSet::new();
        for body in ["left", "right"] {
            let (store, mut item) = (store.clone(), current.clone());
            item.body = body.into();
            tasks.spawn(async move { store.update(&item, 1).await });
        }
        tasks.join_all().await
    } else {
        let mut out = Vec::new();
        for body in ["left", "right"] {
            let mut item = current.clone();
            item.body = body.into();
            out.push(store.update(&item, 1).await);
        }
        out
    };
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| matches!(r, Err(StoreError::Conflict))).count(), 1);

    // The fan-in counter: 15 concurrent decrements reach zero exactly once.
    let key = Key::new(uniq("SESSION"), "META");
    let mut item = Item::new(key.clone(), "{}");
    item.counter = 15;
    store.put_new(&item).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..15 {
        let (store, key) = (store.clone(), key.clone());
        tasks.spawn(async move { store.add_to_counter(&key, -1).await.unwrap() });
    }
    let mut seen = tasks.join_all().await;
    seen.sort();
    assert_eq!(seen, (0..15).collect::<Vec<i64>>(), "each decrement sees its own value");

    // A result and its decrement move together, once: 5 workers on one participant.
    let session = Key::new(uniq("SESSION"), "META");
    let mut s = Item::new(session.clone(), "{}");
    s.counter = 2;
    store.put_new(&s).await.unwrap();
    let result = Item::new(Key::new(session.pk.clone(), "PARTICIPANT#1"), "done");
    let results = if transactions_isolated {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..5 {
            let (store, result, session) = (store.clone(), result.clone(), session.clone());
            tasks.spawn(async move { store.put_new_with_counter(&result, &session, -1).await });
        }
        tasks.join_all().await
    } else {
        let mut out = Vec::new();
        for _ in 0..5 {
            out.push(store.put_new_with_counter(&result, &session, -1).await);
        }
        out
    };
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().filter(|r| r.is_err()).all(|r| matches!(r, Err(StoreError::AlreadyExists))));
    assert_eq!(store.get(&session).await.unwrap().unwrap().counter, 1);
    let orphan = Item::new(Key::new(uniq("SESSION"), "PARTICIPANT#1"), "x");
    assert!(matches!(store.put_new_with_counter(&orphan, &Key::new(uniq("SESSION"), "META"), -1).await, Err(StoreError::NotFound)));
    assert!(store.get(&orphan.key).await.unwrap().is_none(), "neither write happens");
}

pub async fn store_queries<S: Store>(store: &S) {
    let pk = uniq("SESSION");
    let mut items: Vec<Item> = (0..7).map(|i| Item::new(Key::new(pk.clone(), format!("PARTICIPANT#{i:03}")), format!("{i}"))).collect();
    items.push(Item::new(Key::new(pk.clone(), "META"), "meta"));
    store.put_all(&items).await.unwrap();
    let mut got = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.query(&pk, "PARTICIPANT#", 3, cursor.as_deref()).await.unwrap();
        assert!(page.items.len() <= 3);
        got.extend(page.items.into_iter().map(|i| i.body));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(got, (0..7).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(matches!(store.query(&pk, "P", 3, Some("not a cursor!")).await, Err(StoreError::BadCursor)));

    // A coach's sessions, newest first, paged, and nobody else's.
    let coach = uniq("COACH");
    let dates = ["2026-01-05", "2026-03-01", "2025-12-24", "2026-02-14", "2026-03-01"];
    let mut sessions = Vec::new();
    for (i, d) in dates.iter().enumerate() {
        let mut item = Item::new(Key::new(uniq("SESSION"), "META"), format!("{d}/{i}"));
        item.index = Some((coach.clone(), format!("{d}#s{i}")));
        sessions.push(item);
    }
    let mut other = Item::new(Key::new(uniq("SESSION"), "META"), "other");
    other.index = Some((uniq("COACH"), "2026-12-31#x".into()));
    sessions.push(other);
    for s in &sessions {
        store.put_new(s).await.unwrap();
    }
    let mut order = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.query_index_desc(&coach, 2, cursor.as_deref()).await.unwrap();
        order.extend(page.items.into_iter().map(|i| i.body));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(order, vec!["2026-03-01/4", "2026-03-01/1", "2026-02-14/3", "2026-01-05/0", "2025-12-24/2"]);

    // More than one BatchWriteItem's worth (25).
    let pk = uniq("BULK");
    let many: Vec<Item> = (0..60).map(|i| Item::new(Key::new(pk.clone(), format!("P#{i:03}")), "x")).collect();
    store.put_all(&many).await.unwrap();
    let mut n = 0;
    let mut cursor = None;
    loop {
        let page = store.query(&pk, "P#", 100, cursor.as_deref()).await.unwrap();
        n += page.items.len();
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(n, 60);
}

pub async fn repo_rules<S: Store + Clone>(store: S) {
    let repo = Repo::new(store.clone());
    let scope = uniq("ingest");
    assert_eq!(repo.claim_idempotency(&scope, "k1", "session-a", Duration::from_secs(60)).await.unwrap(), Claim::New);
    assert_eq!(
        repo.claim_idempotency(&scope, "k1", "session-b", Duration::from_secs(60)).await.unwrap(),
        Claim::Existing("session-a".into())
    );
    let plain = uniq("dbk");
    let rec = repo.add_api_key(&plain, KeyScope::Coach, Some("coach-1"), None).await.unwrap();
    assert_eq!(repo.find_api_key(&plain).await.unwrap().unwrap().coach_id.as_deref(), Some("coach-1"));
    assert!(repo.find_api_key("dbk-wrong").await.unwrap().is_none());
    let stored = store.get(&Key::new(format!("APIKEY#{}", rec.key_hash), "KEY")).await.unwrap().unwrap();
    assert!(!stored.body.contains(&plain) && !stored.key.pk.contains(&plain), "only the hash is stored");
}

async fn drain<Q: Queue>(q: &Q, lease: Duration) -> Vec<debrief::ports::queue::Received> {
    let mut all = Vec::new();
    for i in 0..20 {
        // Wait for the first message only: later calls would otherwise outlast short leases.
        let wait = if i == 0 { Duration::from_secs(1) } else { Duration::ZERO };
        let got = q.receive(10, lease, wait).await.unwrap();
        if got.is_empty() {
            break;
        }
        all.extend(got);
    }
    all
}

pub async fn queue_basics<Q: Queue>(q: &Q) {
    let bodies: Vec<String> = (0..25).map(|i| format!(r#"{{"v":1,"n":{i}}}"#)).collect();
    let ids = q.send_batch(&bodies).await.unwrap();
    assert_eq!(ids.len(), 25);
    let d = q.depth().await.unwrap();
    assert_eq!((d.waiting, d.in_flight), (25, 0), "{d:?}");
    let got = drain(q, Duration::from_secs(30)).await;
    let d = q.depth().await.unwrap();
    assert_eq!((d.waiting, d.in_flight), (0, 25), "leased messages are in flight: {d:?}");
    let set: BTreeSet<String> = got.iter().map(|m| m.body.clone()).collect();
    assert_eq!(set, bodies.iter().cloned().collect::<BTreeSet<_>>(), "every message once");
    assert_eq!(got.len(), 25);
    assert!(got.iter().all(|m| m.receive_count == 1));
    for m in &got {
        q.ack(&m.receipt).await.unwrap();
    }
    assert!(q.receive(10, Duration::from_secs(30), Duration::ZERO).await.unwrap().is_empty());
    let too_big = "x".repeat(256 * 1024 + 1);
    assert!(matches!(q.send_batch(&[too_big]).await, Err(QueueError::TooLarge(_))));
}

/// A message not acknowledged comes back after its lease; one acknowledged does not.
pub async fn queue_leases<Q: Queue>(q: &Q) {
    q.send_batch(&["lease-me".to_string(), "ack-me".to_string()]).await.unwrap();
    let first = drain(q, Duration::from_secs(2)).await;
    assert_eq!(first.len(), 2);
    let ack = first.iter().find(|m| m.body == "ack-me").unwrap();
    q.ack(&ack.receipt).await.unwrap();
    assert!(q.receive(10, Duration::from_secs(2), Duration::ZERO).await.unwrap().is_empty(), "leased messages are invisible");
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let again = drain(q, Duration::from_secs(30)).await;
    assert_eq!(again.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), vec!["lease-me"]);
    assert_eq!(again[0].receive_count, 2);
    q.ack(&again[0].receipt).await.unwrap();
}

/// With `max_receives` = 2: received twice without acknowledgement, then dead-lettered.
pub async fn queue_dead_letters<Q: Queue>(q: &Q) {
    q.send_batch(&["poison".to_string()]).await.unwrap();
    for n in 1..=2 {
        let got = drain(q, Duration::from_secs(1)).await;
        assert_eq!(got.len(), 1, "receive {n}");
        assert_eq!(got[0].receive_count, n);
        tokio::time::sleep(Duration::from_millis(1600)).await;
    }
    assert!(drain(q, Duration::from_secs(1)).await.is_empty(), "a third delivery goes to the DLQ instead");
    let mut dead = Vec::new();
    for _ in 0..10 {
        dead = q.dead_letters(10).await.unwrap();
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(dead, vec!["poison".to_string()]);
    // Straight to the DLQ, with its reason, when retrying cannot help.
    q.dead_letter("{\"reason\":\"rejected\"}").await.unwrap();
    let mut dead = Vec::new();
    for _ in 0..10 {
        dead = q.dead_letters(10).await.unwrap();
        if dead.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    dead.sort();
    assert_eq!(dead, vec!["poison".to_string(), "{\"reason\":\"rejected\"}".to_string()]);
    assert_eq!(q.depth().await.unwrap().dead_letters, 2);
    assert!(q.receive(10, Duration::from_secs(1), Duration::ZERO).await.unwrap().is_empty(), "a dead letter is not delivered");
}

/// What a mail backend says it sent.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

pub fn sample_email(to: &str) -> Email {
    Email {
        from: "coach@example.com".into(),
        to: vec![to.into()],
        reply_to: Some("coach-reply@example.com".into()),
        subject: "Your next steps after Spring Growth Lab — Zoë".into(),
        text: "Hi Zoë,\nThank you for joining.\n".into(),
        html: "<p>Hi Zoë,</p><p>Thank you for joining.</p>".into(),
        tags: vec![("session".into(), "ws-123".into()), ("kind".into(), "follow-up".into())],
    }
}

pub async fn mailer_sends<M: Mailer, F, Fut>(mailer: &M, read_back: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Vec<SentMail>>,
{
    let to = format!("{}@example.com", uniq("zoe"));
    let email = sample_email(&to);
    let id = mailer.send(&email).await.unwrap();
    assert!(!id.is_empty());
    let sent = read_back().await;
    let mine: Vec<&SentMail> = sent.iter().filter(|m| m.to.contains(&to)).collect();
    assert_eq!(mine.len(), 1, "{sent:?}");
    assert_eq!(mine[0].from, email.from);
    assert_eq!(mine[0].subject, email.subject);
    assert!(mine[0].body.contains("Thank you for joining."), "{}", mine[0].body);
    let mut no_recipient = sample_email(&to);
    no_recipient.to.clear();
    assert!(mailer.send(&no_recipient).await.is_err());
}

/// The transcript archive: what is put is got back byte for byte (a 3 MB transcript with
/// multi-byte text included), a key never written is `None`, and writing a key again keeps one
/// object.
pub async fn archive_keeps<A: debrief::ports::Archive>(archive: &A) {
    let text = format!("WEBVTT\n\n{}", "00:00:01.000 --> 00:00:02.000\nSofía Ramírez: ¡Hola! I signed a client.\n\n".repeat(40_000));
    assert!(text.len() > 3_000_000);
    let key = debrief::ports::archive::transcript_key(&text);
    assert!(key.starts_with("transcripts/") && !key.contains("Sof"), "{key}");
    archive.put(&key, text.as_bytes()).await.unwrap();
    assert_eq!(archive.get(&key).await.unwrap().as_deref(), Some(text.as_bytes()));
    archive.put(&key, text.as_bytes()).await.unwrap();
    assert_eq!(archive.get(&key).await.unwrap().map(|b| b.len()), Some(text.len()));
    let other = debrief::ports::archive::transcript_key("never written");
    assert_eq!(archive.get(&other).await.unwrap(), None);

    // A download for someone without our credentials: a pre-signed GET, or the file itself.
    let export = "name,email\r\n'=HYPERLINK(1),zoë@example.com\r\n";
    archive.put("exports/wb-1/abc.csv", export.as_bytes()).await.unwrap();
    match archive.download("exports/wb-1/abc.csv", std::time::Duration::from_secs(600)).await.unwrap() {
        debrief::ports::Download::File(path) => assert_eq!(std::fs::read(path).unwrap(), export.as_bytes()),
        debrief::ports::Download::Url { url, expires_at } => {
            assert!(url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=600"), "{url}");
            assert!(expires_at.ends_with('Z'), "{expires_at}");
            let r = debrief::net::client().get(&url).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            assert_eq!(r.bytes().await.unwrap().as_ref(), export.as_bytes());
        }
    }
}
