//! Opportunity projects: the pursuits a tenant is working.

mod page;
#[cfg(feature = "ssr")]
pub mod queries;

pub use page::ProjectsPage;

use crate::{
    domain::{PipelineStage, Priority, ProjectStatus},
    error::AppError,
    ids::ProjectId,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One row of the project list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub project_name: String,
    pub title: Option<String>,
    pub agency_name: Option<String>,
    pub solicitation_number: Option<String>,
    pub pipeline_stage: PipelineStage,
    pub project_status: ProjectStatus,
    pub priority_level: Priority,
    pub win_probability_score: Option<Decimal>,
    pub estimated_value_max: Option<Decimal>,
    pub response_due_date: Option<DateTime<Utc>>,
    pub naics_codes: Option<String>,
    pub set_aside_type: Option<String>,
    pub capture_manager_name: Option<String>,
}

/// The tenant's open projects, with the server's clock so that "due in N days" renders the same on the
/// server and in the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectList {
    pub tenant_name: String,
    pub projects: Vec<ProjectSummary>,
    /// All matching projects, when more exist than were returned.
    pub total: i64,
    pub as_of: DateTime<Utc>,
}

/// Most rows one page may ask for.
pub const MAX_PAGE_SIZE: i64 = 500;

/// Lists the current tenant's projects that are not archived, soonest response due first.
#[server(prefix = "/api", endpoint = "projects/list")]
pub async fn list_projects(limit: Option<i64>) -> Result<ProjectList, AppError> {
    use crate::{auth::{ssr::{Caller, Resource}, Permission}, error::ssr::serve};

    serve(async move {
        let limit = match limit {
            None => MAX_PAGE_SIZE,
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            Some(n) => {
                return Err(AppError::Validation(format!(
                    "A page holds 1 to {MAX_PAGE_SIZE} projects; {n} was asked for."
                )));
            }
        };
        let caller = Caller::current().await?;
        let mut tx = caller.begin().await?;
        caller.authorize(&mut tx, Permission::ProjectsRead, Resource::Tenant).await?;
        let projects = queries::list_open(&mut tx, caller.tenant.id, limit).await.map_err(|e| caller.db_error(e))?;
        let total = queries::count_open(&mut tx, caller.tenant.id).await.map_err(|e| caller.db_error(e))?;
        tx.commit().await.map_err(|e| caller.db_error(e))?;
        Ok(ProjectList { tenant_name: caller.tenant.name.clone(), projects, total, as_of: Utc::now() })
    })
    .await
}
