//! Documents: solicitations, amendments, Q&A responses, capture plans and proposals, kept as files with every
//! version. Uploads and downloads stream through the server's own routes (src/http/documents.rs, which uses
//! `upload`); listing, versions, delete and restore are server functions here.

mod detail_page;
pub mod filing;
#[cfg(feature = "ssr")]
mod filing_queries;
mod library_page;
pub mod names;
mod page;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod search;
#[cfg(feature = "ssr")]
mod search_queries;
#[cfg(feature = "ssr")]
pub mod upload;

pub use detail_page::DocumentPage;
pub use library_page::LibraryPage;
pub use page::ProjectDocumentsPage;

use crate::{closed_set, domain::AccessLevel, error::AppError, ids::ProjectId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

closed_set! {
    /// What a document is, for filing and search.
    pub enum DocumentType: "document type" {
        Solicitation = "solicitation",
        Amendment = "amendment",
        QnaResponse = "qna_response",
        Proposal = "proposal",
        CapturePlan = "capture_plan",
        Presentation = "presentation",
        Contract = "contract",
        Correspondence = "correspondence",
        Pricing = "pricing",
        PastPerformance = "past_performance",
        Other = "other",
    }
}

impl DocumentType {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Solicitation => "Solicitation",
            Self::Amendment => "Amendment",
            Self::QnaResponse => "Q&A response",
            Self::Proposal => "Proposal",
            Self::CapturePlan => "Capture plan",
            Self::Presentation => "Presentation",
            Self::Contract => "Contract",
            Self::Correspondence => "Correspondence",
            Self::Pricing => "Pricing",
            Self::PastPerformance => "Past performance",
            Self::Other => "Other",
        }
    }
}

closed_set! {
    /// Where text extraction stands.
    pub enum ProcessingStatus: "processing status" {
        Pending = "pending",
        Processing = "processing",
        Ready = "ready",
        Error = "error",
    }
}

impl ProcessingStatus {
    /// Whether the text is still to be read.
    pub const fn is_waiting(self) -> bool {
        matches!(self, Self::Pending | Self::Processing)
    }
}

/// One version of a document, as lists and version histories show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DocumentRow {
    pub id: Uuid,
    /// The first version's id: what every version of this document shares.
    pub root_id: Uuid,
    pub project_id: Option<ProjectId>,
    pub name: String,
    pub original_filename: String,
    pub mime_type: String,
    pub file_size_bytes: i64,
    pub document_type: Option<DocumentType>,
    pub access_level: AccessLevel,
    pub version_number: i32,
    pub is_current_version: bool,
    pub is_deleted: bool,
    pub processing_status: ProcessingStatus,
    /// Why the text could not be read, when processing_status is Error.
    pub processing_error: Option<String>,
    /// Whether reading it found any text (a scanned image or an empty file has none).
    pub has_text: bool,
    pub file_hash_sha256: Option<String>,
    pub uploaded_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A project's documents page: the current version of each document the caller may see (deleted ones too
/// when asked, for people who may restore them), and what the caller may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentList {
    pub project_name: String,
    pub archived: bool,
    pub can_upload: bool,
    pub can_delete: bool,
    pub documents: Vec<DocumentRow>,
}

#[server(prefix = "/api", endpoint = "documents/project")]
pub async fn project_documents(
    project_id: ProjectId,
    #[server(default)] include_deleted: bool,
) -> Result<DocumentList, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let (caller, mut tx, held) = Caller::start_holding(Permission::DocumentsRead, Resource::Project(id)).await?;
        let (project_name, archived) =
            queries::project_name(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        let can_delete = held.allows(Permission::DocumentsDelete);
        let documents = queries::current_versions(&mut tx, id, include_deleted && can_delete).await?;
        caller.commit(tx).await?;
        Ok(DocumentList {
            project_name,
            archived,
            can_upload: held.allows(Permission::DocumentsUpload),
            can_delete,
            documents,
        })
    })
    .await
}

/// Every version of a document, newest first.
#[server(prefix = "/api", endpoint = "documents/versions")]
pub async fn document_versions(document_id: String) -> Result<Vec<DocumentRow>, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, doc, _) = open_document(&document_id, Permission::DocumentsRead).await?;
        let versions = queries::versions(&mut tx, doc.root_id).await?;
        caller.commit(tx).await?;
        Ok(versions)
    })
    .await
}

/// Deletes a document (every version) softly: it leaves lists and search, and can be restored.
#[server(prefix = "/api", endpoint = "documents/delete")]
pub async fn delete_document(document_id: String) -> Result<(), AppError> {
    set_deleted(document_id, true).await
}

#[server(prefix = "/api", endpoint = "documents/restore")]
pub async fn restore_document(document_id: String) -> Result<(), AppError> {
    set_deleted(document_id, false).await
}

/// The signed-in caller, a transaction, and the document (any version the caller may see) checked for
/// `permission` on its project (or the tenant, for the library), with what the caller holds there.
#[cfg(feature = "ssr")]
async fn open_document(
    document_id: &str,
    permission: crate::auth::Permission,
) -> Result<(crate::auth::ssr::Caller, crate::db::Tx, DocumentRow, crate::auth::ssr::Held), AppError> {
    use crate::auth::ssr::{Caller, Resource};
    let id: Uuid = crate::input::parse_id("Document", document_id)?;
    let caller = Caller::current().await?;
    let mut lookup = caller.look_up().await?;
    let doc = queries::visible(lookup.reads(), id).await?.ok_or_else(|| AppError::NotFound("Document".into()))?;
    let (tx, held) = lookup.authorize(permission, doc.project_id.map_or(Resource::Tenant, Resource::Project)).await?;
    Ok((caller, tx, doc, held))
}

#[cfg(feature = "ssr")]
async fn set_deleted(document_id: String, deleted: bool) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, doc, _) = open_document(&document_id, Permission::DocumentsDelete).await?;
        if doc.is_deleted == deleted {
            return Err(AppError::Conflict(
                if deleted { "This document is already deleted." } else { "This document is not deleted." }.into(),
            ));
        }
        queries::set_deleted(&mut tx, doc.root_id, deleted, caller.user.id).await?;
        let (action, access, verb) = if deleted {
            (AuditAction::Delete, "delete", "Deleted")
        } else {
            (AuditAction::Restore, "restore", "Restored")
        };
        queries::log_access(&mut tx, &caller, queries::Logged::Document(doc.id), access, None).await?;
        let event = AuditEvent::new(
            action,
            "document",
            Some(doc.root_id),
            format!("{verb} \u{201c}{}\u{201d} (every version)", doc.name),
        );
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}
