//! The SQL behind a pursuit's source changes: the changes with their fields as a person reads them, the
//! versions, acknowledging (audited), and comparing any two versions field by field.

use super::adapter_for;
use crate::{
    audit::{AuditAction, AuditEvent},
    auth::ssr::Caller,
    db::Tx,
    domain::ImpactLevel,
    error::AppError,
    ids::{ChangeId, ProjectId},
    sync::{
        SourceKind,
        changes::{Acknowledgment, CHANGES_SHOWN, ChangeView, FieldDiff, ProjectChanges, VersionView},
        normalize::canonical,
        snapshot::{ChangeType, SyncField, display},
    },
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// A field name as rows store it: a synced field, or a column name older rows used.
fn field_of(name: &str) -> Option<SyncField> {
    match name {
        "response_due_date" => Some(SyncField::ResponseDeadline),
        "set_aside_type" => Some(SyncField::SetAside),
        "naics_codes" => Some(SyncField::Naics),
        "opportunity_type" => Some(SyncField::NoticeType),
        "solicitation_status" => Some(SyncField::Status),
        other => other.parse().ok(),
    }
}

fn humanised(name: &str) -> String {
    let mut s = name.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        s = format!("{}{}", first.to_uppercase(), &s[1..]);
    }
    s
}

fn is_instant(field: Option<SyncField>) -> bool {
    matches!(field, Some(SyncField::PostedAt | SyncField::ResponseDeadline | SyncField::ArchiveDate))
}

fn instant_of(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|t| crate::sync::normalize::instant(Some(t)))
}

/// One field's old and new values, read.
pub fn diff(name: &str, old: &Value, new: &Value) -> FieldDiff {
    let field = field_of(name);
    let show = |v: &Value| match field {
        // Older rows stored a bare timestamp; read it the same way.
        Some(f) if is_instant(field) => {
            instant_of(v).map_or_else(|| display(f, v), |t| display(f, &json!(t.to_rfc3339())))
        }
        Some(f) => display(f, v),
        None => crate::projects::project::display_json(v),
    };
    FieldDiff {
        field,
        label: field.map_or_else(|| humanised(name), |f| f.label().to_string()),
        old: show(old),
        new: show(new),
        old_at: if is_instant(field) { instant_of(old) } else { None },
        new_at: if is_instant(field) { instant_of(new) } else { None },
    }
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: ChangeId,
    change_timestamp: DateTime<Utc>,
    change_type: ChangeType,
    impact_level: ImpactLevel,
    from_version: Option<i32>,
    to_version: Option<i32>,
    changed_fields: Value,
    previous_values: Option<Value>,
    new_values: Option<Value>,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledgment_notes: Option<String>,
    acknowledged_by_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version_number: i32,
    data_snapshot_timestamp: DateTime<Utc>,
    notice_id: Option<String>,
    changed_fields: Option<Value>,
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|n| n.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Whose changes and versions: a pursuit's, or an opportunity's in the inbox (pursued or not).
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Project(ProjectId),
    Opportunity(crate::ids::OpportunityId),
}

impl Owner {
    /// The column of external_data_changes and external_opportunity_data that names the owner.
    fn column(self) -> &'static str {
        match self {
            Owner::Project(_) => "opportunity_project_id",
            Owner::Opportunity(_) => "external_opportunity_id",
        }
    }

    fn id(self) -> uuid::Uuid {
        match self {
            Owner::Project(p) => p.as_uuid(),
            Owner::Opportunity(o) => o.as_uuid(),
        }
    }

    /// Another tenant's (or none) is not found.
    async fn exists(self, tx: &mut Tx) -> Result<(), AppError> {
        let (sql, what) = match self {
            Owner::Project(_) => ("SELECT 1 FROM opportunity_projects WHERE id = $1", "Project"),
            Owner::Opportunity(_) => ("SELECT 1 FROM external_opportunities WHERE id = $1", "Opportunity"),
        };
        let found: Option<i32> = sqlx::query_scalar(sql).bind(self.id()).fetch_optional(&mut **tx).await?;
        found.map(|_| ()).ok_or_else(|| AppError::NotFound(what.into()))
    }

    /// The source kind whose adapter reads the owner's versions.
    async fn source_kind(self, tx: &mut Tx) -> Result<Option<SourceKind>, sqlx::Error> {
        let sql = match self {
            Owner::Project(_) => {
                "SELECT s.source_kind FROM opportunity_projects p JOIN external_opportunity_sources s ON s.id = p.external_source_id WHERE p.id = $1"
            }
            Owner::Opportunity(_) => {
                "SELECT s.source_kind FROM external_opportunities o JOIN external_opportunity_sources s ON s.id = o.external_source_id WHERE o.id = $1"
            }
        };
        sqlx::query_scalar(sql).bind(self.id()).fetch_optional(&mut **tx).await
    }
}

async fn exists(tx: &mut Tx, project: ProjectId) -> Result<(), AppError> {
    Owner::Project(project).exists(tx).await
}

