//! SP-initiated sign-in: the AuthnRequest (its id kept by RelayState, consumed once) and the assertion
//! consumer service: validation, replay refusal, user matching by saml_id, just-in-time provisioning,
//! role mapping, and a fresh session.

use super::{service_provider, settings};
use crate::{
    audit::{Actor, AuditAction, AuditEvent, RiskLevel, ssr::record},
    auth::ssr::sign_in,
    db::Tx,
    error::AppError,
    ids::{RoleId, UserId},
    request::RequestContext,
    sso::saml::{self, ValidatedAssertion, ValidationPolicy},
    state::AppState,
    tenancy::TenantRef,
};
use chrono::{Duration, Utc};
use rand::RngCore;
use std::collections::BTreeMap;
use tower_sessions::Session;

/// How long a started sign-in may take at the IdP.
const REQUEST_MINUTES: i64 = 10;

/// The cookie that binds a started sign-in to its browser (login CSRF: a RelayState alone, posted from
/// another browser, signs nobody in there).
pub const BINDING_COOKIE: &str = "gwm_sso_binding";

/// The binding cookie for a started sign-in (`Some(nonce)`), or the one that clears it (`None`): HttpOnly,
/// only sent to the ACS, as long as the request lives. The IdP's POST is cross-site, so over HTTPS it must be
/// SameSite=None (and Secure); over plain HTTP (local runs, with the IdP on the same site) SameSite=Lax.
pub fn binding_cookie(nonce: Option<&str>, https: bool) -> String {
    use tower_sessions::cookie::{Cookie, SameSite, time};
    let minutes = if nonce.is_some() { REQUEST_MINUTES } else { 0 };
    Cookie::build((BINDING_COOKIE, nonce.unwrap_or_default().to_string()))
        .path("/saml/acs")
        .max_age(time::Duration::minutes(minutes))
        .http_only(true)
        .same_site(if https { SameSite::None } else { SameSite::Lax })
        .secure(https)
        .build()
        .to_string()
}

/// The binding nonce a `Cookie` header carries, if well formed.
pub fn binding_nonce<'a>(cookie_headers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    use tower_sessions::cookie::Cookie;
    cookie_headers
        .into_iter()
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == BINDING_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit()))
}

fn binding_hash(nonce: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(nonce.as_bytes()).to_vec()
}

/// A started sign-in: where the browser goes, and the nonce its binding cookie carries.
pub struct Started {
    pub redirect_url: String,
    pub browser_nonce: String,
}

/// Why an SSO sign-in did not happen, in words for the person at the browser.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("Single sign-on is not set up for {0}. Sign in with your password, or ask your administrator.")]
    NotConfigured(String),
    #[error(
        "This sign-in has expired, was already used, or was started in another browser. Start again from the sign-in page."
    )]
    UnknownRequest,
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    App(#[from] AppError),
}

/// A tenant-wide role the person holds, as SSO reconciliation reads it.
#[derive(sqlx::FromRow)]
struct HeldRole {
    assignment: uuid::Uuid,
    role: RoleId,
    name: String,
    permissions: sqlx::types::Json<Vec<String>>,
    by_sso: bool,
}

impl From<sqlx::Error> for SsoError {
    #[track_caller]
    fn from(err: sqlx::Error) -> SsoError {
        SsoError::App(AppError::from(err))
    }
}

