//! SQL that creates and changes pursuits. Every change is checked against the row locked FOR UPDATE and writes
//! one change_history row per field it changed, in the caller's transaction.

use super::edit::{ProjectInput, ValidProject};
use crate::{
    audit::{AuditAction, AuditEvent},
    auth::ssr::Caller,
    db::Tx,
    domain::ProjectStatus,
    error::AppError,
    ids::{ProjectId, UserId},
    projects::project::{SyncedField, queries as overrides},
    projects::queries::Query,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The opportunity a pursuit tracks at an external source. The sync issue creates pursuits with one; the
/// form creates them without.
#[derive(Debug, Clone)]
pub struct SourceLink {
    pub external_source_id: uuid::Uuid,
    pub external_opportunity_id: String,
    pub external_opportunity_url: Option<String>,
}

/// Why a hand-typed value of a synced field was stored as an override.
const HAND_VALUE_REASON: &str = "Entered by hand: no source is linked";

/// The editable columns and the change_history category of each.
const EDITABLE: &[(&str, &str)] = &[
    ("project_name", "data_update"),
    ("internal_reference_number", "data_update"),
    ("solicitation_number", "data_update"),
    ("agency_name", "data_update"),
    ("contracting_office", "data_update"),
    ("description", "data_update"),
    ("project_status", "status_change"),
    ("priority_level", "data_update"),
    ("win_probability_score", "score_change"),
    ("strategic_value_score", "score_change"),
    ("assigned_capture_manager", "assignment_change"),
    ("assigned_proposal_manager", "assignment_change"),
    ("assigned_team_members", "assignment_change"),
];

fn not_found() -> AppError {
    AppError::NotFound("Project".into())
}

/// The form's values as the audit records them.
pub fn snapshot_json(v: &ValidProject) -> Value {
    json!({
        "project_name": v.project_name, "solicitation_number": v.solicitation_number, "agency_name": v.agency_name,
        "pipeline_stage": v.pipeline_stage, "project_status": v.project_status, "priority_level": v.priority_level,
        "win_probability_score": v.win_probability_score, "strategic_value_score": v.strategic_value_score,
        "assigned_capture_manager": v.capture_manager, "assigned_proposal_manager": v.proposal_manager,
        "assigned_team_members": v.team_members,
    })
}

/// Refuses people who are not active users of this tenant (another tenant's ids are simply unknown here).
async fn check_people(tx: &mut Tx, v: &ValidProject) -> Result<(), AppError> {
    let mut ids: Vec<UserId> =
        v.capture_manager.into_iter().chain(v.proposal_manager).chain(v.team_members.iter().copied()).collect();
    ids.sort_by_key(|id| id.as_uuid());
    ids.dedup();
    let known: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE id = ANY($1) AND is_active")
        .bind(ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>())
        .fetch_one(&mut **tx)
        .await?;
    if known != ids.len() as i64 {
        return Err(AppError::Validation(
            "A chosen person is not an active user of your organization: pick the managers and team again.".into(),
        ));
    }
    Ok(())
}

/// Open (not archived) projects and the plan's limit.
pub async fn plan_usage(tx: &mut Tx) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM opportunity_projects WHERE project_status <> 'archived'), \
                (SELECT max_opportunity_projects::bigint FROM tenants WHERE id = app_current_tenant_id())",
    )
    .fetch_one(&mut **tx)
    .await
}

/// Waits for the tenant's other creates and restores (held to the end of the transaction).
pub async fn lock_plan(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('opportunity_projects:' || app_current_tenant_id()::text, 0))",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Waits for the tenant's other creates and restores, then refuses one more project than the plan allows.
async fn check_plan_room(tx: &mut Tx) -> Result<(), AppError> {
    lock_plan(tx).await?;
    let (open, max) = plan_usage(tx).await?;
    if open >= max {
        return Err(AppError::Validation(format!(
            "Your plan allows {max} open projects and {open} are open. Archive a finished pursuit, or ask your administrator to raise the plan's limit."
        )));
    }
    Ok(())
}

