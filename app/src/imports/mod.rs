//! CSV imports of contacts and organizations (issue 16): a file is uploaded with a progress bar
//! (POST /imports/upload, streamed to storage), its columns are mapped to fields (suggested from the headings
//! and from how this tenant mapped the same headings before), the first rows are previewed with every
//! problem named by row and column, and then a background job imports it, all or nothing or the valid rows
//! only, with a CSV of the rejected rows and their reasons (GET /imports/{id}/rejected.csv).
//!
//! `fields` is what a column can be; `rows` checks one row as the form would; `ssr` reads files, keeps the
//! jobs and writes the records; the worker that runs jobs is in the server crate (`gwm_crm::imports`).

pub mod fields;
mod page;
#[cfg(feature = "ssr")]
pub mod rows;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use page::{ImportJobPage, ImportStartPage};

use crate::{closed_set, error::AppError, ids::ImportId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

closed_set! {
    /// What a file holds (import_jobs.kind).
    pub enum ImportKind: "import kind" {
        Contacts = "contacts",
        Organizations = "organizations",
        Projects = "projects",
    }
}

impl ImportKind {
    pub fn label_plural(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Organizations => "organizations",
            Self::Projects => "projects",
        }
    }

    pub fn label_one(self) -> &'static str {
        match self {
            Self::Contacts => "contact",
            Self::Organizations => "organization",
            Self::Projects => "project",
        }
    }

    /// The list the records go to.
    pub fn list_href(self) -> &'static str {
        match self {
            Self::Contacts => "/contacts",
            Self::Organizations => "/organizations",
            Self::Projects => "/projects",
        }
    }

    /// What importing this kind needs: it creates these records, as their forms would.
    pub fn permission(self) -> crate::auth::Permission {
        match self {
            Self::Contacts | Self::Organizations => crate::auth::Permission::ContactsWrite,
            Self::Projects => crate::auth::Permission::ProjectsCreate,
        }
    }
}

closed_set! {
    /// What happens to a file with bad rows (import_jobs.mode).
    pub enum ImportMode: "import mode" {
        AllOrNothing = "all_or_nothing",
        ValidOnly = "valid_only",
    }
}

closed_set! {
    /// Where an import stands (import_jobs.status).
    pub enum ImportStatus: "import status" {
        Uploaded = "uploaded",
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
        Discarded = "discarded",
    }
}

impl ImportStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Uploaded => "Waiting for its columns",
            Self::Queued => "Waiting to start",
            Self::Running => "Importing",
            Self::Done => "Imported",
            Self::Failed => "Not imported",
            Self::Discarded => "Discarded",
        }
    }

    /// Still moving: the page follows it.
    pub fn is_working(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

closed_set! {
    /// How a file's text is encoded (import_jobs.encoding).
    pub enum TextEncoding: "encoding" {
        Utf8 = "utf-8",
        Windows1252 = "windows-1252",
    }
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8 (CSV UTF-8, Google Sheets, most exports)",
            Self::Windows1252 => "Windows-1252 (\u{201c}CSV\u{201d} from Excel on Windows)",
        }
    }
}

/// One problem of a row: the column's heading (None for the whole row) and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellProblem {
    pub column: Option<String>,
    pub message: String,
}

/// An import in a list or while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub id: ImportId,
    pub kind: ImportKind,
    pub file_name: String,
    pub file_size_bytes: i64,
    pub status: ImportStatus,
    pub mode: Option<ImportMode>,
    pub rows_read: i32,
    pub rows_imported: i32,
    pub rows_rejected: i32,
    pub organizations_created: i32,
    /// How much of the file has been read, 0.0–1.0.
    pub progress: f64,
    pub failure: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One previewed row: its cells and its problems (none when it would import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub row_number: u32,
    pub cells: Vec<String>,
    pub problems: Vec<CellProblem>,
}

/// A rejected row, as the import found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedRow {
    pub row_number: i32,
    pub problems: Vec<CellProblem>,
}

/// An import's page: the file, its columns and their mapping, a preview under that mapping (before it
/// starts), the rejected rows (after).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportDetail {
    pub summary: ImportSummary,
    pub encoding: TextEncoding,
    pub headings: Vec<String>,
    pub mapping: Vec<Option<String>>,
    pub mapping_problems: Vec<String>,
    pub preview: Vec<PreviewRow>,
    /// The first rejected rows (all of them are in the CSV).
    pub rejected: Vec<RejectedRow>,
}

/// How many rows the preview shows, and how many rejected rows the page lists.
pub const PREVIEW_ROWS: usize = 20;
pub const REJECTED_SHOWN: i64 = 100;

/// A mapping as the page sends it: one field key (or nothing) per column, comma-separated.
pub fn mapping_from_text(text: &str, columns: usize) -> Result<Vec<Option<String>>, AppError> {
    let parts: Vec<Option<String>> =
        text.split(',').map(|p| p.trim()).map(|p| (!p.is_empty()).then(|| p.to_string())).collect();
    if text.is_empty() && columns == 1 {
        return Ok(vec![None]);
    }
    if parts.len() != columns {
        return Err(AppError::Validation(format!(
            "The mapping names {} columns but the file has {columns}; reload the page.",
            parts.len()
        )));
    }
    Ok(parts)
}

pub fn mapping_to_text(mapping: &[Option<String>]) -> String {
    mapping.iter().map(|m| m.as_deref().unwrap_or("")).collect::<Vec<_>>().join(",")
}

/// The import's page, with a preview under `mapping` and `encoding` when given (the page's choices before
/// it starts), else under the stored or suggested mapping.
#[server(prefix = "/api", endpoint = "imports/get")]
pub async fn load_import(
    id: ImportId,
    mapping: Option<String>,
    encoding: Option<String>,
) -> Result<ImportDetail, AppError> {
    use crate::server_prelude::*;
    serve(ssr::service::detail(id, mapping, encoding)).await
}

/// Where the import is (polled while it runs).
#[server(prefix = "/api", endpoint = "imports/progress")]
pub async fn import_progress(id: ImportId) -> Result<ImportSummary, AppError> {
    use crate::server_prelude::*;
    serve(ssr::service::progress(id)).await
}

/// This tenant's recent imports of one kind.
#[server(prefix = "/api", endpoint = "imports/recent")]
pub async fn recent_imports(kind: ImportKind) -> Result<Vec<ImportSummary>, AppError> {
    use crate::server_prelude::*;
    serve(ssr::service::recent(kind)).await
}

/// Starts the import with this mapping, encoding and mode; remembers the mapping for the next file.
#[server(prefix = "/api", endpoint = "imports/start")]
pub async fn start_import(
    id: ImportId,
    mapping: String,
    encoding: String,
    mode: String,
) -> Result<ImportSummary, AppError> {
    use crate::server_prelude::*;
    serve(ssr::service::start(id, mapping, encoding, mode)).await
}

/// Drops an upload that was not started (its file is deleted).
#[server(prefix = "/api", endpoint = "imports/discard")]
pub async fn discard_import(id: ImportId) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(ssr::service::discard(id)).await
}
