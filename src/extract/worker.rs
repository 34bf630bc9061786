//! The extraction worker: claims documents waiting for text extraction (any tenant, one claim per
//! document: `claim_document_extractions`, migration 0014), streams each stored file into an extraction
//! child, and records the text, preview and page count, or why there is none. Files always stay stored.

use super::{
    ExtractError, Extracted, bytes_to_read,
    child::{ChildError, Extractor, Outcome},
    preview,
};
use app::{
    auth::ssr::door,
    ids::TenantId,
    state::AppState,
    storage::{ByteStream, StorageKey, kinds::FileKind},
};
use futures::StreamExt;
use std::time::Duration;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How long a claim holds before another worker may take the document again (its worker died): longer
/// than reading the file and the child's own time limit.
const LEASE: Duration = Duration::from_secs(300);
/// One document per claim, so a claim is never waiting behind another one's extraction.
const BATCH: i32 = 1;

#[derive(Debug, sqlx::FromRow)]
struct Job {
    tenant_id: TenantId,
    id: Uuid,
    storage_provider: String,
    storage_key: String,
    file_extension: Option<String>,
    file_size_bytes: i64,
}

/// What became of one document.
#[derive(Debug)]
enum Finding {
    Text(Extracted),
    NoText,
    /// Marked 'error' with this message: the file is stored but not searchable by its content.
    Failed(String),
    /// Could not be tried here now (another server's storage, no extractor): left claimed, so it is tried
    /// again (here or elsewhere) when the lease ends.
    Retry(String),
    /// Storage failed: the claim is handed back and the worker pauses until storage answers.
    StorageDown(String),
}

/// How long the worker waits before looking at storage again while it is down.
const STORAGE_PAUSE: Duration = Duration::from_secs(30);

pub fn spawn(state: AppState, extractor: Extractor) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let pause = match run_once(&state, &extractor).await {
                Ok(Pass { claimed: 0, .. }) => Duration::from_secs(2),
                Ok(Pass { storage_down: false, .. }) => Duration::ZERO,
                Ok(Pass { storage_down: true, .. }) => {
                    wait_for_storage(&state).await;
                    Duration::ZERO
                }
                Err(e) => {
                    tracing::warn!(error = %e, "document text extraction failed; retrying in 10 seconds");
                    Duration::from_secs(10)
                }
            };
            tokio::time::sleep(pause).await;
        }
    })
}

/// While storage is down the worker claims nothing (each claim would spend an attempt and wait out a lease):
/// it looks again every 30 seconds.
async fn wait_for_storage(state: &AppState) {
    tracing::warn!("document storage is unavailable: text extraction pauses until it answers");
    loop {
        tokio::time::sleep(STORAGE_PAUSE).await;
        if state.storage.check().await.is_ok() {
            tracing::info!("document storage answers again: text extraction resumes");
            return;
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    /// A document could not be read because storage failed: its claim was handed back.
    pub storage_down: bool,
}

/// Claims and processes one batch.
pub async fn run_once(state: &AppState, extractor: &Extractor) -> Result<Pass, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let jobs: Vec<Job> = sqlx::query_as("SELECT * FROM claim_document_extractions($1, make_interval(secs => $2))")
        .bind(BATCH)
        .bind(LEASE.as_secs_f64())
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut storage_down = false;
    for job in &jobs {
        let finding = examine(state, extractor, job).await;
        tracing::info!(document = %job.id, outcome = finding.label(), "document text extraction");
        storage_down |= matches!(finding, Finding::StorageDown(_));
        record(state, job, finding).await?;
    }
    Ok(Pass { claimed: jobs.len(), storage_down })
}

impl Finding {
    fn label(&self) -> &'static str {
        match self {
            Finding::Text(_) => "text",
            Finding::NoText => "no text",
            Finding::Failed(_) => "failed",
            Finding::Retry(_) => "retry later",
            Finding::StorageDown(_) => "storage unavailable",
        }
    }
}

