//! The document storage backends, both through the same suite: local disk, and S3 against the real
//! S3-protocol server (s3s-fs) that scripts/test.sh starts.

use app::storage::{ByteStream, LocalDisk, ObjectStore, Provider, S3Settings, S3Store, StorageError, StorageKey};
use bytes::Bytes;
use futures::{StreamExt, stream};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn s3_settings() -> S3Settings {
    let var = |name: &str| {
        std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set: run the tests through scripts/test.sh, which starts s3s-fs"))
    };
    S3Settings {
        endpoint: var("TEST_S3_ENDPOINT"),
        region: "us-east-1".into(),
        bucket: var("TEST_S3_BUCKET"),
        access_key_id: var("TEST_S3_ACCESS_KEY"),
        secret_access_key: var("TEST_S3_SECRET_KEY"),
        force_path_style: true,
    }
}

fn local_root() -> PathBuf {
    std::env::temp_dir().join(format!("gwm-storage-{}", uuid::Uuid::new_v4()))
}

/// Both backends, each with its own key prefix so tests never see each other's objects.
fn backends() -> Vec<(Box<dyn ObjectStore>, String)> {
    let prefix = format!("t-{}", uuid::Uuid::new_v4().simple());
    vec![(Box::new(LocalDisk::new(local_root())), prefix.clone()), (Box::new(S3Store::new(&s3_settings())), prefix)]
}

fn key(prefix: &str, rest: &str) -> StorageKey {
    StorageKey::parse(&format!("{prefix}/{rest}")).expect("a valid key")
}

/// `total` bytes of a repeating pattern, in chunks of `chunk` bytes, as an upload body.
fn body_of(total: usize, chunk: usize) -> (ByteStream, Vec<u8>) {
    let bytes: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        bytes.chunks(chunk.max(1)).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    (Box::pin(stream::iter(chunks)), bytes)
}

async fn read_all(mut body: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("a readable chunk"));
    }
    out
}

#[tokio::test]
async fn a_stored_file_comes_back_byte_for_byte_with_its_digests() {
    for (store, prefix) in backends() {
        let name = store.provider().as_str();
        store.check().await.unwrap_or_else(|e| panic!("{name}: check failed: {e:?}"));
        // 20 MiB in 64 KiB chunks: S3 gets a multipart upload of three parts.
        let (body, bytes) = body_of(20 * 1024 * 1024 + 123, 64 * 1024);
        let k = key(&prefix, "opportunity_projects/p1/documents/internal/proposal/d1/v1/volume-1.pdf");
        let stored = store.put(&k, body, 1 << 30, None).await.unwrap_or_else(|e| panic!("{name}: put failed: {e:?}"));
        assert_eq!(stored.size, bytes.len() as u64, "{name}");
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(&bytes)), "{name}");
        assert_eq!(stored.md5.len(), 32, "{name}");
        let (size, back) = store.get(&k).await.unwrap_or_else(|e| panic!("{name}: get failed: {e:?}"));
        assert_eq!(size, bytes.len() as u64, "{name}");
        assert!(read_all(back).await == bytes, "{name}: the bytes differ");

        // A small file is one plain write.
        let (body, small) = body_of(10, 3);
        let k2 = key(&prefix, "library/documents/d2/v1/notes.txt");
        assert_eq!(store.put(&k2, body, 10, None).await.expect("a file exactly at the limit").size, 10, "{name}");
        assert!(read_all(store.get(&k2).await.expect("stored").1).await == small, "{name}");
    }
}

