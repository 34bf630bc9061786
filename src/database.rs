//! Connection pools and migrations.

use sqlx::{PgPool, postgres::PgPoolOptions};
use std::time::Duration;

/// Migrations compiled into the binary; applied by the owner at startup (idempotent, advisory-locked so
/// several instances may start at once).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("could not connect to PostgreSQL as {role}")]
    Connect {
        role: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("applying migrations failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub async fn connect(
    options: &sqlx::postgres::PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, DatabaseError> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(600))
        .connect_with(options.clone())
        .await
        .map_err(|source| DatabaseError::Connect { role: options.get_username().to_string(), source })
}

pub async fn migrate(owner: &PgPool) -> Result<(), DatabaseError> {
    MIGRATOR.run(owner).await?;
    Ok(())
}