/// Where the browser goes to sign in at the IdP, and the nonce that binds the sign-in to this browser.
pub async fn start(
    state: &AppState,
    request: &RequestContext,
    tenant: &TenantRef,
    next: &str,
    is_test: bool,
) -> Result<Started, SsoError> {
    let mut tx = crate::auth::ssr::Scope::begin_at(state, tenant).await?;
    let config = settings::stored(&mut tx).await?;
    let Some(config) = config.filter(|c| c.is_enabled || is_test) else {
        return Err(SsoError::NotConfigured(tenant.name.clone()));
    };
    let idp = saml::parse_idp_metadata(&config.idp_metadata_xml).map_err(|e| SsoError::Refused(e.to_string()))?;
    let sp = service_provider(request, state.settings.auth.https);
    let mut relay = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut relay);
    let relay_state = hex::encode(relay);
    let mut nonce = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut nonce);
    let browser_nonce = hex::encode(nonce);
    let started =
        saml::start_authn_request(&idp, &sp, &relay_state, Utc::now()).map_err(|e| SsoError::Refused(e.to_string()))?;
    sqlx::query(
        "INSERT INTO saml_authn_requests (request_id, tenant_id, relay_state, return_to, is_test, expires_at, browser_binding) \
         VALUES ($1, app_current_tenant_id(), $2, $3, $4, $5, $6)",
    )
    .bind(&started.request_id)
    .bind(&relay_state)
    .bind(sign_in::safe_next(Some(next)))
    .bind(is_test)
    .bind(Utc::now() + Duration::minutes(REQUEST_MINUTES))
    .bind(binding_hash(&browser_nonce))
    .execute(&mut *tx)
    .await
    ?;
    tx.commit().await?;
    Ok(Started { redirect_url: started.redirect_url, browser_nonce })
}

/// SHA-256 fingerprints of the IdP signing certificates configured (what a refused signature was checked
/// against), for the audit trail.
fn certificate_fingerprints(metadata_xml: &str) -> Vec<String> {
    use sha2::Digest;
    saml::parse_idp_metadata(metadata_xml)
        .map(|idp| idp.signing_certificates_der.iter().map(|der| hex::encode(sha2::Sha256::digest(der))).collect())
        .unwrap_or_default()
}

/// Puts on record a post to the ACS that could not even be read (missing fields, a body too large or not a
/// form): the refusal is audited like every other, with what can be said of it.
pub async fn record_unreadable_post(
    state: &AppState,
    request: &RequestContext,
    tenant: &TenantRef,
    reason: &str,
) -> Result<(), AppError> {
    let mut tx = crate::auth::ssr::Scope::begin_at(state, tenant).await?;
    let event = request_refused(reason, serde_json::json!({ "reason": reason }));
    record(&mut tx, &Actor::of_request(tenant.id, None, None, request), event).await?;
    Ok(tx.commit().await?)
}

/// The audit row of a post to the ACS refused before any assertion was looked at.
fn request_refused(reason: &str, details: serde_json::Value) -> AuditEvent {
    AuditEvent::new(AuditAction::LoginFailed, "saml_request", None, format!("SSO sign-in refused: {reason}"))
        .after(details)
        .risk(RiskLevel::Medium)
}

/// What the ACS did.
#[derive(Debug)]
pub enum AcsOutcome {
    /// Signed in: go here.
    SignedIn { return_to: String },
    /// The admin's "test sign-in": what the IdP sent and what would happen, without signing in.
    Tested { name_id: String, attributes: BTreeMap<String, Vec<String>>, verdict: String },
}

struct Person {
    email: String,
    first_name: String,
    last_name: String,
    groups: Vec<String>,
}

fn person(a: &ValidatedAssertion, config: &settings::StoredConfig) -> Result<Person, SsoError> {
    let first = |name: &str| {
        a.attributes.get(name).and_then(|v| v.first()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    };
    let email = first(&config.attribute_email)
        .or_else(|| a.name_id.contains('@').then(|| a.name_id.clone()))
        .ok_or_else(|| SsoError::Refused(format!("The identity provider sent no \"{}\" attribute (email); ask your administrator to check the attribute mapping.", config.attribute_email)))?;
    let email = crate::input::parse_email(&email).map_err(|e| SsoError::Refused(e.to_string()))?;
    Ok(Person {
        first_name: first(&config.attribute_first_name)
            .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string()),
        last_name: first(&config.attribute_last_name).unwrap_or_default(),
        groups: a.attributes.get(&config.attribute_groups).cloned().unwrap_or_default(),
        email,
    })
}

/// The roles a person gets from their groups, or the default role when no group maps.
async fn roles_for(
    tx: &mut Tx,
    config: &settings::StoredConfig,
    groups: &[String],
) -> Result<Vec<(RoleId, String)>, sqlx::Error> {
    let mappings = settings::group_mappings(tx).await?;
    let mut roles: Vec<(RoleId, String)> = mappings
        .into_iter()
        .filter(|(g, _, _)| groups.iter().any(|x| x == g))
        .map(|(_, name, id)| (id, name))
        .collect();
    roles.dedup();
    if roles.is_empty()
        && let Some(id) = config.default_role_id
    {
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM roles WHERE id = $1").bind(id).fetch_optional(&mut **tx).await?;
        roles.extend(name.map(|n| (id, n)));
    }
    Ok(roles)
}

