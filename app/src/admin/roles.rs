//! Server functions for roles: list, create, edit permissions, delete. System roles are fixed; custom roles
//! are the tenant's own. All need `admin.roles`.

use super::RoleSummary;
use crate::{error::AppError, ids::RoleId};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "admin/roles/list")]
pub async fn list_roles() -> Result<Vec<RoleSummary>, AppError> {
    use crate::admin::queries;
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminRoles, Resource::Tenant).await?;
        let roles = queries::list_roles(&mut tx).await?;
        caller.commit(tx).await?;
        Ok(roles)
    })
    .await
}

/// Creates a custom role (role_id empty) or changes one; returns its id.
#[server(prefix = "/api", endpoint = "admin/roles/save")]
pub async fn save_role(
    role_id: Option<String>,
    name: String,
    description: Option<String>,
    permissions: Vec<String>,
) -> Result<String, AppError> {
    use crate::server_prelude::*;
    use crate::{
        admin::{parse_permissions, queries},
        ids::RoleId,
        input::{parse_id, required_text},
    };
    serve(async move {
        let name = required_text("Role name", &name, 100)?;
        let description = description.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        let permissions = parse_permissions(&permissions)?;
        if permissions.is_empty() {
            return Err(AppError::Validation("Choose at least one permission for the role.".into()));
        }
        let existing: Option<RoleId> = role_id.filter(|r| !r.trim().is_empty()).map(|r| parse_id("Role", &r)).transpose()?;
        let (caller, mut tx) = Caller::start(Permission::AdminRoles, Resource::Tenant).await?;
        // "No more than you hold": `admin.roles` must not be a path to every other permission.
        crate::admin::ensure_within_own_permissions(&caller, &mut tx, &permissions, "give a role permissions you do not hold yourself").await?;
        let names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
        let taken = || AppError::Conflict(format!("A role named \"{name}\" already exists."));
        let (id, event) = match existing {
            None => {
                let id: Option<RoleId> = sqlx::query_scalar(
                    "INSERT INTO roles (tenant_id, name, description, permissions) VALUES (app_current_tenant_id(), $1, $2, $3) \
                     ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id",
                )
                .bind(&name)
                .bind(&description)
                .bind(serde_json::json!(names))
                .fetch_optional(&mut *tx)
                .await
                ?;
                let id = id.ok_or_else(taken)?;
                (id, AuditEvent::new(AuditAction::Create, "role", Some(id.as_uuid()), format!("Created role {name}"))
                    .after(serde_json::json!({ "name": name, "permissions": names })))
            }
            Some(id) => {
                let before = queries::role(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Role".into()))?;
                if before.is_system_role {
                    return Err(AppError::Validation(format!(
                        "\"{}\" is a system role and cannot be changed. Create a custom role instead.",
                        before.name
                    )));
                }
                crate::admin::ensure_within_own_permissions(&caller, &mut tx, &before.permissions, "change a role that holds permissions you do not").await?;
                let updated = sqlx::query(
                    "UPDATE roles SET name = $2, description = $3, permissions = $4 WHERE id = $1 \
                     AND NOT EXISTS (SELECT 1 FROM roles o WHERE o.tenant_id = roles.tenant_id AND o.name = $2 AND o.id <> $1)",
                )
                .bind(id)
                .bind(&name)
                .bind(&description)
                .bind(serde_json::json!(names))
                .execute(&mut *tx)
                .await
                ?;
                if updated.rows_affected() == 0 {
                    return Err(taken());
                }
                let lost: Vec<Permission> = before.permissions.iter().copied().filter(|p| !permissions.contains(p)).collect();
                crate::admin::ensure_admins_remain(&mut tx, &lost).await?;
                let before_names: Vec<&str> = before.permissions.iter().map(|p| p.as_str()).collect();
                (id, AuditEvent::new(AuditAction::PermissionChange, "role", Some(id.as_uuid()), format!("Changed role {name}"))
                    .before(serde_json::json!({ "name": before.name, "description": before.description, "permissions": before_names }))
                    .after(serde_json::json!({ "name": name, "description": description, "permissions": names }))
                    .risk(RiskLevel::Medium))
            }
        };
        caller.audit(&mut tx, event).await?;
        crate::auth::ssr::session::enforce_mfa_policy_on_live_sessions(&caller, &mut tx).await?;
        caller.commit(tx).await?;
        Ok(id.to_string())
    })
    .await
}

/// Deletes a custom role; its assignments go with it.
#[server(prefix = "/api", endpoint = "admin/roles/delete")]
pub async fn delete_role(role_id: RoleId) -> Result<(), AppError> {
    use crate::admin::queries;
    use crate::server_prelude::*;
    serve(async move {
        let id = role_id;
        let (caller, mut tx) = Caller::start(Permission::AdminRoles, Resource::Tenant).await?;
        let role = queries::role(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Role".into()))?;
        if role.is_system_role {
            return Err(AppError::Validation(format!("\"{}\" is a system role and cannot be deleted.", role.name)));
        }
        crate::admin::ensure_within_own_permissions(
            &caller,
            &mut tx,
            &role.permissions,
            "delete a role that holds permissions you do not",
        )
        .await?;
        let in_sso: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM saml_configurations WHERE default_role_id = $1)")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if in_sso {
            return Err(AppError::Conflict(format!(
                "\"{}\" is the default role for SSO users; choose another default first.",
                role.name
            )));
        }
        sqlx::query("DELETE FROM roles WHERE id = $1").bind(id).execute(&mut *tx).await?;
        crate::admin::ensure_admins_remain(&mut tx, &role.permissions).await?;
        let names: Vec<&str> = role.permissions.iter().map(|p| p.as_str()).collect();
        let event = AuditEvent::new(
            AuditAction::Delete,
            "role",
            Some(id.as_uuid()),
            format!("Deleted role {} ({} users had it)", role.name, role.users),
        )
        .before(serde_json::json!({ "name": role.name, "permissions": names }))
        .risk(RiskLevel::Medium);
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// The tenant's MFA requirement.
#[server(prefix = "/api", endpoint = "admin/security/get")]
pub async fn security_policy() -> Result<crate::auth::MfaRequirement, AppError> {
    use crate::admin::queries;
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminSecurity, Resource::Tenant).await?;
        let raw = queries::mfa_requirement(&mut tx).await?;
        caller.commit(tx).await?;
        raw.parse().map_err(|_| AppError::Internal(caller.request.request_id.clone()))
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/security/set")]
pub async fn set_security_policy(mfa_required: String) -> Result<(), AppError> {
    use crate::server_prelude::*;
    use crate::{admin::queries, auth::MfaRequirement};
    serve(async move {
        let wanted: MfaRequirement = mfa_required.parse()?;
        let (caller, mut tx) = Caller::start(Permission::AdminSecurity, Resource::Tenant).await?;
        let before = queries::mfa_requirement(&mut tx).await?;
        sqlx::query(
            "INSERT INTO tenant_security_policies (tenant_id, mfa_required, updated_by) VALUES (app_current_tenant_id(), $1, $2) \
             ON CONFLICT (tenant_id) DO UPDATE SET mfa_required = EXCLUDED.mfa_required, updated_by = EXCLUDED.updated_by",
        )
        .bind(wanted)
        .bind(caller.user.id)
        .execute(&mut *tx)
        .await
        ?;
        let event = AuditEvent::new(AuditAction::ConfigChange, "tenant_security_policy", None, format!("MFA requirement set to {wanted}"))
            .before(serde_json::json!({ "mfa_required": before }))
            .after(serde_json::json!({ "mfa_required": wanted }))
            .risk(RiskLevel::High);
        caller.audit(&mut tx, event).await?;
        crate::auth::ssr::session::enforce_mfa_policy_on_live_sessions(&caller, &mut tx).await?;
        caller.commit(tx).await
    })
    .await
}