/// Creates a pursuit as `by` (the person at the form, or who started `import`).
pub async fn create(
    tx: &mut Tx,
    by: UserId,
    v: &ValidProject,
    source: Option<&SourceLink>,
    import: Option<crate::ids::ImportId>,
) -> Result<ProjectId, AppError> {
    check_people(tx, v).await?;
    check_plan_room(tx).await?;
    let id: Option<(ProjectId,)> = bind_fields(
        sqlx::query_as(
            "INSERT INTO opportunity_projects (tenant_id, project_name, internal_reference_number, solicitation_number, agency_name, \
                contracting_office, description, project_status, priority_level, win_probability_score, strategic_value_score, \
                assigned_capture_manager, assigned_proposal_manager, assigned_team_members, pipeline_stage, \
                external_source_id, external_opportunity_id, external_opportunity_url, created_by, import_id) \
             VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             ON CONFLICT (tenant_id, external_source_id, external_opportunity_id) DO NOTHING RETURNING id",
        ),
        v,
    )
    .bind(v.pipeline_stage)
    .bind(source.map(|s| s.external_source_id))
    .bind(source.map(|s| s.external_opportunity_id.clone()))
    .bind(source.and_then(|s| s.external_opportunity_url.clone()))
    .bind(by)
    .bind(import)
    .fetch_optional(&mut **tx)
    .await
    ?;
    let (id,) = id.ok_or_else(|| {
        AppError::Conflict("This opportunity is already a project: open it from the table instead.".into())
    })?;
    history(tx, id, "project", None, Some(&json!(v.project_name)), "data_update", by).await?;
    if source.is_none() {
        set_hand_values(tx, by, id, &v.hand_values).await?;
    }
    Ok(id)
}

/// Links a pursuit made by hand to the opportunity a source now returns; its name. Refused when the pursuit
/// follows a source already, or another pursuit follows this opportunity. Its hand-typed values stay
/// overrides: the source's values arrive beside them, never over them.
pub async fn link_source(tx: &mut Tx, caller: &Caller, id: ProjectId, link: &SourceLink) -> Result<String, AppError> {
    let (name, linked): (String, Option<String>) = sqlx::query_as(
        "SELECT project_name, external_opportunity_id FROM opportunity_projects WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)?;
    if linked.is_some() {
        return Err(AppError::Conflict(
            "This pursuit already follows an opportunity at a source: a pursuit follows one opportunity.".into(),
        ));
    }
    let updated = sqlx::query(
        "UPDATE opportunity_projects SET external_source_id = $2, external_opportunity_id = $3, external_opportunity_url = $4 \
          WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM opportunity_projects o \
                                        WHERE o.external_source_id = $2 AND o.external_opportunity_id = $3)",
    )
    .bind(id)
    .bind(link.external_source_id)
    .bind(&link.external_opportunity_id)
    .bind(&link.external_opportunity_url)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::Conflict("Another pursuit follows this opportunity already: open it instead.".into()));
    }
    let (source, notice) = (json!(link.external_source_id), json!(link.external_opportunity_id));
    history(tx, id, "external_source_id", None, Some(&source), "data_update", caller.user.id).await?;
    history(tx, id, "external_opportunity_id", None, Some(&notice), "data_update", caller.user.id).await?;
    sqlx::query(
        "UPDATE opportunity_project_overrides SET override_reason = $2 \
          WHERE opportunity_project_id = $1 AND is_active AND override_reason = $3",
    )
    .bind(id)
    .bind("Entered by hand before the source was linked")
    .bind(HAND_VALUE_REASON)
    .execute(&mut **tx)
    .await?;
    Ok(name)
}

/// Binds $1..$13: the form's columns, in the order the INSERT and the UPDATE name them.
fn bind_fields<'q, O>(query: Query<'q, O>, v: &'q ValidProject) -> Query<'q, O> {
    query
        .bind(&v.project_name)
        .bind(&v.internal_reference_number)
        .bind(&v.solicitation_number)
        .bind(&v.agency_name)
        .bind(&v.contracting_office)
        .bind(&v.description)
        .bind(v.project_status)
        .bind(v.priority_level)
        .bind(v.win_probability_score)
        .bind(v.strategic_value_score)
        .bind(v.capture_manager)
        .bind(v.proposal_manager)
        .bind(json!(v.team_members))
}

