//! SQL of the project page and of overrides. Another tenant's project simply is not found (RLS).

use super::{HistoryEntry, ProjectFacts, SyncedField, SyncedValue, display_json};
use crate::{
    db::Tx,
    ids::{ProjectId, UserId},
};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// What the project page says about project `$1`.
pub const FACTS_SQL: &str = r#"
        SELECT op.id, op.project_name, op.internal_reference_number, op.solicitation_number, op.agency_name,
               op.contracting_office, op.description, op.external_opportunity_url, op.project_status, op.pipeline_stage,
               op.stage_entered_at, op.priority_level, op.win_probability_score, op.strategic_value_score,
               nullif(concat_ws(' ', cm.first_name, cm.last_name), '') AS capture_manager,
               nullif(concat_ws(' ', pm.first_name, pm.last_name), '') AS proposal_manager,
               coalesce((SELECT array_agg(concat_ws(' ', u.first_name, u.last_name) ORDER BY u.last_name)
                           FROM users u WHERE u.id::text IN (SELECT jsonb_array_elements_text(op.assigned_team_members))), '{}') AS team,
               op.created_at, op.updated_at,
               eod.version_number AS snapshot_version, eod.data_snapshot_timestamp AS snapshot_at, eod.opportunity_type,
               eod.solicitation_status, eod.amendment_number, src.source_name,
               (SELECT count(*) FROM external_data_changes c WHERE c.opportunity_project_id = op.id AND c.acknowledged_at IS NULL)
                   AS unacknowledged_changes,
               (SELECT count(*) FROM activities a WHERE a.entity_type = 'opportunity_project' AND a.entity_id = op.id
                   AND a.status IN ('pending', 'in_progress') AND a.due_date < now()) AS overdue_activities
          FROM opportunity_projects op
          LEFT JOIN external_opportunity_data eod
                 ON eod.tenant_id = op.tenant_id AND eod.opportunity_project_id = op.id AND eod.is_current_version
          LEFT JOIN external_opportunity_sources src ON src.tenant_id = op.tenant_id AND src.id = op.external_source_id
          LEFT JOIN users cm ON cm.tenant_id = op.tenant_id AND cm.id = op.assigned_capture_manager
          LEFT JOIN users pm ON pm.tenant_id = op.tenant_id AND pm.id = op.assigned_proposal_manager
         WHERE op.id = $1
        "#;

pub async fn facts(tx: &mut Tx, id: ProjectId) -> Result<Option<ProjectFacts>, sqlx::Error> {
    sqlx::query_as(FACTS_SQL).bind(id).fetch_optional(&mut **tx).await
}

/// The current snapshot's synced fields of project `$1` as JSON.
pub const SNAPSHOT_SQL: &str = "SELECT jsonb_build_object('title', title, 'set_aside_type', set_aside_type, 'naics_codes', naics_codes, \
                'estimated_value_max', estimated_value_max::text, 'response_due_date', response_due_date, \
                'place_of_performance', place_of_performance) \
           FROM external_opportunity_data WHERE opportunity_project_id = $1 AND is_current_version";

/// The current snapshot's fields as JSON (None when the project has no snapshot).
async fn snapshot(tx: &mut Tx, id: ProjectId) -> Result<Option<Value>, sqlx::Error> {
    sqlx::query_scalar(SNAPSHOT_SQL).bind(id).fetch_optional(&mut **tx).await
}

/// The active overrides of project `$1`, with who made them.
pub const OVERRIDES_SQL: &str = "SELECT o.field_name, o.override_value, o.override_reason, concat_ws(' ', u.first_name, u.last_name) AS created_by, o.created_at, \
                o.original_external_value \
           FROM opportunity_project_overrides o JOIN users u ON u.tenant_id = o.tenant_id AND u.id = o.created_by \
          WHERE o.opportunity_project_id = $1 AND o.is_active";

#[derive(sqlx::FromRow)]
struct ActiveOverride {
    field_name: String,
    override_value: Value,
    override_reason: String,
    created_by: String,
    created_at: DateTime<Utc>,
    original_external_value: Option<Value>,
}

pub async fn synced_values(tx: &mut Tx, id: ProjectId) -> Result<Vec<SyncedValue>, sqlx::Error> {
    let snap = snapshot(tx, id).await?;
    let overrides: Vec<ActiveOverride> = sqlx::query_as(OVERRIDES_SQL).bind(id).fetch_all(&mut **tx).await?;
    Ok(SyncedField::ALL
        .iter()
        .map(|field| {
            let o = overrides.iter().find(|o| o.field_name == field.as_str());
            let current = snap.as_ref().and_then(|s| s.get(field.as_str())).filter(|v| !v.is_null());
            // The source changed the field since the override was made (or kept): a conflict to settle.
            let conflict = match (o, &snap) {
                (Some(o), Some(_)) => {
                    let was = o.original_external_value.as_ref().filter(|v| !v.is_null());
                    (was != current).then(|| was.map(display_json).unwrap_or_else(|| "\u{2014}".into()))
                }
                _ => None,
            };
            SyncedValue {
                field: *field,
                conflict,
                external: current.map(display_json),
                override_value: o.map(|o| display_json(&o.override_value)),
                override_reason: o.map(|o| o.override_reason.clone()),
                override_by: o.map(|o| o.created_by.clone()),
                override_at: o.map(|o| o.created_at),
            }
        })
        .collect())
}

