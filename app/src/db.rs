//! The one way to touch tenant data: a transaction that first sets the tenant (and user) for RLS.
//!
//! `set_config(..., true)` is transaction-local, so the setting can never leak to the next user of a pooled
//! connection, and it works behind a transaction-mode pooler (pgbouncer).

use crate::ids::{TenantId, UserId};
use sqlx::{PgPool, Postgres, Transaction};

pub type Tx = Transaction<'static, Postgres>;

/// Begins a transaction scoped to `tenant` (and `user`, if a person is acting), in one round trip: BEGIN and
/// the settings go as one simple-protocol query. Only UUIDs are written into its text (hex digits and
/// dashes, by their type), so nothing a user typed can reach it.
pub async fn begin_tenant_tx(pool: &PgPool, tenant: TenantId, user: Option<UserId>) -> Result<Tx, sqlx::Error> {
    let user = user.map(|u| u.as_uuid().hyphenated().to_string()).unwrap_or_default();
    pool.begin_with(format!(
        "BEGIN; SELECT set_config('app.current_tenant_id', '{}', true), set_config('app.current_user_id', '{user}', true)",
        tenant.as_uuid().hyphenated()
    ))
    .await
}

/// Scopes an already open transaction (used by work that visits several tenants, one at a time).
pub async fn set_tenant(tx: &mut Tx, tenant: TenantId, user: Option<UserId>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.current_tenant_id', $1, true), set_config('app.current_user_id', $2, true)")
        .bind(tenant.to_string())
        .bind(user.map(|u| u.to_string()).unwrap_or_default())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