async fn history(
    tx: &mut Tx,
    id: ProjectId,
    field: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    category: &str,
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO change_history (tenant_id, entity_type, entity_id, field_name, old_value, new_value, changed_by_user_id, \
            change_source, change_category) VALUES (app_current_tenant_id(), 'opportunity_project', $1, $2, $3, $4, $5, 'user_action', $6)",
    )
    .bind(id)
    .bind(field)
    .bind(old)
    .bind(new)
    .bind(by)
    .bind(category)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores hand-typed synced values as overrides; an unchanged value writes nothing.
async fn set_hand_values(
    tx: &mut Tx,
    by: UserId,
    id: ProjectId,
    values: &[(SyncedField, Option<Value>)],
) -> Result<Vec<(SyncedField, Option<Value>, Option<Value>)>, AppError> {
    let mut changed = Vec::new();
    for (field, value) in values {
        let current: Option<Value> = sqlx::query_scalar(
            "SELECT override_value FROM opportunity_project_overrides WHERE opportunity_project_id = $1 AND field_name = $2 AND is_active",
        )
        .bind(id)
        .bind(field)
        .fetch_optional(&mut **tx)
        .await
        ?;
        if current == *value {
            continue;
        }
        overrides::deactivate_override(tx, id, *field, by).await?;
        if let Some(value) = value {
            overrides::insert_override(tx, id, *field, &Value::Null, value, HAND_VALUE_REASON, by).await?;
        }
        history(tx, id, field.as_str(), current.as_ref(), value.as_ref(), "data_update", by).await?;
        changed.push((*field, current, value.clone()));
    }
    Ok(changed)
}

