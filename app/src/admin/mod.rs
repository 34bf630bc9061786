//! Tenant administration: users, roles and their permissions, sessions, and the security policy.
//! Every server function here needs an admin permission, checked by `Caller::authorize`.

pub mod pages;
#[cfg(feature = "ssr")]
pub mod queries;
mod roles;
mod users;

pub use pages::{RolesPage, SecurityPage, SettingsHome, UserPage, UsersPage};
pub use roles::*;
pub use users::*;

use crate::{
    auth::{Permission, SessionSummary},
    ids::{ProjectId, RoleId, UserId},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user as the users page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub is_active: bool,
    pub is_saml_user: bool,
    pub locked: bool,
    pub mfa_enabled: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub role_names: Vec<String>,
    pub active_sessions: i64,
}

/// One role held by a user: tenant-wide or on one project, possibly until a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RoleAssignment {
    pub id: Uuid,
    pub role_id: RoleId,
    pub role_name: String,
    pub project_id: Option<ProjectId>,
    pub project_name: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Everything the user detail page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    pub user: UserSummary,
    pub assignments: Vec<RoleAssignment>,
    pub sessions: Vec<SessionSummary>,
    pub roles: Vec<RoleSummary>,
    pub projects: Vec<(ProjectId, String)>,
}

/// A role with its permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSummary {
    pub id: RoleId,
    pub name: String,
    pub description: Option<String>,
    pub is_system_role: bool,
    pub permissions: Vec<Permission>,
    pub users: i64,
}

/// Refuses an action that would hand out (or take over) permissions the caller does not hold tenant-wide:
/// `admin.users` alone must not be a path to every other admin permission.
#[cfg(feature = "ssr")]
pub async fn ensure_within_own_permissions(
    caller: &crate::auth::ssr::Caller,
    tx: &mut crate::db::Tx,
    wanted: &[Permission],
    action: &str,
) -> Result<(), crate::error::AppError> {
    let mine: Vec<Permission> =
        caller.permissions(tx, crate::auth::ssr::Resource::Tenant).await?.into_iter().flat_map(|(_, p)| p).collect();
    match wanted.iter().find(|p| !mine.contains(p)) {
        None => Ok(()),
        Some(missing) => {
            tracing::info!(permission = missing.as_str(), user = %caller.user.id, "escalation refused");
            Err(crate::error::AppError::Forbidden(format!("{action} ({})", missing.as_str())))
        }
    }
}

/// The last-administrator guard, for every path that can take an admin permission away (removing an
/// assignment, deactivating a user, changing or deleting a role, an SSO sign-in's reconciliation). Call it
/// after the change, in the same transaction: it locks the tenant row, so concurrent removals take turns,
/// and then counts (under READ COMMITTED each statement sees what the other removal committed). Refuses if
/// any admin permission in `lost` would be held by no active user tenant-wide.
#[cfg(feature = "ssr")]
pub async fn ensure_admins_remain(tx: &mut crate::db::Tx, lost: &[Permission]) -> Result<(), crate::error::AppError> {
    let admin: Vec<Permission> = lost.iter().copied().filter(|p| p.is_admin()).collect();
    if admin.is_empty() {
        return Ok(());
    }
    let orphaned = queries::unheld_permissions(tx, &admin).await?;
    match orphaned.first() {
        None => Ok(()),
        Some(p) => Err(crate::error::AppError::Conflict(format!(
            "This would leave nobody who can {} ({}); give that permission to someone else first.",
            p.description().to_lowercase(),
            p.as_str()
        ))),
    }
}

/// Parses permission names from a form, saying which one is unknown.
pub fn parse_permissions(names: &[String]) -> Result<Vec<Permission>, crate::error::AppError> {
    let mut out = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let p: Permission = name.parse()?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_checked_with_clear_messages() {
        let perms =
            parse_permissions(&["projects.read".into(), "projects.read".into(), " admin.users ".into()]).expect("ok");
        assert_eq!(perms, vec![Permission::ProjectsRead, Permission::AdminUsers]);
        let err = parse_permissions(&["projects.fly".into()]).expect_err("must be refused").to_string();
        assert!(err.contains("projects.fly") && err.contains("projects.read"), "{err}");
    }
}
