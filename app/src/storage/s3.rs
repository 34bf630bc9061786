//! Any S3-protocol service (AWS S3, MinIO, s3s-fs ...), through aws-sdk-s3 with explicit settings: endpoint,
//! region, bucket, keys, path-style addressing. Bodies of unknown length go up as a multipart upload, one
//! part buffered at a time, so memory stays flat whatever the file's size; a failed upload is aborted.

use super::{
    ByteStream, StorageError, StorageKey,
    objects::{Digests, ObjectStore, Provider, StoredObject},
};
use aws_sdk_s3::{
    Client,
    config::{
        BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
        timeout::TimeoutConfig,
    },
    primitives::ByteStream as S3Body,
    types::{CompletedMultipartUpload, CompletedPart},
};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use std::{fmt, time::Duration};
use tokio_util::io::ReaderStream;

/// Parts of a multipart upload (S3 wants at least 5 MiB for every part but the last).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// S3's limit for one PUT; longer bodies always go up in parts.
const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;

/// Where and how to reach the bucket.
#[derive(Clone)]
pub struct S3Settings {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `endpoint/bucket/key` rather than `bucket.endpoint/key` (MinIO, s3s-fs and most self-hosted services).
    pub force_path_style: bool,
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("force_path_style", &self.force_path_style)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
}

impl S3Store {
    pub fn new(settings: &S3Settings) -> S3Store {
        use aws_smithy_http_client::{Builder, tls};
        let http =
            Builder::new().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)).build_https();
        let credentials =
            Credentials::new(&settings.access_key_id, &settings.secret_access_key, None, None, "gwm-crm settings");
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .endpoint_url(&settings.endpoint)
            .force_path_style(settings.force_path_style)
            .credentials_provider(credentials)
            .http_client(http)
            // Storage that is down should say so within seconds, not hang an upload.
            .timeout_config(TimeoutConfig::builder().connect_timeout(Duration::from_secs(3)).build())
            // Checksums only where S3 requires them: not every S3-protocol service takes the trailing kind.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        S3Store { client: Client::from_conf(config), bucket: settings.bucket.clone() }
    }

    async fn exists(&self, key: &StorageKey) -> Result<bool, StorageError> {
        match self.client.head_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) => Err(StorageError::unavailable(e)),
        }
    }

    async fn start_multipart(&self, key: &StorageKey) -> Result<String, StorageError> {
        let created = self.client.create_multipart_upload().bucket(&self.bucket).key(key.as_str()).send().await;
        created.map_err(StorageError::unavailable)?.upload_id.ok_or_else(|| missing("an upload id"))
    }

    async fn upload_part(
        &self,
        key: &StorageKey,
        upload_id: &str,
        number: i32,
        part: Bytes,
    ) -> Result<CompletedPart, StorageError> {
        let sent = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .part_number(number)
            .body(S3Body::from(part))
            .send()
            .await
            .map_err(StorageError::unavailable)?;
        Ok(CompletedPart::builder().part_number(number).set_e_tag(sent.e_tag).build())
    }

    /// A body of known length streams up as one PUT, hashed on the way: no part is buffered, and nothing is
    /// stored unless the whole body arrived (S3 keeps no partial PUT). Some S3-protocol services also limit
    /// multipart uploads more than single ones (s3s-fs names its files after the key and the upload id).
    async fn put_streamed(
        &self,
        key: &StorageKey,
        body: ByteStream,
        length: u64,
    ) -> Result<StoredObject, StorageError> {
        use http_body::Frame;
        use std::sync::{Arc, Mutex};
        let digests = Arc::new(Mutex::new((Digests::new(length), None::<StorageError>)));
        let seen = digests.clone();
        let at_end = digests.clone();
        // A body that ends short of its length fails here, so the person hears that the upload was cut.
        let short = futures::stream::once(async move {
            let mut state = at_end.lock().ok()?;
            let stored = state.0.size();
            (stored != length).then(|| {
                let cut = std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("{stored} of the {length} bytes announced arrived"),
                );
                let message = cut.to_string();
                state.1 = Some(StorageError::Body(cut));
                Err(std::io::Error::other(message))
            })
        })
        .filter_map(futures::future::ready);
        let frames = body
            .map(move |chunk| {
                let mut state = seen.lock().map_err(|_| std::io::Error::other("digest state poisoned"))?;
                let outcome =
                    chunk.map_err(StorageError::Body).and_then(|chunk| state.0.update(&chunk).map(|()| chunk));
                match outcome {
                    Ok(chunk) => Ok(Frame::data(chunk)),
                    Err(e) => {
                        let message = e.to_string();
                        state.1 = Some(e);
                        Err(std::io::Error::other(message))
                    }
                }
            })
            .chain(short);
        // The SDK's body must be Sync; the stream is only ever polled by one task.
        let sdk_body = aws_sdk_s3::primitives::SdkBody::from_body_1_x(http_body_util::StreamBody::new(
            sync_wrapper::SyncStream::new(frames),
        ));
        let sent = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_length(i64::try_from(length).unwrap_or(i64::MAX))
            .body(S3Body::new(sdk_body))
            .send()
            .await;
        let (digests, failure) = {
            let mut state = digests.lock().map_err(|_| missing("a consistent digest state"))?;
            (std::mem::replace(&mut state.0, Digests::new(0)), state.1.take())
        };
        match (sent, failure) {
            (_, Some(failure)) => {
                // The body failed on its way up; S3 stored nothing, but a service that did is cleaned anyway.
                let _ = self.client.delete_object().bucket(&self.bucket).key(key.as_str()).send().await;
                Err(failure)
            }
            (Err(e), None) => Err(StorageError::unavailable(e)),
            (Ok(_), None) => super::objects::whole(digests.finish(), Some(length)),
        }
    }

    /// Streams the body up: a single PUT when it fits in one part, else a multipart upload.
    async fn upload(
        &self,
        key: &StorageKey,
        body: &mut ByteStream,
        digests: &mut Digests,
        upload_id: &mut Option<String>,
    ) -> Result<(), StorageError> {
        let mut buffer = BytesMut::with_capacity(PART_SIZE);
        let mut parts = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(StorageError::Body)?;
            digests.update(&chunk)?;
            buffer.extend_from_slice(&chunk);
            while buffer.len() >= PART_SIZE {
                let part = buffer.split_to(PART_SIZE).freeze();
                let id = match upload_id {
                    Some(id) => id.clone(),
                    None => upload_id.insert(self.start_multipart(key).await?).clone(),
                };
                parts.push(self.upload_part(key, &id, parts.len() as i32 + 1, part).await?);
            }
        }
        let Some(id) = upload_id.clone() else {
            let put =
                self.client.put_object().bucket(&self.bucket).key(key.as_str()).body(S3Body::from(buffer.freeze()));
            put.send().await.map_err(StorageError::unavailable)?;
            return Ok(());
        };
        if !buffer.is_empty() {
            parts.push(self.upload_part(key, &id, parts.len() as i32 + 1, buffer.freeze()).await?);
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(&id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(StorageError::unavailable)?;
        Ok(())
    }
}