pub async fn update(tx: &mut Tx, caller: &Caller, id: ProjectId, v: &ValidProject) -> Result<(), AppError> {
    let (status, updated_at, linked, capture_manager, proposal_manager): (ProjectStatus, DateTime<Utc>, bool, Option<UserId>, Option<UserId>) =
        sqlx::query_as(
            "SELECT project_status, updated_at, external_source_id IS NOT NULL, assigned_capture_manager, assigned_proposal_manager \
               FROM opportunity_projects WHERE id = $1 FOR UPDATE",
        )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            ?
            .ok_or_else(not_found)?;
    if status == ProjectStatus::Archived {
        return Err(AppError::Validation("This project is archived: restore it before editing.".into()));
    }
    if v.version.is_some_and(|seen| seen != updated_at) {
        return Err(AppError::Conflict(format!(
            "Someone changed this project at {} UTC, after you opened the form. Reload to see their changes, then make yours again.",
            updated_at.format("%H:%M:%S")
        )));
    }
    if linked && v.hand_values.iter().any(|(_, value)| value.is_some()) {
        return Err(AppError::Validation(
            "Value, due date, NAICS and set-aside come from this project's source: override them on the project page, with a reason.".into(),
        ));
    }
    check_people(tx, v).await?;
    // Who leads a pursuit decides who sees its restricted documents: changing it is a decision about access,
    // taken by someone who may run pursuits (projects.create, checked on this project and refused on
    // record otherwise), and audited as a permission change.
    let leads_changed = capture_manager != v.capture_manager || proposal_manager != v.proposal_manager;
    if leads_changed {
        caller.authorize(tx, crate::auth::Permission::ProjectsCreate, crate::auth::ssr::Resource::Project(id)).await?;
        let event = AuditEvent::new(
            AuditAction::PermissionChange,
            "opportunity_project",
            Some(id.as_uuid()),
            "Changed who leads the pursuit (capture and proposal managers see its restricted documents)",
        )
        .before(json!({ "assigned_capture_manager": capture_manager, "assigned_proposal_manager": proposal_manager }))
        .after(json!({ "assigned_capture_manager": v.capture_manager, "assigned_proposal_manager": v.proposal_manager, "self_named": v.capture_manager == Some(caller.user.id) || v.proposal_manager == Some(caller.user.id) }))
        .risk(crate::audit::RiskLevel::Medium);
        caller.audit(tx, event).await?;
    }
    // Old and new rows both come back as PostgreSQL's JSON, so equal values compare equal (45 vs 45.00).
    let (old, new): (Value, Value) = bind_fields(
        sqlx::query_as(
            "WITH old AS (SELECT * FROM opportunity_projects WHERE id = $14), \
                  new AS (UPDATE opportunity_projects SET project_name = $1, internal_reference_number = $2, solicitation_number = $3, \
                            agency_name = $4, contracting_office = $5, description = $6, project_status = $7, priority_level = $8, \
                            win_probability_score = $9, strategic_value_score = $10, assigned_capture_manager = $11, \
                            assigned_proposal_manager = $12, assigned_team_members = $13 WHERE id = $14 RETURNING *) \
             SELECT to_jsonb(old), to_jsonb(new) FROM old, new",
        ),
        v,
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await
    ?;
    let (mut before, mut after) = (serde_json::Map::new(), serde_json::Map::new());
    for (column, category) in EDITABLE {
        let (was, now) =
            (old.get(*column).cloned().unwrap_or(Value::Null), new.get(*column).cloned().unwrap_or(Value::Null));
        if was != now {
            let present = |v: &Value| (!v.is_null()).then(|| v.clone());
            history(tx, id, column, present(&was).as_ref(), present(&now).as_ref(), category, caller.user.id).await?;
            before.insert(column.to_string(), was);
            after.insert(column.to_string(), now);
        }
    }
    if !linked {
        for (field, was, now) in set_hand_values(tx, caller.user.id, id, &v.hand_values).await? {
            before.insert(field.as_str().to_string(), was.unwrap_or(Value::Null));
            after.insert(field.as_str().to_string(), now.unwrap_or(Value::Null));
        }
    }
    if before.is_empty() {
        return Ok(());
    }
    let fields = before.keys().map(|k| k.replace('_', " ")).collect::<Vec<_>>().join(", ");
    let event =
        AuditEvent::new(AuditAction::Update, "opportunity_project", Some(id.as_uuid()), format!("Edited {fields}"))
            .before(Value::Object(before))
            .after(Value::Object(after));
    caller.audit(tx, event).await
}

/// The project's status, its row locked for the change (another tenant's project: not found).
async fn locked_status(tx: &mut Tx, id: ProjectId) -> Result<ProjectStatus, AppError> {
    sqlx::query_scalar("SELECT project_status FROM opportunity_projects WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(not_found)
}

pub async fn archive(tx: &mut Tx, caller: &Caller, id: ProjectId, reason: &str) -> Result<(), AppError> {
    let status = locked_status(tx, id).await?;
    if status == ProjectStatus::Archived {
        return Err(AppError::Conflict("This project is already archived.".into()));
    }
    sqlx::query("UPDATE opportunity_projects SET project_status = 'archived', archived_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    history(tx, id, "project_status", Some(&json!(status)), Some(&json!("archived")), "status_change", caller.user.id)
        .await?;
    let event =
        AuditEvent::new(AuditAction::Archive, "opportunity_project", Some(id.as_uuid()), format!("Archived: {reason}"))
            .before(json!({ "project_status": status }))
            .after(json!({ "project_status": "archived", "reason": reason }));
    caller.audit(tx, event).await
}

pub async fn restore(tx: &mut Tx, caller: &Caller, id: ProjectId) -> Result<(), AppError> {
    let status = locked_status(tx, id).await?;
    if status != ProjectStatus::Archived {
        return Err(AppError::Conflict("This project is not archived.".into()));
    }
    check_plan_room(tx).await?;
    // Back to the status it had before it was archived (active if that is unknown).
    let previous: Option<String> = sqlx::query_scalar(
        "SELECT old_value #>> '{}' FROM change_history WHERE entity_type = 'opportunity_project' AND entity_id = $1 \
            AND field_name = 'project_status' AND new_value = '\"archived\"' ORDER BY change_timestamp DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten();
    let back = previous
        .and_then(|p| p.parse().ok())
        .filter(|s| *s != ProjectStatus::Archived)
        .unwrap_or(ProjectStatus::Active);
    sqlx::query("UPDATE opportunity_projects SET project_status = $2, archived_at = NULL WHERE id = $1")
        .bind(id)
        .bind(back)
        .execute(&mut **tx)
        .await?;
    history(tx, id, "project_status", Some(&json!("archived")), Some(&json!(back)), "status_change", caller.user.id)
        .await?;
    let event =
        AuditEvent::new(AuditAction::Restore, "opportunity_project", Some(id.as_uuid()), "Restored from the archive")
            .before(json!({ "project_status": "archived" }))
            .after(json!({ "project_status": back }));
    caller.audit(tx, event).await
}

/// The edit form's starting values, and the linked source's name.
pub async fn current_input(tx: &mut Tx, id: ProjectId) -> Result<Option<(ProjectInput, Option<String>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        project: Value,
        source_name: Option<String>,
        hand: Option<Value>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT to_jsonb(op) AS project, src.source_name, \
                (SELECT jsonb_object_agg(o.field_name, o.override_value) FROM opportunity_project_overrides o \
                  WHERE o.opportunity_project_id = op.id AND o.is_active) AS hand \
           FROM opportunity_projects op \
           LEFT JOIN external_opportunity_sources src ON src.tenant_id = op.tenant_id AND src.id = op.external_source_id \
          WHERE op.id = $1 AND op.project_status <> 'archived'",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|Row { project: p, source_name, hand }| {
        let text = |key: &str| match p.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let hand_text = |field: SyncedField| match (&source_name, hand.as_ref().and_then(|h| h.get(field.as_str()))) {
            (None, Some(Value::String(s))) if field == SyncedField::ResponseDueDate => {
                s.get(..10).unwrap_or_default().to_string()
            }
            (None, Some(Value::String(s))) => s.clone(),
            _ => String::new(),
        };
        let input = ProjectInput {
            project_name: text("project_name"),
            internal_reference_number: text("internal_reference_number"),
            solicitation_number: text("solicitation_number"),
            agency_name: text("agency_name"),
            contracting_office: text("contracting_office"),
            description: text("description"),
            pipeline_stage: text("pipeline_stage"),
            project_status: text("project_status"),
            priority_level: text("priority_level"),
            win_probability_score: text("win_probability_score"),
            strategic_value_score: text("strategic_value_score"),
            capture_manager: text("assigned_capture_manager"),
            proposal_manager: text("assigned_proposal_manager"),
            team_members: p
                .get("assigned_team_members")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            estimated_value: hand_text(SyncedField::EstimatedValueMax),
            response_due_date: hand_text(SyncedField::ResponseDueDate),
            naics_codes: hand_text(SyncedField::NaicsCodes),
            set_aside_type: hand_text(SyncedField::SetAsideType),
            version: text("updated_at"),
        };
        (input, source_name)
    }))
}

/// Active people of the tenant, by name.
pub async fn active_people(tx: &mut Tx) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, concat_ws(' ', first_name, last_name) FROM users WHERE is_active ORDER BY last_name, first_name",
    )
    .fetch_all(&mut **tx)
    .await
}

/// The tenant's active people as an import names them: id, lower-case e-mail, lower-case full name.
pub async fn people_keys(tx: &mut Tx) -> Result<Vec<(UserId, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, lower(email), lower(first_name || ' ' || last_name) FROM users WHERE is_active ORDER BY created_at, id",
    )
    .fetch_all(&mut **tx)
    .await
}

/// The open (not archived) pursuits as an import compares them: lower-case name, lower-case solicitation
/// number, name. Bounded by the plan's limit on open projects.
pub async fn open_project_keys(tx: &mut Tx) -> Result<Vec<(String, Option<String>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT lower(project_name), lower(solicitation_number), project_name FROM opportunity_projects \
          WHERE project_status <> 'archived'",
    )
    .fetch_all(&mut **tx)
    .await
}
