//! GET /healthz: 200 when the server can reach the database as the application role and write to document
//! storage; 503 (saying which is down) otherwise.

use app::state::AppState;
use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;
use std::time::Duration;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
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
    (
        status,
        Json(json!({ "status": if healthy { "ok" } else { "unavailable" }, "database": database, "storage": storage })),
    )
}

/// `SELECT 1` as the app role, in a transaction like every statement it runs.
async fn probe_database(pool: &sqlx::PgPool) -> Result<i32, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let one = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(one)
}
