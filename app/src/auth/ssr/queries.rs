//! The SQL of sign-in, sessions and authorization. Each takes the caller's tenant-scoped transaction.

use crate::{
    db::Tx,
    ids::{ProjectId, UserId},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What sign-in needs to know about a user.
#[derive(Debug, sqlx::FromRow)]
pub struct Credentials {
    pub id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: Option<String>,
    pub is_active: bool,
    pub is_saml_user: bool,
    pub failed_login_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub mfa_enabled: bool,
    pub mfa_secret_encrypted: Option<Vec<u8>>,
    pub mfa_pending_secret_encrypted: Option<Vec<u8>>,
    pub mfa_last_used_step: Option<i64>,
}

const CREDENTIALS: &str = "SELECT id, email, first_name, last_name, password_hash, is_active, is_saml_user, \
     failed_login_attempts, locked_until, mfa_enabled, mfa_secret_encrypted, mfa_pending_secret_encrypted, \
     mfa_last_used_step FROM users";

/// Reads a user's credentials without locking: a password is verified (Argon2, tens of milliseconds)
/// with no row lock and no pooled connection held; failures are then counted by one atomic UPDATE.
pub async fn credentials_by_email(tx: &mut Tx, email: &str) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(&format!("{CREDENTIALS} WHERE email = $1")).bind(email).fetch_optional(&mut **tx).await
}

/// The same, by id, without a lock (for re-checking a signed-in person's password).
pub async fn credentials_of(tx: &mut Tx, user: UserId) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(&format!("{CREDENTIALS} WHERE id = $1")).bind(user).fetch_optional(&mut **tx).await
}

/// Locks the row: a second-factor code (cheap to check) is accepted at most once across concurrent tries.
pub async fn credentials_by_id(tx: &mut Tx, user: UserId) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(&format!("{CREDENTIALS} WHERE id = $1 FOR UPDATE")).bind(user).fetch_optional(&mut **tx).await
}

/// A failure against a known account, for administrators to see: the count of failures since the last
/// success, and, when a failure locks it from an address, until when (the lock itself is per address:
/// `lockout`). One statement, so concurrent failures each count.
pub async fn note_failure(tx: &mut Tx, user: UserId, locked_until: Option<DateTime<Utc>>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET failed_login_attempts = failed_login_attempts + 1, \
                locked_until = CASE WHEN $2::timestamptz IS NULL THEN locked_until ELSE greatest(locked_until, $2) END \
          WHERE id = $1",
    )
    .bind(user)
    .bind(locked_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A successful sign-in: the failure count and any lock are cleared, last_login_at kept.
pub async fn record_success(tx: &mut Tx, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET failed_login_attempts = 0, locked_until = NULL, last_login_at = now() WHERE id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub struct NewSession<'a> {
    pub id: Uuid,
    pub user: UserId,
    pub token_hash: &'a str,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<&'a str>,
    pub mfa_verified: bool,
}

pub async fn insert_session(tx: &mut Tx, s: NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_sessions (id, tenant_id, user_id, session_token_hash, expires_at, ip_address, user_agent, \
         mfa_verified) VALUES ($1, app_current_tenant_id(), $2, $3, $4, $5::inet, $6, $7)",
    )
    .bind(s.id)
    .bind(s.user)
    .bind(s.token_hash)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent.map(|ua| ua.chars().take(1000).collect::<String>()))
    .bind(s.mfa_verified)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A session with its user and tenant, for checking on every request.
#[derive(Debug, sqlx::FromRow)]
pub struct LiveSession {
    pub id: Uuid,
    pub session_token_hash: String,
    pub is_active: bool,
    pub last_activity_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub mfa_verified: bool,
    pub user_id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub user_active: bool,
    pub tenant_name: String,
    pub subdomain: String,
    pub tenant_active: bool,
    pub subscription_status: crate::domain::SubscriptionStatus,
}