/// The source's value of `field`: None if the project does not exist, Some(None) if it has no snapshot.
pub async fn external_value(
    tx: &mut Tx,
    id: ProjectId,
    field: SyncedField,
) -> Result<Option<Option<Value>>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM opportunity_projects WHERE id = $1 AND project_status <> 'archived' FOR UPDATE)",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    if !exists {
        return Ok(None);
    }
    Ok(Some(snapshot(tx, id).await?.map(|s| s.get(field.as_str()).cloned().unwrap_or(Value::Null))))
}

/// Keeps the active override of `field` over the source's current value (`external`): the override now
/// answers that value, so the conflict is settled. The source's value the override answered before.
pub async fn keep_override(
    tx: &mut Tx,
    id: ProjectId,
    field: SyncedField,
    external: &Value,
) -> Result<Option<Option<Value>>, sqlx::Error> {
    let before: Option<Option<Value>> = sqlx::query_scalar(
        "SELECT original_external_value FROM opportunity_project_overrides \
          WHERE opportunity_project_id = $1 AND field_name = $2 AND is_active FOR UPDATE",
    )
    .bind(id)
    .bind(field)
    .fetch_optional(&mut **tx)
    .await?;
    if before.is_some() {
        sqlx::query(
            "UPDATE opportunity_project_overrides SET original_external_value = $3 \
              WHERE opportunity_project_id = $1 AND field_name = $2 AND is_active",
        )
        .bind(id)
        .bind(field)
        .bind(external)
        .execute(&mut **tx)
        .await?;
    }
    Ok(before)
}

/// Ends the active override of `field`, returning its value.
pub async fn deactivate_override(
    tx: &mut Tx,
    id: ProjectId,
    field: SyncedField,
    by: UserId,
) -> Result<Option<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE opportunity_project_overrides SET is_active = false, deactivated_at = now(), deactivated_by = $3 \
          WHERE opportunity_project_id = $1 AND field_name = $2 AND is_active RETURNING override_value",
    )
    .bind(id)
    .bind(field)
    .bind(by)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn insert_override(
    tx: &mut Tx,
    id: ProjectId,
    field: SyncedField,
    external: &Value,
    value: &Value,
    reason: &str,
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO opportunity_project_overrides (tenant_id, opportunity_project_id, field_name, original_external_value, \
            override_value, override_reason, created_by) VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(field)
    .bind(external)
    .bind(value)
    .bind(reason)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes the override's history and marks the pursuit updated (what a person sees in "Updated" changed).
pub async fn record_override_history(
    tx: &mut Tx,
    id: ProjectId,
    field: SyncedField,
    old: &Value,
    new: Option<&Value>,
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE opportunity_projects SET updated_at = now() WHERE id = $1").bind(id).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO change_history (tenant_id, entity_type, entity_id, field_name, old_value, new_value, changed_by_user_id, \
            change_source, change_category) VALUES (app_current_tenant_id(), 'opportunity_project', $1, $2, $3, $4, $5, 'user_action', 'override')",
    )
    .bind(id)
    .bind(field)
    .bind(old)
    .bind(new)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A history value as people read it: people's names for assignments, the text of everything else.
fn readable(column: &str) -> String {
    format!(
        "CASE WHEN jsonb_typeof(h.{column}) = 'array' THEN \
                (SELECT coalesce(string_agg(concat_ws(' ', p.first_name, p.last_name), ', ' ORDER BY p.last_name), 'nobody') \
                   FROM users p WHERE p.id::text IN (SELECT jsonb_array_elements_text(h.{column}))) \
              WHEN h.field_name IN ('assigned_capture_manager', 'assigned_proposal_manager') THEN \
                (SELECT concat_ws(' ', p.first_name, p.last_name) FROM users p WHERE p.id::text = h.{column} #>> '{{}}') \
              ELSE h.{column} #>> '{{}}' END"
    )
}

/// The last 100 changes of project `$1`, newest first.
pub fn history_sql() -> String {
    format!(
        "SELECT h.change_timestamp AS at, \
                coalesce(nullif(concat_ws(' ', u.first_name, u.last_name), ''), replace(h.changed_by_system_process::text, '_', ' ')) AS who, \
                h.field_name, {} AS old_value, {} AS new_value, h.change_source \
           FROM change_history h LEFT JOIN users u ON u.tenant_id = h.tenant_id AND u.id = h.changed_by_user_id \
          WHERE h.entity_type = 'opportunity_project' AND h.entity_id = $1 ORDER BY h.change_timestamp DESC, h.id DESC LIMIT 100",
        readable("old_value"),
        readable("new_value")
    )
}

pub async fn history(tx: &mut Tx, id: ProjectId) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    sqlx::query_as(&history_sql()).bind(id).fetch_all(&mut **tx).await
}

/// The people with a role on project `$1` only, unexpired.
pub const PROJECT_ROLES_SQL: &str = "SELECT concat_ws(' ', u.first_name, u.last_name), r.name, ur.expires_at FROM user_roles ur \
           JOIN users u ON u.tenant_id = ur.tenant_id AND u.id = ur.user_id \
           JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id \
          WHERE ur.opportunity_project_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > now()) ORDER BY 1";

/// People with a role on this project only.
pub async fn project_roles(
    tx: &mut Tx,
    id: ProjectId,
) -> Result<Vec<(String, String, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as(PROJECT_ROLES_SQL).bind(id).fetch_all(&mut **tx).await
}
