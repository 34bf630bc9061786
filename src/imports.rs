//! The import worker: claims one queued import at a time across tenants (`claim_import_jobs`: FOR UPDATE
//! SKIP LOCKED with a lease, migration 0023), streams its file from storage and imports it batch by batch.
//!
//! - "Valid rows only": each batch commits its records, its rejected rows and the job's cursor (rows read)
//!   together, so a server that stops mid-file leaves a cursor that is exactly what was written; the server
//!   that takes the job over after the lease skips that many rows and goes on. No row is written twice.
//! - "All or nothing": every record goes into one transaction that commits with the job's end, only if no row
//!   was rejected. A server that stops mid-file leaves nothing; the job starts again from the top.
//!
//! Every update names the attempt that claimed the job: a server whose lease ran out writes nothing more.

use app::{
    audit::{Actor, AuditAction, AuditEvent, ssr::record},
    auth::ssr::door,
    db::Tx,
    ids::{ImportId, TenantId},
    imports::{
        ImportMode,
        ssr::{
            engine::Importer,
            queries::{self, JobRow, Progress},
            reader::{self, ReadError, Record},
        },
    },
    state::AppState,
    storage::StorageKey,
};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long a claim holds without news from its server. Every batch moves it on.
pub const LEASE: Duration = Duration::from_secs(120);
/// Rows checked and written per statement (and, for "valid rows only", per commit).
pub const BATCH: usize = 500;

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Claimed {
    pub tenant_id: TenantId,
    pub id: ImportId,
    pub attempts: i32,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Done {
        imported: i32,
        rejected: i32,
    },
    Failed(String),
    /// Another server holds the job now (this one's lease ran out).
    Lost,
    /// Stopped on purpose after this many batches (tests: a server that dies mid-file).
    Stopped,
    /// Storage did not answer: handed back to be tried again.
    HandedBack,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A record could not be written (the database's answer is in the log of the conversion).
    #[error("a batch could not be written: {0}")]
    Write(#[from] app::error::AppError),
    #[error("the import's job row is missing")]
    Missing,
}

pub fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let pause = match run_once(&state, None).await {
                Ok(Some(_)) => Duration::ZERO,
                Ok(None) => Duration::from_secs(1),
                Err(e) => {
                    tracing::warn!(error = %e, "the import worker failed; retrying in 10 seconds");
                    Duration::from_secs(10)
                }
            };
            tokio::time::sleep(pause).await;
        }
    })
}

/// Claims one import (any tenant) and runs it; None when nothing waits. `stop_after` batches ends the run
/// early without finishing it, as a crash would.
pub async fn run_once(state: &AppState, stop_after: Option<usize>) -> Result<Option<(ImportId, Ran)>, ImportError> {
    let mut tx = state.pool.begin().await?;
    let claimed: Option<Claimed> = sqlx::query_as("SELECT * FROM claim_import_jobs(make_interval(secs => $1))")
        .bind(LEASE.as_secs_f64())
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    let Some(claimed) = claimed else { return Ok(None) };
    let ran = run(state, claimed, stop_after).await?;
    tracing::info!(import = %claimed.id, attempt = claimed.attempts, outcome = ?ran, "import");
    Ok(Some((claimed.id, ran)))
}

fn actor(job: &JobRow) -> Actor {
    Actor {
        tenant_id: job.tenant_id,
        user_id: Some(job.created_by),
        system_actor: None,
        session_id: None,
        ip: None,
        user_agent: None,
        request_id: format!("import {}", job.id),
    }
}

async fn begin(state: &AppState, tenant: TenantId) -> Result<Tx, sqlx::Error> {
    door::for_job(&state.pool, tenant).await
}

