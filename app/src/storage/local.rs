//! Local disk: objects are files under a root folder. A write goes to a temporary file in the root's
//! `.partial/` folder, is flushed to disk, then renamed into place, so a reader never sees half a file and
//! a failed write leaves nothing under the key.

use super::{
    ByteStream, StorageError, StorageKey,
    objects::{Digests, ObjectStore, Provider, StoredObject},
};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use tokio::{fs, io::AsyncWriteExt};
use tokio_util::io::ReaderStream;

const PARTIAL_DIR: &str = ".partial";

#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: impl Into<PathBuf>) -> LocalDisk {
        LocalDisk { root: root.into() }
    }

    fn path_of(&self, key: &StorageKey) -> PathBuf {
        key.segments().fold(self.root.clone(), |path, segment| path.join(segment))
    }

    async fn write_partial(
        &self,
        partial: &Path,
        mut body: ByteStream,
        limit: u64,
    ) -> Result<StoredObject, StorageError> {
        let mut file = fs::File::create_new(partial).await.map_err(StorageError::unavailable)?;
        let mut digests = Digests::new(limit);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(StorageError::Body)?;
            digests.update(&chunk)?;
            file.write_all(&chunk).await.map_err(StorageError::unavailable)?;
        }
        file.sync_all().await.map_err(StorageError::unavailable)?;
        Ok(digests.finish())
    }
}

fn not_found_or_unavailable(err: std::io::Error) -> StorageError {
    if err.kind() == std::io::ErrorKind::NotFound { StorageError::NotFound } else { StorageError::unavailable(err) }
}

#[async_trait::async_trait]
impl ObjectStore for LocalDisk {
    fn provider(&self) -> Provider {
        Provider::Local
    }

    fn bucket(&self) -> Option<&str> {
        None
    }

    async fn put(
        &self,
        key: &StorageKey,
        body: ByteStream,
        limit: u64,
        length: Option<u64>,
    ) -> Result<StoredObject, StorageError> {
        if length.is_some_and(|n| n > limit) {
            return Err(StorageError::TooLarge { limit });
        }
        let target = self.path_of(key);
        if fs::try_exists(&target).await.map_err(StorageError::unavailable)? {
            return Err(StorageError::AlreadyExists);
        }
        let partial_dir = self.root.join(PARTIAL_DIR);
        fs::create_dir_all(&partial_dir).await.map_err(StorageError::unavailable)?;
        let partial = partial_dir.join(uuid::Uuid::new_v4().to_string());
        let written = async {
            let stored = super::objects::whole(self.write_partial(&partial, body, limit).await?, length)?;
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).await.map_err(StorageError::unavailable)?;
            }
            fs::rename(&partial, &target).await.map_err(StorageError::unavailable)?;
            Ok(stored)
        }
        .await;
        if written.is_err() {
            // Whatever was written so far goes; a missing file is fine.
            let _ = fs::remove_file(&partial).await;
        }
        written
    }

    async fn get(&self, key: &StorageKey) -> Result<(u64, ByteStream), StorageError> {
        let file = fs::File::open(self.path_of(key)).await.map_err(not_found_or_unavailable)?;
        let size = file.metadata().await.map_err(StorageError::unavailable)?.len();
        Ok((size, Box::pin(ReaderStream::with_capacity(file, 64 * 1024))))
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        match fs::remove_file(self.path_of(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StorageError::unavailable(e)),
        }
    }

    /// Partial files of writes cut short by a crash (a failed write removes its own).
    async fn sweep_incomplete(&self, older_than: std::time::Duration) -> Result<usize, StorageError> {
        let mut entries = match fs::read_dir(self.root.join(PARTIAL_DIR)).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StorageError::unavailable(e)),
        };
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await.map_err(StorageError::unavailable)? {
            let modified = entry.metadata().await.and_then(|m| m.modified()).map_err(StorageError::unavailable)?;
            if modified.elapsed().is_ok_and(|age| age >= older_than) && fs::remove_file(entry.path()).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    async fn check(&self) -> Result<(), StorageError> {
        let partial_dir = self.root.join(PARTIAL_DIR);
        fs::create_dir_all(&partial_dir).await.map_err(StorageError::unavailable)?;
        let probe = partial_dir.join(format!("probe-{}", uuid::Uuid::new_v4()));
        fs::write(&probe, b"ok").await.map_err(StorageError::unavailable)?;
        fs::remove_file(&probe).await.map_err(StorageError::unavailable)
    }
}
