//! One row of an imported file, checked as the form would check it, each problem named by its column. The
//! form's own checks (`contacts::input`) do the work: a row passes an import exactly when the same values
//! typed into the form would be saved. What the form takes from a list (an organization, a parent) comes as
//! a name here and is looked up afterwards, against the database.

use super::{CellProblem, ImportKind, fields::FULL_NAME, ssr::reader::Record};
use crate::contacts::{
    BusinessSize, Clearance, ContactType, InteractionFrequency, OrganizationType,
    from_sync::split_full_name,
    input::{ContactInput, FieldProblem, OrganizationInput, ValidContact, ValidOrganization},
};
use crate::{
    domain::{PipelineStage, Priority, ProjectStatus},
    projects::edit::{ProjectInput, ValidProject},
};
use chrono::NaiveDate;

/// A row that passed its own checks; what it names by text is still to be found.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckedRow {
    Contact {
        contact: ValidContact,
        organization: Option<String>,
    },
    Organization {
        organization: ValidOrganization,
        parent: Option<String>,
    },
    /// The managers as written (an e-mail or a full name), to be found among the tenant's people.
    Project {
        project: Box<ValidProject>,
        capture_manager: Option<String>,
        proposal_manager: Option<String>,
    },
}

/// The file's columns and what each is mapped to.
pub struct Columns<'a> {
    pub headings: &'a [String],
    pub mapping: &'a [Option<String>],
}

impl Columns<'_> {
    fn index(&self, field: &str) -> Option<usize> {
        self.mapping.iter().position(|m| m.as_deref() == Some(field))
    }

    /// The heading of the column mapped to `field` (for a problem), or None.
    pub fn heading_of(&self, field: &str) -> Option<String> {
        self.index(field).map(|i| self.heading(i))
    }

    fn heading(&self, i: usize) -> String {
        match self.headings.get(i).map(|h| h.trim()).filter(|h| !h.is_empty()) {
            Some(h) => h.to_string(),
            None => format!("column {}", i + 1),
        }
    }

    fn cell<'r>(&self, record: &'r Record, field: &str) -> &'r str {
        self.index(field).and_then(|i| record.cells.get(i)).map_or("", |c| c.as_str())
    }
}

fn problem(column: Option<String>, message: impl Into<String>) -> CellProblem {
    CellProblem { column, message: crate::format::sentence(&message.into()) }
}

/// A closed-set cell as people write it in a spreadsheet: the stored spelling, or the label the product shows
/// ("Contracting officer", "TS/SCI"), or either with spaces for underscores. A value that is none of them is
/// the column's problem, named with the labels to choose from (not the stored spellings), and left empty.
fn choice<T: Copy>(
    columns: &Columns,
    field: &str,
    raw: &str,
    all: &[T],
    spelling: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    problems: &mut Vec<CellProblem>,
) -> String {
    let wanted = raw.trim();
    if wanted.is_empty() {
        return String::new();
    }
    let folded = wanted.to_lowercase().replace([' ', '-'], "_");
    match all.iter().find(|v| label(**v).eq_ignore_ascii_case(wanted) || spelling(**v) == folded) {
        Some(v) => spelling(*v).to_string(),
        None => {
            let labels: Vec<&str> = all.iter().map(|v| label(*v)).collect();
            problems.push(problem(
                columns.heading_of(field),
                format!("\u{201c}{wanted}\u{201d} is not one of: {}", labels.join(", ")),
            ));
            String::new()
        }
    }
}

