//! SQL of points of contact from the sync: read from the pursuit's current synced version (through its
//! source's adapter, as the opportunity's page reads it), matched to contacts by e-mail, and added under the
//! directory lock so that two people adding the same person make one contact.

use super::lock_directory;
use crate::{
    audit::{AuditAction, AuditEvent, ssr::record_field_changes},
    auth::ssr::Caller,
    contacts::{
        Stance,
        from_sync::{SyncedContact, SyncedContacts, role_from_title, split_full_name},
    },
    db::Tx,
    error::AppError,
    ids::{ContactId, OrganizationId, ProjectId},
    sync::{SourceKind, normalize::canonical, ssr::adapter_for},
};
use serde_json::{Value, json};

/// A point of contact as the notice gives it.
struct Named {
    full_name: String,
    title: Option<String>,
    email: String,
    phone: Option<String>,
    kind: Option<String>,
}

fn text(person: &Value, keys: &[&str], max: usize) -> Option<String> {
    keys.iter()
        .find_map(|k| person.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "null" && v.chars().count() <= max)
        .map(str::to_string)
}

/// The pursuit's notice: its source's name, its points of contact with an e-mail (once each), its office code.
async fn notice(tx: &mut Tx, project: ProjectId) -> Result<Option<(String, Vec<Named>, Option<String>)>, AppError> {
    let row: Option<(Value, SourceKind, String, Option<String>)> = sqlx::query_as(
        "SELECT d.raw_json_data, s.source_kind, s.source_name, d.office_path_code \
           FROM external_opportunities o \
           JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version \
           JOIN external_opportunity_sources s ON s.id = o.external_source_id \
          WHERE o.opportunity_project_id = $1",
    )
    .bind(project)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((raw, kind, source, office_code)) = row else {
        return Ok(None);
    };
    let snapshot = adapter_for(kind).snapshot(&canonical(raw)).unwrap_or_default();
    let mut people: Vec<Named> = Vec::new();
    for person in snapshot.points_of_contact.as_array().into_iter().flatten() {
        let Some(email) = text(person, &["email"], 255).map(|e| e.to_lowercase()).filter(|e| e.contains('@')) else {
            continue;
        };
        let Some(full_name) = text(person, &["fullName", "name"], 200) else { continue };
        if people.iter().any(|p| p.email == email) {
            continue;
        }
        people.push(Named {
            full_name,
            title: text(person, &["title"], 150),
            email,
            phone: text(person, &["phone"], 50),
            kind: text(person, &["type"], 20),
        });
    }
    Ok(Some((source, people, office_code.or(snapshot.office))))
}

async fn office(tx: &mut Tx, code: Option<&str>) -> Result<Option<(OrganizationId, String)>, sqlx::Error> {
    let Some(code) = code else { return Ok(None) };
    sqlx::query_as("SELECT id, name FROM organizations WHERE upper(agency_path_code) = upper($1) AND is_active")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await
}

/// The person with this e-mail, following a merge to the record that was kept.
async fn by_email(tx: &mut Tx, email: &str) -> Result<Option<(ContactId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT coalesce(k.id, c.id), coalesce(k.first_name || ' ' || k.last_name, c.first_name || ' ' || c.last_name) \
           FROM contacts c LEFT JOIN contacts k ON k.tenant_id = c.tenant_id AND k.id = c.merged_into_id \
          WHERE lower(c.email) = $1 ORDER BY c.merged_into_id IS NOT NULL, NOT c.is_active, c.created_at LIMIT 1",
    )
    .bind(email)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn synced(tx: &mut Tx, project: ProjectId) -> Result<Option<SyncedContacts>, AppError> {
    let Some((source, named, office_code)) = notice(tx, project).await? else {
        return Ok(None);
    };
    let mut people = Vec::with_capacity(named.len());
    for n in named {
        let existing = by_email(tx, &n.email).await?;
        let has_role = match &existing {
            Some((id, _)) => sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM opportunity_project_contacts WHERE opportunity_project_id = $1 AND contact_id = $2)",
            )
            .bind(project)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
            None => false,
        };
        people.push(SyncedContact {
            full_name: n.full_name,
            title: n.title,
            email: n.email,
            phone: n.phone,
            kind: n.kind,
            existing,
            has_role,
        });
    }
    let office = office(tx, office_code.as_deref()).await?;
    Ok(Some(SyncedContacts { source, people, office, office_code }))
}

