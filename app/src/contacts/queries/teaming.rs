//! SQL of teaming on a pursuit. Every write first locks the pursuit's row (FOR NO KEY UPDATE: other
//! teaming writes on the same pursuit wait, nothing else does), so the one-prime and 100% checks see every
//! committed share; the table's trigger is the backstop for other writers.

use crate::{
    audit::{AuditAction, AuditEvent, ssr::record_field_changes},
    auth::ssr::Caller,
    contacts::teaming::{AgreementStatus, TeamMember, TeamingRole, ValidTeaming},
    db::Tx,
    error::AppError,
    ids::{OrganizationId, ProjectId, PursuitOrganizationId},
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::FromRow;

const ENTITY: &str = "opportunity_project_organization";

/// The audited fields of an entry, as stored (so before and after compare like with like).
const FIELDS: &str = "jsonb_build_object('organization_id', organization_id, 'teaming_role', teaming_role, \
     'workshare_percent', workshare_percent, 'agreement_status', agreement_status, 'notes', notes)";

#[derive(FromRow)]
struct MemberDb {
    id: PursuitOrganizationId,
    organization_id: OrganizationId,
    name: String,
    business_size: Option<String>,
    teaming_role: String,
    workshare_percent: Option<Decimal>,
    agreement_status: String,
    notes: Option<String>,
    people: i64,
    updated_by: Option<String>,
    updated_at: DateTime<Utc>,
}

/// The pursuit's team, prime first, then subcontractors by share, then competitors.
pub async fn list(tx: &mut Tx, project: ProjectId) -> Result<Vec<TeamMember>, sqlx::Error> {
    let rows: Vec<MemberDb> = sqlx::query_as(
        "SELECT po.id, o.id AS organization_id, o.name, o.business_size, po.teaming_role, po.workshare_percent, \
                po.agreement_status, po.notes, \
                (SELECT count(*) FROM opportunity_project_contacts pc \
                   JOIN contacts c ON c.tenant_id = pc.tenant_id AND c.id = pc.contact_id \
                  WHERE pc.opportunity_project_id = po.opportunity_project_id AND c.organization_id = o.id) AS people, \
                u.first_name || ' ' || u.last_name AS updated_by, po.updated_at \
           FROM opportunity_project_organizations po \
           JOIN organizations o ON o.tenant_id = po.tenant_id AND o.id = po.organization_id \
           LEFT JOIN users u ON u.tenant_id = po.tenant_id AND u.id = po.updated_by \
          WHERE po.opportunity_project_id = $1 \
          ORDER BY array_position(ARRAY['prime', 'subcontractor', 'competitor'], po.teaming_role), \
                   po.workshare_percent DESC NULLS LAST, lower(o.name) LIMIT 200",
    )
    .bind(project)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(TeamMember {
                id: r.id,
                organization: r.organization_id,
                name: r.name,
                business_size: r.business_size.and_then(|s| s.parse().ok()),
                teaming_role: r.teaming_role.parse().ok()?,
                workshare_percent: r.workshare_percent,
                agreement_status: r.agreement_status.parse().unwrap_or(AgreementStatus::None),
                notes: r.notes,
                people: r.people,
                updated_by: r.updated_by,
                updated_at: r.updated_at,
            })
        })
        .collect())
}

/// Active organizations to put on a pursuit, by name.
pub async fn choices(tx: &mut Tx) -> Result<Vec<(OrganizationId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM organizations WHERE is_active AND coalesce(organization_type, '') <> 'government_agency' \
          ORDER BY lower(name), id LIMIT 5000",
    )
    .fetch_all(&mut **tx)
    .await
}

/// Locks the pursuit for teaming writes and names it; not found when it is not the caller's tenant's.
async fn lock_pursuit(tx: &mut Tx, project: ProjectId) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT project_name FROM opportunity_projects WHERE id = $1 FOR NO KEY UPDATE")
        .bind(project)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("Project".into()))
}

/// Refuses a second prime and a team share above 100%, naming the numbers. `except` is the entry being
/// changed (its old values do not count).
async fn check_team(
    tx: &mut Tx,
    project: ProjectId,
    except: Option<PursuitOrganizationId>,
    v: &ValidTeaming,
) -> Result<(), AppError> {
    let (prime, others): (Option<String>, Decimal) = sqlx::query_as(
        "SELECT (SELECT o.name FROM opportunity_project_organizations po \
                   JOIN organizations o ON o.tenant_id = po.tenant_id AND o.id = po.organization_id \
                  WHERE po.opportunity_project_id = $1 AND po.teaming_role = 'prime' AND po.id IS DISTINCT FROM $2), \
                coalesce((SELECT sum(workshare_percent) FROM opportunity_project_organizations \
                  WHERE opportunity_project_id = $1 AND teaming_role IN ('prime', 'subcontractor') \
                    AND id IS DISTINCT FROM $2), 0)",
    )
    .bind(project)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?;
    if v.teaming_role == TeamingRole::Prime
        && let Some(prime) = prime
    {
        return Err(AppError::Conflict(format!(
            "{prime} is already the prime on this pursuit; make it a subcontractor first, or add this one as a subcontractor."
        )));
    }
    let share = v.workshare_percent.unwrap_or_default();
    if v.teaming_role.on_our_team() && others + share > Decimal::ONE_HUNDRED {
        let left = (Decimal::ONE_HUNDRED - others).max(Decimal::ZERO);
        return Err(AppError::Validation(format!(
            "Our team's workshare would add up to {}%: the rest of the team already has {}%, so at most {}% is left.",
            (others + share).normalize(),
            others.normalize(),
            left.normalize()
        )));
    }
    Ok(())
}

