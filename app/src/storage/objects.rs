//! The object store interface and what both backends share: streamed bodies, digests, size limits.

use super::StorageKey;
use crate::error::AppError;
use bytes::Bytes;
use futures::Stream;
use md5::Md5;
use sha2::{Digest, Sha256};
use std::pin::Pin;

/// A body being streamed in or out.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// Which backend holds an object (the `documents.storage_provider` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Local,
    S3,
}

impl Provider {
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Local => "local",
            Provider::S3 => "s3",
        }
    }
}

/// What a completed write stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
    /// Lowercase hex.
    pub md5: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("no stored file has this key")]
    NotFound,
    #[error("a stored file already has this key")]
    AlreadyExists,
    /// The body could not be read to its end (the client went away, or refused it on the way).
    #[error("the upload did not arrive whole")]
    Body(#[source] std::io::Error),
    /// The backend itself failed: disk, network, credentials, bucket.
    #[error("file storage is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// What the person is told (the backend's own error goes to the log).
    pub fn user_error(self, request_id: &str) -> AppError {
        match self {
            StorageError::TooLarge { limit } => AppError::TooLarge(format!(
                "The file is larger than the limit of {}. Split it, or ask your administrator about the limit.",
                crate::format::file_size(limit as i64)
            )),
            StorageError::Body(e) => {
                tracing::info!(request_id, error = %e, "upload body ended early");
                AppError::Validation(
                    "The upload was interrupted before the whole file arrived, so nothing was saved. Try again.".into(),
                )
            }
            StorageError::NotFound => AppError::NotFound("The document's file".into()),
            StorageError::AlreadyExists => {
                AppError::Conflict("A file is already stored under this name; try the upload again.".into())
            }
            StorageError::Unavailable(source) => {
                tracing::error!(request_id, error = %source, "document storage failed");
                AppError::StorageUnavailable
            }
        }
    }

    /// What the person is told when a read (a download) fails: an outage loses nothing.
    pub fn user_error_reading(self, request_id: &str) -> AppError {
        match self {
            StorageError::Unavailable(source) => {
                tracing::error!(request_id, error = %source, "document storage failed on a read");
                AppError::StorageUnreadable
            }
            other => other.user_error(request_id),
        }
    }

    pub(crate) fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> StorageError {
        StorageError::Unavailable(Box::new(err))
    }
}

/// The interface both backends implement (and pass the same tests for).
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync {
    fn provider(&self) -> Provider;

    /// The bucket objects go to (S3), for the document row.
    fn bucket(&self) -> Option<&str>;

    /// Streams `body` to a new object at `key`. More than `limit` bytes, a body error or a backend failure
    /// leaves no object behind. An existing object is never replaced. `length` is the body's length when it
    /// is known beforehand (an upload's Content-Length): a body that ends short of it is refused.
    async fn put(
        &self,
        key: &StorageKey,
        body: ByteStream,
        limit: u64,
        length: Option<u64>,
    ) -> Result<StoredObject, StorageError>;

    /// The object's size and a stream of its bytes.
    async fn get(&self, key: &StorageKey) -> Result<(u64, ByteStream), StorageError>;

    /// Removes the object; removing one that is not there is not an error (cleanup may run twice).
    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError>;

    /// Whether the backend answers and can be written (for start-up and the health check).
    async fn check(&self) -> Result<(), StorageError>;

    /// Removes what writes cut short by a crash left behind, older than `older_than`; returns how many.
    async fn sweep_incomplete(&self, older_than: std::time::Duration) -> Result<usize, StorageError>;
}

/// Reads until `wanted` bytes have arrived (or the body ends), and gives back those bytes and the whole body
/// (the file's first bytes tell its kind, or its encoding and headings, before it is stored).
pub async fn split_head(mut body: ByteStream, wanted: usize) -> Result<(Bytes, ByteStream), StorageError> {
    use futures::StreamExt;
    let mut head = bytes::BytesMut::new();
    while head.len() < wanted {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk.map_err(StorageError::Body)?),
            None => break,
        }
    }
    let head = head.freeze();
    let whole = futures::stream::once(futures::future::ready(Ok(head.clone()))).chain(body);
    Ok((head, Box::pin(whole)))
}

/// The stored object, if the body was as long as it said it would be.
pub(crate) fn whole(stored: StoredObject, length: Option<u64>) -> Result<StoredObject, StorageError> {
    match length {
        Some(expected) if stored.size != expected => Err(StorageError::Body(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("{} of the {expected} bytes announced arrived", stored.size),
        ))),
        _ => Ok(stored),
    }
}

/// Size and digests of a body, fed chunk by chunk as it streams past.
pub(crate) struct Digests {
    size: u64,
    limit: u64,
    sha256: Sha256,
    md5: Md5,
}

impl Digests {
    pub(crate) fn new(limit: u64) -> Digests {
        Digests { size: 0, limit, sha256: Sha256::new(), md5: Md5::new() }
    }

    /// Counts and hashes a chunk; refuses it if the body is now past the limit.
    pub(crate) fn update(&mut self, chunk: &[u8]) -> Result<(), StorageError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(StorageError::TooLarge { limit: self.limit });
        }
        self.sha256.update(chunk);
        self.md5.update(chunk);
        Ok(())
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn finish(self) -> StoredObject {
        StoredObject {
            size: self.size,
            sha256: hex::encode(self.sha256.finalize()),
            md5: hex::encode(self.md5.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_the_known_values_and_stop_at_the_limit() {
        let mut d = Digests::new(3);
        d.update(b"ab").expect("under the limit");
        d.update(b"c").expect("at the limit");
        let stored = d.finish();
        assert_eq!(stored.size, 3);
        assert_eq!(stored.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(stored.md5, "900150983cd24fb0d6963f7d28e17f72");
        let mut d = Digests::new(3);
        assert!(matches!(d.update(b"abcd"), Err(StorageError::TooLarge { limit: 3 })));
    }
}
