//! The door to tenant data. Every transaction on tenant data is opened here, scoped for row-level security
//! (`app.current_tenant_id`, `app.current_user_id`), and only these entries reach it:
//!
//! - `Caller::start` / `start_holding` / `enter` (a named permission on a resource, checked and refusals
//!   recorded), `Caller::look_up` (reads first, then the check hands the transaction over) and
//!   `Caller::again` (another transaction of an operation already checked);
//! - `Caller::own_account`: the signed-in person's own password, second factor and sessions;
//! - `Scope::begin` and the SSO sign-in: no user yet, only the tenant at the address;
//! - session checks on every request (auth::ssr::session);
//! - `for_job` / `scope_for_job` below: background jobs and operator tools in the server crate.
//!
//! `begin_tenant_tx` is visible inside `auth` only, so domain code cannot open an unchecked transaction,
//! and the layering test (src/layers.rs) refuses a domain module that names this module. A transaction from
//! the bare pool sees no tenant rows at all (RLS is forced on every tenant table).
//!
//! `set_config(..., true)` is transaction-local, so the setting never leaks to the next user of a pooled
//! connection, and it works behind a transaction-mode pooler (pgbouncer).

use crate::{
    db::Tx,
    ids::{TenantId, UserId},
};
use sqlx::PgPool;

/// Begins a transaction scoped to `tenant` (and `user`, if a person is acting), in one round trip: BEGIN and
/// the settings go as one simple-protocol query. Only UUIDs are written into its text (hex digits and
/// dashes, by their type), so nothing a user typed can reach it.
pub(in crate::auth) async fn begin_tenant_tx(
    pool: &PgPool,
    tenant: TenantId,
    user: Option<UserId>,
) -> Result<Tx, sqlx::Error> {
    let user = user.map(|u| u.as_uuid().hyphenated().to_string()).unwrap_or_default();
    pool.begin_with(format!(
        "BEGIN; SELECT set_config('app.current_tenant_id', '{}', true), set_config('app.current_user_id', '{user}', true)",
        tenant.as_uuid().hyphenated()
    ))
    .await
}

/// Scopes an already open transaction to `tenant`: operator tools and the demo seeder, which visit several
/// tenants on the owner's connection, one at a time.
pub async fn scope_for_job(tx: &mut Tx, tenant: TenantId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.current_tenant_id', $1, true), set_config('app.current_user_id', '', true)")
        .bind(tenant.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A transaction scoped to `tenant` with no acting user: for background jobs (sessions housekeeping, text
/// extraction), never for a request.
pub async fn for_job(pool: &PgPool, tenant: TenantId) -> Result<Tx, sqlx::Error> {
    begin_tenant_tx(pool, tenant, None).await
}