pub async fn load(tx: &mut Tx, owner: Owner) -> Result<ProjectChanges, AppError> {
    owner.exists(tx).await?;
    let column = owner.column();
    let sql = format!(
        "SELECT c.id, c.change_timestamp, c.change_type, c.impact_level, c.from_version, c.to_version, c.changed_fields, \
                c.previous_values, c.new_values, c.acknowledged_at, c.acknowledgment_notes, \
                u.first_name || ' ' || u.last_name AS acknowledged_by_name \
           FROM external_data_changes c LEFT JOIN users u ON u.id = c.acknowledged_by \
          WHERE c.tenant_id = app_current_tenant_id() AND c.{column} = $1 \
          ORDER BY c.change_timestamp DESC LIMIT $2"
    );
    let rows: Vec<ChangeRow> = sqlx::query_as(&sql).bind(owner.id()).bind(CHANGES_SHOWN).fetch_all(&mut **tx).await?;
    let unacknowledged: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM external_data_changes WHERE {column} = $1 AND acknowledged_at IS NULL"
    ))
    .bind(owner.id())
    .fetch_one(&mut **tx)
    .await?;
    let versions: Vec<VersionRow> = sqlx::query_as(&format!(
        "SELECT version_number, data_snapshot_timestamp, notice_id, changed_fields FROM external_opportunity_data \
          WHERE tenant_id = app_current_tenant_id() AND {column} = $1 ORDER BY version_number DESC"
    ))
    .bind(owner.id())
    .fetch_all(&mut **tx)
    .await?;
    Ok(ProjectChanges {
        changes: rows
            .into_iter()
            .map(|r| {
                let (old, new) = (r.previous_values.unwrap_or(Value::Null), r.new_values.unwrap_or(Value::Null));
                ChangeView {
                    id: r.id,
                    at: r.change_timestamp,
                    change_type: r.change_type,
                    impact: r.impact_level,
                    from_version: r.from_version,
                    to_version: r.to_version,
                    fields: names(&r.changed_fields)
                        .iter()
                        .map(|n| diff(n, old.get(n).unwrap_or(&Value::Null), new.get(n).unwrap_or(&Value::Null)))
                        .collect(),
                    acknowledged: r.acknowledged_at.map(|at| Acknowledgment {
                        by: r.acknowledged_by_name.clone().unwrap_or_else(|| "Someone".into()),
                        at,
                        note: r.acknowledgment_notes.clone(),
                    }),
                }
            })
            .collect(),
        versions: versions
            .into_iter()
            .map(|v| VersionView {
                number: v.version_number,
                at: v.data_snapshot_timestamp,
                notice_id: v.notice_id,
                changed_fields: v
                    .changed_fields
                    .as_ref()
                    .map(names)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|n| field_of(n))
                    .collect(),
            })
            .collect(),
        unacknowledged,
        can_acknowledge: false,
    })
}

pub async fn acknowledge(
    caller: &Caller,
    tx: &mut Tx,
    project: ProjectId,
    ids: &[ChangeId],
    note: Option<&str>,
) -> Result<u64, AppError> {
    exists(tx, project).await?;
    let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.as_uuid()).collect();
    if !ids.is_empty() {
        let known: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM external_data_changes WHERE opportunity_project_id = $1 AND id = ANY($2)",
        )
        .bind(project)
        .bind(&ids)
        .fetch_one(&mut **tx)
        .await?;
        if known != ids.len() as i64 {
            return Err(AppError::NotFound("Change".into()));
        }
    }
    let done = sqlx::query(
        "UPDATE external_data_changes SET acknowledged_by = $3, acknowledged_at = now(), acknowledgment_notes = $4 \
          WHERE opportunity_project_id = $1 AND acknowledged_at IS NULL AND (cardinality($2::uuid[]) = 0 OR id = ANY($2))",
    )
    .bind(project)
    .bind(&ids)
    .bind(caller.user.id)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    let n = done.rows_affected();
    if n > 0 {
        let event = AuditEvent::new(
            AuditAction::Update,
            "opportunity_project",
            Some(project.as_uuid()),
            format!("Acknowledged {}", crate::format::count(n as i64, "source change", "source changes")),
        )
        .after(json!({ "acknowledged": n, "note": note, "changes": ids }));
        caller.audit(tx, event).await?;
    }
    Ok(n)
}

pub async fn compare(tx: &mut Tx, owner: Owner, from: i32, to: i32) -> Result<Vec<FieldDiff>, AppError> {
    owner.exists(tx).await?;
    let kind = owner.source_kind(tx).await?;
    let rows: Vec<(i32, Value)> = sqlx::query_as(&format!(
        "SELECT version_number, raw_json_data FROM external_opportunity_data WHERE {} = $1 AND version_number = ANY($2)",
        owner.column()
    ))
    .bind(owner.id())
    .bind(vec![from, to])
    .fetch_all(&mut **tx)
    .await?;
    let raw = |n: i32| rows.iter().find(|r| r.0 == n).map(|r| &r.1);
    let (Some(old), Some(new)) = (raw(from), raw(to)) else {
        return Err(AppError::NotFound("Version".into()));
    };
    let read = |v: &Value| kind.map(adapter_for).and_then(|a| a.snapshot(&canonical(v.clone())).ok());
    Ok(match (read(old), read(new)) {
        (Some(a), Some(b)) => SyncField::ALL
            .iter()
            .filter(|f| **f != SyncField::Other && a.value(**f) != b.value(**f))
            .map(|f| diff(f.as_str(), &a.value(*f), &b.value(*f)))
            .collect(),
        // Versions no adapter reads (written by hand or by an older format): compared key by key.
        _ => {
            let (old, new) = (canonical(old.clone()), canonical(new.clone()));
            let empty = serde_json::Map::new();
            let (a, b) = (old.as_object().unwrap_or(&empty), new.as_object().unwrap_or(&empty));
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter(|k| a.get(*k) != b.get(*k))
                .map(|k| diff(k, a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null)))
                .collect()
        }
    })
}
