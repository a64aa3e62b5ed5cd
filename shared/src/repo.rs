//! Typed access to the store: the product's entities, their keys, and the rules that go with
//! them (API keys kept only as SHA-256 hashes, idempotency records that expire).
//!
//! | entity | pk | sk | index (gsi1) |
//! | --- | --- | --- | --- |
//! | WorkshopSession (+ `counter`: participants remaining) | `SESSION#{sessionId}` | `META` | `COACH#{coachId}` / `{workshopDate}#{sessionId}` |
//! | ParticipantSummary | `SESSION#{sessionId}` | `PARTICIPANT#{participantId}` | — |
//! | CoachProfile | `COACH#{coachId}` | `PROFILE` | — |
//! | API key | `APIKEY#{sha256 hex}` | `KEY` | `APIKEYS` / `{createdAt}#{hash}` |
//! | idempotency record (`ttl`) | `IDEMPOTENCY#{scope}#{key}` | `RECORD` | — |

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{CoachProfile, ParticipantSummary, WorkshopSession};
use crate::ports::store::{Item, Key, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored item {0} is not valid JSON for its type: {1}")]
    Corrupt(String, String),
}

/// A value with the version to pass back when updating it.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyScope {
    /// Make.com and other ingestion clients: workshops in, their status out.
    Ingest,
    /// One coach's review (ChatGPT Actions).
    Coach,
    /// The Conversions API intake (`POST /v1/capi/events`).
    Capi,
    /// The operator: connecting HubSpot and its schema bootstrap.
    Admin,
}

impl KeyScope {
    pub const ALL: [KeyScope; 4] = [KeyScope::Ingest, KeyScope::Coach, KeyScope::Capi, KeyScope::Admin];

    pub fn name(self) -> &'static str {
        match self {
            KeyScope::Ingest => "ingest",
            KeyScope::Coach => "coach",
            KeyScope::Capi => "capi",
            KeyScope::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyRecord {
    pub key_hash: String,
    pub scope: KeyScope,
    pub coach_id: Option<String>,
    pub label: Option<String>,
    pub created_at: String,
    pub revoked: bool,
}

/// Whose turn it is to perform a send that must happen once (an email, a callback, a queue
/// message to the CRM), as [`Repo::begin_send`] found its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendTurn {
    /// This caller holds the lease: send, then [`Repo::send_done`] (or [`Repo::send_failed`]).
    Go(SendLease),
    /// Another caller holds a live lease: it sends, or its lease runs out and a later caller does.
    InProgress,
    /// The provider already accepted it.
    Done,
}

/// A held send lease: the record's key and the version this caller wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendLease {
    key: Key,
    version: u64,
}

/// A send record's body: `claimed` until a lease time, then `sent`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
enum SendState {
    Claimed {
        #[serde(rename = "leaseUntil")]
        lease_until: i64,
    },
    Sent {
        at: i64,
    },
}

/// How long a send record is kept: longer than any redelivery or retry can come.
const SEND_RECORD_TTL_SECS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This call holds the key now.
    New,
    /// An earlier call holds it; its value.
    Existing(String),
}

/// A new API key: a scope prefix and 32 bytes from the operating system's CSPRNG.
pub fn generate_api_key(scope: KeyScope) -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    format!("dbk_{}_{}", scope.name(), base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn session_key(id: &str) -> Key {
    Key::new(format!("SESSION#{id}"), "META")
}

fn participant_key(session_id: &str, participant_id: &str) -> Key {
    Key::new(format!("SESSION#{session_id}"), format!("PARTICIPANT#{participant_id}"))
}

fn coach_email_key(email: &str) -> Key {
    Key::new(format!("COACHEMAIL#{}", sha256_hex(&email.trim().to_lowercase())), "COACH")
}

fn idempotency_key(scope: &str, key: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{scope}#{key}"), "RECORD")
}

fn decode<T: DeserializeOwned>(item: &Item) -> Result<T, RepoError> {
    serde_json::from_str(&item.body).map_err(|e| RepoError::Corrupt(format!("{}/{}", item.key.pk, item.key.sk), e.to_string()))
}

fn encode<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("entities serialise")
}

#[derive(Clone)]
pub struct Repo<S> {
    store: S,
}

