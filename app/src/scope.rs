//! The start of every server function: who is asking, for which tenant, in which request.

use crate::{
    db::{begin_tenant_tx, Tx},
    error::AppError,
    state::AppState,
    tenancy::{ssr::resolve_tenant, TenantRef},
};
use axum::http::HeaderMap;

/// Facts about the HTTP request that audit rows and logs need.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub host: String,
    pub user_agent: Option<String>,
}

impl RequestContext {
    pub fn from_headers(headers: &HeaderMap) -> RequestContext {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        RequestContext {
            request_id: text("x-request-id").unwrap_or_else(|| "-".to_string()),
            host: text("host").unwrap_or_default(),
            user_agent: text("user-agent"),
        }
    }
}

/// The resolved caller of a server function: state, request and tenant.
pub struct Scope {
    pub state: AppState,
    pub request: RequestContext,
    pub tenant: TenantRef,
}

impl Scope {
    /// Resolves the current request's scope, or the error the user should see.
    pub async fn current() -> Result<Scope, AppError> {
        let state = AppState::from_context()?;
        let headers: HeaderMap = leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "request headers unavailable to a server function");
            AppError::Unavailable
        })?;
        let request = RequestContext::from_headers(&headers);
        let tenant = resolve_tenant(&state.pool, &state.settings, &request.host, &request.request_id).await?;
        Ok(Scope { state, request, tenant })
    }

    /// A transaction scoped to this caller's tenant.
    pub async fn begin(&self) -> Result<Tx, AppError> {
        begin_tenant_tx(&self.state.pool, self.tenant.id, None)
            .await
            .map_err(|e| self.db_error(e))
    }

    /// Maps a database error for this request (logged with its request id).
    pub fn db_error(&self, err: sqlx::Error) -> AppError {
        AppError::from_db(err, &self.request.request_id)
    }
}
