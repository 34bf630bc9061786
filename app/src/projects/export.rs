//! The table's current view as CSV (RFC 4180, written by the `csv` crate), for spreadsheets: UTF-8 with a
//! byte-order mark, so Excel opens accented names and "·" as they are. Every export is audited: it takes
//! the pipeline out of the system.

use super::{EXPORT_LIMIT, ProjectRow, TableQuery, queries};
use crate::{
    audit::{AuditAction, AuditEvent, RiskLevel},
    auth::{
        Permission,
        ssr::{Caller, Resource},
    },
    error::AppError,
    format::{UTF8_BOM, defuse_formula as defuse},
};

const HEADER: [&str; 15] = [
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

/// The rows of `query` (all pages, in its order) as a CSV document.
pub async fn projects_csv(caller: &Caller, query: &TableQuery) -> Result<(String, usize), AppError> {
    query.check()?;
    let (mut tx, _) = caller.enter(Permission::ProjectsRead, Resource::Tenant).await?;
    let manager = query.filter.manager_for(caller.user.id);
    let rows = queries::export_rows(&mut tx, query, manager, EXPORT_LIMIT + 1).await?;
    if rows.len() as i64 > EXPORT_LIMIT {
        return Err(AppError::Validation(format!(
            "This view has more than {EXPORT_LIMIT} projects: narrow it with a filter, then export again."
        )));
    }
    let mut event = AuditEvent::new(
        AuditAction::Export,
        "opportunity_project",
        None,
        format!("Exported {} projects as CSV", rows.len()),
    )
    .after(serde_json::json!({ "view": query.to_query(), "rows": rows.len() }))
    .risk(RiskLevel::Medium);
    event.permission_used = Some(Permission::ProjectsRead.as_str());
    caller.audit(&mut tx, event).await?;
    caller.commit(tx).await?;
    let csv = to_csv(&rows).map_err(|e| AppError::internal(&e, "csv-export"))?;
    Ok((csv, rows.len()))
}

fn to_csv(rows: &[ProjectRow]) -> Result<String, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(256 * (rows.len() + 1)));
    out.write_record(HEADER)?;
    for r in rows {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let record = [
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
        ];
        out.write_record(record.iter().map(|c| defuse(c).into_owned()))?;
    }
    let bytes = out.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(format!("{UTF8_BOM}{}", String::from_utf8_lossy(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_formulas_defused_and_the_file_marked_utf8() {
        assert_eq!(defuse("Army EIS"), "Army EIS");
        assert_eq!(defuse("=HYPERLINK(\"http://evil\")"), "'=HYPERLINK(\"http://evil\")");
        assert_eq!(defuse("-5"), "'-5");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(vec![]);
        out.write_record(["Cyber, Ops", "the \"big\" one", "two\nlines", "Café · Phase 1"]).unwrap();
        let line = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(line, "\"Cyber, Ops\",\"the \"\"big\"\" one\",\"two\nlines\",Café · Phase 1\r\n");
        let doc = to_csv(&[]).unwrap();
        assert!(doc.starts_with("\u{feff}Project,Title,"), "{doc}");
    }
}
