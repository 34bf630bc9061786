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

/// Migration 0015 was edited after it first landed (stop 17) and has since been restored to its original
/// text, with the edits moved into 0016 (written so that it also applies over the edited 0015). A database
/// migrated in between recorded the edited text's checksum; this is that checksum (SHA-384, as sqlx keeps it).
pub const EDITED_0015_CHECKSUM: &str =
    "9d6c9c631104702086d98f5a851e0639826fe19b083eed15f6c8c2e5f5f92587855183d4e0fe552630007ac2516e5054";

pub async fn migrate(owner: &PgPool) -> Result<(), DatabaseError> {
    accept_restored_0015(owner).await.map_err(sqlx::migrate::MigrateError::Execute)?;
    MIGRATOR.run(owner).await?;
    Ok(())
}

/// Records the restored 0015's checksum where the edited one was applied, so such a database migrates on
/// (0016 then brings nothing it does not have) instead of refusing to start. Idempotent; any other checksum
/// is left for the migrator to judge.
async fn accept_restored_0015(owner: &PgPool) -> Result<(), sqlx::Error> {
    let Some(restored) = MIGRATOR.iter().find(|m| m.version == 15) else { return Ok(()) };
    let Ok(edited) = hex::decode(EDITED_0015_CHECKSUM) else { return Ok(()) };
    let recorded: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(owner).await?;
    if recorded {
        sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 15 AND checksum = $2")
            .bind(restored.checksum.as_ref())
            .bind(edited)
            .execute(owner)
            .await?;
    }
    Ok(())
}
