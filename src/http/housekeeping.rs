//! Background upkeep of authentication state, every minute: idle and expired sessions end (with audit
//! rows), and stale session records, sign-in attempts and SAML requests are dropped.

use app::state::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;

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
        }
    })
}

/// One pass; returns how many sessions it ended.
pub async fn run_once(state: &AppState) -> Result<i32, sqlx::Error> {
    let idle_seconds = state.settings.auth.idle_timeout.num_seconds() as f64;
    let (ended,): (i32,) =
        sqlx::query_as("SELECT auth_housekeeping(make_interval(secs => $1), interval '10 minutes')")
            .bind(idle_seconds)
            .fetch_one(&state.pool)
            .await?;
    Ok(ended)
}
