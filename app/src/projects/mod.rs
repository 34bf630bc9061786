//! Opportunity projects: the pursuits a tenant is working. The table view (sorted and paged on the server,
//! same filters as the board, CSV export), and creating, editing, archiving and restoring a pursuit.

pub mod edit;
#[cfg(feature = "ssr")]
pub mod export;
pub mod filter;
mod form;
mod page;
pub mod project;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod writes;

pub use edit::{
    ArchiveProject, ProjectForm, ProjectInput, RestoreProject, archive_project, create_project, load_project_form,
    restore_project, update_project,
};
pub use filter::{FilterBar, FilterChoices, ProjectFilter};
pub use form::{EditProjectPage, NewProjectPage};
pub use page::ProjectsPage;
pub use project::ProjectPage;

use crate::{
    closed_set,
    domain::{PipelineStage, Priority, ProjectStatus},
    error::AppError,
    ids::ProjectId,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A pursuit as a board card, a table row and an export line show it; synced fields carry their effective
/// value (a person's override, else the source's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProjectRow {
    pub id: ProjectId,
    pub project_name: String,
    pub title: Option<String>,
    pub agency_name: Option<String>,
    pub solicitation_number: Option<String>,
    pub pipeline_stage: PipelineStage,
    pub project_status: ProjectStatus,
    pub priority_level: Priority,
    pub win_probability_score: Option<Decimal>,
    pub estimated_value: Option<Decimal>,
    pub response_due_date: Option<DateTime<Utc>>,
    pub naics_codes: Option<String>,
    pub set_aside_type: Option<String>,
    pub capture_manager_name: Option<String>,
    pub unacknowledged_changes: i64,
    pub updated_at: DateTime<Utc>,
}

closed_set! {
    /// The table's sortable columns.
    pub enum TableSort: "sort column" {
        Due = "due",
        Name = "name",
        Agency = "agency",
        Stage = "stage",
        Value = "value",
        PWin = "pwin",
        Priority = "priority",
        Manager = "manager",
        Updated = "updated",
    }
}

impl TableSort {
    /// The direction a first click sorts in: biggest, most urgent and newest first.
    pub const fn starts_descending(self) -> bool {
        matches!(self, Self::Value | Self::PWin | Self::Priority | Self::Updated)
    }
}

/// Rows per table page.
pub const TABLE_PAGE_SIZE: i64 = 50;

/// The table's state in the URL: the filter plus sort, direction and page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableQuery {
    pub filter: ProjectFilter,
    pub sort: TableSort,
    pub descending: bool,
    /// 1-based.
    pub page: i64,
}

impl Default for TableQuery {
    fn default() -> Self {
        TableQuery { filter: ProjectFilter::default(), sort: TableSort::Due, descending: false, page: 1 }
    }
}

impl TableQuery {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> TableQuery {
        let sort = get("sort").and_then(|s| s.parse().ok()).unwrap_or(TableSort::Due);
        TableQuery {
            descending: get("dir").is_some_and(|d| d == "desc"),
            page: get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
            filter: ProjectFilter::from_query(get),
            sort,
        }
    }

    /// The URL query: the filter's, then sort and page when they are not the defaults.
    pub fn to_query(&self) -> String {
        let mut query = self.filter.to_query();
        let mut add = |part: String| {
            query.push(if query.is_empty() { '?' } else { '&' });
            query.push_str(&part);
        };
        if self.sort != TableSort::Due || self.descending {
            add(format!("sort={}", self.sort));
            add(format!("dir={}", if self.descending { "desc" } else { "asc" }));
        }
        if self.page != 1 {
            add(format!("page={}", self.page));
        }
        query
    }

    /// The same view sorted by `sort`: flips the direction when it is already the sort column.
    pub fn sorted_by(&self, sort: TableSort) -> TableQuery {
        let descending = if self.sort == sort { !self.descending } else { sort.starts_descending() };
        TableQuery { filter: self.filter.clone(), sort, descending, page: 1 }
    }

    pub fn check(&self) -> Result<(), AppError> {
        self.filter.check()?;
        if !(1..=10_000).contains(&self.page) {
            return Err(AppError::Validation(format!("The page number must be 1 to 10000, not {}.", self.page)));
        }
        Ok(())
    }
}

/// One page of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectTable {
    pub rows: Vec<ProjectRow>,
    /// All pursuits matching the filter.
    pub total: i64,
    pub choices: FilterChoices,
    pub can_create: bool,
    pub as_of: DateTime<Utc>,
}

impl ProjectTable {
    pub fn pages(&self) -> i64 {
        ((self.total + TABLE_PAGE_SIZE - 1) / TABLE_PAGE_SIZE).max(1)
    }
}

#[server(prefix = "/api", endpoint = "projects/table")]
pub async fn load_table(#[server(default)] query: TableQuery) -> Result<ProjectTable, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        query.check()?;
        let (caller, mut tx, held) = Caller::start_holding(Permission::ProjectsRead, Resource::Tenant).await?;
        let manager = query.filter.manager_for(caller.user.id);
        let (rows, total) = queries::table_page(&mut tx, &query, manager).await?;
        let choices = queries::cached_choices(&mut tx, &caller).await?;
        let can_create = held.allows(Permission::ProjectsCreate);
        caller.commit(tx).await?;
        Ok(ProjectTable { rows, total, choices, can_create, as_of: Utc::now() })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_state_round_trips_through_the_url() {
        let q = TableQuery {
            filter: ProjectFilter { mine: true, ..Default::default() },
            sort: TableSort::Value,
            descending: true,
            page: 3,
        };
        assert_eq!(q.to_query(), "?mine=1&sort=value&dir=desc&page=3");
        let pairs: std::collections::HashMap<&str, &str> =
            [("mine", "1"), ("sort", "value"), ("dir", "desc"), ("page", "3")].into_iter().collect();
        assert_eq!(TableQuery::from_query(|k| pairs.get(k).map(|v| v.to_string())), q);
        assert_eq!(TableQuery::default().to_query(), "");
    }

    #[test]
    fn sorting_by_a_column_flips_and_starts_where_people_look_first() {
        let q = TableQuery { page: 4, ..Default::default() };
        let by_due = q.sorted_by(TableSort::Due);
        assert!(by_due.descending, "already sorted by due ascending: flips");
        assert_eq!(by_due.page, 1, "a new sort starts at the first page");
        assert!(q.sorted_by(TableSort::Value).descending, "biggest first");
        assert!(!q.sorted_by(TableSort::Name).descending, "A to Z first");
    }

    #[test]
    fn a_page_out_of_range_says_what_to_fix() {
        let err = TableQuery { page: 0, ..Default::default() }.check().expect_err("page 0");
        assert!(err.to_string().contains("1 to 10000"));
    }
}
