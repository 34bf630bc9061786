//! What the source changed on a pursuit, server side: each change with its impact and its fields (old →
//! new), who acknowledged it and why; acknowledging one or all with a note; and the field-level comparison of
//! any two versions the source sent.

use super::snapshot::{ChangeType, SyncField};
use crate::{
    domain::ImpactLevel,
    error::AppError,
    ids::{ChangeId, ProjectId},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One field of a change or a comparison: its label, its value before and after as a person reads them,
/// and, for instants, the instants themselves (the page shows them in the reader's own time too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The synced field, when the name is one (older rows may name columns).
    pub field: Option<SyncField>,
    pub label: String,
    pub old: String,
    pub new: String,
    pub old_at: Option<DateTime<Utc>>,
    pub new_at: Option<DateTime<Utc>>,
}

/// Who acknowledged a change, when, and what they noted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgment {
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: ChangeId,
    pub at: DateTime<Utc>,
    pub change_type: ChangeType,
    pub impact: ImpactLevel,
    pub from_version: Option<i32>,
    pub to_version: Option<i32>,
    pub fields: Vec<FieldDiff>,
    pub acknowledged: Option<Acknowledgment>,
}

/// One version the source sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub number: i32,
    pub at: DateTime<Utc>,
    pub notice_id: Option<String>,
    pub changed_fields: Vec<SyncField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectChanges {
    pub changes: Vec<ChangeView>,
    pub versions: Vec<VersionView>,
    pub unacknowledged: i64,
    pub can_acknowledge: bool,
}

impl ChangeType {
    pub const fn label(self) -> &'static str {
        match self {
            ChangeType::Update => "Update",
            ChangeType::Amendment => "Amendment",
            ChangeType::StatusChange => "Status change",
            ChangeType::DocumentAdded => "Documents added",
            ChangeType::Award => "Award",
        }
    }
}

/// The most changes a page lists (newest first); older ones stay in the database and in the versions.
pub const CHANGES_SHOWN: i64 = 100;

#[server(prefix = "/api", endpoint = "projects/source-changes")]
pub async fn load_project_changes(project_id: ProjectId) -> Result<ProjectChanges, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, held) =
            Caller::start_holding(Permission::ProjectsRead, Resource::Project(project_id)).await?;
        let mut changes = super::ssr::changes::load(&mut tx, super::ssr::changes::Owner::Project(project_id)).await?;
        changes.can_acknowledge = held.allows(Permission::ProjectsUpdate);
        caller.commit(tx).await?;
        Ok(changes)
    })
    .await
}

/// Acknowledges changes of a pursuit with a note (optional, at most 1,000 characters): those named, or every
/// unacknowledged one when none is named (`None`). The number acknowledged.
#[server(prefix = "/api", endpoint = "projects/acknowledge-changes")]
pub async fn acknowledge_changes(
    project_id: ProjectId,
    change_ids: Option<Vec<ChangeId>>,
    note: String,
) -> Result<u64, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let change_ids = change_ids.unwrap_or_default();
        let note = note.trim();
        if note.chars().count() > 1000 {
            return Err(AppError::Validation("The note can have at most 1,000 characters.".into()));
        }
        if change_ids.len() > 1000 {
            return Err(AppError::Validation("Acknowledge at most 1,000 changes at once.".into()));
        }
        let (caller, mut tx) = Caller::start(Permission::ProjectsUpdate, Resource::Project(project_id)).await?;
        let n = super::ssr::changes::acknowledge(
            &caller,
            &mut tx,
            project_id,
            &change_ids,
            (!note.is_empty()).then_some(note),
        )
        .await?;
        caller.commit(tx).await?;
        Ok(n)
    })
    .await
}

/// The fields that differ between two versions of a pursuit's opportunity.
#[server(prefix = "/api", endpoint = "projects/compare-versions")]
pub async fn compare_versions(project_id: ProjectId, from: i32, to: i32) -> Result<Vec<FieldDiff>, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Project(project_id)).await?;
        let diffs =
            super::ssr::changes::compare(&mut tx, super::ssr::changes::Owner::Project(project_id), from, to).await?;
        caller.commit(tx).await?;
        Ok(diffs)
    })
    .await
}
