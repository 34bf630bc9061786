//! SQL of organizations and contacts. Every read and write runs in the caller's tenant transaction (RLS
//! scopes it); writes hold a per-tenant lock while they check for duplicates and loops, so two people saving at
//! once cannot both pass, and record audit and field history in the same transaction.

pub mod from_sync;
pub mod import;
pub mod merge;
pub mod teaming;

use super::{
    ContactInput, OrganizationInput, Stance,
    input::{ValidContact, ValidOrganization, contact_href, duplicate_message, organization_href},
    organizations::{ActivityLine, OrganizationDetail, OrganizationFilter, OrganizationRow, PursuitLink, TreeNode},
    people::{ContactDetail, ContactDocument, ContactFilter, ContactPursuit, ContactRow, ContactSort, Contacted},
    pursuit::{PursuitContacts, PursuitRole, ValidRole},
};
use crate::{
    audit::{AuditAction, AuditEvent, ssr::record_field_changes},
    auth::ssr::Caller,
    db::Tx,
    error::AppError,
    ids::{ContactId, OrganizationId, ProjectId, PursuitContactId},
    search_words::{EVERY_WORD, has_words, query_words_cte, word_hits},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use sqlx::FromRow;
use std::sync::LazyLock;

type ScalarQuery<'q, T> = sqlx::query::QueryScalar<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>;

/// Binds an organization's fields as $1–$18 and the person writing as $19.
fn bind_organization<'q>(
    q: ScalarQuery<'q, OrganizationId>,
    v: &'q ValidOrganization,
    by: crate::ids::UserId,
) -> ScalarQuery<'q, OrganizationId> {
    q.bind(&v.name)
        .bind(v.organization_type)
        .bind(v.parent)
        .bind(&v.sam_unique_id)
        .bind(&v.cage_code)
        .bind(&v.duns_number)
        .bind(&v.agency_path_code)
        .bind(v.business_size)
        .bind(json!(v.certifications))
        .bind(&v.address_line1)
        .bind(&v.address_line2)
        .bind(&v.city)
        .bind(&v.state_province)
        .bind(&v.postal_code)
        .bind(&v.country)
        .bind(&v.phone)
        .bind(&v.email)
        .bind(&v.website)
        .bind(by)
}

/// Binds a contact's fields as $1–$15 and the person writing as $16.
fn bind_contact<'q>(
    q: ScalarQuery<'q, ContactId>,
    v: &'q ValidContact,
    by: crate::ids::UserId,
) -> ScalarQuery<'q, ContactId> {
    q.bind(&v.first_name)
        .bind(&v.last_name)
        .bind(v.organization)
        .bind(&v.title)
        .bind(&v.email)
        .bind(&v.phone)
        .bind(&v.linkedin_url)
        .bind(v.contact_type)
        .bind(v.decision_maker_level)
        .bind(v.security_clearance)
        .bind(v.last_contact_date)
        .bind(v.interaction_frequency)
        .bind(v.relationship_strength)
        .bind(&v.notes)
        .bind(json!(v.tags))
        .bind(by)
}

