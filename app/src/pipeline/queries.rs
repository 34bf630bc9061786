//! SQL of the board. Totals cover every pursuit that matches the filter; cards come a page at a time, soonest
//! response due first.

use super::{BoardCard, BoardColumn, BoardFilter, CARDS_PER_PAGE};
use crate::{
    db::Tx,
    domain::PipelineStage,
    ids::{ProjectId, UserId},
};
use rust_decimal::Decimal;

/// The filtered pursuits with what their cards show. $1 manager, $2 priority, $3 search pattern, $4 agency,
/// $5 set-aside, $6 NAICS prefix pattern, $7 due within days, $8 min value, $9 max value; see `bind_filter`.
const MATCHING: &str = r#"
    WITH p AS (
        SELECT op.id, op.project_name, op.agency_name, op.solicitation_number, op.pipeline_stage, op.priority_level,
               op.win_probability_score, eod.estimated_value_max AS estimated_value, eod.response_due_date,
               nullif(concat_ws(' ', cm.first_name, cm.last_name), '') AS capture_manager_name,
               (SELECT count(*) FROM external_data_changes c
                 WHERE c.tenant_id = op.tenant_id AND c.opportunity_project_id = op.id AND c.acknowledged_at IS NULL)
                   AS unacknowledged_changes
          FROM opportunity_projects op
          LEFT JOIN external_opportunity_data eod
                 ON eod.tenant_id = op.tenant_id AND eod.opportunity_project_id = op.id AND eod.is_current_version
          LEFT JOIN users cm ON cm.tenant_id = op.tenant_id AND cm.id = op.assigned_capture_manager
         WHERE op.tenant_id = app_current_tenant_id() AND op.project_status <> 'archived'
           AND ($1::uuid IS NULL OR op.assigned_capture_manager = $1)
           AND ($2::text IS NULL OR op.priority_level = $2)
           AND ($3::text IS NULL OR op.project_name ILIKE $3 OR op.solicitation_number ILIKE $3
                OR op.agency_name ILIKE $3 OR eod.title ILIKE $3)
           AND ($4::text IS NULL OR op.agency_name = $4)
           AND ($5::text IS NULL OR eod.set_aside_type = $5)
           AND ($6::text IS NULL OR eod.naics_codes LIKE $6)
           AND ($7::int IS NULL OR eod.response_due_date BETWEEN now() AND now() + make_interval(days => $7))
           AND ($8::numeric IS NULL OR eod.estimated_value_max >= $8)
           AND ($9::numeric IS NULL OR eod.estimated_value_max <= $9)
    )"#;

type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

/// Binds $1..$9 of `MATCHING`.
fn bind_filter<'q, O>(query: Query<'q, O>, filter: &BoardFilter, manager: Option<UserId>) -> Query<'q, O> {
    query
        .bind(manager)
        .bind(filter.priority)
        .bind(pattern(filter))
        .bind(filter.agency.clone())
        .bind(filter.set_aside.clone())
        .bind(filter.naics.as_ref().map(|n| format!("%{n}%")))
        .bind(filter.due_within)
        .bind(filter.min_value)
        .bind(filter.max_value)
}

const CARD_COLUMNS: &str = "id, project_name, agency_name, solicitation_number, pipeline_stage, priority_level, \
     win_probability_score, estimated_value, response_due_date, capture_manager_name, unacknowledged_changes";

