//! The table's current view as CSV (RFC 4180), for spreadsheets. Every export is audited: it takes the
//! pipeline out of the system.

use super::{EXPORT_LIMIT, ProjectRow, TableQuery, queries};
use crate::{
    audit::{AuditAction, AuditEvent, RiskLevel},
    auth::{
        Permission,
        ssr::{Caller, Resource},
    },
    error::AppError,
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
    Ok((to_csv(&rows), rows.len()))
}

fn to_csv(rows: &[ProjectRow]) -> String {
    let mut out = String::with_capacity(256 * (rows.len() + 1));
    line(&mut out, HEADER.iter().map(|h| h.to_string()));
    for r in rows {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        line(
            &mut out,
            [
                r.project_name.clone(),
                text(&r.title),
                text(&r.solicitation_number),
                text(&r.agency_name),
                format!("{} · {}", r.pipeline_stage.short_label(), r.pipeline_stage.label()),
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
            .into_iter(),
        );
    }
    out
}

fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.map(|c| cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One quoted-as-needed cell. Text a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading
/// apostrophe: an exported title must never execute on someone's machine (CSV injection).
fn cell(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("Army EIS"), "Army EIS");
        assert_eq!(cell("Cyber, Ops"), "\"Cyber, Ops\"");
        assert_eq!(cell("the \"big\" one"), "\"the \"\"big\"\" one\"");
        assert_eq!(cell("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }
}