/// Serialises the writes of one tenant's organizations and contacts (duplicate and hierarchy checks).
pub(crate) async fn lock_directory(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('directory:' || app_current_tenant_id()::text, 0))")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The words of a search as LIKE patterns (wildcards typed by people are matched literally).
fn like_patterns(q: &str) -> Vec<String> {
    q.split_whitespace()
        .take(8)
        .map(|w| {
            let escaped = w.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect()
}

/// Every active organization as "Department › Office", for pickers (the tree's names, top down).
const LABELLED: &str = "WITH RECURSIVE labelled (id, label, depth) AS ( \
        SELECT id, name::text, 1 FROM organizations WHERE parent_organization_id IS NULL \
        UNION ALL \
        SELECT o.id, l.label || ' \u{203a} ' || o.name, l.depth + 1 \
          FROM organizations o JOIN labelled l ON o.parent_organization_id = l.id WHERE l.depth < 20)";

// ---------------------------------------------------------------------------------------------------------
// Organizations

#[derive(FromRow)]
struct OrganizationRowDb {
    id: OrganizationId,
    name: String,
    organization_type: Option<String>,
    parent_id: Option<OrganizationId>,
    parent_name: Option<String>,
    sam_unique_id: Option<String>,
    cage_code: Option<String>,
    place: Option<String>,
    contacts: i64,
    offices: i64,
    is_active: bool,
    total: i64,
}

/// The organizations list's filter ($1 inactive too, $2 kind, $3 the words as LIKE patterns, $4 the search as
/// typed, for codes), shared by the list and its export so both hold the same organizations in the same order.
const ORGANIZATION_FILTER: &str = "FROM organizations o \
      LEFT JOIN organizations p ON p.tenant_id = o.tenant_id AND p.id = o.parent_organization_id \
     WHERE ($1 OR o.is_active) AND ($2::text IS NULL OR o.organization_type = $2) \
       AND (cardinality($3::text[]) = 0 \
            OR upper(o.sam_unique_id) = upper($4) OR upper(o.cage_code) = upper($4) \
            OR upper(o.agency_path_code) = upper($4) \
            OR (SELECT bool_and(lower(o.name) LIKE w OR lower(coalesce(p.name, '')) LIKE w) FROM unnest($3::text[]) w)) \
     ORDER BY lower(o.name), o.id";

fn bind_organization_filter<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    f: &'q OrganizationFilter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    q.bind(f.inactive).bind(f.kind.map(|k| k.as_str())).bind(like_patterns(&f.q)).bind(f.q.trim())
}

pub async fn organizations(tx: &mut Tx, filter: &OrganizationFilter) -> Result<(Vec<OrganizationRow>, i64), AppError> {
    let sql = format!(
        "SELECT o.id, o.name, o.organization_type, p.id AS parent_id, p.name AS parent_name, o.sam_unique_id, o.cage_code, \
                nullif(concat_ws(', ', o.city, o.state_province), '') AS place, \
                (SELECT count(*) FROM contacts c WHERE c.organization_id = o.id AND c.is_active) AS contacts, \
                (SELECT count(*) FROM organizations k WHERE k.parent_organization_id = o.id) AS offices, \
                o.is_active, count(*) OVER () AS total \
           {ORGANIZATION_FILTER} LIMIT $5 OFFSET $6"
    );
    let rows: Vec<OrganizationRowDb> = bind_organization_filter(sqlx::query_as(&sql), filter)
        .bind(i64::from(OrganizationFilter::PER_PAGE))
        .bind(i64::from(filter.page) * i64::from(OrganizationFilter::PER_PAGE))
        .fetch_all(&mut **tx)
        .await?;
    let total = rows.first().map(|r| r.total).unwrap_or(0);
    let rows = rows
        .into_iter()
        .map(|r| OrganizationRow {
            id: r.id,
            name: r.name,
            kind: r.organization_type.and_then(|k| k.parse().ok()),
            parent: r.parent_id.zip(r.parent_name),
            sam_unique_id: r.sam_unique_id,
            cage_code: r.cage_code,
            place: r.place,
            contacts: r.contacts,
            offices: r.offices,
            is_active: r.is_active,
        })
        .collect();
    Ok((rows, total))
}

#[derive(FromRow)]
struct OrganizationDb {
    id: OrganizationId,
    name: String,
    organization_type: Option<String>,
    parent_organization_id: Option<OrganizationId>,
    sam_unique_id: Option<String>,
    cage_code: Option<String>,
    duns_number: Option<String>,
    agency_path_code: Option<String>,
    business_size: Option<String>,
    socioeconomic_certifications: Value,
    address_line1: Option<String>,
    address_line2: Option<String>,
    city: Option<String>,
    state_province: Option<String>,
    postal_code: Option<String>,
    country: String,
    phone: Option<String>,
    email: Option<String>,
    website: Option<String>,
    is_active: bool,
    updated_at: DateTime<Utc>,
}

const ORGANIZATION_COLUMNS: &str = "id, name, organization_type, parent_organization_id, sam_unique_id, cage_code, \
    duns_number, agency_path_code, business_size, socioeconomic_certifications, address_line1, address_line2, city, \
    state_province, postal_code, country, phone, email, website, is_active, updated_at";

async fn organization_row(tx: &mut Tx, id: OrganizationId, lock: bool) -> Result<Option<OrganizationDb>, sqlx::Error> {
    let sql = format!(
        "SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    sqlx::query_as(&sql).bind(id).fetch_optional(&mut **tx).await
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

pub async fn organization(
    tx: &mut Tx,
    id: OrganizationId,
    may_write: bool,
) -> Result<Option<OrganizationDetail>, AppError> {
    let Some(o) = organization_row(tx, id, false).await? else {
        return Ok(None);
    };
    let ancestors = ancestors(tx, o.parent_organization_id).await?;
    let tree: Vec<(OrganizationId, String, i32, Option<String>, i64, bool)> = sqlx::query_as(
        "WITH RECURSIVE below (id, name, depth, path) AS ( \
            SELECT id, name, 1, ARRAY[lower(name)::text, id::text] FROM organizations WHERE parent_organization_id = $1 \
            UNION ALL \
            SELECT o.id, o.name, b.depth + 1, b.path || lower(o.name)::text || o.id::text \
              FROM organizations o JOIN below b ON o.parent_organization_id = b.id WHERE b.depth < 20) \
         SELECT b.id, b.name, b.depth, o.organization_type, \
                (SELECT count(*) FROM contacts c WHERE c.organization_id = b.id AND c.is_active), o.is_active \
           FROM below b JOIN organizations o ON o.id = b.id ORDER BY b.path LIMIT 500",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let tree = tree
        .into_iter()
        .map(|(id, name, depth, kind, contacts, is_active)| TreeNode {
            id,
            name,
            depth,
            kind: kind.and_then(|k| k.parse().ok()),
            contacts,
            is_active,
        })
        .collect();
    let contacts = contact_rows(
        tx,
        "WHERE c.organization_id = $1 ORDER BY NOT c.is_active, lower(c.last_name), lower(c.first_name), c.id LIMIT 200",
        id,
    )
    .await?;
    // Pursuits where it is on the team or competing, and where its people, or its offices' people, have a role.
    let pursuits: Vec<(crate::ids::ProjectId, String, String, String)> = sqlx::query_as(
        "WITH RECURSIVE sub (id) AS (SELECT $1::uuid UNION SELECT o.id FROM organizations o JOIN sub ON o.parent_organization_id = sub.id), \
         links (project, through, place) AS ( \
             SELECT po.opportunity_project_id, \
                    initcap(po.teaming_role) || coalesce(' \u{b7} ' || trim_scale(po.workshare_percent) || '%', ''), 0 \
               FROM opportunity_project_organizations po WHERE po.organization_id = $1 \
             UNION ALL \
             SELECT pc.opportunity_project_id, \
                    c.first_name || ' ' || c.last_name || coalesce(', ' || replace(pc.relationship_type, '_', ' '), ''), 1 \
               FROM opportunity_project_contacts pc JOIN contacts c ON c.tenant_id = pc.tenant_id AND c.id = pc.contact_id \
              WHERE c.organization_id IN (SELECT id FROM sub)) \
         SELECT p.id, p.project_name, p.pipeline_stage, string_agg(DISTINCT l.through, '; ') \
           FROM links l JOIN opportunity_projects p ON p.id = l.project \
          WHERE p.project_status <> 'archived' \
          GROUP BY p.id, p.project_name, p.pipeline_stage ORDER BY min(l.place), p.project_name LIMIT 100",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let pursuits = pursuits
        .into_iter()
        .filter_map(|(id, name, stage, through)| Some(PursuitLink { id, name, stage: stage.parse().ok()?, through }))
        .collect();
    let activities = activities(
        tx,
        "(a.entity_type = 'organization' AND a.entity_id = $1) \
         OR (a.entity_type = 'contact' AND a.entity_id IN (SELECT id FROM contacts WHERE organization_id = $1))",
        id.as_uuid(),
    )
    .await?;
    let address = [o.address_line1, o.address_line2]
        .into_iter()
        .flatten()
        .chain(
            [[o.city, o.state_province, o.postal_code].into_iter().flatten().collect::<Vec<_>>().join(", "), o.country]
                .into_iter()
                .filter(|l| !l.is_empty()),
        )
        .collect();
    Ok(Some(OrganizationDetail {
        id: o.id,
        name: o.name,
        kind: o.organization_type.and_then(|k| k.parse().ok()),
        sam_unique_id: o.sam_unique_id,
        cage_code: o.cage_code,
        duns_number: o.duns_number,
        agency_path_code: o.agency_path_code,
        business_size: o.business_size.and_then(|b| b.parse().ok()),
        certifications: strings(&o.socioeconomic_certifications).iter().filter_map(|c| c.parse().ok()).collect(),
        address,
        phone: o.phone,
        email: o.email,
        website: o.website,
        is_active: o.is_active,
        updated_at: o.updated_at,
        ancestors,
        tree,
        contacts,
        pursuits,
        activities,
        may_write,
    }))
}

/// From the top of the tree down to `from` itself.
async fn ancestors(tx: &mut Tx, from: Option<OrganizationId>) -> Result<Vec<(OrganizationId, String)>, sqlx::Error> {
    let Some(from) = from else { return Ok(Vec::new()) };
    let mut up: Vec<(OrganizationId, String, i32)> = sqlx::query_as(
        "WITH RECURSIVE up (id, name, parent, depth) AS ( \
            SELECT id, name, parent_organization_id, 0 FROM organizations WHERE id = $1 \
            UNION ALL \
            SELECT o.id, o.name, o.parent_organization_id, up.depth + 1 \
              FROM organizations o JOIN up ON o.id = up.parent WHERE up.depth < 20) \
         SELECT id, name, depth FROM up",
    )
    .bind(from)
    .fetch_all(&mut **tx)
    .await?;
    up.sort_by_key(|(_, _, depth)| -depth);
    Ok(up.into_iter().map(|(id, name, _)| (id, name)).collect())
}

/// Timeline lines matching `condition` (on `activities a`, with `$1` the subject's id), newest first.
async fn activities(tx: &mut Tx, condition: &str, subject: uuid::Uuid) -> Result<Vec<ActivityLine>, sqlx::Error> {
    let sql = format!(
        "SELECT a.activity_type, a.subject, coalesce(a.activity_date, a.completed_date, a.due_date), a.status, \
                p.id::text, p.project_name \
           FROM activities a \
           LEFT JOIN opportunity_projects p ON a.entity_type = 'opportunity_project' AND p.id = a.entity_id \
          WHERE NOT a.is_deleted AND ({condition}) \
          ORDER BY coalesce(a.activity_date, a.completed_date, a.due_date) DESC NULLS LAST, a.created_at DESC LIMIT 30"
    );
    type Line = (String, String, Option<DateTime<Utc>>, String, Option<String>, Option<String>);
    let rows: Vec<Line> = sqlx::query_as(&sql).bind(subject).fetch_all(&mut **tx).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, subject, at, status, project, project_name)| {
            Some(ActivityLine {
                kind: kind.parse().ok()?,
                subject,
                at,
                status: status.parse().ok()?,
                about: project.map(|id| format!("/projects/{id}")).zip(project_name),
            })
        })
        .collect())
}

pub async fn organization_input(tx: &mut Tx, id: OrganizationId) -> Result<Option<OrganizationInput>, AppError> {
    let Some(o) = organization_row(tx, id, false).await? else {
        return Ok(None);
    };
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(Some(OrganizationInput {
        name: o.name,
        organization_type: text(o.organization_type),
        parent: o.parent_organization_id.map(|p| p.to_string()).unwrap_or_default(),
        sam_unique_id: text(o.sam_unique_id),
        cage_code: text(o.cage_code),
        duns_number: text(o.duns_number),
        agency_path_code: text(o.agency_path_code),
        business_size: text(o.business_size),
        certifications: strings(&o.socioeconomic_certifications),
        address_line1: text(o.address_line1),
        address_line2: text(o.address_line2),
        city: text(o.city),
        state_province: text(o.state_province),
        postal_code: text(o.postal_code),
        country: o.country,
        phone: text(o.phone),
        email: text(o.email),
        website: text(o.website),
        version: o.updated_at.to_rfc3339(),
    }))
}

/// Organizations `id` may be placed under: active ones outside its own subtree, labelled with their path.
pub async fn possible_parents(
    tx: &mut Tx,
    id: Option<OrganizationId>,
) -> Result<Vec<(OrganizationId, String)>, AppError> {
    let sql = format!(
        "{LABELLED}, sub (id) AS (SELECT $1::uuid WHERE $1 IS NOT NULL \
              UNION SELECT o.id FROM organizations o JOIN sub ON o.parent_organization_id = sub.id) \
         SELECT l.id, l.label FROM labelled l JOIN organizations o ON o.id = l.id \
          WHERE o.is_active AND l.id NOT IN (SELECT id FROM sub) ORDER BY lower(l.label) LIMIT 5000"
    );
    Ok(sqlx::query_as(&sql).bind(id).fetch_all(&mut **tx).await?)
}

/// Active organizations labelled with their path, for the contact form's picker.
pub async fn organization_choices(tx: &mut Tx) -> Result<Vec<(OrganizationId, String)>, AppError> {
    possible_parents(tx, None).await
}

pub async fn organization_name(tx: &mut Tx, id: OrganizationId) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(&mut **tx).await?)
}

