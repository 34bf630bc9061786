//! SQL of the board, on the pursuits matching its filter (`projects::queries::matching`). Totals cover every pursuit that matches the filter; cards come a page at a time, soonest
//! response due first.

use super::{BoardColumn, CARDS_PER_PAGE};
use crate::{
    db::Tx,
    domain::PipelineStage,
    ids::{ProjectId, UserId},
    projects::{
        ProjectFilter, ProjectRow,
        queries::{Matching, ROW_COLUMNS, matching},
    },
};
use rust_decimal::Decimal;

/// A card with its column's totals (every matching pursuit of the stage, not only the cards sent).
#[derive(sqlx::FromRow)]
struct RankedCard {
    #[sqlx(flatten)]
    card: ProjectRow,
    stage_count: i64,
    stage_value: Decimal,
    stage_weighted: Decimal,
}

/// Every column in one pass over the matching pursuits: the totals as window aggregates, and the first
/// `CARDS_PER_PAGE` cards of each stage, soonest response due first.
/// The board's one statement for `filter` (the pages benchmark runs its text under pgbench).
pub fn board_query(filter: &ProjectFilter, manager: Option<UserId>) -> Matching {
    let mut q = matching(filter, manager);
    q.push(format_args!(
        " SELECT {ROW_COLUMNS}, stage_count, stage_value, stage_weighted FROM ( \
           SELECT p.*, count(*) OVER stage AS stage_count, coalesce(sum(estimated_value) OVER stage, 0) AS stage_value, \
                  coalesce(sum(estimated_value * coalesce(win_probability_score, 0) / 100) OVER stage, 0) AS stage_weighted, \
                  row_number() OVER (stage ORDER BY response_due_date ASC NULLS LAST, project_name, id) AS rn \
             FROM p WINDOW stage AS (PARTITION BY pipeline_stage)) ranked \
          WHERE rn <= "
    ))
    .push_bind(CARDS_PER_PAGE)
    .push(" ORDER BY pipeline_stage, rn");
    q
}

pub async fn board(
    tx: &mut Tx,
    filter: &ProjectFilter,
    manager: Option<UserId>,
) -> Result<Vec<BoardColumn>, sqlx::Error> {
    let mut q = board_query(filter, manager);
    let ranked: Vec<RankedCard> = q.build_query_as().fetch_all(&mut **tx).await?;
    Ok(PipelineStage::ALL
        .iter()
        .map(|stage| {
            let in_stage: Vec<&RankedCard> = ranked.iter().filter(|r| r.card.pipeline_stage == *stage).collect();
            let (count, total_value, weighted_value) = in_stage
                .first()
                .map(|r| (r.stage_count, r.stage_value.round_dp(2), r.stage_weighted.round_dp(2)))
                .unwrap_or((0, Decimal::ZERO, Decimal::ZERO));
            BoardColumn {
                stage: *stage,
                count,
                total_value,
                weighted_value,
                cards: in_stage.into_iter().map(|r| r.card.clone().into()).collect(),
            }
        })
        .collect())
}

pub async fn cards(
    tx: &mut Tx,
    filter: &ProjectFilter,
    manager: Option<UserId>,
    stage: PipelineStage,
    offset: i64,
) -> Result<Vec<ProjectRow>, sqlx::Error> {
    let mut q = matching(filter, manager);
    q.push(format_args!(" SELECT {ROW_COLUMNS} FROM p WHERE pipeline_stage = "))
        .push_bind(stage)
        .push(" ORDER BY response_due_date ASC NULLS LAST, project_name, id OFFSET ")
        .push_bind(offset)
        .push(" LIMIT ")
        .push_bind(CARDS_PER_PAGE);
    q.build_query_as().fetch_all(&mut **tx).await
}

pub async fn card(tx: &mut Tx, id: ProjectId) -> Result<Option<ProjectRow>, sqlx::Error> {
    let mut q = matching(&ProjectFilter::default(), None);
    q.push(format_args!(" SELECT {ROW_COLUMNS} FROM p WHERE id = ")).push_bind(id);
    q.build_query_as().fetch_optional(&mut **tx).await
}

/// The project's stage, locking the row for the move (another tenant's or an archived project: None).
pub async fn stage_for_update(tx: &mut Tx, id: ProjectId) -> Result<Option<PipelineStage>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT pipeline_stage FROM opportunity_projects WHERE id = $1 AND project_status <> 'archived' FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Moves the project and writes the field's history.
pub async fn set_stage(
    tx: &mut Tx,
    id: ProjectId,
    from: PipelineStage,
    to: PipelineStage,
    by: UserId,
) -> Result<(), sqlx::Error> {
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

/// User `$1`'s saved views of the board.
pub const VIEWS_SQL: &str =
    "SELECT id, name, query FROM saved_views WHERE user_id = $1 AND view_kind = 'pipeline' ORDER BY name";

pub async fn views(tx: &mut Tx, user: UserId) -> Result<Vec<super::SavedView>, sqlx::Error> {
    sqlx::query_as(VIEWS_SQL).bind(user).fetch_all(&mut **tx).await
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
    Ok(sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1)
}