/// Consumes the IdP's POST.
#[tracing::instrument(name = "sso.consume", skip_all, fields(tenant = %tenant.id))] // never the assertion
pub async fn consume(
    state: &AppState,
    request: &RequestContext,
    session: &Session,
    tenant: &TenantRef,
    saml_response: &str,
    relay_state: &str,
    browser_nonce: Option<&str>,
) -> Result<AcsOutcome, SsoError> {
    let mut tx = crate::auth::ssr::Scope::begin_at(state, tenant).await?;
    let actor = |user: Option<UserId>| Actor::of_request(tenant.id, user, None, request);
    // The pending request, consumed once whatever happens next, and only by the browser that started it.
    let pending: Option<(String, String, bool, chrono::DateTime<Utc>)> = sqlx::query_as(
        "UPDATE saml_authn_requests SET consumed_at = now() \
          WHERE relay_state = $1 AND browser_binding = $2 AND consumed_at IS NULL AND expires_at > now() \
          RETURNING request_id, return_to, is_test, created_at",
    )
    .bind(relay_state)
    .bind(browser_nonce.map(binding_hash))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((request_id, return_to, is_test, requested_at)) = pending else {
        // Unknown, expired, used, or posted from another browser: on record, with what can be said of it.
        let known: Option<(bool, bool)> = sqlx::query_as(
            "SELECT consumed_at IS NOT NULL, expires_at <= now() FROM saml_authn_requests WHERE relay_state = $1",
        )
        .bind(relay_state)
        .fetch_optional(&mut *tx)
        .await?;
        let reason = match (known, browser_nonce) {
            (None, _) => "unknown RelayState",
            (Some((true, _)), _) => "RelayState already used",
            (Some((_, true)), _) => "sign-in request expired",
            (Some(_), None) => "no browser binding cookie (posted from another browser?)",
            (Some(_), Some(_)) => "browser binding does not match (posted from another browser)",
        };
        let event = request_refused(
            reason,
            serde_json::json!({ "reason": reason, "response": saml::response_summary(saml_response) }),
        );
        record(&mut tx, &actor(None), event).await?;
        tx.commit().await?;
        return Err(SsoError::UnknownRequest);
    };
    let config = settings::stored(&mut tx)
        .await?
        .filter(|c| c.is_enabled || is_test)
        .ok_or_else(|| SsoError::NotConfigured(tenant.name.clone()))?;
    let verdict =
        validate(&mut tx, &config, request, state.settings.auth.https, saml_response, &request_id, requested_at)
            .await?;
    let assertion = match verdict {
        Ok(a) => a,
        Err(refusal) => {
            let event = AuditEvent::new(AuditAction::LoginFailed, "saml_assertion", None, format!("SSO sign-in refused: {refusal}"))
                .after(serde_json::json!({
                    "reason": refusal, "expected_in_response_to": request_id, "response": saml::response_summary(saml_response),
                    "trusted_certificates_sha256": certificate_fingerprints(&config.idp_metadata_xml),
                }))
                .risk(RiskLevel::High);
            record(&mut tx, &actor(None), event).await?;
            tx.commit().await?;
            return Err(SsoError::Refused(refusal));
        }
    };
    let outcome = match decide(&mut tx, &config, &assertion, &actor(None), is_test).await {
        Ok(outcome) => outcome,
        Err(SsoError::Refused(message)) => {
            // The request and the assertion stay consumed, and the refusal is on record.
            let event = AuditEvent::new(
                AuditAction::LoginFailed,
                "saml_assertion",
                None,
                format!("SSO sign-in refused: {message}"),
            )
            .after(serde_json::json!({
                "reason": message, "name_id": assertion.name_id, "issuer": assertion.issuer,
                "response_id": assertion.response_id, "assertion_id": assertion.assertion_id,
                "in_response_to": assertion.in_response_to, "verified": true,
            }))
            .risk(RiskLevel::Medium);
            record(&mut tx, &actor(None), event).await?;
            tx.commit().await?;
            return Err(SsoError::Refused(message));
        }
        Err(other) => return Err(other),
    };
    let (user, roles) = match outcome {
        Decision::Test(tested) => {
            tx.commit().await?;
            return Ok(tested);
        }
        Decision::SignIn(user, roles) => (user, roles),
    };
    reconcile_roles(&mut tx, user, &roles, &actor(Some(user))).await?;
    // The MFA policy applies to SSO sign-ins too: met when the IdP says it used more than a password
    // (its AuthnContextClassRef); otherwise the sign-in is refused with what to ask for.
    let second_factor = assertion.authn_context.as_deref().is_some_and(is_multi_factor);
    if !second_factor && crate::auth::ssr::queries::mfa_required_of(&mut tx, user).await? {
        let message =
            "Your organization requires two-step verification, and your identity provider did not report one for this \
                       sign-in. Ask your administrator to require MFA at the identity provider for GWM CRM."
                .to_string();
        let event = AuditEvent::new(
            AuditAction::LoginFailed,
            "saml_assertion",
            None,
            "SSO sign-in refused: the MFA policy needs a second factor the IdP did not report",
        )
        .after(serde_json::json!({ "name_id": assertion.name_id, "authn_context": assertion.authn_context }))
        .risk(RiskLevel::Medium);
        // Roles reconciled above stay: they follow the groups whatever the outcome.
        record(&mut tx, &actor(Some(user)), event).await?;
        tx.commit().await?;
        return Err(SsoError::Refused(message));
    }
    sign_in::complete(&state.settings.auth, request, session, tx, tenant, user, second_factor, "SAML single sign-on")
        .await?;
    Ok(AcsOutcome::SignedIn { return_to })
}