pub async fn live_session(tx: &mut Tx, id: Uuid) -> Result<Option<LiveSession>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.session_token_hash, s.is_active, s.last_activity_at, s.expires_at, s.mfa_verified, \
                u.id AS user_id, u.email, u.first_name, u.last_name, u.is_active AS user_active, \
                t.name AS tenant_name, t.subdomain, t.is_active AS tenant_active, t.subscription_status \
           FROM user_sessions s \
           JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
           JOIN tenants t ON t.id = s.tenant_id \
          WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn touch_session(tx: &mut Tx, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_sessions SET last_activity_at = now() WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// Ends sessions (one, or all of a user's) and drops their server-side records. Returns the ended ids.
pub async fn end_sessions(
    tx: &mut Tx,
    user: UserId,
    only: Option<Uuid>,
    reason: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let ended: Vec<(Uuid, String)> = sqlx::query_as(
        "UPDATE user_sessions SET is_active = false, terminated_at = now(), termination_reason = $3 \
          WHERE user_id = $1 AND is_active AND ($2::uuid IS NULL OR id = $2) RETURNING id, session_token_hash",
    )
    .bind(user)
    .bind(only)
    .bind(reason)
    .fetch_all(&mut **tx)
    .await?;
    let hashes: Vec<&str> = ended.iter().map(|(_, h)| h.as_str()).collect();
    sqlx::query("DELETE FROM http_sessions WHERE id_hash = ANY($1)").bind(&hashes).execute(&mut **tx).await?;
    Ok(ended.into_iter().map(|(id, _)| id).collect())
}

/// One role assignment that applies to the request: tenant-wide, or for the project asked about.
#[derive(Debug, sqlx::FromRow)]
pub struct Grant {
    pub role_name: String,
    pub permissions: sqlx::types::Json<Vec<String>>,
}

/// The roles (with their permissions) user `$1` holds tenant-wide or on project `$2`, unexpired. Public for
/// the pages benchmark, which runs the same text under pgbench.
pub const GRANTS_SQL: &str = "SELECT r.name AS role_name, r.permissions FROM user_roles ur \
       JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id \
      WHERE ur.user_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > now()) \
        AND (ur.opportunity_project_id IS NULL OR ur.opportunity_project_id = $2) \
      ORDER BY ur.opportunity_project_id NULLS FIRST, r.name";

pub async fn grants(tx: &mut Tx, user: UserId, project: Option<ProjectId>) -> Result<Vec<Grant>, sqlx::Error> {
    sqlx::query_as(GRANTS_SQL).bind(user).bind(project).fetch_all(&mut **tx).await
}

/// The permissions `user` holds tenant-wide (unexpired roles only).
pub async fn tenant_permissions(tx: &mut Tx, user: UserId) -> Result<Vec<crate::auth::Permission>, sqlx::Error> {
    Ok(grants(tx, user, None).await?.iter().flat_map(Grant::parsed).collect())
}

impl Grant {
    /// The role's permissions that are in the catalogue (unknown names grant nothing).
    pub fn parsed(&self) -> Vec<crate::auth::Permission> {
        crate::auth::Permission::from_stored(&self.permissions.0)
    }
}

pub async fn mfa_requirement(tx: &mut Tx) -> Result<String, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT mfa_required FROM tenant_security_policies").fetch_optional(&mut **tx).await?;
    Ok(row.map(|r| r.0).unwrap_or_else(|| "off".to_string()))
}

/// Whether the tenant's policy requires a second factor of `user` (everyone, or admins and they hold an
/// admin permission tenant-wide).
pub async fn mfa_required_of(tx: &mut Tx, user: UserId) -> Result<bool, sqlx::Error> {
    Ok(match mfa_requirement(tx).await?.as_str() {
        "everyone" => true,
        "admins" => tenant_permissions(tx, user).await?.iter().any(|p| p.is_admin()),
        _ => false,
    })
}

/// Ends every live session that the tenant's MFA policy no longer allows (signed in without a second factor,
/// by someone the policy now covers), except `keep`; returns (session, user) of each. Run after anything
/// that can widen the policy's reach: the policy itself, a role given, a role's permissions changed.
pub async fn end_sessions_short_of_mfa_policy(
    tx: &mut Tx,
    keep: Option<Uuid>,
) -> Result<Vec<(Uuid, UserId)>, sqlx::Error> {
    let short: Vec<(Uuid, UserId)> = sqlx::query_as(
        "WITH policy AS (SELECT coalesce((SELECT mfa_required FROM tenant_security_policies), 'off') AS p), \
         covered AS ( \
           SELECT u.id FROM users u WHERE (SELECT p FROM policy) = 'everyone' \
           UNION \
           SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id \
            WHERE (SELECT p FROM policy) = 'admins' AND ur.opportunity_project_id IS NULL \
              AND (ur.expires_at IS NULL OR ur.expires_at > now()) \
              AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(r.permissions) x WHERE x LIKE 'admin.%')) \
         SELECT s.id, s.user_id FROM user_sessions s \
          WHERE s.is_active AND NOT s.mfa_verified AND s.user_id IN (SELECT id FROM covered) \
            AND ($1::uuid IS NULL OR s.id <> $1)",
    )
    .bind(keep)
    .fetch_all(&mut **tx)
    .await?;
    for (session, user) in &short {
        end_sessions(tx, *user, Some(*session), "admin_revoke").await?;
    }
    Ok(short)
}
