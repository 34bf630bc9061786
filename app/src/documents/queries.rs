//! SQL of documents. Reads go through the tenant's RLS and the access-level policy (`app_may_see_document`,
//! migration 0013): a document the caller may not see is simply not found.

use super::DocumentRow;
use crate::{auth::ssr::Caller, db::Tx, domain::AccessLevel, ids::ProjectId};
use uuid::Uuid;

const ROW: &str = "SELECT d.id, coalesce(d.parent_document_id, d.id) AS root_id, d.opportunity_project_id AS project_id, \
        d.name, d.original_filename, d.mime_type, d.file_size_bytes, d.document_type, d.access_level, d.version_number, \
        d.is_current_version, d.is_deleted, d.processing_status, d.processing_error, d.extracted_text IS NOT NULL AS has_text, \
        d.file_hash_sha256::text AS file_hash_sha256, \
        nullif(concat_ws(' ', u.first_name, u.last_name), '') AS uploaded_by_name, d.created_at \
   FROM documents d LEFT JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.uploaded_by";

/// The project's name and whether it is archived.
pub async fn project_name(tx: &mut Tx, id: ProjectId) -> Result<Option<(String, bool)>, sqlx::Error> {
    sqlx::query_as("SELECT project_name, project_status = 'archived' FROM opportunity_projects WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn current_versions(
    tx: &mut Tx,
    project: ProjectId,
    deleted_too: bool,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let deleted = if deleted_too { "" } else { " AND NOT d.is_deleted" };
    sqlx::query_as(&format!(
        "{ROW} WHERE d.opportunity_project_id = $1 AND d.is_current_version{deleted} ORDER BY d.created_at DESC, d.id"
    ))
    .bind(project)
    .fetch_all(&mut **tx)
    .await
}

/// Any version the caller may see, deleted or not.
pub async fn visible(tx: &mut Tx, id: Uuid) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ROW} WHERE d.id = $1")).bind(id).fetch_optional(&mut **tx).await
}

pub async fn versions(tx: &mut Tx, root: Uuid) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ROW} WHERE coalesce(d.parent_document_id, d.id) = $1 ORDER BY d.version_number DESC"))
        .bind(root)
        .fetch_all(&mut **tx)
        .await
}

/// Soft-deletes or restores every version of a document.
pub async fn set_deleted(tx: &mut Tx, root: Uuid, deleted: bool, by: crate::ids::UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE documents SET is_deleted = $2, deleted_at = CASE WHEN $2 THEN now() END, deleted_by = CASE WHEN $2 THEN $3 END \
          WHERE coalesce(parent_document_id, id) = $1",
    )
    .bind(root)
    .bind(deleted)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a download needs.
#[derive(sqlx::FromRow)]
pub struct StoredFile {
    pub id: Uuid,
    pub project_id: Option<ProjectId>,
    pub original_filename: String,
    pub mime_type: String,
    pub storage_key: String,
    pub is_deleted: bool,
}

pub async fn stored_file(tx: &mut Tx, id: Uuid) -> Result<Option<StoredFile>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, opportunity_project_id AS project_id, original_filename, mime_type, storage_key, is_deleted \
           FROM documents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Whether the id is a document of the tenant at all (seen or not).
pub async fn in_tenant(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT app_document_in_tenant($1)").bind(id).fetch_one(&mut **tx).await
}

/// Which document an access-log row is about: one of the tenant's, or only an id someone asked for.
pub enum Logged {
    Document(Uuid),
    Requested(Uuid),
}

/// One row of document_access_logs; `failure` makes it a refusal.
pub async fn log_access(
    tx: &mut Tx,
    caller: &Caller,
    doc: Logged,
    access: &str,
    failure: Option<&str>,
) -> Result<(), sqlx::Error> {
    let (document, requested) = match doc {
        Logged::Document(id) => (Some(id), None),
        Logged::Requested(id) => (None, Some(id)),
    };
    sqlx::query(
        "INSERT INTO document_access_logs (tenant_id, document_id, requested_document_id, user_id, access_type, ip_address, \
            user_agent, success, failure_reason, request_id) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5::inet, $6, $7, $8, $9)",
    )
    .bind(document)
    .bind(requested)
    .bind(caller.user.id)
    .bind(access)
    .bind(caller.request.ip.map(|ip| ip.to_string()))
    .bind(caller.request.user_agent.as_deref())
    .bind(failure.is_none())
    .bind(failure)
    .bind(&caller.request.request_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Announces an object before it is written (committed on its own: see migration 0013).
pub async fn announce_object(
    tx: &mut Tx,
    provider: &str,
    bucket: Option<&str>,
    key: &str,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO storage_objects (tenant_id, provider, bucket, storage_key) VALUES (app_current_tenant_id(), $1, $2, $3) RETURNING id",
    )
    .bind(provider)
    .bind(bucket)
    .bind(key)
    .fetch_one(&mut **tx)
    .await
}

pub async fn link_object(tx: &mut Tx, object: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE storage_objects SET state = 'linked', linked_at = now() WHERE id = $1")
        .bind(object)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn forget_object(tx: &mut Tx, object: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM storage_objects WHERE id = $1").bind(object).execute(&mut **tx).await?;
    Ok(())
}

/// Locks the current version of a chain for a new one; None when the chain has no current, undeleted version.
pub async fn lock_current(tx: &mut Tx, root: Uuid) -> Result<Option<(Uuid, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, version_number FROM documents \
          WHERE coalesce(parent_document_id, id) = $1 AND is_current_version AND NOT is_deleted FOR UPDATE",
    )
    .bind(root)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn retire(tx: &mut Tx, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE documents SET is_current_version = false WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// A new document row (a first version, or a later one of `parent`).
pub struct NewDocument<'a> {
    pub id: Uuid,
    pub project: Option<ProjectId>,
    pub name: &'a str,
    pub original_filename: &'a str,
    pub extension: &'a str,
    pub mime_type: &'a str,
    pub size: i64,
    pub provider: &'a str,
    pub bucket: Option<&'a str>,
    pub key: &'a str,
    pub md5: &'a str,
    pub sha256: &'a str,
    pub document_type: super::DocumentType,
    pub access: AccessLevel,
    pub version: i32,
    pub parent: Option<Uuid>,
    pub uploaded_by: crate::ids::UserId,
}

pub async fn insert(tx: &mut Tx, d: &NewDocument<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO documents (id, tenant_id, opportunity_project_id, name, original_filename, file_extension, mime_type, \
            file_size_bytes, storage_provider, storage_bucket, storage_key, file_hash_md5, file_hash_sha256, document_type, \
            access_level, version_number, parent_document_id, uploaded_by, category_id, tags) \
         VALUES ($1, app_current_tenant_id(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 (SELECT category_id FROM documents WHERE id = $16), coalesce((SELECT tags FROM documents WHERE id = $16), '[]'))",
    )
    .bind(d.id)
    .bind(d.project)
    .bind(d.name)
    .bind(d.original_filename)
    .bind(d.extension)
    .bind(d.mime_type)
    .bind(d.size)
    .bind(d.provider)
    .bind(d.bucket)
    .bind(d.key)
    .bind(d.md5)
    .bind(d.sha256)
    .bind(d.document_type)
    .bind(d.access)
    .bind(d.version)
    .bind(d.parent)
    .bind(d.uploaded_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
