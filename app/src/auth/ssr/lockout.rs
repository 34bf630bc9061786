//! The lockout (AC-7), per account and client address. Failures are counted by the email typed, whether or
//! not such an account exists (unknown and known accounts get the same answers), and from the address that
//! failed: an attacker elsewhere cannot keep a person out of their own account. An attacker with many
//! addresses is held by each address's lock and by the per-address rate limit (`throttle`).
//!
//! An attempt reserves its failure before the password is verified (under a transaction-scoped advisory lock
//! on the account and address), so concurrent guesses cannot slip past the threshold while Argon2 runs; a
//! correct password then clears the address's failures.

use crate::{db::Tx, state::AuthSettings};
use chrono::{DateTime, Utc};
use std::net::IpAddr;

/// Whom an attempt is about: the email as typed (lower-cased) and where it came from.
#[derive(Debug, Clone)]
pub struct AttemptKey {
    pub email: String,
    pub ip: Option<IpAddr>,
}

/// What a reservation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The account is locked from this address until then: do not verify anything.
    Locked(DateTime<Utc>),
    /// As many attempts as the threshold are being verified right now from this address: wait a moment.
    Busy,
    /// Go ahead (`failed` or `succeeded` settles it).
    Attempt { id: i64 },
}

/// Failures settled in the window, and attempts still being verified (a reservation older than a minute
/// belongs to a request that died: it no longer holds anything).
const LOCKED_UNTIL: &str = "SELECT failed_at + $3 FROM sign_in_failures \
     WHERE email = $1 AND ip_address IS NOT DISTINCT FROM $2::inet AND NOT pending AND failed_at > now() - $3 \
     ORDER BY failed_at DESC OFFSET $4 LIMIT 1";

/// When the lock of this account from this address ends, if it is locked.
pub async fn locked_until(
    tx: &mut Tx,
    key: &AttemptKey,
    settings: &AuthSettings,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(LOCKED_UNTIL)
        .bind(&key.email)
        .bind(key.ip.map(|ip| ip.to_string()))
        .bind(settings.lockout_duration)
        .bind(i64::from(settings.lockout_threshold.max(1) - 1))
        .fetch_optional(&mut **tx)
        .await
}

/// Checks the lock and, if there is none, reserves this attempt until it proves a failure or a success.
/// Commit the transaction before verifying: the reservation must be visible to concurrent attempts.
pub async fn reserve(tx: &mut Tx, key: &AttemptKey, settings: &AuthSettings) -> Result<Reservation, sqlx::Error> {
    lock(tx, key).await?;
    if let Some(until) = locked_until(tx, key, settings).await? {
        return Ok(Reservation::Locked(until));
    }
    let (settled, in_flight): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE NOT pending AND failed_at > now() - $3), \
                count(*) FILTER (WHERE pending AND failed_at > now() - interval '1 minute') \
           FROM sign_in_failures WHERE email = $1 AND ip_address IS NOT DISTINCT FROM $2::inet",
    )
    .bind(&key.email)
    .bind(key.ip.map(|ip| ip.to_string()))
    .bind(settings.lockout_duration)
    .fetch_one(&mut **tx)
    .await?;
    if settled + in_flight >= i64::from(settings.lockout_threshold) {
        return Ok(Reservation::Busy);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (tenant_id, email, ip_address) VALUES (app_current_tenant_id(), $1, $2::inet) RETURNING id",
    )
    .bind(&key.email)
    .bind(key.ip.map(|ip| ip.to_string()))
    .fetch_one(&mut **tx)
    .await?;
    Ok(Reservation::Attempt { id })
}

/// The attempt failed: its reservation becomes a failure, counted from now. Returns how many failures are
/// now settled in the window (under the same lock as reservations: exactly one failure is the threshold-th).
async fn failed(tx: &mut Tx, key: &AttemptKey, reservation: i64, settings: &AuthSettings) -> Result<i64, sqlx::Error> {
    lock(tx, key).await?;
    sqlx::query("UPDATE sign_in_failures SET pending = false, failed_at = now() WHERE id = $1")
        .bind(reservation)
        .execute(&mut **tx)
        .await?;
    sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_failures \
          WHERE email = $1 AND ip_address IS NOT DISTINCT FROM $2::inet AND NOT pending AND failed_at > now() - $3",
    )
    .bind(&key.email)
    .bind(key.ip.map(|ip| ip.to_string()))
    .bind(settings.lockout_duration)
    .fetch_one(&mut **tx)
    .await
}

/// Serializes reservations and settlements of one account from one address (until the transaction ends).
async fn lock(tx: &mut Tx, key: &AttemptKey) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended(app_current_tenant_id()::text || ' ' || $1 || ' ' || coalesce($2, ''), 7))")
        .bind(&key.email)
        .bind(key.ip.map(|ip| ip.to_string()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a settled failure means for the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Failures settled in the window, this one included.
    pub position: i64,
    /// The lock now in force from this address, if any.
    pub locked_until: Option<DateTime<Utc>>,
    /// This failure is the one that locked it (settlements are serialized, so exactly one is).
    pub newly_locked: bool,
}

/// Settles a failed attempt: the reservation becomes a failure, a known account's counters for
/// administrators are updated, and the caller learns whether it locked (and audits what it needs to).
pub async fn settle_failure(
    tx: &mut Tx,
    key: &AttemptKey,
    reservation: i64,
    user: Option<crate::ids::UserId>,
    settings: &AuthSettings,
) -> Result<Settled, sqlx::Error> {
    let position = failed(tx, key, reservation, settings).await?;
    let locked_until = locked_until(tx, key, settings).await?;
    let newly_locked = locked_until.is_some() && position == i64::from(settings.lockout_threshold);
    if let Some(user) = user {
        super::queries::note_failure(tx, user, locked_until.filter(|_| newly_locked)).await?;
    }
    Ok(Settled { position, locked_until, newly_locked })
}

/// The attempt succeeded: the address's failures against the account are forgotten, with this reservation
/// (other attempts in flight keep theirs).
pub async fn succeeded(tx: &mut Tx, key: &AttemptKey, reservation: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1 AND ip_address IS NOT DISTINCT FROM $2::inet AND (NOT pending OR id = $3)")
        .bind(&key.email)
        .bind(key.ip.map(|ip| ip.to_string()))
        .bind(reservation)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The answer to an attempt that found others in flight.
pub fn busy() -> crate::error::AppError {
    crate::error::AppError::TooManyRequests(
        "Several sign-ins to this account are in progress from your network. Wait a moment, then try again.".into(),
    )
}

/// An administrator's unlock: every address's failures against the account are forgotten.
pub async fn unlock(tx: &mut Tx, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1").bind(email).execute(&mut **tx).await?;
    Ok(())
}

/// The message for a locked account: the same whether or not the account exists.
pub fn locked_message(until: DateTime<Utc>) -> String {
    let minutes = (until - Utc::now()).num_minutes().max(0) + 1;
    format!(
        "Sign-in to this account from your network is locked after too many failed sign-ins. Try again in {minutes} minute{}, or ask an administrator to unlock it.",
        if minutes == 1 { "" } else { "s" }
    )
}
