//! The start of every server function that needs no signed-in user (sign-in itself): the request's facts
//! and its tenant. Signed-in work starts from `auth::ssr::Caller` instead.

use crate::{
    auth::ssr::Visitor,
    db::{begin_tenant_tx, Tx},
    error::AppError,
    state::AppState,
    tenancy::TenantRef,
};
use axum::http::HeaderMap;
use std::net::IpAddr;

/// Facts about the HTTP request that audit rows and logs need.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub host: String,
    pub user_agent: Option<String>,
    /// The client's address (the peer, or the first X-Forwarded-For hop when configured to trust it).
    pub ip: Option<IpAddr>,
}

impl RequestContext {
    pub fn from_headers(headers: &HeaderMap, ip: Option<IpAddr>) -> RequestContext {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        RequestContext {
            request_id: text("x-request-id").unwrap_or_else(|| "-".to_string()),
            host: text("host").unwrap_or_default(),
            user_agent: text("user-agent"),
            ip,
        }
    }
}

/// The caller of a public server function: state, request and (if known) tenant.
pub struct Scope {
    pub state: AppState,
    pub visitor: Visitor,
}

impl Scope {
    pub async fn current() -> Result<Scope, AppError> {
        Ok(Scope { state: AppState::from_context()?, visitor: Visitor::current().await? })
    }

    pub fn request(&self) -> &crate::scope::RequestContext {
        &self.visitor.request
    }

    /// The tenant at this address, or the error that says why there is none.
    pub fn tenant(&self) -> Result<&TenantRef, AppError> {
        self.visitor.tenant()
    }

    /// A transaction scoped to `tenant`, no acting user yet.
    pub async fn begin(&self, tenant: &TenantRef) -> Result<Tx, AppError> {
        begin_tenant_tx(&self.state.pool, tenant.id, None).await.map_err(|e| self.db_error(e))
    }

    pub fn db_error(&self, err: sqlx::Error) -> AppError {
        if crate::error::ssr::is_outage(&err) {
            self.state.db_gate.trip();
        }
        AppError::from_db(err, &self.visitor.request.request_id)
    }
}
