//! Checking and writing one batch of rows: each row as the form checks it (`rows`), then against the file
//! (the same person or organization twice) and the database (already there), then the organizations it
//! names are found (a contact's organization that does not exist yet is created once, by name). The preview
//! runs the same code without writing.

use super::reader::Record;
use crate::{
    contacts::{
        input::{ValidContact, ValidOrganization},
        queries::{
            import::{self as sql, OrganizationKey},
            lock_directory,
        },
    },
    db::Tx,
    error::AppError,
    ids::{ContactId, ImportId, OrganizationId, UserId},
    imports::{
        CellProblem, ImportKind,
        rows::{self, CheckedRow, Columns},
    },
    projects::writes,
};
use chrono::NaiveDate;
use std::collections::HashMap;

/// What one batch came to.
#[derive(Debug, Default)]
pub struct BatchResult {
    pub imported: i32,
    pub organizations_created: i32,
    /// Each rejected record with its problems.
    pub rejected: Vec<(Record, Vec<CellProblem>)>,
    /// Every row's problems in order (none: it imports), for the preview.
    pub outcomes: Vec<(u32, Vec<CellProblem>)>,
}

/// Runs the rows of one import, batch after batch.
pub struct Importer {
    kind: ImportKind,
    import: ImportId,
    by: UserId,
    today: NaiveDate,
    headings: Vec<String>,
    mapping: Vec<Option<String>>,
    /// What identifies a record already taken from this file (e-mail, name at an organization, UEI, CAGE
    /// code, path code, organization name), with the row that took it.
    seen: HashMap<String, u32>,
}

fn problem(column: Option<String>, message: String) -> CellProblem {
    CellProblem { column, message: crate::format::sentence(&message) }
}

impl Importer {
    pub fn new(
        kind: ImportKind,
        import: ImportId,
        by: UserId,
        today: NaiveDate,
        headings: Vec<String>,
        mapping: Vec<Option<String>>,
    ) -> Importer {
        Importer { kind, import, by, today, headings, mapping, seen: HashMap::new() }
    }

