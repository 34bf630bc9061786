//! The table's current view as CSV, for spreadsheets, streamed through `csv_out` (UTF-8 with a byte-order
//! mark, so Excel opens accented names and "·" as they are; formulas defused). Every export is audited: it
//! takes the pipeline out of the system. Its headings are what the projects import recognises.

use super::{ProjectRow, TableQuery, queries};
use crate::{
    audit::AuditEvent,
    auth::{
        Permission,
        ssr::{Caller, Resource},
    },
    csv_out,
    error::AppError,
};
use bytes::Bytes;
use futures::{Stream, TryStreamExt};

/// Also the headings the projects import recognises (`imports::fields`).
pub const HEADER: [&str; 15] = [
    "Project",
    "Title",
    "Solicitation",
    "Agency",
    "Stage",
    "Status",
    "Priority",
    "Estimated value",
    "PWin (%)",
    "Response due (UTC)",
    "NAICS",
    "Set-aside",
    "Capture manager",
    "Unacknowledged changes",
    "Link id",
];

/// Checks, audits, then streams the rows of `query` (all pages, in its order) as CSV: however many there
/// are, no more than a chunk is held.
pub async fn projects_csv(
    caller: Caller,
    query: TableQuery,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
    query.check()?;
    let manager = query.filter.manager_for(caller.user.id);
    let (mut tx, _) = caller.enter(Permission::ProjectsRead, Resource::Tenant).await?;
    let count = queries::count(&mut tx, &query.filter, manager).await?;
    let event = AuditEvent::export(
        "opportunity_project",
        "projects",
        count,
        query.to_query(),
        Permission::ProjectsRead.as_str(),
    );
    caller.audit(&mut tx, event).await?;
    caller.commit(tx).await?;

    let (mut tx, _) = caller.enter(Permission::ProjectsRead, Resource::Tenant).await?;
    let header = HEADER.iter().map(|h| h.to_string()).collect();
    Ok(csv_out::stream("projects export", header, move |mut sink| async move {
        {
            let mut select = queries::export_query(&query, manager);
            let mut rows = select.build_query_as::<ProjectRow>().fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                sink.write(record(&row)).await?;
            }
        }
        // Read-only: nothing to keep.
        let _ = tx.rollback().await;
        Ok(sink)
    }))
}

/// One project's line, as the table shows it (and as the import reads it back).
fn record(r: &ProjectRow) -> [String; 15] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.project_name.clone(),
        text(&r.title),
        text(&r.solicitation_number),
        text(&r.agency_name),
        r.pipeline_stage.full_label(),
        r.project_status.label().to_string(),
        r.priority_level.label().to_string(),
        r.estimated_value.map(|v| v.to_string()).unwrap_or_default(),
        r.win_probability_score.map(|v| v.normalize().to_string()).unwrap_or_default(),
        r.response_due_date.map(|d| d.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
        text(&r.naics_codes),
        text(&r.set_aside_type),
        text(&r.capture_manager_name),
        r.unacknowledged_changes.to_string(),
        r.id.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use crate::format::defuse_formula as defuse;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse("Army EIS"), "Army EIS");
        assert_eq!(defuse("=HYPERLINK(\"http://evil\")"), "'=HYPERLINK(\"http://evil\")");
        assert_eq!(defuse("-5"), "'-5");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
    }
}
