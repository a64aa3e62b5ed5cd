//! The ICP set in the store: profiles with their vectors, written as a new revision and then
//! switched to in one conditional write, so a reader sees the old set or the new one, never
//! half of each, and a crash mid-import loses nothing. Vectors are little-endian `f32`s in
//! base64, packed into items of at most ~300 KB (DynamoDB's limit is 400 KB).
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | the current revision, model and dimensions | `ICP` | `META` |
//! | profiles and vectors of a revision | `ICP` | `REV#{revision}#CHUNK#{n}` |

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::model::LeadModel;
use super::similarity::VectorIndex;
use super::{Embedding, IcpProfile, import_csv, replace_by_id};
use crate::error::InputError;
use crate::ports::{Item, Key, Store, StoreError};

const PK: &str = "ICP";
const CHUNK_BYTES: usize = 300 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetMeta {
    pub revision: u64,
    pub embedding_model: String,
    pub dimensions: usize,
    pub count: usize,
    pub chunks: usize,
    pub updated_at: String,
}

/// The profiles and their vectors at one revision: `profiles[i]` is row `i` of `index`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileSet {
    pub meta: SetMeta,
    pub profiles: Vec<IcpProfile>,
    pub index: VectorIndex,
}

#[derive(Serialize, Deserialize)]
struct Chunk {
    profiles: Vec<IcpProfile>,
    vectors: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("embedding the profiles failed: {0}")]
    Model(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored ICP set is not readable: {0}")]
    Corrupt(String),
}

fn meta_key() -> Key {
    Key::new(PK, "META")
}

fn chunk_key(revision: u64, n: usize) -> Key {
    Key::new(PK, format!("REV#{revision:010}#CHUNK#{n:06}"))
}

fn encode(v: &[f32]) -> String {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    STANDARD.encode(bytes)
}

