//! SQL of the pursuits that match a filter: the board's columns and cards, the table's pages and the CSV
//! export all start from `matching`. Synced fields come from `opportunity_project_current` (overrides applied).

use super::{FilterChoices, ProjectFilter, ProjectRow, TABLE_PAGE_SIZE, TableQuery, TableSort};
use crate::{auth::ssr::Caller, db::Tx, ids::UserId};
use sqlx::{Postgres, QueryBuilder};

/// The start of every query over the matching pursuits: the CTE `p`, left open for the filter's conditions.
const MATCHING_HEAD: &str = r#"
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
         WHERE cur.tenant_id = app_current_tenant_id() AND cur.project_status <> 'archived'"#;

/// Every column of `ProjectRow`, as selected from `p`.
pub const ROW_COLUMNS: &str = "id, project_name, title, agency_name, solicitation_number, pipeline_stage, project_status, \
     priority_level, win_probability_score, estimated_value, response_due_date, naics_codes, set_aside_type, \
     capture_manager_name, unacknowledged_changes, updated_at";

pub type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

pub type Matching = QueryBuilder<'static, Postgres>;

/// `WITH p AS (...)`: the pursuits matching `filter` (and `manager`), for the caller to select from.
///
/// Only the filter's active conditions are written into the SQL. A catch-all `($1 IS NULL OR ...)` form
/// makes PostgreSQL's cached generic plan expect one row and pick nested loops that cost ~50 ms at 1,000
/// projects; each combination of conditions is its own prepared statement with an honest plan instead.
pub fn matching(filter: &ProjectFilter, manager: Option<UserId>) -> Matching {
    let mut q = QueryBuilder::new(MATCHING_HEAD);
    if let Some(manager) = manager {
        q.push(" AND cur.assigned_capture_manager = ").push_bind(manager);
    }
    if let Some(priority) = filter.priority {
        q.push(" AND cur.priority_level = ").push_bind(priority);
    }
    if let Some(pattern) = pattern(filter.q.as_deref()) {
        let mut any = q.push(" AND (").separated(" OR ");
        for column in ["cur.project_name", "cur.solicitation_number", "cur.agency_name", "cur.title"] {
            any.push(column).push_unseparated(" ILIKE ").push_bind_unseparated(pattern.clone());
        }
        q.push(")");
    }
    if let Some(agency) = &filter.agency {
        q.push(" AND cur.agency_name = ").push_bind(agency.clone());
    }
    if let Some(set_aside) = &filter.set_aside {
        q.push(" AND cur.set_aside_type = ").push_bind(set_aside.clone());
    }
    if let Some(naics) = &filter.naics {
        q.push(" AND cur.naics_codes LIKE ").push_bind(format!("%{naics}%"));
    }
    if let Some(days) = filter.due_within {
        q.push(" AND cur.response_due_date BETWEEN now() AND now() + make_interval(days => ").push_bind(days).push(")");
    }
    if let Some(min) = filter.min_value {
        q.push(" AND cur.estimated_value >= ").push_bind(min);
    }
    if let Some(max) = filter.max_value {
        q.push(" AND cur.estimated_value <= ").push_bind(max);
    }
    q.push(")");
    q
}

/// `%text%` for ILIKE, with the user's own % and _ taken literally.
fn pattern(q: Option<&str>) -> Option<String> {
    q.map(crate::db::contains_pattern)
}

/// The ORDER BY of a table sort: whitelisted expressions only, ties broken by name and id so pages are stable.
fn order_by(sort: TableSort, descending: bool) -> String {
    let key = match sort {
        TableSort::Due => "response_due_date",
        TableSort::Name => "lower(project_name)",
        TableSort::Agency => "lower(agency_name)",
        TableSort::Stage => {
            "array_position(ARRAY['phase_0','phase_1','phase_2','phase_3','phase_4','phase_5','phase_6','awarded','lost'], pipeline_stage)"
        }
        TableSort::Value => "estimated_value",
        TableSort::PWin => "win_probability_score",
        TableSort::Priority => "array_position(ARRAY['low','medium','high','critical'], priority_level)",
        TableSort::Manager => "lower(capture_manager_name)",
        TableSort::Updated => "updated_at",
    };
    let dir = if descending { "DESC" } else { "ASC" };
    if sort == TableSort::Due && !descending {
        // Soonest due first means the deadlines still ahead, soonest first; those already past follow, the
        // most recent first (the page says so: `TableSort::Due`'s note); no date last.
        return "ORDER BY response_due_date < now(),                 CASE WHEN response_due_date >= now() THEN response_due_date END ASC,                 response_due_date DESC NULLS LAST, lower(project_name), id"
            .to_string();
    }
    format!("ORDER BY {key} {dir} NULLS LAST, lower(project_name), id")
}

#[derive(sqlx::FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    row: ProjectRow,
    total: i64,
}

/// One page of the table and the number of all matching pursuits, in one pass (a page past the end counts
/// separately).
/// The table page's statement for `query` (the pages benchmark runs its text under pgbench).
pub fn table_page_query(query: &TableQuery, manager: Option<UserId>) -> Matching {
    let mut q = matching(&query.filter, manager);
    q.push(format_args!(
        " SELECT {ROW_COLUMNS}, count(*) OVER () AS total FROM p {} OFFSET ",
        order_by(query.sort, query.descending)
    ))
    .push_bind((query.page - 1) * TABLE_PAGE_SIZE)
    .push(" LIMIT ")
    .push_bind(TABLE_PAGE_SIZE);
    q
}

pub async fn table_page(
    tx: &mut Tx,
    query: &TableQuery,
    manager: Option<UserId>,
) -> Result<(Vec<ProjectRow>, i64), sqlx::Error> {
    let mut q = table_page_query(query, manager);
    let rows: Vec<CountedRow> = q.build_query_as().fetch_all(&mut **tx).await?;
    let total = match rows.first() {
        Some(first) => first.total,
        None => count(tx, &query.filter, manager).await?,
    };
    Ok((rows.into_iter().map(|r| r.row).collect(), total))
}

/// The whole view for the CSV export, in the table's order (streamed by the caller).
pub fn export_query(query: &TableQuery, manager: Option<UserId>) -> Matching {
    let mut q = matching(&query.filter, manager);
    q.push(format_args!(" SELECT {ROW_COLUMNS} FROM p {}", order_by(query.sort, query.descending)));
    q
}

pub async fn count(tx: &mut Tx, filter: &ProjectFilter, manager: Option<UserId>) -> Result<i64, sqlx::Error> {
    let mut q = matching(filter, manager);
    q.push(" SELECT count(*) FROM p");
    let (n,): (i64,) = q.build_query_as().fetch_one(&mut **tx).await?;
    Ok(n)
}

/// What the filter menus offer, from the tenant's copy of the last 30 seconds when there is one: every board
/// and table page shows them, and they change rarely. This server forgets the copy when it changes a
/// project (`forget_choices`); changes made elsewhere show within the 30 seconds.
pub async fn cached_choices(tx: &mut Tx, caller: &Caller) -> Result<FilterChoices, sqlx::Error> {
    if let Some(known) = caller.state.tenant_memo.get::<FilterChoices>(caller.tenant.id) {
        return Ok(known);
    }
    let fresh = choices(tx).await?;
    caller.state.tenant_memo.insert(caller.tenant.id, fresh.clone());
    Ok(fresh)
}

/// After a change to a project's manager, agency, set-aside or status.
pub fn forget_choices(caller: &Caller) {
    caller.state.tenant_memo.forget::<FilterChoices>(caller.tenant.id);
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
