//! The SQL of imports (app::imports): many records in one statement each, their field history in another,
//! and what a batch needs to know to find duplicates and the organizations it names.

use super::{contact_fields, organization_fields};
use crate::{
    contacts::input::{ValidContact, ValidOrganization},
    db::Tx,
    ids::{ContactId, OrganizationId, UserId},
};
use serde_json::Value;
use uuid::Uuid;

/// An organization as a file may name it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganizationKey {
    pub id: OrganizationId,
    pub name: String,
    pub name_key: String,
    pub uei: Option<String>,
    pub cage: Option<String>,
    pub path: Option<String>,
}

/// The organizations whose lower-case name is one of `names` or whose UEI, CAGE code or agency path code
/// (upper case, as every writer stores them) is one of `codes`; active ones first. Equality on stored values
/// only, so row-level security lets the indexes serve it (migration 0024).
pub async fn organizations_matching(
    tx: &mut Tx,
    names: &[String],
    codes: &[String],
) -> Result<Vec<OrganizationKey>, sqlx::Error> {
    if names.is_empty() && codes.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "SELECT id, name, name_key, upper(sam_unique_id) AS uei, upper(cage_code) AS cage, \
                upper(agency_path_code) AS path FROM organizations \
          WHERE name_key = ANY($1) OR sam_unique_id = ANY($2) OR cage_code = ANY($2) OR agency_path_code = ANY($2) \
          ORDER BY is_active DESC, created_at",
    )
    .bind(names)
    .bind(codes)
    .fetch_all(&mut **tx)
    .await
}

/// Of these lower-case e-mail addresses, those a contact (not merged away) already has, with who. One probe
/// of contacts_email_key per address: under row-level security only a plain equality (not `= ANY`) on a stored
/// key becomes an index condition (migration 0024).
pub async fn contacts_with_emails(
    tx: &mut Tx,
    emails: &[String],
) -> Result<Vec<(String, ContactId, String)>, sqlx::Error> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "SELECT k.e, c.id, c.name FROM unnest($1::text[]) AS k (e) \
           CROSS JOIN LATERAL (SELECT x.id, x.first_name || ' ' || x.last_name AS name FROM contacts x \
                                WHERE x.email_key = k.e AND x.merged_into_id IS NULL \
                                ORDER BY x.is_active DESC, x.created_at LIMIT 1) c",
    )
    .bind(emails)
    .fetch_all(&mut **tx)
    .await
}

/// Of these (organization, lower first name, lower last name), those a contact already is.
pub async fn contacts_named_at(
    tx: &mut Tx,
    keys: &[(OrganizationId, String, String)],
) -> Result<Vec<(OrganizationId, String, String, ContactId)>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let orgs: Vec<Uuid> = keys.iter().map(|k| k.0.as_uuid()).collect();
    let firsts: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let lasts: Vec<&str> = keys.iter().map(|k| k.2.as_str()).collect();
    // One probe of contacts_name_key per key: equality on stored keys (migration 0024), which row-level
    // security lets an index serve; lower() in the condition made it a scan of the tenant's contacts per batch.
    sqlx::query_as(
        "SELECT k.o, k.f, k.l, c.id \
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k (o, f, l) \
           CROSS JOIN LATERAL (SELECT x.id FROM contacts x \
                                WHERE x.organization_id = k.o AND x.name_key = k.f || ' ' || k.l \
                                  AND x.merged_into_id IS NULL LIMIT 1) c",
    )
    .bind(orgs)
    .bind(firsts)
    .bind(lasts)
    .fetch_all(&mut **tx)
    .await
}

/// Inserts every record of `rows` (each with its new id) as a JSON array of column values, with one
/// change_history row per field that has a value (old value none: a creation), by `by`, marked as `import`'s.
async fn insert_many(
    tx: &mut Tx,
    table: &str,
    entity: &str,
    rows: Vec<Value>,
    by: UserId,
    import: Uuid,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let records = Value::Array(rows);
    // The column list comes from the table itself, so both tables share one statement.
    let columns: &str = match table {
        "contacts" => {
            "first_name, last_name, organization_id, title, email, phone, linkedin_url, contact_type, decision_maker_level, \
             security_clearance, last_contact_date, interaction_frequency, relationship_strength, notes, tags"
        }
        _ => {
            "name, organization_type, parent_organization_id, sam_unique_id, cage_code, duns_number, agency_path_code, \
             business_size, socioeconomic_certifications, address_line1, address_line2, city, state_province, postal_code, \
             country, phone, email, website"
        }
    };
    let picked: String = columns.split(',').map(|c| format!("r.{}", c.trim())).collect::<Vec<_>>().join(", ");
    sqlx::query(&format!(
        "INSERT INTO {table} (id, tenant_id, {columns}, created_by, updated_by, import_id) \
         SELECT r.id, app_current_tenant_id(), {picked}, $2, $2, $3 FROM jsonb_populate_recordset(NULL::{table}, $1) r"
    ))
    .bind(&records)
    .bind(by)
    .bind(import)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO change_history (tenant_id, entity_type, entity_id, field_name, old_value, new_value, \
            changed_by_user_id, change_source, change_category) \
         SELECT app_current_tenant_id(), $2, (e->>'id')::uuid, f.key, NULL, f.value, $3, 'user_action', 'data_update' \
           FROM jsonb_array_elements($1) e CROSS JOIN LATERAL jsonb_each(e - 'id') f \
          WHERE f.value <> 'null'::jsonb",
    )
    .bind(&records)
    .bind(entity)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn with_id(mut fields: Value, id: Uuid) -> Value {
    if let Some(map) = fields.as_object_mut() {
        map.insert("id".into(), Value::String(id.to_string()));
    }
    fields
}

/// Inserts contacts (their organization already set), each under the id given.
pub async fn insert_contacts(
    tx: &mut Tx,
    rows: &[(ContactId, ValidContact)],
    by: UserId,
    import: Uuid,
) -> Result<(), sqlx::Error> {
    let json = rows.iter().map(|(id, v)| with_id(contact_fields(v), id.as_uuid())).collect();
    insert_many(tx, "contacts", "contact", json, by, import).await
}

/// Inserts organizations (their parent already set), each under the id given.
pub async fn insert_organizations(
    tx: &mut Tx,
    rows: &[(OrganizationId, ValidOrganization)],
    by: UserId,
    import: Uuid,
) -> Result<(), sqlx::Error> {
    let json = rows.iter().map(|(id, v)| with_id(organization_fields(v), id.as_uuid())).collect();
    insert_many(tx, "organizations", "organization", json, by, import).await
}
