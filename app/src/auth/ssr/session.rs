//! Signed-in sessions: what the server-side session record holds, how a sign-in starts one (with a new
//! session id), and how every request checks it against user_sessions (idle timeout, absolute lifetime,
//! revocation, deactivated users and tenants).

use super::{
    door::begin_tenant_tx,
    queries,
    visitor::{SignedIn, UserRef},
};
use crate::{
    audit::{Actor, AuditAction, AuditEvent, ssr::record as audit_record},
    db::Tx,
    error::AppError,
    ids::{TenantId, UserId},
    request::RequestContext,
    state::{AppState, AuthSettings},
    tenancy::TenantRef,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_sessions::{Session, session::Id};
use uuid::Uuid;

const AUTH_KEY: &str = "auth";
const PENDING_KEY: &str = "pending_sign_in";
const SEEN_KEY: &str = "seen";

/// A session's activity is written at most this often (the idle timeout is measured in minutes).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// Who the session belongs to. Everything else is looked up, so revocation takes effect at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthRecord {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub user_session_id: Uuid,
}

/// A sign-in that has passed the password and waits for the second factor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// True while the user must first enroll (tenant policy requires MFA and they have none).
    pub enrolling: bool,
    pub started_at: DateTime<Utc>,
    pub next: String,
}

/// A pending sign-in must be finished within this time.
pub const PENDING_MINUTES: i64 = 10;

