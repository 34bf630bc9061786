//! SQL of the dashboard. Pursuit figures come from `opportunity_project_dashboard` (security_invoker, so RLS
//! applies) and still name the tenant explicitly: the view is the tenant-filtered path, RLS the second wall.

use super::{Deadline, OverdueActivity, SourceChange, StageValue};
use crate::{db::Tx, ids::UserId};

/// Open pursuits' count, value and PWin-weighted value per stage (every stage, zeros included).
pub async fn stage_values(tx: &mut Tx) -> Result<Vec<StageValue>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.stage, count(d.id) AS count, coalesce(sum(d.estimated_value_max), 0)::numeric(17, 2) AS total_value, \
                coalesce(sum(d.estimated_value_max * coalesce(d.win_probability_score, 0) / 100), 0)::numeric(17, 2) AS weighted_value \
           FROM unnest(ARRAY['phase_0','phase_1','phase_2','phase_3','phase_4','phase_5','phase_6','awarded','lost']) WITH ORDINALITY AS s(stage, n) \
           LEFT JOIN opportunity_project_dashboard d \
                  ON d.pipeline_stage = s.stage AND d.tenant_id = app_current_tenant_id() AND d.project_status <> 'archived' \
          GROUP BY s.stage, s.n ORDER BY s.n",
    )
    .fetch_all(&mut **tx)
    .await
}

/// Pursuits won and lost whose decision came within the last `days`.
pub async fn decisions(tx: &mut Tx, days: i32) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE pipeline_stage = 'awarded'), count(*) FILTER (WHERE pipeline_stage = 'lost') \
           FROM opportunity_project_dashboard \
          WHERE tenant_id = app_current_tenant_id() AND pipeline_stage IN ('awarded', 'lost') \
            AND stage_entered_at > now() - make_interval(days => $1)",
    )
    .bind(days)
    .fetch_one(&mut **tx)
    .await
}

const DEADLINE_COLUMNS: &str = "id, project_name, pipeline_stage, priority_level, response_due_date, estimated_value_max AS estimated_value, pursuit_health_score";

/// Responses still to write (phases 0–4) due within `days`, soonest first, and how many there are.
pub async fn upcoming(tx: &mut Tx, days: i32) -> Result<(Vec<Deadline>, i64), sqlx::Error> {
    let sql = format!(
        "SELECT {DEADLINE_COLUMNS}, count(*) OVER () AS total FROM opportunity_project_dashboard \
          WHERE tenant_id = app_current_tenant_id() AND project_status IN ('active', 'on_hold') \
            AND pipeline_stage IN ('phase_0','phase_1','phase_2','phase_3','phase_4') \
            AND response_due_date BETWEEN now() AND now() + make_interval(days => $1) \
          ORDER BY response_due_date, project_name LIMIT 8"
    );
    let rows: Vec<WithTotal<Deadline>> = sqlx::query_as(&sql).bind(days).fetch_all(&mut **tx).await?;
    Ok(split(rows))
}

/// The caller's open pursuits (capture manager or on the team), soonest due first.
pub async fn my_pursuits(tx: &mut Tx, me: UserId) -> Result<Vec<Deadline>, sqlx::Error> {
    let sql = format!(
        "SELECT {DEADLINE_COLUMNS} FROM opportunity_project_dashboard d \
          WHERE tenant_id = app_current_tenant_id() AND project_status <> 'archived' \
            AND pipeline_stage NOT IN ('awarded', 'lost') \
            AND (assigned_capture_manager = $1 OR EXISTS (SELECT 1 FROM opportunity_projects op \
                  WHERE op.id = d.id AND op.assigned_team_members ? $1::text)) \
          ORDER BY response_due_date NULLS LAST, project_name LIMIT 8"
    );
    sqlx::query_as(&sql).bind(me).fetch_all(&mut **tx).await
}

/// Open activities past their due date on open pursuits, the oldest first, and how many there are.
pub async fn overdue_activities(tx: &mut Tx) -> Result<(Vec<OverdueActivity>, i64), sqlx::Error> {
    let rows: Vec<WithTotal<OverdueActivity>> = sqlx::query_as(
        "SELECT d.id AS project_id, d.project_name, a.subject, a.due_date, \
                nullif(concat_ws(' ', u.first_name, u.last_name), '') AS assignee, count(*) OVER () AS total \
           FROM activities a \
           JOIN opportunity_project_dashboard d ON d.tenant_id = a.tenant_id AND d.id = a.entity_id \
           LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.assigned_to \
          WHERE a.tenant_id = app_current_tenant_id() AND a.entity_type = 'opportunity_project' AND NOT a.is_deleted \
            AND a.status IN ('pending', 'in_progress') AND a.due_date < now() AND d.project_status <> 'archived' \
          ORDER BY a.due_date LIMIT 8",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(split(rows))
}

/// Source changes nobody has acknowledged yet, newest first, and how many there are.
pub async fn unacknowledged_changes(tx: &mut Tx) -> Result<(Vec<SourceChange>, i64), sqlx::Error> {
    let rows: Vec<WithTotal<SourceChange>> = sqlx::query_as(
        "SELECT d.id AS project_id, d.project_name, c.change_type, c.impact_level, \
                coalesce((SELECT string_agg(replace(f, '_', ' '), ', ') FROM jsonb_array_elements_text(c.changed_fields) f), '') AS fields, \
                c.change_timestamp AS at, count(*) OVER () AS total \
           FROM external_data_changes c \
           JOIN opportunity_project_dashboard d ON d.tenant_id = c.tenant_id AND d.id = c.opportunity_project_id \
          WHERE c.tenant_id = app_current_tenant_id() AND c.acknowledged_by IS NULL AND d.project_status <> 'archived' \
          ORDER BY c.change_timestamp DESC LIMIT 8",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(split(rows))
}

/// A listed row with the count of all rows that matched (`count(*) OVER ()`).
#[derive(sqlx::FromRow)]
struct WithTotal<T> {
    #[sqlx(flatten)]
    row: T,
    total: i64,
}

fn split<T>(rows: Vec<WithTotal<T>>) -> (Vec<T>, i64) {
    let total = rows.first().map(|w| w.total).unwrap_or(0);
    (rows.into_iter().map(|w| w.row).collect(), total)
}
