//! GET /healthz: 200 when the server can reach the database as the application role and write to document
//! storage; 503 (saying which is down) otherwise. `?details=1` adds the external sources of all tenants by
//! health (counts only), which never changes the status: a source that is down is the tenant's to fix.

use app::state::AppState;
use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn health(State(state): State<AppState>, Query(query): Query<HashMap<String, String>>) -> impl IntoResponse {
    let database = async {
        match tokio::time::timeout(PROBE_TIMEOUT, probe_database(&state.pool)).await {
            Ok(Ok(_)) => "ok",
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "health check: database error");
                "error"
            }
            Err(_) => {
                tracing::warn!("health check: database did not answer within 2 s");
                "timeout"
            }
        }
    };
    let storage = async {
        match tokio::time::timeout(PROBE_TIMEOUT, state.storage.check()).await {
            Ok(Ok(())) => "ok",
            Ok(Err(err)) => {
                tracing::warn!(error = ?err, "health check: document storage error");
                "error"
            }
            Err(_) => {
                tracing::warn!("health check: document storage did not answer within 2 s");
                "timeout"
            }
        }
    };
    let (database, storage) = tokio::join!(database, storage);
    let healthy = database == "ok" && storage == "ok";
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut body =
        json!({ "status": if healthy { "ok" } else { "unavailable" }, "database": database, "storage": storage });
    if query.get("details").is_some_and(|d| d == "1") && database == "ok" {
        body["sources"] = match tokio::time::timeout(PROBE_TIMEOUT, source_health(&state.pool)).await {
            Ok(Ok(counts)) => json!(counts),
            _ => json!("unavailable"),
        };
    }
    (status, Json(body))
}

/// Active sources of every tenant by connection status, and how many are paused.
async fn source_health(pool: &sqlx::PgPool) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CASE WHEN is_active THEN connection_status ELSE 'paused' END, sum(sources)::bigint \
           FROM sync_source_health() GROUP BY 1",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut counts: HashMap<String, i64> =
        ["healthy", "degraded", "down", "unknown", "paused"].into_iter().map(|s| (s.to_string(), 0)).collect();
    counts.extend(rows);
    Ok(counts)
}

/// `SELECT 1` as the app role, in a transaction like every statement it runs.
async fn probe_database(pool: &sqlx::PgPool) -> Result<i32, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let one = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(one)
}
