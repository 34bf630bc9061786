//! The tenant's home page: pipeline value by stage (a server-rendered SVG chart), win rate, upcoming response
//! deadlines, overdue activities, unacknowledged source changes and the caller's own pursuits. Read from the
//! `opportunity_project_dashboard` view (live, under RLS) and refreshed in the browser every minute.

mod chart;
mod page;
#[cfg(feature = "ssr")]
pub mod queries;

pub use page::DashboardPage;

use crate::{
    domain::{PipelineStage, Priority},
    error::AppError,
    ids::ProjectId,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How often the open page asks again.
pub const REFRESH_SECONDS: u64 = 60;
/// Deadlines within this many days are "upcoming".
pub const UPCOMING_DAYS: i32 = 30;
/// Decisions within this many days count toward the win rate.
pub const WIN_RATE_DAYS: i32 = 365;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StageValue {
    pub stage: PipelineStage,
    pub count: i64,
    pub total_value: Decimal,
    pub weighted_value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Deadline {
    pub id: ProjectId,
    pub project_name: String,
    pub pipeline_stage: PipelineStage,
    pub priority_level: Priority,
    pub response_due_date: Option<DateTime<Utc>>,
    pub estimated_value: Option<Decimal>,
    pub pursuit_health_score: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OverdueActivity {
    pub project_id: ProjectId,
    pub project_name: String,
    pub subject: String,
    pub due_date: DateTime<Utc>,
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SourceChange {
    pub project_id: ProjectId,
    pub project_name: String,
    pub change_type: String,
    pub impact_level: crate::domain::ImpactLevel,
    pub fields: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub tenant_name: String,
    pub first_name: String,
    pub stages: Vec<StageValue>,
    pub won: i64,
    pub lost: i64,
    pub upcoming: Vec<Deadline>,
    pub upcoming_total: i64,
    pub overdue: Vec<OverdueActivity>,
    pub overdue_total: i64,
    pub changes: Vec<SourceChange>,
    pub changes_total: i64,
    pub mine: Vec<Deadline>,
    pub as_of: DateTime<Utc>,
}

impl Dashboard {
    /// Won / decided, in percent (None before anything is decided).
    pub fn win_rate(&self) -> Option<Decimal> {
        let decided = self.won + self.lost;
        (decided > 0).then(|| (Decimal::from(self.won * 100) / Decimal::from(decided)).round_dp(0))
    }

    /// Value of the pursuits still open (phases 0–6) and the same weighted by PWin.
    pub fn open_pipeline(&self) -> (Decimal, Decimal, i64) {
        self.stages.iter().filter(|s| !s.stage.is_closed()).fold((Decimal::ZERO, Decimal::ZERO, 0), |(t, w, n), s| {
            (t + s.total_value, w + s.weighted_value, n + s.count)
        })
    }
}

#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::DashboardRead, Resource::Tenant).await?;
        let stages = queries::stage_values(&mut tx).await?;
        let (won, lost) = queries::decisions(&mut tx, WIN_RATE_DAYS).await?;
        let (upcoming, upcoming_total) = queries::upcoming(&mut tx, UPCOMING_DAYS).await?;
        let (overdue, overdue_total) = queries::overdue_activities(&mut tx).await?;
        let (changes, changes_total) = queries::unacknowledged_changes(&mut tx).await?;
        let mine = queries::my_pursuits(&mut tx, caller.user.id).await?;
        caller.commit(tx).await?;
        Ok(Dashboard {
            tenant_name: caller.tenant.name.clone(),
            first_name: caller.user.name.split_whitespace().next().unwrap_or_default().to_string(),
            stages,
            won,
            lost,
            upcoming,
            upcoming_total,
            overdue,
            overdue_total,
            changes,
            changes_total,
            mine,
            as_of: Utc::now(),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(stage: PipelineStage, count: i64, total: i64, weighted: i64) -> StageValue {
        StageValue { stage, count, total_value: Decimal::from(total), weighted_value: Decimal::from(weighted) }
    }

    #[test]
    fn win_rate_and_open_pipeline_leave_decided_pursuits_out_of_the_pipeline() {
        let d = Dashboard {
            tenant_name: String::new(),
            first_name: String::new(),
            stages: vec![
                stage(PipelineStage::Phase1, 2, 100, 40),
                stage(PipelineStage::Phase4, 1, 50, 25),
                stage(PipelineStage::Awarded, 3, 900, 900),
            ],
            won: 2,
            lost: 1,
            upcoming: vec![],
            upcoming_total: 0,
            overdue: vec![],
            overdue_total: 0,
            changes: vec![],
            changes_total: 0,
            mine: vec![],
            as_of: Utc::now(),
        };
        assert_eq!(d.win_rate(), Some(Decimal::from(67)));
        assert_eq!(d.open_pipeline(), (Decimal::from(150), Decimal::from(65), 3));
        assert_eq!(Dashboard { won: 0, lost: 0, ..d }.win_rate(), None);
    }
}