fn missing(what: &str) -> StorageError {
    StorageError::Unavailable(format!("the storage service's answer lacked {what}").into())
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    fn provider(&self) -> Provider {
        Provider::S3
    }

    fn bucket(&self) -> Option<&str> {
        Some(&self.bucket)
    }

    async fn put(
        &self,
        key: &StorageKey,
        mut body: ByteStream,
        limit: u64,
        length: Option<u64>,
    ) -> Result<StoredObject, StorageError> {
        if self.exists(key).await? {
            return Err(StorageError::AlreadyExists);
        }
        if length.is_some_and(|n| n > limit) {
            return Err(StorageError::TooLarge { limit });
        }
        if let Some(length) = length.filter(|n| *n > PART_SIZE as u64 && *n <= MAX_SINGLE_PUT) {
            return self.put_streamed(key, body, length).await;
        }
        let mut digests = Digests::new(limit);
        let mut upload_id = None;
        let uploaded = self.upload(key, &mut body, &mut digests, &mut upload_id).await;
        if uploaded.is_err()
            && let Some(id) = upload_id
        {
            let abort =
                self.client.abort_multipart_upload().bucket(&self.bucket).key(key.as_str()).upload_id(id).send().await;
            if let Err(e) = abort {
                tracing::warn!(error = %aws_sdk_s3::error::DisplayErrorContext(&e), %key, "could not abort a failed multipart upload");
            }
        }
        uploaded.and_then(|()| super::objects::whole(digests.finish(), length))
    }

    async fn get(&self, key: &StorageKey) -> Result<(u64, ByteStream), StorageError> {
        let object = match self.client.get_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(object) => object,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Err(StorageError::NotFound),
            Err(e) => return Err(StorageError::unavailable(e)),
        };
        let size =
            object.content_length.and_then(|n| u64::try_from(n).ok()).ok_or_else(|| missing("the object's length"))?;
        Ok((size, Box::pin(ReaderStream::with_capacity(object.body.into_async_read(), 64 * 1024))))
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(StorageError::unavailable)?;
        Ok(())
    }

    /// Multipart uploads are aborted when they fail; those of a server that died are the bucket's to expire
    /// (an AbortIncompleteMultipartUpload lifecycle rule, README), since not every S3-protocol service lists
    /// them (s3s-fs does not).
    async fn sweep_incomplete(&self, _older_than: Duration) -> Result<usize, StorageError> {
        Ok(0)
    }

    async fn check(&self) -> Result<(), StorageError> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(StorageError::unavailable)?;
        Ok(())
    }
}