/// Authentication contexts that mean more than a password: REFEDS MFA, Microsoft Entra's multi-factor
/// claim, and the SAML classes of hardware tokens and smart cards (PIV and CAC sign in with X.509 certificates).
pub fn is_multi_factor(context: &str) -> bool {
    const MULTI_FACTOR: [&str; 9] = [
        "https://refeds.org/profile/mfa",
        "http://schemas.microsoft.com/claims/multipleauthn",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor",
    ];
    MULTI_FACTOR.contains(&context.trim())
}

/// Makes the roles that SSO sign-ins gave match what the person's groups give now: roles of groups they
/// left are taken away, new ones given, each change audited. Roles an administrator gave by hand are never
/// touched, a role an administrator took away stays away, and the last holder of an admin permission keeps
/// it (audited) rather than leave the tenant without one.
pub async fn reconcile_roles(
    tx: &mut Tx,
    user: UserId,
    wanted: &[(RoleId, String)],
    actor: &Actor,
) -> Result<(), AppError> {
    let suppressed: Vec<RoleId> = sqlx::query_scalar("SELECT role_id FROM sso_role_suppressions WHERE user_id = $1")
        .bind(user)
        .fetch_all(&mut **tx)
        .await?;
    let wanted: Vec<&(RoleId, String)> = wanted.iter().filter(|(r, _)| !suppressed.contains(r)).collect();
    let held: Vec<HeldRole> = sqlx::query_as(
        "SELECT ur.id AS assignment, ur.role_id AS role, r.name, r.permissions, ur.granted_by_sso AS by_sso \
           FROM user_roles ur \
           JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id \
          WHERE ur.user_id = $1 AND ur.opportunity_project_id IS NULL",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await?;
    for HeldRole { assignment, role, name, permissions, by_sso } in &held {
        if !by_sso || wanted.iter().any(|(w, _)| w == role) {
            continue;
        }
        let admin: Vec<crate::auth::Permission> =
            crate::auth::Permission::from_stored(&permissions.0).into_iter().filter(|p| p.is_admin()).collect();
        let orphaned = if admin.is_empty() {
            Vec::new()
        } else {
            crate::admin::queries::unheld_permissions_without(tx, &admin, Some(*assignment)).await?
        };
        let event = if orphaned.is_empty() {
            sqlx::query("DELETE FROM user_roles WHERE id = $1").bind(assignment).execute(&mut **tx).await?;
            AuditEvent::new(
                AuditAction::PermissionChange,
                "user_role",
                Some(*assignment),
                format!("SSO sign-in took away the role {name}: no longer given by the person's groups"),
            )
            .before(serde_json::json!({ "user_id": user, "role": name, "granted_by_sso": true }))
            .risk(RiskLevel::Medium)
        } else {
            let names: Vec<&str> = orphaned.iter().map(|p| p.as_str()).collect();
            AuditEvent::new(
                AuditAction::PermissionChange,
                "user_role",
                Some(*assignment),
                format!(
                    "SSO sign-in kept the role {name}, which the groups no longer give: its holder is the last with {}",
                    names.join(", ")
                ),
            )
            .after(serde_json::json!({ "user_id": user, "role": name, "last_holder_of": names }))
            .risk(RiskLevel::High)
        };
        record(tx, actor, event).await?;
    }
    for (role, name) in wanted {
        if held.iter().any(|h| h.role == *role) {
            continue;
        }
        let added: Option<uuid::Uuid> = sqlx::query_scalar(
            "INSERT INTO user_roles (tenant_id, user_id, role_id, assigned_by_system, granted_by_sso) \
             VALUES (app_current_tenant_id(), $1, $2, 'platform_admin', true) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(user)
        .bind(role)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(assignment) = added {
            let event = AuditEvent::new(
                AuditAction::PermissionChange,
                "user_role",
                Some(assignment),
                format!("SSO sign-in gave the role {name} from the person's groups"),
            )
            .after(serde_json::json!({ "user_id": user, "role": name, "granted_by_sso": true }))
            .risk(RiskLevel::Medium);
            record(tx, actor, event).await?;
        }
    }
    Ok(())
}

enum Decision {
    Test(AcsOutcome),
    SignIn(UserId, Vec<(RoleId, String)>),
}

/// Who the assertion signs in (matched by saml_id, or created just in time), or why not.
async fn decide(
    tx: &mut Tx,
    config: &settings::StoredConfig,
    assertion: &ValidatedAssertion,
    actor: &Actor,
    is_test: bool,
) -> Result<Decision, SsoError> {
    let who = person(assertion, config)?;
    let roles = roles_for(tx, config, &who.groups).await?;
    let existing: Option<(UserId, bool)> = sqlx::query_as("SELECT id, is_active FROM users WHERE saml_id = $1")
        .bind(&assertion.name_id)
        .fetch_optional(&mut **tx)
        .await?;
    let email_taken: bool = existing.is_none()
        && sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
            .bind(&who.email)
            .fetch_one(&mut **tx)
            .await?;
    let role_names: Vec<&str> = roles.iter().map(|(_, n)| n.as_str()).collect();
    if is_test {
        let verdict = match (&existing, email_taken) {
            (Some((_, true)), _) => format!("Signs in as the existing SSO user {}.", who.email),
            (Some((_, false)), _) => format!("Refused: the user {} is deactivated.", who.email),
            (None, true) => format!(
                "Refused: {} already has a password account; an administrator must remove or rename it first.",
                who.email
            ),
            (None, false) if !config.jit_provisioning => {
                "Refused: no such user, and just-in-time provisioning is off.".to_string()
            }
            (None, false) => format!(
                "Creates {} {} <{}> with roles: {}.",
                who.first_name,
                who.last_name,
                who.email,
                if role_names.is_empty() { "none".into() } else { role_names.join(", ") }
            ),
        };
        let event = AuditEvent::new(AuditAction::Read, "saml_configuration", None, "SSO test sign-in")
            .after(serde_json::json!({ "name_id": assertion.name_id, "verdict": verdict }));
        record(tx, actor, event).await?;
        return Ok(Decision::Test(AcsOutcome::Tested {
            name_id: assertion.name_id.clone(),
            attributes: assertion.attributes.clone(),
            verdict,
        }));
    }
    let refuse = |message: String| SsoError::Refused(message);
    let user = match existing {
        Some((id, true)) => {
            sqlx::query("UPDATE users SET first_name = $2, last_name = $3 WHERE id = $1")
                .bind(id)
                .bind(&who.first_name)
                .bind(&who.last_name)
                .execute(&mut **tx)
                .await?;
            id
        }
        Some((_, false)) => return Err(refuse("Your GWM CRM account is deactivated. Ask your administrator.".into())),
        None if email_taken => {
            return Err(refuse(format!(
                "An account for {} already exists with a password, so single sign-on cannot create another. Sign in with your password; to use SSO instead, an administrator deactivates or renames that account (Settings → Users) and you sign in with SSO again.",
                who.email
            )));
        }
        None if !config.jit_provisioning => {
            return Err(refuse("Your account has not been set up in GWM CRM yet. Ask your administrator.".into()));
        }
        None => provision(tx, &who, &assertion.name_id, &roles, actor).await?,
    };
    Ok(Decision::SignIn(user, roles))
}

/// Validates the response and consumes its assertion id: Ok(assertion) or the refusal to show and audit.
async fn validate(
    tx: &mut Tx,
    config: &settings::StoredConfig,
    request: &RequestContext,
    https: bool,
    saml_response: &str,
    request_id: &str,
    requested_at: chrono::DateTime<Utc>,
) -> Result<Result<ValidatedAssertion, String>, SsoError> {
    let idp = match saml::parse_idp_metadata(&config.idp_metadata_xml) {
        Ok(idp) => idp,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let sp = service_provider(request, https);
    let assertion = match saml::validate_response(
        saml_response,
        &idp,
        &sp,
        request_id,
        Utc::now(),
        &ValidationPolicy { request_issued_at: Some(requested_at), ..ValidationPolicy::default() },
    ) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let first_use = sqlx::query(
        "INSERT INTO saml_consumed_assertions (tenant_id, assertion_id, valid_until) VALUES (app_current_tenant_id(), $1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&assertion.assertion_id)
    .bind(assertion.not_on_or_after)
    .execute(&mut **tx)
    .await
    ?;
    if first_use.rows_affected() == 0 {
        return Ok(Err(saml::SamlError::Replayed.to_string()));
    }
    Ok(Ok(assertion))
}

/// Creates a just-in-time user (plan limit permitting).
async fn provision(
    tx: &mut Tx,
    who: &Person,
    name_id: &str,
    roles: &[(RoleId, String)],
    actor: &Actor,
) -> Result<UserId, SsoError> {
    let (active, max_users) = crate::admin::queries::seats(tx).await?;
    if active >= i64::from(max_users) {
        return Err(SsoError::Refused(
            "Your organization has used all the user seats of its plan. Ask your administrator.".into(),
        ));
    }
    if roles.is_empty() {
        return Err(SsoError::Refused(
            "None of your groups gives you a role in GWM CRM. Ask your administrator.".into(),
        ));
    }
    let id: UserId = sqlx::query_scalar(
        "INSERT INTO users (tenant_id, email, first_name, last_name, is_saml_user, saml_id, email_verified) \
         VALUES (app_current_tenant_id(), $1, $2, $3, true, $4, true) RETURNING id",
    )
    .bind(&who.email)
    .bind(&who.first_name)
    .bind(&who.last_name)
    .bind(name_id)
    .fetch_one(&mut **tx)
    .await?;
    let mut actor = actor.clone();
    actor.user_id = Some(id);
    let names: Vec<&str> = roles.iter().map(|(_, n)| n.as_str()).collect();
    let event = AuditEvent::new(
        AuditAction::Create,
        "user",
        Some(id.as_uuid()),
        format!("Created {} on first SSO sign-in", who.email),
    )
    .after(serde_json::json!({ "email": who.email, "saml_id": name_id, "roles": names, "groups": who.groups }))
    .risk(RiskLevel::Medium);
    record(tx, &actor, event).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_contexts_beyond_a_password_meet_the_mfa_policy() {
        for mfa in [
            "https://refeds.org/profile/mfa",
            "http://schemas.microsoft.com/claims/multipleauthn",
            "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
        ] {
            assert!(super::is_multi_factor(mfa), "{mfa}");
        }
        for single in [
            "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
            "",
            "mfa",
        ] {
            assert!(!super::is_multi_factor(single), "{single}");
        }
    }
}
