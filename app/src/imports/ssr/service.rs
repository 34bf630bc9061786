//! The server functions' bodies: the page of one import (with a preview of its first rows under the
//! mapping being chosen), its progress, the recent imports, starting and discarding. Each needs what creating
//! the records of its kind needs (`ImportKind::permission`): `contacts.write`, or `projects.create`.

use super::{engine::Importer, queries, reader};
use crate::{
    audit::{AuditAction, AuditEvent},
    auth::ssr::{Caller, Held, Resource},
    db::Tx,
    error::AppError,
    ids::ImportId,
    imports::{
        ImportDetail, ImportKind, ImportMode, ImportStatus, ImportSummary, PREVIEW_ROWS, PreviewRow, REJECTED_SHOWN,
        TextEncoding, fields, mapping_from_text,
    },
    storage::StorageKey,
};

fn not_found() -> AppError {
    AppError::NotFound("Import".into())
}

/// The caller, once they may import the job's kind (another tenant's job is not found), and the job.
async fn load(id: ImportId) -> Result<(Caller, Held, queries::JobRow), AppError> {
    let caller = Caller::current().await?;
    let (job, held) = {
        let mut unchecked = caller.look_up().await?;
        let job = queries::job(unchecked.reads(), id).await?.ok_or_else(not_found)?;
        let (tx, held) = unchecked.authorize(job.kind.permission(), Resource::Tenant).await?;
        caller.commit(tx).await?;
        (job, held)
    };
    Ok((caller, held, job))
}

/// The job locked for a change, in a transaction of a caller who may import its kind.
async fn load_for_update(caller: &Caller, id: ImportId) -> Result<(Tx, queries::JobRow), AppError> {
    let mut unchecked = caller.look_up().await?;
    let job = queries::job_for_update(unchecked.reads(), id).await?.ok_or_else(not_found)?;
    let (tx, _) = unchecked.authorize(job.kind.permission(), Resource::Tenant).await?;
    Ok((tx, job))
}

fn encoding_or(raw: Option<String>, stored: TextEncoding) -> Result<TextEncoding, AppError> {
    match raw.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(raw) => Ok(raw.parse()?),
        None => Ok(stored),
    }
}

pub async fn detail(id: ImportId, mapping: Option<String>, encoding: Option<String>) -> Result<ImportDetail, AppError> {
    let (caller, held, job) = load(id).await?;
    let encoding = encoding_or(encoding, job.encoding)?;
    let columns = job.headings().len();
    let mapping = match mapping {
        Some(text) => mapping_from_text(&text, columns)?,
        None => match job.stored_mapping() {
            Some(stored) => stored,
            None => {
                let mut tx = caller.again(&held).await?;
                let remembered = queries::remembered(&mut tx, job.kind).await?;
                caller.commit(tx).await?;
                fields::suggest(job.kind, job.headings(), &remembered)
            }
        },
    };
    let mapping_problems = fields::mapping_problems(job.kind, &mapping);
    let mut preview = Vec::new();
    if job.status == ImportStatus::Uploaded && mapping_problems.is_empty() {
        let records = first_records(&caller, &job, encoding).await?;
        let mut tx = caller.again(&held).await?;
        let today = chrono::Utc::now().date_naive();
        let mut importer =
            Importer::new(job.kind, job.id, caller.user.id, today, job.headings().to_vec(), mapping.clone());
        let cells: Vec<(u32, Vec<String>)> = records.iter().map(|r| (r.row_number, r.cells.clone())).collect();
        let checked = importer.batch(&mut tx, records, false).await?;
        // Read-only: nothing to keep.
        tx.rollback().await?;
        preview = cells
            .into_iter()
            .map(|(row_number, cells)| {
                let problems =
                    checked.outcomes.iter().find(|(n, _)| *n == row_number).map(|(_, p)| p.clone()).unwrap_or_default();
                PreviewRow { row_number, cells, problems }
            })
            .collect();
    }
    let mut tx = caller.again(&held).await?;
    let rejected = queries::rejections(&mut tx, id, REJECTED_SHOWN).await?;
    caller.commit(tx).await?;
    Ok(ImportDetail {
        summary: job.summary(),
        encoding,
        headings: job.headings().to_vec(),
        mapping,
        mapping_problems,
        preview,
        rejected,
    })
}