/// Ends the job (done, or failed with `failure`) with its audit row, in `tx`.
async fn finish(
    mut tx: Tx,
    job: &JobRow,
    attempt: i32,
    totals: &Progress,
    failure: Option<String>,
) -> Result<Ran, ImportError> {
    if !queries::progress(&mut tx, job.id, attempt, totals, LEASE).await?
        || !queries::finish(&mut tx, job.id, attempt, failure.as_deref()).await?
    {
        return Ok(Ran::Lost);
    }
    let kind = job.kind.label_plural();
    let description = match &failure {
        None => format!(
            "Imported {} {kind} from \u{201c}{}\u{201d} ({} rows rejected{})",
            totals.imported,
            job.file_name,
            totals.rejected,
            if totals.organizations_created > 0 {
                format!(", {} organizations created", totals.organizations_created)
            } else {
                String::new()
            }
        ),
        Some(reason) => format!("Import of {kind} from \u{201c}{}\u{201d} failed: {reason}", job.file_name),
    };
    let event = AuditEvent::new(AuditAction::Import, "import", Some(job.id.as_uuid()), description).after(serde_json::json!({
        "file": job.file_name, "kind": job.kind, "mode": job.mode, "rows_read": totals.rows_read,
        "imported": totals.imported, "rejected": totals.rejected, "organizations_created": totals.organizations_created,
        "failure": failure,
    }));
    record(&mut tx, &actor(job), event).await?;
    tx.commit().await?;
    Ok(match failure {
        None => Ran::Done { imported: totals.imported, rejected: totals.rejected },
        Some(reason) => Ran::Failed(reason),
    })
}

/// Gives the claim back (storage did not answer): the job is tried again when a worker is free.
async fn hand_back(state: &AppState, job: &JobRow, attempt: i32) -> Result<Ran, ImportError> {
    let mut tx = begin(state, job.tenant_id).await?;
    queries::hand_back(&mut tx, job.id, attempt).await?;
    tx.commit().await?;
    Ok(Ran::HandedBack)
}

fn rejections(
    rejected: Vec<(Record, Vec<app::imports::CellProblem>)>,
) -> Vec<(u32, Vec<app::imports::CellProblem>, Vec<String>)> {
    rejected.into_iter().map(|(r, p)| (r.row_number, p, r.cells)).collect()
}

