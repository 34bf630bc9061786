//! SQL of the pursuits that match a filter: the board's columns and cards, the table's pages and the CSV
//! export all start from `MATCHING`. Synced fields come from `opportunity_project_current` (overrides applied).

use super::{ProjectFilter, ProjectRow, TableQuery, TableSort, FilterChoices, TABLE_PAGE_SIZE};
use crate::{db::Tx, ids::UserId};

/// The matching pursuits as rows. $1 manager, $2 priority, $3 search pattern, $4 agency, $5 set-aside,
/// $6 NAICS pattern, $7 due within days, $8 min value, $9 max value; bound by `bind_filter`.
pub const MATCHING: &str = r#"
    WITH p AS (
        SELECT cur.id, cur.project_name, cur.title, cur.agency_name, cur.solicitation_number, cur.pipeline_stage,
               cur.project_status, cur.priority_level, cur.win_probability_score, cur.estimated_value,
               cur.response_due_date, cur.naics_codes, cur.set_aside_type, cur.updated_at,
               nullif(concat_ws(' ', cm.first_name, cm.last_name), '') AS capture_manager_name,
               coalesce(chg.n, 0) AS unacknowledged_changes
          FROM opportunity_project_current cur
          LEFT JOIN users cm ON cm.tenant_id = cur.tenant_id AND cm.id = cur.assigned_capture_manager
          LEFT JOIN (SELECT c.opportunity_project_id, count(*) AS n FROM external_data_changes c
                      WHERE c.tenant_id = app_current_tenant_id() AND c.acknowledged_by IS NULL GROUP BY 1) chg
                 ON chg.opportunity_project_id = cur.id
         WHERE cur.tenant_id = app_current_tenant_id() AND cur.project_status <> 'archived'
           AND ($1::uuid IS NULL OR cur.assigned_capture_manager = $1)
           AND ($2::text IS NULL OR cur.priority_level = $2)
           AND ($3::text IS NULL OR cur.project_name ILIKE $3 OR cur.solicitation_number ILIKE $3
                OR cur.agency_name ILIKE $3 OR cur.title ILIKE $3)
           AND ($4::text IS NULL OR cur.agency_name = $4)
           AND ($5::text IS NULL OR cur.set_aside_type = $5)
           AND ($6::text IS NULL OR cur.naics_codes LIKE $6)
           AND ($7::int IS NULL OR cur.response_due_date BETWEEN now() AND now() + make_interval(days => $7))
           AND ($8::numeric IS NULL OR cur.estimated_value >= $8)
           AND ($9::numeric IS NULL OR cur.estimated_value <= $9)
    )"#;

/// Every column of `ProjectRow`, as selected from `p`.
pub const ROW_COLUMNS: &str = "id, project_name, title, agency_name, solicitation_number, pipeline_stage, project_status, \
     priority_level, win_probability_score, estimated_value, response_due_date, naics_codes, set_aside_type, \
     capture_manager_name, unacknowledged_changes, updated_at";

pub type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

/// Binds $1..$9 of `MATCHING`.
pub fn bind_filter<'q, O>(query: Query<'q, O>, filter: &ProjectFilter, manager: Option<UserId>) -> Query<'q, O> {
    query
        .bind(manager)
        .bind(filter.priority)
        .bind(pattern(filter.q.as_deref()))
        .bind(filter.agency.clone())
        .bind(filter.set_aside.clone())
        .bind(filter.naics.as_ref().map(|n| format!("%{n}%")))
        .bind(filter.due_within)
        .bind(filter.min_value)
        .bind(filter.max_value)
}

