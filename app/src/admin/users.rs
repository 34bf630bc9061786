//! Server functions for the users pages: list, create, edit, deactivate, unlock, reset password, role
//! assignments and sessions. All need `admin.users`.

use super::{UserProfile, UserSummary};
use crate::{
    error::AppError,
    ids::{RoleId, UserId},
};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "admin/users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::admin::queries;
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let users = queries::list_users(&mut tx).await?;
        caller.commit(tx).await?;
        Ok(users)
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/users/detail")]
pub async fn user_detail(user_id: UserId) -> Result<UserProfile, AppError> {
    use crate::admin::queries;
    use crate::server_prelude::*;
    serve(async move {
        let id = user_id;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let user = queries::user(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("User".into()))?;
        let detail = UserProfile {
            user,
            assignments: queries::assignments(&mut tx, id).await?,
            sessions: queries::sessions(&mut tx, id, Some(caller.user_session_id)).await?,
            roles: queries::list_roles(&mut tx).await?,
            projects: queries::project_names(&mut tx).await?,
        };
        caller.commit(tx).await?;
        Ok(detail)
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/users/create")]
pub async fn create_user(
    email: String,
    first_name: String,
    last_name: String,
    title: Option<String>,
    role_id: RoleId,
    password: String,
) -> Result<String, AppError> {
    use crate::server_prelude::*;
    use crate::{
        admin::queries,
        auth::ssr::password,
        input::{parse_email, required_text},
    };
    serve(async move {
        let email = parse_email(&email)?;
        let first_name = required_text("First name", &first_name, 100)?;
        let last_name = required_text("Last name", &last_name, 100)?;
        let title = crate::input::optional_text("Title", title.as_deref().unwrap_or_default(), 150)?;
        let role = role_id;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        password::check_policy(&password, &email, caller.state.settings.auth.password_min_length)?;
        let (active, max_users) = queries::seats(&mut tx).await?;
        if active >= i64::from(max_users) {
            return Err(AppError::Conflict(format!(
                "Your plan allows {max_users} active users and all are in use. Deactivate someone or upgrade the plan."
            )));
        }
        let role = queries::role(&mut tx, role).await?.ok_or_else(|| AppError::NotFound("Role".into()))?;
        crate::admin::ensure_within_own_permissions(
            &caller,
            &mut tx,
            &role.permissions,
            "give a role with permissions you do not hold yourself",
        )
        .await?;
        let hash = password::hash(password).await?;
        let new = queries::NewUser {
            email: &email,
            first_name: &first_name,
            last_name: &last_name,
            title: title.as_deref(),
            password_hash: &hash,
            created_by: caller.user.id,
        };
        let id = queries::insert_user(&mut tx, new)
            .await?
            .ok_or_else(|| AppError::Conflict(format!("A user with the email {email} already exists.")))?;
        queries::insert_assignment(&mut tx, id, role.id, None, None, caller.user.id).await?;
        let event = AuditEvent::new(
            AuditAction::Create,
            "user",
            Some(id.as_uuid()),
            format!("Created user {email} as {}", role.name),
        )
        .after(
            serde_json::json!({ "email": email, "first_name": first_name, "last_name": last_name, "role": role.name }),
        );
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await?;
        Ok(id.to_string())
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/users/update")]
pub async fn update_user(
    user_id: UserId,
    first_name: String,
    last_name: String,
    title: Option<String>,
) -> Result<(), AppError> {
    use crate::server_prelude::*;
    use crate::{admin::queries, input::required_text};
    serve(async move {
        let id = user_id;
        let first_name = required_text("First name", &first_name, 100)?;
        let last_name = required_text("Last name", &last_name, 100)?;
        let title = crate::input::optional_text("Title", title.as_deref().unwrap_or_default(), 150)?;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let before = queries::user(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("User".into()))?;
        sqlx::query("UPDATE users SET first_name = $2, last_name = $3, title = $4 WHERE id = $1")
            .bind(id)
            .bind(&first_name)
            .bind(&last_name)
            .bind(&title)
            .execute(&mut *tx)
            .await
            ?;
        let event = AuditEvent::new(AuditAction::Update, "user", Some(id.as_uuid()), format!("Edited user {}", before.email))
            .before(serde_json::json!({ "first_name": before.first_name, "last_name": before.last_name, "title": before.title }))
            .after(serde_json::json!({ "first_name": first_name, "last_name": last_name, "title": title }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// Deactivates (ending every session at once) or reactivates a user.
#[server(prefix = "/api", endpoint = "admin/users/set-active")]
pub async fn set_user_active(user_id: UserId, active: bool) -> Result<(), AppError> {
    use crate::server_prelude::*;
    use crate::{admin::queries, auth::ssr::queries as auth_q};
    serve(async move {
        let id = user_id;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let user = queries::user(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("User".into()))?;
        if !active && id == caller.user.id {
            return Err(AppError::Validation(
                "You cannot deactivate your own account. Ask another administrator.".into(),
            ));
        }
        if user.is_active == active {
            return Ok(());
        }
        if active {
            let (used, max_users) = queries::seats(&mut tx).await?;
            if used >= i64::from(max_users) {
                return Err(AppError::Conflict(format!(
                    "Your plan allows {max_users} active users and all are in use."
                )));
            }
        }
        let held = if active { Vec::new() } else { auth_q::tenant_permissions(&mut tx, id).await? };
        if !active {
            crate::admin::ensure_within_own_permissions(
                &caller,
                &mut tx,
                &held,
                "deactivate someone who holds permissions you do not",
            )
            .await?;
        }
        sqlx::query("UPDATE users SET is_active = $2 WHERE id = $1").bind(id).bind(active).execute(&mut *tx).await?;
        crate::admin::ensure_admins_remain(&mut tx, &held).await?;
        let ended =
            if active { Vec::new() } else { auth_q::end_sessions(&mut tx, id, None, "user_deactivated").await? };
        let verb = if active { "Reactivated" } else { "Deactivated" };
        let event =
            AuditEvent::new(AuditAction::Update, "user", Some(id.as_uuid()), format!("{verb} user {}", user.email))
                .before(serde_json::json!({ "is_active": user.is_active }))
                .after(serde_json::json!({ "is_active": active, "sessions_ended": ended.len() }))
                .risk(RiskLevel::Medium);
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/users/unlock")]
pub async fn unlock_user(user_id: UserId) -> Result<(), AppError> {
    use crate::admin::queries;
    use crate::server_prelude::*;
    serve(async move {
        let id = user_id;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let user = queries::user(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("User".into()))?;
        sqlx::query("UPDATE users SET failed_login_attempts = 0, locked_until = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::auth::ssr::lockout::unlock(&mut tx, &user.email).await?;
        caller
            .audit(
                &mut tx,
                AuditEvent::new(AuditAction::Update, "user", Some(id.as_uuid()), format!("Unlocked {}", user.email)),
            )
            .await?;
        caller.commit(tx).await
    })
    .await
}

/// Sets a new password for a user (who should change it); their sessions end.
#[server(prefix = "/api", endpoint = "admin/users/reset-password")]
pub async fn reset_user_password(user_id: UserId, password: String) -> Result<(), AppError> {
    use crate::server_prelude::*;
    use crate::{
        admin::queries,
        auth::ssr::{password as pw, queries as auth_q},
    };
    serve(async move {
        let id = user_id;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let user = queries::user(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("User".into()))?;
        if user.is_saml_user {
            return Err(AppError::Validation(format!(
                "{} signs in through SSO; their password is managed by your identity provider.",
                user.email
            )));
        }
        let theirs = crate::auth::ssr::queries::tenant_permissions(&mut tx, id).await?;
        crate::admin::ensure_within_own_permissions(
            &caller,
            &mut tx,
            &theirs,
            "reset the password of someone who holds permissions you do not",
        )
        .await?;
        pw::check_policy(&password, &user.email, caller.state.settings.auth.password_min_length)?;
        let hash = pw::hash(password).await?;
        queries::set_password(&mut tx, id, &hash).await?;
        let ended = auth_q::end_sessions(&mut tx, id, None, "password_change").await?;
        let event = AuditEvent::new(
            AuditAction::PasswordChange,
            "user",
            Some(id.as_uuid()),
            format!("Administrator reset the password of {}", user.email),
        )
        .after(serde_json::json!({ "sessions_ended": ended.len() }))
        .risk(RiskLevel::High);
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// Gives a user a role, tenant-wide or on one project, optionally until a date (YYYY-MM-DD, end of day UTC).
#[server(prefix = "/api", endpoint = "admin/users/assign-role")]
pub async fn assign_role(
    user_id: UserId,
    role_id: RoleId,
    project_id: Option<String>,
    expires_on: Option<String>,
) -> Result<(), AppError> {
    use crate::server_prelude::*;
    use crate::{admin::queries, ids::ProjectId, input::parse_id};
    serve(async move {
        let id = user_id;
        let role = role_id;
        let project: Option<ProjectId> =
            project_id.filter(|p| !p.trim().is_empty()).map(|p| parse_id("Project", &p)).transpose()?;
        let expires_at = match expires_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(raw) => {
                let date = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| AppError::Validation(format!("\"{raw}\" is not a date; use YYYY-MM-DD.")))?;
                let end = date.and_hms_opt(23, 59, 59).map(|t| t.and_utc());
                if end.is_none_or(|e| e <= chrono::Utc::now()) {
                    return Err(AppError::Validation("The end date must be today or later.".into()));
                }
                end
            }
        };
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let user = queries::user(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("User".into()))?;
        let role = queries::role(&mut tx, role).await?.ok_or_else(|| AppError::NotFound("Role".into()))?;
        crate::admin::ensure_within_own_permissions(
            &caller,
            &mut tx,
            &role.permissions,
            "give a role with permissions you do not hold yourself",
        )
        .await?;
        if let Some(p) = project
            && !queries::project_exists(&mut tx, p).await?
        {
            return Err(AppError::NotFound("Project".into()));
        }
        let added = queries::insert_assignment(&mut tx, id, role.id, project, expires_at, caller.user.id).await?;
        let Some(assignment) = added else {
            return Err(AppError::Conflict(format!("{} already has the role {} there.", user.email, role.name)));
        };
        let scope = project.map(|p| p.to_string()).unwrap_or_else(|| "tenant".into());
        let event = AuditEvent::new(
            AuditAction::PermissionChange,
            "user_role",
            Some(assignment),
            format!("Gave {} the role {}", user.email, role.name),
        )
        .after(serde_json::json!({ "user": user.email, "role": role.name, "scope": scope, "expires_at": expires_at }))
        .risk(RiskLevel::Medium);
        caller.audit(&mut tx, event).await?;
        crate::auth::ssr::session::enforce_mfa_policy_on_live_sessions(&caller, &mut tx).await?;
        caller.commit(tx).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/users/remove-role")]
pub async fn remove_role_assignment(user_id: UserId, assignment_id: uuid::Uuid) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = user_id;
        let assignment = assignment_id;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        // Looked at (and locked) first: whether the caller may take it away is judged on what they hold now.
        let found: Option<(String, sqlx::types::Json<Vec<String>>, bool, bool)> = sqlx::query_as(
            "SELECT r.name, r.permissions, ur.opportunity_project_id IS NULL, ur.granted_by_sso FROM user_roles ur \
               JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id \
              WHERE ur.id = $1 AND ur.user_id = $2 FOR UPDATE OF ur",
        )
        .bind(assignment)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((role_name, permissions, tenant_wide, by_sso)) = found else {
            return Err(AppError::NotFound("Role assignment".into()));
        };
        let permissions = crate::auth::Permission::from_stored(&permissions.0);
        if tenant_wide {
            crate::admin::ensure_within_own_permissions(
                &caller,
                &mut tx,
                &permissions,
                "take away a role with permissions you do not hold yourself",
            )
            .await?;
        }
        let role_id: Option<crate::ids::RoleId> =
            sqlx::query_scalar("DELETE FROM user_roles WHERE id = $1 RETURNING role_id")
                .bind(assignment)
                .fetch_optional(&mut *tx)
                .await?;
        if tenant_wide {
            crate::admin::ensure_admins_remain(&mut tx, &permissions).await?;
        }
        // A deliberate demotion of an SSO user holds: their next sign-in does not give the role back.
        if by_sso && let Some(role_id) = role_id {
            sqlx::query(
                "INSERT INTO sso_role_suppressions (tenant_id, user_id, role_id, suppressed_by) \
                 VALUES (app_current_tenant_id(), $1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(role_id)
            .bind(caller.user.id)
            .execute(&mut *tx)
            .await?;
        }
        let kept_off = if by_sso { " (given by SSO; later sign-ins will not give it back)" } else { "" };
        let event = AuditEvent::new(
            AuditAction::PermissionChange,
            "user_role",
            Some(assignment),
            format!("Removed the role {role_name}{kept_off}"),
        )
        .before(serde_json::json!({ "user_id": id, "role": role_name, "granted_by_sso": by_sso }))
        .risk(RiskLevel::Medium);
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// Ends one of a user's sessions, or all of them.
#[server(prefix = "/api", endpoint = "admin/users/end-sessions")]
pub async fn end_user_sessions(user_id: UserId, session_id: Option<String>) -> Result<usize, AppError> {
    use crate::server_prelude::*;
    use crate::{admin::queries, auth::ssr::queries as auth_q, input::parse_id};
    serve(async move {
        let id = user_id;
        let only: Option<uuid::Uuid> =
            session_id.filter(|s| !s.trim().is_empty()).map(|s| parse_id("Session", &s)).transpose()?;
        let (caller, mut tx) = Caller::start(Permission::AdminUsers, Resource::Tenant).await?;
        let user = queries::user(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("User".into()))?;
        let ended = auth_q::end_sessions(&mut tx, id, only, "admin_revoke").await?;
        if only.is_some() && ended.is_empty() {
            return Err(AppError::NotFound("Session".into()));
        }
        for session in &ended {
            let event = AuditEvent::new(
                AuditAction::SessionEnd,
                "user_session",
                Some(*session),
                format!("Administrator ended a session of {}", user.email),
            )
            .after(serde_json::json!({ "reason": "admin_revoke" }))
            .risk(RiskLevel::Medium);
            caller.audit(&mut tx, event).await?;
        }
        caller.commit(tx).await?;
        Ok(ended.len())
    })
    .await
}