/// The database's refusals, in words (the checks above say it first; these are for a race they lost).
fn refused(e: sqlx::Error) -> AppError {
    let Some(db) = e.as_database_error() else { return e.into() };
    match (db.code().as_deref(), db.constraint()) {
        (Some("23505"), Some("opportunity_project_organizations_prime")) => {
            AppError::Conflict("This pursuit already has a prime; make it a subcontractor first.".into())
        }
        (Some("23505"), _) => AppError::Conflict(
            "That organization is already on this pursuit; change its entry instead of adding it again.".into(),
        ),
        (Some("23514"), Some("opportunity_project_organizations_workshare")) => {
            AppError::Validation("Our team's workshare would add up to more than 100%; lower a share first.".into())
        }
        _ => e.into(),
    }
}

async fn organization_name(tx: &mut Tx, organization: OrganizationId) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1 AND is_active")
        .bind(organization)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            AppError::Validation("The organization was not found (or is deactivated); choose it from the list.".into())
        })
}

pub async fn add(
    tx: &mut Tx,
    caller: &Caller,
    project: ProjectId,
    v: &ValidTeaming,
) -> Result<PursuitOrganizationId, AppError> {
    let pursuit = lock_pursuit(tx, project).await?;
    let name = organization_name(tx, v.organization).await?;
    let already: Option<String> = sqlx::query_scalar(
        "SELECT teaming_role FROM opportunity_project_organizations WHERE opportunity_project_id = $1 AND organization_id = $2",
    )
    .bind(project)
    .bind(v.organization)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(role) = already {
        let role = role.parse::<TeamingRole>().map(|r| r.label().to_lowercase()).unwrap_or(role);
        return Err(AppError::Conflict(format!(
            "{name} is already on this pursuit as {role}; change its entry instead of adding it again."
        )));
    }
    check_team(tx, project, None, v).await?;
    let (id, after): (PursuitOrganizationId, Value) = sqlx::query_as(&format!(
        "INSERT INTO opportunity_project_organizations (tenant_id, opportunity_project_id, organization_id, teaming_role, \
            workshare_percent, agreement_status, notes, created_by, updated_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $7) RETURNING id, {FIELDS}"
    ))
    .bind(project)
    .bind(v.organization)
    .bind(v.teaming_role)
    .bind(v.workshare_percent)
    .bind(v.agreement_status)
    .bind(&v.notes)
    .bind(caller.user.id)
    .fetch_one(&mut **tx)
    .await
    .map_err(refused)?;
    record_field_changes(tx, ENTITY, id.as_uuid(), caller.user.id, &Value::Null, &after).await?;
    let share = v.workshare_percent.map(|s| format!(" with {}% of the work", s.normalize())).unwrap_or_default();
    let event = AuditEvent::new(
        AuditAction::Create,
        ENTITY,
        Some(id.as_uuid()),
        format!("{name} is {} on \u{201c}{pursuit}\u{201d}{share}", v.teaming_role.label().to_lowercase()),
    )
    .after(after);
    caller.audit(tx, event).await?;
    Ok(id)
}

pub async fn update(
    tx: &mut Tx,
    caller: &Caller,
    project: ProjectId,
    entry: PursuitOrganizationId,
    v: &ValidTeaming,
) -> Result<(), AppError> {
    lock_pursuit(tx, project).await?;
    let (organization, before): (OrganizationId, Value) = sqlx::query_as(&format!(
        "SELECT organization_id, {FIELDS} FROM opportunity_project_organizations \
          WHERE id = $1 AND opportunity_project_id = $2 FOR UPDATE"
    ))
    .bind(entry)
    .bind(project)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::NotFound("The teaming entry".into()))?;
    if organization != v.organization {
        return Err(AppError::Validation(
            "An entry stays with its organization: remove it and add the other organization instead.".into(),
        ));
    }
    check_team(tx, project, Some(entry), v).await?;
    let after: Value = sqlx::query_scalar(&format!(
        "UPDATE opportunity_project_organizations SET teaming_role = $3, workshare_percent = $4, agreement_status = $5, \
            notes = $6, updated_by = $7 WHERE id = $1 AND opportunity_project_id = $2 RETURNING {FIELDS}"
    ))
    .bind(entry)
    .bind(project)
    .bind(v.teaming_role)
    .bind(v.workshare_percent)
    .bind(v.agreement_status)
    .bind(&v.notes)
    .bind(caller.user.id)
    .fetch_one(&mut **tx)
    .await
    .map_err(refused)?;
    let changed = record_field_changes(tx, ENTITY, entry.as_uuid(), caller.user.id, &before, &after).await?;
    if changed > 0 {
        let event =
            AuditEvent::new(AuditAction::Update, ENTITY, Some(entry.as_uuid()), "Changed a teaming entry on a pursuit")
                .before(before)
                .after(after);
        caller.audit(tx, event).await?;
    }
    Ok(())
}

pub async fn remove(
    tx: &mut Tx,
    caller: &Caller,
    project: ProjectId,
    entry: PursuitOrganizationId,
) -> Result<(), AppError> {
    lock_pursuit(tx, project).await?;
    let before: Value = sqlx::query_scalar(&format!(
        "DELETE FROM opportunity_project_organizations WHERE id = $1 AND opportunity_project_id = $2 RETURNING {FIELDS}"
    ))
    .bind(entry)
    .bind(project)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::NotFound("The teaming entry".into()))?;
    record_field_changes(tx, ENTITY, entry.as_uuid(), caller.user.id, &before, &Value::Null).await?;
    let event = AuditEvent::new(
        AuditAction::Delete,
        ENTITY,
        Some(entry.as_uuid()),
        "Took an organization off a pursuit's team",
    )
    .before(before);
    caller.audit(tx, event).await
}