/// `%text%` for ILIKE, with the user's own % and _ taken literally.
fn pattern(filter: &BoardFilter) -> Option<String> {
    filter.q.as_ref().map(|q| format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
}

pub async fn board(tx: &mut Tx, filter: &BoardFilter, manager: Option<UserId>) -> Result<Vec<BoardColumn>, sqlx::Error> {
    let totals_sql = format!(
        "{MATCHING} SELECT pipeline_stage, count(*), coalesce(sum(estimated_value), 0), \
                coalesce(sum(estimated_value * coalesce(win_probability_score, 0) / 100), 0) FROM p GROUP BY 1"
    );
    let totals: Vec<(PipelineStage, i64, Decimal, Decimal)> =
        bind_filter(sqlx::query_as(&totals_sql), filter, manager).fetch_all(&mut **tx).await?;
    let cards_sql = format!(
        "{MATCHING} SELECT {CARD_COLUMNS} FROM (SELECT p.*, row_number() OVER (PARTITION BY pipeline_stage \
           ORDER BY response_due_date ASC NULLS LAST, project_name, id) AS rn FROM p) ranked WHERE rn <= $10 \
         ORDER BY pipeline_stage, rn"
    );
    let cards: Vec<BoardCard> =
        bind_filter(sqlx::query_as(&cards_sql), filter, manager).bind(CARDS_PER_PAGE).fetch_all(&mut **tx).await?;
    Ok(PipelineStage::ALL
        .iter()
        .map(|stage| {
            let (count, total_value, weighted_value) = totals
                .iter()
                .find(|t| t.0 == *stage)
                .map(|t| (t.1, t.2.round_dp(2), t.3.round_dp(2)))
                .unwrap_or((0, Decimal::ZERO, Decimal::ZERO));
            BoardColumn {
                stage: *stage,
                count,
                total_value,
                weighted_value,
                cards: cards.iter().filter(|c| c.pipeline_stage == *stage).cloned().collect(),
            }
        })
        .collect())
}

pub async fn cards(tx: &mut Tx, filter: &BoardFilter, manager: Option<UserId>, stage: PipelineStage, offset: i64) -> Result<Vec<BoardCard>, sqlx::Error> {
    let sql = format!(
        "{MATCHING} SELECT {CARD_COLUMNS} FROM p WHERE pipeline_stage = $10 \
         ORDER BY response_due_date ASC NULLS LAST, project_name, id OFFSET $11 LIMIT $12"
    );
    bind_filter(sqlx::query_as(&sql), filter, manager).bind(stage).bind(offset).bind(CARDS_PER_PAGE).fetch_all(&mut **tx).await
}

pub async fn card(tx: &mut Tx, id: ProjectId) -> Result<Option<BoardCard>, sqlx::Error> {
    let sql = format!("{MATCHING} SELECT {CARD_COLUMNS} FROM p WHERE id = $10");
    bind_filter(sqlx::query_as(&sql), &BoardFilter::default(), None).bind(id).fetch_optional(&mut **tx).await
}

/// The project's stage, locking the row for the move (another tenant's or an archived project: None).
pub async fn stage_for_update(tx: &mut Tx, id: ProjectId) -> Result<Option<PipelineStage>, sqlx::Error> {
    sqlx::query_scalar("SELECT pipeline_stage FROM opportunity_projects WHERE id = $1 AND project_status <> 'archived' FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Moves the project and writes the field's history.
pub async fn set_stage(tx: &mut Tx, id: ProjectId, from: PipelineStage, to: PipelineStage, by: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE opportunity_projects SET pipeline_stage = $2, stage_entered_at = now() WHERE id = $1")
        .bind(id)
        .bind(to)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO change_history (tenant_id, entity_type, entity_id, field_name, old_value, new_value, \
            changed_by_user_id, change_source, change_category, change_impact_level) \
         VALUES (app_current_tenant_id(), 'opportunity_project', $1, 'pipeline_stage', to_jsonb($2::text), to_jsonb($3::text), \
            $4, 'user_action', 'stage_change', 'important')",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// People who manage captures (for the filter): active users who are capture manager of some pursuit.
pub async fn capture_managers(tx: &mut Tx) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, concat_ws(' ', u.first_name, u.last_name) FROM users u \
          WHERE u.is_active AND EXISTS (SELECT 1 FROM opportunity_projects op WHERE op.assigned_capture_manager = u.id) \
          ORDER BY u.last_name, u.first_name",
    )
    .fetch_all(&mut **tx)
    .await
}

/// The agencies and set-asides in use, for the filter menus.
pub async fn filter_choices(tx: &mut Tx) -> Result<(Vec<String>, Vec<String>), sqlx::Error> {
    let agencies: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT agency_name FROM opportunity_projects WHERE agency_name IS NOT NULL AND project_status <> 'archived' ORDER BY 1",
    )
    .fetch_all(&mut **tx)
    .await?;
    let set_asides: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT set_aside_type FROM external_opportunity_data WHERE is_current_version AND set_aside_type IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok((agencies, set_asides))
}

pub async fn views(tx: &mut Tx, user: UserId) -> Result<Vec<super::SavedView>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, query FROM saved_views WHERE user_id = $1 AND view_kind = 'pipeline' ORDER BY name")
        .bind(user)
        .fetch_all(&mut **tx)
        .await
}

pub async fn save_view(tx: &mut Tx, user: UserId, name: &str, query: &str) -> Result<super::SavedView, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO saved_views (tenant_id, user_id, view_kind, name, query) VALUES (app_current_tenant_id(), $1, 'pipeline', $2, $3) \
         ON CONFLICT (tenant_id, user_id, view_kind, name) DO UPDATE SET query = EXCLUDED.query RETURNING id, name, query",
    )
    .bind(user)
    .bind(name)
    .bind(query)
    .fetch_one(&mut **tx)
    .await
}

/// Deletes one of the user's own views; false when there is no such view of theirs.
pub async fn delete_view(tx: &mut Tx, user: UserId, id: uuid::Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2").bind(id).bind(user).execute(&mut **tx).await?.rows_affected() == 1)
}
