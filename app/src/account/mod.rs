//! The signed-in user's own account: password, two-step verification and sessions.

mod page;

pub use page::{AccountPage, SessionList};

use crate::{
    auth::{MfaEnrollment, RecoveryCodes, SessionSummary},
    error::AppError,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountInfo {
    pub name: String,
    pub email: String,
    pub is_saml_user: bool,
    pub mfa_enabled: bool,
    pub mfa_required: bool,
    pub recovery_codes_left: i64,
    pub password_changed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub sessions: Vec<SessionSummary>,
}

/// Re-checks a signed-in person's current password before a sensitive change. A wrong password counts
/// toward the address's sign-in rate and the account's lockout like a failed sign-in, and is audited; the
/// lock ends the session that guessed. Argon2 runs with no transaction open.
#[cfg(feature = "ssr")]
async fn recheck_password(
    caller: &crate::auth::ssr::Caller,
    current_password: String,
    action: &str,
) -> Result<crate::auth::ssr::queries::Credentials, AppError> {
    use crate::{
        audit::{AuditAction, AuditEvent, RiskLevel},
        auth::ssr::{lockout, password, queries, throttle},
    };
    let settings = &caller.state.settings.auth;
    throttle::check_sign_in_rate(&caller.state.pool, &caller.request, settings.sign_in_attempts_per_minute).await?;
    let key = lockout::AttemptKey { email: caller.user.email.clone(), ip: caller.request.ip };
    let mut tx = caller.own_account().await?;
    let user = queries::credentials_of(&mut tx, caller.user.id).await?.ok_or(AppError::Unauthenticated)?;
    if user.is_saml_user {
        return Err(AppError::Validation(
            "You sign in through SSO: your identity provider manages your password and second factor.".into(),
        ));
    }
    // Locked from here: the session that keeps guessing ends.
    let end_this_session = |mut tx: crate::db::Tx, until: chrono::DateTime<chrono::Utc>, newly: Option<i64>| async move {
        let ended = queries::end_sessions(&mut tx, user.id, Some(caller.user_session_id), "security_breach").await?;
        if let Some(attempts) = newly {
            let event = AuditEvent::new(
                AuditAction::Lockout,
                "user",
                Some(user.id.as_uuid()),
                format!("Locked after {attempts} wrong passwords ({action})"),
            )
            .after(serde_json::json!({ "locked_until": until, "sessions_ended": ended.len() }))
            .risk(RiskLevel::High);
            caller.audit(&mut tx, event).await?;
        }
        caller.commit(tx).await?;
        Err::<queries::Credentials, AppError>(AppError::SignInRefused(lockout::locked_message(until)))
    };
    let reservation = match lockout::reserve(&mut tx, &key, settings).await? {
        lockout::Reservation::Locked(until) => return end_this_session(tx, until, None).await,
        lockout::Reservation::Busy => return Err(lockout::busy()),
        lockout::Reservation::Attempt { id } => id,
    };
    caller.commit(tx).await?;
    let matched = password::verify(user.password_hash.clone(), current_password).await;
    let mut tx = caller.own_account().await?;
    if matched {
        lockout::succeeded(&mut tx, &key, reservation).await?;
        caller.commit(tx).await?;
        return Ok(user);
    }
    let lockout::Settled { position, locked_until: locked, newly_locked: newly } =
        lockout::settle_failure(&mut tx, &key, reservation, Some(user.id), settings).await?;
    let event = AuditEvent::new(
        AuditAction::LoginFailed,
        "user",
        Some(user.id.as_uuid()),
        format!("Wrong current password ({action})"),
    )
    .after(serde_json::json!({ "failed_attempts_from_address": position, "action": action }))
    .risk(RiskLevel::Medium);
    caller.audit(&mut tx, event).await?;
    if let Some(until) = locked {
        return end_this_session(tx, until, newly.then_some(position)).await;
    }
    caller.commit(tx).await?;
    Err(AppError::Validation("Your current password is not correct.".into()))
}

#[server(prefix = "/api", endpoint = "account/overview")]
pub async fn account_overview() -> Result<AccountInfo, AppError> {
    use crate::admin::queries;
    use crate::server_prelude::*;
    serve(async move {
        let caller = Caller::current().await?;
        let mut tx = caller.own_account().await?;
        let row: (bool, bool, Option<chrono::DateTime<chrono::Utc>>, i64) = sqlx::query_as(
            "SELECT is_saml_user, mfa_enabled, password_changed_at, \
                    (SELECT count(*) FROM user_recovery_codes c WHERE c.user_id = u.id AND c.used_at IS NULL) \
               FROM users u WHERE id = $1",
        )
        .bind(caller.user.id)
        .fetch_one(&mut *tx)
        .await?;
        let sessions = queries::sessions(&mut tx, caller.user.id, Some(caller.user_session_id)).await?;
        let policy = queries::mfa_requirement(&mut tx).await?;
        let is_admin = caller
            .permissions(&mut tx, crate::auth::ssr::Resource::Tenant)
            .await?
            .iter()
            .any(|(_, p)| p.iter().any(|p| p.is_admin()));
        caller.commit(tx).await?;
        Ok(AccountInfo {
            name: caller.user.name,
            email: caller.user.email,
            is_saml_user: row.0,
            mfa_enabled: row.1,
            mfa_required: policy == "everyone" || (policy == "admins" && is_admin),
            recovery_codes_left: row.3,
            password_changed_at: row.2,
            sessions,
        })
    })
    .await
}

/// Ends one of the caller's own sessions (not necessarily this one).
#[server(prefix = "/api", endpoint = "account/end-session")]
pub async fn end_my_session(session_id: uuid::Uuid) -> Result<(), AppError> {
    use crate::auth::ssr::queries;
    use crate::server_prelude::*;
    serve(async move {
        let id = session_id;
        let caller = Caller::current().await?;
        let mut tx = caller.own_account().await?;
        let ended = queries::end_sessions(&mut tx, caller.user.id, Some(id), "user_revoke").await?;
        if ended.is_empty() {
            return Err(AppError::NotFound("Session".into()));
        }
        let event =
            AuditEvent::new(AuditAction::SessionEnd, "user_session", Some(id), "Ended one of their own sessions")
                .after(serde_json::json!({ "reason": "user_revoke" }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// Changes the caller's password; their other sessions end.
#[server(prefix = "/api", endpoint = "account/change-password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::server_prelude::*;
    use crate::{
        admin::queries as admin_q,
        auth::ssr::{password, queries},
    };
    serve(async move {
        let caller = Caller::current().await?;
        let user = recheck_password(&caller, current_password, "change password").await?;
        password::check_policy(&new_password, &user.email, caller.state.settings.auth.password_min_length)?;
        let hash = password::hash(new_password).await?;
        let mut tx = caller.own_account().await?;
        admin_q::set_password(&mut tx, user.id, &hash).await?;
        let others: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM user_sessions WHERE user_id = $1 AND is_active AND id <> $2")
                .bind(user.id)
                .bind(caller.user_session_id)
                .fetch_all(&mut *tx)
                .await?;
        for other in &others {
            queries::end_sessions(&mut tx, user.id, Some(*other), "password_change").await?;
        }
        let event =
            AuditEvent::new(AuditAction::PasswordChange, "user", Some(user.id.as_uuid()), "Changed their password")
                .after(serde_json::json!({ "other_sessions_ended": others.len() }))
                .risk(RiskLevel::Medium);
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// Starts setting up an authenticator app (or replacing the current one). The password is asked again:
/// a borrowed session alone must not be able to swap the second factor.
#[server(prefix = "/api", endpoint = "account/mfa/start")]
pub async fn start_mfa_enrollment(current_password: String) -> Result<MfaEnrollment, AppError> {
    use crate::auth::ssr::enrollment;
    use crate::server_prelude::*;
    serve(async move {
        let caller = Caller::current().await?;
        recheck_password(&caller, current_password, "set up an authenticator").await?;
        let mut tx = caller.own_account().await?;
        let issuer = format!("GWM CRM ({})", caller.tenant.name);
        let enrollment = enrollment::start(
            &mut tx,
            caller.state.settings.auth.secret_key.expose(),
            caller.user.id,
            &issuer,
            &caller.user.email,
        )
        .await?;
        caller.commit(tx).await?;
        Ok(enrollment)
    })
    .await
}

#[server(prefix = "/api", endpoint = "account/mfa/confirm")]
pub async fn confirm_mfa_enrollment(code: String) -> Result<RecoveryCodes, AppError> {
    use crate::auth::ssr::{enrollment, queries};
    use crate::server_prelude::*;
    serve(async move {
        let caller = Caller::current().await?;
        let mut tx = caller.own_account().await?;
        let user = queries::credentials_by_id(&mut tx, caller.user.id).await?.ok_or(AppError::Unauthenticated)?;
        let codes = enrollment::confirm(&mut tx, caller.state.settings.auth.secret_key.expose(), &user, &code).await?;
        // A new authenticator ends every other session of the account.
        let others: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM user_sessions WHERE user_id = $1 AND is_active AND id <> $2")
                .bind(user.id)
                .bind(caller.user_session_id)
                .fetch_all(&mut *tx)
                .await?;
        for other in others {
            queries::end_sessions(&mut tx, user.id, Some(other), "security_breach").await?;
        }
        let event = AuditEvent::new(
            AuditAction::Update,
            "user",
            Some(user.id.as_uuid()),
            "Set up an authenticator app (MFA on)",
        )
        .after(serde_json::json!({ "mfa_enabled": true }))
        .risk(RiskLevel::Medium);
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await?;
        Ok(RecoveryCodes { codes, next: "/account".into() })
    })
    .await
}

/// Turns MFA off (password required), unless the tenant's policy requires it.
#[server(prefix = "/api", endpoint = "account/mfa/disable")]
pub async fn disable_mfa(current_password: String) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let overview = account_overview().await?;
        if overview.mfa_required {
            return Err(AppError::Validation("Your organization requires two-step verification, so it cannot be turned off.".into()));
        }
        let caller = Caller::current().await?;
        let user = recheck_password(&caller, current_password, "turn off two-step verification").await?;
        let mut tx = caller.own_account().await?;
        sqlx::query("UPDATE users SET mfa_enabled = false, mfa_secret_encrypted = NULL, mfa_pending_secret_encrypted = NULL WHERE id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await
            ?;
        sqlx::query("UPDATE user_recovery_codes SET used_at = now() WHERE user_id = $1 AND used_at IS NULL").bind(user.id).execute(&mut *tx).await?;
        caller.audit(&mut tx, AuditEvent::new(AuditAction::Update, "user", Some(user.id.as_uuid()), "Turned off two-step verification").risk(RiskLevel::High)).await?;
        caller.commit(tx).await
    })
    .await
}
