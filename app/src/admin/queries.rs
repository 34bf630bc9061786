//! SQL of tenant administration. Each function takes the caller's tenant-scoped transaction; ids of
//! another tenant simply find nothing (RLS), which the server functions report as not found.

use super::{RoleAssignment, RoleSummary, UserSummary};
use crate::auth::SessionSummary;
use crate::{
    auth::Permission,
    db::Tx,
    ids::{ProjectId, RoleId, UserId},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

const USER_SUMMARY: &str = "SELECT u.id, u.email, u.first_name, u.last_name, u.title, u.is_active, u.is_saml_user, \
       coalesce(u.locked_until > now(), false) AS locked, u.mfa_enabled, u.last_login_at, \
       coalesce(array_agg(DISTINCT r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS role_names, \
       (SELECT count(*) FROM user_sessions s WHERE s.user_id = u.id AND s.is_active) AS active_sessions \
  FROM users u \
  LEFT JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id AND (ur.expires_at IS NULL OR ur.expires_at > now()) \
  LEFT JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id";

pub async fn list_users(tx: &mut Tx) -> Result<Vec<UserSummary>, sqlx::Error> {
    sqlx::query_as(&format!("{USER_SUMMARY} GROUP BY u.id ORDER BY u.is_active DESC, lower(u.last_name), lower(u.first_name), lower(u.email)"))
        .fetch_all(&mut **tx)
        .await
}

pub async fn user(tx: &mut Tx, id: UserId) -> Result<Option<UserSummary>, sqlx::Error> {
    sqlx::query_as(&format!("{USER_SUMMARY} WHERE u.id = $1 GROUP BY u.id")).bind(id).fetch_optional(&mut **tx).await
}

pub async fn assignments(tx: &mut Tx, user: UserId) -> Result<Vec<RoleAssignment>, sqlx::Error> {
    sqlx::query_as(
        "SELECT ur.id, ur.role_id, r.name AS role_name, ur.opportunity_project_id AS project_id, \
                op.project_name, ur.expires_at \
           FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id \
           LEFT JOIN opportunity_projects op ON op.tenant_id = ur.tenant_id AND op.id = ur.opportunity_project_id \
          WHERE ur.user_id = $1 ORDER BY ur.opportunity_project_id NULLS FIRST, r.name",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}

pub async fn sessions(tx: &mut Tx, user: UserId, current: Option<Uuid>) -> Result<Vec<SessionSummary>, sqlx::Error> {
    let mut rows: Vec<SessionSummary> = sqlx::query_as(
        "SELECT id, created_at, last_activity_at, expires_at, host(ip_address) AS ip_address, user_agent, mfa_verified \
           FROM user_sessions WHERE user_id = $1 AND is_active ORDER BY last_activity_at DESC",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await?;
    for row in &mut rows {
        row.current = Some(row.id) == current;
    }
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: RoleId,
    name: String,
    description: Option<String>,
    is_system_role: bool,
    permissions: sqlx::types::Json<Vec<String>>,
    users: i64,
}

impl From<RoleRow> for RoleSummary {
    fn from(r: RoleRow) -> RoleSummary {
        let mut permissions = Permission::from_stored(&r.permissions.0);
        permissions.sort();
        RoleSummary {
            id: r.id,
            name: r.name,
            description: r.description,
            is_system_role: r.is_system_role,
            permissions,
            users: r.users,
        }
    }
}

const ROLE_SUMMARY: &str = "SELECT r.id, r.name, r.description, r.is_system_role, r.permissions, \
       (SELECT count(DISTINCT ur.user_id) FROM user_roles ur WHERE ur.role_id = r.id) AS users FROM roles r";

pub async fn list_roles(tx: &mut Tx) -> Result<Vec<RoleSummary>, sqlx::Error> {
    let rows: Vec<RoleRow> = sqlx::query_as(&format!("{ROLE_SUMMARY} ORDER BY r.is_system_role DESC, lower(r.name)"))
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.into_iter().map(RoleSummary::from).collect())
}

pub async fn role(tx: &mut Tx, id: RoleId) -> Result<Option<RoleSummary>, sqlx::Error> {
    let row: Option<RoleRow> = sqlx::query_as(&format!("{ROLE_SUMMARY} WHERE r.id = $1 FOR UPDATE OF r"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(RoleSummary::from))
}

pub async fn project_names(tx: &mut Tx) -> Result<Vec<(ProjectId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, project_name FROM opportunity_projects WHERE project_status <> 'archived' ORDER BY lower(project_name), id",
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn project_exists(tx: &mut Tx, id: ProjectId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM opportunity_projects WHERE id = $1)")
        .bind(id)
        .fetch_one(&mut **tx)
        .await
}

/// Active users, and the plan's limit on them (the tenant row is the caller's own).
pub async fn seats(tx: &mut Tx) -> Result<(i64, i32), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE is_active), max_users FROM tenants WHERE id = app_current_tenant_id() FOR UPDATE",
    )
    .fetch_one(&mut **tx)
    .await
}

