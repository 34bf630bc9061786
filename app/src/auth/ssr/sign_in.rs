//! Password sign-in with lockout (AC-7) and the second-factor step, ending in a fresh session.

use super::{enrollment, lockout, password, queries, session, throttle};
use crate::{
    audit::{Actor, AuditAction, AuditEvent, RiskLevel, ssr::record},
    auth::ssr::Scope,
    auth::{RecoveryCodes, SignInStep},
    db::Tx,
    error::AppError,
    ids::UserId,
    request::RequestContext,
    state::AuthSettings,
    tenancy::{TenantRef, ssr::active_tenant},
};
use chrono::Utc;
use serde_json::json;
use tower_sessions::Session;

const WRONG_CREDENTIALS: &str = "The email or password is not correct.";
const WRONG_CODE: &str = "wrong second-factor code";
const REUSED_CODE: &str = "second-factor code used before";

/// Where to go after signing in: a path on this site only (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Printable ASCII only (browsers drop tabs and newlines, turning "/\t/evil" into "//evil"), one
        // leading slash, no backslash.
        Some(path)
            if path.starts_with('/')
                && path.bytes().all(|b| b.is_ascii_graphic())
                && !path[1..].starts_with(['/', '\\'])
                && !path.contains('\\')
                && !path.starts_with("/sign-in") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

fn actor(scope: &Scope, tenant: &TenantRef, user: Option<UserId>) -> Actor {
    Actor::of_request(tenant.id, user, None, scope.request())
}

/// The tenant to sign in to: the address's, or the organization typed on the page.
async fn tenant_for_sign_in(scope: &Scope, organization: Option<&str>) -> Result<TenantRef, AppError> {
    if let Ok(tenant) = scope.tenant() {
        return Ok(tenant.clone());
    }
    let typed = organization.map(str::trim).filter(|o| !o.is_empty());
    match (typed, &scope.visitor.tenant) {
        (Some(org), super::TenantAtAddress::Unspecified) => {
            active_tenant(&scope.state.pool, org).await?.ok_or_else(|| {
                AppError::SignInRefused(format!(
                    "No active organization has the ID \"{org}\". Check it with your administrator."
                ))
            })
        }
        _ => scope.tenant().cloned(),
    }
}

async fn sso_only(tx: &mut Tx) -> Result<bool, sqlx::Error> {
    let row: Option<(bool,)> =
        sqlx::query_as("SELECT sso_only AND is_enabled FROM saml_configurations").fetch_optional(&mut **tx).await?;
    Ok(row.is_some_and(|r| r.0))
}

/// Records what a failed password or code means for the account: its (informational) counters, the
/// audit row, and the lockout row when this failure locks it from this address. Returns the message.
#[allow(clippy::too_many_arguments)]
async fn count_failure(
    scope: &Scope,
    tx: &mut Tx,
    tenant: &TenantRef,
    user: Option<&queries::Credentials>,
    email: &str,
    reservation: i64,
    what: &str,
) -> Result<String, AppError> {
    let settings = &scope.state.settings.auth;
    let key = lockout::AttemptKey { email: email.to_string(), ip: scope.request().ip };
    let user_id = user.map(|u| u.id);
    let lockout::Settled { position, locked_until: locked, newly_locked } =
        lockout::settle_failure(tx, &key, reservation, user_id, settings).await?;
    let actor = actor(scope, tenant, user_id);
    let failed = AuditEvent::new(
        AuditAction::LoginFailed,
        "user",
        user_id.map(|u| u.as_uuid()),
        format!("Sign-in failed: {what}"),
    )
    .after(json!({ "email": email, "failed_attempts_from_address": position }))
    .risk(RiskLevel::Medium);
    record(tx, &actor, failed).await?;
    if let Some(until) = locked.filter(|_| newly_locked) {
        let lock = AuditEvent::new(
            AuditAction::Lockout,
            "user",
            user_id.map(|u| u.as_uuid()),
            format!("Sign-in locked from one address after {position} failures"),
        )
        .after(json!({ "email": email, "locked_until": until, "ip": key.ip.map(|ip| ip.to_string()) }))
        .risk(RiskLevel::High);
        record(tx, &actor, lock).await?;
    }
    Ok(match (locked, what) {
        (Some(until), _) => lockout::locked_message(until),
        (None, WRONG_CODE) => {
            "That code is not correct. Enter the current code from your authenticator app, or a recovery code."
                .to_string()
        }
        (None, REUSED_CODE) => {
            "That code was already used. Wait for your authenticator app to show the next code, then enter it."
                .to_string()
        }
        (None, _) => WRONG_CREDENTIALS.to_string(),
    })
}