/// A date as spreadsheets write it: 2026-03-14, or 3/14/2026 (US order), as YYYY-MM-DD for the form.
fn iso_date(raw: &str) -> String {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%m/%d/%Y").map_or_else(|_| raw.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// Checks one record under the mapping.
pub fn check(
    kind: ImportKind,
    columns: &Columns,
    record: &Record,
    today: NaiveDate,
) -> Result<CheckedRow, Vec<CellProblem>> {
    let mut problems: Vec<CellProblem> = Vec::new();
    if record.cells.len() > columns.headings.len() {
        problems.push(problem(
            None,
            format!(
                "this row has {} cells but the heading row has {} columns: a comma outside quotes?",
                record.cells.len(),
                columns.headings.len()
            ),
        ));
    }
    for &i in &record.undecodable {
        if columns.mapping.get(i).is_some_and(Option::is_some) {
            problems.push(problem(
                Some(columns.heading(i)),
                "has characters that are not UTF-8: save the file as \u{201c}CSV UTF-8\u{201d}, or import it as Windows-1252",
            ));
        }
    }
    let checked = match kind {
        ImportKind::Contacts => check_contact(columns, record, today, &mut problems),
        ImportKind::Organizations => check_organization(columns, record, &mut problems),
        ImportKind::Projects => check_project(columns, record, &mut problems),
    };
    match checked {
        Some(row) if problems.is_empty() => Ok(row),
        _ => Err(problems),
    }
}

fn named(columns: &Columns, found: Vec<FieldProblem>, problems: &mut Vec<CellProblem>) {
    for p in found {
        // A name split from a full-name column is that column's problem.
        let column = columns
            .heading_of(p.field)
            .or_else(|| matches!(p.field, "first_name" | "last_name").then(|| columns.heading_of(FULL_NAME)).flatten());
        problems.push(problem(column, p.message));
    }
}

fn check_contact(
    columns: &Columns,
    record: &Record,
    today: NaiveDate,
    problems: &mut Vec<CellProblem>,
) -> Option<CheckedRow> {
    let cell = |field: &str| columns.cell(record, field).to_string();
    let (mut first_name, mut last_name) = (cell("first_name"), cell("last_name"));
    if columns.index(FULL_NAME).is_some() {
        let full = cell(FULL_NAME);
        match split_full_name(&full) {
            Some((first, last)) => (first_name, last_name) = (first, last),
            None if full.trim().is_empty() => {}
            None => {
                problems.push(problem(
                    columns.heading_of(FULL_NAME),
                    format!("\u{201c}{}\u{201d} cannot be split into a first and a last name; write both", full.trim()),
                ));
                return None;
            }
        }
    }
    let input = ContactInput {
        first_name,
        last_name,
        organization: String::new(),
        title: cell("title"),
        email: cell("email"),
        phone: cell("phone"),
        linkedin_url: cell("linkedin_url"),
        contact_type: choice(
            columns,
            "contact_type",
            &cell("contact_type"),
            ContactType::ALL,
            ContactType::as_str,
            ContactType::label,
            problems,
        ),
        decision_maker_level: cell("decision_maker_level"),
        security_clearance: choice(
            columns,
            "security_clearance",
            &cell("security_clearance"),
            Clearance::ALL,
            Clearance::as_str,
            Clearance::label,
            problems,
        ),
        last_contact_date: iso_date(&cell("last_contact_date")),
        interaction_frequency: choice(
            columns,
            "interaction_frequency",
            &cell("interaction_frequency"),
            InteractionFrequency::ALL,
            InteractionFrequency::as_str,
            InteractionFrequency::label,
            problems,
        ),
        relationship_strength: cell("relationship_strength"),
        notes: cell("notes"),
        tags: cell("tags"),
        version: String::new(),
    };
    let organization = one_line_name(columns, "organization", &cell("organization"), problems);
    match input.check_fields(today) {
        Ok(contact) => Some(CheckedRow::Contact { contact, organization }),
        Err(found) => {
            named(columns, found, problems);
            None
        }
    }
}

/// A name that points at an organization: one line, at most 255 characters.
fn one_line_name(columns: &Columns, field: &str, raw: &str, problems: &mut Vec<CellProblem>) -> Option<String> {
    let name = raw.trim();
    if name.is_empty() {
        None
    } else if name.chars().count() > 255 || name.contains(['\n', '\r']) || name.chars().any(char::is_control) {
        problems
            .push(problem(columns.heading_of(field), "an organization's name is one line of at most 255 characters"));
        None
    } else {
        Some(name.to_string())
    }
}

fn check_organization(columns: &Columns, record: &Record, problems: &mut Vec<CellProblem>) -> Option<CheckedRow> {
    let cell = |field: &str| columns.cell(record, field).to_string();
    let input = OrganizationInput {
        name: cell("name"),
        organization_type: choice(
            columns,
            "organization_type",
            &cell("organization_type"),
            OrganizationType::ALL,
            OrganizationType::as_str,
            OrganizationType::label,
            problems,
        ),
        parent: String::new(),
        sam_unique_id: cell("sam_unique_id"),
        cage_code: cell("cage_code"),
        duns_number: cell("duns_number"),
        agency_path_code: cell("agency_path_code"),
        business_size: choice(
            columns,
            "business_size",
            &cell("business_size"),
            BusinessSize::ALL,
            BusinessSize::as_str,
            BusinessSize::label,
            problems,
        ),
        certifications: cell("certifications")
            .split([',', ';'])
            .map(|c| {
                let (all, spelling) = (crate::contacts::Certification::ALL, crate::contacts::Certification::as_str);
                choice(columns, "certifications", c, all, spelling, |c| c.label(), problems)
            })
            .filter(|c| !c.is_empty())
            .collect(),
        address_line1: cell("address_line1"),
        address_line2: cell("address_line2"),
        city: cell("city"),
        state_province: cell("state_province"),
        postal_code: cell("postal_code"),
        country: cell("country"),
        phone: cell("phone"),
        email: cell("email"),
        website: cell("website"),
        version: String::new(),
    };
    let parent = one_line_name(columns, "parent", &cell("parent"), problems);
    match input.check_fields() {
        Ok(organization) => Some(CheckedRow::Organization { organization, parent }),
        Err(found) => {
            named(columns, found, problems);
            None
        }
    }
}

/// A stage as a pipeline spreadsheet writes it: "phase_2", "Phase 2", "2", "Capture planning" or the
/// export's "Phase 2 · Capture planning"; None when it is none of them.
fn stage_spelling(raw: &str) -> Option<PipelineStage> {
    let wanted = raw.trim();
    let folded = wanted.to_lowercase();
    PipelineStage::ALL.iter().copied().find(|s| {
        s.as_str() == folded.replace([' ', '-'], "_")
            || s.short_label().eq_ignore_ascii_case(wanted)
            || s.label().eq_ignore_ascii_case(wanted)
            || s.full_label().eq_ignore_ascii_case(wanted)
            || s.short_label().strip_prefix("Phase ") == Some(wanted)
    })
}

/// A person named in a row: one line, at most 255 characters; found among the tenant's people later.
fn person_named(columns: &Columns, field: &str, raw: &str, problems: &mut Vec<CellProblem>) -> Option<String> {
    let name = raw.trim();
    if name.is_empty() {
        None
    } else if name.chars().count() > 255 || name.chars().any(char::is_control) {
        problems.push(problem(columns.heading_of(field), "name a person by e-mail or full name, on one line"));
        None
    } else {
        Some(name.to_string())
    }
}

fn check_project(columns: &Columns, record: &Record, problems: &mut Vec<CellProblem>) -> Option<CheckedRow> {
    let cell = |field: &str| columns.cell(record, field).to_string();
    // The export writes "2026-03-14 17:00"; the form takes the date.
    let due = cell("response_due_date");
    let due = iso_date(due.split_whitespace().next().unwrap_or_default());
    let raw_stage = cell("pipeline_stage");
    let stage = stage_spelling(&raw_stage);
    if stage.is_none() && !raw_stage.trim().is_empty() {
        problems.push(problem(
            columns.heading_of("pipeline_stage"),
            format!(
                "\u{201c}{}\u{201d} is not a stage: write Phase 0 to Phase 6 (or 0 to 6, or the phase's name, such as Capture planning)",
                raw_stage.trim()
            ),
        ));
    }
    let input = ProjectInput {
        project_name: cell("project_name"),
        internal_reference_number: cell("internal_reference_number"),
        solicitation_number: cell("solicitation_number"),
        agency_name: cell("agency_name"),
        contracting_office: cell("contracting_office"),
        description: cell("description"),
        pipeline_stage: stage.map_or_else(String::new, |s| s.as_str().to_string()),
        project_status: choice(
            columns,
            "project_status",
            &cell("project_status"),
            ProjectStatus::ALL,
            ProjectStatus::as_str,
            ProjectStatus::label,
            problems,
        ),
        priority_level: choice(
            columns,
            "priority_level",
            &cell("priority_level"),
            Priority::ALL,
            Priority::as_str,
            Priority::label,
            problems,
        ),
        win_probability_score: cell("win_probability_score").trim().trim_end_matches('%').to_string(),
        strategic_value_score: cell("strategic_value_score").trim().trim_end_matches('%').to_string(),
        capture_manager: String::new(),
        proposal_manager: String::new(),
        team_members: Vec::new(),
        estimated_value: cell("estimated_value").replace(['$', ','], ""),
        response_due_date: due,
        naics_codes: cell("naics_codes"),
        set_aside_type: cell("set_aside_type"),
        version: String::new(),
    };
    let capture_manager = person_named(columns, "capture_manager", &cell("capture_manager"), problems);
    let proposal_manager = person_named(columns, "proposal_manager", &cell("proposal_manager"), problems);
    match input.check_fields() {
        Ok(project) => Some(CheckedRow::Project { project: Box::new(project), capture_manager, proposal_manager }),
        Err(found) => {
            named(columns, found, problems);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(cells: &[&str]) -> Record {
        Record {
            row_number: 2,
            cells: cells.iter().map(|c| c.to_string()).collect(),
            undecodable: vec![],
            bytes_read: 0,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn a_contact_row_is_checked_like_the_form_and_labels_are_understood() {
        let headings: Vec<String> =
            ["Name", "Company", "Type", "Clearance", "Last contact", "E-mail"].map(String::from).into();
        let mapping = [
            Some(FULL_NAME),
            Some("organization"),
            Some("contact_type"),
            Some("security_clearance"),
            Some("last_contact_date"),
            Some("email"),
        ]
        .map(|m| m.map(String::from))
        .to_vec();
        let columns = Columns { headings: &headings, mapping: &mapping };
        let row = record(&[
            "AVERY, JORDAN",
            " Acme Federal ",
            "Contracting officer",
            "TS/SCI",
            "3/14/2026",
            "J.Avery@Agency.gov",
        ]);
        let Ok(CheckedRow::Contact { contact, organization }) = check(ImportKind::Contacts, &columns, &row, today())
        else {
            panic!("valid row refused");
        };
        assert_eq!((contact.first_name.as_str(), contact.last_name.as_str()), ("Jordan", "Avery"));
        assert_eq!(organization.as_deref(), Some("Acme Federal"));
        assert_eq!(contact.contact_type, Some(ContactType::ContractingOfficer));
        assert_eq!(contact.security_clearance, Some(Clearance::TsSci));
        assert_eq!(contact.last_contact_date, NaiveDate::from_ymd_opt(2026, 3, 14));
        assert_eq!(contact.email.as_deref(), Some("j.avery@agency.gov"));
    }

    #[test]
    fn every_problem_of_a_row_names_its_column() {
        let headings: Vec<String> = ["First", "Last", "Mail", "Strength"].map(String::from).into();
        let mapping = [Some("first_name"), Some("last_name"), Some("email"), Some("relationship_strength")]
            .map(|m| m.map(String::from))
            .to_vec();
        let columns = Columns { headings: &headings, mapping: &mapping };
        let problems = check(ImportKind::Contacts, &columns, &record(&["Ann", "", "nobody", "9", "extra"]), today())
            .expect_err("invalid");
        let named: Vec<(Option<&str>, &str)> =
            problems.iter().map(|p| (p.column.as_deref(), p.message.as_str())).collect();
        assert!(named.iter().any(|(c, m)| c.is_none() && m.contains("5 cells but the heading row has 4")), "{named:?}");
        assert!(named.iter().any(|(c, m)| *c == Some("Last") && m.contains("last name is required")), "{named:?}");
        assert!(named.iter().any(|(c, m)| *c == Some("Mail") && m.contains("not a valid email")), "{named:?}");
        assert!(named.iter().any(|(c, m)| *c == Some("Strength") && m.contains("from 1 to 5")), "{named:?}");
    }

    #[test]
    fn undecodable_cells_are_named_only_when_imported() {
        let headings: Vec<String> = ["Name", "Ignored"].map(String::from).into();
        let mapping = vec![Some(FULL_NAME.to_string()), None];
        let columns = Columns { headings: &headings, mapping: &mapping };
        let mut row = record(&["Ren\u{fffd} Dupont", "x\u{fffd}"]);
        row.undecodable = vec![1];
        assert!(check(ImportKind::Contacts, &columns, &row, today()).is_ok());
        row.undecodable = vec![0, 1];
        let problems = check(ImportKind::Contacts, &columns, &row, today()).expect_err("bad bytes");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("Windows-1252"), "{problems:?}");
    }

    #[test]
    fn an_organization_row_takes_labels_and_lists() {
        let headings: Vec<String> = ["Company", "UEI", "Size", "Certs", "Parent"].map(String::from).into();
        let mapping =
            [Some("name"), Some("sam_unique_id"), Some("business_size"), Some("certifications"), Some("parent")]
                .map(|m| m.map(String::from))
                .to_vec();
        let columns = Columns { headings: &headings, mapping: &mapping };
        let row = record(&["Northwind", "nwf1234abcd5", "Small business", "8(a); SDVOSB", "Northwind Holdings"]);
        let Ok(CheckedRow::Organization { organization, parent }) =
            check(ImportKind::Organizations, &columns, &row, today())
        else {
            panic!("valid row refused");
        };
        assert_eq!(organization.sam_unique_id.as_deref(), Some("NWF1234ABCD5"));
        assert_eq!(organization.business_size, Some(BusinessSize::Small));
        assert_eq!(organization.certifications.len(), 2);
        assert_eq!(parent.as_deref(), Some("Northwind Holdings"));
        let bad =
            check(ImportKind::Organizations, &columns, &record(&["X", "123", "", "", ""]), today()).expect_err("uei");
        assert_eq!(bad[0].column.as_deref(), Some("UEI"));
    }

    #[test]
    fn a_project_row_reads_the_export_spellings_and_names_each_problem() {
        let headings: Vec<String> =
            ["Project", "Stage", "Status", "PWin (%)", "Estimated value", "Response due (UTC)", "Capture manager"]
                .map(String::from)
                .into();
        let mapping = [
            Some("project_name"),
            Some("pipeline_stage"),
            Some("project_status"),
            Some("win_probability_score"),
            Some("estimated_value"),
            Some("response_due_date"),
            Some("capture_manager"),
        ]
        .map(|m| m.map(String::from));
        let columns = Columns { headings: &headings, mapping: &mapping };
        let row = record(&[
            "Harbor Logistics",
            "Phase 2 \u{b7} Capture planning",
            "On hold",
            "40%",
            "$1,500,000",
            "3/14/2027 17:00",
            "dana@acme.test",
        ]);
        let Ok(CheckedRow::Project { project, capture_manager, .. }) =
            check(ImportKind::Projects, &columns, &row, today())
        else {
            panic!("the row passes");
        };
        assert_eq!((project.pipeline_stage, project.project_status), (PipelineStage::Phase2, ProjectStatus::OnHold));
        assert_eq!(project.win_probability_score.map(|d| d.to_string()), Some("40".into()));
        assert_eq!(capture_manager.as_deref(), Some("dana@acme.test"));
        assert!(project.hand_values.iter().any(|(_, v)| v.is_some()));
        for (stage, at) in [
            ("3", PipelineStage::Phase3),
            ("phase_4", PipelineStage::Phase4),
            ("Proposal development", PipelineStage::Phase4),
        ] {
            let row = record(&["X", stage, "", "", "", "", ""]);
            let Ok(CheckedRow::Project { project, .. }) = check(ImportKind::Projects, &columns, &row, today()) else {
                panic!("{stage}");
            };
            assert_eq!(project.pipeline_stage, at, "{stage}");
        }

        let bad = record(&["", "Won", "Archived", "140", "lots", "tomorrow", "x\u{7}y"]);
        let problems = check(ImportKind::Projects, &columns, &bad, today()).expect_err("bad");
        let columns_named: Vec<Option<&str>> = problems.iter().map(|p| p.column.as_deref()).collect();
        for column in
            ["Project", "Stage", "Status", "PWin (%)", "Estimated value", "Response due (UTC)", "Capture manager"]
        {
            assert!(columns_named.contains(&Some(column)), "{column}: {problems:?}");
        }
    }

    #[test]
    fn an_unknown_choice_names_the_labels_to_write() {
        let headings: Vec<String> = ["Project", "Priority"].map(String::from).into();
        let mapping = [Some("project_name"), Some("priority_level")].map(|m| m.map(String::from));
        let columns = Columns { headings: &headings, mapping: &mapping };
        let problems = check(ImportKind::Projects, &columns, &record(&["X", "Urgent"]), today()).expect_err("unknown");
        assert_eq!(problems.len(), 1, "named once, not again by the form: {problems:?}");
        assert_eq!(problems[0].column.as_deref(), Some("Priority"));
        assert_eq!(problems[0].message, "\u{201c}Urgent\u{201d} is not one of: Low, Medium, High, Critical.");
        let ok = check(ImportKind::Projects, &columns, &record(&["X", "critical"]), today());
        assert!(ok.is_ok(), "{ok:?}");
    }
}