/// `%text%` for ILIKE, with the user's own % and _ taken literally.
fn pattern(q: Option<&str>) -> Option<String> {
    q.map(|q| format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
}

/// The ORDER BY of a table sort: whitelisted expressions only, ties broken by name and id so pages are stable.
fn order_by(sort: TableSort, descending: bool) -> String {
    let key = match sort {
        TableSort::Due => "response_due_date",
        TableSort::Name => "lower(project_name)",
        TableSort::Agency => "lower(agency_name)",
        TableSort::Stage => "array_position(ARRAY['phase_0','phase_1','phase_2','phase_3','phase_4','phase_5','phase_6','awarded','lost'], pipeline_stage)",
        TableSort::Value => "estimated_value",
        TableSort::PWin => "win_probability_score",
        TableSort::Priority => "array_position(ARRAY['low','medium','high','critical'], priority_level)",
        TableSort::Manager => "lower(capture_manager_name)",
        TableSort::Updated => "updated_at",
    };
    let dir = if descending { "DESC" } else { "ASC" };
    // Soonest due first means the deadlines still ahead; those already past follow.
    let ahead = if sort == TableSort::Due && !descending { "response_due_date < now(), " } else { "" };
    format!("ORDER BY {ahead}{key} {dir} NULLS LAST, lower(project_name), id")
}

#[derive(sqlx::FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    row: ProjectRow,
    total: i64,
}

/// One page of the table and the number of all matching pursuits, in one pass (a page past the end counts
/// separately).
pub async fn table_page(tx: &mut Tx, query: &TableQuery, manager: Option<UserId>) -> Result<(Vec<ProjectRow>, i64), sqlx::Error> {
    let sql = format!("{MATCHING} SELECT {ROW_COLUMNS}, count(*) OVER () AS total FROM p {} OFFSET $10 LIMIT $11", order_by(query.sort, query.descending));
    let rows: Vec<CountedRow> = bind_filter(sqlx::query_as(&sql), &query.filter, manager)
        .bind((query.page - 1) * TABLE_PAGE_SIZE)
        .bind(TABLE_PAGE_SIZE)
        .fetch_all(&mut **tx)
        .await?;
    let total = match rows.first() {
        Some(first) => first.total,
        None => count(tx, &query.filter, manager).await?,
    };
    Ok((rows.into_iter().map(|r| r.row).collect(), total))
}

/// The whole view for the CSV export, in the table's order, at most `limit` rows.
pub async fn export_rows(tx: &mut Tx, query: &TableQuery, manager: Option<UserId>, limit: i64) -> Result<Vec<ProjectRow>, sqlx::Error> {
    let sql = format!("{MATCHING} SELECT {ROW_COLUMNS} FROM p {} LIMIT $10", order_by(query.sort, query.descending));
    bind_filter(sqlx::query_as(&sql), &query.filter, manager).bind(limit).fetch_all(&mut **tx).await
}

pub async fn count(tx: &mut Tx, filter: &ProjectFilter, manager: Option<UserId>) -> Result<i64, sqlx::Error> {
    let sql = format!("{MATCHING} SELECT count(*) FROM p");
    let (n,): (i64,) = bind_filter(sqlx::query_as(&sql), filter, manager).fetch_one(&mut **tx).await?;
    Ok(n)
}

/// What the filter menus offer.
pub async fn choices(tx: &mut Tx) -> Result<FilterChoices, sqlx::Error> {
    let managers = sqlx::query_as(
        "SELECT u.id, concat_ws(' ', u.first_name, u.last_name) FROM users u \
          WHERE u.is_active AND EXISTS (SELECT 1 FROM opportunity_projects op WHERE op.assigned_capture_manager = u.id) \
          ORDER BY u.last_name, u.first_name",
    )
    .fetch_all(&mut **tx)
    .await?;
    let agencies = sqlx::query_scalar(
        "SELECT DISTINCT agency_name FROM opportunity_projects WHERE agency_name IS NOT NULL AND project_status <> 'archived' ORDER BY 1",
    )
    .fetch_all(&mut **tx)
    .await?;
    // The values in use in snapshots and in overrides (cheaper than every project's effective value).
    let set_asides = sqlx::query_scalar(
        "SELECT set_aside_type FROM external_opportunity_data WHERE is_current_version AND set_aside_type IS NOT NULL \
         UNION SELECT override_value #>> '{}' FROM opportunity_project_overrides WHERE is_active AND field_name = 'set_aside_type' \
         ORDER BY 1",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(FilterChoices { managers, agencies, set_asides })
}
