//! The audit trail (FedRAMP AU-2): who did what, from where, in which request. Rows are append-only for
//! the application role.

use crate::{
    closed_set,
    ids::{TenantId, UserId},
};
use std::net::IpAddr;

closed_set! {
    /// What happened; mirrors audit_logs.action_type.
    pub enum AuditAction: "audit action" {
        Create = "create",
        Read = "read",
        Update = "update",
        Delete = "delete",
        Restore = "restore",
        Archive = "archive",
        Export = "export",
        Sync = "sync",
        Login = "login",
        LoginFailed = "login_failed",
        Logout = "logout",
        Lockout = "lockout",
        SessionEnd = "session_end",
        PasswordChange = "password_change",
        PermissionChange = "permission_change",
        ConfigChange = "config_change",
        AccessDenied = "access_denied",
        Merge = "merge",
        Import = "import",
    }
}

closed_set! {
    pub enum RiskLevel: "risk level" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

/// Who acted and through which request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    /// Automated work acting without a user (the sync, the archiver …).
    pub system_actor: Option<crate::domain::SystemActor>,
    pub session_id: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub request_id: String,
}

#[cfg(feature = "ssr")]
impl Actor {
    /// The actor of a request: its address, browser and id, with the user and session if known.
    pub fn of_request(
        tenant_id: TenantId,
        user_id: Option<UserId>,
        session_id: Option<uuid::Uuid>,
        request: &crate::request::RequestContext,
    ) -> Actor {
        Actor {
            tenant_id,
            user_id,
            system_actor: None,
            session_id: session_id.map(|s| s.to_string()),
            ip: request.ip,
            user_agent: request.user_agent.clone(),
            request_id: request.request_id.clone(),
        }
    }

    /// A background process acting for a tenant; `run` names the run (a poll's claim) in place of a request.
    pub fn system(tenant_id: TenantId, actor: crate::domain::SystemActor, run: impl Into<String>) -> Actor {
        Actor {
            tenant_id,
            user_id: None,
            system_actor: Some(actor),
            session_id: None,
            ip: None,
            user_agent: None,
            request_id: run.into(),
        }
    }
}

/// One event.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: AuditAction,
    pub entity_type: &'static str,
    pub entity_id: Option<uuid::Uuid>,
    pub description: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub risk: RiskLevel,
    pub access_granted: bool,
    pub permission_used: Option<&'static str>,
}

impl AuditEvent {
    pub fn new(
        action: AuditAction,
        entity_type: &'static str,
        entity_id: Option<uuid::Uuid>,
        description: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent {
            action,
            entity_type,
            entity_id,
            description: description.into(),
            before: None,
            after: None,
            risk: RiskLevel::Low,
            // A refused sign-in or access is never recorded as granted.
            access_granted: !matches!(
                action,
                AuditAction::LoginFailed | AuditAction::Lockout | AuditAction::AccessDenied
            ),
            permission_used: None,
        }
    }

    /// A CSV export: `count` records of `entity` (`noun` in words) under the list's `view`, allowed by
    /// `permission`. Medium risk: the data leaves the system.
    pub fn export(entity: &'static str, noun: &str, count: i64, view: String, permission: &'static str) -> AuditEvent {
        let mut event = AuditEvent::new(AuditAction::Export, entity, None, format!("Exported {count} {noun} as CSV"))
            .after(serde_json::json!({ "view": view, "rows": count }))
            .risk(RiskLevel::Medium);
        event.permission_used = Some(permission);
        event
    }

    pub fn risk(mut self, risk: RiskLevel) -> Self {
        self.risk = risk;
        self
    }

    pub fn before(mut self, value: serde_json::Value) -> Self {
        self.before = Some(value);
        self
    }

    pub fn after(mut self, value: serde_json::Value) -> Self {
        self.after = Some(value);
        self
    }

    pub fn denied(mut self, permission: &'static str) -> Self {
        self.access_granted = false;
        self.permission_used = Some(permission);
        self
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Actor, AuditEvent};
    use crate::db::Tx;

    /// Writes one audit row in the caller's transaction: it commits or rolls back with the change itself.
    pub async fn record(tx: &mut Tx, actor: &Actor, event: AuditEvent) -> Result<(), sqlx::Error> {
        let changed: Option<serde_json::Value> = match (&event.before, &event.after) {
            (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a))) => Some(
                a.keys()
                    .chain(b.keys())
                    .filter(|k| a.get(*k) != b.get(*k))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .map(|k| serde_json::Value::String(k.clone()))
                    .collect(),
            ),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO audit_logs (tenant_id, user_id, session_id, ip_address, user_agent, action_type, entity_type, \
             entity_id, operation_description, before_values, after_values, changed_fields, access_granted, \
             permission_used, risk_level, request_id, system_actor) \
             VALUES ($1, $2, $3, $4::inet, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::system_actor)",
        )
        .bind(actor.tenant_id)
        .bind(actor.user_id)
        .bind(actor.session_id.as_deref())
        .bind(actor.ip.map(|ip| ip.to_string()))
        .bind(actor.user_agent.as_deref().map(|ua| truncate(ua, 1000)))
        .bind(event.action)
        .bind(event.entity_type)
        .bind(event.entity_id)
        .bind(truncate(&event.description, 500))
        .bind(event.before)
        .bind(event.after)
        .bind(changed)
        .bind(event.access_granted)
        .bind(event.permission_used)
        .bind(event.risk)
        .bind(truncate(&actor.request_id, 100))
        .bind(actor.system_actor)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// One change_history row per field whose value differs between `before` and `after` (JSON objects;
    /// `Null` before a creation), by the person `by`, in the same transaction as the change. Returns how many
    /// fields changed.
    pub async fn record_field_changes(
        tx: &mut Tx,
        entity_type: &str,
        entity_id: uuid::Uuid,
        by: crate::ids::UserId,
        before: &serde_json::Value,
        after: &serde_json::Value,
    ) -> Result<usize, sqlx::Error> {
        let empty = serde_json::Map::new();
        let (b, a) = (before.as_object().unwrap_or(&empty), after.as_object().unwrap_or(&empty));
        let null = serde_json::Value::Null;
        let changed: Vec<String> = a
            .keys()
            .chain(b.keys().filter(|k| !a.contains_key(*k)))
            .filter(|k| b.get(*k).unwrap_or(&null) != a.get(*k).unwrap_or(&null))
            .cloned()
            .collect();
        if changed.is_empty() {
            return Ok(0);
        }
        let value = |side: &serde_json::Map<String, serde_json::Value>, k: &String| {
            side.get(k).filter(|v| !v.is_null()).cloned()
        };
        let olds: Vec<Option<serde_json::Value>> = changed.iter().map(|k| value(b, k)).collect();
        let news: Vec<Option<serde_json::Value>> = changed.iter().map(|k| value(a, k)).collect();
        sqlx::query(
            "INSERT INTO change_history (tenant_id, entity_type, entity_id, field_name, old_value, new_value, \
                changed_by_user_id, change_source, change_category) \
             SELECT app_current_tenant_id(), $1, $2, f.name, f.old, f.new, $6, 'user_action', 'data_update' \
               FROM unnest($3::text[], $4::jsonb[], $5::jsonb[]) AS f (name, old, new)",
        )
        .bind(entity_type)
        .bind(entity_id)
        .bind(&changed)
        .bind(&olds)
        .bind(&news)
        .bind(by)
        .execute(&mut **tx)
        .await?;
        Ok(changed.len())
    }

    fn truncate(text: &str, max_chars: usize) -> String {
        text.chars().take(max_chars).collect()
    }
}
