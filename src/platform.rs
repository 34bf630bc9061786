//! Platform operations for operators (not tenant admins): creating a tenant with its system roles and its
//! first administrator. Runs as the owner, through the same tenant-scoped transaction as requests.

use app::{
    auth::ssr::door::scope_for_job,
    auth::ssr::password,
    db::Tx,
    ids::{RoleId, TenantId, UserId},
    roles::SystemRole,
    tenancy::subdomain_of,
};
use serde_json::json;
use sqlx::PgPool;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("{0}")]
    Invalid(String),
    #[error("an organization with the ID \"{0}\" already exists")]
    SubdomainTaken(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

/// A new tenant and its first admin.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: String,
    pub subdomain: String,
    pub plan: String,
    pub max_users: i32,
    pub admin_email: String,
    pub admin_first_name: String,
    pub admin_last_name: String,
    pub admin_password: String,
}

impl NewTenant {
    fn validate(&self) -> Result<(), PlatformError> {
        let invalid = |m: &str| Err(PlatformError::Invalid(m.to_string()));
        if self.name.trim().is_empty() {
            return invalid("The organization name is required.");
        }
        if subdomain_of(&format!("{}.check", self.subdomain), "check").as_deref() != Some(self.subdomain.as_str()) {
            return invalid(
                "The organization ID must be lower-case letters, digits and inner hyphens (a DNS label), e.g. \"acme\".",
            );
        }
        if let Err(e) = self.plan.parse::<app::domain::PlanType>() {
            return invalid(&format!("The plan: {e}."));
        }
        if self.max_users < 1 {
            return invalid("max users must be at least 1.");
        }
        let email = self.admin_email.trim();
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') || email.len() > 255 {
            return invalid("The admin email address is not valid.");
        }
        if self.admin_first_name.trim().is_empty() || self.admin_last_name.trim().is_empty() {
            return invalid("The admin's first and last name are required.");
        }
        password::check_policy(&self.admin_password, email, 12).map_err(|e| PlatformError::Invalid(e.to_string()))
    }
}

/// Inserts the five system roles of a tenant (in the tenant-scoped `tx`). Returns (role, id) pairs.
pub async fn insert_system_roles(tx: &mut Tx, tenant: TenantId) -> Result<Vec<(SystemRole, RoleId)>, sqlx::Error> {
    let mut ids = Vec::new();
    for role in SystemRole::ALL {
        let id: RoleId = sqlx::query_scalar(
            "INSERT INTO roles (tenant_id, name, description, is_system_role, permissions) \
             VALUES ($1, $2, $3, true, $4) RETURNING id",
        )
        .bind(tenant)
        .bind(role.label())
        .bind(role.description())
        .bind(json!(role.permissions()))
        .fetch_one(&mut **tx)
        .await?;
        ids.push((*role, id));
    }
    Ok(ids)
}

/// Creates the tenant, its roles and its admin, all or nothing. Returns the tenant and admin ids.
pub async fn create_tenant(owner: &PgPool, new: &NewTenant) -> Result<(TenantId, UserId), PlatformError> {
    new.validate()?;
    let hash = password::hash(new.admin_password.clone()).await.map_err(|e| PlatformError::Invalid(e.to_string()))?;
    let tenant = TenantId::new_random();
    let mut tx = owner.begin().await?;
    scope_for_job(&mut tx, tenant).await?;
    let inserted = sqlx::query(
        "INSERT INTO tenants (id, name, subdomain, plan_type, max_users, subscription_status) \
         VALUES ($1, $2, $3, $4, $5, 'active') ON CONFLICT (subdomain) DO NOTHING",
    )
    .bind(tenant)
    .bind(new.name.trim())
    .bind(&new.subdomain)
    .bind(&new.plan)
    .bind(new.max_users)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(PlatformError::SubdomainTaken(new.subdomain.clone()));
    }
    let roles = insert_system_roles(&mut tx, tenant).await?;
    let admin: UserId = sqlx::query_scalar(
        "INSERT INTO users (tenant_id, email, password_hash, first_name, last_name, email_verified) \
         VALUES ($1, $2, $3, $4, $5, true) RETURNING id",
    )
    .bind(tenant)
    .bind(new.admin_email.trim().to_lowercase())
    .bind(hash)
    .bind(new.admin_first_name.trim())
    .bind(new.admin_last_name.trim())
    .fetch_one(&mut *tx)
    .await?;
    let admin_role = roles.iter().find(|(r, _)| *r == SystemRole::TenantAdmin).map(|(_, id)| *id);
    sqlx::query("INSERT INTO user_roles (tenant_id, user_id, role_id, assigned_by_system) VALUES ($1, $2, $3, 'platform_admin')")
        .bind(tenant)
        .bind(admin)
        .bind(admin_role)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO audit_logs (tenant_id, system_actor, action_type, entity_type, entity_id, operation_description, after_values) \
         VALUES ($1, 'platform_admin', 'create', 'tenant', $1, $2, $3)",
    )
    .bind(tenant)
    .bind(format!("Tenant created with first admin {}", new.admin_email.trim().to_lowercase()))
    .bind(json!({ "name": new.name.trim(), "subdomain": new.subdomain, "plan": new.plan, "max_users": new.max_users }))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((tenant, admin))
}