async fn run(state: &AppState, claimed: Claimed, stop_after: Option<usize>) -> Result<Ran, ImportError> {
    let attempt = claimed.attempts;
    let mut tx = begin(state, claimed.tenant_id).await?;
    let job = queries::job(&mut tx, claimed.id).await?.ok_or(ImportError::Missing)?;
    let all_or_nothing = job.mode == Some(ImportMode::AllOrNothing);
    if all_or_nothing && !queries::restart(&mut tx, job.id, attempt).await? {
        return Ok(Ran::Lost);
    }
    tx.commit().await?;
    let (Some(mapping), Ok(key)) = (job.stored_mapping(), StorageKey::parse(&job.storage_key)) else {
        let tx = begin(state, job.tenant_id).await?;
        return finish(
            tx,
            &job,
            attempt,
            &Progress::of_job(&job),
            Some("The import's file or columns are missing.".into()),
        )
        .await;
    };
    if job.storage_provider != state.storage.provider().as_str() {
        // Stored where this server does not look: another server will take it when the lease ends.
        return Ok(Ran::Lost);
    }
    let body = match state.storage.get(&key).await {
        Ok((_, body)) => body,
        Err(app::storage::StorageError::NotFound) => {
            let tx = begin(state, job.tenant_id).await?;
            return finish(
                tx,
                &job,
                attempt,
                &Progress::of_job(&job),
                Some("The uploaded file is missing from storage.".into()),
            )
            .await;
        }
        Err(e) => {
            tracing::warn!(import = %job.id, error = %e, "storage did not answer; the import is handed back");
            return hand_back(state, &job, attempt).await;
        }
    };
    // "Valid rows only" resumes after what an earlier try committed.
    let skip = if all_or_nothing { 0 } else { job.rows_read.max(0) as u32 };
    let mut totals = if all_or_nothing { Progress::zero() } else { Progress::of_job(&job) };
    let mut batches = reader::records(body, job.encoding, skip, BATCH);
    let today = chrono::Utc::now().date_naive();
    let mut importer = Importer::new(job.kind, job.id, job.created_by, today, job.headings().to_vec(), mapping);
    // All or nothing: the one transaction every record goes into.
    let mut whole = if all_or_nothing { Some(begin(state, job.tenant_id).await?) } else { None };
    let mut batches_done = 0usize;
    while let Some(batch) = batches.recv().await {
        let records = match batch {
            Ok(records) => records,
            Err(ReadError::Storage(reason)) => {
                tracing::warn!(import = %job.id, %reason, "the file stopped arriving; the import is handed back");
                drop(whole);
                return hand_back(state, &job, attempt).await;
            }
            Err(e) => {
                // The file itself cannot be read on: what was read stays (valid rows only) or goes (all or nothing).
                drop(whole);
                if all_or_nothing {
                    totals.imported = 0;
                }
                let tx = begin(state, job.tenant_id).await?;
                let reason = format!(
                    "{}; {}.",
                    app::format::capitalised(&e.to_string()),
                    if all_or_nothing { "nothing was imported" } else { "the rows before it were imported" }
                );
                return finish(tx, &job, attempt, &totals, Some(reason)).await;
            }
        };
        let (last_row, bytes) = records.last().map_or((0, 0), |r| (r.row_number, r.bytes_read));
        // The batch's own transaction keeps its rejected rows and the progress, and (valid rows only) its
        // records with them; all or nothing writes the records into `whole`, so the page shows the progress
        // while the file is read and nothing of the records until the end.
        let mut tx = begin(state, job.tenant_id).await?;
        let outcome = importer.batch(whole.as_mut().unwrap_or(&mut tx), records, true).await?;
        totals.add(&outcome, last_row, bytes);
        queries::insert_rejections(&mut tx, job.id, &rejections(outcome.rejected)).await?;
        if !queries::progress(&mut tx, job.id, attempt, &totals, LEASE).await? {
            return Ok(Ran::Lost);
        }
        tx.commit().await?;
        batches_done += 1;
        if stop_after.is_some_and(|n| batches_done >= n) {
            return Ok(Ran::Stopped);
        }
    }
    match whole {
        Some(whole) if totals.rejected > 0 => {
            whole.rollback().await?;
            let rejected = totals.rejected;
            totals.imported = 0;
            totals.organizations_created = 0;
            let tx = begin(state, job.tenant_id).await?;
            let reason = format!(
                "{rejected} {} problems, so nothing was imported (all or nothing). Fix {} and import the file again, or import only the valid rows.",
                if rejected == 1 { "row has" } else { "rows have" },
                if rejected == 1 { "it" } else { "them" }
            );
            finish(tx, &job, attempt, &totals, Some(reason)).await
        }
        Some(whole) => finish(whole, &job, attempt, &totals, None).await,
        None => {
            let tx = begin(state, job.tenant_id).await?;
            finish(tx, &job, attempt, &totals, None).await
        }
    }
}

trait Totals {
    fn zero() -> Self;
    fn of_job(job: &JobRow) -> Self;
    fn add(&mut self, outcome: &app::imports::ssr::engine::BatchResult, last_row: u32, bytes: u64);
}

impl Totals for Progress {
    fn zero() -> Progress {
        Progress { rows_read: 0, bytes_read: 0, imported: 0, rejected: 0, organizations_created: 0 }
    }

    fn of_job(job: &JobRow) -> Progress {
        Progress {
            rows_read: job.rows_read,
            bytes_read: job.bytes_read,
            imported: job.rows_imported,
            rejected: job.rows_rejected,
            organizations_created: job.organizations_created,
        }
    }

    fn add(&mut self, outcome: &app::imports::ssr::engine::BatchResult, last_row: u32, bytes: u64) {
        // The heading is row 1: data rows read so far is the last row's number less one.
        self.rows_read = last_row.saturating_sub(1) as i32;
        self.bytes_read = bytes as i64;
        self.imported += outcome.imported;
        self.rejected += outcome.outcomes.iter().filter(|(_, p)| !p.is_empty()).count() as i32;
        self.organizations_created += outcome.organizations_created;
    }
}