/// Of `wanted`, the permissions that no active user holds tenant-wide (unexpired), after locking the tenant
/// row so that concurrent removals are counted one after the other.
pub async fn unheld_permissions(tx: &mut Tx, wanted: &[Permission]) -> Result<Vec<Permission>, sqlx::Error> {
    unheld_permissions_without(tx, wanted, None).await
}

/// `unheld_permissions`, as if the assignment `without` were gone (to decide before removing it).
pub async fn unheld_permissions_without(
    tx: &mut Tx,
    wanted: &[Permission],
    without: Option<Uuid>,
) -> Result<Vec<Permission>, sqlx::Error> {
    sqlx::query("SELECT 1 FROM tenants WHERE id = app_current_tenant_id() FOR UPDATE").execute(&mut **tx).await?;
    let names: Vec<&str> = wanted.iter().map(|p| p.as_str()).collect();
    let unheld: Vec<String> = sqlx::query_scalar(
        "SELECT p FROM unnest($1::text[]) p WHERE NOT EXISTS ( \
           SELECT 1 FROM users u \
             JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id AND ur.opportunity_project_id IS NULL \
                                AND (ur.expires_at IS NULL OR ur.expires_at > now()) \
             JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id \
            WHERE u.tenant_id = app_current_tenant_id() AND u.is_active AND r.permissions ? p \
              AND ($2::uuid IS NULL OR ur.id <> $2))",
    )
    .bind(&names)
    .bind(without)
    .fetch_all(&mut **tx)
    .await?;
    Ok(Permission::from_stored(&unheld))
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub title: Option<&'a str>,
    pub password_hash: &'a str,
    pub created_by: UserId,
}

/// Inserts a user; None when the email is already taken in this tenant.
pub async fn insert_user(tx: &mut Tx, u: NewUser<'_>) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (tenant_id, email, first_name, last_name, title, password_hash, created_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, email) DO NOTHING RETURNING id",
    )
    .bind(u.email)
    .bind(u.first_name)
    .bind(u.last_name)
    .bind(u.title)
    .bind(u.password_hash)
    .bind(u.created_by)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn insert_assignment(
    tx: &mut Tx,
    user: UserId,
    role: RoleId,
    project: Option<ProjectId>,
    expires_at: Option<DateTime<Utc>>,
    by: UserId,
) -> Result<Option<Uuid>, sqlx::Error> {
    // Given by hand, the role is the administrator's decision: an SSO removal of it stops being remembered,
    // and a role SSO gave becomes hand-given (later sign-ins leave it alone).
    sqlx::query("DELETE FROM sso_role_suppressions WHERE user_id = $1 AND role_id = $2")
        .bind(user)
        .bind(role)
        .execute(&mut **tx)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO user_roles (tenant_id, user_id, role_id, opportunity_project_id, expires_at, assigned_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5) \
         ON CONFLICT (tenant_id, user_id, role_id, opportunity_project_id) DO UPDATE \
            SET granted_by_sso = false, assigned_by = EXCLUDED.assigned_by, assigned_by_system = NULL, \
                expires_at = EXCLUDED.expires_at, assigned_at = now() \
          WHERE user_roles.granted_by_sso \
         RETURNING id",
    )
    .bind(user)
    .bind(role)
    .bind(project)
    .bind(expires_at)
    .bind(by)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn set_password(tx: &mut Tx, user: UserId, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, password_changed_at = now(), failed_login_attempts = 0, locked_until = NULL \
          WHERE id = $1",
    )
    .bind(user)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn mfa_requirement(tx: &mut Tx) -> Result<String, sqlx::Error> {
    crate::auth::ssr::queries::mfa_requirement(tx).await
}
