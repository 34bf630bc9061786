//! Background upkeep, every minute: idle and expired sessions end (with audit rows); stale session records,
//! sign-in attempts and SAML requests are dropped; files announced for uploads that never recorded a
//! document (the server died, or the database failed, after the write) are deleted, and so are partial
//! files of writes a crash cut short.

use app::{auth::ssr::door, documents::queries, ids::TenantId, state::AppState, storage::StorageKey};
use std::time::Duration;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// An upload still unrecorded after this long has failed (the largest allowed file at a crawl takes less).
pub const ABANDONED_UPLOAD: Duration = Duration::from_secs(6 * 60 * 60);

pub fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match run_once(&state).await {
                Ok(0) => {}
                Ok(ended) => tracing::info!(ended, "ended idle or expired sessions"),
                Err(e) => tracing::warn!(error = %e, "auth housekeeping failed; retrying in a minute"),
            }
            match sweep_abandoned_uploads(&state, ABANDONED_UPLOAD).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed the files of abandoned uploads"),
                Err(e) => tracing::warn!(error = %e, "the abandoned-upload sweep failed; retrying in a minute"),
            }
            match state.storage.sweep_incomplete(ABANDONED_UPLOAD).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed partial files of interrupted writes"),
                Err(e) => tracing::warn!(error = %e, "the partial-file sweep failed; retrying in a minute"),
            }
        }
    })
}

/// One pass; returns how many sessions it ended.
pub async fn run_once(state: &AppState) -> Result<i32, sqlx::Error> {
    let idle_seconds = state.settings.auth.idle_timeout.num_seconds() as f64;
    let mut tx = state.pool.begin().await?;
    let (ended,): (i32,) = sqlx::query_as("SELECT auth_housekeeping(make_interval(secs => $1), interval '10 minutes')")
        .bind(idle_seconds)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Deletes the objects of uploads announced more than `older_than` ago and never linked to a document, then
/// their announcements. An object that cannot be deleted now keeps its row and is tried again next time.
pub async fn sweep_abandoned_uploads(state: &AppState, older_than: Duration) -> Result<usize, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let stale: Vec<(TenantId, Uuid, String, String)> = sqlx::query_as(
        "SELECT tenant_id, id, provider, storage_key FROM stale_storage_objects(make_interval(secs => $1), 100)",
    )
    .bind(older_than.as_secs_f64())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut removed = 0;
    for (tenant, id, provider, key) in stale {
        if provider != state.storage.provider().as_str() {
            // Written to the other backend (the configuration changed since): not ours to delete.
            continue;
        }
        if let Ok(key) = StorageKey::parse(&key)
            && let Err(e) = state.storage.delete(&key).await
        {
            tracing::warn!(error = ?e, %key, "could not delete the file of an abandoned upload");
            continue;
        }
        let mut tx = door::for_job(&state.pool, tenant).await?;
        queries::forget_object(&mut tx, id).await?;
        tx.commit().await?;
        removed += 1;
    }
    Ok(removed)
}