async fn examine(state: &AppState, extractor: &Extractor, job: &Job) -> Finding {
    let Some(kind) = job.file_extension.as_deref().and_then(FileKind::of_extension) else {
        return Finding::NoText;
    };
    if job.storage_provider != state.storage.provider().as_str() {
        return Finding::Retry(format!("stored on {}, which this server does not use", job.storage_provider));
    }
    let wanted = match bytes_to_read(kind, u64::try_from(job.file_size_bytes).unwrap_or(0)) {
        Ok(wanted) => wanted,
        Err(ExtractError::NoText) => return Finding::NoText,
        Err(e) => return Finding::Failed(app::format::sentence(&e.to_string())),
    };
    let Ok(key) = StorageKey::parse(&job.storage_key) else {
        return Finding::Failed("The file's storage key is not valid.".into());
    };
    let bytes = match state.storage.get(&key).await {
        Ok((_, bytes)) => bytes,
        Err(app::storage::StorageError::NotFound) => {
            return Finding::Failed("The stored file is missing.".into());
        }
        Err(e) => return Finding::StorageDown(e.to_string()),
    };
    match extractor.run(kind, first_bytes(bytes, wanted)).await {
        Ok(Outcome::Text(extracted)) => Finding::Text(extracted),
        Ok(Outcome::NoText) => Finding::NoText,
        Ok(Outcome::Unreadable(reason)) => Finding::Failed(app::format::sentence(&reason)),
        Err(e @ ChildError::Storage(_)) => Finding::StorageDown(e.to_string()),
        Err(e @ ChildError::Spawn { .. }) => Finding::Retry(e.to_string()),
        Err(e) => Finding::Failed(format!("The text could not be read: {e}.")),
    }
}

/// The stream cut after `limit` bytes.
fn first_bytes(stream: ByteStream, limit: u64) -> ByteStream {
    Box::pin(stream.scan(limit, |left, chunk| {
        let out = match chunk {
            _ if *left == 0 => None,
            Ok(mut bytes) => {
                let keep = usize::try_from(*left).unwrap_or(usize::MAX).min(bytes.len());
                bytes.truncate(keep);
                *left -= keep as u64;
                Some(Ok(bytes))
            }
            Err(e) => Some(Err(e)),
        };
        futures::future::ready(out)
    }))
}

async fn record(state: &AppState, job: &Job, finding: Finding) -> Result<(), sqlx::Error> {
    let mut tx = door::for_job(&state.pool, job.tenant_id).await?;
    match finding {
        Finding::Text(extracted) => {
            let mut text = extracted.text;
            loop {
                let done = sqlx::query(
                    "UPDATE documents SET extracted_text = $2, content_preview = $3, page_count = $4, processing_status = 'ready', \
                        processing_error = NULL, processing_claimed_until = NULL, processed_at = now() \
                      WHERE id = $1 AND processing_status = 'processing'",
                )
                .bind(job.id)
                .bind(&text)
                .bind(preview(&text))
                .bind(extracted.pages)
                .execute(&mut *tx)
                .await;
                match done {
                    // PostgreSQL caps a tsvector at 1 MB: text of many distinct words can pass it. Keep less.
                    Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("54000") && text.len() > 1024 => {
                        tx.rollback().await?;
                        tx = door::for_job(&state.pool, job.tenant_id).await?;
                        let cut = (0..=text.len() / 4).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                        text.truncate(cut);
                    }
                    done => {
                        done?;
                        break;
                    }
                }
            }
        }
        Finding::NoText => {
            sqlx::query(
                "UPDATE documents SET processing_status = 'ready', processing_error = NULL, processing_claimed_until = NULL, \
                    processed_at = now() WHERE id = $1 AND processing_status = 'processing'",
            )
            .bind(job.id)
            .execute(&mut *tx)
            .await?;
        }
        Finding::Failed(reason) => {
            sqlx::query(
                "UPDATE documents SET processing_status = 'error', processing_error = $2, processing_claimed_until = NULL, \
                    processed_at = now() WHERE id = $1 AND processing_status = 'processing'",
            )
            .bind(job.id)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
        Finding::Retry(reason) => {
            tracing::warn!(document = %job.id, %reason, "text extraction will be tried again when the lease ends");
        }
        Finding::StorageDown(reason) => {
            // Not the document's fault: the claim and its attempt are handed back, to be taken again at once
            // when storage answers (not after the lease, and not counting toward the three attempts).
            tracing::warn!(document = %job.id, %reason, "text extraction will be tried again");
            sqlx::query(
                "UPDATE documents SET processing_status = 'pending', processing_claimed_until = NULL, \
                    processing_attempts = greatest(processing_attempts - 1, 0) \
                  WHERE id = $1 AND processing_status = 'processing'",
            )
            .bind(job.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}