/// The stored fields of an organization, named as its columns (what change_history names).
pub(crate) fn organization_fields(v: &ValidOrganization) -> Value {
    json!({
        "name": v.name,
        "organization_type": v.organization_type,
        "parent_organization_id": v.parent,
        "sam_unique_id": v.sam_unique_id,
        "cage_code": v.cage_code,
        "duns_number": v.duns_number,
        "agency_path_code": v.agency_path_code,
        "business_size": v.business_size,
        "socioeconomic_certifications": v.certifications,
        "address_line1": v.address_line1,
        "address_line2": v.address_line2,
        "city": v.city,
        "state_province": v.state_province,
        "postal_code": v.postal_code,
        "country": v.country,
        "phone": v.phone,
        "email": v.email,
        "website": v.website,
    })
}

/// The stored row's values of the same fields as `after` (for its history and audit).
async fn stored_fields(tx: &mut Tx, table: &str, id: uuid::Uuid, after: &Value) -> Result<Value, sqlx::Error> {
    let row: Value = sqlx::query_scalar(&format!("SELECT to_jsonb(t) FROM {table} t WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let keys = after.as_object().map(|a| a.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    Ok(Value::Object(keys.into_iter().map(|k| (k.clone(), row.get(&k).cloned().unwrap_or(Value::Null))).collect()))
}

pub async fn save_organization(
    tx: &mut Tx,
    caller: &Caller,
    id: Option<OrganizationId>,
    v: &ValidOrganization,
) -> Result<OrganizationId, AppError> {
    let not_found = || AppError::NotFound("Organization".into());
    lock_directory(tx).await?;
    let current = match id {
        Some(id) => Some(organization_row(tx, id, true).await?.ok_or_else(not_found)?),
        None => None,
    };
    if let (Some(seen), Some(current)) = (v.version, &current)
        && seen != current.updated_at
    {
        return Err(AppError::Conflict(format!(
            "Someone changed this organization at {} UTC, after you opened the form. Reload to see their changes, then make yours again.",
            current.updated_at.format("%H:%M:%S")
        )));
    }
    // The same UEI, CAGE code or agency path elsewhere: name it and link to it.
    let duplicate: Option<(OrganizationId, String, String)> = sqlx::query_as(
        "SELECT id, name, CASE WHEN upper(sam_unique_id) = $2 THEN 'UEI ' || $2 \
                              WHEN upper(cage_code) = $3 THEN 'CAGE code ' || $3 \
                              ELSE 'agency path code ' || $4 END \
           FROM organizations WHERE id IS DISTINCT FROM $1 \
            AND (upper(sam_unique_id) = $2 OR upper(cage_code) = $3 OR upper(agency_path_code) = $4) LIMIT 1",
    )
    .bind(id)
    .bind(&v.sam_unique_id)
    .bind(&v.cage_code)
    .bind(&v.agency_path_code)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((other, name, what)) = duplicate {
        return Err(AppError::Exists {
            message: format!("\u{201c}{name}\u{201d} already has the {what}: one organization per identifier."),
            href: organization_href(other),
        });
    }
    if let Some(parent) = v.parent {
        let parent_name = organization_name(tx, parent).await?.ok_or_else(|| {
            AppError::Validation("The parent organization was not found; choose it from the list.".into())
        })?;
        if let Some(id) = id {
            let loops: bool = sqlx::query_scalar(
                "WITH RECURSIVE up (id, depth) AS (SELECT $1::uuid, 0 UNION ALL \
                   SELECT o.parent_organization_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.id \
                    WHERE o.parent_organization_id IS NOT NULL AND up.depth < 100) \
                 SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)",
            )
            .bind(parent)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
            if loops {
                return Err(AppError::Validation(format!(
                    "\u{201c}{}\u{201d} cannot be placed under \u{201c}{parent_name}\u{201d}, which is itself one of its offices (or the organization itself).",
                    v.name
                )));
            }
        }
    }
    let after = organization_fields(v);
    let before = match id {
        Some(id) => stored_fields(tx, "organizations", id.as_uuid(), &after).await?,
        None => Value::Null,
    };
    let saved: OrganizationId = match id {
        None => bind_organization(
            sqlx::query_scalar(
                "INSERT INTO organizations (tenant_id, name, organization_type, parent_organization_id, sam_unique_id, \
                    cage_code, duns_number, agency_path_code, business_size, socioeconomic_certifications, address_line1, \
                    address_line2, city, state_province, postal_code, country, phone, email, website, created_by, updated_by) \
                 VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) \
                 RETURNING id",
            ),
            v,
            caller.user.id,
        )
        .fetch_one(&mut **tx)
        .await?,
        Some(id) => bind_organization(
            sqlx::query_scalar(
                "UPDATE organizations SET name = $1, organization_type = $2, parent_organization_id = $3, sam_unique_id = $4, \
                    cage_code = $5, duns_number = $6, agency_path_code = $7, business_size = $8, socioeconomic_certifications = $9, \
                    address_line1 = $10, address_line2 = $11, city = $12, state_province = $13, postal_code = $14, country = $15, \
                    phone = $16, email = $17, website = $18, updated_by = $19 WHERE id = $20 RETURNING id",
            ),
            v,
            caller.user.id,
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?,
    };
    let changed = record_field_changes(tx, "organization", saved.as_uuid(), caller.user.id, &before, &after).await?;
    if id.is_none() || changed > 0 {
        let (action, verb) =
            if id.is_none() { (AuditAction::Create, "Created") } else { (AuditAction::Update, "Changed") };
        let mut event = AuditEvent::new(
            action,
            "organization",
            Some(saved.as_uuid()),
            format!("{verb} \u{201c}{}\u{201d}", v.name),
        )
        .after(after);
        if id.is_some() {
            event = event.before(before);
        }
        caller.audit(tx, event).await?;
    }
    Ok(saved)
}

/// Deactivates or restores a row of `table` ("organization" or "contact"), with its history and audit.
async fn set_active(
    tx: &mut Tx,
    caller: &Caller,
    entity: &'static str,
    table: &str,
    id: uuid::Uuid,
    active: bool,
    what: &str,
) -> Result<(), AppError> {
    let name: Option<(String, bool)> = sqlx::query_as(&format!(
        "SELECT {}, is_active FROM {table} WHERE id = $1 FOR UPDATE",
        if table == "contacts" { "first_name || ' ' || last_name" } else { "name::text" }
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let (name, was) = name.ok_or_else(|| AppError::NotFound(what.into()))?;
    if was == active {
        return Ok(());
    }
    sqlx::query(&format!("UPDATE {table} SET is_active = $2, updated_by = $3 WHERE id = $1"))
        .bind(id)
        .bind(active)
        .bind(caller.user.id)
        .execute(&mut **tx)
        .await?;
    let (before, after) = (json!({ "is_active": was }), json!({ "is_active": active }));
    record_field_changes(tx, entity, id, caller.user.id, &before, &after).await?;
    let (action, verb) =
        if active { (AuditAction::Restore, "Restored") } else { (AuditAction::Archive, "Deactivated") };
    let event =
        AuditEvent::new(action, entity, Some(id), format!("{verb} \u{201c}{name}\u{201d}")).before(before).after(after);
    caller.audit(tx, event).await
}

pub async fn set_organization_active(
    tx: &mut Tx,
    caller: &Caller,
    id: OrganizationId,
    active: bool,
) -> Result<(), AppError> {
    set_active(tx, caller, "organization", "organizations", id.as_uuid(), active, "Organization").await
}

// ---------------------------------------------------------------------------------------------------------
// Contacts

#[derive(FromRow)]
struct ContactRowDb {
    id: ContactId,
    name: String,
    title: Option<String>,
    organization_id: Option<OrganizationId>,
    organization_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    contact_type: Option<String>,
    security_clearance: Option<String>,
    relationship_strength: Option<i32>,
    last_contact_date: Option<NaiveDate>,
    is_active: bool,
    /// A search's total, counted with its page (see `contacts_page_sql`).
    #[sqlx(default)]
    matches: Option<i64>,
}

const CONTACT_ROW: &str = "SELECT c.id, c.first_name || ' ' || c.last_name AS name, c.title, c.organization_id, \
        o.name AS organization_name, c.email, c.phone, c.contact_type, c.security_clearance, c.relationship_strength, \
        c.last_contact_date, c.is_active";

impl From<ContactRowDb> for ContactRow {
    fn from(r: ContactRowDb) -> ContactRow {
        ContactRow {
            id: r.id,
            name: r.name,
            title: r.title,
            organization: r.organization_id.zip(r.organization_name),
            email: r.email,
            phone: r.phone,
            kind: r.contact_type.and_then(|k| k.parse().ok()),
            clearance: r.security_clearance.and_then(|c| c.parse().ok()),
            strength: r.relationship_strength,
            last_contact_date: r.last_contact_date,
            is_active: r.is_active,
        }
    }
}

/// Contacts as list rows, `tail` (WHERE … ORDER BY … LIMIT) with `$1` bound to `subject`.
async fn contact_rows(tx: &mut Tx, tail: &str, subject: OrganizationId) -> Result<Vec<ContactRow>, sqlx::Error> {
    let sql = format!(
        "{CONTACT_ROW} FROM contacts c LEFT JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id {tail}"
    );
    let rows: Vec<ContactRowDb> = sqlx::query_as(&sql).bind(subject).fetch_all(&mut **tx).await?;
    Ok(rows.into_iter().map(ContactRow::from).collect())
}

/// The contacts list's filter and order as SQL: `FROM … WHERE …` with `$1`–`$6` bound by `bind_contact_filter`,
/// and the ORDER BY list. Shared by the page and the export, so both show the same people in the same order.
fn contact_filter_sql(f: &ContactFilter) -> (String, &'static str) {
    let order = match f.sort {
        ContactSort::Name => "lower(c.last_name), lower(c.first_name), c.id",
        ContactSort::Organization => "lower(o.name) NULLS LAST, lower(c.last_name), lower(c.first_name), c.id",
        ContactSort::LastContacted => "c.last_contact_date ASC NULLS FIRST, lower(c.last_name), c.id",
        ContactSort::Strength => "c.relationship_strength DESC NULLS LAST, lower(c.last_name), c.id",
        ContactSort::Updated => "c.updated_at DESC, c.id",
    };
    let contacted = match f.contacted {
        None => "true",
        Some(Contacted::Within30) => "c.last_contact_date >= current_date - 30",
        Some(Contacted::Within90) => "c.last_contact_date >= current_date - 90",
        Some(Contacted::Within365) => "c.last_contact_date >= current_date - 365",
        Some(Contacted::OverAYear) => "c.last_contact_date < current_date - 365",
        Some(Contacted::Never) => "c.last_contact_date IS NULL",
    };
    // No search, no clause (not one true for every row, evaluated for each); punctuation alone finds nobody.
    let searched = match (f.q.trim().is_empty(), has_words(&f.q)) {
        (true, _) => "true",
        (false, true) => "c.id IN (SELECT id FROM matching)",
        (false, false) => "false",
    };
    let from = format!(
        "FROM contacts c LEFT JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id \
          WHERE ($1 OR c.is_active) \
            AND {searched} \
            AND ($3::uuid IS NULL OR c.organization_id IN (SELECT id FROM sub)) \
            AND ($4::text IS NULL OR c.contact_type = $4) \
            AND ($5::text IS NULL OR c.security_clearance = $5) \
            AND ($6::int IS NULL OR c.relationship_strength >= $6) \
            AND {contacted}"
    );
    (from, order)
}

/// The organization filter's subtree (`sub`) and the people the search's words find (`matching`: each word
/// begins a word of the person's name, e-mail or title, or of their organization's name or codes), for
/// `contact_filter_sql`.
static CONTACT_FILTER_WITH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH RECURSIVE sub (id) AS (SELECT $3::uuid WHERE $3 IS NOT NULL \
           UNION SELECT o.id FROM organizations o JOIN sub ON o.parent_organization_id = sub.id), \
         {q}, \
         matching (id) AS (SELECT id FROM ({contact_hits} \
                                           UNION SELECT h.n, m.id FROM ({organization_hits}) h \
                                                  JOIN contacts m ON m.organization_id = h.id) w \
                           GROUP BY id {EVERY_WORD})",
        q = query_words_cte("$2"),
        contact_hits = word_hits("contact"),
        organization_hits = word_hits("organization"),
    )
});

fn bind_contact_filter<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    f: &'q ContactFilter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    q.bind(f.inactive)
        .bind(f.q.trim())
        .bind(f.organization)
        .bind(f.kind.map(|k| k.as_str()))
        .bind(f.clearance.map(|c| c.as_str()))
        .bind(f.strength)
}

/// One page of the contacts list under `f`: $1–$6 the filter, $7 the page size, $8 the offset (also the pages
/// benchmark's SQL, src/pgbench.rs). Without a search the page is read through the order's index, LIMIT rows
/// and no more, and its total counted apart; a search reads every person it finds to sort them anyway, so it
/// counts them in the same pass (`matches`).
pub fn contacts_page_sql(f: &ContactFilter) -> String {
    let (from, order) = contact_filter_sql(f);
    let matches = if has_words(&f.q) { "count(*) OVER ()" } else { "NULL::bigint" };
    format!("{} {CONTACT_ROW}, {matches} AS matches {from} ORDER BY {order} LIMIT $7 OFFSET $8", *CONTACT_FILTER_WITH)
}

/// How many people the filter selects: $1–$6 the filter (also the pages benchmark's SQL).
pub fn count_contacts_sql(f: &ContactFilter) -> String {
    let (from, _) = contact_filter_sql(f);
    format!("{} SELECT count(*) {from}", *CONTACT_FILTER_WITH)
}

/// The page and the filter's total. The total is counted apart (a count over the page's query would read
/// every selected row for every page), and not at all when the page itself shows where the list ends.
pub async fn contacts(tx: &mut Tx, f: &ContactFilter) -> Result<(Vec<ContactRow>, i64), AppError> {
    let sql = contacts_page_sql(f);
    let offset = i64::from(f.page) * i64::from(ContactFilter::PER_PAGE);
    let rows: Vec<ContactRowDb> = bind_contact_filter(sqlx::query_as(&sql), f)
        .bind(i64::from(ContactFilter::PER_PAGE))
        .bind(offset)
        .fetch_all(&mut **tx)
        .await?;
    let shown = rows.len() as i64;
    let total = match rows.first().and_then(|r| r.matches) {
        Some(matches) => matches,
        None if shown > 0 && shown < i64::from(ContactFilter::PER_PAGE) || (shown == 0 && f.page == 0) => {
            offset + shown
        }
        None => count_contacts(tx, f).await?,
    };
    Ok((rows.into_iter().map(ContactRow::from).collect(), total))
}

#[derive(FromRow)]
struct ContactDb {
    first_name: String,
    last_name: String,
    organization_id: Option<OrganizationId>,
    title: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    linkedin_url: Option<String>,
    contact_type: Option<String>,
    decision_maker_level: Option<i32>,
    security_clearance: Option<String>,
    last_contact_date: Option<NaiveDate>,
    interaction_frequency: Option<String>,
    relationship_strength: Option<i32>,
    notes: Option<String>,
    tags: Value,
    is_active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

async fn contact_row(tx: &mut Tx, id: ContactId, lock: bool) -> Result<Option<ContactDb>, sqlx::Error> {
    let sql = format!(
        "SELECT first_name, last_name, organization_id, title, email, phone, linkedin_url, contact_type, \
                decision_maker_level, security_clearance, last_contact_date, interaction_frequency, \
                relationship_strength, notes, tags, is_active, created_at, updated_at \
           FROM contacts WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    sqlx::query_as(&sql).bind(id).fetch_optional(&mut **tx).await
}

pub async fn contact(tx: &mut Tx, id: ContactId, may_write: bool) -> Result<Option<ContactDetail>, AppError> {
    let Some(c) = contact_row(tx, id, false).await? else {
        return Ok(None);
    };
    let organization_path = ancestors(tx, c.organization_id).await?;
    type Role = (crate::ids::ProjectId, String, String, Option<String>, Option<i32>);
    let pursuits: Vec<Role> = sqlx::query_as(
        "SELECT p.id, p.project_name, p.pipeline_stage, pc.relationship_type, pc.influence_level \
           FROM opportunity_project_contacts pc \
           JOIN opportunity_projects p ON p.tenant_id = pc.tenant_id AND p.id = pc.opportunity_project_id \
          WHERE pc.contact_id = $1 ORDER BY p.project_name, pc.relationship_type LIMIT 200",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let pursuits = pursuits
        .into_iter()
        .filter_map(|(id, name, stage, relationship, influence)| {
            Some(ContactPursuit { id, name, stage: stage.parse().ok()?, relationship, influence })
        })
        .collect();
    // RLS shows only the documents the caller may see.
    let documents: Vec<(uuid::Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT d.id, d.name, a.association_type FROM document_associations a \
           JOIN documents d ON d.tenant_id = a.tenant_id AND d.id = a.document_id \
          WHERE a.entity_type = 'contact' AND a.entity_id = $1 AND NOT d.is_deleted ORDER BY d.name LIMIT 100",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let documents = documents.into_iter().map(|(id, title, link)| ContactDocument { id, title, link }).collect();
    let activities = activities(
        tx,
        "(a.entity_type = 'contact' AND a.entity_id = $1) \
         OR a.id IN (SELECT activity_id FROM activity_participants WHERE contact_id = $1)",
        id.as_uuid(),
    )
    .await?;
    let (merged_into, merged_from) = merge::merges(tx, id).await?;
    let duplicates = if may_write && c.is_active { merge::candidates(tx, id).await? } else { Vec::new() };
    Ok(Some(ContactDetail {
        id,
        first_name: c.first_name,
        last_name: c.last_name,
        title: c.title,
        organization_path,
        email: c.email,
        phone: c.phone,
        linkedin_url: c.linkedin_url,
        kind: c.contact_type.and_then(|k| k.parse().ok()),
        decision_maker_level: c.decision_maker_level,
        clearance: c.security_clearance.and_then(|k| k.parse().ok()),
        last_contact_date: c.last_contact_date,
        interaction_frequency: c.interaction_frequency.and_then(|k| k.parse().ok()),
        relationship_strength: c.relationship_strength,
        notes: c.notes,
        tags: strings(&c.tags),
        is_active: c.is_active,
        created_at: c.created_at,
        updated_at: c.updated_at,
        pursuits,
        documents,
        activities,
        merged_into,
        merged_from,
        duplicates,
        may_write,
    }))
}

pub async fn contact_input(tx: &mut Tx, id: ContactId) -> Result<Option<ContactInput>, AppError> {
    let Some(c) = contact_row(tx, id, false).await? else {
        return Ok(None);
    };
    let text = |v: Option<String>| v.unwrap_or_default();
    let number = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    Ok(Some(ContactInput {
        first_name: c.first_name,
        last_name: c.last_name,
        organization: c.organization_id.map(|o| o.to_string()).unwrap_or_default(),
        title: text(c.title),
        email: text(c.email),
        phone: text(c.phone),
        linkedin_url: text(c.linkedin_url),
        contact_type: text(c.contact_type),
        decision_maker_level: number(c.decision_maker_level),
        security_clearance: text(c.security_clearance),
        last_contact_date: c.last_contact_date.map(|d| d.to_string()).unwrap_or_default(),
        interaction_frequency: text(c.interaction_frequency),
        relationship_strength: number(c.relationship_strength),
        notes: text(c.notes),
        tags: strings(&c.tags).join(", "),
        version: c.updated_at.to_rfc3339(),
    }))
}

/// A contact's stored fields, named as its columns (what change_history names).
pub(crate) fn contact_fields(v: &ValidContact) -> Value {
    json!({
        "first_name": v.first_name,
        "last_name": v.last_name,
        "organization_id": v.organization,
        "title": v.title,
        "email": v.email,
        "phone": v.phone,
        "linkedin_url": v.linkedin_url,
        "contact_type": v.contact_type,
        "decision_maker_level": v.decision_maker_level,
        "security_clearance": v.security_clearance,
        "last_contact_date": v.last_contact_date,
        "interaction_frequency": v.interaction_frequency,
        "relationship_strength": v.relationship_strength,
        "notes": v.notes,
        "tags": v.tags,
    })
}

pub async fn save_contact(
    tx: &mut Tx,
    caller: &Caller,
    id: Option<ContactId>,
    v: &ValidContact,
    allow_duplicate: bool,
) -> Result<ContactId, AppError> {
    let not_found = || AppError::NotFound("Contact".into());
    lock_directory(tx).await?;
    let current = match id {
        Some(id) => Some(contact_row(tx, id, true).await?.ok_or_else(not_found)?),
        None => None,
    };
    if let Some(id) = id {
        refuse_merged(tx, id).await?;
    }
    if let (Some(seen), Some(current)) = (v.version, &current)
        && seen != current.updated_at
    {
        return Err(AppError::Conflict(format!(
            "Someone changed this contact at {} UTC, after you opened the form. Reload to see their changes, then make yours again.",
            current.updated_at.format("%H:%M:%S")
        )));
    }
    if let Some(org) = v.organization
        && organization_name(tx, org).await?.is_none()
    {
        return Err(AppError::Validation("The organization was not found; choose it from the list.".into()));
    }
    // Who they might already be: only asked when what identifies them is new or changed.
    let identity_changed = current.as_ref().is_none_or(|c| {
        c.email != v.email
            || c.organization_id != v.organization
            || !c.first_name.eq_ignore_ascii_case(&v.first_name)
            || !c.last_name.eq_ignore_ascii_case(&v.last_name)
    });
    if identity_changed && !allow_duplicate {
        let duplicate: Option<(ContactId, String, bool)> = sqlx::query_as(
            "SELECT id, first_name || ' ' || last_name, email_key IS NOT DISTINCT FROM $2 AND $2 IS NOT NULL \
               FROM contacts WHERE id IS DISTINCT FROM $1 AND is_active \
                AND (email_key = $2 \
                     OR ($3::uuid IS NOT NULL AND organization_id = $3 AND name_key = lower($4) || ' ' || lower($5))) \
              ORDER BY 3 DESC LIMIT 1",
        )
        .bind(id)
        .bind(&v.email)
        .bind(v.organization)
        .bind(&v.first_name)
        .bind(&v.last_name)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((other, name, same_email)) = duplicate {
            return Err(AppError::Exists { message: duplicate_message(&name, same_email), href: contact_href(other) });
        }
    }
    let after = contact_fields(v);
    let before = match id {
        Some(id) => stored_fields(tx, "contacts", id.as_uuid(), &after).await?,
        None => Value::Null,
    };
    let saved: ContactId = match id {
        None => bind_contact(
            sqlx::query_scalar(
                "INSERT INTO contacts (tenant_id, first_name, last_name, organization_id, title, email, phone, linkedin_url, \
                    contact_type, decision_maker_level, security_clearance, last_contact_date, interaction_frequency, \
                    relationship_strength, notes, tags, created_by, updated_by) \
                 VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
                 RETURNING id",
            ),
            v,
            caller.user.id,
        )
        .fetch_one(&mut **tx)
        .await?,
        Some(id) => bind_contact(
            sqlx::query_scalar(
                "UPDATE contacts SET first_name = $1, last_name = $2, organization_id = $3, title = $4, email = $5, phone = $6, \
                    linkedin_url = $7, contact_type = $8, decision_maker_level = $9, security_clearance = $10, \
                    last_contact_date = $11, interaction_frequency = $12, relationship_strength = $13, notes = $14, tags = $15, \
                    updated_by = $16 WHERE id = $17 RETURNING id",
            ),
            v,
            caller.user.id,
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?,
    };
    let changed = record_field_changes(tx, "contact", saved.as_uuid(), caller.user.id, &before, &after).await?;
    if id.is_none() || changed > 0 {
        let name = format!("{} {}", v.first_name, v.last_name);
        let (action, verb) =
            if id.is_none() { (AuditAction::Create, "Created") } else { (AuditAction::Update, "Changed") };
        let mut event =
            AuditEvent::new(action, "contact", Some(saved.as_uuid()), format!("{verb} \u{201c}{name}\u{201d}"))
                .after(after);
        if id.is_some() {
            event = event.before(before);
        }
        caller.audit(tx, event).await?;
    }
    Ok(saved)
}

/// A merged record is read-only: its person lives on in the record it was merged into.
async fn refuse_merged(tx: &mut Tx, id: ContactId) -> Result<(), AppError> {
    let (into, _) = merge::merges(tx, id).await?;
    match into {
        Some(into) => Err(AppError::Exists {
            message: format!("This record was merged into {}'s; make changes there.", into.name),
            href: contact_href(into.id),
        }),
        None => Ok(()),
    }
}

pub async fn set_contact_active(tx: &mut Tx, caller: &Caller, id: ContactId, active: bool) -> Result<(), AppError> {
    refuse_merged(tx, id).await?;
    set_active(tx, caller, "contact", "contacts", id.as_uuid(), active, "Contact").await
}

// ---------------------------------------------------------------------------------------------------------
// Roles on a pursuit

#[derive(FromRow)]
struct RoleDb {
    id: PursuitContactId,
    contact_id: ContactId,
    name: String,
    title: Option<String>,
    organization_id: Option<OrganizationId>,
    organization_name: Option<String>,
    organization_type: Option<String>,
    organization_depth: Option<i32>,
    relationship_type: Option<String>,
    influence_level: Option<i32>,
    stance: String,
    relationship_strength: Option<i32>,
    notes: Option<String>,
    added_by: Option<String>,
    updated_at: DateTime<Utc>,
}

async fn project_name(tx: &mut Tx, project: ProjectId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT project_name FROM opportunity_projects WHERE id = $1")
        .bind(project)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn pursuit_contacts(
    tx: &mut Tx,
    project: ProjectId,
    may_write: bool,
) -> Result<Option<PursuitContacts>, AppError> {
    let Some(project_name) = project_name(tx, project).await? else {
        return Ok(None);
    };
    let rows: Vec<RoleDb> = sqlx::query_as(
        "WITH RECURSIVE up (start, parent, depth) AS ( \
             SELECT o.id, o.parent_organization_id, 0 FROM organizations o \
              WHERE o.id IN (SELECT c.organization_id FROM opportunity_project_contacts pc \
                               JOIN contacts c ON c.tenant_id = pc.tenant_id AND c.id = pc.contact_id \
                              WHERE pc.opportunity_project_id = $1) \
             UNION ALL \
             SELECT up.start, o.parent_organization_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.parent \
              WHERE up.depth < 20) \
         SELECT pc.id, c.id AS contact_id, c.first_name || ' ' || c.last_name AS name, c.title, o.id AS organization_id, \
                o.name AS organization_name, o.organization_type, \
                (SELECT max(depth) FROM up WHERE up.start = o.id) AS organization_depth, pc.relationship_type, pc.influence_level, pc.stance, c.relationship_strength, \
                pc.notes, coalesce(u.first_name || ' ' || u.last_name, CASE WHEN pc.created_by_system IS NOT NULL THEN 'the system' END) AS added_by, \
                pc.updated_at \
           FROM opportunity_project_contacts pc \
           JOIN contacts c ON c.tenant_id = pc.tenant_id AND c.id = pc.contact_id \
           LEFT JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id \
           LEFT JOIN users u ON u.tenant_id = pc.tenant_id AND u.id = pc.created_by \
          WHERE pc.opportunity_project_id = $1 \
          ORDER BY pc.influence_level DESC NULLS LAST, lower(c.last_name), lower(c.first_name), pc.relationship_type LIMIT 500",
    )
    .bind(project)
    .fetch_all(&mut **tx)
    .await?;
    let roles = rows
        .into_iter()
        .map(|r| PursuitRole {
            id: r.id,
            contact: r.contact_id,
            name: r.name,
            title: r.title,
            organization: r.organization_id.zip(r.organization_name),
            organization_type: r.organization_type.and_then(|t| t.parse().ok()),
            organization_depth: r.organization_depth,
            relationship_type: r.relationship_type.and_then(|t| t.parse().ok()),
            influence_level: r.influence_level,
            stance: r.stance.parse().unwrap_or(Stance::Unknown),
            strength: r.relationship_strength,
            notes: r.notes,
            added_by: r.added_by,
            updated_at: r.updated_at,
        })
        .collect();
    let team = teaming::list(tx, project).await?;
    let synced = from_sync::synced(tx, project).await?;
    let organization_choices = if may_write { teaming::choices(tx).await? } else { Vec::new() };
    let choices = if may_write {
        sqlx::query_as(
            "SELECT c.id, c.first_name || ' ' || c.last_name || coalesce(' \u{2014} ' || o.name, '') \
               FROM contacts c LEFT JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id \
              WHERE c.is_active ORDER BY lower(c.last_name), lower(c.first_name), c.id LIMIT 5000",
        )
        .fetch_all(&mut **tx)
        .await?
    } else {
        Vec::new()
    };
    Ok(Some(PursuitContacts { project, project_name, roles, choices, team, organization_choices, synced, may_write }))
}

fn role_fields(v: &ValidRole) -> Value {
    json!({
        "contact_id": v.contact,
        "relationship_type": v.relationship_type,
        "influence_level": v.influence_level,
        "stance": v.stance,
        "notes": v.notes,
    })
}

/// The same role twice on one pursuit: named, with who holds it.
fn role_taken(e: sqlx::Error) -> AppError {
    match e.as_database_error().and_then(|d| d.code()) {
        Some(code) if code == "23505" => {
            AppError::Conflict("This person already has that role on this pursuit; change the role they have.".into())
        }
        _ => e.into(),
    }
}

async fn contact_name(tx: &mut Tx, contact: ContactId) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT first_name || ' ' || last_name FROM contacts WHERE id = $1 AND is_active")
        .bind(contact)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            AppError::Validation("The person was not found (or is deactivated); choose them from the list.".into())
        })
}

pub async fn add_pursuit_contact(
    tx: &mut Tx,
    caller: &Caller,
    project: ProjectId,
    v: &ValidRole,
) -> Result<PursuitContactId, AppError> {
    let pursuit = project_name(tx, project).await?.ok_or_else(|| AppError::NotFound("Project".into()))?;
    let name = contact_name(tx, v.contact).await?;
    let id: PursuitContactId = sqlx::query_scalar(
        "INSERT INTO opportunity_project_contacts (tenant_id, opportunity_project_id, contact_id, relationship_type, \
            influence_level, stance, notes, created_by, updated_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(project)
    .bind(v.contact)
    .bind(v.relationship_type)
    .bind(v.influence_level)
    .bind(v.stance)
    .bind(&v.notes)
    .bind(caller.user.id)
    .fetch_one(&mut **tx)
    .await
    .map_err(role_taken)?;
    let after = role_fields(v);
    record_field_changes(tx, "opportunity_project_contact", id.as_uuid(), caller.user.id, &Value::Null, &after).await?;
    let event = AuditEvent::new(
        AuditAction::Create,
        "opportunity_project_contact",
        Some(id.as_uuid()),
        format!("{name} is {} on \u{201c}{pursuit}\u{201d}", v.relationship_type.label().to_lowercase()),
    )
    .after(after);
    caller.audit(tx, event).await?;
    Ok(id)
}

pub async fn update_pursuit_contact(
    tx: &mut Tx,
    caller: &Caller,
    project: ProjectId,
    role: PursuitContactId,
    v: &ValidRole,
) -> Result<(), AppError> {
    let after = role_fields(v);
    let before: Value = sqlx::query_scalar(
        "SELECT jsonb_build_object('contact_id', contact_id, 'relationship_type', relationship_type, \
                'influence_level', influence_level, 'stance', stance, 'notes', notes) \
           FROM opportunity_project_contacts WHERE id = $1 AND opportunity_project_id = $2 FOR UPDATE",
    )
    .bind(role)
    .bind(project)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::NotFound("The role".into()))?;
    if before.get("contact_id") != after.get("contact_id") {
        return Err(AppError::Validation(
            "A role stays with its person: remove it and give the other person a role instead.".into(),
        ));
    }
    sqlx::query(
        "UPDATE opportunity_project_contacts SET relationship_type = $3, influence_level = $4, stance = $5, notes = $6, \
            updated_by = $7 WHERE id = $1 AND opportunity_project_id = $2",
    )
    .bind(role)
    .bind(project)
    .bind(v.relationship_type)
    .bind(v.influence_level)
    .bind(v.stance)
    .bind(&v.notes)
    .bind(caller.user.id)
    .execute(&mut **tx)
    .await
    .map_err(role_taken)?;
    let changed =
        record_field_changes(tx, "opportunity_project_contact", role.as_uuid(), caller.user.id, &before, &after)
            .await?;
    if changed > 0 {
        let event = AuditEvent::new(
            AuditAction::Update,
            "opportunity_project_contact",
            Some(role.as_uuid()),
            "Changed a role on a pursuit",
        )
        .before(before)
        .after(after);
        caller.audit(tx, event).await?;
    }
    Ok(())
}

pub async fn remove_pursuit_contact(
    tx: &mut Tx,
    caller: &Caller,
    project: ProjectId,
    role: PursuitContactId,
) -> Result<(), AppError> {
    let before: Value = sqlx::query_scalar(
        "DELETE FROM opportunity_project_contacts WHERE id = $1 AND opportunity_project_id = $2 \
         RETURNING jsonb_build_object('contact_id', contact_id, 'relationship_type', relationship_type, \
                'influence_level', influence_level, 'stance', stance, 'notes', notes)",
    )
    .bind(role)
    .bind(project)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::NotFound("The role".into()))?;
    record_field_changes(tx, "opportunity_project_contact", role.as_uuid(), caller.user.id, &before, &Value::Null)
        .await?;
    let event = AuditEvent::new(
        AuditAction::Delete,
        "opportunity_project_contact",
        Some(role.as_uuid()),
        "Removed a role from a pursuit",
    )
    .before(before);
    caller.audit(tx, event).await
}

// ---------------------------------------------------------------------------------------------------------
// The contacts list as an export

/// One person as an export line.
#[derive(FromRow)]
pub struct ContactExportRow {
    pub id: ContactId,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub contact_type: Option<String>,
    pub security_clearance: Option<String>,
    pub relationship_strength: Option<i32>,
    pub interaction_frequency: Option<String>,
    pub last_contact_date: Option<NaiveDate>,
    pub linkedin_url: Option<String>,
    pub tags: Value,
    pub is_active: bool,
}

impl ContactExportRow {
    pub fn tags(&self) -> Vec<String> {
        strings(&self.tags)
    }
}

/// How many people the filter selects (for the export's audit row).
pub async fn count_contacts(tx: &mut Tx, f: &ContactFilter) -> Result<i64, sqlx::Error> {
    let sql = count_contacts_sql(f);
    #[derive(FromRow)]
    struct Count(i64);
    Ok(bind_contact_filter(sqlx::query_as::<_, Count>(&sql), f).fetch_one(&mut **tx).await?.0)
}

/// The filter's people, in its order, row by row as the database sends them (nothing held in memory).
pub fn export_contacts<'a>(
    tx: &'a mut Tx,
    sql: &'a str,
    f: &'a ContactFilter,
) -> futures::stream::BoxStream<'a, Result<ContactExportRow, sqlx::Error>> {
    bind_contact_filter(sqlx::query_as::<_, ContactExportRow>(sql), f).fetch(&mut **tx)
}

/// The export's statement for `f`.
pub fn export_contacts_sql(f: &ContactFilter) -> String {
    let (from, order) = contact_filter_sql(f);
    format!(
        "{} SELECT c.id, c.first_name, c.last_name, c.title, o.name AS organization, c.email, c.phone, \
                c.contact_type, c.security_clearance, c.relationship_strength, c.interaction_frequency, c.last_contact_date, \
                c.linkedin_url, c.tags, c.is_active {from} ORDER BY {order}",
        *CONTACT_FILTER_WITH
    )
}

/// One organization as an export line.
#[derive(FromRow)]
pub struct OrganizationExportRow {
    pub id: OrganizationId,
    pub name: String,
    pub organization_type: Option<String>,
    pub parent: Option<String>,
    pub sam_unique_id: Option<String>,
    pub cage_code: Option<String>,
    pub duns_number: Option<String>,
    pub agency_path_code: Option<String>,
    pub business_size: Option<String>,
    pub socioeconomic_certifications: Value,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub is_active: bool,
}

impl OrganizationExportRow {
    pub fn certifications(&self) -> Vec<String> {
        strings(&self.socioeconomic_certifications)
    }
}

/// How many organizations the filter selects (for the export's audit row).
pub async fn count_organizations(tx: &mut Tx, f: &OrganizationFilter) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT count(*) FROM (SELECT o.id {ORGANIZATION_FILTER}) n");
    #[derive(FromRow)]
    struct Count(i64);
    Ok(bind_organization_filter(sqlx::query_as::<_, Count>(&sql), f).fetch_one(&mut **tx).await?.0)
}

/// The export's statement.
pub fn export_organizations_sql() -> String {
    format!(
        "SELECT o.id, o.name, o.organization_type, p.name AS parent, o.sam_unique_id, o.cage_code, o.duns_number, \
                o.agency_path_code, o.business_size, o.socioeconomic_certifications, o.address_line1, o.address_line2, \
                o.city, o.state_province, o.postal_code, o.country, o.phone, o.email, o.website, o.is_active \
           {ORGANIZATION_FILTER}"
    )
}

/// The filter's organizations, in its order, row by row as the database sends them.
pub fn export_organizations<'a>(
    tx: &'a mut Tx,
    sql: &'a str,
    f: &'a OrganizationFilter,
) -> futures::stream::BoxStream<'a, Result<OrganizationExportRow, sqlx::Error>> {
    bind_organization_filter(sqlx::query_as::<_, OrganizationExportRow>(sql), f).fetch(&mut **tx)
}