pub async fn add(tx: &mut Tx, caller: &Caller, project: ProjectId, email: &str) -> Result<ContactId, AppError> {
    let pursuit: String = sqlx::query_scalar("SELECT project_name FROM opportunity_projects WHERE id = $1")
        .bind(project)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("Project".into()))?;
    let (source, named, office_code) = notice(tx, project).await?.ok_or_else(|| {
        AppError::Validation("This pursuit has no synced notice; add its people under Contacts.".into())
    })?;
    let person = named.into_iter().find(|p| p.email == email).ok_or_else(|| {
        AppError::Validation(format!("The notice names no point of contact with the e-mail {email}; reload the page."))
    })?;
    let (relationship, kind) = role_from_title(person.title.as_deref());
    lock_directory(tx).await?;
    let by = caller.user.id;
    // Someone already has this e-mail: they stay as they are.
    let contact = match by_email(tx, email).await? {
        Some((id, _)) => id,
        None => {
            let (first, last) = split_full_name(&person.full_name).ok_or_else(|| {
                AppError::Validation(format!(
                    "The notice gives \u{201c}{}\u{201d} as the name, which cannot be split into first and last name; add them under Contacts.",
                    person.full_name
                ))
            })?;
            let organization = office(tx, office_code.as_deref()).await?.map(|(id, _)| id);
            let fields = json!({
                "first_name": first, "last_name": last, "organization_id": organization, "title": person.title,
                "email": email, "phone": person.phone, "contact_type": kind,
            });
            let id: ContactId = sqlx::query_scalar(
                "INSERT INTO contacts (tenant_id, first_name, last_name, organization_id, title, email, phone, contact_type, \
                    created_by, updated_by) \
                 VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(&first)
            .bind(&last)
            .bind(organization)
            .bind(&person.title)
            .bind(email)
            .bind(&person.phone)
            .bind(kind)
            .bind(by)
            .fetch_one(&mut **tx)
            .await?;
            record_field_changes(tx, "contact", id.as_uuid(), by, &Value::Null, &fields).await?;
            let event = AuditEvent::new(
                AuditAction::Create,
                "contact",
                Some(id.as_uuid()),
                format!("Created \u{201c}{first} {last}\u{201d} from the points of contact of {source}"),
            )
            .after(fields);
            caller.audit(tx, event).await?;
            id
        }
    };
    let has_role: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM opportunity_project_contacts WHERE opportunity_project_id = $1 AND contact_id = $2)",
    )
    .bind(project)
    .bind(contact)
    .fetch_one(&mut **tx)
    .await?;
    if !has_role {
        let fields = json!({ "contact_id": contact, "relationship_type": relationship, "stance": Stance::Unknown });
        let id: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO opportunity_project_contacts (tenant_id, opportunity_project_id, contact_id, relationship_type, \
                stance, notes, created_by, updated_by) \
             VALUES (app_current_tenant_id(), $1, $2, $3, 'unknown', $4, $5, $5) RETURNING id",
        )
        .bind(project)
        .bind(contact)
        .bind(relationship)
        .bind(format!("Named on the notice ({source})."))
        .bind(by)
        .fetch_one(&mut **tx)
        .await?;
        record_field_changes(tx, "opportunity_project_contact", id, by, &Value::Null, &fields).await?;
        let event = AuditEvent::new(
            AuditAction::Create,
            "opportunity_project_contact",
            Some(id),
            format!(
                "{} is {} on \u{201c}{pursuit}\u{201d} (from {source})",
                person.full_name,
                relationship.label().to_lowercase()
            ),
        )
        .after(fields);
        caller.audit(tx, event).await?;
    }
    Ok(contact)
}
