//! What the server knows about a request before any server function runs: its tenant, its signed-in user
//! (if any) and its client address. The server's middleware resolves it once per request.

use crate::{error::AppError, ids::UserId, request::RequestContext, tenancy::TenantRef};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub id: UserId,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub tenant: TenantRef,
    pub user: UserRef,
    pub user_session_id: Uuid,
    pub mfa_verified: bool,
}

/// The tenant a request is for.
#[derive(Debug, Clone)]
pub enum TenantAtAddress {
    /// Known from the subdomain, the session, or (locally) the default tenant.
    Known(TenantRef),
    /// A subdomain that names no active organization.
    Unknown(String),
    /// No subdomain and no session: the sign-in page asks for the organization.
    Unspecified,
}

#[derive(Debug, Clone)]
pub struct Visitor {
    pub request: RequestContext,
    pub tenant: TenantAtAddress,
    pub signed_in: Option<SignedIn>,
}

impl Visitor {
    /// The visitor the middleware attached to the current request.
    pub async fn current() -> Result<Visitor, AppError> {
        let axum::Extension(visitor) = leptos_axum::extract::<axum::Extension<Visitor>>().await.map_err(|e| {
            tracing::error!(error = %e, "no visitor on the request: the auth middleware must wrap every route");
            AppError::Unavailable
        })?;
        Ok(visitor)
    }

    /// The tenant, or the error that tells the visitor why there is none.
    pub fn tenant(&self) -> Result<&TenantRef, AppError> {
        match &self.tenant {
            TenantAtAddress::Known(t) => Ok(t),
            TenantAtAddress::Unknown(sub) => Err(AppError::UnknownTenant(sub.clone())),
            TenantAtAddress::Unspecified => Err(AppError::Validation(
                "Enter your organization's ID (as in acme.gwmcrm.com, enter \"acme\").".into(),
            )),
        }
    }
}