fn decode(s: &str, dims: usize) -> Result<Vec<f32>, String> {
    let bytes = STANDARD.decode(s).map_err(|e| e.to_string())?;
    if bytes.len() != dims * 4 {
        return Err(format!("a vector of {} bytes, not {}", bytes.len(), dims * 4));
    }
    Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// The current revision's metadata and its store version, if any set was saved.
pub async fn meta<S: Store>(store: &S) -> Result<Option<(SetMeta, u64)>, ProfileError> {
    match store.get(&meta_key()).await? {
        Some(item) => Ok(Some((serde_json::from_str(&item.body).map_err(|e| ProfileError::Corrupt(e.to_string()))?, item.version))),
        None => Ok(None),
    }
}

/// The current set, or `None` before the first import.
pub async fn load<S: Store>(store: &S) -> Result<Option<ProfileSet>, ProfileError> {
    let Some((meta, _)) = meta(store).await? else { return Ok(None) };
    let prefix = format!("REV#{:010}#", meta.revision);
    let mut profiles = Vec::with_capacity(meta.count);
    let mut index = VectorIndex::new(meta.embedding_model.clone(), meta.dimensions);
    let mut cursor = None;
    loop {
        let page = store.query(PK, &prefix, 50, cursor.as_deref()).await?;
        for item in page.items {
            let chunk: Chunk = serde_json::from_str(&item.body).map_err(|e| ProfileError::Corrupt(e.to_string()))?;
            for (p, v) in chunk.profiles.into_iter().zip(chunk.vectors) {
                let vector = decode(&v, meta.dimensions).map_err(|e| ProfileError::Corrupt(format!("profile `{}`: {e}", p.id)))?;
                index.push(&vector);
                profiles.push(p);
            }
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    if profiles.len() != meta.count {
        return Err(ProfileError::Corrupt(format!("revision {} holds {} profiles, its record says {}", meta.revision, profiles.len(), meta.count)));
    }
    Ok(Some(ProfileSet { meta, profiles, index }))
}

/// Saves `profiles` and their rows of `index` as the next revision and switches to it.
pub async fn save<S: Store>(store: &S, profiles: &[IcpProfile], index: &VectorIndex) -> Result<SetMeta, ProfileError> {
    let (embedding_model, dimensions) = (index.model(), index.dims());
    let previous = meta(store).await?;
    let revision = previous.as_ref().map_or(1, |(m, _)| m.revision + 1);
    let mut items = Vec::new();
    let mut chunk = Chunk { profiles: vec![], vectors: vec![] };
    let mut bytes = 0;
    for (row, p) in profiles.iter().enumerate() {
        let vector = index.vector(row);
        let size = serde_json::to_string(p).map(|s| s.len()).unwrap_or(0) + vector.len() * 6;
        if !chunk.profiles.is_empty() && bytes + size > CHUNK_BYTES {
            items.push(Item::new(chunk_key(revision, items.len()), serde_json::to_string(&chunk).expect("JSON")));
            chunk = Chunk { profiles: vec![], vectors: vec![] };
            bytes = 0;
        }
        bytes += size;
        chunk.profiles.push(p.clone());
        chunk.vectors.push(encode(vector));
    }
    if !chunk.profiles.is_empty() {
        items.push(Item::new(chunk_key(revision, items.len()), serde_json::to_string(&chunk).expect("JSON")));
    }
    // The chunks first (invisible until the switch), then the switch: conditional on the
    // version read, so two imports at once cannot both win.
    store.put_all(&items).await?;
    let meta = SetMeta { revision, embedding_model: embedding_model.into(), dimensions, count: profiles.len(), chunks: items.len(), updated_at: crate::clock::now_rfc3339() };
    let body = serde_json::to_string(&meta).expect("JSON");
    match &previous {
        Some((_, version)) => {
            store.update(&Item::new(meta_key(), body), *version).await?;
        }
        None => store.put_new(&Item::new(meta_key(), body)).await?,
    }
    if let Some((old, _)) = previous {
        for n in 0..old.chunks {
            let _ = store.delete(&chunk_key(old.revision, n)).await;
        }
    }
    Ok(meta)
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub imported: usize,
    pub total: usize,
    pub active_ideal_clients: usize,
    /// Vectors computed now; the rest were kept (same text, same model).
    pub embedded: usize,
    pub embedding_model: String,
    pub dimensions: usize,
    pub revision: u64,
}

/// Reads `csv`, replaces profiles by id in the stored set, embeds what is new or changed (all
/// of it when the model changed) and saves the result as a new revision.
pub async fn import<S: Store>(store: &S, model: &LeadModel, csv: &str) -> Result<ImportSummary, ProfileError> {
    let imported = import_csv(csv)?;
    let count = imported.len();
    let current = load(store).await?;
    let same_model = current.as_ref().is_some_and(|s| s.meta.embedding_model == model.embedding_model() && s.meta.dimensions == model.dimensions());
    // Vectors worth keeping: same model, and the profile's text unchanged.
    let mut kept: std::collections::HashMap<String, (String, Vec<f32>)> = std::collections::HashMap::new();
    let existing: Vec<IcpProfile> = match current {
        Some(set) => {
            if same_model {
                for (row, p) in set.profiles.iter().enumerate() {
                    kept.insert(p.id.clone(), (p.embedding_text(), set.index.vector(row).to_vec()));
                }
            }
            set.profiles
        }
        None => vec![],
    };
    let merged = replace_by_id(existing, imported);
    let todo: Vec<usize> = (0..merged.len()).filter(|&i| kept.get(&merged[i].id).is_none_or(|(text, _)| *text != merged[i].embedding_text())).collect();
    let inputs: Vec<Vec<(&'static str, String)>> = todo.iter().map(|&i| merged[i].field_values()).collect();
    let mut fresh = model.embed(&inputs).await.map_err(ProfileError::Model)?.into_iter();
    let mut index = VectorIndex::new(model.embedding_model(), model.dimensions());
    let mut todo_iter = todo.iter().peekable();
    for (i, p) in merged.iter().enumerate() {
        if todo_iter.peek() == Some(&&i) {
            todo_iter.next();
            let e: Embedding = fresh.next().ok_or_else(|| ProfileError::Model("fewer embeddings than inputs".into()))?;
            index.push(&e.vector);
        } else {
            index.push(&kept.remove(&p.id).expect("kept").1);
        }
    }
    let meta = save(store, &merged, &index).await?;
    Ok(ImportSummary {
        imported: count,
        total: merged.len(),
        active_ideal_clients: merged.iter().filter(|p| p.is_active_ideal_client()).count(),
        embedded: todo.len(),
        embedding_model: meta.embedding_model.clone(),
        dimensions: meta.dimensions,
        revision: meta.revision,
    })
}

/// The set held in memory: loaded on first use (once per cold start) and again only when the
/// stored revision moves on (one read of `META` per scoring batch).
#[derive(Default)]
pub struct ProfileCache {
    current: Mutex<Option<Arc<ProfileSet>>>,
}

impl ProfileCache {
    pub async fn get<S: Store>(&self, store: &S) -> Result<Option<Arc<ProfileSet>>, ProfileError> {
        let Some((m, _)) = meta(store).await? else { return Ok(None) };
        if let Some(set) = self.current.lock().unwrap().as_ref()
            && set.meta.revision == m.revision
        {
            return Ok(Some(set.clone()));
        }
        let loaded = load(store).await?.map(Arc::new);
        *self.current.lock().unwrap() = loaded.clone();
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_exactly() {
        let v = vec![0.1f32, -2.5, f32::MIN_POSITIVE, 1e-30];
        assert_eq!(decode(&encode(&v), 4).unwrap(), v);
        assert!(decode(&encode(&v), 5).is_err());
    }
}
