//! The start of every server function that needs no signed-in user (sign-in itself): the request's facts
//! and its tenant. Signed-in work starts from `auth::ssr::Caller` instead.

use super::{Visitor, door::begin_tenant_tx};
use crate::{db::Tx, error::AppError, state::AppState, tenancy::TenantRef};

/// The caller of a public server function: state, request and (if known) tenant.
pub struct Scope {
    pub state: AppState,
    pub visitor: Visitor,
}

impl Scope {
    pub async fn current() -> Result<Scope, AppError> {
        Ok(Scope { state: AppState::from_context()?, visitor: Visitor::current().await? })
    }

    pub fn request(&self) -> &crate::request::RequestContext {
        &self.visitor.request
    }

    /// The tenant at this address, or the error that says why there is none.
    pub fn tenant(&self) -> Result<&TenantRef, AppError> {
        self.visitor.tenant()
    }

    /// A transaction scoped to `tenant`, no acting user yet.
    pub async fn begin(&self, tenant: &TenantRef) -> Result<Tx, AppError> {
        Scope::begin_at(&self.state, tenant).await
    }

    /// `begin` for the sign-in routes that are not server functions (the SAML ACS).
    pub async fn begin_at(state: &AppState, tenant: &TenantRef) -> Result<Tx, AppError> {
        Ok(begin_tenant_tx(&state.pool, tenant.id, None).await?)
    }
}