/// The file's first rows, for the preview.
async fn first_records(
    caller: &Caller,
    job: &queries::JobRow,
    encoding: TextEncoding,
) -> Result<Vec<reader::Record>, AppError> {
    let request_id = &caller.request.request_id;
    let key = StorageKey::parse(&job.storage_key).map_err(|e| AppError::internal(&e, request_id))?;
    let (_, body) = caller.state.storage.get(&key).await.map_err(|e| e.user_error_reading(request_id))?;
    let mut batches = reader::records(body, encoding, 0, PREVIEW_ROWS);
    match batches.recv().await {
        None => Ok(Vec::new()),
        Some(Ok(records)) => Ok(records),
        Some(Err(reader::ReadError::Storage(reason))) => {
            tracing::error!(%request_id, %reason, "an import's file could not be read");
            Err(AppError::StorageUnreadable)
        }
        Some(Err(e)) => Err(AppError::Validation(format!("{}.", crate::format::capitalised(&e.to_string())))),
    }
}

pub async fn progress(id: ImportId) -> Result<ImportSummary, AppError> {
    let (_, _, job) = load(id).await?;
    Ok(job.summary())
}

pub async fn recent(kind: ImportKind) -> Result<Vec<ImportSummary>, AppError> {
    let (caller, mut tx) = Caller::start(kind.permission(), Resource::Tenant).await?;
    let rows = queries::recent(&mut tx, kind, 10).await?;
    caller.commit(tx).await?;
    Ok(rows.iter().map(queries::JobRow::summary).collect())
}

pub async fn start(id: ImportId, mapping: String, encoding: String, mode: String) -> Result<ImportSummary, AppError> {
    let mode: ImportMode = mode.parse()?;
    let encoding: TextEncoding = encoding.parse()?;
    let caller = Caller::current().await?;
    let (mut tx, job) = load_for_update(&caller, id).await?;
    if job.status != ImportStatus::Uploaded {
        return Err(AppError::Conflict(format!(
            "This import has already been started ({}); upload the file again to import it once more.",
            job.status.label().to_lowercase()
        )));
    }
    let mapping = mapping_from_text(&mapping, job.headings().len())?;
    let problems = fields::mapping_problems(job.kind, &mapping);
    if !problems.is_empty() {
        return Err(AppError::Validation(format!("Please fix the columns: {}.", problems.join("; "))));
    }
    queries::queue(&mut tx, id, &mapping, encoding, mode).await?;
    queries::remember(&mut tx, job.kind, job.headings(), &mapping, caller.user.id).await?;
    let event = AuditEvent::new(
        AuditAction::Import,
        "import",
        Some(id.as_uuid()),
        format!("Started importing {} from \u{201c}{}\u{201d}", job.kind.label_plural(), job.file_name),
    )
    .after(serde_json::json!({
        "file": job.file_name, "kind": job.kind, "mode": mode, "encoding": encoding, "mapping": mapping,
        "columns": job.headings(),
    }));
    caller.audit(&mut tx, event).await?;
    let job = queries::job(&mut tx, id).await?.ok_or_else(not_found)?;
    caller.commit(tx).await?;
    Ok(job.summary())
}

pub async fn discard(id: ImportId) -> Result<(), AppError> {
    let caller = Caller::current().await?;
    let (mut tx, job) = load_for_update(&caller, id).await?;
    if job.status != ImportStatus::Uploaded {
        return Err(AppError::Conflict("Only an import that has not started can be discarded.".into()));
    }
    queries::discard(&mut tx, id).await?;
    caller.commit(tx).await
}