impl<S: Store> Repo<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    fn session_item(s: &WorkshopSession) -> Item {
        let mut item = Item::new(session_key(&s.session_id), encode(s));
        item.index = Some((format!("COACH#{}", s.coach_id), format!("{}#{}", s.workshop_date, s.session_id)));
        item
    }

    /// Creates a session with `remaining` participants to analyse; fails if it exists.
    pub async fn create_session(&self, s: &WorkshopSession, remaining: u32) -> Result<(), RepoError> {
        let mut item = Self::session_item(s);
        item.counter = i64::from(remaining);
        Ok(self.store.put_new(&item).await?)
    }

    pub async fn get_session(&self, id: &str) -> Result<Option<Versioned<WorkshopSession>>, RepoError> {
        match self.store.get(&session_key(id)).await? {
            Some(item) => Ok(Some(Versioned { value: decode(&item)?, version: item.version })),
            None => Ok(None),
        }
    }

    /// Participants still to analyse.
    pub async fn remaining(&self, id: &str) -> Result<Option<i64>, RepoError> {
        Ok(self.store.get(&session_key(id)).await?.map(|i| i.counter))
    }

    pub async fn update_session(&self, s: &WorkshopSession, expected_version: u64) -> Result<u64, RepoError> {
        Ok(self.store.update(&Self::session_item(s), expected_version).await?)
    }

    /// One participant finished: returns how many remain (0 exactly once per session).
    pub async fn participant_done(&self, session_id: &str) -> Result<i64, RepoError> {
        Ok(self.store.add_to_counter(&session_key(session_id), -1).await?)
    }

    /// A coach's sessions, newest workshop date first.
    pub async fn list_sessions(
        &self,
        coach_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<(Vec<WorkshopSession>, Option<String>), RepoError> {
        let page = self.store.query_index_desc(&format!("COACH#{coach_id}"), limit, cursor).await?;
        let sessions = page.items.iter().map(decode).collect::<Result<_, _>>()?;
        Ok((sessions, page.cursor))
    }

    pub async fn put_participants(&self, ps: &[ParticipantSummary]) -> Result<(), RepoError> {
        let items: Vec<Item> =
            ps.iter().map(|p| Item::new(participant_key(&p.session_id, &p.participant_id), encode(p))).collect();
        Ok(self.store.put_all(&items).await?)
    }

    pub async fn create_participant(&self, p: &ParticipantSummary) -> Result<(), RepoError> {
        Ok(self.store.put_new(&Item::new(participant_key(&p.session_id, &p.participant_id), encode(p))).await?)
    }

    pub async fn get_participant(
        &self,
        session_id: &str,
        participant_id: &str,
    ) -> Result<Option<Versioned<ParticipantSummary>>, RepoError> {
        match self.store.get(&participant_key(session_id, participant_id)).await? {
            Some(item) => Ok(Some(Versioned { value: decode(&item)?, version: item.version })),
            None => Ok(None),
        }
    }

    pub async fn update_participant(&self, p: &ParticipantSummary, expected_version: u64) -> Result<u64, RepoError> {
        let item = Item::new(participant_key(&p.session_id, &p.participant_id), encode(p));
        Ok(self.store.update(&item, expected_version).await?)
    }

    /// Every participant of a session, in participant-id order.
    pub async fn list_participants(&self, session_id: &str) -> Result<Vec<Versioned<ParticipantSummary>>, RepoError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.store.query(&format!("SESSION#{session_id}"), "PARTICIPANT#", 100, cursor.as_deref()).await?;
            for item in &page.items {
                out.push(Versioned { value: decode(item)?, version: item.version });
            }
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Stores a coach's profile and the lookup of the coach by email address (the MCP
    /// sign-in by emailed code), keyed by the address's SHA-256.
    pub async fn put_coach(&self, c: &CoachProfile) -> Result<(), RepoError> {
        Ok(self
            .store
            .put_all(&[
                Item::new(Key::new(format!("COACH#{}", c.coach_id), "PROFILE"), encode(c)),
                Item::new(coach_email_key(&c.email_address), c.coach_id.clone()),
            ])
            .await?)
    }

    /// Records that the coach's email for `session_id` is due at `due_at` (Unix seconds): a
    /// deferred notification (`preferredNotificationTime`). Writing it again is harmless.
    pub async fn put_notification_due(&self, session_id: &str, due_at: i64) -> Result<(), RepoError> {
        Ok(self.store.put_all(&[Item::new(notification_due_key(session_id, due_at), session_id.to_string())]).await?)
    }

    /// Deferred notifications due at or before `now`, oldest first: (record key, session id).
    pub async fn notifications_due(&self, now: i64, limit: usize) -> Result<Vec<(Key, String)>, RepoError> {
        let mut due = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.store.query("NOTIFYDUE", "", limit, cursor.as_deref()).await?;
            for item in page.items {
                let at: i64 = item.key.sk.split('#').next().and_then(|s| s.parse().ok()).unwrap_or(i64::MAX);
                if at > now || due.len() >= limit {
                    return Ok(due);
                }
                due.push((item.key.clone(), item.body));
            }
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(due),
            }
        }
    }

    pub async fn delete_notification_due(&self, key: &Key) -> Result<(), RepoError> {
        Ok(self.store.delete(key).await?)
    }

    /// The coach whose profile has this email address (any case).
    pub async fn find_coach_by_email(&self, email: &str) -> Result<Option<String>, RepoError> {
        Ok(self.store.get(&coach_email_key(email)).await?.map(|i| i.body))
    }

    pub async fn get_coach(&self, coach_id: &str) -> Result<Option<CoachProfile>, RepoError> {
        match self.store.get(&Key::new(format!("COACH#{coach_id}"), "PROFILE")).await? {
            Some(item) => Ok(Some(decode(&item)?)),
            None => Ok(None),
        }
    }

    /// Stores a key by its SHA-256 hash only; the plain key is never stored.
    pub async fn add_api_key(
        &self,
        plain: &str,
        scope: KeyScope,
        coach_id: Option<&str>,
        label: Option<&str>,
    ) -> Result<ApiKeyRecord, RepoError> {
        let record = ApiKeyRecord {
            key_hash: sha256_hex(plain),
            scope,
            coach_id: coach_id.map(str::to_owned),
            label: label.map(str::to_owned),
            created_at: crate::clock::now_rfc3339(),
            revoked: false,
        };
        let mut item = Item::new(Key::new(format!("APIKEY#{}", record.key_hash), "KEY"), encode(&record));
        item.index = Some(("APIKEYS".into(), format!("{}#{}", record.created_at, record.key_hash)));
        self.store.put_new(&item).await?;
        Ok(record)
    }

    /// Every key record, newest first (hashes only).
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyRecord>, RepoError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.store.query_index_desc("APIKEYS", 100, cursor.as_deref()).await?;
            for item in &page.items {
                out.push(decode(item)?);
            }
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Revokes the key whose hash starts with `hash_prefix` (at least 8 hex digits, unique).
    pub async fn revoke_api_key(&self, hash_prefix: &str) -> Result<Option<ApiKeyRecord>, RepoError> {
        let matches: Vec<ApiKeyRecord> =
            self.list_api_keys().await?.into_iter().filter(|r| hash_prefix.len() >= 8 && r.key_hash.starts_with(hash_prefix)).collect();
        let [record] = matches.as_slice() else { return Ok(None) };
        let key = Key::new(format!("APIKEY#{}", record.key_hash), "KEY");
        let Some(item) = self.store.get(&key).await? else { return Ok(None) };
        let mut revoked = record.clone();
        revoked.revoked = true;
        let mut updated = item.clone();
        updated.body = encode(&revoked);
        self.store.update(&updated, item.version).await?;
        Ok(Some(revoked))
    }

    /// The live (not revoked) record for a presented key.
    pub async fn find_api_key(&self, plain: &str) -> Result<Option<ApiKeyRecord>, RepoError> {
        let key = Key::new(format!("APIKEY#{}", sha256_hex(plain)), "KEY");
        match self.store.get(&key).await? {
            Some(item) => Ok(Some(decode::<ApiKeyRecord>(&item)?).filter(|r| !r.revoked)),
            None => Ok(None),
        }
    }

    /// The value an unexpired claim of `key` in `scope` holds.
    pub async fn find_claim(&self, scope: &str, key: &str) -> Result<Option<String>, RepoError> {
        Ok(self.store.get(&idempotency_key(scope, key)).await?.map(|i| i.body))
    }

    /// Gives a claim up, so that the next claim of `key` succeeds (after a failed send).
    pub async fn release_claim(&self, scope: &str, key: &str) -> Result<(), RepoError> {
        Ok(self.store.delete(&idempotency_key(scope, key)).await?)
    }

    /// Stores a participant's analysis and counts the participant done, both or neither.
    /// Returns false when the participant was already recorded (a redelivery): nothing changes.
    pub async fn record_participant_done(&self, p: &ParticipantSummary) -> Result<bool, RepoError> {
        let item = Item::new(participant_key(&p.session_id, &p.participant_id), encode(p));
        match self.store.put_new_with_counter(&item, &session_key(&p.session_id), -1).await {
            Ok(()) => Ok(true),
            Err(StoreError::AlreadyExists) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes the turn to perform the send named `scope`/`key`. A record is created `claimed`
    /// with a lease; a caller that finds a claim whose lease has run out (its holder died
    /// between claim and send) takes it over with a version check, so one caller at a time
    /// sends and a crash never loses the send. Once [`Repo::send_done`] is recorded nobody
    /// sends again: at most one send per provider acceptance.
    pub async fn begin_send(&self, scope: &str, key: &str, lease: Duration) -> Result<SendTurn, RepoError> {
        let k = idempotency_key(scope, key);
        let now = crate::clock::unix_secs();
        let claimed = |until: i64| encode(&SendState::Claimed { lease_until: until });
        let mut item = Item::new(k.clone(), claimed(now.saturating_add(lease.as_secs().max(1) as i64)));
        item.expires_at = Some(now.saturating_add(SEND_RECORD_TTL_SECS));
        for _ in 0..3 {
            match self.store.put_new(&item).await {
                Ok(()) => return Ok(SendTurn::Go(SendLease { key: k, version: 1 })),
                Err(StoreError::AlreadyExists) => {}
                Err(e) => return Err(e.into()),
            }
            let Some(existing) = self.store.get(&k).await? else { continue };
            // Records written before send states existed held "sending"/"sent": treat them
            // as done rather than risk a second send.
            match serde_json::from_str::<SendState>(&existing.body) {
                Ok(SendState::Claimed { lease_until }) if lease_until <= now => {
                    let mut takeover = item.clone();
                    takeover.version = existing.version;
                    return match self.store.update(&takeover, existing.version).await {
                        Ok(version) => Ok(SendTurn::Go(SendLease { key: k, version })),
                        Err(StoreError::Conflict | StoreError::NotFound) => Ok(SendTurn::InProgress),
                        Err(e) => Err(e.into()),
                    };
                }
                Ok(SendState::Claimed { .. }) => return Ok(SendTurn::InProgress),
                Ok(SendState::Sent { .. }) | Err(_) => return Ok(SendTurn::Done),
            }
        }
        Ok(SendTurn::InProgress)
    }

    /// Records that the provider accepted the send held by `lease`.
    pub async fn send_done(&self, lease: &SendLease) -> Result<(), RepoError> {
        let mut item = Item::new(lease.key.clone(), encode(&SendState::Sent { at: crate::clock::unix_secs() }));
        item.expires_at = Some(crate::clock::unix_secs().saturating_add(SEND_RECORD_TTL_SECS));
        match self.store.update(&item, lease.version).await {
            Ok(_) => Ok(()),
            // Our lease ran out and another caller took it over: it is sending the same thing,
            // and "sent" is still true; write it over whatever it holds.
            Err(StoreError::Conflict) => match self.store.get(&lease.key).await? {
                Some(current) => Ok(self.store.update(&item, current.version).await.map(|_| ())?),
                None => Ok(self.store.put_new(&item).await?),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Gives the turn back after a refused or failed send, so the next caller sends at once.
    pub async fn send_failed(&self, lease: &SendLease) -> Result<(), RepoError> {
        let mut item = Item::new(lease.key.clone(), encode(&SendState::Claimed { lease_until: 0 }));
        item.expires_at = Some(crate::clock::unix_secs().saturating_add(SEND_RECORD_TTL_SECS));
        match self.store.update(&item, lease.version).await {
            Ok(_) | Err(StoreError::Conflict | StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Claims `key` in `scope` for `value` until `ttl` passes; a second claim gets the first value.
    pub async fn claim_idempotency(&self, scope: &str, key: &str, value: &str, ttl: Duration) -> Result<Claim, RepoError> {
        let k = idempotency_key(scope, key);
        let mut item = Item::new(k.clone(), value);
        item.expires_at = Some(crate::clock::unix_secs() + ttl.as_secs().max(1) as i64);
        match self.store.put_new(&item).await {
            Ok(()) => Ok(Claim::New),
            Err(StoreError::AlreadyExists) => match self.store.get(&k).await? {
                Some(existing) => Ok(Claim::Existing(existing.body)),
                // It expired between the two calls: try once more.
                None => match self.store.put_new(&item).await {
                    Ok(()) => Ok(Claim::New),
                    Err(e) => Err(e.into()),
                },
            },
            Err(e) => Err(e.into()),
        }
    }
}

/// One partition of due-time records, sorted by due time: `NOTIFYDUE` / `{due:012}#{session}`.
fn notification_due_key(session_id: &str, due_at: i64) -> Key {
    Key::new("NOTIFYDUE", format!("{:012}#{session_id}", due_at.max(0)))
}
