//! Identity: signing in and out (password, second factor, SAML), who is signed in, and the permission
//! catalogue that authorization checks against.

mod page;
mod permissions;
mod sessions;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use page::SignInPage;
pub use permissions::Permission;
pub use sessions::{MfaRequirement, SessionSummary};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the sign-in page shows before anyone types: which organization, and whether SSO is offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInChoices {
    /// The organization at this address, if the address names one.
    pub organization: Option<String>,
    pub sso_available: bool,
    pub sso_only: bool,
}

/// A new authenticator to set up: scan the QR code or type the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfaEnrollment {
    pub secret: String,
    pub qr_svg: String,
    pub account: String,
}

/// Where a sign-in attempt stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SignInStep {
    SignedIn {
        next: String,
    },
    /// Enter the code from the authenticator app (or a recovery code).
    NeedsCode,
    /// The tenant requires MFA and this user has none yet: set it up now.
    NeedsEnrollment(MfaEnrollment),
}

/// Recovery codes, shown exactly once, then where to go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
    pub next: String,
}

/// The signed-in user, for the app shell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub organization: String,
    pub permissions: Vec<Permission>,
}

impl Me {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

#[server(prefix = "/api", endpoint = "auth/options")]
pub async fn sign_in_options() -> Result<SignInChoices, AppError> {
    use crate::auth::ssr::Scope;
    use crate::server_prelude::*;
    serve(async move {
        let scope = Scope::current().await?;
        let Ok(tenant) = scope.tenant().cloned() else {
            return Ok(SignInChoices { organization: None, sso_available: false, sso_only: false });
        };
        let mut tx = scope.begin(&tenant).await?;
        let sso: Option<(bool,)> = sqlx::query_as("SELECT sso_only FROM saml_configurations WHERE is_enabled")
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(SignInChoices {
            organization: Some(tenant.name),
            sso_available: sso.is_some(),
            sso_only: sso.is_some_and(|s| s.0),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "auth/sign-in")]
pub async fn sign_in(
    organization: Option<String>,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<SignInStep, AppError> {
    use crate::auth::ssr::Scope;
    use crate::server_prelude::*;
    serve(async move {
        let scope = Scope::current().await?;
        let session = ssr::current_session().await?;
        ssr::sign_in::with_password(&scope, &session, organization, email, password, next).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "auth/code")]
pub async fn verify_sign_in_code(code: String) -> Result<SignInStep, AppError> {
    use crate::auth::ssr::Scope;
    use crate::server_prelude::*;
    serve(async move {
        let scope = Scope::current().await?;
        let session = ssr::current_session().await?;
        ssr::sign_in::with_code(&scope, &session, code).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "auth/enroll")]
pub async fn confirm_sign_in_enrollment(code: String) -> Result<RecoveryCodes, AppError> {
    use crate::auth::ssr::Scope;
    use crate::server_prelude::*;
    serve(async move {
        let scope = Scope::current().await?;
        let session = ssr::current_session().await?;
        ssr::sign_in::with_enrollment(&scope, &session, code).await
    })
    .await
}

/// Ends this session. Signing out twice is harmless.
#[server(prefix = "/api", endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let session = ssr::current_session().await?;
        if let Ok(caller) = ssr::Caller::current().await {
            let mut tx = caller.own_account().await?;
            ssr::queries::end_sessions(&mut tx, caller.user.id, Some(caller.user_session_id), "logout").await?;
            caller
                .audit(
                    &mut tx,
                    AuditEvent::new(AuditAction::Logout, "user_session", Some(caller.user_session_id), "Signed out"),
                )
                .await?;
            tx.commit().await?;
        }
        ssr::session::end_current(&session).await
    })
    .await
}

/// Who is signed in, for the shell's user menu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuUser {
    pub name: String,
    pub organization: String,
}

/// The shell's user menu on every page: answered from the request's resolved session, without a database
/// round trip (each one waits for a pooled connection under load).
#[server(prefix = "/api", endpoint = "auth/signed-in-as")]
pub async fn signed_in_as() -> Result<MenuUser, AppError> {
    use crate::error::ssr::serve;
    serve(async move {
        let caller = ssr::Caller::current().await?;
        Ok(MenuUser { name: caller.user.name, organization: caller.tenant.name })
    })
    .await
}

#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn who_am_i() -> Result<Me, AppError> {
    use crate::error::ssr::serve;
    serve(async move {
        let caller = ssr::Caller::current().await?;
        let mut tx = caller.own_account().await?;
        let mut permissions: Vec<Permission> =
            caller.permissions(&mut tx, ssr::Resource::Tenant).await?.into_iter().flat_map(|(_, p)| p).collect();
        tx.commit().await?;
        permissions.sort();
        permissions.dedup();
        Ok(Me { name: caller.user.name, email: caller.user.email, organization: caller.tenant.name, permissions })
    })
    .await
}
