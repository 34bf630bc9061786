//! The SQL of import jobs: the job row, its rejected rows and the remembered mappings. Updates made by the
//! job that runs an import name the attempt that claimed it, so a server whose lease ran out (and whose job
//! another server took over) can no longer write to it.

use crate::{
    db::Tx,
    ids::{ImportId, UserId},
    imports::{CellProblem, ImportKind, ImportMode, ImportStatus, ImportSummary, RejectedRow, TextEncoding},
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// One import job as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: ImportId,
    pub tenant_id: crate::ids::TenantId,
    pub kind: ImportKind,
    pub file_name: String,
    pub storage_provider: String,
    pub storage_key: String,
    pub file_size_bytes: i64,
    pub encoding: TextEncoding,
    pub headers: sqlx::types::Json<Vec<String>>,
    pub mapping: Option<sqlx::types::Json<Vec<Option<String>>>>,
    pub mode: Option<ImportMode>,
    pub status: ImportStatus,
    pub bytes_read: i64,
    pub rows_read: i32,
    pub rows_imported: i32,
    pub rows_rejected: i32,
    pub organizations_created: i32,
    pub failure: Option<String>,
    pub attempts: i32,
    pub created_by: UserId,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobRow {
    pub fn summary(&self) -> ImportSummary {
        let progress = match self.status {
            ImportStatus::Done => 1.0,
            _ if self.file_size_bytes > 0 => (self.bytes_read as f64 / self.file_size_bytes as f64).clamp(0.0, 1.0),
            _ => 0.0,
        };
        ImportSummary {
            id: self.id,
            kind: self.kind,
            file_name: self.file_name.clone(),
            file_size_bytes: self.file_size_bytes,
            status: self.status,
            mode: self.mode,
            rows_read: self.rows_read,
            rows_imported: self.rows_imported,
            rows_rejected: self.rows_rejected,
            organizations_created: self.organizations_created,
            progress,
            failure: self.failure.clone(),
            created_by: self.created_by_name.clone(),
            created_at: self.created_at,
            finished_at: self.finished_at,
        }
    }

    pub fn headings(&self) -> &[String] {
        &self.headers.0
    }

    pub fn stored_mapping(&self) -> Option<Vec<Option<String>>> {
        self.mapping.as_ref().map(|m| m.0.clone())
    }
}

const JOB: &str = "SELECT j.id, j.tenant_id, j.kind, j.file_name, j.storage_provider, j.storage_key::text AS storage_key, \
        j.file_size_bytes, j.encoding, j.headers, j.mapping, j.mode, j.status, j.bytes_read, j.rows_read, j.rows_imported, \
        j.rows_rejected, j.organizations_created, j.failure::text AS failure, j.attempts, j.created_by, \
        u.first_name || ' ' || u.last_name AS created_by_name, j.created_at, j.finished_at \
   FROM import_jobs j JOIN users u ON u.id = j.created_by";

/// What a new job records of its file.
pub struct NewJob<'a> {
    pub id: ImportId,
    pub kind: ImportKind,
    pub file_name: &'a str,
    pub provider: &'a str,
    pub key: &'a str,
    pub object: Uuid,
    pub size: i64,
    pub encoding: TextEncoding,
    pub headings: &'a [String],
    pub by: UserId,
}