/// The stored form of a session token: SHA-256 of the cookie value. Neither the session store nor
/// user_sessions ever holds the token itself.
pub fn token_hash(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

/// The session store failed (its database is out of reach, or a record would not decode): "try again".
impl From<tower_sessions::session::Error> for AppError {
    #[track_caller]
    fn from(err: tower_sessions::session::Error) -> AppError {
        tracing::error!(at = %std::panic::Location::caller(), error = %err, "session store failed");
        AppError::Unavailable
    }
}

pub async fn pending(session: &Session) -> Result<Option<PendingSignIn>, AppError> {
    let pending: Option<PendingSignIn> = session.get(PENDING_KEY).await?;
    Ok(pending.filter(|p| Utc::now() - p.started_at < chrono::Duration::minutes(PENDING_MINUTES)))
}

pub async fn set_pending(session: &Session, pending: &PendingSignIn) -> Result<(), AppError> {
    // A half-finished sign-in gets its own fresh id too.
    session.cycle_id().await?;
    Ok(session.insert(PENDING_KEY, pending).await?)
}

pub async fn clear_pending(session: &Session) -> Result<(), AppError> {
    session.remove_value(PENDING_KEY).await?;
    Ok(())
}

/// Starts a signed-in session: a new session id (no fixation), the record saved, and a user_sessions row
/// holding the hash of the new id. Runs inside the sign-in transaction.
pub async fn begin(
    session: &Session,
    tx: &mut Tx,
    settings: &AuthSettings,
    request: &RequestContext,
    tenant_id: TenantId,
    user_id: UserId,
    mfa_verified: bool,
) -> Result<Uuid, AppError> {
    let user_session_id = Uuid::new_v4();
    session.cycle_id().await?;
    session.clear().await;
    session.insert(AUTH_KEY, AuthRecord { tenant_id, user_id, user_session_id }).await?;
    session.insert(SEEN_KEY, Utc::now().timestamp()).await?;
    session.save().await?;
    let id = session.id().ok_or_else(|| {
        tracing::error!("a saved session has no id");
        AppError::Unavailable
    })?;
    let hash = token_hash(&id);
    queries::insert_session(
        tx,
        queries::NewSession {
            id: user_session_id,
            user: user_id,
            token_hash: &hash,
            expires_at: Utc::now() + settings.session_lifetime,
            ip: request.ip.map(|ip| ip.to_string()),
            user_agent: request.user_agent.as_deref(),
            mfa_verified,
        },
    )
    .await?;
    Ok(user_session_id)
}

/// Why a stored session no longer counts.
fn ended_reason(
    live: &queries::LiveSession,
    hash: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    if !live.is_active {
        Some("already_ended")
    } else if live.session_token_hash != hash {
        Some("security_breach")
    } else if !live.user_active {
        Some("user_deactivated")
    } else if now >= live.expires_at {
        Some("expired")
    } else if now - live.last_activity_at >= settings.idle_timeout {
        Some("timeout")
    } else {
        None
    }
}

/// Checks the request's session. Returns the signed-in user, or None (and clears the session) when it has
/// ended for any reason. `address_tenant` is the tenant of the request's subdomain, if it has one.
#[tracing::instrument(name = "session.resume", level = "debug", skip_all)] // the session holds its token
pub async fn resume(
    state: &AppState,
    session: &Session,
    address_tenant: Option<&TenantRef>,
    request: &RequestContext,
) -> Result<Option<SignedIn>, AppError> {
    let Some(record) = session.get::<AuthRecord>(AUTH_KEY).await? else {
        return Ok(None);
    };
    let Some(id) = session.id() else { return Ok(None) };
    if address_tenant.is_some_and(|t| t.id != record.tenant_id) {
        // A session of another organization: not valid at this address.
        return Ok(None);
    }
    let mut tx = begin_tenant_tx(&state.pool, record.tenant_id, Some(record.user_id)).await?;
    let live = queries::live_session(&mut tx, record.user_session_id).await?;
    let now = Utc::now();
    let Some(live) = live else {
        drop(tx);
        session.flush().await?;
        return Ok(None);
    };
    let tenant_open = live.tenant_active && live.subscription_status.is_served();
    let reason = if tenant_open {
        ended_reason(&live, &token_hash(&id), &state.settings.auth, now)
    } else {
        Some("admin_revoke")
    };
    if let Some(reason) = reason {
        if live.is_active {
            queries::end_sessions(&mut tx, live.user_id, Some(live.id), reason).await?;
            let actor = Actor::of_request(record.tenant_id, Some(live.user_id), Some(live.id), request);
            let event = AuditEvent::new(
                AuditAction::SessionEnd,
                "user_session",
                Some(live.id),
                format!("Session ended: {reason}"),
            )
            .after(serde_json::json!({ "reason": reason }));
            audit_record(&mut tx, &actor, event).await?;
        }
        tx.commit().await?;
        session.flush().await?;
        return Ok(None);
    }
    if (now - live.last_activity_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        queries::touch_session(&mut tx, live.id).await?;
        // Saving the record again also renews the cookie's and the store's idle expiry.
        session.insert(SEEN_KEY, now.timestamp()).await?;
    }
    tx.commit().await?;
    Ok(Some(SignedIn {
        tenant: TenantRef { id: record.tenant_id, name: live.tenant_name, subdomain: live.subdomain },
        user: UserRef {
            id: live.user_id,
            email: live.email,
            name: format!("{} {}", live.first_name, live.last_name).trim().to_string(),
        },
        user_session_id: live.id,
        mfa_verified: live.mfa_verified,
    }))
}

/// Signs out of this session: the row ends with `reason`, the record and cookie go.
pub async fn end_current(session: &Session) -> Result<(), AppError> {
    Ok(session.flush().await?)
}

/// Ends the live sessions that the MFA policy no longer allows after a change (the policy, a role given, a
/// role's permissions): signed in without a second factor by someone the policy now covers. Each is
/// audited; their next sign-in asks for the second factor (or its enrollment). The caller's own session is
/// kept, so an administrator is not signed out by their own change; it ends by its idle timeout or lifetime.
pub async fn enforce_mfa_policy_on_live_sessions(
    caller: &super::Caller,
    tx: &mut crate::db::Tx,
) -> Result<usize, crate::error::AppError> {
    use crate::audit::{AuditAction, AuditEvent, RiskLevel};
    let ended = crate::auth::ssr::queries::end_sessions_short_of_mfa_policy(tx, Some(caller.user_session_id)).await?;
    for (session, user) in &ended {
        let event = AuditEvent::new(
            AuditAction::SessionEnd,
            "user_session",
            Some(*session),
            "Session ended: the MFA policy now requires a second factor it was not signed in with",
        )
        .after(serde_json::json!({ "user_id": user, "reason": "mfa_policy" }))
        .risk(RiskLevel::Medium);
        caller.audit(tx, event).await?;
    }
    Ok(ended.len())
}
