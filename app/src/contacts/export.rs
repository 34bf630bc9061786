//! The contacts and organizations lists' current filters as CSV (server only), streamed through `csv_out`:
//! rows go from the database to the download as PostgreSQL sends them, 64 KB at a time, so 50,000 people cost
//! no more memory than 50. UTF-8 with a byte-order mark (Excel), formulas defused, audited (with the filter
//! and the count) before the first byte leaves.

use super::{
    ContactType,
    organizations::OrganizationFilter,
    people::ContactFilter,
    queries::{self, ContactExportRow, OrganizationExportRow},
};
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

const HEADER: [&str; 15] = [
    "First name",
    "Last name",
    "Title",
    "Organization",
    "E-mail",
    "Phone",
    "Kind",
    "Clearance",
    "Relationship (1-5)",
    "In touch",
    "Last contacted",
    "LinkedIn",
    "Tags",
    "Active",
    "Link id",
];

fn record(r: &ContactExportRow) -> [String; 15] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.first_name.clone(),
        r.last_name.clone(),
        text(&r.title),
        text(&r.organization),
        text(&r.email),
        text(&r.phone),
        r.contact_type
            .as_deref()
            .and_then(|k| k.parse::<ContactType>().ok())
            .map(|k| k.label().to_string())
            .unwrap_or_default(),
        r.security_clearance
            .as_deref()
            .and_then(|c| c.parse::<super::Clearance>().ok())
            .map(|c| c.label().to_string())
            .unwrap_or_default(),
        r.relationship_strength.map(|s| s.to_string()).unwrap_or_default(),
        r.interaction_frequency
            .as_deref()
            .and_then(|f| f.parse::<super::InteractionFrequency>().ok())
            .map(|f| f.label().to_string())
            .unwrap_or_default(),
        r.last_contact_date.map(|d| d.to_string()).unwrap_or_default(),
        text(&r.linkedin_url),
        r.tags().join(", "),
        if r.is_active { "yes" } else { "no" }.to_string(),
        r.id.to_string(),
    ]
}

/// The export's audit row (the list's view and the count), committed before the first byte leaves.
async fn audit_export(
    caller: &Caller,
    mut tx: crate::db::Tx,
    entity: &'static str,
    noun: &str,
    count: i64,
    view: String,
) -> Result<(), AppError> {
    let event = AuditEvent::export(entity, noun, count, view, Permission::ContactsRead.as_str());
    caller.audit(&mut tx, event).await?;
    caller.commit(tx).await
}

/// Checks, audits, then streams the filter's people as CSV.
pub async fn contacts_csv(
    caller: Caller,
    filter: ContactFilter,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
    filter.check()?;
    let (mut tx, _) = caller.enter(Permission::ContactsRead, Resource::Tenant).await?;
    let count = queries::count_contacts(&mut tx, &filter).await?;
    audit_export(&caller, tx, "contact", "contacts", count, filter.query()).await?;

    let (mut tx, _) = caller.enter(Permission::ContactsRead, Resource::Tenant).await?;
    let header = HEADER.iter().map(|h| h.to_string()).collect();
    Ok(csv_out::stream("contacts export", header, move |mut sink| async move {
        let sql = queries::export_contacts_sql(&filter);
        {
            let mut rows = queries::export_contacts(&mut tx, &sql, &filter);
            while let Some(row) = rows.try_next().await? {
                sink.write(record(&row)).await?;
            }
        }
        // Read-only: nothing to keep.
        let _ = tx.rollback().await;
        Ok(sink)
    }))
}

const ORGANIZATION_HEADER: [&str; 20] = [
    "Name",
    "Kind",
    "Parent organization",
    "UEI",
    "CAGE code",
    "DUNS (legacy)",
    "Agency path code",
    "Business size",
    "Certifications",
    "Address line 1",
    "Address line 2",
    "City",
    "State or province",
    "Postal code",
    "Country",
    "Phone",
    "E-mail",
    "Website",
    "Active",
    "Link id",
];

/// An organization's line: kinds, sizes and certifications in words, as the list shows them (and as the
/// import reads them back).
fn organization_record(r: &OrganizationExportRow) -> [String; 20] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.name.clone(),
        r.organization_type
            .as_deref()
            .and_then(|k| k.parse::<super::OrganizationType>().ok())
            .map(|k| k.label().to_string())
            .unwrap_or_default(),
        text(&r.parent),
        text(&r.sam_unique_id),
        text(&r.cage_code),
        text(&r.duns_number),
        text(&r.agency_path_code),
        r.business_size
            .as_deref()
            .and_then(|b| b.parse::<super::BusinessSize>().ok())
            .map(|b| b.label().to_string())
            .unwrap_or_default(),
        r.certifications()
            .iter()
            .filter_map(|c| c.parse::<super::Certification>().ok())
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", "),
        text(&r.address_line1),
        text(&r.address_line2),
        text(&r.city),
        text(&r.state_province),
        text(&r.postal_code),
        r.country.clone(),
        text(&r.phone),
        text(&r.email),
        text(&r.website),
        if r.is_active { "yes" } else { "no" }.to_string(),
        r.id.to_string(),
    ]
}

/// Checks, audits, then streams the filter's organizations as CSV.
pub async fn organizations_csv(
    caller: Caller,
    filter: OrganizationFilter,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
    filter.check()?;
    let (mut tx, _) = caller.enter(Permission::ContactsRead, Resource::Tenant).await?;
    let count = queries::count_organizations(&mut tx, &filter).await?;
    audit_export(&caller, tx, "organization", "organizations", count, filter.query()).await?;

    let (mut tx, _) = caller.enter(Permission::ContactsRead, Resource::Tenant).await?;
    let header = ORGANIZATION_HEADER.iter().map(|h| h.to_string()).collect();
    Ok(csv_out::stream("organizations export", header, move |mut sink| async move {
        let sql = queries::export_organizations_sql();
        {
            let mut rows = queries::export_organizations(&mut tx, &sql, &filter);
            while let Some(row) = rows.try_next().await? {
                sink.write(organization_record(&row)).await?;
            }
        }
        let _ = tx.rollback().await;
        Ok(sink)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_kinds_in_words() {
        let row = ContactExportRow {
            id: crate::ids::ContactId::from_uuid(uuid::Uuid::nil()),
            first_name: "Dana".into(),
            last_name: "Okafor".into(),
            title: Some("=cmd|' /C calc'!A0".into()),
            organization: None,
            email: None,
            phone: None,
            contact_type: Some("contracting_officer".into()),
            security_clearance: Some("ts_sci".into()),
            relationship_strength: Some(4),
            interaction_frequency: None,
            last_contact_date: None,
            linkedin_url: None,
            tags: serde_json::json!(["navy", "cloud"]),
            is_active: true,
        };
        let line = record(&row);
        assert_eq!(
            (line[6].as_str(), line[7].as_str(), line[12].as_str()),
            ("Contracting officer", "TS/SCI", "navy, cloud")
        );
        assert_eq!(crate::format::defuse_formula(&line[2]), "'=cmd|' /C calc'!A0");
    }
}