#[tokio::test]
async fn a_file_over_the_limit_or_cut_short_leaves_nothing_behind() {
    for (store, prefix) in backends() {
        let name = store.provider().as_str();
        // Over the limit after two parts' worth: the S3 multipart upload is aborted.
        let (body, _) = body_of(17 * 1024 * 1024, 1024 * 1024);
        let k = key(&prefix, "big.bin");
        match store.put(&k, body, 16 * 1024 * 1024, None).await {
            Err(StorageError::TooLarge { limit }) => assert_eq!(limit, 16 * 1024 * 1024, "{name}"),
            other => panic!("{name}: expected TooLarge, got {other:?}"),
        }
        assert!(matches!(store.get(&k).await, Err(StorageError::NotFound)), "{name}: an object was left");

        // The client goes away half-way.
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from(vec![7u8; 1024])),
            Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client left")),
        ];
        let k = key(&prefix, "cut.bin");
        assert!(
            matches!(store.put(&k, Box::pin(stream::iter(chunks)), 1 << 20, None).await, Err(StorageError::Body(_))),
            "{name}"
        );
        assert!(matches!(store.get(&k).await, Err(StorageError::NotFound)), "{name}: an object was left");

        // A body that announced its length and ends short, or that announced more than the limit.
        let (body, _) = body_of(9 * 1024 * 1024, 256 * 1024);
        let k = key(&prefix, "short.bin");
        assert!(
            matches!(store.put(&k, body, 1 << 30, Some(10 * 1024 * 1024)).await, Err(StorageError::Body(_))),
            "{name}"
        );
        assert!(matches!(store.get(&k).await, Err(StorageError::NotFound)), "{name}: an object was left");
        let (body, _) = body_of(10, 10);
        assert!(
            matches!(
                store.put(&k, body, 1024 * 1024, Some(20 * 1024 * 1024)).await,
                Err(StorageError::TooLarge { .. })
            ),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_large_upload_of_known_length_under_a_long_organized_key_is_stored_whole() {
    for (store, prefix) in backends() {
        let name = store.provider().as_str();
        // The length of the keys uploads make (tenant, project and version ids, the longest type): s3s-fs
        // cannot hold a multipart upload under such a key, so a known length goes up as one streamed PUT.
        let (project, version) = (uuid::Uuid::new_v4().simple(), "AbCdEfGhIjKlMnOpQrStUv");
        let k =
            key(&prefix, &format!("opportunity_projects/{project}/documents/internal/past_performance/{version}.docx"));
        assert!(k.as_str().len() >= 150, "{}", k.as_str().len());
        let (body, bytes) = body_of(12 * 1024 * 1024 + 5, 64 * 1024);
        let stored = store
            .put(&k, body, 1 << 30, Some(bytes.len() as u64))
            .await
            .unwrap_or_else(|e| panic!("{name}: put failed: {e:?}"));
        assert_eq!((stored.size, stored.sha256), (bytes.len() as u64, hex::encode(Sha256::digest(&bytes))), "{name}");
        assert!(read_all(store.get(&k).await.expect("stored").1).await == bytes, "{name}: the bytes differ");
    }
}

#[tokio::test]
async fn the_local_disk_keeps_no_partial_files_after_a_failure() {
    let root = local_root();
    let store = LocalDisk::new(&root);
    let (body, _) = body_of(4096, 1024);
    assert!(store.put(&key("t", "x.bin"), body, 100, None).await.is_err());
    let partial: Vec<_> = std::fs::read_dir(root.join(".partial")).expect("the partial folder").collect();
    assert!(partial.is_empty(), "partial files were left: {partial:?}");
    assert!(!root.join("t").join("x.bin").exists());

    // What a crash mid-write leaves is swept once it is old enough, and a write in progress is not.
    std::fs::write(root.join(".partial").join("crashed"), b"half a file").expect("partial");
    assert_eq!(
        store.sweep_incomplete(std::time::Duration::from_secs(3600)).await.expect("sweep"),
        0,
        "too young to sweep"
    );
    assert_eq!(store.sweep_incomplete(std::time::Duration::ZERO).await.expect("sweep"), 1);
    assert_eq!(std::fs::read_dir(root.join(".partial")).expect("the partial folder").count(), 0);
}

#[tokio::test]
async fn an_existing_object_is_never_replaced_and_delete_is_idempotent() {
    for (store, prefix) in backends() {
        let name = store.provider().as_str();
        let k = key(&prefix, "v1/a.txt");
        let (body, first) = body_of(100, 100);
        store.put(&k, body, 1000, None).await.expect("the first write");
        let (body, _) = body_of(50, 50);
        assert!(matches!(store.put(&k, body, 1000, None).await, Err(StorageError::AlreadyExists)), "{name}");
        assert!(read_all(store.get(&k).await.expect("still there").1).await == first, "{name}: the object changed");
        store.delete(&k).await.expect("delete");
        assert!(matches!(store.get(&k).await, Err(StorageError::NotFound)), "{name}");
        store.delete(&k).await.expect("deleting again is not an error");
    }
}

#[tokio::test]
async fn storage_that_is_down_or_refuses_the_keys_says_unavailable() {
    // Nothing listens on this port.
    let down = S3Store::new(&S3Settings { endpoint: "http://127.0.0.1:9".into(), ..s3_settings() });
    let wrong_secret = S3Store::new(&S3Settings { secret_access_key: "not-the-secret".into(), ..s3_settings() });
    // A root folder that cannot exist: its parent is a file.
    let file = std::env::temp_dir().join(format!("gwm-storage-file-{}", uuid::Uuid::new_v4()));
    std::fs::write(&file, b"a file, not a folder").expect("a file");
    let blocked = LocalDisk::new(file.join("root"));
    let stores: Vec<(&str, &dyn ObjectStore)> =
        vec![("s3 down", &down), ("s3 wrong secret", &wrong_secret), ("local blocked", &blocked)];
    for (name, store) in stores {
        assert!(matches!(store.check().await, Err(StorageError::Unavailable(_))), "{name}: check");
        let (body, _) = body_of(10, 10);
        assert!(
            matches!(store.put(&key("t", "a.txt"), body, 100, None).await, Err(StorageError::Unavailable(_))),
            "{name}: put"
        );
        assert!(matches!(store.get(&key("t", "a.txt")).await, Err(StorageError::Unavailable(_))), "{name}: get");
    }
    assert_eq!(down.provider(), Provider::S3);
    assert_eq!(down.bucket(), Some(s3_settings().bucket.as_str()));
}

/// The server's own settings for the test bucket.
fn s3_server_vars(settings: &S3Settings) -> Vec<(&'static str, String)> {
    vec![
        ("GWM_STORAGE", "s3".to_string()),
        ("GWM_S3_ENDPOINT", settings.endpoint.clone()),
        ("GWM_S3_BUCKET", settings.bucket.clone()),
        ("GWM_S3_ACCESS_KEY_ID", settings.access_key_id.clone()),
        ("GWM_S3_SECRET_ACCESS_KEY", settings.secret_access_key.clone()),
    ]
}

#[tokio::test]
async fn the_server_refuses_storage_it_cannot_use_and_reports_storage_in_its_health() {
    let settings = s3_settings();
    let db = crate::common::TestDb::new().await;
    let mut down = s3_server_vars(&settings);
    down[1].1 = "http://127.0.0.1:9".into();
    let down: Vec<(&str, &str)> = down.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let err = match gwm_crm::startup::Application::build(db.config(&down)).await {
        Ok(_) => panic!("a server started on storage that is down"),
        Err(e) => e.to_string(),
    };
    let expected = format!("document storage (bucket {} at http://127.0.0.1:9) cannot be used", settings.bucket);
    assert!(err.contains(&expected), "{err}");

    let up = s3_server_vars(&settings);
    let up: Vec<(&str, &str)> = up.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = crate::common::TestApp::spawn(db, &up).await;
    let health: serde_json::Value = app.get_as(None, "/healthz").await.json().await.expect("json");
    assert_eq!(health["storage"], "ok");
}
