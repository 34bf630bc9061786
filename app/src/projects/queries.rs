//! SQL for projects. Every function takes a tenant-scoped transaction and still filters by tenant_id:
//! RLS is the second wall, not the only one.

use super::ProjectSummary;
use crate::{db::Tx, ids::TenantId};

pub async fn list_open(tx: &mut Tx, tenant: TenantId, limit: i64) -> Result<Vec<ProjectSummary>, sqlx::Error> {
    sqlx::query_as::<_, ProjectSummary>(
        r#"
        SELECT op.id, op.project_name, coalesce(eod.title, op.title) AS title, op.agency_name,
               op.solicitation_number, op.pipeline_stage, op.project_status, op.priority_level,
               op.win_probability_score, eod.estimated_value_max, eod.response_due_date, eod.naics_codes,
               eod.set_aside_type,
               nullif(concat_ws(' ', cm.first_name, cm.last_name), '') AS capture_manager_name
        FROM opportunity_projects op
        LEFT JOIN external_opportunity_data eod
               ON eod.tenant_id = op.tenant_id AND eod.opportunity_project_id = op.id AND eod.is_current_version
        LEFT JOIN users cm ON cm.tenant_id = op.tenant_id AND cm.id = op.assigned_capture_manager
        WHERE op.tenant_id = $1 AND op.project_status <> 'archived'
        -- Pursuits still to respond first, soonest due first; submitted and decided ones after them.
        ORDER BY op.pipeline_stage IN ('phase_5', 'phase_6', 'awarded', 'lost'), eod.response_due_date ASC NULLS LAST, op.project_name, op.id
        LIMIT $2
        "#,
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

pub async fn count_open(tx: &mut Tx, tenant: TenantId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM opportunity_projects WHERE tenant_id = $1 AND project_status <> 'archived'")
        .bind(tenant)
        .fetch_one(&mut **tx)
        .await
}
