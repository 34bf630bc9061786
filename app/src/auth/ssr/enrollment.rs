//! TOTP enrollment (at sign-in when policy requires it, or from the account page) and its recovery codes.

use super::{mfa, queries::Credentials};
use crate::{auth::MfaEnrollment, db::Tx, error::AppError, ids::UserId};
use chrono::Utc;

/// Creates a new secret, keeps it sealed as pending, and returns what the user scans. Any earlier pending
/// secret is replaced; an active one stays active until the new one is confirmed.
pub async fn start(
    tx: &mut Tx,
    key: &[u8; 32],
    user: UserId,
    issuer: &str,
    account: &str,
) -> Result<MfaEnrollment, sqlx::Error> {
    let secret = mfa::new_secret();
    let sealed = mfa::seal(key, &secret).map_err(|_| sqlx::Error::Protocol("sealing the MFA secret failed".into()))?;
    sqlx::query("UPDATE users SET mfa_pending_secret_encrypted = $2 WHERE id = $1")
        .bind(user)
        .bind(sealed)
        .execute(&mut **tx)
        .await?;
    let uri = mfa::provisioning_uri(&secret, issuer, account);
    let qr_svg = mfa::qr_svg(&uri).map_err(|_| sqlx::Error::Protocol("rendering the QR code failed".into()))?;
    Ok(MfaEnrollment { secret: group_in_fours(&mfa::secret_base32(&secret)), qr_svg, account: account.to_string() })
}

fn group_in_fours(text: &str) -> String {
    text.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// Confirms a pending enrollment with a code from the app: MFA is on, the secret moves from pending to
/// active, and ten new recovery codes replace any earlier ones. Returns the codes (shown once).
pub async fn confirm(tx: &mut Tx, key: &[u8; 32], user: &Credentials, code: &str) -> Result<Vec<String>, AppError> {
    let pending = user.mfa_pending_secret_encrypted.as_deref().ok_or_else(|| {
        AppError::Validation("There is no authenticator setup in progress. Start the setup again.".into())
    })?;
    let secret = mfa::open(key, pending)?;
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    let step = mfa::matching_step(&secret, code, now)?.ok_or_else(|| {
        AppError::Validation(
            "That code does not match. Check that your device's clock is right and enter the current 6-digit code."
                .into(),
        )
    })?;
    let internal = |e: sqlx::Error| AppError::internal(&e, "mfa-confirm");
    sqlx::query(
        "UPDATE users SET mfa_enabled = true, mfa_secret_encrypted = mfa_pending_secret_encrypted, \
         mfa_pending_secret_encrypted = NULL, mfa_last_used_step = $2 WHERE id = $1",
    )
    .bind(user.id)
    .bind(step)
    .execute(&mut **tx)
    .await
    .map_err(internal)?;
    replace_recovery_codes(tx, user.id).await.map_err(internal)
}

/// Ten fresh recovery codes; the old unused ones stop working.
pub async fn replace_recovery_codes(tx: &mut Tx, user: UserId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("UPDATE user_recovery_codes SET used_at = now() WHERE user_id = $1 AND used_at IS NULL")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    let codes = mfa::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| mfa::recovery_code_hash(c)).collect();
    sqlx::query(
        "INSERT INTO user_recovery_codes (tenant_id, user_id, code_hash) \
         SELECT app_current_tenant_id(), $1, h FROM unnest($2::text[]) AS h ON CONFLICT DO NOTHING",
    )
    .bind(user)
    .bind(&hashes)
    .execute(&mut **tx)
    .await?;
    Ok(codes)
}

/// Uses a recovery code once. True when it was valid and unused.
pub async fn use_recovery_code(tx: &mut Tx, user: UserId, code: &str) -> Result<bool, sqlx::Error> {
    let used = sqlx::query(
        "UPDATE user_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(mfa::recovery_code_hash(code))
    .execute(&mut **tx)
    .await?;
    Ok(used.rows_affected() == 1)
}

/// What a TOTP code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCode {
    Accepted,
    /// Right for now, but its step was already accepted: a replay, or the person typed it twice.
    UsedBefore,
    Wrong,
}

/// Accepts a TOTP code not used before (its step is later than the last accepted one).
pub async fn use_totp_code(tx: &mut Tx, key: &[u8; 32], user: &Credentials, code: &str) -> Result<TotpCode, AppError> {
    let Some(sealed) = user.mfa_secret_encrypted.as_deref() else { return Ok(TotpCode::Wrong) };
    let secret = mfa::open(key, sealed)?;
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    let Some(step) = mfa::matching_step(&secret, code, now)? else { return Ok(TotpCode::Wrong) };
    if user.mfa_last_used_step.is_some_and(|last| step <= last) {
        return Ok(TotpCode::UsedBefore);
    }
    sqlx::query("UPDATE users SET mfa_last_used_step = $2 WHERE id = $1")
        .bind(user.id)
        .bind(step)
        .execute(&mut **tx)
        .await
        .map_err(|e| AppError::internal(&e, "mfa-step"))?;
    Ok(TotpCode::Accepted)
}
