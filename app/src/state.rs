//! The server's shared state, handed to server functions through context and to routes through axum State.

use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::{path::PathBuf, sync::Arc};

/// Settings that request handling needs (the server's full configuration lives in the server crate).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The domain tenants are subdomains of: `acme.<base_domain>`.
    pub base_domain: String,
    /// The tenant served when the address has no tenant subdomain (local use); `None` in production.
    pub default_tenant: Option<String>,
    /// Root folder of the local-disk file store.
    pub files_dir: PathBuf,
}

#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    /// Connections as the application role: RLS applies to everything read or written through it.
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub leptos_options: LeptosOptions,
}

impl AppState {
    /// The state provided by the server for this request.
    pub fn from_context() -> Result<AppState, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context: routes must be built with leptos_routes_with_context");
            crate::error::AppError::Unavailable
        })
    }
}
