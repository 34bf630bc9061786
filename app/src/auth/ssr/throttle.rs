//! Sign-in rate limiting per client address, shared by every app server through PostgreSQL.

use crate::{error::AppError, request::RequestContext};
use sqlx::PgPool;

/// Counts this attempt and refuses it when the address has made `per_minute` attempts in the last minute.
/// Requests without a known address (never the case behind the server's listener) are not limited.
pub async fn check_sign_in_rate(pool: &PgPool, request: &RequestContext, per_minute: i64) -> Result<(), AppError> {
    let Some(ip) = request.ip else { return Ok(()) };
    // In a transaction, like every statement of the app role: safe behind a transaction-mode pooler.
    let mut tx = pool.begin().await?;
    let (recent,): (i64,) = sqlx::query_as(
        "WITH attempt AS (INSERT INTO sign_in_attempts (ip_address) VALUES ($1::inet)) \
         SELECT count(*) FROM sign_in_attempts WHERE ip_address = $1::inet AND attempted_at > now() - interval '1 minute'",
    )
    .bind(ip.to_string())
    .fetch_one(&mut *tx)
    .await
    ?;
    tx.commit().await?;
    // The count does not see the row inserted by the same statement: this attempt is recent + 1.
    if recent >= per_minute {
        tracing::warn!(%ip, recent, "sign-in rate limit reached");
        return Err(AppError::TooManyRequests(
            "Too many sign-in attempts from your network. Wait a minute, then try again.".into(),
        ));
    }
    Ok(())
}
