//! Transcripts as files under the data folder (`data/archive/transcripts/…`).

use std::path::PathBuf;

use crate::ports::{Archive, ArchiveError};

#[derive(Debug, Clone)]
pub struct FileArchive {
    root: PathBuf,
}

impl FileArchive {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Keys are ours (`transcripts/<hex>.txt`); anything that could leave the folder is refused.
    fn path(&self, key: &str) -> Result<PathBuf, ArchiveError> {
        if key.split('/').any(|part| part.is_empty() || part == "." || part == "..") || key.contains('\\') {
            return Err(ArchiveError::Unavailable(format!("not an archive key: {key}")));
        }
        Ok(self.root.join(key))
    }
}

impl Archive for FileArchive {
    async fn download(&self, key: &str, _ttl: std::time::Duration) -> Result<crate::ports::Download, ArchiveError> {
        Ok(crate::ports::Download::File(self.path(key)?))
    }

    async fn put(&self, key: &str, body: &[u8]) -> Result<(), ArchiveError> {
        let path = self.path(key)?;
        let io = |e: std::io::Error| ArchiveError::Unavailable(e.to_string());
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        // Written aside and renamed: a crash never leaves half a transcript under the key.
        let tmp = path.with_extension(format!("tmp{}", fastrand::u64(..)));
        tokio::fs::write(&tmp, body).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ArchiveError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(body) => Ok(Some(body)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ArchiveError::Unavailable(e.to_string())),
        }
    }
}