/// Refuses an attempt on a locked account (the same for unknown accounts), on record.
async fn refuse_locked(
    scope: &Scope,
    mut tx: Tx,
    tenant: &TenantRef,
    email: &str,
    until: chrono::DateTime<Utc>,
) -> Result<AppError, AppError> {
    let failed = AuditEvent::new(AuditAction::LoginFailed, "user", None, "Sign-in refused: locked from this address")
        .after(json!({ "email": email, "locked_until": until }))
        .risk(RiskLevel::Medium);
    record(&mut tx, &actor(scope, tenant, None), failed).await?;
    tx.commit().await?;
    Ok(AppError::SignInRefused(lockout::locked_message(until)))
}

/// Step one: organization, email and password.
#[tracing::instrument(name = "sign_in.password", skip_all)] // never the password, nor the email (enumeration)
pub async fn with_password(
    scope: &Scope,
    session: &Session,
    organization: Option<String>,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<SignInStep, AppError> {
    let tenant = tenant_for_sign_in(scope, organization.as_deref()).await?;
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() {
        return Err(AppError::Validation("Enter your email address and your password.".into()));
    }
    if email.len() > 255 || password.len() > 1024 {
        return Err(AppError::SignInRefused(WRONG_CREDENTIALS.into()));
    }
    throttle::check_sign_in_rate(
        &scope.state.pool,
        scope.request(),
        scope.state.settings.auth.sign_in_attempts_per_minute,
    )
    .await?;
    // Reserve the attempt and read, then verify with no transaction open (Argon2 never holds a row lock or
    // a pooled connection), then record the outcome in a second transaction.
    let settings = &scope.state.settings.auth;
    let key = lockout::AttemptKey { email: email.clone(), ip: scope.request().ip };
    let mut tx = scope.begin(&tenant).await?;
    if sso_only(&mut tx).await? {
        return Err(AppError::SignInRefused(format!(
            "{} signs in with single sign-on only. Use \"Sign in with SSO\".",
            tenant.name
        )));
    }
    let attempt = match lockout::reserve(&mut tx, &key, settings).await? {
        lockout::Reservation::Locked(until) => return Err(refuse_locked(scope, tx, &tenant, &email, until).await?),
        lockout::Reservation::Busy => return Err(lockout::busy()),
        lockout::Reservation::Attempt { id } => id,
    };
    let user = queries::credentials_by_email(&mut tx, &email).await?;
    tx.commit().await?;
    let stored = user.as_ref().filter(|u| u.is_active).and_then(|u| u.password_hash.clone());
    // Always verify (against a dummy hash when there is no usable user): same work, same answer.
    let matched = password::verify(stored, password).await;
    let mut tx = scope.begin(&tenant).await?;
    let usable = user.as_ref().filter(|u| u.is_active);
    if !matched || usable.is_none() {
        let what = if usable.is_some() { "wrong password" } else { "unknown or inactive account" };
        let message = count_failure(scope, &mut tx, &tenant, usable, &email, attempt, what).await?;
        tx.commit().await?;
        // An unknown account's failures lock like a real one's, with the same words.
        return Err(AppError::SignInRefused(message));
    }
    let Some(user) = user else { return Err(AppError::SignInRefused(WRONG_CREDENTIALS.into())) };
    lockout::succeeded(&mut tx, &key, attempt).await?;
    let next = safe_next(next.as_deref());
    if user.mfa_enabled {
        session::set_pending(
            session,
            &session::PendingSignIn {
                tenant_id: tenant.id,
                user_id: user.id,
                enrolling: false,
                started_at: Utc::now(),
                next,
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(SignInStep::NeedsCode);
    }
    if mfa_required(&mut tx, user.id).await? {
        let key = scope.state.settings.auth.secret_key.expose();
        let enrollment =
            enrollment::start(&mut tx, key, user.id, &format!("GWM CRM ({})", tenant.name), &user.email).await?;
        session::set_pending(
            session,
            &session::PendingSignIn {
                tenant_id: tenant.id,
                user_id: user.id,
                enrolling: true,
                started_at: Utc::now(),
                next,
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(SignInStep::NeedsEnrollment(enrollment));
    }
    complete(&scope.state.settings.auth, scope.request(), session, tx, &tenant, user.id, false, "password").await?;
    Ok(SignInStep::SignedIn { next })
}

/// Whether the tenant's policy requires a second factor of this user.
async fn mfa_required(tx: &mut Tx, user: UserId) -> Result<bool, AppError> {
    Ok(queries::mfa_required_of(tx, user).await?)
}

/// The pending sign-in of this session, checked against the address and the account's state.
async fn pending_user(
    scope: &Scope,
    session: &Session,
) -> Result<(session::PendingSignIn, TenantRef, Tx, queries::Credentials), AppError> {
    let expired = || AppError::SignInRefused("Your sign-in has expired. Enter your email and password again.".into());
    let pending = session::pending(session).await?.ok_or_else(expired)?;
    let tenant = match &scope.visitor.tenant {
        super::TenantAtAddress::Known(t) if t.id == pending.tenant_id => t.clone(),
        super::TenantAtAddress::Unspecified => {
            active_tenant_by_id(&scope.state.pool, pending.tenant_id).await?.ok_or_else(expired)?
        }
        _ => return Err(expired()),
    };
    throttle::check_sign_in_rate(
        &scope.state.pool,
        scope.request(),
        scope.state.settings.auth.sign_in_attempts_per_minute,
    )
    .await?;
    let mut tx = scope.begin(&tenant).await?;
    let user = queries::credentials_by_id(&mut tx, pending.user_id).await?;
    let user = user.filter(|u| u.is_active).ok_or_else(expired)?;
    let key = lockout::AttemptKey { email: user.email.clone(), ip: scope.request().ip };
    if let Some(until) = lockout::locked_until(&mut tx, &key, &scope.state.settings.auth).await? {
        return Err(AppError::SignInRefused(lockout::locked_message(until)));
    }
    Ok((pending, tenant, tx, user))
}

/// Step two: a code from the authenticator app, or a recovery code.
#[tracing::instrument(name = "sign_in.code", skip_all)]
pub async fn with_code(scope: &Scope, session: &Session, code: String) -> Result<SignInStep, AppError> {
    let (pending, tenant, mut tx, user) = pending_user(scope, session).await?;
    if pending.enrolling {
        return Err(AppError::Validation("Finish setting up your authenticator app first.".into()));
    }
    let attempt = lockout::AttemptKey { email: user.email.clone(), ip: scope.request().ip };
    let reserved = match lockout::reserve(&mut tx, &attempt, &scope.state.settings.auth).await? {
        lockout::Reservation::Locked(until) => return Err(AppError::SignInRefused(lockout::locked_message(until))),
        lockout::Reservation::Busy => return Err(lockout::busy()),
        lockout::Reservation::Attempt { id } => id,
    };
    let key = scope.state.settings.auth.secret_key.expose();
    let code = code.trim();
    let totp = enrollment::use_totp_code(&mut tx, key, &user, code).await?;
    let by_totp = totp == enrollment::TotpCode::Accepted;
    let by_recovery = !by_totp
        && code.chars().filter(char::is_ascii_alphanumeric).count() == 12
        && enrollment::use_recovery_code(&mut tx, user.id, code).await?;
    if !by_totp && !by_recovery {
        let what = if totp == enrollment::TotpCode::UsedBefore { REUSED_CODE } else { WRONG_CODE };
        let message = count_failure(scope, &mut tx, &tenant, Some(&user), &user.email, reserved, what).await?;
        tx.commit().await?;
        return Err(AppError::SignInRefused(message));
    }
    lockout::succeeded(&mut tx, &attempt, reserved).await?;
    let method = if by_totp { "password + authenticator code" } else { "password + recovery code" };
    complete(&scope.state.settings.auth, scope.request(), session, tx, &tenant, user.id, true, method).await?;
    Ok(SignInStep::SignedIn { next: pending.next })
}

/// Step two for a user the policy makes enroll: the first code confirms the new authenticator.
#[tracing::instrument(name = "sign_in.enrollment", skip_all)]
pub async fn with_enrollment(scope: &Scope, session: &Session, code: String) -> Result<RecoveryCodes, AppError> {
    let (pending, tenant, mut tx, user) = pending_user(scope, session).await?;
    if !pending.enrolling {
        return Err(AppError::Validation("Your authenticator is already set up: enter its code.".into()));
    }
    let codes = enrollment::confirm(&mut tx, scope.state.settings.auth.secret_key.expose(), &user, &code).await?;
    let event =
        AuditEvent::new(AuditAction::Update, "user", Some(user.id.as_uuid()), "Enrolled an authenticator app (MFA on)")
            .after(json!({ "mfa_enabled": true }));
    record(&mut tx, &actor(scope, &tenant, Some(user.id)), event).await?;
    complete(
        &scope.state.settings.auth,
        scope.request(),
        session,
        tx,
        &tenant,
        user.id,
        true,
        "password + new authenticator",
    )
    .await?;
    Ok(RecoveryCodes { codes, next: pending.next })
}

/// The end of every successful sign-in (password or SSO): counters reset, a new session, an audit row,
/// one commit.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    settings: &AuthSettings,
    request: &RequestContext,
    session: &Session,
    mut tx: Tx,
    tenant: &TenantRef,
    user: UserId,
    mfa_verified: bool,
    method: &str,
) -> Result<(), AppError> {
    queries::record_success(&mut tx, user).await?;
    let user_session = session::begin(session, &mut tx, settings, request, tenant.id, user, mfa_verified).await?;
    let actor = Actor::of_request(tenant.id, Some(user), Some(user_session), request);
    let event = AuditEvent::new(AuditAction::Login, "user", Some(user.as_uuid()), format!("Signed in with {method}"))
        .after(json!({ "method": method, "mfa_verified": mfa_verified }));
    record(&mut tx, &actor, event).await?;
    Ok(tx.commit().await?)
}

/// The active tenant with this id (its own row is the only one the app role can see once scoped).
async fn active_tenant_by_id(pool: &sqlx::PgPool, id: crate::ids::TenantId) -> Result<Option<TenantRef>, sqlx::Error> {
    let mut tx = super::door::begin_tenant_tx(pool, id, None).await?;
    let row: Option<(crate::ids::TenantId, String, String)> = sqlx::query_as(
        "SELECT id, name, subdomain FROM tenants \
          WHERE id = $1 AND is_active AND subscription_status IN ('trial', 'active')",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.map(|(id, name, subdomain)| TenantRef { id, name, subdomain }))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/pipeline?manager=x")), "/pipeline?manager=x");
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "https://evil.com",
            "evil.com",
            "/sign-in",
            " /x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