pub async fn insert_job(tx: &mut Tx, job: &NewJob<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO import_jobs (id, tenant_id, kind, file_name, storage_provider, storage_key, storage_object_id, \
            file_size_bytes, encoding, headers, created_by) \
         VALUES ($1, app_current_tenant_id(), $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(job.id)
    .bind(job.kind)
    .bind(job.file_name)
    .bind(job.provider)
    .bind(job.key)
    .bind(job.object)
    .bind(job.size)
    .bind(job.encoding)
    .bind(json!(job.headings))
    .bind(job.by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn job(tx: &mut Tx, id: ImportId) -> Result<Option<JobRow>, sqlx::Error> {
    sqlx::query_as(&format!("{JOB} WHERE j.id = $1")).bind(id).fetch_optional(&mut **tx).await
}

/// The job, locked for a change of its status.
pub async fn job_for_update(tx: &mut Tx, id: ImportId) -> Result<Option<JobRow>, sqlx::Error> {
    sqlx::query_as(&format!("{JOB} WHERE j.id = $1 FOR UPDATE OF j")).bind(id).fetch_optional(&mut **tx).await
}

pub async fn recent(tx: &mut Tx, kind: ImportKind, limit: i64) -> Result<Vec<JobRow>, sqlx::Error> {
    sqlx::query_as(&format!("{JOB} WHERE j.kind = $1 AND j.status <> 'discarded' ORDER BY j.created_at DESC LIMIT $2"))
        .bind(kind)
        .bind(limit)
        .fetch_all(&mut **tx)
        .await
}

/// The headings this tenant mapped before, and to what ("" = not imported).
pub async fn remembered(tx: &mut Tx, kind: ImportKind) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT heading::text, field::text FROM import_mappings WHERE kind = $1")
        .bind(kind)
        .fetch_all(&mut **tx)
        .await
}

/// Remembers what each heading was mapped to.
pub async fn remember(
    tx: &mut Tx,
    kind: ImportKind,
    headings: &[String],
    mapping: &[Option<String>],
    by: UserId,
) -> Result<(), sqlx::Error> {
    let mut keys: Vec<String> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    for (heading, field) in headings.iter().zip(mapping) {
        let key = crate::imports::fields::heading_key(heading);
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
            fields.push(field.clone().unwrap_or_default());
        }
    }
    sqlx::query(
        "INSERT INTO import_mappings (tenant_id, kind, heading, field, updated_by) \
         SELECT app_current_tenant_id(), $1, h, f, $4 FROM unnest($2::text[], $3::text[]) AS m (h, f) \
         ON CONFLICT (tenant_id, kind, heading) DO UPDATE SET field = EXCLUDED.field, updated_by = EXCLUDED.updated_by, \
            updated_at = now()",
    )
    .bind(kind)
    .bind(&keys)
    .bind(&fields)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn queue(
    tx: &mut Tx,
    id: ImportId,
    mapping: &[Option<String>],
    encoding: TextEncoding,
    mode: ImportMode,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_jobs SET status = 'queued', mapping = $2, encoding = $3, mode = $4, queued_at = now() \
          WHERE id = $1 AND status = 'uploaded'",
    )
    .bind(id)
    .bind(json!(mapping))
    .bind(encoding)
    .bind(mode)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn discard(tx: &mut Tx, id: ImportId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE import_jobs SET status = 'discarded' WHERE id = $1 AND status = 'uploaded'")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The first rejected rows, in the file's order.
pub async fn rejections(tx: &mut Tx, id: ImportId, limit: i64) -> Result<Vec<RejectedRow>, sqlx::Error> {
    let rows: Vec<(i32, sqlx::types::Json<Vec<CellProblem>>)> = sqlx::query_as(
        "SELECT row_number, problems FROM import_rejections WHERE import_id = $1 ORDER BY row_number LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(row_number, problems)| RejectedRow { row_number, problems: problems.0 }).collect())
}

/// A page of rejected rows after `after` (by row number), with their cells, for the rejected-rows file.
pub async fn rejection_page(
    tx: &mut Tx,
    id: ImportId,
    after: i32,
    limit: i64,
) -> Result<Vec<(i32, sqlx::types::Json<Vec<CellProblem>>, sqlx::types::Json<Vec<String>>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT row_number, problems, cells FROM import_rejections WHERE import_id = $1 AND row_number > $2 \
          ORDER BY row_number LIMIT $3",
    )
    .bind(id)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

/// Keeps a batch's rejected rows (a row already kept by an earlier try is kept once).
pub async fn insert_rejections(
    tx: &mut Tx,
    id: ImportId,
    rows: &[(u32, Vec<CellProblem>, Vec<String>)],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let numbers: Vec<i32> = rows.iter().map(|r| r.0 as i32).collect();
    let problems: Vec<Value> = rows.iter().map(|r| json!(r.1)).collect();
    let cells: Vec<Value> = rows.iter().map(|r| json!(r.2)).collect();
    sqlx::query(
        "INSERT INTO import_rejections (tenant_id, import_id, row_number, problems, cells) \
         SELECT app_current_tenant_id(), $1, n, p, c FROM unnest($2::int[], $3::jsonb[], $4::jsonb[]) AS r (n, p, c) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(&numbers)
    .bind(&problems)
    .bind(&cells)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Where a run is: the claim (`attempt`) still holds, and the lease moves on. False when the claim was lost.
pub struct Progress {
    pub rows_read: i32,
    pub bytes_read: i64,
    pub imported: i32,
    pub rejected: i32,
    pub organizations_created: i32,
}

/// Adds a batch's counts (`valid_only`: committed with the batch) or sets the totals so far (`all_or_nothing`).
pub async fn progress(
    tx: &mut Tx,
    id: ImportId,
    attempt: i32,
    p: &Progress,
    lease: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE import_jobs SET rows_read = $3, bytes_read = $4, rows_imported = $5, rows_rejected = $6, \
            organizations_created = $7, claimed_until = now() + make_interval(secs => $8) \
          WHERE id = $1 AND attempts = $2 AND status = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .bind(p.rows_read)
    .bind(p.bytes_read)
    .bind(p.imported)
    .bind(p.rejected)
    .bind(p.organizations_created)
    .bind(lease.as_secs_f64())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Starts an all-or-nothing run again from the top: what an earlier try counted and rejected is forgotten
/// (what it wrote was rolled back with it).
pub async fn restart(tx: &mut Tx, id: ImportId, attempt: i32) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM import_rejections WHERE import_id = $1").bind(id).execute(&mut **tx).await?;
    let done = sqlx::query(
        "UPDATE import_jobs SET rows_read = 0, bytes_read = 0, rows_imported = 0, rows_rejected = 0, \
            organizations_created = 0 WHERE id = $1 AND attempts = $2 AND status = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the run: done, or failed with the reason. False when the claim was lost.
pub async fn finish(tx: &mut Tx, id: ImportId, attempt: i32, failure: Option<&str>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE import_jobs SET status = CASE WHEN $3::text IS NULL THEN 'done' ELSE 'failed' END, failure = $3, \
            finished_at = now(), claimed_until = NULL WHERE id = $1 AND attempts = $2 AND status = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .bind(failure)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hands the claim back (storage did not answer): another try starts when a worker is free, not after the
/// lease, and it does not count as an attempt.
pub async fn hand_back(tx: &mut Tx, id: ImportId, attempt: i32) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_jobs SET status = 'queued', claimed_until = NULL, attempts = greatest(attempts - 1, 0) \
          WHERE id = $1 AND attempts = $2 AND status = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