    fn columns(&self) -> Columns<'_> {
        Columns { headings: &self.headings, mapping: &self.mapping }
    }

    /// Checks `records` and, when `write`, inserts the good ones (with their field history) in `tx`. The
    /// tenant's directory is locked for the rest of the transaction, so no one adds the same person between
    /// the check and the insert.
    pub async fn batch(&mut self, tx: &mut Tx, records: Vec<Record>, write: bool) -> Result<BatchResult, AppError> {
        if write {
            match self.kind {
                ImportKind::Contacts | ImportKind::Organizations => lock_directory(tx).await?,
                // Pursuits count against the plan: no one else creates one between the count and the inserts.
                ImportKind::Projects => writes::lock_plan(tx).await?,
            }
        }
        let columns = self.columns();
        let checked: Vec<(Record, Result<CheckedRow, Vec<CellProblem>>)> = records
            .into_iter()
            .map(|r| {
                let outcome = rows::check(self.kind, &columns, &r, self.today);
                (r, outcome)
            })
            .collect();
        Ok(match self.kind {
            ImportKind::Contacts => self.contacts(tx, checked, write).await?,
            ImportKind::Organizations => self.organizations(tx, checked, write).await?,
            ImportKind::Projects => self.projects(tx, checked, write).await?,
        })
    }

    /// The organizations the batch names (by name or code), from the database.
    async fn named_organizations(tx: &mut Tx, names: &[&str]) -> Result<Vec<OrganizationKey>, sqlx::Error> {
        let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        let upper: Vec<String> = names.iter().map(|n| n.to_uppercase()).collect();
        sql::organizations_matching(tx, &lower, &upper).await
    }

    /// Records that `key` is taken by `row`; the row that took it first, if another did.
    fn claim(&mut self, key: String, row: u32) -> Option<u32> {
        match self.seen.get(&key) {
            Some(&first) if first != row => Some(first),
            Some(_) => None,
            None => {
                self.seen.insert(key, row);
                None
            }
        }
    }

    async fn contacts(
        &mut self,
        tx: &mut Tx,
        checked: Vec<(Record, Result<CheckedRow, Vec<CellProblem>>)>,
        write: bool,
    ) -> Result<BatchResult, sqlx::Error> {
        let names: Vec<&str> = checked
            .iter()
            .filter_map(|(_, c)| match c {
                Ok(CheckedRow::Contact { organization: Some(name), .. }) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let known = Self::named_organizations(tx, &names).await?;
        let find = |name: &str| {
            let (lower, upper) = (name.to_lowercase(), name.to_uppercase());
            known
                .iter()
                .find(|k| k.uei.as_deref() == Some(&upper) || k.cage.as_deref() == Some(&upper))
                .or_else(|| known.iter().find(|k| k.name_key == lower))
                .map(|k| k.id)
        };
        let (email_column, org_column) =
            (self.columns().heading_of("email"), self.columns().heading_of("organization"));
        let mut new_orgs: Vec<(OrganizationId, ValidOrganization)> = Vec::new();
        let mut created: HashMap<String, OrganizationId> = HashMap::new();
        let mut candidates: Vec<(Record, ValidContact)> = Vec::new();
        let mut result = BatchResult::default();
        for (record, outcome) in checked {
            let (mut contact, organization) = match outcome {
                Ok(CheckedRow::Contact { contact, organization }) => (contact, organization),
                Ok(CheckedRow::Organization { .. } | CheckedRow::Project { .. }) => continue,
                Err(problems) => {
                    result.outcomes.push((record.row_number, problems.clone()));
                    result.rejected.push((record, problems));
                    continue;
                }
            };
            if let Some(name) = organization {
                contact.organization = match find(&name) {
                    Some(id) => Some(id),
                    None => Some(*created.entry(name.to_lowercase()).or_insert_with(|| {
                        let id = OrganizationId::new_random();
                        new_orgs.push((id, organization_named(&name)));
                        id
                    })),
                };
            }
            candidates.push((record, contact));
        }
        // Already in the contacts: by e-mail, or by name at the same organization.
        let emails: Vec<String> = candidates.iter().filter_map(|(_, c)| c.email.clone()).collect();
        let by_email: HashMap<String, (ContactId, String)> =
            sql::contacts_with_emails(tx, &emails).await?.into_iter().map(|(e, id, name)| (e, (id, name))).collect();
        let name_keys: Vec<(OrganizationId, String, String)> = candidates
            .iter()
            .filter_map(|(_, c)| c.organization.map(|o| (o, c.first_name.to_lowercase(), c.last_name.to_lowercase())))
            .collect();
        let by_name: Vec<(OrganizationId, String, String, ContactId)> = sql::contacts_named_at(tx, &name_keys).await?;
        let mut good: Vec<(ContactId, ValidContact)> = Vec::new();
        let mut used_orgs: Vec<OrganizationId> = Vec::new();
        for (record, contact) in candidates {
            let (first, last) = (contact.first_name.to_lowercase(), contact.last_name.to_lowercase());
            let mut problems = Vec::new();
            if let Some(email) = &contact.email
                && let Some((_, name)) = by_email.get(email)
            {
                problems.push(problem(
                    email_column.clone(),
                    format!("{name} already has the e-mail address {email}: edit or merge that contact instead"),
                ));
            } else if let Some(org) = contact.organization
                && by_name.iter().any(|(o, f, l, _)| *o == org && *f == first && *l == last)
            {
                problems.push(problem(
                    org_column.clone(),
                    format!(
                        "{} {} at this organization is already in the contacts: edit that contact instead",
                        contact.first_name, contact.last_name
                    ),
                ));
            } else {
                let key = match (&contact.email, contact.organization) {
                    (Some(email), _) => Some(format!("e:{email}")),
                    (None, Some(org)) => Some(format!("n:{org}:{first}:{last}")),
                    (None, None) => None,
                };
                if let Some(first_row) = key.and_then(|k| self.claim(k, record.row_number)) {
                    problems
                        .push(problem(None, format!("the same person as row {first_row}, which is imported instead")));
                }
            }
            result.outcomes.push((record.row_number, problems.clone()));
            if problems.is_empty() {
                if let Some(org) = contact.organization {
                    used_orgs.push(org);
                }
                good.push((ContactId::new_random(), contact));
            } else {
                result.rejected.push((record, problems));
            }
        }
        // Only the organizations a kept row uses are created.
        new_orgs.retain(|(id, _)| used_orgs.contains(id));
        result.imported = good.len() as i32;
        result.organizations_created = new_orgs.len() as i32;
        if write {
            sql::insert_organizations(tx, &new_orgs, self.by, self.import.as_uuid()).await?;
            sql::insert_contacts(tx, &good, self.by, self.import.as_uuid()).await?;
        }
        Ok(result)
    }

    async fn organizations(
        &mut self,
        tx: &mut Tx,
        checked: Vec<(Record, Result<CheckedRow, Vec<CellProblem>>)>,
        write: bool,
    ) -> Result<BatchResult, sqlx::Error> {
        let mut names: Vec<&str> = Vec::new();
        let mut codes: Vec<String> = Vec::new();
        for (_, c) in &checked {
            if let Ok(CheckedRow::Organization { organization: o, parent }) = c {
                names.push(&o.name);
                names.extend(parent.as_deref());
                codes.extend(o.sam_unique_id.iter().chain(&o.cage_code).chain(&o.agency_path_code).cloned());
            }
        }
        let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        let known = sql::organizations_matching(tx, &lower, &codes).await?;
        let column = |field: &str| self.columns().heading_of(field);
        let (name_col, uei_col, cage_col, path_col, parent_col) = (
            column("name"),
            column("sam_unique_id"),
            column("cage_code"),
            column("agency_path_code"),
            column("parent"),
        );
        // Organizations of this batch so far, by lower-case name: a parent may be a row above its offices.
        let mut batch_names: HashMap<String, OrganizationId> = HashMap::new();
        let mut good: Vec<(OrganizationId, ValidOrganization)> = Vec::new();
        let mut result = BatchResult::default();
        for (record, outcome) in checked {
            let (mut org, parent) = match outcome {
                Ok(CheckedRow::Organization { organization, parent }) => (organization, parent),
                Ok(CheckedRow::Contact { .. } | CheckedRow::Project { .. }) => continue,
                Err(problems) => {
                    result.outcomes.push((record.row_number, problems.clone()));
                    result.rejected.push((record, problems));
                    continue;
                }
            };
            let mut problems = Vec::new();
            let lower = org.name.to_lowercase();
            let held = |code: &Option<String>, get: fn(&OrganizationKey) -> Option<&str>| {
                code.as_deref().and_then(|c| known.iter().find(|k| get(k) == Some(c)))
            };
            if let Some(k) = held(&org.sam_unique_id, |k| k.uei.as_deref()) {
                problems.push(problem(uei_col.clone(), format!("{} already has this UEI", k.name)));
            } else if let Some(k) = held(&org.cage_code, |k| k.cage.as_deref()) {
                problems.push(problem(cage_col.clone(), format!("{} already has this CAGE code", k.name)));
            } else if let Some(k) = held(&org.agency_path_code, |k| k.path.as_deref()) {
                problems.push(problem(path_col.clone(), format!("{} already has this agency path code", k.name)));
            } else if let Some(k) = known.iter().find(|k| k.name_key == lower) {
                problems.push(problem(name_col.clone(), format!("{} is already in the organizations", k.name)));
            }
            if problems.is_empty()
                && let Some(parent) = parent
            {
                let parent_lower = parent.to_lowercase();
                org.parent = batch_names
                    .get(&parent_lower)
                    .copied()
                    .or_else(|| known.iter().find(|k| k.name_key == parent_lower).map(|k| k.id));
                if org.parent.is_none() {
                    problems.push(problem(
                        parent_col.clone(),
                        format!(
                            "no organization is named \u{201c}{parent}\u{201d}: add it, or put its row above this one"
                        ),
                    ));
                }
            }
            if problems.is_empty() {
                let keys: Vec<String> = std::iter::once(format!("n:{lower}"))
                    .chain(org.sam_unique_id.iter().map(|c| format!("u:{c}")))
                    .chain(org.cage_code.iter().map(|c| format!("c:{c}")))
                    .chain(org.agency_path_code.iter().map(|c| format!("p:{c}")))
                    .collect();
                let mut twice = None;
                for key in keys {
                    twice = twice.or(self.claim(key, record.row_number));
                }
                if let Some(first_row) = twice {
                    problems.push(problem(
                        None,
                        format!("the same organization as row {first_row}, which is imported instead"),
                    ));
                }
            }
            result.outcomes.push((record.row_number, problems.clone()));
            if problems.is_empty() {
                let id = OrganizationId::new_random();
                batch_names.insert(lower, id);
                good.push((id, org));
            } else {
                result.rejected.push((record, problems));
            }
        }
        result.imported = good.len() as i32;
        if write {
            sql::insert_organizations(tx, &good, self.by, self.import.as_uuid()).await?;
        }
        Ok(result)
    }
}

impl Importer {
    /// Pursuits: each row as the project form checks it; its managers found among the tenant's active people
    /// by e-mail or full name; refused when an open pursuit (or a row above) has the same solicitation
    /// number or name, or when the plan has no room for one more. Written as the form writes them (field
    /// history, typed values of synced fields as overrides), as the person who started the import.
    async fn projects(
        &mut self,
        tx: &mut Tx,
        checked: Vec<(Record, Result<CheckedRow, Vec<CellProblem>>)>,
        write: bool,
    ) -> Result<BatchResult, AppError> {
        let people = writes::people_keys(tx).await?;
        let existing = writes::open_project_keys(tx).await?;
        let (open, max) = writes::plan_usage(tx).await?;
        let mut room = (max - open).max(0);
        let column = |field: &str| self.columns().heading_of(field);
        let (name_col, solicitation_col) = (column("project_name"), column("solicitation_number"));
        let manager_cols = [column("capture_manager"), column("proposal_manager")];
        let mut result = BatchResult::default();
        let mut good = Vec::new();
        for (record, outcome) in checked {
            let (mut project, managers) = match outcome {
                Ok(CheckedRow::Project { project, capture_manager, proposal_manager }) => {
                    (project, [capture_manager, proposal_manager])
                }
                Ok(CheckedRow::Contact { .. } | CheckedRow::Organization { .. }) => continue,
                Err(problems) => {
                    result.outcomes.push((record.row_number, problems.clone()));
                    result.rejected.push((record, problems));
                    continue;
                }
            };
            let mut problems = Vec::new();
            let mut found = [None, None];
            for (i, named) in managers.iter().enumerate() {
                let Some(named) = named else { continue };
                let key = named.to_lowercase();
                let matches: Vec<UserId> = people
                    .iter()
                    .filter(|(_, email, name)| *email == key || *name == key)
                    .map(|(id, ..)| *id)
                    .collect();
                match matches.as_slice() {
                    [id] => found[i] = Some(*id),
                    [] => problems.push(problem(
                        manager_cols[i].clone(),
                        format!(
                            "no active user of your organization is \u{201c}{named}\u{201d}: use their e-mail address"
                        ),
                    )),
                    _ => problems.push(problem(
                        manager_cols[i].clone(),
                        format!("more than one person is named \u{201c}{named}\u{201d}: use their e-mail address"),
                    )),
                }
            }
            [project.capture_manager, project.proposal_manager] = found;
            // The person importing leads what names no capture manager, as the form would have them.
            if project.capture_manager.is_none() && managers[0].is_none() {
                project.capture_manager = Some(self.by);
            }
            let name_key = project.project_name.to_lowercase();
            let solicitation_key = project.solicitation_number.as_deref().map(str::to_lowercase);
            if let Some(s) = &solicitation_key
                && let Some((.., name)) = existing.iter().find(|(_, sol, _)| sol.as_ref() == Some(s))
            {
                problems.push(problem(
                    solicitation_col.clone(),
                    format!("\u{201c}{name}\u{201d} already pursues this solicitation: edit that project instead"),
                ));
            } else if let Some((.., name)) = existing.iter().find(|(n, ..)| *n == name_key) {
                problems.push(problem(
                    name_col.clone(),
                    format!(
                        "\u{201c}{name}\u{201d} is already a project: edit it instead, or give this one another name"
                    ),
                ));
            }
            if problems.is_empty() {
                let mut twice = self.claim(format!("n:{name_key}"), record.row_number);
                if let Some(s) = &solicitation_key {
                    twice = twice.or(self.claim(format!("s:{s}"), record.row_number));
                }
                if let Some(first_row) = twice {
                    problems
                        .push(problem(None, format!("the same pursuit as row {first_row}, which is imported instead")));
                }
            }
            if problems.is_empty() {
                if room == 0 {
                    problems.push(problem(
                        None,
                        format!(
                            "your plan allows {max} open projects and this row would be one more: archive finished pursuits, or ask your administrator to raise the limit"
                        ),
                    ));
                } else {
                    room -= 1;
                }
            }
            result.outcomes.push((record.row_number, problems.clone()));
            if problems.is_empty() {
                good.push(project);
            } else {
                result.rejected.push((record, problems));
            }
        }
        result.imported = good.len() as i32;
        if write {
            for project in &good {
                writes::create(tx, self.by, project, None, Some(self.import)).await?;
            }
        }
        Ok(result)
    }
}

/// An organization a contact's row names that is not in the directory yet: created with its name only.
fn organization_named(name: &str) -> ValidOrganization {
    ValidOrganization {
        name: name.to_string(),
        organization_type: None,
        parent: None,
        sam_unique_id: None,
        cage_code: None,
        duns_number: None,
        agency_path_code: None,
        business_size: None,
        certifications: Vec::new(),
        address_line1: None,
        address_line2: None,
        city: None,
        state_province: None,
        postal_code: None,
        country: "United States".into(),
        phone: None,
        email: None,
        website: None,
        version: None,
    }
}
